"""`converter batch` on what agencies published (年报质量检查): web pages, Word files, PDFs and texts are
read and checked like workbooks, no Word report is made of them; a cover letter is 已忽略, a scan 无法读取;
published late, text copied from last year, a missing table are warnings."""
import datetime
import shutil

from click.testing import CliRunner

from conftest import EXAMPLES, load_example
from import_render import render_html
from converter.cli import main
from converter.engine.sample import make_report
from converter.form.definition import DEFAULT_FORM, load_form
from converter.round.batch import run_batch
from converter.web.page import build_page
from converter.word.report import build_report

FORM = load_form(DEFAULT_FORM)


def page_of(report: dict, published: str, drop_table: str | None = None) -> str:
    text = render_html(report).replace("发布时间：2026-01-20", f"发布时间：{published}")
    if drop_table:  # the section's table left out
        start = text.index(f"<strong>{FORM.sections[3].heading}</strong>")
        end = text.index("</table>", start) + len("</table>")
        text = text[:text.index("<table", start)] + text[end:]
    return text


def cover_letter(path):
    import docx

    doc = docx.Document()
    doc.add_paragraph("关于报送2025年政府信息公开工作年度报告的函")
    doc.add_paragraph("市政务公开办：现将我局2025年政府信息公开工作年度报告报送你们，请审核。")
    doc.add_paragraph("某某区交通运输局")
    doc.save(str(path))


def scan(path):
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (400, 560), "white")
    ImageDraw.Draw(image).rectangle((40, 40, 360, 120), outline="black")
    image.save(path, "PDF", resolution=50)


