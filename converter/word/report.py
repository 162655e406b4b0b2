"""The official Word report (.docx) in the national layout, driven entirely by the form definition.

Speed and determinism come from the same design: everything that does not depend on the report
(styles, settings, footers, the table skeletons with every merge and width) is serialised ONCE per
process and form into WordprocessingML strings. A table skeleton is kept as a list of literal XML
segments with holes where the number cells go; per report we only fill the holes, build the
narrative paragraphs and zip the parts with fixed timestamps. Same input → same bytes.

Layout follows a house style (converter.engine.style.Style): by default GB/T 9704-2012 (see
shared/reference/format-2021.md, "Word conventions"): A4, margins 37/35/28/26 mm, named styles whose
East-Asian fonts are set as w:eastAsia, "— N —" page numbers right on odd and left on even pages.
The skeleton is built once per form and style.
"""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.base.zipout import Deflated, deflate, write_zip
from converter.engine.findings import Finding
from converter.engine.style import Style, default_style, font_alt
from converter.engine.printed import DRAFT_NOTICE, printed_report, run_in_heading, width_chars
from converter.form.definition import Form

# ---- units and page geometry ---------------------------------------------------------------
TWIPS_PER_MM = 1440 / 25.4


def mm(value: float) -> int:
    return round(value * TWIPS_PER_MM)


# The default style's geometry and fonts (templates/styles/gbt9704.json), for readers of this module;
# the writer itself takes every length, font and size from the Style it is given.
_D = default_style()
PAGE_W, PAGE_H = _D.page_w, _D.page_h  # A4 portrait in twips
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = _D.margin_top, _D.margin_bottom, _D.margin_left, _D.margin_right
TEXT_WIDTH = _D.text_width  # 156 mm type area
FONT_TITLE, FONT_H1, FONT_H2, FONT_BODY, FONT_PAGE, FONT_LATIN = (_D.font_title, _D.font_h1, _D.font_h2, _D.font_body,
                                                                  _D.font_page, _D.font_latin)
SZ_TITLE, SZ_BODY, SZ_PAGE, SZ_TABLE, SZ_TABLE_SMALL = _D.sz_title, _D.sz_body, _D.sz_page, _D.sz_table, _D.sz_table_small
LINE_BODY = _D.line_body  # fixed 28.9 pt: 22 lines in the 225 mm type area
ROW_MIN_HEIGHT = mm(6)  # "at least": long labels still wrap
SMALL_TABLE_COLS = 12  # tables this wide (表四: 15 columns) use 9 pt text

DRAFT_MARK = "草稿"
DRAFT_HEADER = DRAFT_NOTICE

FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

BODY_CHAR = '<w:rStyle w:val="BodyTextChar"/>'


