"""Read published reports (web page, Word, copied text) into report JSON: `import_file(path) -> Loaded`."""
from __future__ import annotations

import os
from pathlib import Path

from ..errors import InputError
from ..sources import Loaded, _read_bytes
from .core import build_report

MAX_BYTES = 30 * 1024 * 1024
SUFFIXES = (".html", ".htm", ".docx", ".txt")


def _reader(suffix: str, path: Path):
    if suffix in (".html", ".htm"):
        from .read_html import read_html
        return read_html
    if suffix == ".docx":
        from .read_docx import read_docx
        return read_docx
    if suffix == ".txt":
        from .read_text import read_text
        return read_text
    raise InputError("input.unsupported",
                     f"{path}：不支持导入“{suffix or '无扩展名'}”文件（支持 {'、'.join(SUFFIXES)}）", str(path))


def suffix_is_docx(path: Path) -> bool:
    return path.suffix.lower() == ".docx"


def import_file(path: str | os.PathLike) -> Loaded:
    """A published report → Loaded(report, form, findings): what was guessed or unreadable is a finding."""
    path = Path(path)
    reader = _reader(path.suffix.lower(), path)
    data = _read_bytes(path, MAX_BYTES)
    if suffix_is_docx(path) and data.startswith(b"PK"):  # sizes, ratios, DTDs checked before python-docx
        from ..sniff import open_safe_zip

        open_safe_zip(data, path).close()
    try:
        blocks, page_title = reader(path, data)
    except InputError:
        raise
    except Exception as e:  # a damaged Word file, etc.
        raise InputError("import.unreadable", f"{path}：无法读取（{type(e).__name__}: {e}）", str(path)) from None
    if not blocks:
        raise InputError("import.empty", f"{path}：没有读到任何内容", str(path))
    loaded = build_report(blocks, str(path), source_title=page_title)
    nothing_read = sum(f.code == "import.missing_table" for f in loaded.findings) == len(loaded.form.tables)
    if nothing_read and not any(loaded.report["text"].values()):
        raise InputError("import.not_report", f"{path}：没有找到年度报告的章节和表格，不像是一份政府信息公开工作年度报告",
                         str(path))
    return loaded
