"""PDF reports (.pdf): tables read by geometry (ruling lines and cell boxes), text by character positions.

Published PDFs are mostly Word/WPS exports: ruled tables (split over pages, header rows repeated),
running page numbers (`— 3 —`), a title over two lines. Tables come from pdfplumber's table finder
(cell boxes from the ruling lines); a merged cell covers every grid slot inside its box, so the text's
reading order is never trusted for a table. The running text outside the tables is rebuilt into
paragraphs from line positions (a first-line indent or a short previous line starts a new paragraph).
A PDF without any text layer (a scan) is refused; an image-only page among text pages (a scanned page) is
said (ImagePage). An unruled table's empty cells are found by word positions (mark_empty_cells).
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from converter.base.refusals import refuse
from converter.published.core import Grid, ImagePage, Para, Slot, clean_lines, filled_grid, mark_empty_cells

MAX_PAGES = 200
_PAGE_NUMBER = re.compile(r"^[-—–－_\s]*(?:第\s*)?\d{1,4}\s*页?(?:\s*[/,，]\s*共?\s*\d{1,4}\s*页?)?[-—–－_\s]*$")
_EDGE = 0.08  # running headers and footers live in the top and bottom 8% of a page


def _is_cjk(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def _line_cells(chars: list[dict]) -> list[tuple[float, float, str]]:
    """Characters of one line, left to right, cut into cells (x0, x1, text) at wide gaps (an unruled
    table's columns); inside a cell a space only where the gap is a real space (CJK–Latin autospacing is
    not one)."""
    cells: list[tuple[float, float, str]] = []
    out: list[str] = []
    prev = start = None
    for ch in sorted(chars, key=lambda c: c["x0"]):
        text = ch["text"]
        if prev is not None:
            gap = ch["x0"] - prev["x1"]
            size = max(ch.get("size") or 10, 1)
            if gap > 1.0 * size:
                cells.append((start, prev["x1"], "".join(out)))
                out, start = [], None
            elif gap > (0.5 if _is_cjk(text[0]) or _is_cjk(prev["text"][-1]) else 0.15) * size:
                out.append(" ")
        if start is None:
            start = ch["x0"]
        out.append(text)
        prev = ch
    if out:
        cells.append((start, prev["x1"], "".join(out)))
    return cells


def _line_text(chars: list[dict]) -> str:
    """A line's text; a wide gap (an unruled table's columns) becomes two spaces."""
    return "  ".join(text for _, _, text in _line_cells(chars))


@dataclass
class _Line:
    page: int
    top: float
    bottom: float
    x0: float
    x1: float
    size: float
    text: str
    cells: tuple = ()  # (x0, x1, text) cut at wide gaps


def _lines(chars: list[dict], page: int) -> list[_Line]:
    """Characters grouped into lines by their vertical position."""
    rows: list[list[dict]] = []
    for ch in sorted((c for c in chars if c["text"].strip()), key=lambda c: (c["top"], c["x0"])):
        if rows and abs(ch["top"] - rows[-1][0]["top"]) <= max(2.0, 0.3 * (ch.get("size") or 10)):
            rows[-1].append(ch)
        else:
            rows.append([ch])
    out = []
    for row in rows:
        cells = tuple(c for c in _line_cells(row) if c[2].strip())
        text = "  ".join(c[2] for c in cells).strip()
        if text:
            out.append(_Line(page, min(c["top"] for c in row), max(c["bottom"] for c in row),
                             min(c["x0"] for c in row), max(c["x1"] for c in row),
                             max(c.get("size") or 10 for c in row), text, cells))
    return out


def _table_grid(table) -> Grid:
    """A pdfplumber table → Grid: a cell box covers every grid slot whose top-left corner lies inside it."""
    cells = [tuple(c) for c in table.cells]
    xs = sorted({round(c[0], 1) for c in cells})
    tops = sorted({round(c[1], 1) for c in cells})
    texts = table.extract()
    slots: dict[tuple[int, int], Slot] = {}
    origin = 0
    for r, row in enumerate(table.rows):
        for c, box in enumerate(row.cells):
            if box is None:
                continue
            text = texts[r][c] if r < len(texts) and c < len(texts[r]) else ""
            slot = Slot(clean_lines(text or ""), origin)
            origin += 1
            x0, top, x1, bottom = box
            for rr, t in enumerate(tops):
                if top - 0.5 <= t < bottom - 0.5:
                    for cc, x in enumerate(xs):
                        if x0 - 0.5 <= x < x1 - 0.5:
                            slots.setdefault((rr, cc), slot)
    return filled_grid(slots, len(tops), len(xs), origin)


def _inside(ch: dict, boxes) -> bool:
    cx, cy = (ch["x0"] + ch["x1"]) / 2, (ch["top"] + ch["bottom"]) / 2
    return any(b[0] <= cx <= b[2] and b[1] <= cy <= b[3] for b in boxes)


def _drop_running(items: list, heights: dict[int, float]) -> list:
    """Page numbers, and lines repeated at the top or bottom of several pages (running headers)."""
    def edge(line: _Line) -> bool:
        h = heights[line.page]
        return line.top < h * _EDGE or line.bottom > h * (1 - _EDGE)

    def key(line: _Line) -> str:
        return re.sub(r"\d+", "#", re.sub(r"\s+", "", line.text))

    pages: dict[str, set] = {}
    for _, line in items:
        if isinstance(line, _Line) and edge(line):
            pages.setdefault(key(line), set()).add(line.page)
    out = []
    for pos, item in items:
        if isinstance(item, _Line):
            if _PAGE_NUMBER.match(item.text):
                continue
            if edge(item) and len(pages.get(key(item), ())) >= 2:
                continue
        out.append((pos, item))
    return out


def _join(parts: list[str]) -> str:
    text = parts[0]
    for part in parts[1:]:
        # a Latin word wrapped at a line end keeps its space; Chinese lines join directly
        sep = " " if text[-1].isascii() and text[-1].isalnum() and part[0].isascii() and part[0].isalnum() else ""
        text += sep + part
    return text


def _paragraphs(items: list) -> list:
    """Lines and grids in reading order → Para and Grid blocks (the lines of one paragraph joined)."""
    lines = [it for _, it in items if isinstance(it, _Line)]
    if not lines:
        return [it for _, it in items]
    prose = [ln for ln in lines if "  " not in ln.text and len(ln.text) >= 8] or lines  # not a table's cells
    x0s = [round(ln.x0) for ln in prose]
    # the body text's left edge: where wrapped lines start, the leftmost edge many lines share (a short report
    # has more one-line paragraphs, indented, than wrapped lines: the most common edge would be the indent)
    shared = [x for x in set(x0s) if x0s.count(x) >= max(2, len(prose) // 20)]
    left = min(shared) if shared else max(set(x0s), key=lambda x: (x0s.count(x), -x))
    full = sorted(ln.x1 for ln in lines if abs(ln.x0 - left) < 3) or sorted(ln.x1 for ln in lines)
    right = full[int(len(full) * 0.9)]
    blocks: list = []
    current: list[_Line] = []

    def flush():
        if current:
            blocks.append(Para(_join([ln.text for ln in current])))
            current.clear()

    for _, it in items:
        if isinstance(it, Grid):
            flush()
            blocks.append(it)
            continue
        prev = current[-1] if current else None
        if prev is None or it.x0 > left + 0.8 * it.size or prev.x1 < right - 1.5 * prev.size or \
                abs(it.size - prev.size) > 0.5 or "  " in it.text or "  " in prev.text or \
                (it.page == prev.page and it.top - prev.bottom > 1.2 * it.size):
            flush()
        current.append(it)
    flush()
    return blocks


def pdf_blocks(path: Path, data: bytes) -> list:
    import pdfplumber

    if b"%PDF-" not in data[:1024]:
        raise refuse("import.unreadable", path, detail="不是有效的 PDF 文件")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise refuse("import.too_many_pages", path, count=len(pages), limit=MAX_PAGES)
        items: list = []
        heights: dict[int, float] = {}
        text_chars = 0
        image_pages: list[int] = []
        for n, page in enumerate(pages):
            heights[n] = float(page.height)
            chars = [c for c in page.chars if c.get("upright", True)]
            page_chars = sum(1 for c in chars if c["text"].strip())
            text_chars += page_chars
            h = float(page.height)
            body = sum(1 for c in chars
                       if c["text"].strip() and h * _EDGE < c["top"] and c["bottom"] < h * (1 - _EDGE))
            if body == 0 and page.images:  # a picture and at most the running header and page number
                image_pages.append(n + 1)
            tables = page.find_tables() if chars else []
            grids = [(t.bbox, _table_grid(t)) for t in tables]
            grids = [(box, g) for box, g in grids if len(g.rows) >= 2 and len(g.rows[0]) >= 2]
            boxes = [box for box, _ in grids]
            items.extend(((n, box[1]), g) for box, g in grids)
            page_lines = _lines([c for c in chars if not _inside(c, boxes)], n)
            mark_empty_cells(page_lines, headings=True)
            items.extend(((n, ln.top), ln) for ln in page_lines)
        if text_chars == 0:
            raise refuse("import.image_pdf", path, pages=len(pages))
    items.sort(key=lambda it: it[0])
    return [*map(ImagePage, image_pages), *_paragraphs(_drop_running(items, heights))]


def read_pdf(path: Path, data: bytes) -> tuple[list, str]:
    return pdf_blocks(path, data), ""
