"""The tool and the workbook agree: what LibreOffice shows in the template's ✔/✘ check cells after an
agency's edits is what `converter check` reports.

Random fills of the template (blank cells, wrong numbers, text such as “18件”, totals typed over their
formulas) and rows inserted by LibreOffice itself (with numbers typed into them, inside a table or
below it), all recalculated by LibreOffice in one headless session; then, for every check cell:
✘ exactly when the tool reports that rule failing (a validator finding, or a read.extra_row error
naming it), ✔ when it reports nothing there, ⚠ (text in the check's cells: the sheet cannot add
them) only where the tool has a finding on one of those cells.
"""
from __future__ import annotations

import json
import random
import subprocess
from pathlib import Path

import openpyxl
import pytest
from office import soffice, uno_python
from xlsx_fill import named_cell

from converter.api import check_file
from converter.engine.sample import make_report
from converter.excel.layout import check_rules, layout
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, get_path, load_form

RANDOM_CASES = 10
LABEL = "其中：网上申请"


def _table_rows(form, name):
    lay = layout(form)
    table = next(t for t in form.tables if t.name == name)
    cells = [lay.cells[n.key] for n in table.numbers]
    return sorted({p.row for p in cells}), sorted({p.col for p in cells})


def _random_case(k: int, form) -> dict:
    rng = random.Random(4200 + k)
    report = make_report(f"测试单位{k}", 2025, scale=rng.choice([3, 40, 300]), seed=k, form=form)
    inputs = [n.key for n in form.inputs]
    values = {key: get_path(report, key) for key in inputs}
    for key in rng.sample(inputs, rng.randint(0, 3)):
        values[key] = None  # left blank
    for key in rng.sample(inputs, rng.randint(0, 2)):
        values[key] = (values[key] or 0) + rng.randint(1, 9)  # a wrong number
    if rng.random() < 0.4:  # a number typed as text
        key = rng.choice(inputs)
        values[key] = f"{values[key] or 0}件"
    typed = {}
    if rng.random() < 0.4:  # a total typed over its formula (right, or wrong)
        key = rng.choice(sorted(form.derived))
        typed[key] = rng.choice([0, 5, 17, 120])
    case = {"insert": []}
    added = []  # (sheet, row) of every inserted row, in the coordinates after all insertions
    for sheet in rng.sample(["表三", "表三", "表三", "表二", "表四"], rng.randint(0, 3)):
        rows, cols = _table_rows(form, sheet)
        before = rng.randint(rows[0] + 1, rows[-1] + 1)  # inside the table, or right below its last row
        at, count = _shifted(case, sheet, before), rng.choice([1, 1, 2])
        added = [(s, r + count if s == sheet and r >= at else r, c) for s, r, c in added]
        added += [(sheet, at + i, cols) for i in range(count)]
        case["insert"].append((sheet, at, count))
    sets = []
    for sheet, row, cols in added:
        if cols[0] > 1:
            sets.append((sheet, row, cols[0] - 1, LABEL))
        for col in rng.sample(cols, rng.randint(0, min(3, len(cols)))):
            sets.append((sheet, row, col, rng.randint(1, 20)))
    inserts = case["insert"]
    return {"values": values, "typed": typed, "insert": inserts, "set": sets, "report": report}


def _fixed_cases(form) -> list[dict]:
    """The issue's case (a 其中 row inside 表三's results, numbers in 自然人: the sheet shows ✘ twice)
    and a row the sheet's sums leave out (between 二、上年结转 and the results)."""
    report = make_report("固定单位", 2025, scale=40, seed=99, form=form)
    values = {n.key: get_path(report, n.key) for n in form.inputs}
    lay = layout(form)
    granted = lay.cells["applications.granted.natural_person"]
    carried = lay.cells["applications.carried_over.natural_person"]
    inside = {"values": values, "typed": {}, "report": report, "insert": [("表三", granted.row + 1, 1)],
              "set": [("表三", granted.row + 1, 3, LABEL), ("表三", granted.row + 1, granted.col, 7)]}
    outside = {"values": values, "typed": {}, "report": report, "insert": [("表三", carried.row + 1, 1)],
               "set": [("表三", carried.row + 1, 3, LABEL), ("表三", carried.row + 1, carried.col, 7)]}
    return [inside, outside]


def _shifted(case, sheet: str, row: int) -> int:
    for s, at, count in case["insert"]:
        if s == sheet and at <= row:
            row += count
    return row


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    form = load_form(DEFAULT_FORM)
    tmp = tmp_path_factory.mktemp("agree")
    cases = _fixed_cases(form) + [_random_case(k, form) for k in range(RANDOM_CASES)]
    jobs = []
    for i, case in enumerate(cases):
        blank = tmp / f"blank-{i}.xlsx"
        write_template(blank, form, agency=case["report"]["agency"], year=2025)
        wb = openpyxl.load_workbook(blank)
        for key, value in {**case["values"], **case["typed"]}.items():
            named_cell(wb, key).value = value
        for t in form.texts:
            named_cell(wb, t.key).value = get_path(case["report"], t.key)
        src = tmp / f"filled-{i}.xlsx"
        wb.save(src)
        case["out"] = tmp / f"edited-{i}.xlsx"
        jobs.append({"src": str(src), "out": str(case["out"]), "insert": case["insert"], "set": case["set"]})
    spec = tmp / "jobs.json"
    spec.write_text(json.dumps(jobs, ensure_ascii=False), encoding="utf-8")
    script = Path(__file__).with_name("lo_edit_many.py")
    subprocess.run([uno_python(), str(script), str(spec)], check=True, timeout=600,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp), "SOFFICE": soffice()})
    return form, cases


