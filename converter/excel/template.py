"""The Excel template agencies fill in, written with xlsxwriter from the form definition.

Every label, merge, formula, check and defined name comes from the form and converter.xlsx_layout;
nothing here names a cell of the official tables. The same writer produces the annotated copy that
`converter check --annotate` returns (values filled in, failing cells marked, a 问题清单 sheet).
"""
from __future__ import annotations

import datetime
import io
import math
import os
from dataclasses import dataclass, field

from converter.base.atomic import atomic_path
from converter.form.definition import Form, get_path
from converter.excel.prior import cover_note, draw_table
from converter.base.text import text_width
from converter.engine.arith import evaluate_derived, number, rounded, signed_sum
from converter.engine.arith import fmt as fmt_number
from converter.excel.layout import (COVER, COVER_FIELDS, COVER_SUMMARY_ROW, GENERATOR, GUIDE, INFO_ROW, ISSUES,
                          LAYOUT_VERSION, STAMP, SUMMARY_ROW, TABLE_LEFT, TABLE_TOP, TEXT_COL_WIDTH,
                          TEXT_COLS, TEXTS, TITLE_ROW, Layout, Pos, fingerprint, layout, ref, runs)

FONT = "宋体"
INPUT_FILL = "#FFF2CC"
DERIVED_FILL = "#EDEDED"
ERROR_FILL = "#FF9999"
WARNING_FILL = "#FFD966"
OK_COLOR = "#2E7D32"
BAD_COLOR = "#C00000"
OK_TEXT = "✔"
ALL_OK = "✔ 勾稽关系全部成立"
NOT_FILLED = "尚未填写：请在浅黄色单元格中填写数字（没有发生的事项填 0）"
TEXT_MARK = "⚠"
TEXT_CHECK = TEXT_MARK + " 有文字"  # a check whose cells hold text: the sheet cannot add them
# the tool reads “18件”, “１０”, “/” in a number cell (with a finding), but the sheet's sums count them as 0:
# the summary says so first, so the sheet's ✘ and the tool's verdict never silently disagree
TEXT_IN_NUMBERS = "格数字填成了文字（如“18件”“１０”“/”），请只填阿拉伯数字；改正前勾稽校验不准"


@dataclass
class Annotations:
    """What the annotated copy adds: per-path marks and the rows of the 问题清单 sheet."""
    marks: dict = field(default_factory=dict)  # JSON path → (severity, comment)
    issues: list = field(default_factory=list)  # (severity label, where, message, code, Pos | None)
    literals: dict = field(default_factory=dict)  # derived path → number typed over its formula


_PREPARED: dict = {}  # (formula, expand, use_future_functions) → what xlsxwriter writes; per process


def memo_formulas(ws):
    """The worksheet with xlsxwriter's formula preparation remembered per process: it runs ~30 re.sub
    on every formula (a third of an annotated copy's time), and a batch writes the same formulas again
    and again. A pure function of its arguments and the sheet's use_future_functions: same bytes."""
    prepare = ws._prepare_formula

    def remembered(formula, expand_future_functions=False):
        key = (formula, expand_future_functions, ws.use_future_functions)
        out = _PREPARED.get(key)
        if out is None:
            if len(_PREPARED) > 100_000:
                _PREPARED.clear()
            out = _PREPARED[key] = prepare(formula, expand_future_functions)
        return out

    ws._prepare_formula = remembered
    return ws


# Data validations and defined names are the same for every workbook of a form: xlsxwriter's checking of
# each (~170 validations, ~230 names) and its XML for a sheet's validations are kept per process, as above.
REMEMBER = True  # False: every call made afresh (what the tests compare the remembered bytes with)
_VALIDATIONS: dict = {}  # (cells, options) → the options dict xlsxwriter stored (it never changes it after)
_VALIDATION_XML: dict = {}  # ids of a sheet's validations, all remembered dicts → (those dicts, their XML)
_NAMES: dict = {}  # (name, formula) → xlsxwriter's entry for it
_NAMES_XML: dict = {}  # a workbook's defined names (their entries) → their XML
_KEPT_LIMIT = 20_000


def _kept(cache: dict, key, make):
    value = cache.get(key)
    if value is None:
        if len(_VALIDATIONS) + len(_VALIDATION_XML) + len(_NAMES) + len(_NAMES_XML) > _KEPT_LIMIT:
            for each in (_VALIDATIONS, _VALIDATION_XML, _NAMES, _NAMES_XML):
                each.clear()
        value = cache[key] = make()
    return value


def data_validation(ws, first_row: int, first_col: int, last_row: int, last_col: int, options: dict) -> None:
    """ws.data_validation(...), its checking done once per process for each distinct call."""
    if not REMEMBER:
        ws.data_validation(first_row, first_col, last_row, last_col, options)
        return
    key = (first_row, first_col, last_row, last_col, tuple(sorted(options.items())))

    def make():
        before = len(ws.validations)
        ws.data_validation(first_row, first_col, last_row, last_col, options)
        return ws.validations.pop() if len(ws.validations) > before else False  # (False: refused, warned)

    stored = _kept(_VALIDATIONS, key, make)
    if stored is not False:
        ws.validations.append(stored)