# ---- small XML helpers ---------------------------------------------------------------------
def esc(text: str) -> str:
    """&, <, > and " escaped, as xml.sax.saxutils.escape(text, {'"': "&quot;"}) does (that module imports
    urllib.request, http.client, ssl and email: ~60 ms of start-up)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace('"', "&quot;")


def _after_table(s: Style) -> str:
    return f'<w:spacing w:before="{s.line_body // 2}"/>'


def _fonts(east_asia: str, latin: str) -> str:
    latin, east_asia = esc(latin), esc(east_asia)
    return f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" w:cs="{latin}"/>'


def _run(text: str, rpr: str = "") -> str:
    if not text:
        return ""
    rpr = f"<w:rPr>{rpr}</w:rPr>" if rpr else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{esc(text)}</w:t></w:r>'


def _para(style: str, text: str = "", ppr: str = "", rpr: str = "") -> str:
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{ppr}</w:pPr>{_run(text, rpr)}</w:p>'


# ---- styles --------------------------------------------------------------------------------
def _style(kind: str, sid: str, name: str, *, based: str | None = None, ppr: str = "", rpr: str = "",
           default: bool = False, extra: str = "", next_: str | None = None, tail: str = "") -> str:
    attrs = ' w:default="1"' if default else ""
    out = f'<w:style w:type="{kind}"{attrs} w:styleId="{sid}"><w:name w:val="{name}"/>'
    if based:
        out += f'<w:basedOn w:val="{based}"/>'
    if next_:
        out += f'<w:next w:val="{next_}"/>'
    out += '<w:qFormat/>' if kind == "paragraph" else ""
    out += extra
    if ppr:
        out += f"<w:pPr>{ppr}</w:pPr>"
    if rpr:
        out += f"<w:rPr>{rpr}</w:rPr>"
    return out + tail + "</w:style>"


def _indent_chars(chars: int, size_half_pt: int) -> str:
    # firstLineChars is what Word honours; firstLine (twips) is the fallback for other readers.
    return f'<w:ind w:firstLineChars="{chars * 100}" w:firstLine="{chars * size_half_pt * 10}"/>'


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


def styles_xml(s: Style | None = None) -> str:
    s = s or default_style()
    lat = s.font_latin
    body_spacing = f'<w:spacing w:before="0" w:after="0" w:line="{s.line_body}" w:lineRule="exact"/>'
    no_bold = '<w:b w:val="0"/><w:bCs w:val="0"/>'
    border = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(border.format(side=side) for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    styles = [
        _style("paragraph", "Normal", "Normal", default=True,
               ppr='<w:widowControl w:val="0"/><w:jc w:val="both"/>',
               rpr=_fonts(s.font_body, lat) + '<w:kern w:val="2"/>' + _size(s.sz_body)),
        _style("character", "DefaultParagraphFont", "Default Paragraph Font", default=True,
               extra="<w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/>"),
        _style("table", "TableNormal", "Normal Table", default=True,
               extra='<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w="0" '
                     'w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                     '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr>'),
        _style("numbering", "NoList", "No List", default=True,
               extra='<w:uiPriority w:val="99"/><w:semiHidden/><w:unhideWhenUsed/>'),
        _style("paragraph", "Title", "Title", based="Normal", next_="BodyText",
               ppr=f'<w:spacing w:before="0" w:after="{s.line_body}" w:line="{s.line_title}" w:lineRule="exact"/>'
                   '<w:jc w:val="center"/><w:outlineLvl w:val="9"/>',
               rpr=_fonts(s.font_title, s.font_title) + no_bold + _size(s.sz_title)),
        _style("paragraph", "BodyText", "Body Text", based="Normal",
               ppr=body_spacing + _indent_chars(2, s.sz_body),
               rpr=_fonts(s.font_body, lat) + _size(s.sz_body)),
        _style("paragraph", "Heading1", "heading 1", based="BodyText", next_="BodyText",
               ppr='<w:keepNext/><w:outlineLvl w:val="0"/>',
               rpr=_fonts(s.font_h1, s.font_h1) + no_bold + _size(s.sz_h1)),
        _style("paragraph", "Heading2", "heading 2", based="BodyText", next_="BodyText",
               ppr='<w:keepNext/><w:outlineLvl w:val="1"/>',
               rpr=_fonts(s.font_h2, s.font_h2) + no_bold + _size(s.sz_h2)),
        _style("character", "BodyTextChar", "Body Text Char", based="DefaultParagraphFont",
               rpr=_fonts(s.font_body, lat) + _size(s.sz_body)),
        _style("paragraph", "Signature", "Signature", based="BodyText",
               ppr=f'<w:ind w:firstLineChars="0" w:firstLine="0" w:rightChars="400" w:right="{4 * s.sz_body * 10}"/>'
                   '<w:jc w:val="right"/>'),
        _style("paragraph", "TableText", "Table Text", based="Normal",
               ppr='<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>'
                   '<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/>',
               rpr=_fonts(s.font_table, lat) + '<w:kern w:val="0"/>' + _size(s.sz_table)),
        _style("paragraph", "TableTextSmall", "Table Text Small", based="TableText",
               rpr=_size(s.sz_table_small)),
        _style("paragraph", "Header", "header", based="Normal",
               ppr='<w:jc w:val="center"/>',
               rpr=_fonts(s.font_h1, s.font_h1) + '<w:color w:val="C00000"/>' + _size(s.sz_page)),
        _style("paragraph", "Footer", "footer", based="Normal",
               ppr='<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>',
               rpr=_fonts(s.font_page, s.font_page) + _size(s.sz_page)),
        _style("table", "TableGrid", "Table Grid", based="TableNormal",
               extra='<w:uiPriority w:val="39"/>', tail=f'<w:tblPr><w:tblBorders>{borders}</w:tblBorders></w:tblPr>',
               rpr=_fonts(s.font_table, lat) + _size(s.sz_table)),
    ]
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:styles xmlns:w="{W_NS}">'
            '<w:docDefaults><w:rPrDefault><w:rPr>' + _fonts(s.font_body, lat) + _size(s.sz_body)
            + '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
            '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
            '</w:docDefaults>' + "".join(styles) + "</w:styles>")


def font_table_xml(s: Style | None = None) -> str:
    """Declare the style's fonts with GB2312 charset and common aliases, so readers can substitute."""
    s = s or default_style()
    fonts = [(s.font_latin, "", "00", "roman", "variable")]
    seen = {s.font_latin}
    for name in (s.font_body, s.font_title, s.font_h1, s.font_h2, s.font_table, s.font_page):
        if name in seen:
            continue
        seen.add(name)
        cjk = any(ord(ch) > 0x2E80 for ch in name)
        alt = font_alt(name)
        fonts.append((name, alt if alt != name else "", "86" if cjk else "00", "modern" if cjk else "roman",
                      "fixed" if cjk else "variable"))
    body = "".join(
        f'<w:font w:name="{esc(n)}">' + (f'<w:altName w:val="{esc(alt)}"/>' if alt else "")
        + f'<w:charset w:val="{cs}"/><w:family w:val="{fam}"/><w:pitch w:val="{pitch}"/></w:font>'
        for n, alt, cs, fam, pitch in fonts)
    return f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:fonts xmlns:w="{W_NS}">{body}</w:fonts>'


