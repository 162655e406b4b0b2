"""The Excel template: structure from the definition, round trip through defined names, roster + e-mail."""
from __future__ import annotations

import datetime as dt
import email
import json
import time
from email import policy

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import example_reports, load_example
from xlsx_fill import filled_template, named_cell

from converter.cli import main
from converter.form.definition import load_form, DEFAULT_FORM, get_path, set_path
from converter.engine.validate import validate
from converter.excel.layout import COVER, STAMP, TEXTS, check_rules, fingerprint, layout, name_of, origin, ref
from converter.excel.read import read_workbook
from converter.excel.template import evaluate_derived, write_template


def _formula_cells(formula: str) -> set[str]:
    from openpyxl.utils.cell import get_column_letter, range_boundaries

    out = set()
    for rng in formula.removeprefix("=SUM(").removesuffix(")").split(","):
        c1, r1, c2, r2 = range_boundaries(rng)
        out |= {f"{get_column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
    return out


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    path = tmp_path_factory.mktemp("tpl") / "template.xlsx"
    write_template(path, load_form(DEFAULT_FORM), agency="衡阳市商务局", year=2025)
    return path


@pytest.fixture(scope="module")
def wb(template):
    return openpyxl.load_workbook(template)


def test_every_report_cell_has_its_defined_name(wb, form):
    lay = layout(form)
    expected = {name_of(n.key) for n in form.numbers} | {name_of(t.key) for t in form.texts}
    expected |= {"agency", "year", "contact", "phone"}
    assert set(wb.defined_names) == expected
    assert "applications__new_received__natural_person" in wb.defined_names
    assert "active_disclosure__fees__amount_wan_yuan" in wb.defined_names
    assert "text__overview" in wb.defined_names
    for n in form.numbers:
        (sheet, coord), = wb.defined_names[name_of(n.key)].destinations
        r, c = origin(n.r, n.c)
        assert (sheet, coord.replace("$", "")) == (n.table_name, ref(r, c)) == (lay.cells[n.key].sheet, lay.cells[n.key].ref)
    assert named_cell(wb, "agency").value == "衡阳市商务局"
    assert named_cell(wb, "year").value == 2025


def test_tables_have_the_official_labels_and_merges(wb, form):
    for table in form.tables:
        ws = wb[table.name]
        merges = {str(m) for m in ws.merged_cells.ranges}
        for cell in (*table.labels, *table.numbers):
            r, c = origin(cell.r, cell.c)
            if cell.rs > 1 or cell.cs > 1:
                assert f"{ref(r, c)}:{ref(r + cell.rs - 1, c + cell.cs - 1)}" in merges, (table.name, cell)
        for label in table.labels:
            r, c = origin(label.r, label.c)
            assert ws.cell(r, c).value == label.text
            assert ws.cell(r, c).protection.locked is True


def test_inputs_unlocked_derived_formulas_sheets_protected(wb, form):
    lay = layout(form)
    for n in form.numbers:
        pos = lay.cells[n.key]
        cell = wb[pos.sheet].cell(pos.row, pos.col)
        if n.key in form.derived:
            assert cell.protection.locked is True
            assert str(cell.value).startswith("=SUM("), n.key
            parts = {lay.cells[t.path].ref for t in form.derived[n.key].right}
            assert _formula_cells(cell.value) == parts, n.key  # the formula sums exactly the parts
        else:
            assert cell.protection.locked is False, n.key
            assert cell.fill.fgColor.rgb.endswith("FFF2CC")
    for name in (COVER, TEXTS, *(t.name for t in form.tables)):
        assert wb[name].protection.sheet is True
        assert not wb[name].protection.password
    assert named_cell(wb, "agency").protection.locked is True  # given → locked
    assert named_cell(wb, "contact").protection.locked is False
    assert wb[STAMP].sheet_state in ("hidden", "veryHidden")
    stamp = {wb[STAMP].cell(r, 1).value: wb[STAMP].cell(r, 2).value for r in range(1, 10)}
    assert stamp["form"] == form.id and stamp["year"] == "2025" and stamp["fingerprint"] == fingerprint(form)


def test_data_validation_with_chinese_prompts(wb, form):
    lay = layout(form)
    by_cell = {}
    for table in form.tables:
        for dv in wb[table.name].data_validations.dataValidation:
            for rng in dv.sqref.ranges:
                by_cell[(table.name, rng.coord.split(":")[0])] = dv
    for n in form.inputs:
        dv = by_cell[(lay.cells[n.key].sheet, lay.cells[n.key].ref)]
        assert dv.type == ("decimal" if n.type == "amount" else "whole")
        assert dv.operator == "greaterThanOrEqual" and dv.formula1 == "0"
        assert "0" in dv.prompt and dv.showErrorMessage and "大于或等于 0" in dv.error


def test_check_cells_for_every_arithmetic_error_rule(wb, form):
    lay = layout(form)
    rules = check_rules(form)
    assert len(lay.checks) == len(rules) == len({c.pos for c in lay.checks})
    for check in lay.checks:
        cell = wb[check.pos.sheet].cell(check.pos.row, check.pos.col)
        assert cell.value.startswith("=IF(COUNTA(") and "IF(ROUND(" in cell.value and "✘ 多" in cell.value and "✘ 少" in cell.value
    for table in form.tables:
        ws = wb[table.name]
        has_checks = bool(lay.checks_on(table.name))
        assert ("勾稽关系全部成立" in str(ws["A3"].value)) == has_checks
        assert ws.page_setup.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # None: default 1
        if table.header_rows:
            assert ws.print_title_rows == f"${origin(1, 1)[0]}:${origin(table.header_rows, 1)[0]}"


@pytest.mark.parametrize("example", [p.name for p in example_reports()])
def test_round_trip_through_defined_names(tmp_path, form, example):
    report = load_example(example)
    path = filled_template(tmp_path, report)
    loaded = read_workbook(path)
    cli = CliRunner().invoke(main, ["read", str(path)])
    assert cli.exit_code == 0 and json.loads(cli.stdout) == loaded.report
    expected = json.loads(json.dumps(report))
    for key, value in evaluate_derived(form, report, blank_stays_blank=True).items():  # totals: recomputed
        set_path(expected, key, value)
    assert loaded.report == expected
    assert loaded.findings == []
    assert validate(loaded.report, form) == validate(expected, form)
    for key in [n.key for n in form.inputs] + [t.key for t in form.texts]:
        assert get_path(loaded.report, key) == get_path(report, key)
    assert loaded.cells["applications.new_received.natural_person"] == ("表三", "D7")
    if example.startswith("hengyang"):
        # its applicant columns are blank: their totals read blank too (the sheet's formulas show 0), so a
        # Word report made from the workbook prints no row of 0s under blank rows
        assert report["applications"]["new_received"]["total"] == 0
        assert loaded.report["applications"]["new_received"]["total"] is None
        assert loaded.report["applications"]["results_total"]["natural_person"] is None
    else:
        assert "\n" in loaded.report["text"]["overview"]


def test_roster_gives_workbooks_and_emails(tmp_path):
    agencies = [f"示范市第{i}局" for i in range(1, 49)] + ["某/某:局*", "示范市第1局"]  # illegal chars, duplicate
    agencies.append("某?某:局*")  # another name that becomes the same file name: numbered
    rows = ["单位名称,联系人,邮箱,截止日期"] + [
        f"{a},联系人{i},user{i}@example.cn,{'2026-01-15' if i % 2 else ''}" for i, a in enumerate(agencies)]
    csv_text = "\r\n".join(rows) + "\r\n"
    for encoding in ("utf-8-sig", "gbk"):
        roster = tmp_path / f"roster-{encoding}.csv"
        roster.write_bytes(csv_text.encode(encoding))
        out = tmp_path / f"out-{encoding}"
        started = time.perf_counter()
        result = CliRunner().invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(out)])
        elapsed = time.perf_counter() - started
        assert result.exit_code == 0, result.output
        xlsx = sorted(out.glob("*.xlsx"))
        emls = sorted(out.glob("*.eml"))
        assert len(xlsx) == 50 and len(emls) == 50
        assert elapsed < 20, f"{elapsed:.1f}s for 50 workbooks"
        assert (out / "某_某_局_-2025年度政府信息公开工作年度报告填报表.xlsx").exists()
        assert (out / "某_某_局_-2025年度政府信息公开工作年度报告填报表-2.xlsx").exists()
        assert not (out / "示范市第1局-2025年度政府信息公开工作年度报告填报表-2.xlsx").exists()
        eml = out / "示范市第3局-2025年度政府信息公开工作年度报告填报表.eml"
        msg = email.message_from_bytes(eml.read_bytes(), policy=policy.default)
        assert msg["To"] == "user2@example.cn"
        assert "示范市第3局" in msg["Subject"] and "2026年1月31日" in msg["Subject"]  # default deadline
        body = msg.get_body(("plain",)).get_content()
        assert "联系人2" in body and "2026年1月31日前" in body
        attachment, = list(msg.iter_attachments())
        assert attachment.get_filename() == "示范市第3局-2025年度政府信息公开工作年度报告填报表.xlsx"
        data = attachment.get_content()
        assert data == eml.with_suffix(".xlsx").read_bytes()
        msg2 = email.message_from_bytes((out / "示范市第2局-2025年度政府信息公开工作年度报告填报表.eml").read_bytes(),
                                        policy=policy.default)
        assert "2026年1月15日" in msg2["Subject"]
        wb = openpyxl.load_workbook(eml.with_suffix(".xlsx"))
        assert named_cell(wb, "agency").value == "示范市第3局" and named_cell(wb, "year").value == 2025
        assert named_cell(wb, "agency").protection.locked is True


