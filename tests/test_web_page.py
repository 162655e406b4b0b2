"""The report as a web page: official grids from the definition, inline styles only, and exact re-import."""
from __future__ import annotations

import datetime
import json

import lxml.html
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, example_reports
from test_docx_report import unique_numbers_report

from converter.cli import main
from converter.engine.sample import make_report
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.published import import_file
from converter.web.page import build_page

FORM = load_form(DEFAULT_FORM)
SIGN = datetime.date(2026, 1, 20)


def unique_report():
    """Every number a different value, the fee with decimals, level-2 headings run in: a misplaced cell shows."""
    return unique_numbers_report(FORM, "全年工作概况。\n（一）主动公开。全年主动公开信息若干条。\n(二)依申请公开\n依法答复。")


def page_tables(text: str):
    return lxml.html.document_fromstring(text).xpath("//table")


@pytest.mark.parametrize("table", FORM.tables, ids=lambda t: t.id)
def test_grid_equals_the_definition(table):
    """Row by row, the cells in document order carry exactly the definition's (r, c, rs, cs), text and kind."""
    report = unique_report()
    page, _ = build_page(report, FORM)
    el = page_tables(page)[FORM.tables.index(table)]
    want = sorted((*table.labels, *table.numbers), key=lambda c: (c.r, c.c))
    # place each HTML cell on the grid the way a browser does, then compare with the definition
    taken: set[tuple[int, int]] = set()
    got = []
    for r, tr in enumerate(el.xpath("./tr|./tbody/tr"), start=1):
        c = 1
        for td in tr:
            while (r, c) in taken:
                c += 1
            rs, cs = int(td.get("rowspan", 1)), int(td.get("colspan", 1))
            taken.update((r + i, c + j) for i in range(rs) for j in range(cs))
            got.append((r, c, rs, cs, td.tag, td.text_content()))
            c += cs
    assert len(got) == len(want)
    for (r, c, rs, cs, tag, text), cell in zip(got, want):
        assert (r, c, rs, cs) == (cell.r, cell.c, getattr(cell, "rs", 1), cell.cs), cell
        if hasattr(cell, "key"):
            assert tag == "td"
            value = get_path(report, cell.key)
            assert text == (str(value) if isinstance(value, int) else "24252.311082")
        else:
            assert tag == "th"
            assert text == cell.text.replace("\n", "")
    headers = el.xpath(".//th[@scope='col']")
    assert len(headers) == sum(1 for cell in table.labels if cell.r <= table.header_rows)
    assert len(el.xpath(".//col")) == table.cols


def test_styles_inline_only_and_fragment_is_the_body(tmp_path):
    page, _ = build_page(unique_report(), FORM)
    fragment, _ = build_page(unique_report(), FORM, fragment=True)
    for text in (page, fragment):
        assert "<style" not in text and "class=" not in text and "<script" not in text
    assert fragment.startswith("<div") and "<html" not in fragment and "<head" not in fragment
    assert fragment in page
    root = lxml.html.document_fromstring(page)
    for el in root.xpath("//body//*[self::p or self::h1 or self::h2 or self::table or self::td or self::th]"):
        assert el.get("style"), lxml.html.tostring(el)[:80]
    assert root.findtext(".//title") == "某某市某某局2025年政府信息公开工作年度报告"
    assert root.xpath("//h1")[0].text_content() == "某某市某某局2025年政府信息公开工作年度报告"
    assert [h.text_content() for h in root.xpath("//h2")] == [s.heading for s in FORM.sections]
    run_in = root.xpath("//p[span]")[0]
    assert run_in.xpath("./span")[0].text == "（一）主动公开。" and "楷体" in run_in.xpath("./span")[0].get("style")


@pytest.mark.parametrize("path", example_reports(), ids=lambda p: p.stem)
@pytest.mark.parametrize("options", [{}, {"fragment": True}, {"sign_date": SIGN}], ids=["page", "fragment", "signed"])
def test_reimports_exactly(tmp_path, path, options):
    report = json.loads(path.read_text(encoding="utf-8"))
    page, _ = build_page(report, FORM, **options)
    out = tmp_path / "r.html"
    out.write_text(page, encoding="utf-8")
    assert import_file(out).report == report


@pytest.mark.parametrize("seed", range(4))
def test_reimports_generated_reports_and_unique_numbers(tmp_path, seed):
    for report in (make_report("某某区司法局", 2024, seed=seed, blanks=0.3, form=FORM), unique_report()):
        out = tmp_path / "r.html"
        out.write_text(build_page(report, FORM)[0], encoding="utf-8")
        assert import_file(out).report == report


def test_text_is_escaped_and_cleaned():
    report = unique_report()
    set_path(report, "text.other", "<script>alert(1)</script> A&B\x07")
    page, findings = build_page(report, FORM)
    assert "<script>" not in page and "&lt;script&gt;" in page and "A&amp;B" in page and "\x07" not in page
    assert [f.code for f in findings] == ["report.text_cleaned"]


def test_draft_page_says_so():
    page, _ = build_page(unique_report(), FORM, draft=True)
    assert "草稿　未通过校验，不得公开发布" in page and "年度报告（草稿）</h1>" in page


def test_cli_writes_page_and_fragment(tmp_path):
    src = str(EXAMPLES / "hengyang-commerce-2025.json")
    out, frag = tmp_path / "衡阳.html", tmp_path / "片段.htm"
    res = CliRunner().invoke(main, ["report", src, "-o", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    res = CliRunner().invoke(main, ["report", src, "-o", str(frag), "--fragment"])
    assert res.exit_code == 0, res.output
    assert frag.read_text(encoding="utf-8").startswith("<div")
    assert import_file(out).report == import_file(frag).report == json.loads((EXAMPLES / "hengyang-commerce-2025.json")
                                                                           .read_text(encoding="utf-8"))
    res = CliRunner().invoke(main, ["report", src, "-o", str(tmp_path / "r.docx"), "--fragment"])
    assert res.exit_code == 2 and "--fragment" in res.output


def test_cli_refuses_an_unknown_extension(tmp_path):
    res = CliRunner().invoke(main, ["report", str(EXAMPLES / "hengyang-commerce-2025.json"), "-o",
                                    str(tmp_path / "r.odt")])
    assert res.exit_code == 2 and "output.not_docx" in res.output and ".html" in res.output
