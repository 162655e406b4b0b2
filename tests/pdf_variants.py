"""Hand-made reports that look like real agencies' published PDFs rather than our own Word writer's output.

Written with python-docx from a report JSON (not with converter.word): the default python-docx template,
a year-first or agency-first title over two lines, the agency as a running page header, page numbers
`— N —` or `第 N 页` as PAGE fields in the footer, 表三 long enough to run over two pages with its three
header rows repeated (w:tblHeader), 表四 as one header block + one number row. Variants:

- ruled:    every table with ruling lines ("Table Grid");
- unruled:  no ruling lines at all (borders off): table geometry only from word positions;
- scanned:  ruled, with an image-only page (a scanned attachment, no text layer) among the text pages.
"""
from __future__ import annotations

import io

from converter.form.definition import get_path

VARIANTS = {
    # name: (agency, year, title lines, ruled, page number format, scanned page)
    "ruled": ("某某县人民政府办公室", 2025, ["2025年某某县人民政府办公室", "政府信息公开工作年度报告"], True,
              ("— ", " —"), False),
    "unruled": ("某某市某某区生态环境局", 2024, ["某某市某某区生态环境局", "2024年度政府信息公开工作年度报告"], False,
                ("第 ", " 页"), False),
    "scanned": ("某某县人民政府", 2025, ["2025年某某县人民政府政府信息公开工作年度报告"], True,
                ("— ", " —"), True),
}


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _page_field(paragraph, before: str, after: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    paragraph.add_run(before)
    paragraph._p.append(parse_xml(f'<w:fldSimple {nsdecls("w")} w:instr=" PAGE "><w:r><w:t>1</w:t></w:r>'
                                  '</w:fldSimple>'))
    paragraph.add_run(after)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def _no_borders(table) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    sides = "".join(f'<w:{s} w:val="nil"/>' for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    table._tbl.tblPr.append(parse_xml(f'<w:tblBorders {nsdecls("w")}>{sides}</w:tblBorders>'))


def _add_table(doc, table, report: dict, ruled: bool) -> None:
    from docx.shared import Pt

    t = doc.add_table(rows=table.rows, cols=table.cols)
    if ruled:
        t.style = "Table Grid"
    else:
        _no_borders(t)
    for cell in (*table.labels, *table.numbers):
        box = t.cell(cell.r - 1, cell.c - 1)
        if cell.rs > 1 or cell.cs > 1:
            box = box.merge(t.cell(cell.r + cell.rs - 2, cell.c + cell.cs - 2))
        text = _cell_text(get_path(report, cell.key)) if hasattr(cell, "key") else cell.text
        box.text = text
        for p in box.paragraphs:
            for run in p.runs:
                run.font.size = Pt(7.5 if table.cols >= 10 else 10)
    for r in range(table.header_rows):
        _repeat_header(t.rows[r])


def _scan_png() -> bytes:
    """A 'scanned' attachment page: grey paper, a ruled form and a round seal, drawn as pixels only."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (850, 1100), (236, 234, 228))
    draw = ImageDraw.Draw(img)
    for y in range(120, 900, 60):
        draw.line([(80, y), (770, y)], fill=(60, 60, 60), width=2)
    draw.rectangle([80, 120, 770, 900], outline=(40, 40, 40), width=3)
    draw.ellipse([560, 880, 760, 1080], outline=(200, 30, 30), width=8)
    return _png_bytes(img)


def _png_bytes(img) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build_variant(name: str, report: dict, form) -> bytes:
    """The hand-made .docx of one variant, for `report` (its agency and year must match VARIANTS[name])."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Cm, Pt

    agency, year, title_lines, ruled, (before, after), scanned = VARIANTS[name]
    doc = docx.Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    section.top_margin, section.bottom_margin = Cm(3.2), Cm(2.8)
    head = section.header.paragraphs[0]
    head.text = agency
    head.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    foot = section.footer.paragraphs[0]
    foot.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(foot, before, after)

    for line in title_lines:
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = p.add_run(line)
        run.font.size, run.font.bold = Pt(20), True

    def text(value: str) -> None:
        for line in (value or "").split("\n"):
            if line.strip():
                p = doc.add_paragraph(line)
                p.paragraph_format.first_line_indent = Pt(24)

    text(report["text"].get("preamble") or form.default_preamble(year))
    for sec in form.sections:
        doc.add_paragraph().add_run(sec.heading).font.bold = True
        if sec.text:
            text(get_path(report, sec.text))
        if sec.table:
            _add_table(doc, form.table[sec.table], report, ruled)
        if scanned and sec.number == "一":  # a scanned attachment page among the text pages
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            doc.add_paragraph().add_run().add_picture(io.BytesIO(_scan_png()), width=Cm(15))
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    for line in (agency, f"{year + 1}年1月20日"):
        doc.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