def test_roster_without_name_column_is_an_input_error(tmp_path):
    roster = tmp_path / "r.csv"
    roster.write_text("名称,邮箱\n某局,a@b.cn\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(tmp_path / "o")])
    assert result.exit_code == 2 and "单位名称" in result.output


def test_cli_template_and_read(tmp_path):
    out = tmp_path / "t.xlsx"
    runner = CliRunner()
    result = runner.invoke(main, ["template", "-o", str(out), "--agency", "示范局", "--year", "2024"])
    assert result.exit_code == 0 and out.exists()
    result = runner.invoke(main, ["read", str(out), "-o", str(tmp_path / "r.json")])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["agency"] == "示范局" and report["year"] == 2024
    assert report["applications"]["new_received"]["natural_person"] is None
    assert report["applications"]["new_received"]["total"] is None  # a total of blank cells stays blank
    result = runner.invoke(main, ["read", str(out), "--year", "2025"])
    assert result.exit_code == 2 and "2024" in result.output


def test_eml_for_several_addresses_opens_as_a_draft(tmp_path):
    from converter.round.roster import build_eml, deadline_text

    book = tmp_path / "某局-2025年度政府信息公开工作年度报告填报表.xlsx"
    write_template(book, load_form(DEFAULT_FORM), agency="某局", year=2025)
    raw = build_eml("某局", 2025, "a@example.cn；b@example.cn", book, deadline=deadline_text("2026/1/9", 2025), form=load_form(DEFAULT_FORM))
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert [a.addr_spec for a in msg["To"].addresses] == ["a@example.cn", "b@example.cn"]
    assert msg["X-Unsent"] == "1" and "2026年1月9日" in msg["Subject"]
    assert b"\r\n" in raw  # SMTP line endings: any mail client opens it


def test_roster_warns_about_duplicate_names_and_odd_addresses(tmp_path):
    from converter.round.roster import make_roster_templates

    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称,邮箱\n甲局,a@x.cn\n甲局,b@x.cn\n乙局,not-an-email\n", encoding="utf-8-sig")
    result = make_roster_templates(roster, 2025, tmp_path / "out", today=dt.date(2025, 12, 1), form=load_form(DEFAULT_FORM))
    assert len(result.items) == 2  # one template and one e-mail for 甲局
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{a}-2025年度政府信息公开工作年度报告填报表.{ext}" for a in ("甲局", "乙局") for ext in ("xlsx", "eml"))
    assert any("“甲局”出现了 2 次（第 2、3 行）" in w and "a@x.cn" in w for w in result.warnings)
    assert any("not-an-email" in w for w in result.warnings)
    assert len(result.warnings) == 2


def test_untouched_template_says_not_filled_instead_of_all_ok(tmp_path):
    """A blank form must not greet the agency with ✔: its summary asks for the numbers first."""
    from converter.engine.sample import make_report
    from converter.excel.template import ALL_OK, NOT_FILLED

    write_template(tmp_path / "blank.xlsx", load_form(DEFAULT_FORM), agency="某局", year=2025)
    write_template(tmp_path / "filled.xlsx", load_form(DEFAULT_FORM), agency="某局", year=2025, values=make_report("某局", 2025, form=load_form(DEFAULT_FORM)))
    blank = openpyxl.load_workbook(tmp_path / "blank.xlsx")
    filled = openpyxl.load_workbook(tmp_path / "filled.xlsx")
    formula = blank["表三"]["A3"].value
    assert formula.startswith("=IF(COUNTA(") and NOT_FILLED in formula and ALL_OK in formula
    # the values cached for viewers that do not recalculate
    assert openpyxl.load_workbook(tmp_path / "blank.xlsx", data_only=True)["表三"]["A3"].value == NOT_FILLED
    assert openpyxl.load_workbook(tmp_path / "filled.xlsx", data_only=True)["表三"]["A3"].value == ALL_OK
    assert filled["表三"]["A3"].value == formula


def test_texts_sheet_shows_a_long_text_in_full(tmp_path):
    """One wide unmerged cell per text (rows grow as typed); a written text gets a row tall enough for it."""
    from converter.engine.sample import make_report
    from converter.excel.template import MAX_ROW_HEIGHT, text_row_height

    report = make_report("某局", 2025, form=load_form(DEFAULT_FORM))
    report["text"]["overview"] = "\n".join(["（一）主动公开", "全年主动公开政府信息。" * 100])  # ~1,000 characters
    write_template(tmp_path / "t.xlsx", load_form(DEFAULT_FORM), agency="某局", year=2025, values=report)
    write_template(tmp_path / "blank.xlsx", load_form(DEFAULT_FORM), agency="某局", year=2025)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx")[TEXTS]
    blank = openpyxl.load_workbook(tmp_path / "blank.xlsx")[TEXTS]
    assert not ws.merged_cells.ranges
    cell = named_cell(ws.parent, "text__overview")
    assert cell.value == report["text"]["overview"] and cell.alignment.wrap_text
    height = ws.row_dimensions[cell.row].height
    assert abs(height - text_row_height(report["text"]["overview"])) < 0.5 and 250 < height <= MAX_ROW_HEIGHT
    assert ws.row_dimensions[cell.row].customHeight
    assert not blank.row_dimensions[cell.row].customHeight  # blank: the row grows with what is typed
    assert ws.page_setup.orientation == "landscape"


def test_remembered_formula_preparation_writes_the_same_parts(tmp_path, form, monkeypatch):
    """memo_formulas only remembers what xlsxwriter computes: an annotated copy written with it, twice
    (the second from the memory), has the same parts as one written by xlsxwriter alone."""
    import io
    import zipfile

    from converter.engine.pipeline import check_loaded
    from converter.engine.sample import make_report
    from converter.excel import template
    from converter.excel.annotate import annotate

    report = make_report("某某市交通运输局", 2025, seed=7, blanks=0.3, form=form)
    key = "applications.carried_forward.natural_person"
    set_path(report, key, (get_path(report, key) or 0) + 3)
    path = tmp_path / "有错.xlsx"
    write_template(path, form, agency="某某市交通运输局", year=2025, values=report)
    loaded = read_workbook(path, form=form)
    findings = check_loaded(loaded, None)
    assert any(f.severity == "error" for f in findings)

    def parts():
        buffer = io.BytesIO()
        annotate(loaded, findings, buffer)
        with zipfile.ZipFile(buffer) as zf:  # core.xml carries the time of writing
            return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}

    remembered = [parts(), parts()]
    monkeypatch.setattr(template, "memo_formulas", lambda ws: ws)
    plain = parts()
    assert remembered[0] == plain and remembered[1] == plain


