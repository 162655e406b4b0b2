"""The coordinating office's summary workbook: who passed, every finding, the roll-up, the roster."""
from __future__ import annotations

import math
from pathlib import Path

from converter.base.atomic import atomic_path
from converter.base.text import text_width
from converter.engine.catalogue import finding_name
from converter.engine.arith import rounded
from converter.engine.findings import SEVERITIES, SEVERITY_LABELS
from converter.form.definition import Form, available_forms, get_path, load_form, set_path

SUMMARY_SHEET, FINDINGS_SHEET, ROLLUP_SHEET = "汇总", "问题清单", "合计"
MISSING_SHEET = "未报送"
PASSED, WARNED, FAILED, UNREADABLE = "通过", "有警告", "有错误", "无法读取"  # a batch input's status
SUPERSEDED, WRONG_YEAR, IGNORED = "已被替代", "年度不符", "已忽略"
MISSING = "未报送"  # an agency's status only: no file at all
FILE_STATUSES = (PASSED, WARNED, FAILED, UNREADABLE, SUPERSEDED, WRONG_YEAR, IGNORED)
AGENCY_STATUSES = (PASSED, WARNED, FAILED, UNREADABLE, WRONG_YEAR, MISSING)
AGENCY_SHEET = "单位"
PASSING = (PASSED, WARNED)
ROLLUP_FIRST_ROW = 3  # each roll-up sheet's table starts here (1-based), under the title and the caption

# Printing: A4 landscape, every sheet's columns sized to the paper so that it prints one page wide at
# (about) 100 % — never shrunk to unreadable type. The printable width is 297 mm less 2 × 0.4 in margins
# ≈ 10.9 in ≈ 1,045 px at 96 dpi; a column of width w (Excel units: the digit width of the workbook's
# default font) takes about 7w + 5 px. The default font is Arial 10 (digits 7 px, as Calibri 11), which
# every office suite has or maps to a metric twin (Liberation Sans): with Calibri, missing outside
# Microsoft Office, LibreOffice measured columns in DejaVu Sans, a third wider, and shrank the page to
# 8 pt. PRINT_PX keeps a margin for the remaining differences between suites.
PRINT_PX = 960
DEFAULT_FONT = {"font_name": "Arial", "font_size": 10}
FONT_PT = 10.5  # the smallest type in the workbook (titles are larger)
LINE_PT = 15.5  # one line of FONT_PT text: 宋体 takes ~14 pt, Noto Sans CJK (LibreOffice on Linux) ~15.2
MIN_WIDTH = 5.5  # a column still shows a five-digit number


def page_units(n_cols: int) -> float:
    """The sum of column widths (Excel units) of n_cols columns that fits the printable width."""
    return (PRINT_PX - 5 * n_cols) / 7


def fit_widths(widths: list[float], budget: float | None = None) -> list[float]:
    """Widths that fit `budget` (default: the paper): the widest columns are narrowed first, to a common
    cap, so narrow number columns keep their width and long-text columns wrap instead."""
    budget = page_units(len(widths)) if budget is None else budget
    if sum(widths) <= budget:
        return list(widths)
    lo, hi = MIN_WIDTH, max(widths)
    for _ in range(50):  # the cap whose capped sum equals the budget
        cap = (lo + hi) / 2
        if sum(min(w, cap) for w in widths) > budget:
            hi = cap
        else:
            lo = cap
    return [round(min(w, lo), 2) for w in widths]


def lines_of(text, width: float) -> int:
    """How many lines `text` wraps to in a column `width` wide (explicit line breaks count)."""
    room = max(width - 1.2, 1.0)
    text = str(text)
    if len(text) * 2.05 <= room and "\n" not in text:  # fits even if every character is wide (most cells)
        return 1
    return sum(max(1, math.ceil(text_width(part) / room)) for part in text.split("\n"))


def row_height(values, widths, line_pt: float = LINE_PT) -> float:
    """The height (points) of a row whose wrapped cells all show in full."""
    lines = max((lines_of(v, w) for v, w in zip(values, widths) if v not in (None, "")), default=1)
    return round(line_pt * lines + 5, 1)


