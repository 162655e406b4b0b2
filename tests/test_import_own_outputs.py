"""Our own outputs re-import exactly, drafts included: the Word report, the web page, and the PDF that
LibreOffice makes of the Word report (a property test over random reports, one LibreOffice call)."""
import datetime
import json

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from conftest import example_reports
from import_render import tally
from converter.engine.sample import make_report
from converter.form.definition import DEFAULT_FORM, load_form
from converter.published import import_file
from converter.web.page import build_page
from converter.word.report import build_report

FORM = load_form(DEFAULT_FORM)
SIGN = datetime.date(2026, 1, 20)
AGENCIES = ["某某市交通运输局", "某某省某某市某某区人民政府办公室", "某某县人民政府", "某某市生态环境局某某分局",
            "某某街道办事处", "某某省发展和改革委员会"]




@pytest.mark.parametrize("draft", [False, True], ids=["final", "draft"])
@pytest.mark.parametrize("path", example_reports(), ids=lambda p: p.stem)
def test_word_report_and_web_page_reimport_exactly(tmp_path, path, draft):
    report = json.loads(path.read_text(encoding="utf-8"))
    docx, _ = build_report(report, FORM, draft=draft, sign_date=None if draft else SIGN)
    (tmp_path / "r.docx").write_bytes(docx)
    page, _ = build_page(report, FORM, draft=draft, sign_date=None if draft else SIGN)
    (tmp_path / "r.html").write_text(page, encoding="utf-8")
    for name in ("r.docx", "r.html"):
        loaded = import_file(tmp_path / name)
        assert loaded.report == report, name
        assert not {f.code for f in loaded.findings} & {"import.guessed_agency", "import.guessed_year"}, name


reports = st.lists(
    st.tuples(st.sampled_from(AGENCIES), st.integers(2021, 2026), st.integers(0, 10 ** 6),
              st.sampled_from([1, 50, 20000]), st.sampled_from([0.0, 0.3, 0.7]), st.booleans()),
    min_size=5, max_size=5)


@settings(max_examples=1, deadline=None, database=None, phases=[Phase.generate],
          suppress_health_check=list(HealthCheck))
@given(reports)
def test_random_reports_through_word_and_pdf_give_the_same_numbers(tmp_path_factory, cases):
    """Random reports → our .docx (drafts too) → PDF by LibreOffice (one call for all) → import."""
    from office import convert_many

    out = tmp_path_factory.mktemp("own-pdf")
    made, docs = [], []
    for n, (agency, year, seed, scale, blanks, draft) in enumerate(cases):
        report = make_report(agency, year, scale=scale, seed=seed, blanks=blanks, form=FORM)
        data, _ = build_report(report, FORM, draft=draft, sign_date=None if draft else SIGN)
        doc = out / f"r{n}.docx"
        doc.write_bytes(data)
        made.append(report)
        docs.append(doc)
    pdfs = convert_many(docs, "pdf", out)
    for report, pdf in zip(made, pdfs):
        loaded = import_file(pdf)
        assert tally(loaded.report, report) == {"right": len(FORM.numbers), "blank": 0, "wrong": []}, pdf.name
        assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"]), pdf.name
        for key, text in report["text"].items():
            assert "".join(loaded.report["text"][key].split()) == "".join(text.split()), (pdf.name, key)


def test_example_reports_through_pdf_keep_every_paragraph(tmp_path):
    """Each example's PDF (our Word report, LibreOffice) reads back paragraph for paragraph: a heading after
    a line that fills the width is no continuation of it (五's last line once swallowed 六, so 六 was missing),
    and a short report, with more indented one-line paragraphs than wrapped lines, keeps its sub-headings."""
    from office import convert_many

    docs, reports = [], []
    for path in example_reports():
        report = json.loads(path.read_text(encoding="utf-8"))
        data, findings = build_report(report, FORM, draft=True)
        docs.append(tmp_path / f"{path.stem}.docx")
        docs[-1].write_bytes(data)
        reports.append(report)
    for report, pdf in zip(reports, convert_many(docs, "pdf", tmp_path)):
        loaded = import_file(pdf)
        assert "import.missing_section" not in {f.code for f in loaded.findings}, pdf.name
        for key, text in report["text"].items():
            if key == "preamble" and not text:
                continue  # the standard preamble: read back as "" or as its words
            got = ["".join(line.split()) for line in loaded.report["text"][key].splitlines()]
            assert got == ["".join(line.split()) for line in text.splitlines()], (pdf.name, key)
