"""What a typed cell means, for every reader: a workbook's cells and a published report's table cells.

One parser, so the workbook reader and the importer agree on "12件", "1.5万元", "/", "１２", " 12 ".
Unit suffixes come from the definition's number types (number_types.<type>.suffixes).
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, time, timedelta

from converter.engine.arith import fmt
from converter.form.definition import Form

MAX_NUMBER = 2**53 - 1  # beyond it a JSON reader (JavaScript) loses digits; no agency counts that high
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")


def suffixes(form: Form, kind: str | None) -> tuple[str, ...]:
    """The unit words a number of type `kind` may carry (None: of any type), longest first."""
    kinds = [kind] if kind else list(form.number_types)
    words = {s for k in kinds for s in form.number_types.get(k, {}).get("suffixes", ())}
    return tuple(sorted(words, key=len, reverse=True))


def is_blank_marker(text: str, form: Form) -> bool:
    folded = unicodedata.normalize("NFKC", str(text)).strip()
    markers = {unicodedata.normalize("NFKC", m) for m in form.blank_markers}
    return folded in markers or (bool(folded) and folded.strip("-—–/\\") == "")


def parse_cell(raw, form: Form, kind: str | None):
    """(value, note, error): the number a cell means, a note when it had to be normalised, or an error.
    `kind` is the cell's number type; None while the cell is not known yet (any type's suffixes)."""
    if raw is None:
        return None, None, None
    if isinstance(raw, bool):
        return None, None, f"填写为“{raw}”，不是数字"
    if isinstance(raw, (datetime, date, time, timedelta)):
        return None, None, "是日期格式，不是数字"
    if isinstance(raw, (int, float)) and not (math.isfinite(raw) and abs(raw) <= MAX_NUMBER):
        return None, None, f"填写为“{raw}”，不是有效的数字（超出可处理的范围），已按空白读取，请改为实际数字"
    if isinstance(raw, float):
        if kind == "count" and raw.is_integer():
            return int(raw), None, None
        return raw, None, None
    if isinstance(raw, int):
        return raw, None, None
    text = str(raw)
    folded = unicodedata.normalize("NFKC", text).strip()
    if folded == "":
        return None, "只有空格，按空白读取", None
    if is_blank_marker(folded, form):
        return None, f"填写为“{text.strip()}”，按空白读取（没有请填 0）", None
    if folded.startswith("="):
        return None, None, "填写了公式，无法读取，请直接填写数字"
    body = re.sub(r"[,\s]", "", folded)
    for suffix in suffixes(form, kind):
        if body.endswith(suffix):
            body = body[: -len(suffix)]
            break
    if not _NUMBER.fullmatch(body):
        return None, None, f"填写为“{text.strip()}”，不是数字，已按空白读取，请改为数字"
    value = float(body) if "." in body else int(body)
    if not abs(value) <= MAX_NUMBER:
        return None, None, f"填写为“{text.strip()}”，数字过大，已按空白读取，请改为实际数字"
    if isinstance(value, float) and kind == "count" and value.is_integer():
        value = int(value)
    return value, f"填写为“{text}”，已按 {fmt(value)} 读取", None
