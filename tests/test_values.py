"""One meaning for a typed cell: the workbook reader and the importer of published reports agree."""
from __future__ import annotations

import pytest

from converter.engine.values import parse_cell
from converter.published.core import classify

TYPED = [("12", "count", 12), (" 12 ", "count", 12), ("１２", "count", 12), ("12件", "count", 12),
         ("12人次", "count", 12), ("1,200", "count", 1200), ("1.5万元", "amount", 1.5), ("1.5万", "amount", 1.5),
         ("/", "count", None), ("—", "count", None), ("无", "count", None), ("十二", "count", None),
         ("12个人", "count", None)]


@pytest.mark.parametrize("text,kind,value", TYPED)
def test_reader_and_importer_agree(form, text, kind, value):
    got, _, error = parse_cell(text, form, kind)
    assert got == value
    assert (error is not None) == (value is None and text.strip() not in ("/", "—", "无"))
    imported = classify(text, form)
    assert imported == (("number", value) if value is not None else
                        ("blank", None) if text in ("/", "—", "无") else ("label", text))


def test_suffixes_come_from_the_definition(form):
    assert parse_cell("3人次", form, "count")[0] == 3
    assert parse_cell("3万元", form, "count")[2] is not None  # 万元 is not a unit of a count
