"""Render a report in two house styles for the README: `--style gbk` and `--style 参考.docx`, where the
reference document is made here as an office would make it in Word (python-docx): A4 with 25 mm margins,
标题 华文中宋 20 pt, 标题 1 黑体 16 pt, 标题 2 楷体 16 pt, 正文 仿宋 / Times New Roman 14 pt at exactly 26 pt, 表格 宋体 10 pt, and a
centred page number “第 N 页”. converter → .docx → LibreOffice PDF → pdftoppm PNG.

    python docs/render_style_pngs.py     # writes docs/report-style-gbk-*.png and docs/report-style-reference-*.png
"""
from __future__ import annotations

import datetime
import sys
import tempfile
from pathlib import Path

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.api import report_file  # noqa: E402
from pngs import pages  # noqa: E402

EXAMPLE = ROOT / "examples" / "city-natural-resources-2025.json"
PAGES = 2
DPI = 60
STYLES = {"标题": ("Title", "华文中宋", 20), "标题 1": ("Heading 1", "黑体", 16), "标题 2": ("Heading 2", "楷体", 16),
          "正文": ("Normal", "仿宋", 14), "表格": ("Table Grid", "宋体", 10)}


def make_reference(path: Path) -> Path:
    doc = docx.Document()
    section = doc.sections[-1]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = section.left_margin = section.right_margin = Mm(25)
    for name, font, size in STYLES.values():
        style = doc.styles[name]
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in list(fonts.attrib):
            if attr.endswith("Theme"):  # as Word's 修改样式 → 字体 does
                del fonts.attrib[attr]
        fonts.set(qn("w:eastAsia"), font)
        if name == "Normal":  # Latin letters and digits
            fonts.set(qn("w:ascii"), "Times New Roman")
            fonts.set(qn("w:hAnsi"), "Times New Roman")
        style.font.size = Pt(size)
    body = doc.styles["Normal"].paragraph_format
    body.line_spacing_rule, body.line_spacing = WD_LINE_SPACING.EXACTLY, Pt(26)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), " PAGE ")
    footer._p.append(field)
    footer.add_run(" 页")
    doc.save(path)
    return path


def render(name: str, style, work: Path) -> list[Path]:
    out = work / f"report-style-{name}.docx"
    report_file(EXAMPLE, out, sign_date=datetime.date(2026, 1, 25), style=style)
    return pages(out, work, f"report-style-{name}", DPI, PAGES)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name, style in (("gbk", "gbk"), ("reference", make_reference(work / "参考.docx"))):
            for png in render(name, style, work):
                print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
