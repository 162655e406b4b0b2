"""Copied or converted text (.txt): one paragraph per line; table cells joined by " | ", tabs or spaces, or one
per line; Markdown (`## 一、总体情况` headings, `| a | b |` tables with `|---|` separator lines) too."""
from __future__ import annotations

import re
from pathlib import Path

from converter.base.text import decode_text
from converter.published.core import Para, grid_from_rows

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


def text_blocks(text: str) -> list:
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    markdown = any(_MD_SEPARATOR.match(line) and "-" in line and "|" in line for line in lines)
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
