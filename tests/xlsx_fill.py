"""Test helpers: fill a template through its defined names, as another tool would."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from converter.form.definition import DEFAULT_FORM, get_path, load_form
from converter.excel.layout import name_of
from converter.excel.template import write_template


def named_cell(wb, path: str):
    (sheet, coord), = wb.defined_names[name_of(path)].destinations
    return wb[sheet][coord.replace("$", "")]


def fill(wb, report: dict, keys=None, form=None) -> None:
    """Write every input number and text of `report` into the cells named after their paths."""
    form = form or load_form(report.get("form") or DEFAULT_FORM)
    keys = keys or [n.key for n in form.inputs] + [t.key for t in form.texts]
    for key in keys:
        named_cell(wb, key).value = get_path(report, key)


def filled_template(tmp_path: Path, report: dict, name: str = "filled.xlsx", edit=None, form=None) -> Path:
    """A template for report's agency/year, filled with its inputs via openpyxl (optionally edited)."""
    form = form or load_form(report.get("form") or DEFAULT_FORM)
    blank = tmp_path / ("blank-" + name)
    write_template(blank, form, agency=report["agency"], year=report["year"])
    wb = openpyxl.load_workbook(blank)
    fill(wb, report, form=form)
    if edit:
        edit(wb)
    out = tmp_path / name
    wb.save(out)
    return out
