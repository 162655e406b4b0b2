"""`converter batch --formats docx,html,pdf --sign-date …` (issue 14 item 4, issue 12 items 6-7): every passing
agency's report in each format, the PDFs of a whole batch in ONE LibreOffice process, the outbox mirroring
the round in every format, the signature on every report, and no rate on a rerun that processed nothing."""
from __future__ import annotations

import datetime
import json
import zipfile

import pytest
from click.testing import CliRunner
from office import pdf_text, soffice

from converter.cli import main
from converter.engine.sample import make_report
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.published import import_file
from converter.round import batch as batch_mod
from converter.round.batch import run_batch

FORM = load_form(DEFAULT_FORM)
SIGN = datetime.date(2026, 1, 20)
AGENCIES = ("某某县教育局", "某某县民政局", "某某县财政局")


def _report(agency, seed, broken=False):
    report = make_report(agency, 2025, scale=30, seed=seed, form=FORM)
    if broken:
        key = "applications.carried_forward.research"
        set_path(report, key, (get_path(report, key) or 0) + 2)
    return report


def _inbox(tmp_path, broken=("某某县财政局",)):
    inbox = tmp_path / "收件"
    inbox.mkdir(exist_ok=True)
    reports = {}
    for seed, agency in enumerate(AGENCIES):
        reports[agency] = _report(agency, seed, agency in broken)
        write_template(inbox / f"{agency}.xlsx", FORM, agency=agency, year=2025, values=reports[agency])
    return inbox, reports


def _stem(agency):
    return f"{agency}2025年政府信息公开工作年度报告"


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as zf:
        return zf.read("word/document.xml").decode("utf-8")


@pytest.fixture
def count_conversions(monkeypatch):
    """Every call of the batch's one-process converter, with the number of reports it was given."""
    calls: list[int] = []
    real = batch_mod.convert_many

    def spy(pairs):
        calls.append(len(pairs))
        return real(pairs)

    monkeypatch.setattr(batch_mod, "convert_many", spy)
    return calls


