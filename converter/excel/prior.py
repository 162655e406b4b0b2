"""Next year's template from last year's report (`converter template --prior`).

What is carried over and what is shown comes from the form definition's cross-year rules, never
from named cells: a rule "this cell = last year's cell" (上年结转 = 上年结转下年度) pre-fills the
input cell; a rule mixing last year's and this year's cells (现行有效件数 = 上年现行有效件数 +
本年制发 − 本年废止) gets last year's value shown beside the inputs with a reminder check. The helper
cells are locked, carry no defined name and are not report data: the reader never sees them.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from converter.base.errors import InputError
from converter.engine.findings import Finding, Location
from converter.form.definition import Form, Rule, get_path, set_path
from converter.base.text import agency_key, text_width
from converter.engine.arith import evaluate_derived, fmt, number, rounded, signed_sum
from converter.excel.layout import SUMMARY_ROW, TABLE_LEFT, TABLE_TOP, PriorBlock, carry_rules, prior_blocks, ref, shown_rules

PRIOR_FILL = "#DDEBF7"
REMIND_FILL = "#FFE699"
REMIND_COLOR = "#7F6000"
REMIND_MARK = "⚠"


@dataclass
class Prior:
    """Last year's report, reduced to what next year's template uses."""
    form: Form
    agency: str
    year: int | None
    path: str
    sha256: str
    carry: dict = field(default_factory=dict)  # this year's input path → last year's value
    shown: dict = field(default_factory=dict)  # rule id → last year's value (signed sum of its prior terms)
    findings: list[Finding] = field(default_factory=list)

    def values(self) -> dict:
        """The report-shaped dict the template writer pre-fills from (carried cells only)."""
        out: dict = {}
        for path, value in self.carry.items():
            set_path(out, path, value)
        return out

    def stamp(self) -> dict:
        return {"prior_agency": self.agency, "prior_year": str(self.year or ""),
                "prior_file": Path(self.path).name, "prior_sha256": self.sha256}

    def source_words(self) -> str:
        return f"{self.agency or '上年报告'}{self.year or ''}年度报告（{Path(self.path).name}）"


def _prior_sum(rule: Rule, report: dict):
    terms = [t for t in rule.right if t.prior]
    if all(number(get_path(report, t.path)) is None for t in terms):
        return None
    return signed_sum(terms, lambda t: number(get_path(report, t.path)))


def prior_from_report(report: dict, form: Form, *, path: str = "", sha256: str = "",
                      findings: list[Finding] | None = None) -> Prior:
    """What a template takes from last year's report `report` (already read)."""
    year = report.get("year")
    year = int(year) if isinstance(year, int) or str(year or "").isdigit() else None
    prior = Prior(form, str(report.get("agency") or "").strip(), year, str(path), sha256,
                  findings=list(findings or ()))
    skipped = []
    for rule in carry_rules(form):
        target, source = rule.left[0].path, rule.right[0].path
        value = number(get_path(report, source))
        if target in form.derived:
            skipped.append((rule, value))  # a total: stays a formula over the carried parts
            continue
        if value is not None:
            prior.carry[target] = value
    derived = evaluate_derived(form, prior.values())
    for rule, value in skipped:
        target = rule.left[0].path
        got = derived.get(target)
        if value is not None and got != value:
            n = form.cell[target]
            prior.findings.append(Finding(
                "prior.total_not_carried", "warning",
                f"上年“{form.cell[rule.right[0].path].row_label}”的「{n.col_label}」为 {fmt(value)}，"
                f"但各分项合计为 {fmt(got or 0)}（上年可能只填了合计），本年{n.table_name}「{n.row_label}」"
                f"「{n.col_label}」按分项自动合计，请核对预填的各分项",
                Location(path=target, table=n.table_name, row_label=n.row_label, col_label=n.col_label),
                {"prior": value, "parts": got}))
    for rule in shown_rules(form):
        prior.shown[rule.id] = _prior_sum(rule, report)
    if not prior.carry and all(v is None for v in prior.shown.values()):
        raise InputError("prior.no_data", f"{path}：上年报告中没有可结转的数字（结转下年度、现行有效件数均为空白）",
                         str(path))
    return prior