def make_inbox(tmp_path, published_pdfs):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    on_time = load_example("district-market-regulation-2025.json")
    (inbox / "示范区市场监督管理局.html").write_text(page_of(on_time, "2026-01-20"), encoding="utf-8")
    late = make_report("某某区财政局", 2025, seed=3, form=FORM)
    (inbox / "财政局年报.htm").write_text(page_of(late, "2026-02-15 09:30"), encoding="utf-8")
    gov = make_report("某某区人民政府", 2025, seed=4, form=FORM)  # a government: due 3月31日
    (inbox / "区政府.html").write_text(page_of(gov, "2026年3月20日"), encoding="utf-8")
    no_t4 = make_report("某某区司法局", 2025, seed=5, form=FORM)
    (inbox / "司法局.html").write_text(page_of(no_t4, "2026-01-10", drop_table="t4"), encoding="utf-8")
    ours = make_report("某某区教育局", 2025, seed=6, form=FORM)
    (inbox / "教育局.docx").write_bytes(build_report(ours, FORM, draft=True)[0])
    report, pdf = published_pdfs["plain"]
    shutil.copy(pdf, inbox / "交通运输局年度报告.pdf")
    shutil.copy(EXAMPLES / "published" / "hengyang-commerce-2025.txt", inbox / "衡阳市商务局.txt")
    cover_letter(inbox / "报送函.docx")
    scan(inbox / "某某区公安局2025年政府信息公开工作年度报告.pdf")
    scan(inbox / "盖章页.pdf")
    (inbox / "照片.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return inbox, report


def test_audit_of_published_reports(tmp_path, published_pdfs):
    inbox, pdf_report = make_inbox(tmp_path, published_pdfs)
    out = tmp_path / "out"
    result = run_batch(inbox, out, jobs=1, year=2025)
    items = {i["file"]: result.full(i) for i in result.items}
    status = {f: i["status"] for f, i in items.items()}
    codes = {f: {x["code"] for x in i.get("findings", ())} for f, i in items.items()}
    assert status["示范区市场监督管理局.html"] == "通过", codes["示范区市场监督管理局.html"]
    assert status["区政府.html"] in ("通过", "有警告") and "import.published_late" not in codes["区政府.html"]
    assert status["财政局年报.htm"] == "有警告" and "import.published_late" in codes["财政局年报.htm"]
    late = next(x for x in items["财政局年报.htm"]["findings"] if x["code"] == "import.published_late")
    assert "2026年2月15日" in late["message"] and "2026年1月31日" in late["message"]
    assert status["司法局.html"] == "有警告" and "import.missing_table" in codes["司法局.html"]
    assert status["教育局.docx"] in ("通过", "有警告") and items["教育局.docx"]["agency"] == "某某区教育局"
    assert status["交通运输局年度报告.pdf"] in ("通过", "有警告")
    assert items["交通运输局年度报告.pdf"]["agency"] == pdf_report["agency"]
    assert status["衡阳市商务局.txt"] in ("通过", "有警告")
    # not reports: listed, not errors; a report that is a scan: unreadable, with the reason
    assert status["报送函.docx"] == "已忽略" and status["盖章页.pdf"] == "已忽略" and status["照片.png"] == "已忽略"
    scan_item = items["某某区公安局2025年政府信息公开工作年度报告.pdf"]
    assert scan_item["status"] == "无法读取" and scan_item["error"]["code"] == "import.image_pdf"
    assert "图片" in scan_item["error"]["message"]
    assert result.exit_code == 2
    # no Word report made of a published report; the data and the summary are there
    assert not list((out / "报告").glob("*.docx")) if (out / "报告").exists() else True
    assert len(list((out / "数据").glob("*.json"))) == 7
    assert result.summary_path.is_file()
    lines = result.attention()
    assert any(line.startswith("已忽略    报送函.docx（不是年度报告）") for line in lines)


def test_copied_text_from_last_year_with_prior(tmp_path):
    """--prior with last year's published page: this year's page repeating its sentences is warned."""
    this = load_example("district-market-regulation-2025.json")
    last = {**load_example("district-market-regulation-2024.json")}
    copied = {**last, "text": {**this["text"],
                                "overview": this["text"]["overview"].replace("2025年", "2024年")}}
    inbox, prior = tmp_path / "in", tmp_path / "prior"
    inbox.mkdir()
    prior.mkdir()
    (inbox / "page.html").write_text(build_page(this, FORM)[0], encoding="utf-8")
    (prior / "last.html").write_text(build_page(copied, FORM)[0], encoding="utf-8")
    result = run_batch(inbox, tmp_path / "out", jobs=1, prior=prior)
    (item,) = [result.full(i) for i in result.items]
    found = [f for f in item["findings"] if f["code"] == "copy.repeated_text"]
    assert item["status"] == "有警告" and found and found[0]["context"]["share"] > 0.5
    # with last year's own wording: no such warning
    (prior / "last.html").write_text(build_page(last, FORM)[0], encoding="utf-8")
    result = run_batch(inbox, tmp_path / "out2", jobs=1, prior=prior)
    (item,) = [result.full(i) for i in result.items]
    assert "copy.repeated_text" not in {f["code"] for f in item["findings"]}


def test_cli_batch_on_published_reports(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    report = load_example("district-market-regulation-2025.json")
    (inbox / "r.html").write_text(build_page(report, FORM, sign_date=datetime.date(2026, 1, 20))[0], encoding="utf-8")
    r = CliRunner().invoke(main, ["batch", str(inbox), "--output", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "通过 1" in r.output
    assert not (tmp_path / "out" / "报告").exists() or not list((tmp_path / "out" / "报告").iterdir())


def test_of_two_published_copies_the_fuller_reading_is_current(tmp_path):
    """The same report as a web page (every number read) and as text copied later with its table four lost:
    the page stays the agency's current copy, whatever the order the files came in."""
    import os

    inbox = tmp_path / "收件"
    inbox.mkdir()
    report = make_report("某某区司法局", 2025, seed=5, form=FORM)
    full = inbox / "司法局.html"
    full.write_text(page_of(report, "2026-01-10"), encoding="utf-8")
    partial = inbox / "司法局（复制）.html"
    partial.write_text(page_of(report, "2026-01-10", drop_table="t4"), encoding="utf-8")
    os.utime(full, (1_700_000_000, 1_700_000_000))  # the fuller copy is the older file
    result = run_batch(inbox, tmp_path / "out", jobs=1)
    status = {i["file"]: i["status"] for i in result.items}
    assert status[partial.name] == "已被替代" and status[full.name] in ("通过", "有警告"), status