def _sheet_checks(case, form) -> dict:
    wb = openpyxl.load_workbook(case["out"], data_only=True)
    out = {}
    for check in layout(form).checks:
        row = _shifted(case, check.pos.sheet, check.pos.row)
        out[check.rule.id] = wb[check.pos.sheet].cell(row, check.pos.col).value
    return out


def _behind(form, rule) -> set[str]:
    paths, todo = set(), [t.path for t in (*rule.left, *rule.right)]
    while todo:
        path = todo.pop()
        paths.add(path)
        if path in form.derived:
            todo += [t.path for t in form.derived[path].right]
    return paths


def _tool(case):
    result = check_file(case["out"])
    ids = {r.id for r in check_rules(result.loaded.form)}
    failing = {f.context["rule"] for f in result.findings if f.severity == "error" and f.context.get("rule") in ids}
    for f in result.findings:
        if f.code == "read.extra_row" and f.severity == "error":
            failing |= set(f.context["rules"])
    return result, failing


def test_check_cells_agree_with_the_tool(workbooks):
    form, cases = workbooks
    disagreements = []
    for i, case in enumerate(cases):
        checks = _sheet_checks(case, form)
        assert all(v is not None for v in checks.values()), f"case {i}: LibreOffice did not recalculate"
        result, failing = _tool(case)
        crossed = {r for r, v in checks.items() if str(v).startswith("✘")}
        unsure = {r for r, v in checks.items() if not str(v).startswith(("✘", "✔"))}
        flagged = {f.location.path for f in result.findings if f.location and f.location.path
                   and f.code in ("read.normalised", "read.not_a_number", "read.formula_overwritten")}
        rules = {r.id: r for r in check_rules(form)}
        for rule_id in unsure:  # ⚠: text in the check's cells (or behind its totals), which the tool names
            if not _behind(form, rules[rule_id]) & flagged:
                disagreements.append((i, rule_id, checks[rule_id], "no finding on its cells"))
        for rule_id in (crossed ^ (failing - unsure)):
            disagreements.append((i, rule_id, checks[rule_id], "tool fails" if rule_id in failing else "tool passes"))
        errors = [f for f in result.findings if f.severity == "error"]
        assert bool(crossed) <= bool(errors), f"case {i}: the sheet shows ✘ but the tool passes"
    assert disagreements == []


def test_inserted_row_inside_a_sum_is_an_error_naming_row_and_numbers(workbooks):
    form, cases = workbooks
    inside, outside = cases[0], cases[1]
    result, failing = _tool(inside)
    (extra,) = [f for f in result.findings if f.code == "read.extra_row"]
    row = inside["insert"][0][1]
    col = layout(form).cells["applications.granted.natural_person"].col
    assert extra.severity == "error"
    assert extra.context["row"] == row and extra.context["label"] == LABEL
    assert extra.context["numbers"] == {f"{chr(64 + col)}{row}": 7}
    assert f"第 {row} 行「{LABEL}」" in extra.message and "=7" in extra.message
    checks = _sheet_checks(inside, form)
    assert {r for r, v in checks.items() if v != "✔"} == set(extra.context["rules"]) == failing
    assert len(failing) == 2  # as in the issue: 自然人's balance and the total's row sum
    assert result.loaded.report == check_file(inside["out"]).loaded.report
    assert get_path(result.loaded.report, "applications.granted.natural_person") == \
        inside["values"]["applications.granted.natural_person"]

    result, failing = _tool(outside)
    (extra,) = [f for f in result.findings if f.code == "read.extra_row"]
    assert extra.severity == "warning" and extra.context["rules"] == [] and failing == set()
    assert set(_sheet_checks(outside, form).values()) == {"✔"}


def test_xls_and_ods_agree_with_the_xlsx(workbooks, tmp_path):
    """Saved as .xls or .ods (formulas read as their values through calamine), the same workbooks
    read to the same report and the same failing rules: a total counting an inserted row is no
    number typed over its formula."""
    from office import convert_many

    form, cases = workbooks
    chosen = [c for c in cases if c["insert"] and c["typed"]][:1] + [cases[0]]
    for ext in ("ods", "xls"):
        outs = convert_many([c["out"] for c in chosen], ext, tmp_path / ext)
        for case, out in zip(chosen, outs):
            xlsx, xlsx_failing = _tool(case)
            other, other_failing = _tool({"out": out})
            assert other.loaded.report == xlsx.loaded.report, out.name
            assert other_failing == xlsx_failing, out.name
            assert sorted((f.code, f.severity, f.context.get("row")) for f in other.findings
                          if f.code.startswith("read.") and f.code != "read.no_stamp") == \
                sorted((f.code, f.severity, f.context.get("row")) for f in xlsx.findings if f.code.startswith("read."))