def _print_setup(ws, head_rows: tuple[int, int] | None, fit: bool = True) -> None:
    ws.set_paper(9)  # A4
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    ws.set_footer("&C第 &P 页，共 &N 页", {"margin": 0.3})
    if head_rows is not None:
        ws.repeat_rows(*head_rows)
    if fit:
        ws.fit_to_pages(1, 0)  # one page wide: the columns are sized to the paper, so about 100 %


class RollUp:
    """Cell-by-cell sums of the passing reports, added as each file finishes, so the batch keeps no
    report in memory (peak memory does not grow with the number of files). A cell blank in every
    report stays blank."""

    def __init__(self, form: Form):
        self.form = form
        self.sums: dict[str, int | float] = {}
        self.count = 0

    def add(self, item: dict) -> None:
        report = item.pop("report", None)
        if item.get("status") not in PASSING or not isinstance(report, dict):
            return
        self.add_numbers(numbers_of(report, self.form))

    def add_numbers(self, values: list) -> None:
        """A passing report given as its numbers in the order of form.numbers (see numbers_of)."""
        self.count += 1
        sums = self.sums
        for cell, value in zip(self.form.numbers, values):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                sums[cell.key] = sums.get(cell.key, 0) + value

    def total(self) -> dict:
        out = self.form.empty_report("", None)
        for key, value in self.sums.items():
            set_path(out, key, rounded(value))
        return out


def numbers_of(report: dict, form: Form) -> list:
    """A report's numbers in the order of form.numbers: what a worker hands the roll-up, so the batch's
    serial part does not read every report back from the work cache."""
    return [get_path(report, cell.key) for cell in form.numbers]


_NUMBERS_KEYS: dict[int, tuple[Form, str]] = {}


def numbers_key(form: Form) -> str:
    """A short fingerprint of form.numbers' keys in order: numbers handed over by position (numbers_of) are
    summed only into the edition they were read with, cell for cell."""
    known = _NUMBERS_KEYS.get(id(form))
    if known is None or known[0] is not form:
        import hashlib

        digest = hashlib.sha256("\n".join(cell.key for cell in form.numbers).encode()).hexdigest()[:16]
        known = _NUMBERS_KEYS[id(form)] = (form, digest)
    return known[1]


def rollup_positions(form: Form) -> dict[str, tuple[str, int, int]]:
    """key → (table name, row, col), 0-based, of each number in its table's roll-up sheet (see rollup_sheet_name):
    the one layout writer and tests share."""
    top = ROLLUP_FIRST_ROW - 1
    return {cell.key: (table.name, top + cell.r - 1, cell.c - 1) for table in form.tables for cell in table.numbers}


def rollup_sheet_name(table_name: str, edition: str | None = None) -> str:
    """合计·表三 (合计-2024·表三 for a second edition): a sheet per table, so each prints with its own header
    rows repeated on every page (a sheet has one set of print titles)."""
    return f"{ROLLUP_SHEET}{'-' + edition if edition else ''}·{table_name}"


def summary_name(year: int | None) -> str:
    return f"{year}年度报告汇总.xlsx" if year else "年度报告汇总.xlsx"


def write_summary(result, target: Path | None = None) -> Path:
    """The summary workbook, at `target` (default: the outbox's 年度报告汇总.xlsx)."""
    import xlsxwriter

    form = result.rollup.form
    target = target or result.outbox / summary_name(result.year)
    with atomic_path(target) as tmp:
        # shared strings, not constant_memory: that mode writes inline strings, which Excel rewrites on
        # the next save (openxml-audit flags them); a row per agency keeps the workbook small in memory anyway
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False,
                                             "default_format_properties": DEFAULT_FONT})
        wb.set_properties({"title": "年度报告汇总", "author": "converter"})
        f = _formats(wb)
        _agency_sheet(wb, f, form, result)
        _summary_sheet(wb, f, form, result)
        _findings_sheet(wb, f, result.full_items())
        for i, roll in enumerate(result.rollups or [result.rollup]):
            _rollup_sheets(wb, f, roll.form, roll, None if i == 0 else roll.form.edition)
        if result.roster:
            _roster_sheets(wb, f, result.roster)
        wb.close()
    return target


