"""Read back a produced .docx the way a checker would: raw XML parts, tables as official grids."""
from __future__ import annotations

import zipfile
from pathlib import Path

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W}


def wq(name: str) -> str:
    return f"{{{W}}}{name}"


def part(path: Path, name: str):
    with zipfile.ZipFile(path) as z:
        return etree.fromstring(z.read(name))


def text_of(el) -> str:
    return "".join(el.xpath(".//w:t/text()", namespaces=NS))


def read_grid(tbl) -> dict:
    """(r, c) → (origin (r, c), rs, cs, text) for every slot, resolving gridSpan and vMerge (1-based)."""
    slots: dict = {}
    origins: dict = {}
    for r, tr in enumerate(tbl.xpath("./w:tr", namespaces=NS), start=1):
        c = 1
        for tc in tr.xpath("./w:tc", namespaces=NS):
            span = tc.xpath("./w:tcPr/w:gridSpan/@w:val", namespaces=NS)
            cs = int(span[0]) if span else 1
            vm = tc.xpath("./w:tcPr/w:vMerge", namespaces=NS)
            continues = bool(vm) and vm[0].get(wq("val"), "continue") == "continue"
            if continues:
                origin = slots[(r - 1, c)][0]
                origins[origin]["rs"] = r - origin[0] + 1
                assert origins[origin]["cs"] == cs, f"vMerge continuation at {(r, c)} has a different span"
                assert text_of(tc) == "", f"merged-away cell {(r, c)} holds text"
            else:
                origin = (r, c)
                origins[origin] = {"rs": 1, "cs": cs, "text": text_of(tc)}
            for k in range(cs):
                slots[(r, c + k)] = (origin,)
            c += cs
    return {pos: (o[0], origins[o[0]]["rs"], origins[o[0]]["cs"], origins[o[0]]["text"]) for pos, o in slots.items()}


def merges(grid: dict) -> set:
    """The merge structure as {(r, c, rs, cs)} over origin cells."""
    return {(o[0], o[1], rs, cs) for o, rs, cs, _ in grid.values()}


def tables(path: Path) -> list:
    return part(path, "word/document.xml").xpath("//w:body/w:tbl", namespaces=NS)


def body_paragraphs(path: Path) -> list[tuple[str, str]]:
    """(style id, text) of the body paragraphs outside tables, in order."""
    doc = part(path, "word/document.xml")
    out = []
    for p in doc.xpath("//w:body/w:p", namespaces=NS):
        style = p.xpath("./w:pPr/w:pStyle/@w:val", namespaces=NS)
        out.append((style[0] if style else "", text_of(p)))
    return out
