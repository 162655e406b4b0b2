"""The Word report in a real office suite: headless LibreOffice renders it to PDF, pdftotext reads it back.

Two conversions for the whole module (they cost seconds each on a shared 2-core machine).
"""
from __future__ import annotations

import datetime
import re

import pytest
from conftest import load_example
from office import convert, pdf_text
from test_docx_report import HEADINGS, unique_numbers_report

from converter.engine.printed import format_number
from converter.word.report import write_report
from converter.form.definition import DEFAULT_FORM, get_path, load_form

NUMBER = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """{name: (report, pdf text)} for a report with a distinct value in every cell, and the real one."""
    form = load_form(DEFAULT_FORM)
    out = tmp_path_factory.mktemp("office")
    reports = {"unique": unique_numbers_report(form), "hengyang": load_example("hengyang-commerce-2025.json")}
    result = {}
    for name, report in reports.items():
        docx_path = out / f"{name}.docx"
        write_report(report, form, docx_path, sign_date=datetime.date(2026, 1, 20))
        result[name] = (report, pdf_text(convert(docx_path, "pdf", out)))
    return result


@pytest.mark.parametrize("name", ["unique", "hengyang"])
def test_title_headings_and_signature_in_pdf(rendered, name):
    report, text = rendered[name]
    flat = squeeze(text)
    title = load_form(DEFAULT_FORM).title(report["agency"], report["year"])
    assert flat.find(title) != -1
    positions = [flat.find(h) for h in HEADINGS]
    assert all(p > 0 for p in positions) and positions == sorted(positions)
    assert flat.endswith("2026年1月20日") or "2026年1月20日" in flat[-60:]


@pytest.mark.parametrize("name", ["unique", "hengyang"])
def test_page_numbers_in_pdf(rendered, name):
    _, text = rendered[name]
    pages = text.split("\f")
    pages = [p for p in pages if p.strip()]
    assert len(pages) >= 3
    for i, page in enumerate(pages, start=1):
        last = [line for line in page.splitlines() if line.strip()][-1]
        assert squeeze(last) == f"—{i}—", (i, last)
        # odd pages right, even pages left: the number's column tells
        indent = len(last) - len(last.lstrip())
        assert (indent > 20) if i % 2 else (indent < 10), (i, last)


def test_every_table_number_in_order_in_pdf(rendered):
    """Every cell holds a distinct number ≥ 101 (the fee 24252.311082); in reading order, row by row."""
    form = load_form(DEFAULT_FORM)
    report, text = rendered["unique"]
    bounds = []  # where each section heading ends in the text (headings may wrap: allow whitespace)
    for section in form.sections:
        m = re.search(r"\s*".join(map(re.escape, section.heading)), text)
        assert m, section.heading
        bounds.append((section, m.end()))
    for (section, begin), (_, end) in zip(bounds, bounds[1:] + [(None, len(text))]):
        if not section.table:
            continue
        chunk = re.sub(r"—\s*\d+\s*—", " ", text[begin:end])  # drop page numbers
        found = [t for t in NUMBER.findall(chunk) if float(t) >= 100]
        table = form.table[section.table]
        expected = [format_number(get_path(report, c.key)) for c in sorted(table.numbers, key=lambda c: (c.r, c.c))]
        assert found == expected, table.name


def test_real_report_numbers_in_pdf(rendered):
    """衡阳: 行政许可 244 and 行政规范性文件 1/0/9 appear on their label's line."""
    _, text = rendered["hengyang"]
    licensing = next(line for line in text.splitlines() if re.match(r"\s*行政许可\s", line))
    assert NUMBER.findall(licensing) == ["244"]
    normative = next(line for line in text.splitlines() if re.match(r"\s*行政规范性文件\s", line))
    assert NUMBER.findall(normative) == ["1", "0", "9"]
