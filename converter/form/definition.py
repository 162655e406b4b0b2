"""Load a form definition (templates/<form>.json) into frozen dataclasses.

This is the only module that knows the layout of a definition file; everything downstream
(schema, rules, workbook, Word report, batch) works from the objects built here.
"""
from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

from converter.base.refusals import refuse

DEFAULT_FORM = "gov-info-disclosure-2021"  # what the CLI uses when --form is not given


@functools.lru_cache(maxsize=None)
def data_dir(name: str) -> Path:
    """templates/ or schemas/: inside the installed package, or beside it in a source checkout."""
    package = Path(__file__).resolve().parent.parent
    for candidate in (package / name, package.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"{name}/ not found next to {package}")


@dataclass(frozen=True)
class LabelCell:
    r: int
    c: int
    rs: int
    cs: int
    text: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class NumberCell:
    r: int
    c: int
    cs: int
    key: str
    type: str
    row_label: str
    col_label: str
    table: str  # table id
    table_name: str  # 表二 …
    rs: int = 1
    derived_by: str | None = None  # id of the rule instance whose formula fills this cell


@dataclass(frozen=True)
class Table:
    id: str
    name: str
    title: str
    cols: int
    rows: int
    header_rows: int
    col_widths: tuple[float, ...]
    labels: tuple[LabelCell, ...]
    numbers: tuple[NumberCell, ...]

    def grid(self) -> list[list[object]]:
        """rows × cols matrix: each slot holds the LabelCell/NumberCell covering it (merges repeated)."""
        g: list[list[object]] = [[None] * self.cols for _ in range(self.rows)]
        for cell in (*self.labels, *self.numbers):
            for r in range(cell.r, cell.r + cell.rs):
                for c in range(cell.c, cell.c + cell.cs):
                    g[r - 1][c - 1] = cell
        return g


@dataclass(frozen=True)
class Term:
    path: str
    sign: int = 1
    prior: bool = False

    @classmethod
    def parse(cls, text: str) -> "Term":
        sign = -1 if text.startswith("-") else 1
        text = text.lstrip("+-")
        prior = text.startswith("prior:")
        return cls(text.removeprefix("prior:"), sign, prior)


@dataclass(frozen=True)
class Rule:
    """One instance of a rule (a definition's `each` expanded)."""

    id: str  # instance id, e.g. t3.balance[natural_person]
    code: str  # the definition's rule id: stable, what findings carry
    kind: str
    severity: str
    title: str
    left: tuple[Term, ...] = ()
    right: tuple[Term, ...] = ()
    operand: str | None = None
    derive: bool = False
    params: dict = field(default_factory=dict)

    @property
    def arithmetic(self) -> bool:
        return self.kind in ("sum", "balance", "cross_year")

    @functools.cached_property  # asked of every equation of every report
    def needs_prior(self) -> bool:
        return any(t.prior for t in (*self.left, *self.right))


@dataclass(frozen=True)
class Section:
    number: str
    heading: str
    text: str | None = None
    table: str | None = None
    keywords: str = ""  # regex alternatives that mark this heading in published reports
    aliases: tuple[str, ...] = ()  # the heading's words without its number


@dataclass(frozen=True)
class TextField:
    key: str
    label: str
    default: str = ""
    role: str | None = None  # "preamble": the unnumbered text before section 一
    hint: str = ""  # shown beside the label in the template