def settings_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:settings xmlns:w="{W_NS}">'
            '<w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>'
            '<w:characterSpacingControl w:val="compressPunctuation"/>'
            '<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" '
            'w:val="15"/></w:compat><w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>'
            '<w:decimalSymbol w:val="."/><w:listSeparator w:val=","/></w:settings>')


def theme_xml(s: Style | None = None) -> str:
    """The theme part Word expects beside every document (colours, fonts, effects), kept minimal:
    Office's default colours; the theme fonts are the report's Latin and body fonts."""
    s = s or default_style()
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    colours = [("dk1", '<a:sysClr val="windowText" lastClr="000000"/>'),
               ("lt1", '<a:sysClr val="window" lastClr="FFFFFF"/>'),
               ("dk2", '<a:srgbClr val="44546A"/>'), ("lt2", '<a:srgbClr val="E7E6E6"/>'),
               ("accent1", '<a:srgbClr val="4472C4"/>'), ("accent2", '<a:srgbClr val="ED7D31"/>'),
               ("accent3", '<a:srgbClr val="A5A5A5"/>'), ("accent4", '<a:srgbClr val="FFC000"/>'),
               ("accent5", '<a:srgbClr val="5B9BD5"/>'), ("accent6", '<a:srgbClr val="70AD47"/>'),
               ("hlink", '<a:srgbClr val="0563C1"/>'), ("folHlink", '<a:srgbClr val="954F72"/>')]
    clr = "".join(f"<a:{name}>{value}</a:{name}>" for name, value in colours)

    def font(ea: str) -> str:
        return (f'<a:latin typeface="{esc(s.font_latin)}"/><a:ea typeface="{esc(ea)}"/>'
                f'<a:cs typeface="{esc(s.font_latin)}"/>')

    solid = '<a:solidFill><a:schemeClr val="phClr"/></a:solidFill>'
    line = f'<a:ln w="6350" cap="flat" cmpd="sng" algn="ctr">{solid}<a:prstDash val="solid"/></a:ln>'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<a:theme xmlns:a="{a}" name="Office">'
            f'<a:themeElements><a:clrScheme name="Office">{clr}</a:clrScheme>'
            f'<a:fontScheme name="converter"><a:majorFont>{font(s.font_h1)}</a:majorFont>'
            f'<a:minorFont>{font(s.font_body)}</a:minorFont></a:fontScheme>'
            f'<a:fmtScheme name="Office"><a:fillStyleLst>{solid * 3}</a:fillStyleLst>'
            f'<a:lnStyleLst>{line * 3}</a:lnStyleLst>'
            f'<a:effectStyleLst>{"<a:effectStyle><a:effectLst/></a:effectStyle>" * 3}</a:effectStyleLst>'
            f'<a:bgFillStyleLst>{solid * 3}</a:bgFillStyleLst></a:fmtScheme></a:themeElements>'
            '<a:objectDefaults/><a:extraClrSchemeLst/></a:theme>')


