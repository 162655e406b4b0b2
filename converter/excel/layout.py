"""Where everything sits in the agency workbook: the one place shared by writer, reader and annotator.

Positions are 1-based (row, col) like a spreadsheet; the writer converts to xlsxwriter's 0-based
indices. Everything is derived from the form definition: sheets, table origins, the cell of every
report-JSON path, the check cells of the arithmetic rules and the workbook defined names.
"""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field

from converter.form.definition import Form, Rule

LAYOUT_VERSION = "1"

COVER = "封面"
GUIDE = "填报说明"
TEXTS = "文字"
ISSUES = "问题清单"  # only in annotated copies
STAMP = "_stamp"

TABLE_TOP = 4  # grid row 1 of every table sits on sheet row 4 (title, unit line, summary above)
TABLE_LEFT = 1  # grid col 1 on sheet column A
TITLE_ROW, INFO_ROW, SUMMARY_ROW = 1, 2, 3

TEXT_FIRST_ROW = 3  # 文字: label row, then the input row, per text
TEXT_COLS = 1  # one wide unmerged cell per text: Excel, WPS and LibreOffice grow its row as text is typed
TEXT_COL_WIDTH = 110  # fits A4 landscape unscaled (LibreOffice does not scale a sheet of one column down)

COVER_FIELDS = (  # (name, label); agency and year are report fields, contact/phone cover-only
    ("agency", "填报单位"),
    ("year", "报告年度"),
    ("contact", "联系人"),
    ("phone", "联系电话"),
)
COVER_FIRST_ROW = 4
COVER_SUMMARY_ROW = COVER_FIRST_ROW + len(COVER_FIELDS) + 1

STAMP_KEYS = ("generator", "form", "edition", "agency", "year", "fingerprint", "layout")
GENERATOR = "converter gov-info-disclosure template"


@functools.lru_cache(maxsize=1024)
def col_letter(col: int) -> str:
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def ref(row: int, col: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row}"


def name_of(path: str) -> str:
    """The defined name of a report-JSON path: the public contract other tools fill through."""
    return path.replace(".", "__")


def path_of(name: str) -> str:
    return name.replace("__", ".")


@dataclass(frozen=True)
class Pos:
    sheet: str
    row: int
    col: int
    rs: int = 1
    cs: int = 1

    @property
    def ref(self) -> str:
        return ref(self.row, self.col)

    @property
    def a1(self) -> str:
        """表三!D7, as findings name a cell."""
        return f"{self.sheet}!{self.ref}"


def runs(positions: list[Pos]) -> list[tuple[int, int]]:
    """(first, last) indexes of the runs of adjacent cells, in the given order, that one range
    reference covers in a formula (one column going down, or one row going right): how the
    template writes SUM(D9:D29), and so which inserted rows an office suite takes into a range."""
    out = []
    i = 0
    while i < len(positions):
        j = i
        while (j + 1 < len(positions) and positions[j + 1].sheet == positions[i].sheet and (
                (positions[j + 1].col == positions[i].col and positions[j + 1].row == positions[j].row + 1)
                or (positions[j + 1].row == positions[i].row and positions[j + 1].col == positions[j].col + 1))):
            j += 1
        out.append((i, j))
        i = j + 1
    return out


@dataclass(frozen=True)
class Check:
    rule: Rule
    pos: Pos


@dataclass(frozen=True)
class CheckRow:
    """A row below a table holding the checks of one rule code (terms sharing a column)."""
    table: str
    code: str
    title: str
    row: int
    label_cols: int  # the title spans columns 1..label_cols of the table (0: no room)


@dataclass
class Layout:
    form: Form
    table_sheet: dict = field(default_factory=dict)  # table id → sheet name
    cells: dict = field(default_factory=dict)  # JSON path (numbers, texts, agency, year) → Pos
    extras: dict = field(default_factory=dict)  # contact, phone → Pos
    checks: list = field(default_factory=list)  # Check, in rule order
    check_rows: list = field(default_factory=list)  # CheckRow
    check_col: dict = field(default_factory=dict)  # table id → column of the right-hand check column
    table_end: dict = field(default_factory=dict)  # table id → last sheet row used by table + checks

    @property
    def sheets(self) -> list[str]:
        return [COVER, GUIDE, TEXTS, *self.table_sheet.values()]

    def names(self) -> dict[str, Pos]:
        """Workbook defined name → Pos for every report cell plus agency/year/contact/phone."""
        out = {name_of(p): pos for p, pos in self.cells.items()}
        out.update({k: pos for k, pos in self.extras.items()})
        return out

    def checks_on(self, sheet: str) -> list[Check]:
        return [c for c in self.checks if c.pos.sheet == sheet]