@dataclass(frozen=True)
class Form:
    id: str
    edition: str
    name: str
    basis: str
    first_year: int
    title_pattern: str
    texts: tuple[TextField, ...]
    sections: tuple[Section, ...]
    number_types: dict
    tables: tuple[Table, ...]
    rules: tuple[Rule, ...]
    blank_markers: tuple[str, ...]
    legacy_markers: tuple[str, ...]
    normalization: dict
    key_totals: tuple[tuple[str, str], ...] = ()  # (key, short label): the summary's columns
    source: dict = field(repr=False, compare=False, hash=False, default_factory=dict)

    # ---- look-ups -------------------------------------------------------------------
    @functools.cached_property
    def numbers(self) -> tuple[NumberCell, ...]:
        return tuple(n for t in self.tables for n in t.numbers)

    @functools.cached_property
    def cell(self) -> dict[str, NumberCell]:
        return {n.key: n for n in self.numbers}

    @functools.cached_property
    def table(self) -> dict[str, Table]:
        return {t.id: t for t in self.tables}

    @functools.cached_property
    def text(self) -> dict[str, TextField]:
        return {t.key: t for t in self.texts}

    @functools.cached_property
    def derived(self) -> dict[str, Rule]:
        """Cells computed by a formula in the template: key → the sum rule that defines it."""
        out: dict[str, Rule] = {}
        for rule in self.rules:
            if rule.derive and rule.left[0].path not in out:
                out[rule.left[0].path] = rule
        return out

    @property
    def inputs(self) -> tuple[NumberCell, ...]:
        return tuple(n for n in self.numbers if n.key not in self.derived)

    def title(self, agency: str, year: int | str) -> str:
        return self.title_pattern.format(agency=agency, year=year)

    @property
    def preamble(self) -> TextField | None:
        return next((t for t in self.texts if t.role == "preamble"), None)

    def default_preamble(self, year: int | str) -> str:
        return self.preamble.default.format(year=year) if self.preamble else ""

    def normalize_label(self, text: str) -> str:
        """Fold the spelling variants real reports use (half-width brackets, spaces, quotes, 、/，)."""
        text = unicodedata.normalize(self.normalization.get("unicode", "NFKC"), str(text))
        for ch in self.normalization.get("remove", ()):
            text = text.replace(unicodedata.normalize("NFKC", ch), "").replace(ch, "")
        return text

    def empty_report(self, agency: str = "", year: int | None = None) -> dict:
        hit = _EMPTY.get(id(self))
        if hit is None or hit[0] is not self:  # built once per form: every workbook read starts from it
            report: dict = {"form": self.id, "agency": "", "year": None, "text": {}}
            for t in self.texts:
                set_path(report, t.key, "")
            for n in self.numbers:
                set_path(report, n.key, None)
            hit = _EMPTY[id(self)] = (self, json.dumps(report, ensure_ascii=False))
        report = json.loads(hit[1])  # a fresh copy, faster than building it again
        report["agency"], report["year"] = agency, year
        return report


_EMPTY: dict[int, tuple] = {}


# ---- nested dict paths ---------------------------------------------------------------
_SPLIT: dict[str, tuple[str, ...]] = {}  # path → its parts: a report has a few hundred paths, read thousands of times


def _parts(path: str) -> tuple[str, ...]:
    parts = _SPLIT.get(path)
    if parts is None:
        if len(_SPLIT) > 50_000:
            _SPLIT.clear()
        parts = _SPLIT[path] = tuple(path.split("."))
    return parts


def get_path(data, path: str, default=None):
    node = data
    for part in _parts(path):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_path(data: dict, path: str, value) -> None:
    *parents, last = _parts(path)
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value


# ---- loading ------------------------------------------------------------------------
def _expand(template: str, binding: dict) -> str:
    return template.format(**binding) if binding else template


def _rule_instances(spec: dict) -> list[Rule]:
    each = spec.get("each") or {}
    names = list(each)
    combos = [dict(zip(names, values)) for values in itertools.product(*(each[n] for n in names))] or [{}]
    out = []
    for binding in combos:
        suffix = "[" + ",".join(binding.values()) + "]" if binding else ""
        if spec["kind"] == "sum":
            left = (Term.parse(_expand(spec["target"], binding)),)
            right = tuple(Term.parse(_expand(p, binding)) for p in spec["parts"])
        else:
            left = tuple(Term.parse(_expand(p, binding)) for p in spec.get("left", ()))
            right = tuple(Term.parse(_expand(p, binding)) for p in spec.get("right", ()))
        params = {k: v for k, v in spec.items() if k not in
                  ("id", "kind", "severity", "title", "each", "left", "right", "target", "parts", "operand", "derive")}
        out.append(Rule(
            id=spec["id"] + suffix, code=spec["id"], kind=spec["kind"], severity=spec["severity"],
            title=spec.get("title", ""), left=left, right=right, operand=spec.get("operand"),
            derive=bool(spec.get("derive")), params=params,
        ))
    return out


def _placed(rows: list) -> tuple[list[tuple[int, int, dict]], int]:
    """Grid rows as lists of cells, left to right, skipping slots a span from above covers (as HTML
    tables do): a row inserted in the definition renumbers nothing by hand. → (r, c, cell), columns."""
    taken: set[tuple[int, int]] = set()
    placed = []
    for r, row in enumerate(rows, 1):
        c = 1
        for cell in row:
            while (r, c) in taken:
                c += 1
            cell = {"text": cell} if isinstance(cell, str) else cell
            for i in range(r, r + cell.get("rs", 1)):
                for j in range(c, c + cell.get("cs", 1)):
                    taken.add((i, j))
            placed.append((r, c, cell))
            c += cell.get("cs", 1)
    return placed, max((c for _, c in taken), default=0)


