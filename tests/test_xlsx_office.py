"""The template in a real office suite: LibreOffice recalculates the live checks and saves; we read it back."""
from __future__ import annotations

import openpyxl
from conftest import load_example
from office import convert, uno_python
from xlsx_fill import filled_template, named_cell

from converter.form.definition import get_path
from converter.engine.validate import validate
from converter.excel.layout import COVER, COVER_SUMMARY_ROW, SUMMARY_ROW, layout
from converter.excel.read import read_workbook

OVERWRITTEN = ("applications.results_total.natural_person", "applications.granted.total",
               "review_litigation.review.total")


def _recalculated(tmp_path, report, edit=None):
    src = filled_template(tmp_path, report, edit=edit)
    out = convert(src, "xlsx", tmp_path / "lo")
    return src, out


def _check_values(path, form):
    wb = openpyxl.load_workbook(path, data_only=True)
    return wb, {c.rule.id: wb[c.pos.sheet].cell(c.pos.row, c.pos.col).value for c in layout(form).checks}


def test_libreoffice_shows_exactly_the_failing_checks(tmp_path, form):
    broken = load_example("county-education-2025-broken.json")

    def edit(wb):  # the agency typed its (wrong) totals over three formulas
        for key in OVERWRITTEN:
            named_cell(wb, key).value = get_path(broken, key)

    src, out = _recalculated(tmp_path, broken, edit)
    ours, theirs = read_workbook(src), read_workbook(out)
    assert theirs.report == ours.report
    assert theirs.report["text"]["overview"] == broken["text"]["overview"]
    assert {f.code for f in theirs.findings} == {"read.formula_overwritten"}

    failing = {f.context["rule"] for f in validate(theirs.report, form)
               if f.severity == "error" and f.context.get("rule")}
    assert failing  # the broken example breaks rules of every kind
    wb, checks = _check_values(out, form)
    assert all(v is not None for v in checks.values()), "LibreOffice did not recalculate"
    crossed = {rule for rule, v in checks.items() if str(v).startswith("✘")}
    assert crossed == failing
    assert all(v == "✔" for rule, v in checks.items() if rule not in failing)
    for rule in crossed:  # "✘ 多N" / "✘ 少N": which side is larger, by the difference the validator computes
        finding = next(f for f in validate(theirs.report, form) if f.context.get("rule") == rule)
        diff = finding.context["left_sum"] - finding.context["right_sum"]
        assert checks[rule] == f"✘ {'多' if diff > 0 else '少'}{abs(diff)}"
    assert {checks[r][2] for r in crossed} == {"多", "少"}  # the broken example has both
    t3_failed = sum(1 for r in crossed if r.startswith("t3."))
    assert wb["表三"].cell(SUMMARY_ROW, 1).value == f"✘ {t3_failed} 项勾稽关系不成立"
    assert wb[COVER].cell(COVER_SUMMARY_ROW, 2).value == f"✘ {len(crossed)} 项勾稽关系不成立"


def test_libreoffice_valid_data_all_ticks(tmp_path, form):
    valid = load_example("district-market-regulation-2025.json")
    src, out = _recalculated(tmp_path, valid)
    theirs, ours = read_workbook(out), read_workbook(src)
    assert theirs.report == ours.report
    assert theirs.cells == ours.cells and theirs.findings == []  # names survive LibreOffice's save
    wb, checks = _check_values(out, form)
    assert set(checks.values()) == {"✔"}
    for table in form.tables:
        value = wb[table.name].cell(SUMMARY_ROW, 1).value
        assert value == "✔ 勾稽关系全部成立" or "无勾稽关系" in value
    assert wb[COVER].cell(COVER_SUMMARY_ROW, 2).value == "✔ 勾稽关系全部成立"
    # the totals LibreOffice computed are the totals the reader recomputes
    lay = layout(form)
    report = read_workbook(out).report
    for key in form.derived:
        pos = lay.cells[key]
        assert wb[pos.sheet].cell(pos.row, pos.col).value == get_path(report, key), key



def test_rows_inserted_in_libreoffice_do_not_break_reading(tmp_path, form):
    """A user inserts rows above the tables, texts and cover fields in LibreOffice, and even a row
    and a column inside 表三: LibreOffice moves the names with the cells and the reader follows them."""
    import subprocess
    from pathlib import Path

    from office import soffice

    valid = load_example("city-natural-resources-2025.json")
    src = filled_template(tmp_path, valid)
    out = tmp_path / "edited.xlsx"
    lay = layout(form)
    first = lay.cells["applications.new_received.natural_person"]
    granted = lay.cells["applications.granted.research"]
    script = Path(__file__).with_name("lo_insert_rows.py")
    edits = ["表三:2:3", f"表三:{granted.row + 3 + 1}:1", f"表三:@{granted.col}:1",
             "表二:1:2", "文字:1:1", "封面:3:1"]
    subprocess.run([uno_python(), str(script), str(src), str(out), *edits],
                   check=True, timeout=180, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SOFFICE": soffice()})
    before, after = read_workbook(src), read_workbook(out)
    assert after.report == before.report
    assert after.findings == []  # LibreOffice moved the names with the cells: no fallback needed
    assert after.cells["applications.new_received.natural_person"] == ("表三", f"D{first.row + 3}")
    assert after.cells["applications.granted.research"] == ("表三", f"G{granted.row + 3}")
    assert after.cells["applications.partially_granted.research"] == ("表三", f"G{granted.row + 3 + 2}")
    assert after.cells["text.overview"][1] != before.cells["text.overview"][1]
    wb = openpyxl.load_workbook(out)
    assert wb["表三"][f"G{granted.row + 3}"].value == valid["applications"]["granted"]["research"]


def test_text_in_number_cells_flagged_by_the_sheet_as_by_the_tool(tmp_path, form):
    """“18件” and a full-width “１０”: the tool reads them (with a finding); the sheet, whose sums count
    them as 0, says so at the top of the table and on the cover instead of a bare ✘."""
    from converter.excel.template import TEXT_IN_NUMBERS, TEXT_MARK

    valid = load_example("district-market-regulation-2025.json")
    keys = ("applications.new_received.natural_person", "applications.granted.natural_person")

    def edit(wb):
        named_cell(wb, keys[0]).value = f"{get_path(valid, keys[0])}件"
        named_cell(wb, keys[1]).value = str(get_path(valid, keys[1])).translate(
            str.maketrans("0123456789", "０１２３４５６７８９"))

    src, out = _recalculated(tmp_path, valid, edit)
    theirs = read_workbook(out)
    assert [get_path(theirs.report, k) for k in keys] == [get_path(valid, k) for k in keys]
    assert len([f for f in theirs.findings if f.location and f.location.path in keys]) == 2
    wb = openpyxl.load_workbook(out, data_only=True)
    expected = f"{TEXT_MARK} 2 {TEXT_IN_NUMBERS}"
    assert wb["表三"].cell(SUMMARY_ROW, 1).value == expected
    assert wb[COVER].cell(COVER_SUMMARY_ROW, 2).value == expected
