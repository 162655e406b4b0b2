"""Copied or converted text (.txt): one paragraph per line; table cells joined by " | ", tabs or spaces, or one
per line; Markdown (`## 一、总体情况` headings, `| a | b |` tables with `|---|` separator lines) too. In text laid
out by position (`pdftotext -layout`) an empty cell of a table is found where its column lines up."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from converter.base.text import decode_text
from converter.published.core import Para, grid_from_rows, mark_empty_cells

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


def text_blocks(text: str) -> list:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    markdown = any(_MD_SEPARATOR.match(line) and "-" in line and "|" in line for line in lines)
    if not markdown:
        lines = _laid_out(lines)
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
        if line.strip():
            blocks.append(Para(_md_line(line)))
    if table:
        blocks.append(grid_from_rows(table))
    return blocks


def read_text(path: Path, data: bytes) -> tuple[list, str]:
    return text_blocks(decode(data)), ""