def memo_validations(ws):
    """The worksheet with the XML of its validations remembered when they are all remembered dicts."""
    if not REMEMBER:
        return ws
    write = ws._write_data_validations

    def remembered():
        key = tuple(map(id, ws.validations))
        hit = _VALIDATION_XML.get(key)
        if hit is None or any(a is not b for a, b in zip(hit[0], ws.validations)):
            out, ws.fh = ws.fh, io.StringIO()
            try:
                write()
                hit = (tuple(ws.validations), ws.fh.getvalue())  # holds the dicts: their ids stay theirs
            finally:
                ws.fh = out
            known = {id(v) for v in _VALIDATIONS.values() if v is not False}
            if all(i in known for i in key):
                _kept(_VALIDATION_XML, key, lambda: hit)
        ws.fh.write(hit[1])

    ws._write_data_validations = remembered
    return ws


def memo_defined_names(wb):
    """The workbook with the XML of its defined names remembered for the same names (its print areas and
    titles included: whatever xlsxwriter holds when it writes them)."""
    if not REMEMBER:
        return wb
    write = wb._write_defined_names

    def remembered():
        key = tuple(map(tuple, wb.defined_names))

        def make():
            out, wb.fh = wb.fh, io.StringIO()
            try:
                write()
                return wb.fh.getvalue()
            finally:
                wb.fh = out

        wb.fh.write(_kept(_NAMES_XML, key, make))

    wb._write_defined_names = remembered
    return wb


def define_name(wb, name: str, formula: str) -> None:
    """wb.define_name(name, formula) for a workbook-wide name, checked once per process."""
    if not REMEMBER:
        wb.define_name(name, formula)
        return

    def make():
        before = len(wb.defined_names)
        wb.define_name(name, formula)
        return tuple(wb.defined_names.pop()) if len(wb.defined_names) > before else False

    entry = _kept(_NAMES, (name, formula), make)
    if entry is not False:
        wb.defined_names.append(list(entry))  # a fresh list: xlsxwriter sorts with a key appended to each


def write_template(target, form: Form, *, agency: str | None = None, year: int | None = None,
                   contact: str | None = None, phone: str | None = None, values: dict | None = None,
                   annotations: Annotations | None = None, prior=None) -> None:
    """Write the workbook to `target` (a path, written atomically, or a binary file object).

    prior: last year's report as a converter.excel.prior.Prior: its carried-over cells pre-fill
    the inputs (unless `values` is given) and its values are shown beside the inputs they check."""
    if isinstance(target, (str, os.PathLike)):
        with atomic_path(target) as tmp:  # complete or absent; parent folder created; ordinary permissions
            _Writer(form, str(tmp), agency, year, contact, phone, values, annotations, prior).write()
    else:
        _Writer(form, target, agency, year, contact, phone, values, annotations, prior).write()


# ---- formulas -----------------------------------------------------------------------------------
def _per_objects(fn):
    """fn remembered per process on its arguments: the form's rules, terms and layout by identity (a form
    keeps them for the life of the process; the entry holds them, so an id is never another's), text by value."""
    cache: dict = {}

    def remembered(*args):
        if not REMEMBER:
            return fn(*args)
        key = tuple(a if isinstance(a, str) else id(a) for a in args)
        hit = cache.get(key)
        if hit is None or any(x is not y for x, y in zip(hit[0], args)):
            if len(cache) > 10_000:
                cache.clear()
            hit = cache[key] = (args, fn(*args))
        return hit[1]

    return remembered


def _ranges(positions: list[Pos], here: str) -> list[str]:
    """Cell references, runs of adjacent cells in one column (or row) collapsed into ranges."""
    out: list[str] = []
    for i, j in runs(positions):
        first, last = positions[i], positions[j]
        prefix = "" if first.sheet == here else f"'{first.sheet}'!"
        out.append(prefix + (first.ref if i == j else f"{first.ref}:{last.ref}"))
    return out


@_per_objects
def _signed_sum(terms, lay: Layout, here: str) -> str:
    pos = [lay.cells[t.path] for t in terms if t.sign > 0]
    neg = [lay.cells[t.path] for t in terms if t.sign < 0]
    text = f"SUM({','.join(_ranges(pos, here))})" if pos else "0"
    if neg:
        text += f"-SUM({','.join(_ranges(neg, here))})"
    return text


def _difference(rule, lay: Layout, here: str) -> str:
    return f"ROUND(({_signed_sum(rule.left, lay, here)})-({_signed_sum(rule.right, lay, here)}),6)"


