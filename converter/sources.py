"""Turn an input file into report JSON: .json directly, other kinds through their readers."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .findings import Finding
from .form import Form, available_forms, load_form
from .input_errors import os_reason, refuse, size_text

MAX_JSON_BYTES = 20 * 1024 * 1024


@dataclass
class Loaded:
    """A report read from a file, with what reading it found (cells normalised, guesses)."""

    report: dict
    form: Form
    findings: list[Finding] = field(default_factory=list)
    path: str = ""
    cells: dict = field(default_factory=dict)  # JSON path → sheet!cell, for workbooks
    extras: dict = field(default_factory=dict)  # what a workbook's cover adds: contact, phone


def _read_bytes(path: Path, limit: int) -> bytes:
    """The whole file, refused (InputError) unless it is a readable regular file of 1..limit bytes.

    Opened non-blocking and checked with fstat before reading, so a FIFO or a device named .xlsx
    (or a link to one) is refused instead of hanging the command or filling memory.
    """
    import stat

    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        if path.is_symlink():
            raise refuse("input.broken_link", path) from None
        raise refuse("input.not_found", path) from None
    except IsADirectoryError:
        raise refuse("input.is_directory", path) from None
    except PermissionError as e:
        if path.is_dir():
            raise refuse("input.is_directory", path) from None
        raise refuse("input.unreadable", path, reason=os_reason(e)) from None
    except OSError as e:
        raise refuse("input.read_failed", path, reason=os_reason(e)) from None
    try:
        st = os.fstat(fd)
        if stat.S_ISDIR(st.st_mode):
            raise refuse("input.is_directory", path)
        if not stat.S_ISREG(st.st_mode):
            kind = ("管道" if stat.S_ISFIFO(st.st_mode) else "设备" if stat.S_ISCHR(st.st_mode) or stat.S_ISBLK(st.st_mode)
                    else "套接字" if stat.S_ISSOCK(st.st_mode) else "特殊文件")
            raise refuse("input.not_regular", path, kind=kind)
        if st.st_size == 0:
            raise refuse("input.empty", path)
        if st.st_size > limit:
            raise refuse("input.too_large", path, size=size_text(st.st_size), limit=size_text(limit))
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)
    except InputError:
        raise
    except PermissionError as e:
        raise refuse("input.unreadable", path, reason=os_reason(e)) from None
    except OSError as e:
        raise refuse("input.read_failed", path, reason=os_reason(e)) from None
    finally:
        os.close(fd)
    if not data:
        raise refuse("input.empty", path)
    if len(data) > limit:
        raise refuse("input.too_large", path, size=f"超过 {size_text(limit)}", limit=size_text(limit))
    return data


def form_of(report, path) -> Form:
    """The form a report claims to be; InputError when it is another form or none."""
    if not isinstance(report, dict):
        raise refuse("input.not_report", path, detail="顶层应为对象")
    form_id = report.get("form")
    if form_id is None:
        raise refuse("input.not_report", path, detail="缺少 form 字段")
    if form_id not in available_forms():
        raise refuse("input.other_form", path, form_id=form_id, what="报告", forms="、".join(available_forms()))
    return load_form(form_id)


def load_json(path: Path) -> Loaded:
    data = _read_bytes(path, MAX_JSON_BYTES)
    try:
        report = json.loads(data.decode("utf-8-sig"), parse_constant=_no_constant)
    except UnicodeDecodeError:
        raise refuse("input.not_utf8", path) from None
    except json.JSONDecodeError as e:
        raise refuse("input.not_json", path, detail=f"第 {e.lineno} 行第 {e.colno} 列：{e.msg}") from None
    except RecursionError:
        raise refuse("input.not_json", path, detail="嵌套过深") from None
    except ValueError as e:  # NaN / Infinity: not JSON, Python's json accepts them by default
        raise refuse("input.not_json", path, detail=str(e)) from None
    return Loaded(report, form_of(report, path), [], str(path))


def _no_constant(name):
    raise ValueError(f"含有 {name}，不是标准 JSON 数字")


def _load_xlsx(path: Path) -> Loaded:
    from .xlsx_read import read_workbook

    return read_workbook(path)


def _load_published(path: Path) -> Loaded:
    from .importer import import_file

    return import_file(path)


LOADERS = {".json": load_json, ".xlsx": _load_xlsx, ".html": _load_published, ".htm": _load_published,
           ".docx": _load_published, ".txt": _load_published}
# named like a spreadsheet of another kind: the workbook reader looks at the content and says what it
# really is (.xls, WPS .et, .xlsm, .ods, CSV…) and what to do, or reads it when it is a .xlsx after all
SPREADSHEET_LIKE = (".xls", ".et", ".ett", ".xlsm", ".xlsb", ".xltx", ".ods", ".csv")


def load_report(path: str | os.PathLike) -> Loaded:
    path = Path(path)
    loader = LOADERS.get(path.suffix.lower()) or (_load_xlsx if path.suffix.lower() in SPREADSHEET_LIKE else None)
    if loader is None:
        kinds = "、".join((".xlsx", ".json", ".html", ".htm", ".docx", ".txt"))
        raise refuse("input.unsupported", path, suffix=path.suffix or "无扩展名", kinds=kinds)
    return loader(path)
