"""House style (issue 14 item 3): `--style gbk` and `--style 参考.docx` drive the Word report, the web page
and the PDF from one Style; a reference document made here with python-docx sets margins, fonts and sizes."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import docx
import lxml.html
import pytest
from conftest import EXAMPLES, ROOT, load_example
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx_inspect import NS, part
from office import soffice
from openxml_audit import FileFormat, OpenXmlValidator

from converter.engine.style import bundled_style, default_style, load_style
from converter.form.definition import DEFAULT_FORM, load_form
from converter.round.batch import run_batch
from converter.word.report import write_report

FORM = load_form(DEFAULT_FORM)
HENGYANG = EXAMPLES / "hengyang-commerce-2025.json"
VALIDATOR = OpenXmlValidator(file_format=FileFormat.OFFICE_2016, max_errors=50)

# what the reference document asks for (B5 paper, other margins, other fonts and sizes)
ASKED = {"page": (Mm(182), Mm(257)), "margins": (Mm(30), Mm(25), Mm(32), Mm(20)),  # top, bottom, left, right
         "Title": ("华文中宋", 24), "Heading 1": ("方正黑体_GBK", 15), "Heading 2": ("方正楷体_GBK", 15),
         "Normal": ("方正仿宋_GBK", 15), "Table Grid": ("宋体", 10), "latin": "Arial", "line": 28}


def cli(*args):
    return subprocess.run([sys.executable, "-m", "converter.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)


def _set_fonts(style, east_asia: str, latin: str | None = None) -> None:
    """As Word's 修改样式 → 字体 does: explicit fonts, theme fonts removed."""
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme"):
            del fonts.attrib[attr]
    fonts.set(qn("w:eastAsia"), east_asia)
    if latin:
        for attr in ("w:ascii", "w:hAnsi"):
            fonts.set(qn(attr), latin)


def _page_field(paragraph, before: str, after: str) -> None:
    paragraph.add_run(before)
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "1"), ("end", None)):
        run = paragraph.add_run()
        if kind:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), kind)
            run._r.append(fld)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.add_text(text)
    paragraph.add_run(after)


def make_reference(path: Path, footer: bool = True) -> Path:
    """A reference document as an office would make one in Word: page setup, four styles, a table style,
    body line spacing and a centred page number "第 N 页"."""
    doc = docx.Document()
    section = doc.sections[-1]
    section.page_width, section.page_height = ASKED["page"]
    section.top_margin, section.bottom_margin, section.left_margin, section.right_margin = ASKED["margins"]
    for name in ("Title", "Heading 1", "Heading 2", "Normal", "Table Grid"):
        font, size = ASKED[name]
        style = doc.styles[name]
        _set_fonts(style, font, ASKED["latin"] if name == "Normal" else None)
        style.font.size = Pt(size)
    normal = doc.styles["Normal"].paragraph_format
    normal.line_spacing_rule, normal.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(ASKED["line"])
    doc.add_paragraph("参考文档", style="Title")
    if footer:
        p = section.footer.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _page_field(p, "第 ", " 页")
    doc.save(path)
    return path


def _style_el(path: Path, style_id: str):
    found = part(path, "word/styles.xml").xpath(f"//w:style[@w:styleId='{style_id}']", namespaces=NS)
    assert found, style_id
    return found[0]


def _font_and_size(path: Path, style_id: str) -> tuple[str, float]:
    el = _style_el(path, style_id)
    font = el.xpath("./w:rPr/w:rFonts/@w:eastAsia", namespaces=NS)
    size = el.xpath("./w:rPr/w:sz/@w:val", namespaces=NS)
    return (font[0] if font else None), (int(size[0]) / 2 if size else None)


