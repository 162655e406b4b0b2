"""A second edition is a data file: a variant definition goes through every command with --form, and a
broken definition is refused with one line naming the file and the place in it."""
from __future__ import annotations

import copy
import json

import openpyxl
import pytest
from click.testing import CliRunner

from converter.cli import main
from converter.engine.kinds import KINDS
from converter.engine.sample import make_report
from converter.form.definition import DEFAULT_FORM, get_path, load_definition, load_form, rule_kinds, set_path
from xlsx_fill import fill

NEW_ROW = "applications.other_refused_twice"
NEW_TEXT = "text.supplement"


def test_every_rule_kind_of_the_definition_schema_has_an_evaluator():
    assert set(KINDS) == set(rule_kinds())


def _variant() -> dict:
    """The 2021 definition with a new 表三 row, a renamed label, a new rule and a new section 七."""
    spec = copy.deepcopy(load_form(DEFAULT_FORM).source)
    spec.update(id="test-edition-2030", edition="2030", first_year=2030)
    t3 = next(t for t in spec["tables"] if t["id"] == "t3")
    cols = ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"]
    at = next(i for i, row in enumerate(t3["rows"]) if row and row[0] == "3.其他")
    t3["rows"].insert(at + 1, ["4.重复拒绝"] + [{"key": f"{NEW_ROW}.{c}"} for c in cols])
    t3["rows"][at - 2][0]["rs"] += 1  # （六）其他处理 covers the new row
    three = next(c for row in t3["rows"] for c in row if isinstance(c, dict) and c.get("text") == "三、本年度办理结果")
    three["rs"] += 1
    t2 = next(t for t in spec["tables"] if t["id"] == "t2")
    t2["rows"][2][0] = "政府规章"
    for rule in spec["rules"]:
        if rule["id"] == "t3.results_total":
            rule["parts"].append("applications.other_refused_twice.{col}")
        if rule["id"] == "t3.row_total":
            rule["each"]["row"].append("other_refused_twice")
    spec["rules"].append({"id": "t3.refused_twice_max", "kind": "max", "severity": "warning",
                          "title": "重复拒绝件数异常多", "operand": f"{NEW_ROW}.total", "max": 900})
    spec["texts"].append({"key": NEW_TEXT, "label": "七、补充说明"})
    spec["sections"].append({"number": "七", "heading": "七、补充说明", "text": NEW_TEXT, "keywords": "补充说明",
                             "aliases": ["补充说明"]})
    return spec


