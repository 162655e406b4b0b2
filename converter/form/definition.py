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
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_FORM = "gov-info-disclosure-2021"


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

    @property
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

    def default_preamble(self, year: int | str) -> str:
        return self.text["text.preamble"].default.format(year=year)

    def normalize_label(self, text: str) -> str:
        """Fold the spelling variants real reports use (half-width brackets, spaces, quotes, 、/，)."""
        text = unicodedata.normalize(self.normalization.get("unicode", "NFKC"), str(text))
        for ch in self.normalization.get("remove", ()):
            text = text.replace(unicodedata.normalize("NFKC", ch), "").replace(ch, "")
        return text

    def empty_report(self, agency: str = "", year: int | None = None) -> dict:
        report: dict = {"form": self.id, "agency": agency, "year": year, "text": {}}
        for t in self.texts:
            set_path(report, t.key, "")
        for n in self.numbers:
            set_path(report, n.key, None)
        return report


# ---- nested dict paths ---------------------------------------------------------------
def get_path(data, path: str, default=None):
    node = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node


def set_path(data: dict, path: str, value) -> None:
    *parents, last = path.split(".")
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
            title=spec["title"], left=left, right=right, operand=spec.get("operand"),
            derive=bool(spec.get("derive")), params=params,
        ))
    return out


def _table(spec: dict, derived: dict[str, str]) -> Table:
    labels, numbers = [], []
    for c in spec["cells"]:
        if "key" in c:
            numbers.append(NumberCell(
                r=c["r"], c=c["c"], cs=c.get("cs", 1), rs=c.get("rs", 1), key=c["key"], type=c["type"],
                row_label=c["row_label"], col_label=c["col_label"], table=spec["id"], table_name=spec["name"],
                derived_by=derived.get(c["key"]),
            ))
        else:
            labels.append(LabelCell(c["r"], c["c"], c.get("rs", 1), c.get("cs", 1), c["text"],
                                    tuple(c.get("aliases", ()))))
    return Table(spec["id"], spec["name"], spec["title"], spec["cols"], spec["rows"], spec["header_rows"],
                 tuple(spec["col_widths"]), tuple(labels), tuple(numbers))


def form_from_dict(spec: dict) -> Form:
    rules = tuple(r for s in spec["rules"] for r in _rule_instances(s))
    derived: dict[str, str] = {}
    for r in rules:
        if r.derive:
            derived.setdefault(r.left[0].path, r.id)
    form = Form(
        id=spec["id"], edition=spec["edition"], name=spec["name"], basis=spec["basis"],
        first_year=spec["first_year"], title_pattern=spec["title"],
        texts=tuple(TextField(t["key"], t["label"], t.get("default", "")) for t in spec["texts"]),
        sections=tuple(Section(s["number"], s["heading"], s.get("text"), s.get("table"), s.get("keywords", ""),
                               tuple(s.get("aliases", ()))) for s in spec["sections"]),
        number_types=spec["number_types"],
        tables=tuple(_table(t, derived) for t in spec["tables"]),
        rules=rules,
        blank_markers=tuple(spec.get("blank_markers", ())),
        legacy_markers=tuple(spec.get("legacy_markers", ())),
        normalization=spec.get("label_normalization", {}),
        key_totals=tuple((k["key"], k["label"]) for k in spec.get("key_totals", ())),
        source=spec,
    )
    _check_consistency(form)
    return form


def _check_consistency(form: Form) -> None:
    """A definition whose rules name cells that do not exist would silently check nothing."""
    keys = set(form.cell) | set(form.text)
    for rule in form.rules:
        for term in (*rule.left, *rule.right):
            if term.path not in keys:
                raise ValueError(f"rule {rule.id} names unknown cell {term.path}")
        if rule.operand and rule.operand not in keys:
            raise ValueError(f"rule {rule.id} names unknown cell {rule.operand}")
    for key, _ in form.key_totals:
        if key not in keys:
            raise ValueError(f"key_totals names unknown cell {key}")
    for table in form.tables:
        for row in table.grid():
            if any(slot is None for slot in row):
                raise ValueError(f"table {table.id} has an uncovered grid slot")


def available_forms() -> list[str]:
    return sorted(p.stem for p in data_dir("templates").glob("*.json"))


@functools.lru_cache(maxsize=None)
def load_form(form_id: str = DEFAULT_FORM) -> Form:
    if not re.fullmatch(r"[a-z0-9-]+", form_id):
        raise KeyError(form_id)
    path = data_dir("templates") / f"{form_id}.json"
    if not path.is_file():
        raise KeyError(form_id)
    return form_from_dict(json.loads(path.read_text(encoding="utf-8")))