def test_reference_document_sets_margins_fonts_and_sizes_of_the_word_report(tmp_path):
    ref = make_reference(tmp_path / "参考.docx")
    out = tmp_path / "r.docx"
    proc = cli("report", HENGYANG, "-o", out, "--style", ref, "--sign-date", "2026-01-20")
    assert proc.returncode == 0, proc.stderr
    assert "参考文档" not in proc.stderr  # everything was found: no fallback note
    section, asked = docx.Document(out).sections[-1], docx.Document(ref).sections[-1]  # as saved: in twips

    def setup(s):
        return s.page_width, s.page_height, s.top_margin, s.bottom_margin, s.left_margin, s.right_margin

    assert setup(section) == setup(asked)
    assert [round(v.mm) for v in setup(section)] == [182, 257, 30, 25, 32, 20]
    for style_id, name in (("Title", "Title"), ("Heading1", "Heading 1"), ("Heading2", "Heading 2"),
                           ("BodyText", "Normal"), ("TableText", "Table Grid")):
        assert _font_and_size(out, style_id) == ASKED[name], style_id
    assert _font_and_size(out, "TableTextSmall")[1] < ASKED["Table Grid"][1]  # 表四's 15 columns stay smaller
    assert _style_el(out, "Normal").xpath("./w:rPr/w:rFonts/@w:ascii", namespaces=NS) == [ASKED["latin"]]
    assert _style_el(out, "BodyText").xpath("./w:pPr/w:spacing/@w:line", namespaces=NS) == [str(ASKED["line"] * 20)]
    # the tables fill the new type area exactly
    width = int(section.page_width.twips - section.left_margin.twips - section.right_margin.twips)
    for tbl in part(out, "word/document.xml").xpath("//w:body/w:tbl", namespaces=NS):
        assert sum(int(w) for w in tbl.xpath("./w:tblGrid/w:gridCol/@w:w", namespaces=NS)) == width
    footer = part(out, "word/footer1.xml")
    assert "".join(footer.xpath("//w:t/text()", namespaces=NS)) == "第 1 页"
    assert footer.xpath("//w:jc/@w:val", namespaces=NS) == ["center"]
    assert [str(e) for e in VALIDATOR.validate(out).errors] == []


def test_web_page_follows_the_same_fonts_and_sizes(tmp_path):
    ref = make_reference(tmp_path / "参考.docx")
    out = tmp_path / "r.html"
    proc = cli("report", EXAMPLES / "city-natural-resources-2025.json", "-o", out, "--style", ref)  # has （一）…
    assert proc.returncode == 0, proc.stderr
    page = lxml.html.fromstring(out.read_text(encoding="utf-8"))

    def first_font(style: str) -> str:
        return re.search(r"font-family:'([^']+)'", style).group(1)

    def size(style: str) -> float:
        return float(re.search(r"font-size:([\d.]+)pt", style).group(1))

    h1 = page.xpath("//h1")[0].get("style")
    assert (first_font(h1), size(h1)) == ASKED["Title"]
    h2 = page.xpath("//h2")[0].get("style")
    assert (first_font(h2), size(h2)) == ASKED["Heading 1"]
    heading2 = page.xpath("//p[starts-with(., '（一）')]")[0]  # （一）主动公开, alone or with a run-in sentence
    run_in = (heading2.xpath("./span") or [heading2])[0].get("style")
    assert (first_font(run_in), size(run_in)) == ASKED["Heading 2"]
    div = page.xpath("//body/div")[0].get("style")
    assert (first_font(div), size(div)) == ASKED["Normal"]
    tables = page.xpath("//table")
    assert all(first_font(t.get("style")) == ASKED["Table Grid"][0] for t in tables)
    assert {size(t.get("style")) for t in tables if len(t.xpath(".//col")) < 12} == {ASKED["Table Grid"][1]}
    indent = re.search(r"text-indent:([\d.]+)pt", page.xpath("//body/div/p")[0].get("style")).group(1)
    assert float(indent) == 2 * ASKED["Normal"][1]


def test_gbk_style_in_word_and_web(tmp_path):
    docx_out, html_out = tmp_path / "r.docx", tmp_path / "r.html"
    for out in (docx_out, html_out):
        proc = cli("report", HENGYANG, "-o", out, "--style", "gbk")
        assert proc.returncode == 0, proc.stderr
    expected = {"Title": "方正小标宋_GBK", "Heading1": "黑体", "Heading2": "楷体_GBK", "BodyText": "方正仿宋_GBK",
                "TableText": "方正仿宋_GBK"}
    assert {sid: _font_and_size(docx_out, sid)[0] for sid in expected} == expected
    section = docx.Document(docx_out).sections[-1]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)  # GB/T 9704 page
    assert [str(e) for e in VALIDATOR.validate(docx_out).errors] == []
    text = html_out.read_text(encoding="utf-8")
    for font in set(expected.values()):
        assert f"font-family:'{font}'" in text
    assert "仿宋_GB2312','仿宋',FangSong" in text  # fallbacks for readers without the _GBK fonts


@pytest.mark.parametrize("name", ["gbt9704", "gbk"])
def test_our_own_report_read_as_reference_gives_the_same_style(tmp_path, name):
    """Writer and reader agree: a report written in a style, given as --style, yields that style again."""
    out = tmp_path / "r.docx"
    write_report(load_example("hengyang-commerce-2025.json"), FORM, out, style=bundled_style(name))
    style, findings = load_style(out)
    assert findings == []
    assert replace(style, name=name) == bundled_style(name)