@_per_objects
def check_formula(rule, lay: Layout, here: str) -> str:
    """✔, or which side of the rule's “=” is larger: ✘ 多N (the left side by N) / ✘ 少N (short by N);
    ⚠ when one of its cells holds text (“18件”): SUM counts it as 0, the tool reads it as 18, so the
    sheet says it cannot check rather than a ✘ the tool would not confirm."""
    d = _difference(rule, lay, here)
    cells = ",".join(_ranges(_cells_behind(rule, lay), here))
    return (f'=IF(COUNTA({cells})>COUNT({cells}),"{TEXT_CHECK}",'
            f'IF({d}=0,"{OK_TEXT}",IF({d}>0,"✘ 多"&{d},"✘ 少"&-{d})))')


def _cells_behind(rule, lay: Layout) -> list[Pos]:
    """The cells a check adds up, with the inputs behind its totals (text there makes a total short),
    in column runs."""
    derived = lay.form.derived
    seen: dict[str, Pos] = {}
    todo = [t.path for t in (*rule.left, *rule.right)]
    while todo:
        path = todo.pop()
        if path not in seen:
            seen[path] = lay.cells[path]
            if path in derived:
                todo.extend(t.path for t in derived[path].right)
    return sorted(seen.values(), key=lambda p: (p.sheet, p.col, p.row))


def summary_formula(ranges: list[str], total: int, inputs: list[str] = ()) -> str:
    """The summary line; with `inputs`, an untouched form says it is not filled in rather than ✔, and
    text typed in number cells is counted before any ✘ (the sums read it as 0)."""
    ok = "+".join(f'COUNTIF({r},"{OK_TEXT}")' for r in ranges) or "0"
    body = f'IF({ok}={total},"{ALL_OK}","✘ "&({total}-({ok}))&" 项勾稽关系不成立")'
    if not inputs:
        return "=" + body
    texts = "+".join(f"SUMPRODUCT(--ISTEXT({r}))" for r in inputs)
    body = f'IF({texts}>0,"{TEXT_MARK} "&({texts})&" {TEXT_IN_NUMBERS}",{body})'
    return f'=IF(COUNTA({",".join(inputs)})=0,"{NOT_FILLED}",{body})'


def summary_text(failed: int, filled: bool = True) -> str:
    if not filled:
        return NOT_FILLED
    return ALL_OK if failed == 0 else f"✘ {failed} 项勾稽关系不成立"


def check_result(rule, cell_value) -> str:
    diff = rounded(signed_sum(rule.left, lambda t: cell_value(t.path)) - signed_sum(rule.right, lambda t: cell_value(t.path)))
    if diff == 0:
        return OK_TEXT
    return f"✘ {'多' if diff > 0 else '少'}{fmt_number(abs(diff))}"


MAX_ROW_HEIGHT = 409  # points: Excel's tallest row
TEXT_LINE_HEIGHT = 15.6  # points per line of 11-pt 宋体 as Excel and LibreOffice lay it out
TEXT_SHOWN_CHARS = 1500  # about what one text cell shows at MAX_ROW_HEIGHT (said in the sheet)


def text_row_height(text: str) -> float:
    """Points for a row showing `text` wrapped in the 文字 sheet's cell, capped at Excel's maximum."""
    per_line = TEXT_COLS * TEXT_COL_WIDTH - 3
    lines = sum(max(1, math.ceil(text_width(par) / per_line)) for par in text.split("\n"))
    return min(MAX_ROW_HEIGHT, lines * TEXT_LINE_HEIGHT + 8)