def test_all_formats_signed_pdfs_in_one_process_and_a_rerun_converts_nothing(tmp_path, count_conversions):
    soffice()
    inbox, reports = _inbox(tmp_path)
    out = tmp_path / "out"
    result = run_batch(inbox, out, jobs=1, formats=("docx", "html", "pdf"), sign_date=SIGN)
    assert count_conversions == [2]  # the two passing reports, one LibreOffice process
    made = sorted(p.name for p in (out / "报告").iterdir())
    assert made == sorted(f"{_stem(a)}.{ext}" for a in AGENCIES[:2] for ext in ("docx", "html", "pdf"))
    for agency in AGENCIES[:2]:
        docx, html, pdf = (out / "报告" / f"{_stem(agency)}.{ext}" for ext in ("docx", "html", "pdf"))
        assert "2026年1月20日" in _docx_text(docx) and agency in _docx_text(docx)  # the signature
        page = html.read_text(encoding="utf-8")
        assert "2026年1月20日" in page and page.count(agency) >= 2  # title and signature
        back = import_file(html, FORM).report  # the page reads back to the same numbers
        for cell in FORM.inputs:
            assert get_path(back, cell.key) == get_path(reports[agency], cell.key), cell.key
        text = pdf_text(pdf).replace(" ", "")
        assert pdf.read_bytes().startswith(b"%PDF") and "2026年1月20日" in text and "—1—" in text  # page numbers
        assert f"{agency}2025年政府信息公开工作年度报告" in text.replace("\n", "")
    assert not list(out.glob("报告/*财政局*")) and list(out.glob("退回修改/某某县财政局-问题标注.xlsx"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["formats"] == ["docx", "html", "pdf"] and manifest["sign_date"] == "2026-01-20"
    outputs = {i["agency"]: i.get("outputs", {}) for i in manifest["inputs"]}
    assert set(outputs["某某县教育局"]) == {"json", "report", "html", "pdf"}
    assert "个/秒" in result.closing_line() and result.processed == 3

    again = run_batch(inbox, out, jobs=1, formats=("docx", "html", "pdf"), sign_date=SIGN)
    assert again.processed == 0 and again.reused == 3
    assert count_conversions == [2, 0]  # the PDFs of the work cache are reused
    assert sorted(p.name for p in (out / "报告").iterdir()) == made and not again.voided
    assert "个/秒" not in again.closing_line() and "用时" in again.closing_line()


def test_an_agency_that_now_fails_has_its_report_voided_in_every_format(tmp_path, count_conversions):
    soffice()
    inbox, _ = _inbox(tmp_path, broken=())
    out = tmp_path / "out"
    run_batch(inbox, out, jobs=1, formats=("docx", "html", "pdf"))
    assert len(list((out / "报告").glob("*某某县民政局*"))) == 3
    write_template(inbox / "某某县民政局.xlsx", FORM, agency="某某县民政局", year=2025,
                   values=_report("某某县民政局", 1, broken=True))  # the agency sends a new, broken copy
    second = run_batch(inbox, out, jobs=1, formats=("docx", "html", "pdf"))
    assert count_conversions == [3, 0]  # nothing new passed: no LibreOffice at all for the second run
    assert not list((out / "报告").glob("*某某县民政局*"))
    voided = sorted(p.split("/")[-1] for p in second.voided)
    # the reports in every format, and the data of the earlier copy (replaced by the new copy's, kept)
    assert voided == sorted([*(f"{_stem('某某县民政局')}.{ext}" for ext in ("docx", "html", "pdf")), "某某县民政局.json"])
    assert all((out / p).is_file() for p in second.voided)
    assert (out / "退回修改" / "某某县民政局-问题标注.xlsx").is_file()
    assert len(list((out / "报告").glob("*.pdf"))) == 2


def test_formats_no_longer_asked_for_are_voided_and_the_signature_is_not_reused_from_the_cache(tmp_path):
    inbox, _ = _inbox(tmp_path)
    out = tmp_path / "out"
    run_batch(inbox, out, jobs=1, formats=("docx", "html"))
    docx = out / "报告" / f"{_stem('某某县教育局')}.docx"
    assert (out / "报告" / f"{_stem('某某县教育局')}.html").is_file() and "2026年1月20日" not in _docx_text(docx)
    signed = run_batch(inbox, out, jobs=1, sign_date=SIGN)  # docx only now, signed: the reports are made again
    assert signed.processed == 2 and signed.reused == 1  # the failing one's annotated copy has no signature
    assert sorted(p.suffix for p in (out / "报告").iterdir()) == [".docx", ".docx"]
    assert "2026年1月20日" in _docx_text(docx)
    # the pages of a format no longer asked for, and the unsigned reports the signed ones replace (kept)
    assert sorted(p.rsplit(".", 1)[-1] for p in signed.voided) == ["docx", "docx", "html", "html"]


def test_cli_formats_and_sign_date(tmp_path):
    inbox, _ = _inbox(tmp_path)
    out = tmp_path / "out"
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "-j", "1", "--formats", "html,docx",
                                  "--sign-date", "2026-01-20"])
    assert r.exit_code == 1, r.output  # one agency has errors
    assert len(list((out / "报告").glob("*.html"))) == 2 and len(list((out / "报告").glob("*.docx"))) == 2
    assert "2026年1月20日" in next((out / "报告").glob("*.html")).read_text(encoding="utf-8")
    assert "个/秒" in r.output
    again = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "-j", "1", "--formats", "html,docx",
                                      "--sign-date", "2026-01-20"])
    assert again.exit_code == 1 and "个/秒" not in again.output and "3 个未变化沿用上次结果" in again.output
    bad = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--formats", "docx,odt"])
    assert bad.exit_code == 2 and "odt" in bad.output and "docx,html,pdf" in bad.output
    bad_date = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--sign-date", "2026-13-01"])
    assert bad_date.exit_code == 2 and "YYYY-MM-DD" in bad_date.output


def test_pdf_without_libreoffice_is_refused_before_any_work(tmp_path, monkeypatch):
    inbox, _ = _inbox(tmp_path)
    out = tmp_path / "out"
    monkeypatch.setenv("PATH", "")  # no soffice to be found
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "--formats", "docx,pdf"])
    assert r.exit_code == 2, r.output
    assert "LibreOffice" in r.output and "soffice" in r.output
    assert not out.exists()  # nothing read, nothing written
