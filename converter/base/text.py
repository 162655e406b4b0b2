"""Text measured and folded as people see it."""
from __future__ import annotations

import re
import unicodedata


def text_width(text: str) -> float:
    """Display width in Excel column units (a CJK character is about two)."""
    return sum(1.1 if ord(ch) < 0x2E80 else 2.05 for ch in text)


def agency_key(name) -> str:
    """Roster names and typed names differ in spaces and bracket widths; compare them folded."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or "")))