def _page_field(s: Style) -> str:
    rpr = "<w:rPr>" + _fonts(s.font_page, s.font_page) + "</w:rPr>"
    before, after = s.page_affixes
    return ((f'<w:r>{rpr}<w:t xml:space="preserve">{esc(before)}</w:t></w:r>' if before else "")
            + f'<w:r>{rpr}<w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r>{rpr}<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="separate"/></w:r>'
            f'<w:r>{rpr}<w:t>1</w:t></w:r>'
            f'<w:r>{rpr}<w:fldChar w:fldCharType="end"/></w:r>'
            + (f'<w:r>{rpr}<w:t xml:space="preserve">{esc(after)}</w:t></w:r>' if after else ""))


def footer_xml(odd: bool, s: Style | None = None) -> str:
    """Position "outside" (GB/T 9704): odd pages right-aligned one character in from the edge, even
    pages left-aligned; "center", "left" or "right": the same on every page."""
    s = s or default_style()
    one_char = s.sz_page * 10
    side = s.page_position if s.page_position != "outside" else ("right" if odd else "left")
    # schema order: ind before jc
    ppr = {"right": f'<w:ind w:right="{one_char}"/><w:jc w:val="right"/>',
           "left": f'<w:ind w:left="{one_char}"/><w:jc w:val="left"/>'}.get(side, '<w:jc w:val="center"/>')
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:ftr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            f'<w:p><w:pPr><w:pStyle w:val="Footer"/>{ppr}</w:pPr>{_page_field(s)}</w:p></w:ftr>')


def header_xml() -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:hdr xmlns:w="{W_NS}" xmlns:r="{R_NS}">'
            + _para("Header", DRAFT_HEADER) + "</w:hdr>")


# ---- tables --------------------------------------------------------------------------------
def column_widths(table, s: Style | None = None) -> list[int]:
    """The definition's relative column widths scaled to the type area, in twips (sum exact)."""
    text_width = (s or default_style()).text_width
    total = sum(table.col_widths)
    widths = [round(text_width * w / total) for w in table.col_widths]
    widths[-1] = text_width - sum(widths[:-1])
    return widths


@dataclass(frozen=True)
class TableSkeleton:
    """A table serialised once: literal segments with holes (index → NumberCell) for the values."""

    parts: tuple[str, ...]
    holes: tuple[tuple[int, object], ...]
    style: str


