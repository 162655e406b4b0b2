"""PDFs that look like real agencies' published reports, not our own Word writer's output (tests/pdf_variants.py):
ruled tables with 表三 over two pages and its header repeated, a two-line and a year-first title, the agency as
a running header, `— N —` / `第 N 页`; a variant without any ruling lines; a variant with a scanned page.
The PDF import gives exactly the source's numbers; text pulled with pdftotext (-layout and reading order)
never stores a wrong number. All variants are rendered in one LibreOffice call per session."""
from __future__ import annotations


import pytest
from import_render import squeeze, tally
from office import pdf_text
from pdf_variants import VARIANTS, build_variant

from converter.engine.sample import make_report
from converter.form.definition import DEFAULT_FORM, get_path, load_form
from converter.published import import_file

FORM = load_form(DEFAULT_FORM)
NAMES = list(VARIANTS)






@pytest.fixture(scope="session")
def variant_pdfs(tmp_path_factory):
    """{name: (report, pdf)}: a report → the variant's hand-made .docx → PDF, all in one LibreOffice call."""
    from office import convert_many

    out = tmp_path_factory.mktemp("variant-pdf")
    reports, docs = {}, []
    for name, (agency, year, *_) in VARIANTS.items():
        # blank cells in the unruled variant (in 表二, 表三 and 表四): their columns are known only from
        # word positions
        seed, blanks = {"ruled": (11, 0.0), "unruled": (34, 0.2), "scanned": (13, 0.0)}[name]
        report = make_report(agency, year, seed=seed, blanks=blanks, form=FORM)
        doc = out / f"{name}.docx"
        doc.write_bytes(build_variant(name, report, FORM))
        reports[name] = report
        docs.append(doc)
    pdfs = convert_many(docs, "pdf", out)
    return {name: (reports[name], pdf) for name, pdf in zip(reports, pdfs)}


def test_fixtures_look_like_published_reports(variant_pdfs):
    """What the variants are meant to exercise is really in the PDFs LibreOffice made."""
    import pdfplumber

    for name, (report, pdf) in variant_pdfs.items():
        agency, year, title, ruled, (before, after), scanned = VARIANTS[name]
        with pdfplumber.open(pdf) as doc:
            pages = [page.extract_text() or "" for page in doc.pages]
            rules = sum(len(page.lines) + len(page.rects) for page in doc.pages)
            chars = [len(page.chars) for page in doc.pages]
        assert len(pages) >= 3, name
        text_pages = [p for p, n in zip(pages, chars) if n > 20]
        assert all(p.lstrip().startswith(agency) for p in text_pages), name  # the running header
        assert sum("申请人情况" in squeeze(p) for p in pages) >= 2, name  # 表三 split, header repeated
        assert any(squeeze(before + "2" + after) in squeeze(p) for p in pages), name  # — 2 — / 第 2 页
        assert (rules > 0) == ruled, (name, rules)
        assert any(n < 20 for n in chars) == scanned, (name, chars)  # only the header and the page number
        if name == "unruled":
            for t in ("t2", "t3", "t4"):
                assert any(get_path(report, c.key) is None for c in FORM.table[t].numbers), t


@pytest.mark.parametrize("name", NAMES)
def test_variant_pdf_imports_exactly(variant_pdfs, name):
    report, pdf = variant_pdfs[name]
    loaded = import_file(pdf)
    counts = tally(loaded.report, report)
    assert counts == {"right": len(FORM.numbers), "blank": 0, "wrong": []}, counts
    codes = {f.code for f in loaded.findings}
    assert not codes & {"import.missing_section", "import.missing_table", "import.missing_cells",
                        "import.unplaced_row", "import.unplaced_values", "import.guessed_agency",
                        "import.guessed_year"}, codes
    # the two-line and the year-first titles
    assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"])
    for key, text in report["text"].items():  # running headers and page numbers are in no section
        assert squeeze(loaded.report["text"][key]) == squeeze(text), key
    image = [f for f in loaded.findings if f.code == "import.image_page"]
    if VARIANTS[name][5]:
        assert len(image) == 1 and image[0].severity == "warning" and image[0].context["pages"] == [2]
        assert "图片" in image[0].message
    else:
        assert image == []