_SUB_ORDINAL = re.compile(r"^\d+[.．]")
_GROUP_ORDINAL = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")


def _labels_of(r: int, c: int, grid: list[list[object]]) -> tuple[str, str]:
    """A number cell's row and column labels, read off the grid: the nearest label to its left (a
    numbered sub-item "1.…" carries its group's ordinal "（三）"), the nearest label above; a table whose
    numbers have no label to their left (表四) names the row by the header groups above the column."""
    left = list(dict.fromkeys(x for x in reversed(grid[r - 1][:c - 1]) if isinstance(x, LabelCell)))
    up = list(dict.fromkeys(grid[i][c - 1] for i in range(r - 2, -1, -1) if isinstance(grid[i][c - 1], LabelCell)))
    col = up[0].text if up else ""
    if left:
        row = left[0].text
        group = next((_GROUP_ORDINAL.match(x.text) for x in left[1:] if _GROUP_ORDINAL.match(x.text)), None)
        if _SUB_ORDINAL.match(row) and group:
            row = group.group(0) + row
    else:
        row = "·".join(x.text for x in reversed(up[1:]))
    return row, col


def _table(spec: dict, derived: dict[str, str]) -> Table:
    placed, cols = _placed(spec["rows"])
    labels = [LabelCell(r, c, cell.get("rs", 1), cell.get("cs", 1), cell["text"], tuple(cell.get("aliases", ())))
              for r, c, cell in placed if "key" not in cell]
    rows = len(spec["rows"])
    grid: list[list[object]] = [[None] * cols for _ in range(rows)]
    for cell in labels:
        for i in range(cell.r, min(cell.r + cell.rs, rows + 1)):
            for j in range(cell.c, cell.c + cell.cs):
                grid[i - 1][j - 1] = cell
    numbers = []
    for r, c, cell in placed:
        if "key" not in cell:
            continue
        row_label, col_label = _labels_of(r, c, grid)
        numbers.append(NumberCell(
            r=r, c=c, cs=cell.get("cs", 1), rs=cell.get("rs", 1), key=cell["key"],
            type=cell.get("type", spec.get("number_type", "count")),
            row_label=cell.get("row_label", row_label), col_label=cell.get("col_label", col_label),
            table=spec["id"], table_name=spec["name"], derived_by=derived.get(cell["key"]),
        ))
    return Table(spec["id"], spec["name"], spec["title"], cols, rows, spec["header_rows"],
                 tuple(spec["col_widths"]), tuple(labels), tuple(numbers))


class _Problem(Exception):
    """A mistake in a definition: where (a path into the definition file) and what, in Chinese."""

    def __init__(self, place: str, detail: str):
        super().__init__(f"{place}: {detail}")
        self.place, self.detail = place, detail


_SCHEMA_WORDS = {
    "required": "缺少必需的项目", "additionalProperties": "有不认识的项目", "enum": "取值不在允许的范围内",
    "const": "取值不对", "type": "类型不对", "pattern": "格式不对", "minItems": "不能为空", "minLength": "不能为空",
    "minimum": "数值过小", "maximum": "数值过大", "oneOf": "既不是标签也不是数字单元格",
}


