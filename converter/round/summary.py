"""The coordinating office's summary workbook: who passed, every finding, the roll-up, the roster."""
from __future__ import annotations

import math
from pathlib import Path

from converter.base.atomic import atomic_path
from converter.engine.findings import SEVERITIES, SEVERITY_LABELS
from converter.form.definition import Form, get_path, set_path
from converter.base.text import text_width

SUMMARY_SHEET, FINDINGS_SHEET, ROLLUP_SHEET = "汇总", "问题清单", "合计"
MISSING_SHEET = "未报送"
PASSED, WARNED, FAILED, UNREADABLE = "通过", "有警告", "有错误", "无法读取"  # a batch input's status
SUPERSEDED, WRONG_YEAR, IGNORED = "已被替代", "年度不符", "已忽略"
MISSING = "未报送"  # an agency's status only: no file at all
FILE_STATUSES = (PASSED, WARNED, FAILED, UNREADABLE, SUPERSEDED, WRONG_YEAR, IGNORED)
AGENCY_STATUSES = (PASSED, WARNED, FAILED, UNREADABLE, WRONG_YEAR, MISSING)
AGENCY_SHEET = "单位"
PASSING = (PASSED, WARNED)
ROLLUP_FIRST_ROW = 3  # the roll-up's first table starts here (1-based); tables follow with a gap


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
        self.count += 1
        for cell in self.form.numbers:
            value = get_path(report, cell.key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.sums[cell.key] = self.sums.get(cell.key, 0) + value

    def total(self) -> dict:
        out = self.form.empty_report("", None)
        for key, value in self.sums.items():
            set_path(out, key, round(value, 6) if isinstance(value, float) else value)
        return out


def rollup_positions(form: Form) -> dict[str, tuple[int, int]]:
    """key → (row, col), 0-based, of each number in the roll-up sheet: the one layout writer and tests share."""
    out, top = {}, ROLLUP_FIRST_ROW - 1
    for table in form.tables:
        grid_top = top + 1  # a caption row above each table
        for cell in table.numbers:
            out[cell.key] = (grid_top + cell.r - 1, cell.c - 1)
        top = grid_top + table.rows + 1
    return out


def summary_name(year: int | None) -> str:
    return f"{year}年度报告汇总.xlsx" if year else "年度报告汇总.xlsx"


def write_summary(result) -> Path:
    import xlsxwriter

    form = result.rollup.form
    target = result.outbox / summary_name(result.year)
    with atomic_path(target) as tmp:
        # shared strings, not constant_memory: that mode writes inline strings, which Excel rewrites on
        # the next save (openxml-audit flags them); a row per agency keeps the workbook small in memory anyway
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False})
        wb.set_properties({"title": "年度报告汇总", "author": "converter"})
        f = _formats(wb)
        _agency_sheet(wb, f, form, result)
        _summary_sheet(wb, f, form, result)
        _findings_sheet(wb, f, result.full_items())
        for i, roll in enumerate(result.rollups or [result.rollup]):
            _rollup_sheet(wb, f, roll.form, roll, ROLLUP_SHEET if i == 0 else f"{ROLLUP_SHEET}-{roll.form.edition}")
        if result.roster:
            _roster_sheets(wb, f, result.roster)
        for ws in wb.worksheets():
            ws.set_paper(9)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
        wb.close()
    return target


def _formats(wb) -> dict:
    base = {"font_name": "宋体", "font_size": 10.5, "valign": "vcenter", "border": 1, "text_wrap": True}
    f = {
        "title": wb.add_format({"font_name": "黑体", "font_size": 14, "bold": True}),
        "note": wb.add_format({"font_name": "宋体", "font_size": 10, "font_color": "#555555"}),
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
    for c, (h, w) in enumerate(zip(heads, [5, 30, 9, 40, 40, 70])):
        ws.write(3, c, h, f["head"])
        ws.set_column(c, c, w)
    by_file = {i["file"]: i for i in result.items}
    for n, a in enumerate(result.agencies, start=1):
        r = 3 + n
        ws.write_number(r, 0, n, f["num"])
        ws.write_string(r, 1, a["agency"], f["text"])
        ws.write_string(r, 2, a["status"], f[a["status"]])
        ws.write_string(r, 3, a["file"] or "", f["text"])
        others = [x for x in a.get("files", []) if x != a["file"]]
        ws.write_string(r, 4, "；".join(f"{x}（{by_file[x]['status']}）" for x in others), f["text"])
        note = "不在名单中" if not a.get("in_roster", True) and result.roster else ""
        ws.write_string(r, 5, note, f["text"])
    ws.freeze_panes(4, 2)


def _summary_sheet(wb, f, form: Form, result) -> None:
    ws = wb.add_worksheet(SUMMARY_SHEET)
    counts = result.counts()
    ws.write(0, 0, "年度报告报送汇总（按文件）", f["title"])
    ws.write(1, 0, "；".join(f"{k} {v} 个" for k, v in counts.items()) + f"；共 {len(result.items)} 个文件", f["note"])
    heads = ["序号", "文件", "单位", "年度", "状态", "错误", "警告", "提示", *[label for _, label in form.key_totals],
             "联系人", "联系电话", "输出文件", "说明"]
    widths = [5, 34, 24, 7, 9, 6, 6, 6, *[11] * len(form.key_totals), 10, 14, 34, 60]
    for c, (h, w) in enumerate(zip(heads, widths)):
        ws.write(3, c, h, f["head"])
        ws.set_column(c, c, w)
    for n, item in enumerate(result.full_items(), start=1):
        r = 3 + n
        counts = item.get("counts") or {}
        row = [n, item["file"], item.get("agency") or "", item.get("year") or ""]
        for c, v in enumerate(row):
            ws.write(r, c, v, f["num"] if c in (0, 3) else f["text"])
        ws.write(r, 4, item["status"], f[item["status"]])
        for c, sev in enumerate(("error", "warning", "info"), start=5):
            ws.write_number(r, c, counts.get(sev, 0), f["num"])
        for c, (key, _) in enumerate(form.key_totals, start=8):
            value = (item.get("totals") or {}).get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, c, value, f["fee"] if form.cell[key].type == "amount" else f["num"])
            else:
                ws.write_blank(r, c, None, f["num"])
        c = 8 + len(form.key_totals)
        ws.write_string(r, c, item.get("contact") or "", f["text"])
        ws.write_string(r, c + 1, item.get("phone") or "", f["text"])
        ws.write(r, c + 2, "；".join(item.get("outputs", {}).values()), f["text"])
        ws.write(r, c + 3, _explain(item), f["text"])
    ws.freeze_panes(4, 3)
    ws.autofilter(3, 0, 3 + len(result.items), len(heads) - 1)


