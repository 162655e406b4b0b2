"""The house style: page setup, fonts and sizes, line spacing and page numbers of a report — one
definition that the Word writer, the web page and (through the .docx) the PDF all take.

Bundled styles are data files, templates/styles/<name>.json (GB/T 9704-2012 is the default; `gbk`
swaps in the 方正 _GBK fonts). `style_from_reference` reads a Word document an agency hands out, as
pandoc's --reference-doc does: the last section's page size and margins, the fonts and sizes of the
styles 标题/标题 1/标题 2/正文 (Title, heading 1, heading 2, Normal) and of a table style, the body line
spacing and the footer's page number. What the document does not say comes from the default style,
with an info finding that names it.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from converter.base.files import read_bytes
from converter.base.refusals import refuse
from converter.base.sniff import open_safe_zip, read_part
from converter.engine.findings import Finding, Location
from converter.form.definition import data_dir

DEFAULT_STYLE_NAME = "gbt9704"
MAX_REFERENCE_BYTES = 50 * 1024 * 1024
TWIPS_PER_MM = 1440 / 25.4
POSITIONS = ("outside", "center", "left", "right")  # outside: odd pages right, even pages left


def mm(value: float) -> int:
    return round(value * TWIPS_PER_MM)


@dataclass(frozen=True)
class Style:
    """Lengths in twips (1/20 pt), font sizes in half-points — the units of WordprocessingML."""

    name: str
    page_w: int
    page_h: int
    margin_top: int
    margin_bottom: int
    margin_left: int
    margin_right: int
    header_dist: int
    footer_dist: int
    font_title: str
    font_h1: str
    font_h2: str
    font_body: str
    font_table: str
    font_page: str
    font_latin: str
    sz_title: int
    sz_h1: int
    sz_h2: int
    sz_body: int
    sz_table: int
    sz_table_small: int
    sz_page: int
    line_body: int  # exact line pitch of body text
    line_title: int
    page_text: str = "— {} —"  # "{}" is the page number
    page_position: str = "outside"

    @property
    def text_width(self) -> int:
        return self.page_w - self.margin_left - self.margin_right

    @property
    def key(self) -> str:
        """A short fingerprint: outputs made with another style are not reused."""
        data = json.dumps(asdict(self), ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hashlib.sha256(data).hexdigest()[:16]

    @property
    def page_affixes(self) -> tuple[str, str]:
        """The text before and after the page number."""
        before, _, after = self.page_text.partition("{}")
        return before, after


def _half_points(pt: float) -> int:
    return round(pt * 2)


def style_from_dict(d: dict) -> Style:
    page, margin, fonts, sizes, line, number = (d["page"], d["page"]["margin_mm"], d["fonts"], d["sizes_pt"],
                                                d["line_pt"], d["page_number"])
    return Style(
        name=d["name"], page_w=mm(page["width_mm"]), page_h=mm(page["height_mm"]),
        margin_top=mm(margin["top"]), margin_bottom=mm(margin["bottom"]), margin_left=mm(margin["left"]),
        margin_right=mm(margin["right"]), header_dist=mm(page["header_mm"]), footer_dist=mm(page["footer_mm"]),
        font_title=fonts["title"], font_h1=fonts["heading1"], font_h2=fonts["heading2"], font_body=fonts["body"],
        font_table=fonts["table"], font_page=fonts["page_number"], font_latin=fonts["latin"],
        sz_title=_half_points(sizes["title"]), sz_h1=_half_points(sizes["heading1"]),
        sz_h2=_half_points(sizes["heading2"]), sz_body=_half_points(sizes["body"]),
        sz_table=_half_points(sizes["table"]), sz_table_small=_half_points(sizes["table_small"]),
        sz_page=_half_points(sizes["page_number"]), line_body=round(line["body"] * 20),
        line_title=round(line["title"] * 20), page_text=number["text"], page_position=number["position"])


def bundled_styles() -> list[str]:
    return sorted(p.stem for p in (data_dir("templates") / "styles").glob("*.json"))


_BUNDLED: dict[str, Style] = {}


def bundled_style(name: str) -> Style:
    if name not in _BUNDLED:
        path = data_dir("templates") / "styles" / f"{name}.json"
        _BUNDLED[name] = style_from_dict(json.loads(path.read_text(encoding="utf-8")))
    return _BUNDLED[name]


def default_style() -> Style:
    return bundled_style(DEFAULT_STYLE_NAME)


def load_style(spec: "str | os.PathLike | Style | None") -> tuple[Style, list[Finding]]:
    """`--style`: nothing (the default), a bundled name (gbt9704, gbk) or a reference .docx."""
    if spec is None:
        return default_style(), []
    if isinstance(spec, Style):
        return spec, []
    text = os.fspath(spec)
    if text in bundled_styles():
        return bundled_style(text), []
    path = Path(text)
    if path.exists():
        return style_from_reference(path)
    raise refuse("style.unknown", path, names="、".join(bundled_styles()))


# ---- fonts: fallbacks by family, for the font table and the web page -----------------------------
# (a word in the font's name, the alternative Word may use, the CSS fallbacks)
FONT_FAMILIES = (
    ("仿宋", "仿宋", "'仿宋_GB2312','仿宋',FangSong,STFangsong,serif"),
    ("楷", "楷体", "'楷体_GB2312','楷体',KaiTi,STKaiti,serif"),
    ("黑", "SimHei", "'黑体',SimHei,'Heiti SC','Microsoft YaHei',sans-serif"),
    ("小标宋", "宋体", "'方正小标宋简体','方正小标宋_GBK','华文中宋',STZhongsong,'宋体',SimSun,serif"),
    ("宋", "SimSun", "'宋体',SimSun,'Songti SC',serif"),
)


def font_alt(name: str) -> str:
    return next((alt for word, alt, _ in FONT_FAMILIES if word in name), "")


def css_font_stack(name: str) -> str:
    """The font first, then the common fallbacks of its family (duplicates dropped)."""
    fallback = next((css for word, _, css in FONT_FAMILIES if word in name), "serif")
    out = [f"'{name}'"]
    for item in fallback.split(","):
        if item.strip("'") != name and item not in out:
            out.append(item)
    return ",".join(out)


# ---- the reference document ----------------------------------------------------------------------
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
PR = "{http://schemas.openxmlformats.org/package/2006/relationships}"
RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
# what each part is called in the finding (as Word and WPS name it in Chinese)
PART_NAMES = {"page": "页面设置", "title": "样式“标题”", "h1": "样式“标题 1”", "h2": "样式“标题 2”", "body": "样式“正文”",
              "table": "表格样式", "line": "正文行距", "page_number": "页码（页脚中的 PAGE 域）", "latin": "西文字体"}


# what a reference document may set: beyond these it is a mistake (or hostile), and the default is used
PAGE_RANGE = (mm(90), mm(600))  # each side of the paper
MIN_TYPE_AREA = mm(60)  # width and height inside the margins
SIZE_RANGE = (10, 144)  # half-points: 5 pt … 72 pt
LINE_RANGE = (100, 2000)  # twips: 5 pt … 100 pt
MAX_PAGE_TEXT = 20
_UNSAFE_FONT = re.compile(r"[<>&\"';{}\\\x00-\x1f\x7f]")


def _font_name(name: str | None) -> str | None:
    """A font name safe in XML and in an inline CSS style, or None."""
    name = (name or "").strip()
    return name if name and len(name) <= 64 and not _UNSAFE_FONT.search(name) else None


def _in(value: int | None, bounds: tuple[int, int]) -> int | None:
    return value if value is not None and bounds[0] <= value <= bounds[1] else None


def _int(el, attr: str) -> int | None:
    if el is None:
        return None
    value = el.get(W + attr)
    try:
        return abs(int(float(value))) if value is not None else None
    except ValueError:
        return None


class _Styles:
    """styles.xml with basedOn inheritance and theme fonts resolved."""

    def __init__(self, root, theme):
        self.by_id = {s.get(W + "styleId"): s for s in root.iter(W + "style")}
        self.by_name = {}
        for s in root.iter(W + "style"):
            name = s.find(W + "name")
            if name is not None:
                self.by_name.setdefault((s.get(W + "type"), (name.get(W + "val") or "").lower()), s)
        defaults = root.find(f"{W}docDefaults")
        self.rpr_default = defaults.find(f"{W}rPrDefault/{W}rPr") if defaults is not None else None
        self.ppr_default = defaults.find(f"{W}pPrDefault/{W}pPr") if defaults is not None else None
        self.theme = theme

    def find(self, kind: str, *names: str):
        for name in names:
            s = self.by_name.get((kind, name.lower()))
            if s is not None:
                return s
        return None

    def chain(self, style):
        seen = set()
        while style is not None and id(style) not in seen:
            seen.add(id(style))
            yield style
            based = style.find(W + "basedOn")
            style = self.by_id.get(based.get(W + "val")) if based is not None else None

    def _rprs(self, style):
        for s in self.chain(style):
            rpr = s.find(W + "rPr")
            if rpr is not None:
                yield rpr
        if self.rpr_default is not None:
            yield self.rpr_default

    def font(self, style, script: str) -> str | None:
        """script: eastAsia or ascii. A theme font (majorEastAsia …), looked up in the theme, wins over
        the named one, as in Word."""
        for rpr in self._rprs(style):
            fonts = rpr.find(W + "rFonts")
            if fonts is None:
                continue
            theme = fonts.get(W + script + "Theme")
            if theme and self.theme.get(theme):
                return self.theme[theme]
            if fonts.get(W + script):
                return fonts.get(W + script)
        return None

    def size(self, style) -> int | None:
        for rpr in self._rprs(style):
            value = _int(rpr.find(W + "sz"), "val")
            if value:
                return value
        return None

    def spacing(self, style) -> tuple[int, str] | None:
        pprs = [s.find(W + "pPr") for s in self.chain(style)] + [self.ppr_default]
        for ppr in pprs:
            sp = ppr.find(W + "spacing") if ppr is not None else None
            if sp is not None and sp.get(W + "line"):
                return _int(sp, "line") or 0, sp.get(W + "lineRule") or "auto"
        return None


def _theme_fonts(zf, names, path) -> dict[str, str]:
    """majorEastAsia/minorEastAsia/majorHAnsi … → typeface, from word/theme/theme1.xml."""
    out: dict[str, str] = {}
    part = "word/theme/theme1.xml"
    if part not in names:
        return out
    try:
        root = ET.fromstring(read_part(zf, part, path))
    except ET.ParseError:
        return out
    for kind in ("major", "minor"):
        font = root.find(f".//{A}{kind}Font")
        if font is None:
            continue
        latin = font.find(A + "latin")
        ea = font.find(A + "ea")
        hans = next((f.get("typeface") for f in font.findall(A + "font") if f.get("script") == "Hans"), None)
        latin_face = latin.get("typeface") if latin is not None else None
        ea_face = (ea.get("typeface") if ea is not None else None) or hans
        for suffix, face in (("Ascii", latin_face), ("HAnsi", latin_face), ("EastAsia", ea_face), ("Bidi", latin_face)):
            if face:
                out[kind + suffix] = face
    return out


def _rels(zf, names, path, part: str) -> dict[str, str]:
    folder, _, base = part.rpartition("/")
    rels = f"{folder}/_rels/{base}.rels"
    if rels not in names:
        return {}
    root = ET.fromstring(read_part(zf, rels, path))
    return {r.get("Id"): f"{folder}/{r.get('Target', '').lstrip('/')}" for r in root.iter(PR + "Relationship")}


def _footer_number(zf, names, path, footer_part: str):
    """(text around the number with "{}", alignment, east-asian font, size) of the footer's PAGE field."""
    if footer_part not in names:
        return None
    root = ET.fromstring(read_part(zf, footer_part, path))
    for p in root.iter(W + "p"):
        before, after, state, found, rpr = [], [], "before", False, None
        for el in p.iter():
            if el.tag == W + "fldSimple" and "PAGE" in (el.get(W + "instr") or "").split():
                found, state = True, "after"
                rpr = el.find(f".//{W}rPr")
            elif el.tag == W + "instrText" and "PAGE" in (el.text or "").split():
                found, state = True, "field"
            elif el.tag == W + "fldChar" and el.get(W + "fldCharType") == "begin" and state == "before":
                state = "maybe"
            elif el.tag == W + "fldChar" and el.get(W + "fldCharType") == "end" and state == "field":
                state = "after"
            elif el.tag == W + "rPr" and state == "field" and rpr is None:
                rpr = el
            elif el.tag == W + "t":
                if state in ("before", "maybe") and not found:
                    before.append(el.text or "")
                elif state == "after" and not _inside_fld_simple(p, el):
                    after.append(el.text or "")
        if not found:
            continue
        jc = p.find(f"{W}pPr/{W}jc")
        align = {"both": "left", "start": "left", "end": "right"}.get(jc.get(W + "val"), jc.get(W + "val")) \
            if jc is not None else None
        font = size = None
        if rpr is not None:
            fonts = rpr.find(W + "rFonts")
            font = fonts.get(W + "eastAsia") or fonts.get(W + "ascii") if fonts is not None else None
            size = _int(rpr.find(W + "sz"), "val")
        return "".join(before) + "{}" + "".join(after), align, font, size
    return None


