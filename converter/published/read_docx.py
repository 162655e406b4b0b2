"""Word reports (.docx): ours and other people's (merged cells, tables split in parts, label variants)."""
from __future__ import annotations

import io

from converter.published.core import Grid, Para, Slot, clean_lines

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _table_grid(table) -> Grid:
    rows = []
    ids: dict[int, int] = {}
    for row in table.rows:
        line = []
        for cell in row.cells:  # python-docx repeats a merged cell (gridSpan and vMerge) in every slot it covers
            origin = ids.setdefault(id(cell._tc), len(ids))
            line.append(Slot(clean_lines("\n".join(p.text for p in cell.paragraphs)), origin))
        rows.append(line)
    width = max((len(r) for r in rows), default=0)
    spare = len(ids)
    for r in rows:  # ragged rows (gridBefore/gridAfter): pad with empty cells of their own
        while len(r) < width:
            r.append(Slot("", spare))
            spare += 1
    return Grid(rows)


def docx_blocks(data: bytes) -> list:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    blocks: list = []
    for child in document.element.body.iterchildren():
        if child.tag == _W + "p":
            text = Paragraph(child, document).text
            # a paragraph may hold line breaks: each line is a paragraph of its own
            for line in text.split("\n"):
                if line.strip():
                    blocks.append(Para(line))
        elif child.tag == _W + "tbl":
            grid = _table_grid(Table(child, document))
            if grid.rows:
                blocks.append(grid)
        elif child.tag == _W + "sdt":
            for p in child.iter(_W + "p"):
                text = Paragraph(p, document).text
                if text.strip():
                    blocks.append(Para(text))
    return blocks


def read_docx(path, data: bytes) -> tuple[list, str]:
    return docx_blocks(data), ""