@pytest.fixture
def edition(tmp_path):
    path = tmp_path / "test-edition-2030.json"
    path.write_text(json.dumps(_variant(), ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def _run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result


def test_a_second_edition_end_to_end(tmp_path, edition):
    form = load_definition(str(edition))
    assert form.cell[f"{NEW_ROW}.total"].row_label == "（六）4.重复拒绝"
    assert form.cell["active_disclosure.regulations.issued"].row_label == "政府规章"

    # template → filled by another tool through the defined names
    blank = tmp_path / "blank.xlsx"
    assert _run("template", "--form", edition, "-o", blank, "--agency", "新表式局", "--year", 2030).exit_code == 0
    report = make_report("新表式局", 2030, seed=3, form=form)
    set_path(report, NEW_TEXT, "本年度无其他补充。")
    wb = openpyxl.load_workbook(blank)
    fill(wb, report, form=form)
    filled = tmp_path / "新表式局.xlsx"
    wb.save(filled)

    # read: the new row and section are there
    res = _run("read", filled, "--form", edition, "-o", tmp_path / "read.json")
    assert res.exit_code == 0, res.output
    read = json.loads((tmp_path / "read.json").read_text(encoding="utf-8"))
    assert read["form"] == form.id
    assert get_path(read, f"{NEW_ROW}.total") == get_path(report, f"{NEW_ROW}.total")
    assert get_path(read, NEW_TEXT) == "本年度无其他补充。"

    # check: the new row takes part in the totals; the new rule fires
    assert _run("check", filled, "--form", edition).exit_code == 0
    broken = copy.deepcopy(read)
    set_path(broken, f"{NEW_ROW}.natural_person", get_path(broken, f"{NEW_ROW}.natural_person") + 5)
    set_path(broken, f"{NEW_ROW}.total", 1000)
    (tmp_path / "broken.json").write_text(json.dumps(broken, ensure_ascii=False), encoding="utf-8")
    res = _run("check", tmp_path / "broken.json", "--form", edition, "--format", "json")
    assert res.exit_code == 1
    codes = {f["code"] for f in json.loads(res.output)["findings"]}
    assert {"t3.row_total", "t3.refused_twice_max"} <= codes

    # a 2021 tool run on the new edition's file refuses it instead of dropping the row
    assert _run("check", tmp_path / "read.json").exit_code == 2

    # report → import: the new row and section 七 survive the Word round trip
    docx = tmp_path / "新表式局.docx"
    res = _run("report", filled, "--form", edition, "-o", docx)
    assert res.exit_code == 0, res.output
    res = _run("import", docx, "--form", edition, "-o", tmp_path / "imported.json")
    assert res.exit_code == 0, res.output
    imported = json.loads((tmp_path / "imported.json").read_text(encoding="utf-8"))
    for cell in form.numbers:
        assert get_path(imported, cell.key) == get_path(read, cell.key), cell.key
    assert "本年度无其他补充" in (get_path(imported, NEW_TEXT) or "")
    assert "补充" not in (get_path(imported, "text.other") or "")

    # batch: the 合计 is built with the new edition and keeps the new row
    inbox, outbox = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    filled.rename(inbox / filled.name)
    res = _run("batch", inbox, "-o", outbox, "--form", edition, "-j", 1)
    assert res.exit_code == 0, res.output
    manifest = json.loads((outbox / "manifest.json").read_text(encoding="utf-8"))
    assert [i["status"] for i in manifest["inputs"]] == ["通过"] or [i["status"] for i in manifest["inputs"]] == ["有警告"]
    summary = openpyxl.load_workbook(next(outbox.glob("*汇总.xlsx")), read_only=True)
    texts = {str(c) for ws in summary.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "4.重复拒绝" in texts or any("4.重复拒绝" in t for t in texts)


def _broken(mutate) -> dict:
    spec = copy.deepcopy(load_form(DEFAULT_FORM).source)
    mutate(spec)
    return spec


def _rule(spec, rid):
    return next(r for r in spec["rules"] if r["id"] == rid)


BROKEN = {
    "unknown kind": (lambda s: _rule(s, "fee.unit").update(kind="ratio"), "rules[6].kind"),
    "missing parameter": (lambda s: _rule(s, "fee.unit").pop("max"), "rules[6]"),
    "bad severity": (lambda s: _rule(s, "blank").update(severity="warn"), "rules[5].severity"),
    "unknown cell": (lambda s: _rule(s, "t4.total")["parts"].append("review_litigation.{group}.nope"), "rules[3]"),
    "stale label copy": (lambda s: s["tables"][0]["rows"][2].__setitem__(slice(0, 2), [
        "政府规章", {"key": "active_disclosure.regulations.issued", "row_label": "规章"}]), "tables[0].rows[2]"),
    "row too short": (lambda s: s["tables"][0]["rows"][2].pop(), "tables[0].rows[2]"),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_definition_stops_with_one_line_naming_file_and_place(tmp_path, name):
    mutate, place = BROKEN[name]
    path = tmp_path / "坏表式.json"
    path.write_text(json.dumps(_broken(mutate), ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(main, ["schema", "--form", str(path)])
    assert result.exit_code == 2
    assert "坏表式.json" in result.output and place in result.output, result.output
    assert "Traceback" not in result.output
