"""Property: whatever is typed into a template's input cells, read → check → report never raises
anything but a clear InputError refusal, and always yields a report JSON with findings."""
from __future__ import annotations

import datetime as dt
import io
import json
import os

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from converter.word.report import build_report
from converter.base.errors import InputError
from converter.form.definition import DEFAULT_FORM, load_form
from converter.base.refusals import CATALOGUE
from converter.engine.validate import validate
from converter.excel.read import read_workbook
from hostile_cases import good_xlsx
from xlsx_fill import named_cell

FORM = load_form(DEFAULT_FORM)
KEYS = [n.key for n in FORM.numbers] + [t.key for t in FORM.texts] + ["agency", "year"]  # totals too: typed over

_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=60)
_value = st.one_of(
    st.none(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    _text,
    st.sampled_from(["=1/0", "=SUM(A1:A3)", "=#REF!", "#REF!", "#DIV/0!", "#N/A", "#VALUE!", "=1+", "１２件", " 12 ",
                     "/", "无", "-", "1e400", "-0", "NaN", "inf", "1,234", "12万元", "=\"a\"&\"b\"", "'007",
                     "\x00\x01\x0b", "_x0000_", "\ud7ff", "𠀀" * 10, "a" * 5000]),
    st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(9999, 1, 1)),
    st.dates(min_value=dt.date(1900, 3, 1)),
    st.times(),
)


_BOOK = {}


def _save(values: dict) -> bytes:
    """The template with `values` typed into their cells (one workbook reused, its cells restored)."""
    if "wb" not in _BOOK:
        _BOOK["wb"] = openpyxl.load_workbook(io.BytesIO(good_xlsx()))
    wb = _BOOK["wb"]
    saved = {}
    try:
        for key, value in values.items():
            cell = named_cell(wb, key)
            saved[key] = cell.value
            try:
                cell.value = value
            except Exception:  # openpyxl refuses some values itself (control characters…)
                cell.value = repr(value)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    finally:
        for key, value in saved.items():
            named_cell(wb, key).value = value


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 100)), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                                                 HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(KEYS), _value, min_size=1, max_size=25))
def test_anything_typed_into_the_inputs_is_read_checked_and_reported(tmp_path, values):
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(_save(values))
    try:
        loaded = read_workbook(path)
    except InputError as e:  # a refusal must be one of ours, with a message naming the file
        assert e.code in CATALOGUE and str(path) in e.message
        return
    report = loaded.report
    text = json.dumps(report, ensure_ascii=False, allow_nan=False)  # valid JSON: no NaN / Infinity
    assert json.loads(text) == report
    findings = list(loaded.findings) + validate(report, loaded.form)
    for f in findings:
        json.dumps(f.to_dict(), ensure_ascii=False, allow_nan=False)
        assert f.message
    data, _ = build_report(report, loaded.form, draft=True)
    assert data.startswith(b"PK")


def _raw_xml(key: str, text: str) -> bytes:
    """The template with the cell named after `key` holding <v>text</v> as written by another program."""
    import re

    from hostile_cases import make_zip, parts_of

    wb = openpyxl.load_workbook(io.BytesIO(good_xlsx()), read_only=False)
    cell = named_cell(wb, key)
    sheet_index = wb.sheetnames.index(cell.parent.title) + 1
    parts = parts_of(good_xlsx())
    name = f"xl/worksheets/sheet{sheet_index}.xml"
    ref = cell.coordinate.encode()
    new, n = re.subn(rb'<c r="%s"([^>]*?)(/>|>.*?</c>)' % ref, b'<c r="%s"\\1><v>%s</v></c>' % (ref, text.encode()),
                     parts[name], count=1)
    assert n == 1
    parts[name] = new
    return make_zip(parts)


@pytest.mark.parametrize("value", ["NaN", "INF", "-INF", "1e400", "1e30", "9007199254740993", "-5", "2.5"])
def test_numbers_other_programs_write_give_a_finding(tmp_path, value):
    key = FORM.inputs[0].key
    path = tmp_path / "raw.xlsx"
    path.write_bytes(_raw_xml(key, value))
    for engine in ("xml", "openpyxl"):
        try:
            loaded = read_workbook(path, engine=engine)
        except InputError as e:  # openpyxl itself refuses "NaN" in a number cell: a clear refusal is fine
            assert engine == "openpyxl" and e.code == "input.unreadable_workbook"
            continue
        findings = list(loaded.findings) + validate(loaded.report, loaded.form)
        assert any(f.location.path == key and f.severity == "error" for f in findings), [f.code for f in findings]
        json.dumps(loaded.report, allow_nan=False)
        build_report(loaded.report, loaded.form, draft=True)


@pytest.mark.parametrize("value", [10**30, -5, 2.5, True, dt.datetime(2025, 1, 1), dt.date(2024, 12, 31), dt.time(8, 30),
                                   "=#REF!", "#REF!", "1e400"])
def test_each_kind_of_odd_value_in_a_count_cell_gives_a_finding(tmp_path, value):
    key = FORM.inputs[0].key
    path = tmp_path / "odd.xlsx"
    path.write_bytes(_save({key: value}))
    for engine in ("xml", "openpyxl"):
        loaded = read_workbook(path, engine=engine)
        findings = list(loaded.findings) + validate(loaded.report, loaded.form)
        assert any(f.location.path == key and f.severity == "error" for f in findings), [f.code for f in findings]
        json.dumps(loaded.report, allow_nan=False)
        build_report(loaded.report, loaded.form, draft=True)


def _read_both(path, monkeypatch):
    """(fast, careful): read_workbook as it runs, and with the shortcuts off — every XML part inflated by
    zipfile, again for the parser instead of kept from the DTD scan, every cell's value looked up, empty or
    not, nothing remembered from an earlier workbook."""
    from converter.base import sniff
    from converter.excel.read import XmlBook

    def outcome():
        try:
            loaded = read_workbook(path)
        except InputError as e:
            return ("refused", e.code)
        return (json.dumps(loaded.report, ensure_ascii=False, sort_keys=True, default=str),
                [json.dumps(f.to_dict(), ensure_ascii=False, sort_keys=True, default=str) for f in loaded.findings],
                loaded.cells)

    fast = outcome()
    with monkeypatch.context() as m:
        m.setattr(sniff, "KEEP_PARTS_BYTES", 0)
        m.setattr(sniff, "PLAIN_INFLATE", False)
        m.setattr(XmlBook, "skip_empty", False)
        careful = outcome()
    return fast, careful


@settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", 100)) // 2, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(KEYS), _value, min_size=1, max_size=25))
def test_the_fast_read_equals_the_careful_one_on_fuzzed_workbooks(tmp_path, monkeypatch, values):
    path = tmp_path / "fuzz.xlsx"
    path.write_bytes(_save(values))
    fast, careful = _read_both(path, monkeypatch)
    assert fast == careful


def test_the_fast_read_equals_the_careful_one_on_the_hostile_corpus(tmp_path, monkeypatch):
    from hostile_cases import CASES

    compared = 0
    for i, (case, (build, _code, _in_batch)) in enumerate(sorted(CASES.items())):
        folder = tmp_path / str(i)
        folder.mkdir()
        path = build(folder)
        if path.suffix.lower() != ".xlsx" or case in ("fifo", "link_to_device"):
            continue
        fast, careful = _read_both(path, monkeypatch)
        assert fast == careful, case
        compared += 1
    assert compared > 30