@pytest.mark.parametrize("layout", [True, False], ids=["layout", "reading-order"])
def test_variant_texts_never_store_a_wrong_number(variant_pdfs, tmp_path, layout):
    right = {}
    for name in NAMES:
        report, pdf = variant_pdfs[name]
        txt = tmp_path / f"{name}.txt"
        txt.write_text(pdf_text(pdf, layout=layout), encoding="utf-8")
        loaded = import_file(txt)
        counts = tally(loaded.report, report)
        assert counts["wrong"] == [], (name, counts["wrong"])
        right[name] = counts["right"]
        if counts["blank"]:  # what is left blank is said
            assert {f.code for f in loaded.findings} & {"import.missing_cells", "import.missing_table"}, name
        for key in ("problems", "other"):  # no table header words in the texts after the tables
            assert squeeze(loaded.report["text"][key]) == squeeze(report["text"][key]), (name, key)
    if layout:  # -layout text keeps the columns in line: empty cells found by position in 表三; in text,
        # a table with a single full row (表二 here) or a single number row (表四) is not trusted
        assert right["ruled"] == right["scanned"] == len(FORM.numbers), right
        assert right["unruled"] >= 180, right


def test_unruled_pdf_places_numbers_by_word_positions(variant_pdfs):
    """A blank cell in an unruled table: the row's other numbers keep their columns (geometry), where the
    text pulled from the same PDF, which lost the empty cell, cannot place that row."""
    report, pdf = variant_pdfs["unruled"]
    loaded = import_file(pdf)
    t3 = FORM.table["t3"]
    rows = {}
    for cell in t3.numbers:
        rows.setdefault(cell.key.rsplit(".", 1)[0], []).append(cell)
    gappy = [row for row, cells in rows.items()
             if any(get_path(report, c.key) is None for c in cells[:-1]) and get_path(report, cells[-1].key)
             is not None and any(get_path(report, c.key) is not None for c in cells[:-1])]
    assert gappy
    for row in gappy:
        assert get_path(loaded.report, row) == get_path(report, row), row


def _line(cells, page=0, top=0.0):
    from converter.published.read_pdf import _Line

    return _Line(page, top, top + 8, cells[0][0], cells[-1][1], 8, "  ".join(c[2] for c in cells), tuple(cells))


def test_empty_cells_are_marked_only_where_geometry_is_certain():
    from converter.published.core import mark_empty_cells

    def row(label, *nums, top=0.0):
        return _line([(0, 40, label), *nums], top=top)

    full = [row("二、上年结转", (100, 105, "1"), (150, 155, "2"), (200, 210, "12"), (250, 255, "3"), top=t)
            for t in (0, 10)]
    gap = row("（一）予以公开", (100, 105, "4"), (200, 205, "5"), (250, 255, "9"), top=20)
    tail = row("行政许可", (100, 105, "7"), top=30)  # (a merged cell: trailing blanks dropped when placed)
    mark_empty_cells([*full, gap, tail])
    assert gap.text.split() == ["（一）予以公开", "4", "/", "5", "9"]
    assert tail.text.split() == ["行政许可", "7", "/", "/", "/"]
    # a wide number bridging two columns makes them one: two numbers in it are left as they are
    wide = [row("二、上年结转", (100, 160, "1234567"), (200, 210, "12"), (250, 255, "3"), top=t) for t in (0, 10)]
    two = row("（一）予以公开", (100, 105, "4"), (150, 155, "6"), (250, 255, "9"), top=20)
    mark_empty_cells([*wide, two])
    assert two.text.split() == ["（一）予以公开", "4", "6", "9"]
    # numbers that do not line up (text copied with any number of spaces): more columns than the fullest
    # rows have numbers, so no position is trusted
    loose = [row("二、上年结转", (100, 105, "1"), (150, 155, "2"), (200, 205, "3"), top=0),
             row("二、上年结转", (120, 125, "1"), (170, 175, "2"), (220, 225, "3"), top=10)]
    short = row("（一）予以公开", (100, 105, "4"), (220, 225, "9"), top=20)
    mark_empty_cells([*loose, short], full_rows=2)
    assert short.text.split() == ["（一）予以公开", "4", "9"]


def test_a_pdf_table_where_every_row_has_an_empty_cell_still_gives_its_columns():
    """A PDF's true positions: two rows, each with one empty cell in another column, together fill every
    column; each row's empty cell is marked. Text laid out by spaces (no `headings`) is not trusted so."""
    from converter.published.core import mark_empty_cells

    def row(label, *nums, top=0.0):
        return _line([(0, 40, label), *nums], top=top)

    def rows():
        return [row("一、本年新收", (100, 105, "1"), (150, 155, "2"), (250, 255, "3"), top=0),
                row("二、上年结转", (100, 105, "4"), (200, 205, "5"), (250, 255, "9"), top=10)]

    first, second = rows()
    mark_empty_cells([first, second], headings=True)
    assert first.text.split() == ["一、本年新收", "1", "2", "/", "3"]
    assert second.text.split() == ["二、上年结转", "4", "/", "5", "9"]
    first, second = rows()
    mark_empty_cells([first, second], slack=0.0, full_rows=2)
    assert first.text.split() == ["一、本年新收", "1", "2", "3"]