def _parts(data: bytes) -> dict:
    """A workbook's parts, its creation time (the clock) left out."""
    import io
    import re
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parts = {name: z.read(name) for name in z.namelist()}
    parts["docProps/core.xml"] = re.sub(rb"<dcterms:(created|modified)[^>]*>[^<]*<", b"<", parts["docProps/core.xml"])
    return parts


def test_remembered_validations_and_names_write_the_same_workbooks(tmp_path, form, monkeypatch):
    """Validations, their XML and the defined names are remembered per process: blank and filled templates,
    a template pre-filled from last year and an annotated copy come out part for part as written afresh."""
    import io

    from converter.engine.pipeline import check_loaded
    from converter.excel import template
    from converter.excel.annotate import annotate
    from converter.excel.prior import prior_from_report

    report = load_example("hengyang-commerce-2025.json")
    broken = json.loads(json.dumps(report))
    balance = next(r for r in form.rules if r.kind == "balance" and r.severity == "error")
    key = next(t.path for t in balance.left if t.path not in form.derived)
    set_path(broken, key, (get_path(broken, key) or 0) + 7)  # a ✘
    set_path(broken, "text.overview", "")
    write_template(tmp_path / "broken.xlsx", form, agency="乙单位", values=broken)  # no year: its validation too
    loaded = read_workbook(tmp_path / "broken.xlsx")
    findings = check_loaded(loaded, None, "")
    assert {"error", "warning"} <= {f.severity for f in findings}

    def workbooks() -> list[bytes]:
        out = []
        for kwargs in ({}, {"agency": "甲单位", "year": 2025, "values": report},
                       {"year": 2026, "agency": "甲单位", "prior": prior_from_report(report, form, path="x.json")}):
            buf = io.BytesIO()
            write_template(buf, form, **kwargs)
            out.append(buf.getvalue())
        buf = io.BytesIO()
        annotate(loaded, findings, buf)
        return out + [buf.getvalue()]

    workbooks()  # everything remembered from here on
    remembered = workbooks()
    monkeypatch.setattr(template, "REMEMBER", False)
    fresh = workbooks()
    assert len(remembered) == len(fresh) == 4
    for a, b in zip(remembered, fresh):
        assert _parts(a) == _parts(b)