def test_missing_parts_fall_back_to_the_default_with_a_note(tmp_path):
    ref = make_reference(tmp_path / "无页码.docx", footer=False)
    style, findings = load_style(ref)
    assert [f.code for f in findings] == ["style.fallback"] and findings[0].severity == "info"
    assert findings[0].context["missing"] == ["page_number"]
    assert (style.page_text, style.page_position) == (default_style().page_text, default_style().page_position)
    assert style.font_title == ASKED["Title"][0]
    # a bare document: only a body, no styles, no section → the default style, every part named
    bare = tmp_path / "空白.docx"
    with zipfile.ZipFile(bare, "w") as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.'
                   'org/wordprocessingml/2006/main"><w:body><w:p/></w:body></w:document>')
    style, findings = load_style(bare)
    assert replace(style, name=default_style().name) == default_style()
    assert {"page", "title", "h1", "h2", "body", "table", "page_number"} <= set(findings[0].context["missing"])
    out = tmp_path / "r.docx"
    proc = cli("report", HENGYANG, "-o", out, "--style", ref)
    assert proc.returncode == 0 and "页码" in proc.stderr and "GB/T 9704" in proc.stderr


def test_nonsense_in_a_reference_falls_back_and_the_report_still_opens_clean(tmp_path):
    ref = make_reference(tmp_path / "参考.docx")
    doc = docx.Document(ref)
    doc.sections[-1].left_margin = Mm(200)  # wider than the paper
    _set_fonts(doc.styles["Title"], 'Evil"/><w:b/><x a=\'')  # would break the XML and the inline CSS
    doc.styles["Heading 1"].font.size = Pt(500)
    doc.save(ref)
    style, findings = load_style(ref)
    assert {"page", "title", "h1"} <= set(findings[0].context["missing"])
    assert (style.margin_left, style.font_title, style.sz_h1) == (default_style().margin_left,
                                                                  default_style().font_title, default_style().sz_h1)
    assert style.font_h2 == ASKED["Heading 2"][0]  # the sensible parts are still used
    out = tmp_path / "r.docx"
    assert cli("report", HENGYANG, "-o", out, "--style", ref).returncode == 0
    assert [str(e) for e in VALIDATOR.validate(out).errors] == []


def test_bad_style_is_refused_before_any_output(tmp_path):
    out = tmp_path / "r.docx"
    proc = cli("report", HENGYANG, "-o", out, "--style", "no-such-style")
    assert proc.returncode == 2 and "style.unknown" in proc.stderr and "gbk" in proc.stderr
    fake = tmp_path / "参考.docx"
    fake.write_text("这不是 Word 文档", encoding="utf-8")
    proc = cli("report", HENGYANG, "-o", out, "--style", fake)
    assert proc.returncode == 2 and "style.not_docx" in proc.stderr and "另存为" in proc.stderr
    assert not out.exists()
    assert fake.read_text(encoding="utf-8") == "这不是 Word 文档"  # an input is never modified


def test_styled_pdf_has_the_reference_page_size(tmp_path):
    soffice()  # skip without LibreOffice locally; fail in CI
    ref = make_reference(tmp_path / "参考.docx")
    out = tmp_path / "r.pdf"
    proc = cli("report", HENGYANG, "-o", out, "--style", ref)
    assert proc.returncode == 0, proc.stderr
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
    w, h = map(float, re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(w / 72 * 25.4), round(h / 72 * 25.4)) == (182, 257)
    raw = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "第 1 页" in raw and "第 2 页" in raw


def test_batch_writes_reports_in_the_style_and_does_not_reuse_other_styles(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    shutil.copy(next((EXAMPLES / "returned").glob("衡阳市商务局*.xlsx")), inbox)
    run_batch(inbox, outbox, jobs=1, style=bundled_style("gbk"))
    (report,) = (outbox / "报告").glob("*.docx")
    assert _font_and_size(report, "BodyText")[0] == "方正仿宋_GBK"
    result = run_batch(inbox, outbox, jobs=1)  # the default style: the cached gbk report is not reused
    assert result.reused == 0
    (report,) = (outbox / "报告").glob("*.docx")
    assert _font_and_size(report, "BodyText")[0] == default_style().font_body
    assert run_batch(inbox, outbox, jobs=1).reused == 1


def test_batch_cli_takes_style(tmp_path):
    inbox, outbox = tmp_path / "inbox", tmp_path / "out"
    shutil.copytree(EXAMPLES / "returned", inbox)
    ref = make_reference(tmp_path / "参考.docx")
    proc = cli("batch", inbox, "-o", outbox, "--style", ref, "-j", "2")  # the style travels to the workers
    assert proc.returncode == 1, proc.stdout + proc.stderr  # one agency's return has errors
    reports = sorted((outbox / "报告").glob("*.docx"))
    assert len(reports) == 3
    assert {round(docx.Document(r).sections[-1].page_width.mm) for r in reports} == {182}
    proc = cli("batch", inbox, "-o", outbox, "--style", tmp_path / "没有.docx")
    assert proc.returncode == 2 and "style.unknown" in proc.stderr and "--style" in proc.stderr