def next_year(prior: Prior, year: int | None) -> tuple[int | None, list[Finding]]:
    """The template's year: given, or last year's + 1; a warning when both are known and disagree."""
    notes = []
    if year is None:
        if prior.year is None:
            raise InputError("prior.no_year", f"{prior.path}：上年报告没有年度，请用 --year 指定本年度", prior.path)
        year = prior.year + 1
        if not prior.form.first_year <= year <= 2100:
            raise InputError("prior.bad_year", f"{prior.path}：上年报告的年度为 {prior.year}，"
                             f"推算的本年度 {year} 不在 {prior.form.first_year}–2100 之间，请用 --year 指定", prior.path)
        return year, notes
    if prior.year is not None and prior.year != year - 1:
        notes.append(Finding("prior.year_mismatch", "warning",
                             f"上年报告为 {prior.year} 年度，不是 {year - 1} 年度，请确认选对了文件",
                             Location(path="year"), {"prior_year": prior.year, "year": year}))
    return year, notes


def agency_notes(prior: Prior, agency: str | None) -> list[Finding]:
    if agency and prior.agency and agency_key(agency) != agency_key(prior.agency):
        return [Finding("prior.agency_mismatch", "warning",
                        f"上年报告的单位为“{prior.agency}”，不是“{agency}”，请确认选对了文件",
                        Location(path="agency"), {"prior_agency": prior.agency, "agency": agency})]
    return []


# ---- drawing, called by the template writer -----------------------------------------------------------
def _expr(terms, cell_ref) -> str:
    out = ""
    for t in terms:
        out += ("-" if t.sign < 0 else "+") + cell_ref(t)
    return out.lstrip("+") or "0"


def remind_text(diff) -> str:
    return "✔" if diff == 0 else f"{REMIND_MARK} 差{fmt(abs(diff))}"


def draw_table(writer, ws, table) -> None:
    """Last year's values and the reminder checks beside `table` (nothing when it has none)."""
    prior: Prior = writer.prior
    form, lay = writer.form, writer.lay
    blocks = [b for b in prior_blocks(form) if b.table == table.id]
    if not blocks:
        return
    value_fmt = writer.fmt("derived", bg_color=PRIOR_FILL, bold=False)
    head_fmt = writer.fmt("label", bg_color=PRIOR_FILL, font_size=9)
    check_fmt = writer.fmt("check", font_color=REMIND_COLOR)
    note_fmt = writer.fmt("check_label", border=0, font_color="#595959", valign="top")
    warn = writer.wb.add_format({"bg_color": REMIND_FILL, "font_color": REMIND_COLOR, "bold": True})
    last_col = 0
    for block in blocks:
        _draw_block(writer, ws, block, prior, value_fmt, head_fmt, check_fmt, note_fmt, warn)
        for c in block.columns:
            ws.set_column(c - 1, c - 1, 1.5 if c == block.columns[0] else (16 if c == block.columns[1] else 14))
        last_col = max([last_col, *block.columns, *(p.check.col + p.check.cs - 1 for p in block.places)])
    end_row = max([lay.table_end[table.id], *(r for b in blocks for r in b.rows)])
    table_last = (lay.check_col.get(table.id) or table.cols)
    ws.print_area(0, 0, end_row - 1, max(last_col, table_last) - 1)
    extra = sum(1.5 + 16 + 14 for b in blocks if b.columns)
    if sum(table.col_widths) <= 110 < sum(table.col_widths) + extra:  # the writer chose portrait without them
        ws.set_landscape()
    if not lay.checks_on(table.name):  # the summary line said "no checks": mention the reminders
        ws.write_string(SUMMARY_ROW - 1, TABLE_LEFT - 1, f"本表各项单独填写，无勾稽关系校验；右侧浅蓝色为上年数（只读），"
                        f"“{REMIND_MARK} 差N”为与上年核对的提醒。", writer.fmt("subtitle"))


