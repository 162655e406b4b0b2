"""Every .docx and .xlsx the project writes opens clean in Word and Excel: 0 errors in openxml-audit (a pure-Python
Open XML validator: schema, semantics, package) for Office 2016. LibreOffice forgives more than Office does."""
from __future__ import annotations

import datetime
import shutil

import pytest
from conftest import EXAMPLES, load_example
from openxml_audit import FileFormat, OpenXmlValidator

from converter.engine.pipeline import check_loaded
from converter.excel.annotate import annotate
from converter.excel.read import read_workbook
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, load_form
from converter.round.batch import run_batch
from converter.word.report import write_report

FORM = load_form(DEFAULT_FORM)
VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2016, max_errors=50)


def audit(path) -> list[str]:
    return [str(e) for e in VALIDATOR.validate(path).errors]


@pytest.mark.parametrize("options", [{}, {"draft": True}, {"sign_date": datetime.date(2026, 1, 20)}],
                         ids=["report", "draft", "signed"])
def test_word_report(tmp_path, options):
    out = tmp_path / "r.docx"
    write_report(load_example("hengyang-commerce-2025.json"), FORM, out, **options)
    assert audit(out) == []


def test_template_blank_filled_and_annotated(tmp_path):
    blank, filled, marked = tmp_path / "blank.xlsx", tmp_path / "filled.xlsx", tmp_path / "marked.xlsx"
    write_template(blank, FORM, agency="某某区司法局", year=2025)
    broken = load_example("county-education-2025-broken.json")  # errors to mark
    write_template(filled, FORM, agency=broken["agency"], year=2025, values=broken)
    loaded = read_workbook(filled, form=FORM)
    findings = check_loaded(loaded, None)
    assert any(f.severity == "error" for f in findings)
    annotate(loaded, findings, marked)
    for path in (blank, filled, marked):
        assert audit(path) == [], path.name


def test_batch_outputs(tmp_path):
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(EXAMPLES / "returned", inbox)
    run_batch(inbox, out, jobs=1)
    written = sorted(p for p in out.rglob("*") if p.suffix in (".docx", ".xlsx"))
    kinds = {p.suffix for p in written}
    assert kinds == {".docx", ".xlsx"} and any("汇总" in p.name for p in written)
    assert any("标注" in p.name for p in written)
    for path in written:
        assert audit(path) == [], path.name
