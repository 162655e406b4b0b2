"""Web pages (.html/.htm) as government sites publish them: GBK or UTF-8, tables with merges,
page furniture around the report."""
from __future__ import annotations

import re

from converter.base.text import decode_text
from converter.published.core import Para, clean_lines, clean_text, unroll

_SKIP = {"script", "style", "noscript", "head", "iframe", "select", "button", "svg", "nav", "footer", "template",
         "object", "textarea", "input", "map", "option", "title", "meta", "link", "aside"}
_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "section", "article", "header",
          "blockquote", "tr", "td", "th", "table", "tbody", "thead", "tfoot", "dd", "dt", "dl", "center", "pre",
          "form", "hr", "main", "figure", "figcaption", "caption", "body", "html", "aside"}
# page parts around a report (menus, sidebars with other reports' titles, "相关文章" = xgwz, 推荐, 排行)
_FURNITURE_ATTR = re.compile(r"share|menu|(?:^|[-_\s])nav|footer|breadcrumb|crumb|toolbar|qrcode|erweima|bdshare|"
                             r"(?:^|[-_\s])(?:side|sidebar|aside)(?:$|[-_\s\d])|related|relate|xgwz|xgxx|recommend|ranking",
                             re.I)


def decode_html(data: bytes) -> str:
    """Bytes → text, the charset a page declares in its <meta> taken first."""
    m = re.search(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", data[:4096].decode("ascii", errors="ignore"), re.I)
    return decode_text(data, m.group(1) if m else None)


def _span(el, name: str) -> int:
    try:
        return int(re.sub(r"\D", "", el.get(name, "1")) or 1)
    except ValueError:
        return 1


def _cell_text(el) -> str:
    """A cell's text; <br> and block elements (p, div …) inside it become line breaks."""
    parts = []

    def text(t):
        if t:
            parts.append(re.sub(r"[ \t\r\n\f]+", " ", t))

    def walk(node):
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag and tag not in _SKIP:
            if tag == "br":
                parts.append("\n")
            block = tag in _BLOCK and node is not el
            if block:
                parts.append("\n")
            text(node.text)
            for child in node:
                walk(child)
            if block:
                parts.append("\n")
        if node is not el:
            text(node.tail)

    walk(el)
    return clean_lines("".join(parts))


def table_grid(table):
    rows = []
    for tr in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr"):
        cells = []
        for td in tr:
            if not isinstance(td.tag, str) or td.tag.lower() not in ("td", "th"):
                continue
            cells.append((_cell_text(td), _span(td, "rowspan"), _span(td, "colspan")))
        if cells:
            rows.append(cells)
    return unroll(rows)


_META_DATE = re.compile(r"^(?:pubdate|publishdate|publish_date|publishtime|firstpublishedtime|articlepubdate|"
                        r"article:published_time|og:release_date|dc\.date|dcterms\.issued|releasedate)$", re.I)


def meta_date(root) -> str:
    """The publication date in the page's <meta> tags (as sites' CMS write it), "" when none."""
    for meta in root.iter("meta"):
        name = meta.get("name") or meta.get("property") or meta.get("itemprop") or ""
        if _META_DATE.match(name.strip()):
            m = re.search(r"(20\d\d)[-/.年](\d{1,2})[-/.月](\d{1,2})", meta.get("content") or "")
            if m:
                return f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return ""


_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?")


def _only_a_link(li) -> bool:
    """An <li> holding nothing but links (and perhaps a date): an entry of a list of other pages."""
    def squash(text: str) -> str:
        return re.sub(r"\s", "", text or "")

    links = [squash("".join(a.itertext())) for a in li.iter("a")]
    if not any(links):
        return False
    rest = squash("".join(li.itertext()))
    for text in links:
        rest = rest.replace(text, "", 1)
    return not _DATE.sub("", rest)


def html_blocks(text: str) -> tuple[list, str]:
    import lxml.html

    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text)
    try:
        root = lxml.html.document_fromstring(text)
    except Exception:  # an empty or hopeless page
        return [], ""
    page_title = clean_text(root.findtext(".//title") or "")
    blocks: list = []
    buf: list[str] = []

    def flush():
        t = clean_text("".join(buf))
        buf.clear()
        if t:
            blocks.append(Para(t))

    def walk(el):
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if not tag:  # comment, processing instruction
            return
        if tag in _SKIP or _FURNITURE_ATTR.search(" ".join((el.get("class") or "", el.get("id") or ""))):
            return
        if tag == "table" and not el.xpath(".//table"):
            flush()
            grid = table_grid(el)
            if grid.rows:
                blocks.append(grid)
            return
        if tag == "br":
            flush()
            return
        if tag == "li" and _only_a_link(el):  # a list of links (other reports, menus): never the report's text
            return
        block = tag in _BLOCK
        if block:
            flush()
        if el.text:
            buf.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buf.append(child.tail)
        if block:
            flush()

    published = meta_date(root)
    if published:  # as a page shows it, so the importer finds the page's date where it finds 发布时间：
        blocks.append(Para(f"发布时间：{published}"))
    body = root.find("body")
    walk(body if body is not None else root)
    flush()
    return blocks, page_title


def read_html(path, data: bytes) -> tuple[list, str]:
    return html_blocks(decode_html(data))