def _explain(item: dict) -> str:
    if item["status"] == SUPERSEDED:
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
    ws = wb.add_worksheet(FINDINGS_SHEET)
    heads = ["文件", "单位", "严重程度", "单元格", "表", "行", "列", "规则", "说明"]
    for c, (h, w) in enumerate(zip(heads, [30, 22, 8, 10, 6, 24, 12, 18, 90])):
        ws.write(0, c, h, f["head"])
        ws.set_column(c, c, w)
    r = 0
    for item in items:
        rows = sorted(item.get("findings", []), key=lambda x: SEVERITIES.index(x["severity"]))
        if item.get("error"):
            rows = [{"severity": "error", "code": item["error"]["code"], "message": item["error"]["message"],
                     "location": {}}]
        for finding in rows:
            r += 1
            loc = finding.get("location", {})
            cell = f"{loc['sheet']}!{loc['cell']}" if loc.get("sheet") and loc.get("cell") else ""
            values = [item["file"], item.get("agency") or "", SEVERITY_LABELS.get(finding["severity"], ""), cell,
                      loc.get("table", ""), loc.get("row_label", ""), loc.get("col_label", ""), finding["code"],
                      finding["message"]]
            for c, v in enumerate(values):
                ws.write_string(r, c, str(v or ""), f["text"])
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(r, 1), len(heads) - 1)


def _rollup_sheet(wb, f, form: Form, roll: RollUp, name: str = ROLLUP_SHEET) -> None:
    """The official tables filled with the sums. The workbook streams rows (constant_memory), so
    every cell is laid out first and then written row by row, and merges are registered without
    merge_range (which writes ahead into later rows and so cannot run in row order)."""
    ws = wb.add_worksheet(name)
    total = roll.total()
    positions = rollup_positions(form)
    widths = [max(t.col_widths[i] if i < len(t.col_widths) else 0 for t in form.tables) for i in
              range(max(t.cols for t in form.tables))]
    for c, w in enumerate(widths):
        ws.set_column(c, c, w)
    cells: dict[tuple[int, int], tuple] = {(0, 0): (f"{roll.count} 个单位合计（各单位当前报送、校验通过的报告）", f["title"])}
    merges: list[tuple] = []
    heights: dict[int, float] = {}

    def put(r, c, rs, cs, value, fmt):
        for rr in range(r, r + rs):
            for cc in range(c, c + cs):
                cells[(rr, cc)] = (value if (rr, cc) == (r, c) else None, fmt)
        if rs > 1 or cs > 1:
            merges.append((r, c, r + rs - 1, c + cs - 1, value, fmt))

    for table in form.tables:
        first = table.numbers[0]
        top = positions[first.key][0] - (first.r - 1)
        cells[(top - 1, 0)] = (f"{table.name}　{table.title}", f["title"])
        for lab in table.labels:
            put(top + lab.r - 1, lab.c - 1, lab.rs, lab.cs, lab.text, f["label"])
            lines = math.ceil(text_width(lab.text) / max(sum(widths[lab.c - 1:lab.c - 1 + lab.cs]) - 1.5, 2))
            for r in range(top + lab.r - 1, top + lab.r - 1 + lab.rs):
                heights[r] = max(heights.get(r, 16), (14 * lines + 4) / lab.rs)
        for cell in table.numbers:
            put(top + cell.r - 1, cell.c - 1, cell.rs, cell.cs, get_path(total, cell.key),
                f["fee"] if cell.type == "amount" else f["num"])
    for row in sorted({r for r, _ in cells}):
        if row in heights:
            ws.set_row(row, heights[row])
        for (r, c) in sorted(k for k in cells if k[0] == row):
            value, fmt = cells[(r, c)]
            _write_value(ws, r, c, value, fmt)
    for r1, c1, r2, c2, _, _ in merges:
        ws.merge.append([r1, c1, r2, c2])  # xlsxwriter's list behind merge_range


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
    for c, (head, width) in enumerate((("单位名称", 40), ("联系人", 14), ("邮箱", 30))):
        ws.write(2, c, head, f["head"])
        ws.set_column(c, c, width)
    for r, name in enumerate(roster["missing"], start=3):
        ws.write_string(r, 0, name, f["text"])
        for c, value in enumerate(roster.get("missing_contacts", {}).get(name, ["", ""]), start=1):
            ws.write_string(r, c, value, f["text"])
    if roster.get("not_in_roster"):
        ws.write(len(roster["missing"]) + 4, 0, "不在名单中的单位：" + "、".join(roster["not_in_roster"]), f["note"])
    if roster.get("repeated_lines"):
        ws.write(len(roster["missing"]) + 5, 0, "名单中重复的行（只计一次）：" + "、".join(roster["repeated_lines"]), f["note"])