def _formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": FONT_PT, "valign": "vcenter", "border": 1, "text_wrap": True}
    f = {
        "title": wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True}),
        "note": wb.add_format({"font_name": "宋体", "font_size": FONT_PT, "font_color": "#555555"}),
        "head": wb.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center"}),
        "text": wb.add_format(base),
        "num": wb.add_format({**base, "align": "center"}),
        "fee": wb.add_format({**base, "align": "center", "num_format": "0.00####"}),
        "label": wb.add_format({**base, "align": "center"}),
    }
    for status, colour in ((PASSED, "#C6EFCE"), (WARNED, "#FFEB9C"), (FAILED, "#FFC7CE"), (UNREADABLE, "#D9D9D9"),
                           (SUPERSEDED, "#EDEDED"), (WRONG_YEAR, "#F8CBAD"), (IGNORED, "#FFFFFF"), (MISSING, "#FCE4D6")):
        f[status] = wb.add_format({**base, "align": "center", "bold": True, "bg_color": colour})
    return f


def _agency_sheet(wb, f, form: Form, result) -> None:
    """One row per agency (roster order, then agencies not in the roster): its state and current file."""
    ws = wb.add_worksheet(AGENCY_SHEET)
    counts = result.agency_counts()
    ws.write(0, 0, f"{result.year or ''}年度报告报送情况（按单位）", f["title"])
    ws.write(1, 0, "；".join(f"{k} {v} 个" for k, v in counts.items()) + f"；共 {len(result.agencies)} 个单位", f["note"])
    heads = ["序号", "单位", "状态", "当前报送文件", "其他文件", "说明"]
    widths = fit_widths([5, 22, 8, 38, 24, 50])
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write(3, c, h, f["head"])
        ws.set_column(c, c, w)
    by_file = {i["file"]: i for i in result.items}
    wanted = {a["file"] for a in result.agencies if a["file"] and a["status"] not in (PASSED, WARNED)}
    full = {i["file"]: result.full(i) for i in result.items if i["file"] in wanted}  # with findings, for 说明
    for n, a in enumerate(result.agencies, start=1):
        r = 3 + n
        others = [x for x in a.get("files", []) if x != a["file"]]
        current = full.get(a["file"]) if a["file"] else None
        notes = ["不在名单中"] if not a.get("in_roster", True) and result.roster else []
        if a["status"] == MISSING:
            notes.append("没有收到该单位的文件")
        elif current is not None and a["status"] not in (PASSED, WARNED):
            notes.append(_explain(current))
        note = "；".join(n for n in notes if n)
        values = [n, a["agency"], a["status"], a["file"] or "",
                  "；".join(f"{x}（{by_file[x]['status']}）" for x in others), note]
        ws.write_number(r, 0, n, f["num"])
        for c, v in enumerate(values[1:], start=1):
            ws.write_string(r, c, v, f[a["status"]] if c == 2 else f["text"])
        ws.set_row(r, row_height(values, widths))
    ws.freeze_panes(4, 2)
    _print_setup(ws, (3, 3))


# The file summary has 12 + key totals columns, too many for one readable page: it prints as two
# page-wide parts (a column break after 说明), the first three columns repeated on the second.
SUMMARY_PART1 = ["序号", "文件", "单位", "年度", "状态", "错误", "警告", "提示", "输出文件", "说明"]
SUMMARY_PART2 = ["联系人", "联系电话"]
SUMMARY_REPEAT = 3  # 序号, 文件, 单位