def _inside_fld_simple(p, t) -> bool:
    return any(t in list(f.iter()) for f in p.iter(W + "fldSimple"))


def style_from_reference(path: str | os.PathLike) -> tuple[Style, list[Finding]]:
    """The house style of a Word document (see the module's docstring); refuses a file that is no .docx."""
    path = Path(path)
    data = read_bytes(path, MAX_REFERENCE_BYTES)
    if not data.startswith(b"PK"):
        raise refuse("style.not_docx", path)
    zf = open_safe_zip(data, path)
    try:
        names = set(zf.namelist())
        if "word/document.xml" not in names:
            raise refuse("style.not_docx", path)
        try:
            return _read_reference(zf, names, path)
        except ET.ParseError:
            raise refuse("style.not_docx", path) from None
    finally:
        zf.close()


def _read_reference(zf, names, path: Path) -> tuple[Style, list[Finding]]:
    base = default_style()
    got: dict = {}
    missing: list[str] = []
    document = ET.fromstring(read_part(zf, "word/document.xml", path))
    sects = list(document.iter(W + "sectPr"))
    sect = sects[-1] if sects else None
    size = sect.find(W + "pgSz") if sect is not None else None
    margin = sect.find(W + "pgMar") if sect is not None else None
    page = {}
    if size is not None and _in(_int(size, "w"), PAGE_RANGE) and _in(_int(size, "h"), PAGE_RANGE):
        page.update(page_w=_int(size, "w"), page_h=_int(size, "h"))
    if margin is not None and all(_int(margin, s) is not None for s in ("top", "bottom", "left", "right")):
        page.update(margin_top=_int(margin, "top"), margin_bottom=_int(margin, "bottom"),
                    margin_left=_int(margin, "left"), margin_right=_int(margin, "right"))
        for attr, field_ in (("header", "header_dist"), ("footer", "footer_dist")):
            if _int(margin, attr) is not None:
                page[field_] = _int(margin, attr)
    trial = replace(base, **page)
    if len(page) >= 6 and trial.text_width >= MIN_TYPE_AREA and \
            trial.page_h - trial.margin_top - trial.margin_bottom >= MIN_TYPE_AREA:
        got.update(page)
    else:  # all or nothing: margins of one paper on another make no sense
        missing.append("page")

    styles = None
    if "word/styles.xml" in names:
        styles = _Styles(ET.fromstring(read_part(zf, "word/styles.xml", path)), _theme_fonts(zf, names, path))
    wanted = {"title": ("paragraph", ("Title",), "font_title", "sz_title"),
              "h1": ("paragraph", ("heading 1",), "font_h1", "sz_h1"),
              "h2": ("paragraph", ("heading 2",), "font_h2", "sz_h2"),
              "body": ("paragraph", ("Normal", "Body Text"), "font_body", "sz_body"),
              "table": ("table", ("Table Grid",), "font_table", "sz_table")}
    for part, (kind, style_names, font_field, size_field) in wanted.items():
        style = styles.find(kind, *style_names) if styles is not None else None
        if style is None and kind == "table" and styles is not None:  # any table style that sets type
            style = next((s for s in styles.by_id.values() if s.get(W + "type") == "table"
                          and s.find(W + "rPr") is not None), None)
        font = _font_name(styles.font(style, "eastAsia")) if style is not None else None
        size_ = _in(styles.size(style), SIZE_RANGE) if style is not None else None
        if font:
            got[font_field] = font
        if size_:
            got[size_field] = size_
        if not font or not size_:
            missing.append(part)
    normal = styles.find("paragraph", "Normal") if styles is not None else None
    latin = _font_name(styles.font(normal, "ascii")) if normal is not None else None
    if latin:
        got["font_latin"] = latin
    else:
        missing.append("latin")
    body_size = got.get("sz_body", base.sz_body)
    if "sz_table" in got:
        got["sz_table_small"] = min(got["sz_table"], round(got["sz_table"] * base.sz_table_small / base.sz_table))
    # body paragraphs: Body Text (正文文本) where the document has it, which inherits from Normal (正文)
    body_text = styles.find("paragraph", "Body Text") if styles is not None else None
    body_para = body_text if body_text is not None else normal
    spacing = styles.spacing(body_para) if body_para is not None else None
    line = None
    if spacing and spacing[1] in ("exact", "atLeast"):
        line = _in(spacing[0], LINE_RANGE)
    elif spacing:  # a multiple of single spacing (240 = single ≈ 1.3 × the font size)
        line = _in(round(spacing[0] / 240 * body_size * 10 * 1.3), LINE_RANGE)
    if line:
        got["line_body"] = line
    else:
        missing.append("line")
    title = styles.find("paragraph", "Title") if styles is not None else None
    title_spacing = styles.spacing(title) if title is not None else None
    if title_spacing and title_spacing[1] in ("exact", "atLeast") and _in(title_spacing[0], LINE_RANGE):
        got["line_title"] = title_spacing[0]
    else:
        title_size = got.get("sz_title", base.sz_title)
        got["line_title"] = max(round(base.line_title * title_size / base.sz_title), title_size * 10)

    number = None
    if sect is not None:
        rels = _rels(zf, names, path, "word/document.xml")
        refs = {ref.get(W + "type"): rels.get(ref.get(RID)) for ref in sect.findall(W + "footerReference")}
        odd = _footer_number(zf, names, path, refs.get("default") or "")
        even = _footer_number(zf, names, path, refs.get("even") or "")
        if odd is not None and len(odd[0]) <= MAX_PAGE_TEXT and not any(ord(ch) < 32 for ch in odd[0]):
            text, align, font, size_ = odd
            position = align if align in POSITIONS else "center"
            if even is not None and align == "right" and even[1] == "left":
                position = "outside"
            number = True
            got.update(page_text=text, page_position=position)
            if _font_name(font):
                got["font_page"] = _font_name(font)
            if _in(size_, SIZE_RANGE):
                got["sz_page"] = size_
    if number is None:
        missing.append("page_number")

    style = replace(base, name=path.name, **got)
    findings = []
    if missing:
        parts = "、".join(PART_NAMES[m] for m in missing)
        findings.append(Finding("style.fallback", "info",
                                f"参考文档 {path.name} 中没有找到{parts}，这些按默认样式（GB/T 9704）设置",
                                Location(path=str(path)), {"missing": missing}))
    return style, findings