def build_table(table, s: Style | None = None) -> TableSkeleton:
    s = s or default_style()
    widths = column_widths(table, s)
    style = "TableTextSmall" if table.cols >= SMALL_TABLE_COLS else "TableText"
    border = '<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
    borders = "".join(border.format(side=s) for s in ("top", "left", "bottom", "right", "insideH", "insideV"))
    parts: list[str] = [
        '<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/>'
        f'<w:tblW w:w="{s.text_width}" w:type="dxa"/><w:jc w:val="center"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:top w:w="15" w:type="dxa"/><w:left w:w="45" w:type="dxa"/>'
        '<w:bottom w:w="15" w:type="dxa"/><w:right w:w="45" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" '
        'w:noHBand="0" w:noVBand="0"/></w:tblPr>'
        "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"
    ]
    holes: list[tuple[int, object]] = []
    grid = table.grid()
    for r in range(1, table.rows + 1):
        trpr = (f'<w:cantSplit/><w:trHeight w:val="{ROW_MIN_HEIGHT}"/>'
                + ("<w:tblHeader/>" if r <= table.header_rows else ""))
        parts.append(f"<w:tr><w:trPr>{trpr}</w:trPr>")
        # a row of labels only (a 第二十条 sub-heading, a column header) stays on the page of the row below it
        keep = "" if any(hasattr(slot, "key") for slot in grid[r - 1]) else "<w:keepNext/>"
        c = 1
        while c <= table.cols:
            cell = grid[r - 1][c - 1]
            cs = cell.cs
            width = sum(widths[c - 1:c - 1 + cs])
            tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
            if cs > 1:
                tcpr += f'<w:gridSpan w:val="{cs}"/>'
            origin = cell.r == r
            if cell.rs > 1:
                tcpr += '<w:vMerge w:val="restart"/>' if origin else "<w:vMerge/>"
            tcpr += '<w:vAlign w:val="center"/>'
            ppr = f'<w:pPr><w:pStyle w:val="{style}"/>{keep}</w:pPr>'
            if not origin:
                parts.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p>{ppr}</w:p></w:tc>")
            elif hasattr(cell, "key"):
                parts.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p>{ppr}")
                holes.append((len(parts), cell))
                parts.append("")
                parts.append("</w:p></w:tc>")
            else:
                if r > table.header_rows > 0 and cell.rs == 1:
                    # row labels under a header (表三's 25 rows) read better flush left, as in the official form
                    ppr = f'<w:pPr><w:pStyle w:val="{style}"/>{keep}<w:jc w:val="left"/></w:pPr>'
                parts.append(f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p>{ppr}{_run(cell.text)}</w:p></w:tc>")
            c += cs
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    # merge adjacent literals so filling joins few strings
    hole_at = dict(holes)
    merged: list[str] = []
    merged_holes: list[tuple[int, object]] = []
    literal = True
    for i, part in enumerate(parts):
        if i in hole_at:
            merged_holes.append((len(merged), hole_at[i]))
            merged.append("")
            literal = False
        elif merged and literal:
            merged[-1] += part
        else:
            merged.append(part)
            literal = True
    return TableSkeleton(tuple(merged), tuple(merged_holes), style)


# ---- values and text ----------------------------------------------------------------------
TITLE_CHARS_PER_LINE = 20  # 156 mm of 22 pt characters


def _title_para(title: str, name: str) -> str:
    """A title too long for one line breaks before the form's name ("衡阳市商务局2025年" /
    "政府信息公开工作年度报告") rather than wherever the line fills, which can strand one character."""
    head, sep, tail = title.rpartition(name)
    if not sep or not head or width_chars(title) <= TITLE_CHARS_PER_LINE:
        return _para("Title", title)
    runs = _run(head) + "<w:r><w:br/></w:r>" + _run(name + tail)
    return f'<w:p><w:pPr><w:pStyle w:val="Title"/></w:pPr>{runs}</w:p>'


def signature(agency: str, date_text: str, s: Style | None = None) -> list[str]:
    """GB/T 9704 7.3.5: the date 4 characters in from the right, the agency centred over the date;
    an agency name longer than the date sits 2 characters in, with the date centred under it."""
    sz_body = (s or default_style()).sz_body
    w_agency, w_date = width_chars(agency), width_chars(date_text)
    if w_agency <= w_date:
        right = {"agency": 4 + (w_date - w_agency) / 2, "date": 4.0}
    else:
        right = {"agency": 2.0, "date": 2 + (w_agency - w_date) / 2}

    def ppr(chars: float) -> str:
        return (f'<w:ind w:firstLineChars="0" w:firstLine="0" w:rightChars="{round(chars * 100)}" '
                f'w:right="{round(chars * sz_body * 10)}"/>')

    return [_para("Signature", agency, ppr(right["agency"])) if agency else "",
            _para("Signature", date_text, ppr(right["date"]))]


def narrative_para(style: str, line: str) -> str:
    """A narrative paragraph. "（一）主动公开。全年……" keeps its heading part in the level-2 style and
    sets the sentence that follows in body type (character style Body Text Char), as GB/T 9704 practice does."""
    if style == "Heading2":
        split = run_in_heading(line)
        if split:
            return (f'<w:p><w:pPr><w:pStyle w:val="Heading2"/></w:pPr>{_run(split[0])}'
                    f'{_run(split[1], BODY_CHAR)}</w:p>')
    return _para(style, line)


# ---- the package ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Skeleton:
    """Everything about a form's document that does not depend on the report."""

    form_id: str
    tables: dict
    static_parts: dict  # zip member name → bytes (styles, settings, fonts, footers, header)
    sect_pr: str
    sect_pr_draft: str
    style: Style


def _sect_pr(draft: bool, s: Style) -> str:
    refs = ""
    if draft:
        refs += '<w:headerReference w:type="default" r:id="rIdHdr"/><w:headerReference w:type="even" r:id="rIdHdr"/>'
    refs += '<w:footerReference w:type="default" r:id="rIdFtrOdd"/><w:footerReference w:type="even" r:id="rIdFtrEven"/>'
    orient = ' w:orient="landscape"' if s.page_w > s.page_h else ""
    return (f'<w:sectPr>{refs}<w:pgSz w:w="{s.page_w}" w:h="{s.page_h}"{orient}/>'
            f'<w:pgMar w:top="{s.margin_top}" w:right="{s.margin_right}" w:bottom="{s.margin_bottom}" '
            f'w:left="{s.margin_left}" w:header="{s.header_dist}" w:footer="{s.footer_dist}" w:gutter="0"/>'
            '<w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>')


_SKELETONS: dict[tuple[int, Style], tuple[Form, Skeleton]] = {}


def skeleton(form: Form, style: Style | None = None) -> Skeleton:
    """Built once per process, form and style (the expensive part), reused for every report."""
    style = style or default_style()
    cached = _SKELETONS.get((id(form), style))
    if cached is not None and cached[0] is form:
        return cached[1]
    skel = _build_skeleton(form, style)
    _SKELETONS[(id(form), style)] = (form, skel)  # holding the form keeps its id from being reused
    return skel


def _build_skeleton(form: Form, style: Style) -> Skeleton:
    from lxml import etree  # verify once that every static part is well-formed XML

    static = {
        "word/styles.xml": styles_xml(style),
        "word/settings.xml": settings_xml(),
        "word/fontTable.xml": font_table_xml(style),
        "word/footer1.xml": footer_xml(True, style),
        "word/footer2.xml": footer_xml(False, style),
        "word/header1.xml": header_xml(),
        "word/theme/theme1.xml": theme_xml(style),
    }
    for name, xml in static.items():
        etree.fromstring(xml.encode("utf-8"))
    tables = {t.id: build_table(t, style) for t in form.tables}
    return Skeleton(form.id, tables, {k: v.encode("utf-8") for k, v in static.items()},
                    _sect_pr(False, style), _sect_pr(True, style), style)


def _content_types(draft: bool) -> str:
    wml = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    over = [("/word/document.xml", f"{wml}.document.main+xml"), ("/word/styles.xml", f"{wml}.styles+xml"),
            ("/word/settings.xml", f"{wml}.settings+xml"), ("/word/fontTable.xml", f"{wml}.fontTable+xml"),
            ("/word/footer1.xml", f"{wml}.footer+xml"), ("/word/footer2.xml", f"{wml}.footer+xml"),
            ("/word/theme/theme1.xml", "application/vnd.openxmlformats-officedocument.theme+xml"),
            ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
            ("/docProps/app.xml", "application/vnd.openxmlformats-officedocument.extended-properties+xml")]
    if draft:
        over.append(("/word/header1.xml", f"{wml}.header+xml"))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in over) + "</Types>")


