"""Layer 3: published reports (web page, Word, PDF, copied text) into report JSON: `import_file(path) -> Loaded`.

May import: converter.base, converter.form, converter.engine (never excel/ or word/).
"""
from __future__ import annotations

import os
from pathlib import Path

from converter.base.errors import InputError
from converter.base.internal import internal_error, is_program_error
from converter.base.files import read_bytes, refuse_lock_file
from converter.base.refusals import refuse
from converter.engine.loaded import Loaded
from converter.base.sniff import open_safe_zip
from converter.form.definition import Form
from converter.published.core import build_report, choose_form
from converter.published.read_docx import read_docx
from converter.published.read_html import read_html
from converter.published.read_pdf import read_pdf
from converter.published.read_text import read_text

MAX_BYTES = 30 * 1024 * 1024
_READERS = {".html": read_html, ".htm": read_html, ".docx": read_docx, ".txt": read_text, ".pdf": read_pdf}
SUFFIXES = tuple(_READERS)


WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".et", ".ods", ".json")


def _reader(suffix: str, path: Path):
    reader = _READERS.get(suffix)
    if reader is not None:
        return reader
    if path.is_dir():
        raise refuse("input.is_directory", path)
    if suffix in WORKBOOK_SUFFIXES:  # a return or a report JSON: `read` / `check` are the commands for it
        raise refuse("import.workbook", path)
    raise InputError("input.unsupported",
                     f"{path}：不支持导入“{suffix or '无扩展名'}”文件（支持 {'、'.join(SUFFIXES)}）", str(path))


def suffix_is_docx(path: Path) -> bool:
    return path.suffix.lower() == ".docx"


def import_file(path: str | os.PathLike, form: Form | None = None) -> Loaded:
    """A published report → Loaded(report, form, findings): what was guessed or unreadable is a finding."""
    path = Path(path)
    refuse_lock_file(path)
    reader = _reader(path.suffix.lower(), path)
    data = read_bytes(path, MAX_BYTES)
    if suffix_is_docx(path) and data.startswith(b"PK"):  # sizes, ratios, DTDs checked before python-docx
        open_safe_zip(data, path).close()
    try:
        blocks, page_title = reader(path, data)
    except InputError:
        raise
    except Exception as e:  # a damaged Word file, etc.
        if is_program_error(e):
            raise internal_error(path, e) from None
        raise InputError("import.unreadable", f"{path}：无法读取（{type(e).__name__}: {e}）", str(path)) from None
    if not blocks:
        raise InputError("import.empty", f"{path}：没有读到任何内容", str(path))
    loaded = build_report(blocks, str(path), source_title=page_title, form=form or choose_form(blocks))
    nothing_read = sum(f.code == "import.missing_table" for f in loaded.findings) == len(loaded.form.tables)
    if nothing_read and not any(loaded.report["text"].values()):
        raise InputError("import.not_report", f"{path}：没有找到年度报告的章节和表格，不像是一份政府信息公开工作年度报告",
                         str(path))
    seen_rows = any(f.code in ("import.unplaced_row", "import.unplaced_values", "import.uncertain_row")
                    for f in loaded.findings)
    if nothing_read and not seen_rows:  # every number null, and no table row seen that could not be placed
        raise refuse("import.no_tables", path)
    return loaded