def _summary_sheet(wb, f, form: Form, result) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    counts = result.counts()
    ws.write(0, 0, f"{result.year or ''}年度报告报送汇总（按文件）", f["title"])
    ws.write(1, 0, "；".join(f"{k} {v} 个" for k, v in counts.items()) + f"；共 {len(result.items)} 个文件", f["note"])
    totals = [label for _, label in form.key_totals]
    heads = [*SUMMARY_PART1, *totals, *SUMMARY_PART2]
    first = fit_widths([5, 20, 13, 6, 8, 5, 5, 5, 24, 40])
    repeated = sum(first[:SUMMARY_REPEAT])
    second = fit_widths([11 if form.cell[k].type == "amount" else 8 for k, _ in form.key_totals] + [8, 14],
                        page_units(SUMMARY_REPEAT + len(totals) + 2) - repeated)
    widths = first + second
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write(3, c, h, f["head"])
        ws.set_column(c, c, w)
    ws.set_row(3, row_height(heads, widths))
    n_out = len(SUMMARY_PART1)
    for n, item in enumerate(result.items, start=1):  # the findings (read from the cache) only for 有错误's 说明
        item = result.full(item) if item["status"] == FAILED else item
        r = 3 + n
        counts = item.get("counts") or {}
        values = [n, item["file"], item.get("agency") or "", item.get("year") or "", item["status"],
                  *(counts.get(sev, 0) for sev in ("error", "warning", "info")),
                  "；".join(item.get("outputs", {}).values()), _explain(item)]
        for c, v in enumerate(values):
            if c == 4:
                ws.write(r, c, v, f[item["status"]])
            else:
                ws.write(r, c, v, f["num"] if c in (0, 3, 5, 6, 7) else f["text"])
        for c, (key, _) in enumerate(form.key_totals, start=n_out):
            value = (item.get("totals") or {}).get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, f["fee"] if form.cell[key].type == "amount" else f["num"])
            else:
                ws.write_blank(r, c, None, f["num"])
        c = n_out + len(form.key_totals)
        ws.write_string(r, c, item.get("contact") or "", f["text"])
        ws.write_string(r, c + 1, item.get("phone") or "", f["text"])
        ws.set_row(r, row_height([*values, *([""] * len(totals)), item.get("contact") or "",
                                  item.get("phone") or ""], widths))
    ws.freeze_panes(4, 3)
    ws.autofilter(3, 0, 3 + len(result.items), len(heads) - 1)
    _print_setup(ws, (3, 3), fit=False)  # 100 %: each part is sized to the paper
    ws.repeat_columns(0, SUMMARY_REPEAT - 1)
    ws.set_v_pagebreaks([n_out])


def _explain(item: dict) -> str:
    if item["status"] == SUPERSEDED:
        if item.get("by_unreadable"):
            return f"较新报送的 {item.get('replaced_by')} 无法读取，这份较早的文件暂不使用（不生成报告、不计入合计）"
        return f"已被 {item.get('replaced_by')} 替代" + ("（内容相同）" if item.get("same_content") else "")
    if item["status"] == WRONG_YEAR:
        return f"年度为 {item.get('year')}，不是本轮年度，未计入合计"
    if item["status"] == IGNORED:
        return f"{item.get('ignored_reason') or '不是电子表格'}，未处理"
    if item.get("error"):
        return item["error"]["message"]
    errors = [x["message"] for x in item.get("findings", []) if x["severity"] == "error"]
    if errors:
        more = f"（另有 {len(errors) - 1} 项错误，见“问题清单”）" if len(errors) > 1 else ""
        return errors[0] + more
    return ""


def _findings_sheet(wb, f, items) -> None:
    """Every finding of every file; the 规则 column names it in Chinese (the code stays in the JSON)."""
    ws = wb.add_worksheet(FINDINGS_SHEET)
    heads = ["文件", "单位", "严重程度", "单元格", "表", "行", "列", "规则", "说明"]
    widths = fit_widths([16, 12, 5, 9, 5, 14, 9, 16, 46])
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write(0, c, h, f["head"])
        ws.set_column(c, c, w)
    ws.set_row(0, row_height(heads, widths))
    forms: dict = {}
    r = 0
    for item in items:
        rows = sorted(item.get("findings", []), key=lambda x: SEVERITIES.index(x["severity"]))
        if item.get("error"):
            rows = [{"severity": "error", "code": item["error"]["code"], "message": item["error"]["message"],
                     "location": {}}]
        form_id = item.get("form")
        if form_id and form_id not in forms:
            forms[form_id] = load_form(form_id) if form_id in available_forms() else None
        for finding in rows:
            r += 1
            loc = finding.get("location", {})
            cell = f"{loc['sheet']}!{loc['cell']}" if loc.get("sheet") and loc.get("cell") else ""
            name = finding_name(finding["code"], finding.get("context"), forms.get(form_id))
            values = [item["file"], item.get("agency") or "", SEVERITY_LABELS.get(finding["severity"], ""), cell,
                      loc.get("table", ""), loc.get("row_label", ""), loc.get("col_label", ""), name,
                      finding["message"]]
            values = [str(v or "") for v in values]
            for c, v in enumerate(values):
                ws.write_string(r, c, v, f["text"])
            ws.set_row(r, row_height(values, widths))
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(heads) - 1)
    _print_setup(ws, (0, 0))