def _rels(items) -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{REL_NS}">'
            + "".join(f'<Relationship Id="{i}" Type="{t}" Target="{target}"/>' for i, t, target in items)
            + "</Relationships>")


_ROOT_RELS = _rels([
    ("rId1", f"{DOC_REL}/officeDocument", "word/document.xml"),
    ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
     "docProps/core.xml"),
    ("rId3", f"{DOC_REL}/extended-properties", "docProps/app.xml"),
])


def _document_rels(draft: bool) -> str:
    items = [("rIdStyles", f"{DOC_REL}/styles", "styles.xml"),
             ("rIdSettings", f"{DOC_REL}/settings", "settings.xml"),
             ("rIdFonts", f"{DOC_REL}/fontTable", "fontTable.xml"),
             ("rIdFtrOdd", f"{DOC_REL}/footer", "footer1.xml"),
             ("rIdFtrEven", f"{DOC_REL}/footer", "footer2.xml"),
             ("rIdTheme", f"{DOC_REL}/theme", "theme/theme1.xml")]
    if draft:
        items.append(("rIdHdr", f"{DOC_REL}/header", "header1.xml"))
    return _rels(items)


def _core_xml(title: str, agency: str, stamp: str, form: Form) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{esc(title)}</dc:title><dc:subject>{esc(form.name)}</dc:subject>"
            f"<dc:creator>{esc(agency)}</dc:creator><cp:keywords>{esc(form.basis)}</cp:keywords>"
            "<cp:lastModifiedBy>converter</cp:lastModifiedBy><cp:revision>1</cp:revision>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>")


_APP_XML = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            "<Application>converter</Application><DocSecurity>0</DocSecurity></Properties>")


