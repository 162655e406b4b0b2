"""Published PDFs (our Word reports rendered by LibreOffice) → report JSON by geometry; text pulled from
them with pdftotext never stores a wrong number; image-only, hostile and table-less inputs are refused."""
from __future__ import annotations

import importlib
import re
import subprocess

import pytest
from click.testing import CliRunner
from conftest import PDF_CASES
from import_render import squeeze, tally
from office import pdf_text

from converter.base.errors import InputError
from converter.cli import main
from converter.form.definition import DEFAULT_FORM, get_path, load_form
from converter.inputs.sources import load_report
from converter.published import import_file

read_pdf_module = importlib.import_module("converter.published.read_pdf")  # (the package exports a function of that name)

FORM = load_form(DEFAULT_FORM)
CASES = list(PDF_CASES)






@pytest.mark.parametrize("name", CASES)
def test_pdf_imports_every_number_and_text(published_pdfs, name):
    report, pdf = published_pdfs[name]
    loaded = import_file(pdf)
    counts = tally(loaded.report, report)
    assert counts["wrong"] == [] and counts["blank"] == 0, counts
    codes = {f.code for f in loaded.findings}
    assert not codes & {"import.missing_section", "import.missing_table", "import.missing_cells",
                        "import.unplaced_row", "import.placed_by_order"}, codes
    for key, text in report["text"].items():  # page numbers, running headers, the signature: not in any text
        assert squeeze(loaded.report["text"][key]) == squeeze(text), key
    # (the draft's title ends in （草稿）: it is still the title)
    assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"])
    assert not codes & {"import.guessed_agency", "import.guessed_year"}, codes


def test_fixture_has_split_table_and_page_numbers(published_pdfs):
    """The rendered reports exercise what real PDFs have: 表三 over two pages, header repeated; — N —."""
    import pdfplumber

    _, pdf = published_pdfs["plain"]
    with pdfplumber.open(pdf) as doc:
        pages = [page.extract_text() or "" for page in doc.pages]
    assert sum("申请人情况" in squeeze(p) for p in pages) >= 2
    assert any(re.search(r"—\s*2\s*—", p) for p in pages)
    assert "—2—" not in squeeze(import_file(pdf).report["text"]["overview"])


def test_cli_import_pdf_and_prior(published_pdfs, tmp_path):
    report, pdf = published_pdfs["plain"]
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["import", str(pdf), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert load_report(pdf).report["applications"]["carried_forward"] == report["applications"]["carried_forward"]


@pytest.mark.parametrize("layout", [True, False], ids=["layout", "reading-order"])
def test_pdftotext_never_stores_a_wrong_number(published_pdfs, tmp_path, layout):
    right = 0
    for name in CASES:
        report, pdf = published_pdfs[name]
        txt = tmp_path / f"{name}.txt"
        txt.write_text(pdf_text(pdf, layout=layout), encoding="utf-8")
        counts = tally(import_file(txt).report, report)
        assert counts["wrong"] == [], (name, counts["wrong"])
        right += counts["right"]
    # most numbers are still read: a row is blank only when its cells cannot be placed with certainty
    assert right >= (600 if layout else 250), right


def test_uncertain_rows_are_quoted(published_pdfs, tmp_path):
    report, pdf = published_pdfs["blanks"]
    txt = tmp_path / "blanks.txt"
    # (-layout keeps the columns in line, so its empty cells are found by position: copied text whose
    # runs of spaces no longer line up has lost them)
    txt.write_text(re.sub(r" {2,}", "  ", pdf_text(pdf, layout=True)), encoding="utf-8")
    loaded = import_file(txt)
    unplaced = [f for f in loaded.findings if f.code == "import.unplaced_row"]
    assert unplaced and all("原文" in f.message and f.context["text"] for f in unplaced)
    for f in unplaced:  # what was not placed is blank, not guessed
        row = f.location.path.rsplit(".", 1)[0]
        assert all(v is None for v in get_path(loaded.report, row).values()), row


def _image_only_pdf(pdf, tmp_path):
    """Page 1 rendered to PNG and saved back as a PDF: an image, no text layer (like a scan)."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
                   check=True)
    png = sorted(tmp_path.glob("page*.png"))[0]
    out = tmp_path / "scan.pdf"
    Image.open(png).convert("RGB").save(out, "PDF", resolution=50)
    return out


def test_image_only_pdf_is_refused(published_pdfs, tmp_path):
    _, pdf = published_pdfs["plain"]
    scan = _image_only_pdf(pdf, tmp_path)
    with pytest.raises(InputError) as e:
        import_file(scan)
    assert e.value.code == "import.image_pdf"
    result = CliRunner().invoke(main, ["import", str(scan)])
    assert result.exit_code == 2
    assert "图片" in result.output and "Traceback" not in result.output


def test_damaged_and_oversized_pdfs_are_refused(published_pdfs, tmp_path, monkeypatch):
    _, pdf = published_pdfs["plain"]
    data = pdf.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 50)
    not_pdf = tmp_path / "fake.pdf"
    not_pdf.write_text("这不是 PDF", encoding="utf-8")
    for path in (cut, garbage, not_pdf):
        result = CliRunner().invoke(main, ["import", str(path)])
        assert result.exit_code == 2, (path.name, result.output)
        assert "Traceback" not in result.output
    monkeypatch.setattr(read_pdf_module, "MAX_PAGES", 2)
    with pytest.raises(InputError) as e:
        import_file(pdf)
    assert e.value.code == "import.too_many_pages"


def test_text_without_tables_is_refused(tmp_path):
    text = "\n".join(["某某县教育局2025年政府信息公开工作年度报告", "一、总体情况", "本年度公开工作稳步推进。",
                      "五、存在的主要问题及改进情况", "问题不少。", "六、其他需要报告的事项", "无。"])
    p = tmp_path / "no-table.txt"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_file(p)
    assert e.value.code == "import.no_tables"
    with pytest.raises(InputError) as e:  # and as last year's report (--prior)
        load_report(p)
    assert e.value.code == "import.no_tables"
    result = CliRunner().invoke(main, ["import", str(p)])
    assert result.exit_code == 2 and "统计表" in result.output


@pytest.mark.parametrize("layout", [True, False], ids=["layout", "reading-order"])
def test_text_taken_from_a_pdf_reads_back_paragraph_for_paragraph(published_pdfs, tmp_path, layout):
    """pdftotext wraps lines at the page's width and marks page breaks with form feeds: the lines of a
    paragraph are joined again, and no form feed is left in any text."""
    report, pdf = published_pdfs["plain"]
    txt = tmp_path / "plain.txt"
    txt.write_text(pdf_text(pdf, layout=layout), encoding="utf-8")
    got = import_file(txt).report["text"]
    for key, text in report["text"].items():
        assert "\f" not in got[key]
        if text:
            assert [squeeze(line) for line in got[key].splitlines()] == [squeeze(line) for line in text.splitlines()], key
