"""Text measured and folded as people see it."""
from __future__ import annotations

import re
import unicodedata


_NARROW = re.compile("[\x00-\u2e7f]+")


def text_width(text: str) -> float:
    """Display width in Excel column units (a CJK character, U+2E80 and up, is about two)."""
    wide = len(_NARROW.sub("", text))  # counted in C: the summary measures every cell of every row
    return (len(text) - wide) * 1.1 + wide * 2.05


_SEAL_NOTE = re.compile(r"[(（\[【〔]\s*(?:加盖)?(?:公章|盖章|印章|章)\s*[)）\]】〕]")


def without_seal_note(name: str) -> str:
    """“衡阳市商务局（盖章）” → “衡阳市商务局”: the cover's “（盖章）” typed after the name is no part of it."""
    return _SEAL_NOTE.sub("", name).strip()


def agency_key(name) -> str:
    """Roster names and typed names differ in spaces, bracket widths and the form's own “（盖章）” typed
    after the name; compare them folded."""
    return _SEAL_NOTE.sub("", re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name or ""))))


_GB = {"gb2312", "gbk", "gb_2312-80", "x-gbk", "cp936", "gb18030", "euc-cn"}


def decode_text(data: bytes, declared: str | None = None, *, strict: bool = False) -> str | None:
    """Bytes people save as text (CSV rosters, copied reports, web pages) → str: a BOM first (UTF-8,
    UTF-16), then the declared charset, then UTF-8, then GB18030 (a superset of GBK and GB2312, what
    Chinese Windows saves). Undecodable: None when `strict`, else UTF-8 with replacement characters."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None if strict else data.decode("utf-16", errors="replace")
    candidates = []
    if declared:
        declared = declared.strip().lower()
        candidates.append("gb18030" if declared in _GB else declared)
    for enc in dict.fromkeys(candidates + ["utf-8", "gb18030"]):
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return None if strict else data.decode("utf-8", errors="replace")