# ---- the writer -------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, form, target, agency, year, contact, phone, values, annotations, prior=None):
        self.form = form
        self.prior = prior
        if prior is not None and values is None:
            values = prior.values()
        self.lay = layout(form)
        self.target = target
        self.agency = agency if agency else (values or {}).get("agency") or None
        self.year = year if year else (values or {}).get("year") or None
        self.contact, self.phone = contact, phone
        self.values = values
        self.ann = annotations or Annotations()
        self.derived = evaluate_derived(form, values, self.ann.literals)
        self._fmt_cache: dict = {}

    # formats are created once per workbook, variants on demand
    def fmt(self, name: str, **extra):
        key = (name, tuple(sorted(extra.items())))
        if key not in self._fmt_cache:
            props = dict(self.BASE[name])
            props.update(extra)
            self._fmt_cache[key] = self.wb.add_format(props)
        return self._fmt_cache[key]

    BASE = {
        "title": {"font_name": FONT, "font_size": 16, "bold": True, "align": "center", "valign": "vcenter"},
        "subtitle": {"font_name": FONT, "font_size": 10, "align": "left", "valign": "vcenter", "text_wrap": True},
        "summary": {"font_name": FONT, "font_size": 11, "bold": True, "align": "left", "valign": "vcenter",
                    "font_color": OK_COLOR},
        "label": {"font_name": FONT, "font_size": 10, "align": "center", "valign": "vcenter", "text_wrap": True,
                  "border": 1},
        "label_left": {"font_name": FONT, "font_size": 10, "align": "left", "valign": "vcenter",
                       "text_wrap": True, "border": 1},
        "input": {"font_name": FONT, "font_size": 10.5, "align": "center", "valign": "vcenter", "border": 1,
                  "bg_color": INPUT_FILL, "locked": False},
        "derived": {"font_name": FONT, "font_size": 10.5, "align": "center", "valign": "vcenter", "border": 1,
                    "bg_color": DERIVED_FILL, "bold": True},
        "check": {"font_name": FONT, "font_size": 9, "align": "center", "valign": "vcenter", "border": 1,
                  "font_color": OK_COLOR},
        "check_label": {"font_name": FONT, "font_size": 9, "align": "left", "valign": "vcenter", "border": 1,
                        "text_wrap": True, "italic": True},
        "text_label": {"font_name": FONT, "font_size": 12, "bold": True, "align": "left", "valign": "vcenter"},
        "text_input": {"font_name": FONT, "font_size": 11, "align": "left", "valign": "top", "text_wrap": True,
                       "border": 1, "bg_color": INPUT_FILL, "locked": False},
        "cover_label": {"font_name": FONT, "font_size": 12, "align": "right", "valign": "vcenter", "bold": True},
        "cover_input": {"font_name": FONT, "font_size": 12, "align": "left", "valign": "vcenter", "border": 1,
                        "bg_color": INPUT_FILL, "locked": False},
        "cover_fixed": {"font_name": FONT, "font_size": 12, "align": "left", "valign": "vcenter", "border": 1},
        "para": {"font_name": FONT, "font_size": 11, "align": "left", "valign": "top", "text_wrap": True},
        "head": {"font_name": FONT, "font_size": 10.5, "bold": True, "align": "center", "valign": "vcenter",
                 "border": 1, "bg_color": "#D9E1F2", "text_wrap": True},
        "cell": {"font_name": FONT, "font_size": 10, "align": "left", "valign": "top", "border": 1,
                 "text_wrap": True},
        "link": {"font_name": FONT, "font_size": 10, "align": "left", "valign": "top", "border": 1,
                 "font_color": "blue", "underline": 1},
        "stamp": {},
    }

    def write(self):
        import xlsxwriter

        self.wb = memo_defined_names(xlsxwriter.Workbook(self.target, {
            "in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False}))
        add_worksheet = self.wb.add_worksheet
        self.wb.add_worksheet = lambda name: memo_validations(memo_formulas(add_worksheet(name)))
        self.red = self.wb.add_format({"bg_color": "#FFC7CE", "font_color": BAD_COLOR, "bold": True})
        self.pending = self.wb.add_format({"font_color": "#9C5700", "bold": True})  # 尚未填写: neither ✔ nor ✘
        self.text_cell = self.wb.add_format({"bg_color": WARNING_FILL, "font_color": BAD_COLOR, "bold": True,
                                             "border": 2, "border_color": BAD_COLOR})  # “18件” in a number cell
        properties = {"title": self.form.title(self.agency or "", self.year or ""),
                      "subject": self.form.name, "comments": f"{GENERATOR} {fingerprint(self.form)}"}
        if self.ann.issues:  # an annotated copy: the same findings, the same bytes (a rerun does not take it
            # for a new one); stamped 1 January after its year, as the Word report is
            year = self.year if isinstance(self.year, int) and 1900 <= self.year <= 9998 else 1999
            properties["created"] = datetime.datetime(year + 1, 1, 1)
        self.wb.set_properties(properties)
        ws_cover = self.wb.add_worksheet(COVER)
        ws_issues = self.wb.add_worksheet(ISSUES) if self.ann.issues else None
        self._guide(self.wb.add_worksheet(GUIDE))
        self._texts(self.wb.add_worksheet(TEXTS))
        ranges_by_sheet = {}
        for table in self.form.tables:
            ranges_by_sheet[table.name] = self._table(self.wb.add_worksheet(table.name), table)
        self._cover(ws_cover, ranges_by_sheet)
        if ws_issues is not None:
            self._issues(ws_issues)
            ws_issues.activate()
        self._stamp(self.wb.add_worksheet(STAMP))
        for name, pos in self.lay.names().items():
            define_name(self.wb, name, f"='{pos.sheet}'!{ref(pos.row, pos.col, absolute=True)}")
        self.wb.close()

    # ---- helpers ----
    def _protect(self, ws):
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True,
                        "format_columns": True, "format_rows": True})

    def _a4(self, ws, landscape=False):
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        if landscape:
            ws.set_landscape()

    def _mark(self, path: str):
        return self.ann.marks.get(path)

    def _marked_fmt(self, base: str, path: str):
        mark = self._mark(path)
        if not mark:
            return self.fmt(base)
        return self.fmt(base, bg_color=ERROR_FILL if mark[0] == "error" else WARNING_FILL)

    def _comment(self, ws, pos: Pos, path: str):
        mark = self._mark(path)
        if mark:
            ws.write_comment(pos.row - 1, pos.col - 1, mark[1],
                             {"author": "converter", "x_scale": 2.2, "y_scale": 1.6, "font_name": FONT})

    def put(self, ws, pos: Pos, value, cell_format, formula=None, cached=None):
        r, c = pos.row - 1, pos.col - 1
        if pos.rs > 1 or pos.cs > 1:
            ws.merge_range(r, c, r + pos.rs - 1, c + pos.cs - 1, "", cell_format)
        if formula is not None:
            ws.write_formula(r, c, formula, cell_format, cached if cached is not None else 0)
        elif value is None or value == "":
            ws.write_blank(r, c, None, cell_format)
        elif isinstance(value, str):
            ws.write_string(r, c, value, cell_format)
        else:
            ws.write_number(r, c, value, cell_format)

    # ---- cover ----
    def _cover(self, ws, ranges_by_sheet):
        ws.set_column(0, 0, 16)
        ws.set_column(1, 3, 22)
        ws.merge_range(TITLE_ROW - 1, 0, TITLE_ROW - 1, 3, f"{self.form.name}数据填报表", self.fmt("title"))
        ws.set_row(TITLE_ROW - 1, 36)
        ws.merge_range(INFO_ROW - 1, 0, INFO_ROW - 1, 3,
                       f"表式：{self.form.basis}（{self.form.edition} 年版）。浅黄色单元格为填写项，请先阅读“{GUIDE}”。",
                       self.fmt("subtitle"))
        given = {"agency": self.agency, "year": self.year, "contact": self.contact, "phone": self.phone}
        labels = dict(COVER_FIELDS)
        for name, pos in {**self.lay.extras, **{k: v for k, v in self.lay.cells.items()
                                                 if k in ("agency", "year")}}.items():
            ws.write_string(pos.row - 1, 0, labels[name] + "：", self.fmt("cover_label"))
            ws.set_row(pos.row - 1, 26)
            value = given[name]
            fixed = name in ("agency", "year") and value not in (None, "")
            self.put(ws, pos, value, self.fmt("cover_fixed" if fixed else "cover_input"))
            if name == "year" and not fixed:
                data_validation(ws, pos.row - 1, pos.col - 1, pos.row - 1, pos.col - 1 + pos.cs - 1, {
                    "validate": "integer", "criteria": "between", "minimum": self.form.first_year,
                    "maximum": 2100, "input_title": "报告年度", "input_message": "填写四位数年份，如 2025。",
                    "error_title": "年度有误", "error_message": f"请填写 {self.form.first_year} 年以后的四位数年份。"})
        total = sum(len(self.lay.checks_on(s)) for s in ranges_by_sheet)
        all_ranges = [r for rs in ranges_by_sheet.values() for r in rs]
        row = COVER_SUMMARY_ROW - 1
        ws.write_string(row, 0, "勾稽关系：", self.fmt("cover_label"))
        failed = sum(1 for c in self.lay.checks if self._check_text(c.rule) != OK_TEXT)
        ws.merge_range(row, 1, row, 3, "", self.fmt("summary"))
        inputs = self._input_ranges(self.form.inputs, COVER)
        ws.write_formula(row, 1, summary_formula(all_ranges, total, inputs), self.fmt("summary"),
                         summary_text(failed, self._filled(self.form.inputs)))
        ws.conditional_format(row, 1, row, 3, {"type": "text", "criteria": "begins with", "value": "✘",
                                               "format": self.red})
        ws.conditional_format(row, 1, row, 3, {"type": "text", "criteria": "begins with", "value": NOT_FILLED[:4],
                                               "format": self.pending})
        ws.conditional_format(row, 1, row, 3, {"type": "text", "criteria": "begins with", "value": TEXT_MARK,
                                               "format": self.pending})
        ws.set_row(row, 40)
        ws.merge_range(row + 2, 0, row + 5, 3, (
            f"填报提示：各表中灰色单元格为自动合计，✔/✘ 为自动校验结果。全部显示“{ALL_OK}”后，"
            f"保存为 .xlsx 格式（不要改文件类型、不要删除或重命名工作表）发回。"), self.fmt("para"))
        if self.prior is not None:
            ws.merge_range(row + 7, 0, row + 10, 3, cover_note(self.prior, self.form), self.fmt("para"))
        self._a4(ws)
        self._protect(ws)

    # ---- guide ----
    def _guide(self, ws):
        ws.set_column(0, 0, 84)
        ws.write_string(0, 0, f"{GUIDE}", self.fmt("title"))
        ws.set_row(0, 32)
        lines = [
            f"一、本表依据{self.form.basis}规定的年度报告格式制作，包括“{COVER}”“{TEXTS}”和"
            + "、".join(f"“{t.name}”" for t in self.form.tables) + "，与年度报告正文中的表格一一对应。",
            "二、浅黄色单元格为填写项，其余单元格（表头、灰色合计、校验结果）已锁定，不能修改。"
            "工作表保护未设密码，但请不要取消保护、插入或删除行列、修改表头。",
            "三、数字单元格只填阿拉伯数字：件数为大于或等于 0 的整数；"
            + "、".join(f"“{n.row_label}”" for n in self.form.numbers if n.type == "amount")
            + "金额以万元为单位，可填小数。"
            "没有发生的事项请填 0，不要填“/”“—”“无”，也不要留空；不要在数字后加“件”“万元”等文字。"
            f"数字单元格里填了文字（如“18件”、全角的“１０”、“/”）时，该单元格标为橙底红框，表格顶部显示“{TEXT_MARK} N 格"
            "数字填成了文字”：表格的合计和校验把这些单元格当作 0，请改为阿拉伯数字。",
            "四、灰色单元格为自动合计，由公式计算，不需要也不能填写："
            + "；".join(dict.fromkeys(r.title for r in self.form.derived.values())) + "。",
            "五、表格旁的“校验”单元格自动核对勾稽关系：显示“✔”表示成立；显示红色的“✘ 多N”表示校验说明中等号左边"
            "（如“总计”）比右边（如各项之和）多 N，“✘ 少N”表示左边比右边少 N；"
            f"显示“{TEXT_CHECK}”表示参与校验的单元格里填了文字，表格无法核对，请改为阿拉伯数字。"
            f"各表顶部和“{COVER}”汇总显示不成立的项数。请全部修正为“{ALL_OK}”后再报送。",
            f"六、“{TEXTS}”工作表填写报告的文字部分：" + "、".join(t.label for t in self.form.texts)
            + "（前言可留空，留空则使用标准前言）。段落之间用 Alt+Enter（WPS/Excel）换行。",
            "七、需要核对的勾稽关系：",
        ]
        seen = []
        for rule in self.form.rules:
            if rule.severity == "error" and rule.kind in ("sum", "balance") and rule.title not in seen:
                seen.append(rule.title)
        lines += [f"    {i}. {t}" for i, t in enumerate(seen, 1)]
        lines.append("八、填好后保存为 .xlsx 格式发回（WPS 请选择“Excel 文件(*.xlsx)”），文件名可保留不变。")
        for i, line in enumerate(lines, start=2):
            ws.write_string(i, 0, line, self.fmt("para"))
            ws.set_row(i, 15 * max(1, math.ceil(text_width(line) / 88)) + 6)
        self._a4(ws)
        self._protect(ws)

    # ---- texts ----
    def _texts(self, ws):
        ws.set_column(0, TEXT_COLS - 1, TEXT_COL_WIDTH)
        ws.write_string(0, 0, "报告文字部分", self.fmt("title"))
        ws.set_row(0, 32)
        ws.write_string(1, 0, "在浅黄色框内填写（可从 Word 粘贴）；段落之间换行即可，二级标题如“（一）主动公开”单独成段。"
                              "框随文字自动变高（如未变高，双击框下方的行号边线）；一格最多显示约 "
                              f"{TEXT_SHOWN_CHARS} 字，更长的文字照样完整读取、写入报告，可在编辑栏中查看全文。",
                        self.fmt("subtitle"))
        ws.set_row(1, 30)
        for text in self.form.texts:
            pos = self.lay.cells[text.key]
            ws.write_string(pos.row - 2, 0, text.label + text.hint, self.fmt("text_label"))
            ws.set_row(pos.row - 2, 24)
            value = get_path(self.values, text.key) if self.values else None
            value = value if isinstance(value, str) and value else None
            self.put(ws, pos, value, self._marked_fmt("text_input", text.key))
            if value:  # a written text is shown in full (up to Excel's tallest row); a blank box grows as typed
                ws.set_row(pos.row - 1, text_row_height(value))
            self._comment(ws, pos, text.key)
        ws.print_area(0, 0, max(self.lay.cells[t.key].row for t in self.form.texts) - 1, TEXT_COLS - 1)
        self._a4(ws, landscape=True)  # long lines: a 1,000-character text needs about 17 of them
        self._protect(ws)

    # ---- tables ----
    def _input_ranges(self, cells, here: str) -> list[str]:
        positions = sorted((self.lay.cells[n.key] for n in cells), key=lambda p: (p.sheet, p.row, p.col))
        return _ranges(positions, here)

    def _filled(self, cells) -> bool:
        return bool(self.values) and any(number(get_path(self.values, n.key)) is not None for n in cells)

    def _table(self, ws, table) -> list[str]:
        lay, sheet = self.lay, table.name
        check_col = lay.check_col.get(table.id)
        width = table.cols + (1 if check_col else 0)
        for i, w in enumerate(table.col_widths):
            ws.set_column(TABLE_LEFT - 1 + i, TABLE_LEFT - 1 + i, w)
        if check_col:
            ws.set_column(check_col - 1, check_col - 1, 15)
        last_col = TABLE_LEFT - 1 + width - 1
        ws.merge_range(TITLE_ROW - 1, TABLE_LEFT - 1, TITLE_ROW - 1, last_col,
                       f"{table.name}　{table.title}", self.fmt("title"))
        ws.set_row(TITLE_ROW - 1, 30)
        ws.merge_range(INFO_ROW - 1, TABLE_LEFT - 1, INFO_ROW - 1, last_col, "", self.fmt("subtitle"))
        info = f"填报单位：{self.agency or ''}　　报告年度：{self.year or ''}年"
        ws.write_formula(INFO_ROW - 1, TABLE_LEFT - 1, '="填报单位："&agency&"　　报告年度："&year&"年"',
                         self.fmt("subtitle"), info)
        # the grid
        heights: dict[int, float] = {}
        for label in table.labels:
            pos = Pos(sheet, TABLE_TOP + label.r - 1, TABLE_LEFT + label.c - 1, label.rs, label.cs)
            full = label.cs == table.cols and table.cols > 1  # a section line across the table
            left = (label.r > table.header_rows and label.c == 1 and label.cs > 1 and not full
                    and not label.text.startswith("（"))
            self.put(ws, pos, label.text, self.fmt("label", bold=True) if full else
                      self.fmt("label_left" if left else "label"))
            w = sum(table.col_widths[label.c - 1:label.c - 1 + label.cs])
            need = 14.5 * math.ceil(text_width(label.text) / max(w - 1.5, 2)) + 5
            per_row = need / label.rs
            for r in range(pos.row, pos.row + label.rs):
                heights[r] = max(heights.get(r, 21), per_row)
        for n in table.numbers:
            pos = lay.cells[n.key]
            heights[pos.row] = max(heights.get(pos.row, 21), 21)
            if n.key in self.form.derived:
                rule = self.form.derived[n.key]
                cached = self.derived.get(n.key)
                self.put(ws, pos, None, self._marked_fmt("derived", n.key),
                          formula="=" + _signed_sum(rule.right, lay, sheet), cached=cached or 0)
            else:
                f = self._marked_fmt("input", n.key)
                self.put(ws, pos, number(get_path(self.values, n.key)) if self.values else None, f)
                self._validation(ws, pos, n)
            self._comment(ws, pos, n.key)
        for r, h in heights.items():
            ws.set_row(r - 1, h)
        # checks
        ranges = []
        for cr in (c for c in lay.check_rows if c.table == table.id):
            row = cr.row
            if cr.label_cols:
                self.put(ws, Pos(sheet, row, TABLE_LEFT, 1, cr.label_cols), f"校验：{cr.title}",
                          self.fmt("check_label"))
            for col in range(TABLE_LEFT + cr.label_cols, TABLE_LEFT + table.cols):
                ws.write_blank(row - 1, col - 1, None, self.fmt("check"))
            cells = [c for c in lay.checks_on(sheet) if c.pos.row == row]
            ws.set_row(row - 1, max(30, 14 * math.ceil(text_width(cr.title) / max(
                sum(table.col_widths[:cr.label_cols]) - 1, 8)) + 6) if cr.label_cols else 22)
            ranges.append(f"{ref(row, min(c.pos.col for c in cells))}:{ref(row, max(c.pos.col for c in cells))}")
        if check_col:
            cells = [c for c in lay.checks_on(sheet) if c.pos.col == check_col]
            hr = max(table.header_rows, 1)
            title = cells[0].rule.title if cells else ""
            self.put(ws, Pos(sheet, TABLE_TOP, check_col, hr, 1), f"校验：{title}", self.fmt("check_label"))
            for r in range(TABLE_TOP + hr, TABLE_TOP + table.rows):
                ws.write_blank(r - 1, check_col - 1, None, self.fmt("check"))
            ranges.append(f"{ref(min(c.pos.row for c in cells), check_col)}:"
                          f"{ref(max(c.pos.row for c in cells), check_col)}")
        checks = lay.checks_on(sheet)
        for check in checks:
            pos = check.pos
            self.put(ws, pos, None, self.fmt("check"), formula=check_formula(check.rule, lay, sheet),
                      cached=self._check_text(check.rule))
        for rng in ranges:  # one rule per check row/column: red when a check starts with ✘
            ws.conditional_format(rng, {"type": "text", "criteria": "begins with", "value": "✘",
                                        "format": self.red})
            ws.conditional_format(rng, {"type": "text", "criteria": "begins with", "value": TEXT_MARK,
                                        "format": self.pending})
        # summary line
        ws.merge_range(SUMMARY_ROW - 1, TABLE_LEFT - 1, SUMMARY_ROW - 1, last_col, "", self.fmt("summary"))
        if checks:
            failed = sum(1 for c in checks if self._check_text(c.rule) != OK_TEXT)
            inputs = [n for n in table.numbers if n.key not in self.form.derived]
            ws.write_formula(SUMMARY_ROW - 1, TABLE_LEFT - 1,
                             summary_formula(ranges, len(checks), self._input_ranges(inputs, sheet)),
                             self.fmt("summary"), summary_text(failed, self._filled(inputs)))
            ws.conditional_format(SUMMARY_ROW - 1, TABLE_LEFT - 1, SUMMARY_ROW - 1, last_col, {
                "type": "text", "criteria": "begins with", "value": "✘", "format": self.red})
            ws.conditional_format(SUMMARY_ROW - 1, TABLE_LEFT - 1, SUMMARY_ROW - 1, last_col, {
                "type": "text", "criteria": "begins with", "value": NOT_FILLED[:4], "format": self.pending})
            ws.conditional_format(SUMMARY_ROW - 1, TABLE_LEFT - 1, SUMMARY_ROW - 1, last_col, {
                "type": "text", "criteria": "begins with", "value": TEXT_MARK, "format": self.pending})
        else:
            ws.write_string(SUMMARY_ROW - 1, TABLE_LEFT - 1, "本表各项单独填写，无勾稽关系校验。", self.fmt("subtitle"))
        for rng in self._input_ranges([n for n in table.numbers if n.key not in self.form.derived], sheet):
            ws.conditional_format(rng, {"type": "formula", "criteria": f"=ISTEXT({rng.split(':')[0]})",
                                        "format": self.text_cell})
        ws.set_row(SUMMARY_ROW - 1, 22)
        # print setup
        last_row = lay.table_end[table.id]
        self._a4(ws, landscape=sum(table.col_widths) > 110)
        ws.print_area(0, 0, last_row - 1, last_col)
        if table.header_rows:
            ws.repeat_rows(TABLE_TOP - 1, TABLE_TOP - 1 + table.header_rows - 1)
            first_number_col = min(n.c for n in table.numbers)
            ws.freeze_panes(TABLE_TOP - 1 + table.header_rows, TABLE_LEFT - 1 + first_number_col - 1)
        if self.prior is not None:  # last year's values beside the inputs, reminder checks
            draw_table(self, ws, table)
        self._protect(ws)
        return [f"'{sheet}'!{r}" for r in ranges]

    def _validation(self, ws, pos: Pos, n):
        where = f"{n.row_label}／{n.col_label}"
        kind = self.form.number_types[n.type]
        spec = {"validate": "integer" if kind["json"] == "integer" else "decimal", "criteria": ">=",
                "value": kind["minimum"], "input_title": kind["label"],
                "input_message": _clip(f"{where}\n{kind.get('prompt', '')}"),
                "error_title": kind.get("error_title", kind["label"]), "error_message": kind.get("error_message", "")}
        if self.prior is not None and n.key in self.prior.carry:
            spec["input_message"] = _clip(f"{where}\n已按上年报告预填（{fmt_number(self.prior.carry[n.key])}），"
                                          "如有出入请核实后修改。")
        data_validation(ws, pos.row - 1, pos.col - 1, pos.row - 1 + pos.rs - 1, pos.col - 1 + pos.cs - 1, spec)

    def cell_value(self, path):
        if path in self.derived:
            return self.derived[path]
        return number(get_path(self.values, path))

    def _check_text(self, rule) -> str:
        return check_result(rule, self.cell_value)

    # ---- issues (annotated copies) ----
    def _issues(self, ws):
        ws.set_column(0, 0, 6)
        ws.set_column(1, 1, 8)
        ws.set_column(2, 2, 16)
        ws.set_column(3, 3, ISSUE_TEXT_WIDTH)  # with the others, one landscape A4 page wide at 100 %
        ws.set_column(4, 4, ISSUE_RULE_WIDTH)
        ws.merge_range(0, 0, 0, 4, f"{ISSUES}（共 {len(self.ann.issues)} 项）", self.fmt("title"))
        ws.set_row(0, 30)
        for c, head in enumerate(("序号", "级别", "位置", "问题", "规则")):
            ws.write_string(1, c, head, self.fmt("head"))
        for i, (sev, where, message, code, pos) in enumerate(self.ann.issues, start=1):
            r = i + 1
            ws.write_number(r, 0, i, self.fmt("cell"))
            ws.write_string(r, 1, sev, self.fmt("cell", font_color=BAD_COLOR if sev == "错误" else "#7F6000"))
            if pos is not None:
                ws.write_url(r, 2, f"internal:'{pos.sheet}'!{pos.ref}", self.fmt("link"), string=where)
            else:
                ws.write_string(r, 2, where, self.fmt("cell"))
            ws.write_string(r, 3, message, self.fmt("cell"))
            ws.write_string(r, 4, code, self.fmt("cell"))
            lines = max(math.ceil(text_width(message) / (ISSUE_TEXT_WIDTH - 2)),
                        math.ceil(text_width(code) / (ISSUE_RULE_WIDTH - 2)), 1)  # code: its 中文名称
            ws.set_row(r, 15 * lines + 4)
        ws.repeat_rows(1)
        self._a4(ws, landscape=True)

    # ---- stamp ----
    def _stamp(self, ws):
        values = {"generator": GENERATOR, "form": self.form.id, "edition": self.form.edition,
                  "agency": self.agency or "", "year": str(self.year or ""),
                  "fingerprint": fingerprint(self.form), "layout": LAYOUT_VERSION}
        if self.prior is not None:  # traceability: which report the pre-filled values came from
            values.update(self.prior.stamp())
        for i, (k, v) in enumerate(values.items()):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)
        ws.hide()
        self._protect(ws)


ISSUE_TEXT_WIDTH, ISSUE_RULE_WIDTH = 62, 20


def _clip(text: str, limit: int = 250) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"