def _stamp(report: dict, sign_date: _dt.date | None) -> str:
    """A fixed document date derived from the input (never the clock): the sign date or 1 Jan next year."""
    if sign_date is not None:
        return f"{sign_date.isoformat()}T00:00:00Z"
    year = report.get("year")
    if isinstance(year, int) and not isinstance(year, bool) and 1900 <= year <= 9998:
        return f"{year + 1:04d}-01-01T00:00:00Z"
    return "2000-01-01T00:00:00Z"


def _zip(members: list[tuple[str, bytes | Deflated]]) -> bytes:
    return write_zip(members, FIXED_ZIP_TIME, level=6)


_ONCE: dict[bytes, Deflated] = {}  # a skeleton's unchanging parts, compressed once per process


def _once(data: bytes) -> Deflated:
    part = _ONCE.get(data)
    if part is None:
        if len(_ONCE) > 64:  # styles come and go (house styles): a few skeletons' worth
            _ONCE.clear()
        part = _ONCE[data] = deflate(data, 6)
    return part


def build_report(report: dict, form: Form, *, blank_as_zero: bool = False, sign_date: _dt.date | None = None,
                 draft: bool = False, style: Style | None = None) -> tuple[bytes, list[Finding]]:
    """The .docx bytes for one report in `style` (default GB/T 9704), and findings about what had to be
    changed to write it."""
    skel = skeleton(form, style)
    printed = printed_report(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft)
    title, agency = printed.title, printed.agency

    body: list[str] = [_title_para(title, form.name)]
    body.extend(_para("BodyText", text) for text in printed.preamble)
    last_is_table = False
    for section in printed.sections:
        # a heading right under a table gets half a line of air
        body.append(_para("Heading1", section.heading, _after_table(skel.style) if last_is_table else ""))
        last_is_table = False
        for style, line in section.paragraphs:
            body.append(narrative_para(style, line))
        if section.table is not None:
            tskel = skel.tables[section.table.id]
            parts = list(tskel.parts)
            for index, cell in tskel.holes:
                parts[index] = _run(section.values[cell.key])
            body.append("".join(parts))
            last_is_table = True
    if printed.sign_date is not None:
        body.append(_para("BodyText"))
        body.extend(signature(agency, printed.sign_date, skel.style))
        last_is_table = False
    if last_is_table:
        body.append(_para("BodyText"))
    document = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<w:document xmlns:w="{W_NS}" xmlns:r="{R_NS}"><w:body>'
                + "".join(body) + (skel.sect_pr_draft if draft else skel.sect_pr) + "</w:body></w:document>")

    static = skel.static_parts
    members = [
        ("[Content_Types].xml", _content_types(draft).encode()),
        ("_rels/.rels", _ROOT_RELS.encode()),
        ("docProps/core.xml", _core_xml(title, agency, _stamp(report, sign_date), form).encode("utf-8")),
        ("docProps/app.xml", _APP_XML.encode()),
        ("word/document.xml", document.encode("utf-8")),
        ("word/_rels/document.xml.rels", _document_rels(draft).encode()),
        ("word/styles.xml", _once(static["word/styles.xml"])),
        ("word/settings.xml", _once(static["word/settings.xml"])),
        ("word/fontTable.xml", _once(static["word/fontTable.xml"])),
        ("word/footer1.xml", _once(static["word/footer1.xml"])),
        ("word/footer2.xml", _once(static["word/footer2.xml"])),
        ("word/theme/theme1.xml", _once(static["word/theme/theme1.xml"])),
    ]
    if draft:
        members.append(("word/header1.xml", _once(static["word/header1.xml"])))
    return _zip(members), printed.findings


def write_atomic(data: bytes, out_path: str | os.PathLike) -> Path:
    """Complete or absent: the project's atomic writer (temp file beside the target, fsync, os.replace)."""
    out = Path(out_path)
    write_bytes(out, data)  # refuses a folder (output.is_directory)
    return out


def write_report(report: dict, form: Form, out_path: str | os.PathLike, *, blank_as_zero: bool = False,
                 sign_date: _dt.date | None = None, draft: bool = False, style: Style | None = None) -> list[Finding]:
    """Write the official Word report for `report` to out_path (atomically); returns cleaning findings."""
    data, findings = build_report(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft,
                                  style=style)
    write_atomic(data, out_path)
    return findings