def origin(row: int, col: int) -> tuple[int, int]:
    """Sheet row/col of grid cell (row, col) of a table."""
    return TABLE_TOP + row - 1, TABLE_LEFT + col - 1


_CACHE: dict[int, tuple[Form, Layout]] = {}


def _layout(form: Form) -> Layout:
    lay = Layout(form)
    for i, (name, _label) in enumerate(COVER_FIELDS):
        pos = Pos(COVER, COVER_FIRST_ROW + i, 2, 1, 3)
        (lay.cells if name in ("agency", "year") else lay.extras)[name] = pos
    for i, text in enumerate(form.texts):
        lay.cells[text.key] = Pos(TEXTS, TEXT_FIRST_ROW + 2 * i + 1, 1, 1, TEXT_COLS)
    for table in form.tables:
        sheet = table.name
        lay.table_sheet[table.id] = sheet
        for n in table.numbers:
            r, c = origin(n.r, n.c)
            lay.cells[n.key] = Pos(sheet, r, c, n.rs, n.cs)
        _place_checks(lay, form, table)
    return lay


def layout(form: Form) -> Layout:
    """The layout of `form` (built once per form object: forms are unhashable, so keyed by id)."""
    hit = _CACHE.get(id(form))
    if hit is None or hit[0] is not form:
        hit = _CACHE[id(form)] = (form, _layout(form))
    return hit[1]


def _place_checks(lay: Layout, form: Form, table) -> None:
    """Check cells for the table's error-severity sum/balance rules.

    A rule code whose instances anchor (first left term) in distinct columns gets a row below the
    table, each check under its anchor; one whose instances anchor in distinct rows gets a column
    to the right of the table, each check beside its anchor.
    """
    keys = {n.key for n in table.numbers}
    by_code: dict[str, list[Rule]] = {}
    for rule in check_rules(form):
        if rule.left[0].path in keys:
            by_code.setdefault(rule.code, []).append(rule)
    next_row = TABLE_TOP + table.rows
    right_col = TABLE_LEFT + table.cols
    for code, rules in by_code.items():
        anchors = [lay.cells[r.left[0].path] for r in rules]
        cols = [a.col for a in anchors]
        rows = [a.row for a in anchors]
        if len(set(cols)) == len(cols):
            label_cols = min(cols) - TABLE_LEFT
            lay.check_rows.append(CheckRow(table.id, code, rules[0].title, next_row, label_cols))
            for rule, a in zip(rules, anchors):
                lay.checks.append(Check(rule, Pos(table.name, next_row, a.col, 1, a.cs)))
            next_row += 1
        elif len(set(rows)) == len(rows) and table.id not in lay.check_col:
            lay.check_col[table.id] = right_col
            for rule, a in zip(rules, anchors):
                lay.checks.append(Check(rule, Pos(table.name, a.row, right_col)))
        else:  # no clean place: one row each, below the table
            for rule, a in zip(rules, anchors):
                lay.check_rows.append(CheckRow(table.id, rule.id, rule.title, next_row, a.col - TABLE_LEFT))
                lay.checks.append(Check(rule, Pos(table.name, next_row, a.col, 1, a.cs)))
                next_row += 1
    lay.table_end[table.id] = next_row - 1


def check_rules(form: Form) -> list[Rule]:
    """The rules that get a live check cell: arithmetic, within one report, severity error."""
    return [r for r in form.rules if r.kind in ("sum", "balance") and r.severity == "error"
            and not r.needs_prior]


_FINGERPRINTS: dict[int, tuple[Form, str]] = {}


def fingerprint(form: Form) -> str:
    """Identifies the definition + layout a template was generated from."""
    hit = _FINGERPRINTS.get(id(form))
    if hit is None or hit[0] is not form:
        # only what shapes the workbook: a new narrative rule or heading variant is no new template
        shaping = {k: form.source.get(k) for k in ("id", "edition", "tables", "texts")}
        shaping["checks"] = [r for r in form.source.get("rules", ()) if r.get("kind") in ("sum", "balance")]
        blob = json.dumps(shaping, ensure_ascii=False, sort_keys=True) + "|" + LAYOUT_VERSION
        hit = _FINGERPRINTS[id(form)] = (form, hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16])
    return hit[1]