def _place(path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "（顶层）"


def _schema_problem(spec) -> _Problem | None:
    import jsonschema  # only when a definition is loaded: a few per run, cached

    validator = jsonschema.Draft202012Validator(_definition_schema())
    errors = sorted(validator.iter_errors(spec), key=lambda e: (len(list(e.absolute_path)), list(map(str, e.absolute_path))))
    if not errors:
        return None
    e = errors[0]
    detail = _SCHEMA_WORDS.get(e.validator, "不符合定义格式")
    if e.validator == "required":
        detail += "：" + "、".join(k for k in e.validator_value if isinstance(e.instance, dict) and k not in e.instance)
    elif e.validator == "additionalProperties" and isinstance(e.instance, dict):
        detail += "：" + "、".join(sorted(set(e.instance) - set(e.schema.get("properties", {}))))
    elif e.validator == "enum":
        detail += f"：“{e.instance}”，应为 " + "、".join(map(str, e.validator_value))
    elif not isinstance(e.instance, (dict, list)):
        detail += f"：{json.dumps(e.instance, ensure_ascii=False)}"
    return _Problem(_place(e.absolute_path), detail)


@functools.lru_cache(maxsize=1)
def _definition_schema() -> dict:
    return json.loads((Path(__file__).resolve().parent / "definition.schema.json").read_text(encoding="utf-8"))


def rule_kinds() -> tuple[str, ...]:
    """The rule kinds a definition may use (the engine registers an evaluator for each)."""
    return tuple(_definition_schema()["properties"]["rules"]["items"]["properties"]["kind"]["enum"])


def form_from_dict(spec: dict, source: str = "", *, bundled: bool = False) -> Form:
    """The Form a definition describes; InputError (form.invalid) naming `source` and the place in it.
    `bundled`: an edition shipped in templates/, checked against definition.schema.json by the test suite
    (tests/test_form.py), so not again at every start (jsonschema costs ~0.2 s); the consistency
    checks still run."""
    try:
        problem = None if bundled else _schema_problem(spec)
        if problem:
            raise problem
        return _build(spec)
    except _Problem as p:
        raise refuse("form.invalid", source or f"表式定义“{spec.get('id', '?') if isinstance(spec, dict) else '?'}”",
                      place=p.place, detail=p.detail) from None


def _build(spec: dict) -> Form:
    rules = []
    for i, s in enumerate(spec["rules"]):
        try:
            rules.extend(_rule_instances(s))
        except (KeyError, IndexError) as e:
            raise _Problem(f"rules[{i}]", f"规则 {s['id']} 的 each 中没有 {e}") from None
    derived: dict[str, str] = {}
    for r in rules:
        if r.derive:
            derived.setdefault(r.left[0].path, r.id)
    tables = tuple(_table(t, derived) for t in spec["tables"])
    cells = {n.key: n for t in tables for n in t.numbers}
    rules = tuple(r if r.title else replace(r, title=_equation_title(r, cells)) for r in rules)
    form = Form(
        id=spec["id"], edition=spec["edition"], name=spec["name"], basis=spec["basis"],
        first_year=spec["first_year"], title_pattern=spec["title"],
        texts=tuple(TextField(t["key"], t["label"], t.get("default", ""), t.get("role"), t.get("hint", ""))
                    for t in spec["texts"]),
        sections=tuple(Section(s["number"], s["heading"], s.get("text"), s.get("table"), s.get("keywords", ""),
                               tuple(s.get("aliases", ()))) for s in spec["sections"]),
        number_types=spec["number_types"],
        tables=tables,
        rules=rules,
        blank_markers=tuple(spec.get("blank_markers", ())),
        legacy_markers=tuple(spec.get("legacy_markers", ())),
        normalization=spec.get("label_normalization", {}),
        key_totals=tuple((k["key"], k["label"]) for k in spec.get("key_totals", ())),
        source=spec,
    )
    _check_consistency(form, spec)
    return form


def _equation_title(rule: Rule, cells: dict[str, NumberCell]) -> str:
    """A rule without a title is named by its equation, in the labels of the table: each term by the
    label it does not share with the others (the row when they share a column, and so on)."""
    terms = [t for t in (*rule.left, *rule.right) if t.path in cells]
    if len(terms) != len(rule.left) + len(rule.right):
        return rule.code
    same_col = len({(cells[t.path].table, cells[t.path].col_label) for t in terms}) == 1

    def name(t: Term) -> str:
        cell = cells[t.path]
        return ("上年" if t.prior else "") + (cell.row_label if same_col else cell.col_label)

    def side(ts) -> str:
        if len(ts) > 4:
            return f"{name(ts[0])}至{name(ts[-1])}共 {len(ts)} 项之和"
        return "".join(("" if i == 0 and t.sign > 0 else " − " if t.sign < 0 else " + ") + name(t)
                       for i, t in enumerate(ts))

    return f"{side(rule.left)} = {side(rule.right)}"


def _check_consistency(form: Form, spec: dict) -> None:
    """What a schema cannot say: every name a rule, total or section uses exists, the grid is whole,
    label overrides agree with the grid. A definition that names a missing cell would check nothing."""
    seen: dict[str, str] = {}
    for ti, table in enumerate(form.tables):
        where = f"tables[{ti}]"
        if len(table.col_widths) != table.cols:
            raise _Problem(f"{where}.col_widths", f"{table.name}有 {table.cols} 列，col_widths 给了 {len(table.col_widths)} 个")
        for cell in (*table.labels, *table.numbers):
            if cell.r + cell.rs - 1 > table.rows:
                raise _Problem(f"{where}.rows", f"{table.name}第 {cell.r} 行的单元格跨行超出表格（共 {table.rows} 行）")
        grid = table.grid()
        for r, row in enumerate(grid, 1):
            if any(slot is None for slot in row):
                raise _Problem(f"{where}.rows[{r - 1}]", f"{table.name}第 {r} 行的单元格不足 {table.cols} 列（或跨列不一致）")
        for n in table.numbers:
            if n.key in seen:
                raise _Problem(f"{where}.rows[{n.r - 1}]", f"数字单元格 {n.key} 重复（另见 {seen[n.key]}）")
            seen[n.key] = f"{where}.rows[{n.r - 1}]"
            if n.type not in form.number_types:
                raise _Problem(f"{where}.rows[{n.r - 1}]", f"{n.key} 的类型“{n.type}”不在 number_types 中")
            cell_spec = _cell_spec(spec["tables"][ti], n)
            for name, derived_label in zip(("row_label", "col_label"), _labels_of(n.r, n.c, grid)):
                given = cell_spec.get(name)
                if given is not None and form.normalize_label(derived_label) not in form.normalize_label(given):
                    raise _Problem(f"{where}.rows[{n.r - 1}]",
                                   f"{n.key} 的 {name}“{given}”与表格中的标签“{derived_label}”不一致")
    keys = set(form.cell) | set(form.text)
    ids = [r["id"] for r in spec["rules"]]
    for i, rule_spec in enumerate(spec["rules"]):
        if ids.index(rule_spec["id"]) != i:
            raise _Problem(f"rules[{i}].id", f"规则编号 {rule_spec['id']} 重复")
    index = {rid: i for i, rid in enumerate(ids)}
    for rule in form.rules:
        for term in (*rule.left, *rule.right):
            if term.path not in keys:
                raise _Problem(f"rules[{index[rule.code]}]", f"规则 {rule.id} 引用了不存在的单元格 {term.path}（unknown cell）")
        if rule.operand and rule.operand not in keys:
            raise _Problem(f"rules[{index[rule.code]}].operand", f"规则 {rule.id} 引用了不存在的单元格 {rule.operand}（unknown cell）")
    for i, (key, _) in enumerate(form.key_totals):
        if key not in keys:
            raise _Problem(f"key_totals[{i}]", f"引用了不存在的单元格 {key}（unknown cell）")
    for i, section in enumerate(form.sections):
        if section.text and section.text not in form.text:
            raise _Problem(f"sections[{i}].text", f"没有文字项 {section.text}")
        if section.table and section.table not in form.table:
            raise _Problem(f"sections[{i}].table", f"没有表格 {section.table}")


def _cell_spec(table_spec: dict, n: NumberCell) -> dict:
    return next(c for row in table_spec["rows"] for c in row if isinstance(c, dict) and c.get("key") == n.key)


def available_forms() -> list[str]:
    return list(_bundled_ids())


@functools.lru_cache(maxsize=1)
def _bundled_ids() -> tuple[str, ...]:  # the package's own files: listed once per process
    return tuple(sorted(p.stem for p in data_dir("templates").glob("*.json")))


@functools.lru_cache(maxsize=None)
def load_definition(path: str, bundled: bool = False) -> Form:
    """A definition file anywhere (`--form 路径.json`); InputError naming the file and the place in it."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise refuse("form.unknown", path, forms="、".join(available_forms())) from None
    except (OSError, UnicodeDecodeError) as e:
        raise refuse("form.invalid", path, place="（文件）", detail=f"无法读取：{e}") from None
    try:
        spec = json.loads(text)
    except json.JSONDecodeError as e:
        raise refuse("form.invalid", path, place=f"第 {e.lineno} 行第 {e.colno} 列", detail="不是有效的 JSON") from None
    return form_from_dict(spec, str(path), bundled=bundled)


def load_form(form_id: str) -> Form:
    """A bundled edition by its id (templates/<id>.json)."""
    return _load_bundled(str(form_id))


@functools.lru_cache(maxsize=64)
def _load_bundled(form_id: str) -> Form:  # a reader asks for its edition once per workbook
    if not re.fullmatch(r"[a-z0-9-]+", form_id) or not (data_dir("templates") / f"{form_id}.json").is_file():
        raise refuse("form.unknown", form_id, forms="、".join(available_forms()))
    return load_definition(str(data_dir("templates") / f"{form_id}.json"), bundled=True)


def resolve_form(value: str) -> Form:
    """`--form`: a bundled edition's id, or the path of a definition file."""
    if value.lower().endswith(".json") or "/" in value or "\\" in value:
        return load_definition(str(Path(value).resolve()))
    return load_form(value)
