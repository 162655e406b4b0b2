"""`converter template --prior`: next year's template pre-filled from last year's report."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import load_example
from import_render import docx_bytes, render_html
from xlsx_fill import fill, named_cell

from converter.api import check_file
from converter.cli import main
from converter.form.definition import DEFAULT_FORM, get_path, load_form
from converter.excel.prior import prior_from_report
from converter.inputs.priors import load_prior
from converter.excel.layout import carry_rules, layout, prior_blocks, shown_rules
from converter.excel.read import read_workbook
from converter.excel.template import write_template

PRIOR = "district-market-regulation-2024.json"
CURRENT = "district-market-regulation-2025.json"


@pytest.fixture
def last_year():
    return load_example(PRIOR)


def _prior_files(tmp_path: Path, report: dict) -> dict[str, Path]:
    """Last year's report as JSON, as a filled workbook, as a published web page."""
    as_json = tmp_path / "prior.json"
    as_json.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    blank = tmp_path / "prior-blank.xlsx"
    write_template(blank, load_form(DEFAULT_FORM), agency=report["agency"], year=report["year"])
    wb = openpyxl.load_workbook(blank)
    fill(wb, report)
    as_xlsx = tmp_path / "prior.xlsx"
    wb.save(as_xlsx)
    as_html = tmp_path / "prior.html"
    as_html.write_text(render_html(report), encoding="utf-8")
    as_docx = tmp_path / "prior.docx"
    as_docx.write_bytes(docx_bytes(report))
    return {"json": as_json, "xlsx": as_xlsx, "html": as_html, "docx": as_docx}


def _template(tmp_path: Path, prior: Path, *args) -> tuple[Path, object]:
    out = tmp_path / "next.xlsx"
    result = CliRunner().invoke(main, ["template", "-o", str(out), "--prior", str(prior), *args])
    assert result.exit_code == 0, result.output
    return out, result


def _helper_values(path: Path) -> dict:
    """Rule id → what the template shows beside the inputs as last year's value."""
    form = load_form(DEFAULT_FORM)
    wb = openpyxl.load_workbook(path)
    return {p.rule.id: wb[p.value.sheet].cell(p.value.row, p.value.col).value
            for b in prior_blocks(form) for p in b.places}


def test_rules_come_from_the_definition(form):
    carried = {r.left[0].path for r in carry_rules(form)}
    assert carried == {f"applications.carried_over.{c}" for c in
                       ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org",
                        "total")}
    assert {r.code for r in shown_rules(form)} == {"prior.in_force"}
    (block,) = prior_blocks(form)
    assert block.table == "t2" and len(block.places) == 2
    # beside the inputs: on the rows of the cells they check, right of the official table
    lay_rows = {form.cell[p.rule.left[0].path].r + 3 for p in block.places}
    assert {p.value.row for p in block.places} == lay_rows
    assert min(block.columns) > form.table["t2"].cols


@pytest.mark.parametrize("kind", ["json", "xlsx", "html", "docx"])
def test_prefilled_from_each_kind_of_prior(tmp_path, last_year, kind, form):
    prior = _prior_files(tmp_path, last_year)[kind]
    out, result = _template(tmp_path, prior)
    assert "已生成填报模板" in result.output
    wb = openpyxl.load_workbook(out)
    # agency and year (last year's + 1) taken from the prior
    assert named_cell(wb, "agency").value == last_year["agency"]
    assert named_cell(wb, "year").value == last_year["year"] + 1
    for rule in carry_rules(form):
        target, source = rule.left[0].path, rule.right[0].path
        cell = named_cell(wb, target)
        if target in form.derived:  # totals stay formulas over the carried parts
            assert str(cell.value).startswith("=SUM(")
        else:
            assert cell.value == get_path(last_year, source), target
    shown = _helper_values(out)
    assert shown == {f"prior.in_force[{d}]": last_year["active_disclosure"][d]["in_force"]
                     for d in ("regulations", "normative_documents")}
    # labelled as last year's, beside the inputs
    (block,) = prior_blocks(form)
    head = wb[block.value_head.sheet].cell(block.value_head.row, block.value_head.col).value
    assert head.startswith("上年现行有效件数") and str(last_year["year"]) in head
    # the stamp records where the values came from
    stamp = {r[0].value: r[1].value for r in wb["_stamp"].iter_rows()}
    assert stamp["prior_agency"] == last_year["agency"] and stamp["prior_year"] == str(last_year["year"])
    assert len(stamp["prior_sha256"]) == 64 and stamp["prior_file"] == prior.name


