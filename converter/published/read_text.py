"""Text copied from a web page (.txt): one paragraph per line; table cells joined by " | " or one per line."""
from __future__ import annotations

from pathlib import Path

from converter.published.core import Para


def decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def text_blocks(text: str) -> list:
    return [Para(line.rstrip()) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
            if line.strip()]


def read_text(path: Path, data: bytes) -> tuple[list, str]:
    return text_blocks(decode(data)), ""