def _rollup_sheets(wb, f, form: Form, roll: RollUp, edition: str | None = None) -> None:
    """The official tables filled with the sums, a sheet each: the title, the table's caption, the table with
    its official merges, its header rows repeated on every printed page."""
    total = roll.total()
    positions = rollup_positions(form)
    top = ROLLUP_FIRST_ROW - 1
    for table in form.tables:
        ws = wb.add_worksheet(rollup_sheet_name(table.name, edition))
        widths = fit_widths(list(table.col_widths[:table.cols]) + [10] * (table.cols - len(table.col_widths)))
        for c, w in enumerate(widths):
            ws.set_column(c, c, w)
        ws.write_string(0, 0, f"{roll.count} 个单位合计（各单位当前报送、校验通过的报告）", f["title"])
        ws.write_string(top - 1, 0, f"{table.name}　{table.title}", f["title"])
        heights: dict[int, float] = {}
        for lab in table.labels:
            r, c = top + lab.r - 1, lab.c - 1
            if lab.rs > 1 or lab.cs > 1:
                ws.merge_range(r, c, r + lab.rs - 1, c + lab.cs - 1, lab.text, f["label"])
            else:
                ws.write_string(r, c, lab.text, f["label"])
            height = row_height([lab.text], [sum(widths[c:c + lab.cs])])
            for rr in range(r, r + lab.rs):
                heights[rr] = max(heights.get(rr, 16), height / lab.rs)
        for cell in table.numbers:
            _, r, c = positions[cell.key]
            fmt = f["fee"] if cell.type == "amount" else f["num"]
            value = get_path(total, cell.key)
            if cell.rs > 1 or cell.cs > 1:
                ws.merge_range(r, c, r + cell.rs - 1, c + cell.cs - 1, None, fmt)
            _write_value(ws, r, c, value, fmt)
        for r, h in heights.items():
            ws.set_row(r, h)
        _print_setup(ws, (top, top + table.header_rows - 1) if table.header_rows else None)


def _write_value(ws, r, c, value, fmt) -> None:
    if value is None:
        ws.write_blank(r, c, None, fmt)
    elif isinstance(value, (int, float)):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, value, fmt)


def _roster_sheets(wb, f, roster: dict) -> None:
    ws = wb.add_worksheet(MISSING_SHEET)
    ws.write(0, 0, f"名单中 {roster['listed']} 个单位，未报送 {len(roster['missing'])} 个", f["title"])
    widths = fit_widths([34, 12, 18, 30])
    for c, (head, width) in enumerate(zip(("单位名称", "联系人", "联系电话", "邮箱"), widths)):
        ws.write(2, c, head, f["head"])
        ws.set_column(c, c, width)
    for r, name in enumerate(roster["missing"], start=3):
        values = [name, *roster.get("missing_contacts", {}).get(name, ["", "", ""])]
        for c, value in enumerate(values):
            ws.write_string(r, c, value, f["text"])
        ws.set_row(r, row_height(values, widths))
    _print_setup(ws, (2, 2))
    if roster.get("not_in_roster"):
        ws.write(len(roster["missing"]) + 4, 0, "不在名单中的单位：" + "、".join(roster["not_in_roster"]), f["note"])
    if roster.get("repeated_lines"):
        ws.write(len(roster["missing"]) + 5, 0, "名单中重复的行（只计一次）：" + "、".join(roster["repeated_lines"]), f["note"])