# ---- last year's values beside the inputs (`converter template --prior`) ------------------------
@dataclass(frozen=True)
class PriorPlace:
    """Where a template pre-filled from last year shows one cross-year rule that mixes last year's
    and this year's cells: last year's value (read-only, no defined name, never report data) and a
    reminder check beside the rule's own cell."""
    rule: Rule
    table: str  # table id
    value: Pos
    check: Pos


@dataclass(frozen=True)
class PriorBlock:
    """The helper cells of one rule code on one table: their places, header cells and a note cell."""
    table: str
    code: str
    title: str
    places: tuple[PriorPlace, ...]
    value_head: Pos
    check_head: Pos
    note: Pos | None
    columns: tuple[int, ...]  # sheet columns used (a narrow gap first), for widths and the print area
    rows: tuple[int, ...] = ()  # sheet rows added below the table (row placement)


def carry_rules(form: Form) -> list[Rule]:
    """Cross-year rules "this cell = last year's cell": what a template pre-fills from last year."""
    return [r for r in form.rules if r.kind == "cross_year" and len(r.left) == 1 and len(r.right) == 1
            and not r.left[0].prior and r.right[0].prior and r.left[0].sign > 0 and r.right[0].sign > 0]


def shown_rules(form: Form) -> list[Rule]:
    """Cross-year rules mixing last year's and this year's cells: last year's value is shown beside."""
    return [r for r in form.rules if r.kind == "cross_year" and len(r.left) == 1 and not r.left[0].prior
            and any(t.prior for t in r.right) and any(not t.prior for t in r.right)]


def prior_blocks(form: Form) -> list[PriorBlock]:
    """Helper cells for every shown rule: a column pair right of the table when the rule's instances
    sit on distinct rows (表二's 现行有效件数), else a row pair below the table and its checks."""
    lay = layout(form)
    by_table: dict[str, dict[str, list[Rule]]] = {}
    for rule in shown_rules(form):
        anchor = form.cell.get(rule.left[0].path)
        if anchor is not None:
            by_table.setdefault(anchor.table, {}).setdefault(rule.code, []).append(rule)
    out = []
    for table in form.tables:
        codes = by_table.get(table.id, {})
        next_col = (lay.check_col.get(table.id) or TABLE_LEFT + table.cols - 1) + 1
        next_row = lay.table_end[table.id] + 1
        for code, rules in codes.items():
            anchors = [lay.cells[r.left[0].path] for r in rules]
            rows = [a.row for a in anchors]
            if len(set(rows)) == len(rows):
                gap, vcol, ccol = next_col, next_col + 1, next_col + 2
                places = tuple(PriorPlace(r, table.id, Pos(table.name, a.row, vcol), Pos(table.name, a.row, ccol))
                               for r, a in zip(rules, anchors))
                head = max(min(rows) - 1, TABLE_TOP)
                last = max(rows)
                note_rows = min(5, TABLE_TOP + table.rows - 1 - last)
                note = Pos(table.name, last + 1, vcol, note_rows, 2) if note_rows > 0 else None
                out.append(PriorBlock(table.id, code, rules[0].title, places, Pos(table.name, head, vcol),
                                      Pos(table.name, head, ccol), note, (gap, vcol, ccol)))
                next_col += 3
            else:
                vrow, crow = next_row + 1, next_row + 2  # a blank row first
                places = tuple(PriorPlace(r, table.id, Pos(table.name, vrow, a.col, 1, a.cs),
                                          Pos(table.name, crow, a.col, 1, a.cs)) for r, a in zip(rules, anchors))
                first = min(a.col for a in anchors)
                label_cols = max(first - TABLE_LEFT, 1)
                out.append(PriorBlock(table.id, code, rules[0].title, places,
                                      Pos(table.name, vrow, TABLE_LEFT, 1, label_cols),
                                      Pos(table.name, crow, TABLE_LEFT, 1, label_cols), None, (),
                                      (next_row, vrow, crow)))
                next_row += 3
    return out