def test_helper_cells_are_not_report_data(tmp_path, last_year, form):
    out, _ = _template(tmp_path, _prior_files(tmp_path, last_year)["json"])
    wb = openpyxl.load_workbook(out)
    helper = {(p.value.sheet, p.value.row, p.value.col) for b in prior_blocks(form) for p in b.places}
    for name, dn in wb.defined_names.items():
        (sheet, coord), = dn.destinations
        c = wb[sheet][coord.replace("$", "")]
        assert (sheet, c.row, c.column) not in helper, name
    loaded = read_workbook(out)
    assert not [f for f in loaded.findings if f.severity != "info"], loaded.findings
    assert loaded.report["active_disclosure"]["regulations"]["in_force"] is None  # not last year's value
    assert set(loaded.report) == set(form.empty_report())  # no extra keys from the helper cells
    assert loaded.report["applications"]["carried_over"] == last_year["applications"]["carried_forward"]


def test_round_trip_and_check_prior(tmp_path, last_year, form):
    """Template pre-filled → the agency fills the rest → read: 上年结转 == last year's 结转下年度 and
    `check --prior` raises no prior.carried_over warning."""
    prior = _prior_files(tmp_path, last_year)["json"]
    out, _ = _template(tmp_path, prior)
    current = load_example(CURRENT)
    current["applications"]["carried_over"] = copy.deepcopy(last_year["applications"]["carried_forward"])
    wb = openpyxl.load_workbook(out)
    keys = [n.key for n in form.inputs if not n.key.startswith("applications.carried_over.")]
    fill(wb, current, keys=keys + [t.key for t in form.texts])
    filled = tmp_path / "filled.xlsx"
    wb.save(filled)
    loaded = read_workbook(filled)
    assert loaded.report["applications"]["carried_over"] == last_year["applications"]["carried_forward"]
    for key in keys:
        assert get_path(loaded.report, key) == get_path(current, key), key
    result = check_file(filled, prior)
    assert not [f for f in result.findings if f.code == "prior.carried_over"]
    # the example's 2025 normative documents do not add up with 2024's: the check says so, as a warning
    assert [f.code for f in result.findings if f.code == "prior.in_force"] == ["prior.in_force"]
    cli = CliRunner().invoke(main, ["check", str(filled), "--prior", str(prior)])
    assert "prior.carried_over" not in cli.output


def test_year_and_agency_options_win(tmp_path, last_year):
    prior = _prior_files(tmp_path, last_year)["json"]
    out, result = _template(tmp_path, prior, "--year", "2027", "--agency", "别的局")
    wb = openpyxl.load_workbook(out)
    assert named_cell(wb, "year").value == 2027 and named_cell(wb, "agency").value == "别的局"
    assert "不是 2026 年度" in result.output and "不是“别的局”" in result.output


def test_only_total_carried_forward_is_reported(last_year, form):
    report = copy.deepcopy(last_year)
    for col in report["applications"]["carried_forward"]:
        if col != "total":
            report["applications"]["carried_forward"][col] = None
    prior = prior_from_report(report, form, path="x.json")
    assert not any(k.startswith("applications.carried_over") for k in prior.carry)
    assert [f.code for f in prior.findings] == ["prior.total_not_carried"]


def test_import_findings_are_printed(tmp_path, last_year):
    path = tmp_path / "prior.html"
    path.write_text(render_html(last_year, title=False), encoding="utf-8")  # agency, year from the page title
    loaded_findings = load_prior(path, load_form(DEFAULT_FORM)).findings
    assert loaded_findings
    out, result = _template(tmp_path, path)
    for f in loaded_findings:
        assert f.message in result.output


@pytest.mark.parametrize("content,name", [
    ("not json", "bad.json"),
    ('{"form": "other-form"}', "other.json"),
    ("hello", "notes.md"),
    ("PK\x03\x04garbage", "broken.xlsx"),
])
def test_bad_prior_exits_2(tmp_path, content, name):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out = tmp_path / "next.xlsx"
    result = CliRunner().invoke(main, ["template", "-o", str(out), "--prior", str(path)])
    assert result.exit_code == 2, result.output
    assert "无法处理：上年报告" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not out.exists()


def test_prior_without_numbers_or_year_exits_2(tmp_path, last_year, form):
    empty = form.empty_report(agency="某局", year=2024)
    path = tmp_path / "empty.json"
    path.write_text(json.dumps(empty, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "a.xlsx"), "--prior", str(path)])
    assert result.exit_code == 2 and "没有可结转的数字" in result.output
    no_year = copy.deepcopy(last_year)
    no_year["year"] = None
    path.write_text(json.dumps(no_year, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "b.xlsx"), "--prior", str(path)])
    assert result.exit_code == 2 and "--year" in result.output
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "c.xlsx"), "--prior", str(path),
                                       "--year", "2025"])
    assert result.exit_code == 0, result.output
    far = copy.deepcopy(last_year)
    far["year"] = 2100
    path.write_text(json.dumps(far, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "-o", str(tmp_path / "d.xlsx"), "--prior", str(path)])
    assert result.exit_code == 2 and "--year" in result.output