def _draw_block(writer, ws, block: PriorBlock, prior: Prior, value_fmt, head_fmt, check_fmt, note_fmt, warn):
    form, lay = writer.form, writer.lay
    first = block.places[0].rule
    prior_terms = [t for t in first.right if t.prior]
    by_rows = bool(block.rows)  # instances side by side in a row: what they share is the row label
    labels = "、".join(dict.fromkeys(form.cell[t.path].row_label if by_rows else form.cell[t.path].col_label
                                     for t in prior_terms))
    head = f"上年{labels}\n（{prior.year or '上'}年度，只读）"
    writer.put(ws, block.value_head, head, head_fmt)
    writer.put(ws, block.check_head, f"与上年核对（提醒）：{block.title}" if by_rows else "与上年核对\n（提醒）",
                head_fmt)
    if by_rows:
        _fit_row(writer, ws, block.check_head.row, 3)
    _fit_row(writer, ws, block.value_head.row, max(len(head.split("\n")), 2))
    for place in block.places:
        rule = place.rule
        value = prior.shown.get(rule.id)
        writer.put(ws, place.value, value, value_fmt)
        if value is None:
            writer.put(ws, place.check, "上年未填", check_fmt)
            continue
        here = place.check.sheet

        def cell_ref(t, place=place):
            pos = place.value if t.prior else lay.cells[t.path]
            return ref(pos.row, pos.col) if pos.sheet == here else f"'{pos.sheet}'!{ref(pos.row, pos.col)}"

        left = _expr(rule.left, cell_ref)
        right = cell_ref(next(t for t in rule.right if t.prior)) + (
            "+" + _expr([t for t in rule.right if not t.prior], cell_ref))
        d = f"ROUND(({left})-({right}),6)"
        blanks = "AND(" + ",".join(f'{cell_ref(t)}=""' for t in rule.left) + ")"
        formula = f'=IF({blanks},"",IF({d}=0,"✔","{REMIND_MARK} 差"&ABS({d})))'
        cached = _cached(rule, writer, value)
        writer.put(ws, place.check, None, check_fmt, formula=formula, cached=cached)
    c0, c1 = min(p.check.col for p in block.places), max(p.check.col + p.check.cs - 1 for p in block.places)
    r0, r1 = min(p.check.row for p in block.places), max(p.check.row for p in block.places)
    ws.conditional_format(r0 - 1, c0 - 1, r1 - 1, c1 - 1, {"type": "text", "criteria": "begins with",
                                                           "value": REMIND_MARK, "format": warn})
    if block.note is not None:
        writer.put(ws, block.note, f"核对：{block.title}。“{REMIND_MARK} 差N”只是提醒，请核实。"
                                    "浅蓝色为上年数，不属于本年报告数据。", note_fmt)


def _fit_row(writer, ws, row: int, lines: int) -> None:
    """Make sheet row `row` tall enough for `lines` lines of 9 pt, keeping what the table's labels need."""
    need = 12.5 * lines + 6
    for table in writer.form.tables:
        if table.name != ws.get_name():
            continue
        for label in table.labels:
            if TABLE_TOP + label.r - 1 <= row < TABLE_TOP + label.r - 1 + label.rs:
                w = sum(table.col_widths[label.c - 1:label.c - 1 + label.cs])
                need = max(need, (14.5 * -(-text_width(label.text) // max(w - 1.5, 2)) + 5) / label.rs)
    ws.set_row(row - 1, max(need, 21))


def _cached(rule: Rule, writer, prior_value) -> str:
    current = [writer.cell_value(t.path) for t in rule.left]
    if all(v is None for v in current):
        return ""
    left = sum(t.sign * (v or 0) for t, v in zip(rule.left, current))
    right = prior_value + sum(t.sign * (writer.cell_value(t.path) or 0) for t in rule.right if not t.prior)
    return remind_text(rounded(left - right))


def cover_note(prior: Prior, form: Form) -> str:
    carried = []
    for rule in carry_rules(form):
        n = form.cell[rule.left[0].path]
        words = f"{n.table_name}“{n.row_label}”"
        if words not in carried and rule.left[0].path in prior.carry:
            carried.append(words)
    shown = []
    for rule in shown_rules(form):
        n = form.cell[rule.left[0].path]
        words = f"{n.table_name}“{n.col_label}”"
        if words not in shown and prior.shown.get(rule.id) is not None:
            shown.append(words)
    parts = [f"本模板已根据{prior.source_words()}预填："]
    if carried:
        sources = "、".join(dict.fromkeys(f"“{form.cell[r.right[0].path].row_label}”" for r in carry_rules(form)))
        parts.append("、".join(carried) + f"已按上年{sources}填写，如有出入请核实后修改"
                     "（填完本年其余各项之前，相关勾稽关系显示“✘”属正常）；")
    if shown:
        parts.append("、".join(shown) + "旁列出上年数（浅蓝色，只读）并提醒核对。")
    return "".join(parts)


