"""Reading returned workbooks: what people type, edited layouts, foreign files, annotated copies."""
from __future__ import annotations

import json
import zipfile

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import load_example
from xlsx_fill import filled_template, named_cell

from converter.api import check_file
from converter.cli import main
from converter.base.errors import InputError
from converter.form.definition import load_form, DEFAULT_FORM, get_path
from converter.excel.layout import ISSUES, STAMP, layout
from converter.excel.read import read_workbook
from converter.excel.template import ERROR_FILL, write_template


@pytest.fixture(scope="module")
def valid():
    return load_example("city-natural-resources-2025.json")


def _set(wb, path, value):
    named_cell(wb, path).value = value


TYPED = [  # (what was typed, what is read, finding code)
    (" 12 ", 12, "read.normalised"),
    ("１２", 12, "read.normalised"),
    ("12件", 12, "read.normalised"),
    ("12", 12, "read.normalised"),
    ("1,234", 1234, "read.normalised"),
    ("/", None, "read.normalised"),
    ("—", None, "read.normalised"),
    ("-", None, "read.normalised"),
    ("无", None, "read.normalised"),
    ("  ", None, "read.normalised"),
    ("约12", None, "read.not_a_number"),
    (12.0, 12, None),
    (None, None, None),
]


def test_what_people_type_is_normalised_with_a_finding(tmp_path, valid, form):
    targets = [n for n in form.inputs if n.table == "t3"][: len(TYPED)]

    def edit(wb):
        for n, (typed, _, _) in zip(targets, TYPED):
            _set(wb, n.key, typed)
        _set(wb, "active_disclosure.fees.amount_wan_yuan", "1.5万元")

    loaded = read_workbook(filled_template(tmp_path, valid, edit=edit))
    by_path = {f.location.path: f for f in loaded.findings}
    lay = layout(form)
    for n, (typed, value, code) in zip(targets, TYPED):
        assert get_path(loaded.report, n.key) == value, typed
        f = by_path.get(n.key)
        assert (f.code if f else None) == code, typed
        if f:
            pos = lay.cells[n.key]
            assert (f.location.sheet, f.location.cell) == ("表三", pos.ref)
            assert f.message.startswith(f"表三!{pos.ref}「{n.row_label}」行「{n.col_label}」列"), f.message
            assert f.severity == ("error" if code == "read.not_a_number" else "info")
    assert loaded.report["active_disclosure"]["fees"]["amount_wan_yuan"] == 1.5
    # the total of the first row is recomputed from the normalised parts
    row = targets[0].key.rsplit(".", 1)[0]
    parts = [get_path(loaded.report, f"{row}.{c}") or 0 for c in
             ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org")]
    assert get_path(loaded.report, f"{row}.total") == sum(parts)


def test_overwritten_formula_is_read_as_typed_and_reported(tmp_path, valid, form):
    key = "applications.granted.total"
    true_total = valid["applications"]["granted"]["total"]
    path = filled_template(tmp_path, valid, edit=lambda wb: _set(wb, key, true_total + 5))
    result = check_file(path)
    assert get_path(result.loaded.report, key) == true_total + 5
    codes = {(f.code, f.location.path) for f in result.findings}
    assert ("read.formula_overwritten", key) in codes
    assert ("t3.row_total", key) in codes  # the validator sees the typed number
    f = next(f for f in result.findings if f.code == "t3.row_total")
    assert (f.location.sheet, f.location.cell) == ("表三", layout(form).cells[key].ref)


def test_rows_inserted_above_a_table_do_not_break_reading(tmp_path, valid):
    def edit(wb):
        wb["表三"].insert_rows(2, amount=3)  # openpyxl moves values but not names: names are now stale
        wb["表二"].insert_rows(1, amount=1)
        wb["文字"].insert_rows(1, amount=2)

    loaded = read_workbook(filled_template(tmp_path, valid, edit=edit))
    baseline = read_workbook(filled_template(tmp_path, valid, name="plain.xlsx"))
    assert loaded.report == baseline.report
    assert loaded.cells["applications.new_received.natural_person"] == ("表三", "D10")
    assert any(f.code == "read.names_stale" for f in loaded.findings)


def test_lost_names_fall_back_to_labels(tmp_path, valid):
    def edit(wb):
        for name in list(wb.defined_names):
            del wb.defined_names[name]

    loaded = read_workbook(filled_template(tmp_path, valid, edit=edit))
    assert loaded.report["applications"] == read_workbook(filled_template(tmp_path, valid, "b.xlsx")).report[
        "applications"]
    assert loaded.report["text"] == valid["text"] and loaded.report["agency"] == valid["agency"]


def test_foreign_workbook_and_other_forms(tmp_path):
    foreign = tmp_path / "foreign.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "金额"])
    wb.active.append(["张三", 12])
    wb.save(foreign)
    with pytest.raises(InputError) as e:
        read_workbook(foreign)
    assert e.value.code == "input.not_template" and "不是本工具生成的填报模板" in e.value.message

    legacy = tmp_path / "legacy.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"])
    wb.save(legacy)
    with pytest.raises(InputError) as e:
        read_workbook(legacy)
    assert e.value.code == "input.legacy_form" and "2019" in e.value.message

    other = tmp_path / "other.xlsx"
    write_template(other, load_form(DEFAULT_FORM), agency="某局", year=2025)
    wb = openpyxl.load_workbook(other)
    wb[STAMP]["B2"] = "some-other-form-2030"
    wb.save(other)
    with pytest.raises(InputError) as e:
        read_workbook(other)
    assert e.value.code == "input.other_form"

    tampered = tmp_path / "tampered.xlsx"
    write_template(tampered, load_form(DEFAULT_FORM), agency="某局", year=2025)
    wb = openpyxl.load_workbook(tampered)
    stamp = wb[STAMP]
    row = next(r for r in range(1, 10) if stamp.cell(r, 1).value == "fingerprint")
    stamp.cell(row, 2).value = "0000000000000000"
    wb.save(tampered)
    assert "read.template_version" in {f.code for f in read_workbook(tampered).findings}

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(tampered) as src, zipfile.ZipFile(bomb, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + data
            dst.writestr(item, data)
    with pytest.raises(InputError) as e:
        read_workbook(bomb)
    assert e.value.code == "input.xml_entity"

    for name, data in (("text.xlsx", b"hello, not a zip"), ("old.xlsx", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 600)):
        (tmp_path / name).write_bytes(data)
        result = CliRunner().invoke(main, ["read", str(tmp_path / name)])
        assert result.exit_code == 2 and "无法处理" in result.output and "Traceback" not in result.output


def test_wrong_year_is_refused(tmp_path, valid):
    path = filled_template(tmp_path, valid)
    assert read_workbook(path, year=2025).report["year"] == 2025
    with pytest.raises(InputError) as e:
        read_workbook(path, year=2024)
    assert e.value.code == "input.wrong_year" and "2025" in e.value.message


def test_reader_never_writes_the_input(tmp_path, valid):
    path = filled_template(tmp_path, valid)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    read_workbook(path)
    check_file(path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before


def test_annotated_copy_marks_failing_cells(tmp_path, form):
    broken = load_example("county-education-2025-broken.json")

    def edit(wb):  # the broken totals typed over the formulas, and a "/" in an input
        for key in ("applications.results_total.natural_person", "applications.granted.total",
                    "review_litigation.review.total"):
            _set(wb, key, get_path(broken, key))
        _set(wb, "applications.carried_over.research", "/")

    path = filled_template(tmp_path, broken, edit=edit)
    out = tmp_path / "out" / "标注.xlsx"
    out.parent.mkdir()
    result = CliRunner().invoke(main, ["check", str(path), "--annotate", str(out)])
    assert result.exit_code == 1, result.output
    assert out.exists() and not list(out.parent.glob(".~*"))
    again = CliRunner().invoke(main, ["check", str(path), "--annotate", str(path)])
    assert again.exit_code == 2 and "不能覆盖" in again.output
    checked = check_file(path)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[1] == ISSUES
    issues = wb[ISSUES]
    listed = [issues.cell(r, 4).value for r in range(3, issues.max_row + 1)]
    assert sorted(listed) == sorted(f.message for f in checked.findings)
    lay = layout(form)
    errors = [f for f in checked.findings if f.severity == "error"]
    assert {f.code for f in errors} >= {"t3.balance", "t3.row_total", "t4.total"}
    for f in errors:
        pos = lay.cells[f.location.path]
        cell = wb[pos.sheet].cell(pos.row, pos.col)
        assert cell.fill.fgColor.rgb.endswith(ERROR_FILL.lstrip("#")), f.location.path
        assert cell.comment is not None and "错误" in cell.comment.text
    # the overwritten total got its formula back; the agency's values are in place
    pos = lay.cells["review_litigation.review.total"]
    assert str(wb[pos.sheet].cell(pos.row, pos.col).value).startswith("=SUM(")
    assert "公式被改成了 11" in wb[pos.sheet].cell(pos.row, pos.col).comment.text
    assert named_cell(wb, "applications.granted.natural_person").value == broken["applications"]["granted"][
        "natural_person"]
    assert named_cell(wb, "applications.carried_over.research").value is None
    assert named_cell(wb, "agency").value == broken["agency"]
    # and it reads back like the original (the restored formulas recompute the totals)
    again = read_workbook(out)
    assert again.report["applications"]["granted"]["natural_person"] == broken["applications"]["granted"][
        "natural_person"]
    assert again.report["text"] == broken["text"]


def test_read_cli_prints_json_and_findings(tmp_path, valid):
    path = filled_template(tmp_path, valid, edit=lambda wb: _set(wb, "applications.new_received.research", "3件"))
    result = CliRunner().invoke(main, ["read", str(path)])
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["applications"]["new_received"]["research"] == 3
    assert "已按 3 读取" in result.stderr and "表三!F7" in result.stderr


def test_direct_xml_reader_agrees_with_openpyxl(tmp_path, valid):
    """The fast path (zipfile + ElementTree) and openpyxl see the same workbook the same way."""
    def edit(wb):
        _set(wb, "applications.new_received.natural_person", " 1２件")
        _set(wb, "applications.granted.research", "无")
        _set(wb, "applications.granted.total", 999)
        _set(wb, "text.other", "第一段\r\n第二段 & <b>")
        wb["表三"].insert_rows(1, amount=2)

    for path in (filled_template(tmp_path, valid, edit=edit), filled_template(tmp_path, valid, "plain.xlsx")):
        fast, slow = read_workbook(path, engine="xml"), read_workbook(path, engine="openpyxl")
        assert fast.report == slow.report
        assert fast.findings == slow.findings
        assert fast.cells == slow.cells
        assert fast.report["text"]["overview"] == valid["text"]["overview"]
        if path.name == "filled.xlsx":
            assert fast.report["text"]["other"] == "第一段\n第二段 & <b>"
            assert fast.report["applications"]["granted"]["total"] == 999
    assert read_workbook(path).report["text"]["other"] == valid["text"]["other"]


def test_rows_inserted_or_deleted_inside_a_table(tmp_path, valid, form):
    lay = layout(form)
    granted = lay.cells["applications.granted.natural_person"].row
    query = lay.cells["applications.denied_administrative_query.natural_person"].row

    def edit(wb):
        ws = wb["表三"]
        ws.delete_rows(query)  # "8.属于行政查询事项" removed
        ws.insert_rows(granted + 1, amount=2)  # two rows for notes after （一）予以公开

    loaded = read_workbook(filled_template(tmp_path, valid, edit=edit))
    baseline = read_workbook(filled_template(tmp_path, valid, name="plain.xlsx")).report
    for n in form.inputs:
        expected = None if n.key.startswith("applications.denied_administrative_query.") else get_path(baseline, n.key)
        assert get_path(loaded.report, n.key) == expected, n.key
    missing = [f for f in loaded.findings if f.code == "read.row_missing"]
    assert len(missing) == 1 and missing[0].severity == "error" and "8.属于行政查询事项" in missing[0].message
    assert loaded.cells["applications.partially_granted.natural_person"] == ("表三", f"D{granted + 3}")


def test_what_is_remembered_across_workbooks_follows_each_files_own_parts(tmp_path, valid, form, monkeypatch):
    """workbook.xml's parse is remembered by its bytes (a round's files share it): a file with the same
    workbook.xml but a sheet's part missing still reads as that file, exactly as a fresh parse reads it."""
    import re

    from converter.excel import read as reader

    first = tmp_path / "甲.xlsx"
    write_template(first, form, agency="甲单位", year=2025, values=valid)
    read_workbook(first)  # remembered from here on
    table = form.tables[-1]
    second = tmp_path / "乙.xlsx"
    with zipfile.ZipFile(first) as zin, zipfile.ZipFile(second, "w", zipfile.ZIP_DEFLATED) as zout:
        rid = re.search(rf'<sheet name="{table.name}" sheetId="\d+" r:id="(rId\d+)"',
                        zin.read("xl/workbook.xml").decode()).group(1)
        part = "xl/" + re.search(rf'Id="{rid}"[^>]*Target="([^"]+)"', zin.read("xl/_rels/workbook.xml.rels").decode()).group(1)
        for info in zin.infolist():
            if info.filename != part:
                zout.writestr(info, zin.read(info))
    remembered = read_workbook(second)
    assert [(f.code, f.location.table) for f in remembered.findings if f.code == "read.table_missing"] == \
        [("read.table_missing", table.name)]
    monkeypatch.setattr(reader.XmlBook, "skip_empty", False)  # the careful path: nothing remembered
    fresh = read_workbook(second)
    assert remembered.report == fresh.report
    assert [f.to_dict() for f in remembered.findings] == [f.to_dict() for f in fresh.findings]


def test_a_large_workbook_part_is_never_kept_for_later_files(tmp_path, valid, form):
    """A workbook.xml with thousands of names (a hostile file's 18 MB, or this one's 400 KB) is parsed for
    its own file and not remembered: a worker's memory must not keep what one odd file brought."""
    from converter.excel import read as reader

    plain = tmp_path / "甲.xlsx"
    write_template(plain, form, agency="甲单位", year=2025, values=valid)
    big = tmp_path / "乙.xlsx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/workbook.xml":
                extra = "".join(f'<definedName name="额外名称{i}">\'封面\'!$A${i % 100 + 1}</definedName>'
                                for i in range(6000)).encode()
                data = data.replace(b"</definedNames>", extra + b"</definedNames>")
                assert len(data) > reader._SEEN_PART_BYTES
            zout.writestr(info, data)
    reader._SEEN_BOOKS.clear()
    assert read_workbook(big).report == read_workbook(plain).report
    assert [len(xml) for xml, _rels in reader._SEEN_BOOKS] == [len(zipfile.ZipFile(plain).read("xl/workbook.xml"))]
