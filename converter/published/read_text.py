"""Copied or converted text (.txt): one paragraph per line; table cells joined by " | ", tabs or spaces, or one
per line; Markdown (`## 一、总体情况` headings, `| a | b |` tables with `|---|` separator lines) too. In text laid
out by position (`pdftotext -layout`) an empty cell of a table is found where its column lines up."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from converter.base.text import decode_text, text_width
from converter.published.core import PAGE_NUMBER, Para, grid_from_rows, mark_empty_cells

_MD_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")


def decode(data: bytes) -> str:
    return decode_text(data)


def _md_cells(line: str) -> list[str]:
    inner = line.strip()[1:-1]
    return [cell.strip().replace("**", "") for cell in inner.split("|")]


def _md_line(line: str) -> str:
    """A Markdown heading or emphasis mark is not part of the text."""
    line = _MD_HEADING.sub("", line)
    return re.sub(r"\*\*(.+?)\*\*", r"\1", line)


_CELL = re.compile(r"\S+(?: \S+)*")  # a cell of text laid out by position: words apart by one space at most


@dataclass
class _TextLine:
    page: int
    cells: tuple
    text: str


def _laid_out(lines: list[str]) -> list[str]:
    """Text laid out by position (`pdftotext -layout`): an unruled table's columns line up, so a column with
    nothing in it on a row is an empty cell (see mark_empty_cells); lines with tabs are left as they are."""
    out, page = [], 0
    for line in lines:
        page += line.count("\f")
        cells = () if "\t" in line else tuple((m.start(), m.end() - 1, m.group()) for m in _CELL.finditer(line))
        out.append(_TextLine(page, cells, line))
    mark_empty_cells(out, slack=0.0, full_rows=2)
    return [ln.text for ln in out]


# a line that starts a paragraph of its own: a heading (一、 （一） 1. 表三), a page number
_OWN_LINE = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[)）]|\d+[.．、]|表[一二三四]|第\s*\d+\s*页)")
FULL_SHARE = 0.85
# text_width units: a page's line holds 20 to 60 Chinese characters; a web paragraph is longer
MIN_PAGE_WIDTH, MAX_PAGE_WIDTH = 40, 125
_TABLE_LIKE = re.compile(r"\d\s+\d|\t|\||\s{2,}")


def _prose(line: str) -> bool:
    return len(line.strip()) >= 8 and not _TABLE_LIKE.search(line.strip())


def _reflow(lines: list[str]) -> list[str]:
    """Lines wrapped at a page's width (text taken from a PDF: `pdftotext` without -layout, copying from a PDF
    viewer) joined back into paragraphs. Text is taken as wrapped when its widest lines are a page's (20 to
    60 Chinese characters) and at least a third of its longer prose lines reach 85 % of the widest (digits
    and spaces make full lines differ): copied web text, a paragraph a line, is not. A full line is continued
    by the next prose line unless that one starts a heading or an item, or is indented (-layout keeps a
    paragraph's first-line indent), across a page's end (blank lines, page number, form feed, a running
    header); table rows (numbers apart by spaces, tabs, | cells) are never joined. A paragraph whose last line happens to be full is
    joined to the next one: rare, and only text; a lower share than 85 % joined real paragraphs."""
    widths = sorted(text_width(ln.strip()) for ln in lines if _prose(ln))
    if len(widths) < 6:
        return lines
    full = widths[int(len(widths) * 0.9)]
    long = [w for w in widths if w >= full / 2]  # not a table's labels, one per line
    near = [w for w in long if w >= FULL_SHARE * full]
    if not MIN_PAGE_WIDTH <= full <= MAX_PAGE_WIDTH or len(near) < len(long) / 3:
        return lines
    running = _running_lines(lines)
    prose_margins = [len(ln) - len(ln.lstrip(" ")) for ln in lines if _prose(ln) and text_width(ln.strip()) >= full / 2]
    margin = min(prose_margins) if prose_margins else 0
    out: list[str] = []
    target, joining = -1, False
    for line in lines:
        bare = line.replace("\f", "").strip()
        if bare in running:  # the page's running header: no text of the report
            continue
        if not bare or PAGE_NUMBER.match(bare):
            out.append(line)  # a page's end or top (blank lines, page number): the paragraph goes on
            continue
        indented = len(line.replace("\f", "")) - len(line.replace("\f", "").lstrip(" ")) >= margin + 2  # -layout
        # (a paragraph's last few characters, “和监督权。”, are too short to be prose on their own)
        tail = bare.endswith(("。", "；", ";")) and not _TABLE_LIKE.search(bare)
        if joining and (_prose(line) or tail) and not _OWN_LINE.match(bare) and not indented:
            out[target] += bare
        else:
            out.append(line)
            target = len(out) - 1
        joining = _prose(line) and text_width(bare) >= FULL_SHARE * full
    return out


def _running_lines(lines: list[str]) -> set[str]:
    """The first line of each page (after a form feed) that recurs on two pages or more: a running header."""
    firsts: dict[str, int] = {}
    after_break = False
    for line in lines:
        after_break = after_break or "\f" in line
        bare = line.replace("\f", "").strip()
        if after_break and bare and not PAGE_NUMBER.match(bare):
            if not bare.endswith(("。", "；", ";", "，", ",", "：")):  # a header is a name or a title, no sentence
                firsts[bare] = firsts.get(bare, 0) + 1
            after_break = False
    return {t for t, n in firsts.items() if n >= 2}


def text_blocks(text: str) -> list:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    markdown = any(_MD_SEPARATOR.match(line) and "-" in line and "|" in line for line in lines)
    if not markdown:
        lines = _reflow(_laid_out(lines))
    blocks: list = []
    table: list[list[str]] = []
    for line in lines:
        if markdown and _MD_ROW.match(line):  # a Markdown table row: explicit empty cells are cells
            if not _MD_SEPARATOR.match(line):
                table.append(_md_cells(line))
            continue
        if table:
            blocks.append(grid_from_rows(table))
            table = []
        if markdown and _MD_SEPARATOR.match(line):
            continue
        if line.strip("\f \t"):
            blocks.append(Para(_md_line(line.replace("\f", ""))))  # a page break (form feed) is no text
    if table:
        blocks.append(grid_from_rows(table))
    return blocks


def read_text(path: Path, data: bytes) -> tuple[list, str]:
    return text_blocks(decode(data)), ""