def test_roster_with_prior_dir(tmp_path, last_year):
    priors = tmp_path / "last"
    priors.mkdir()
    (priors / "a.json").write_text(json.dumps(last_year, ensure_ascii=False), encoding="utf-8")
    (priors / "broken.json").write_text("{", encoding="utf-8")
    other = copy.deepcopy(last_year)
    other["agency"] = "示范县教育局"
    other["applications"]["carried_forward"]["natural_person"] = 7
    (priors / "b.html").write_text(render_html(other), encoding="utf-8")
    roster = tmp_path / "名单.csv"
    roster.write_text(f"单位名称\n{last_year['agency']}\n示范县教育局\n没有上年报告的单位\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(out),
                                       "--prior-dir", str(priors)])
    assert result.exit_code == 0, result.output
    assert "其中 2 份按上年报告预填" in result.output
    assert "跳过上年报告 broken.json" in result.output and "没有上年报告的单位" in result.output
    files = {p.name.split("-")[0]: p for p in out.glob("*.xlsx")}
    for agency, value in ((last_year["agency"], 25), ("示范县教育局", 7), ("没有上年报告的单位", None)):
        wb = openpyxl.load_workbook(files[agency])
        assert named_cell(wb, "applications.carried_over.natural_person").value == value, agency
        assert named_cell(wb, "year").value == 2025


def test_prior_with_roster_is_a_usage_error(tmp_path, last_year):
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某局\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o",
                                       str(tmp_path / "o"), "--prior", str(tmp_path / "x.json")])
    assert result.exit_code == 2 and "--prior-dir" in result.output


def test_reminder_check_recalculated_by_libreoffice(tmp_path, last_year, form):
    """LibreOffice computes the reminder: ✔ where 现行有效件数 adds up with last year's, ⚠ 差N where not,
    blank while nothing is filled in; the summary of the error checks is unaffected."""
    from office import convert

    out, _ = _template(tmp_path, _prior_files(tmp_path, last_year)["json"])
    current = load_example(CURRENT)
    wb = openpyxl.load_workbook(out)
    fill(wb, current, keys=[n.key for n in form.table["t2"].numbers])
    filled = tmp_path / "t2.xlsx"
    wb.save(filled)
    recalculated = convert(filled, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(recalculated, data_only=True)
    (block,) = prior_blocks(form)
    got = {p.rule.id: wb[p.check.sheet].cell(p.check.row, p.check.col).value for p in block.places}
    # 2024: regulations 5, normative 3; 2025: regulations 0 issued 0 repealed → 5 ✔; normative 5 issued → 8 ≠ 4
    assert got == {"prior.in_force[regulations]": "✔", "prior.in_force[normative_documents]": "⚠ 差4"}
    blank = convert(out, "xlsx", tmp_path / "lo-blank")
    wb = openpyxl.load_workbook(blank, data_only=True)
    assert {wb[p.check.sheet].cell(p.check.row, p.check.col).value for p in block.places} <= {None, ""}


def test_a_rule_across_columns_gets_rows_below_the_table(tmp_path, last_year):
    """Nothing is tied to 表二: a definition with a mixed cross-year rule whose instances sit side by
    side in one row gets last year's values in rows below that table, and still reads back clean."""
    from converter.form.definition import form_from_dict

    spec = copy.deepcopy(load_form(DEFAULT_FORM).source)
    spec["rules"].append({
        "id": "prior.test_row", "kind": "cross_year", "severity": "warning", "title": "新收 = 上年新收 + 予以公开",
        "each": {"col": ["natural_person", "commercial", "total"]}, "left": ["applications.new_received.{col}"],
        "right": ["prior:applications.new_received.{col}", "applications.granted.{col}"]})
    form = form_from_dict(spec)
    blocks = {b.code: b for b in prior_blocks(form)}
    assert set(blocks) == {"prior.in_force", "prior.test_row"}
    block = blocks["prior.test_row"]
    assert block.table == "t3" and len({p.value.row for p in block.places}) == 1
    assert min(block.rows) > max(c.pos.row for c in layout(form).checks_on("表三"))  # below the checks too
    prior = prior_from_report(last_year, form, path="x.json")
    out = tmp_path / "rows.xlsx"
    write_template(out, form, agency="某局", year=2025, prior=prior)
    wb = openpyxl.load_workbook(out)
    ws = wb["表三"]
    for place in block.places:
        assert ws.cell(place.value.row, place.value.col).value == get_path(last_year, place.rule.left[0].path)
        assert str(ws.cell(place.check.row, place.check.col).value).startswith("=IF(")
    assert ws.cell(block.value_head.row, block.value_head.col).value.startswith("上年一、本年新收")
    loaded = read_workbook(out, form=form)
    assert not [f for f in loaded.findings if f.severity == "error"]
    assert loaded.report["applications"]["new_received"]["natural_person"] is None
