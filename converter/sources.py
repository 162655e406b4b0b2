"""Turn an input file into report JSON: .json directly, other kinds through their readers."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .findings import Finding
from .form import Form, available_forms, load_form

MAX_JSON_BYTES = 20 * 1024 * 1024


@dataclass
class Loaded:
    """A report read from a file, with what reading it found (cells normalised, guesses)."""

    report: dict
    form: Form
    findings: list[Finding] = field(default_factory=list)
    path: str = ""
    cells: dict = field(default_factory=dict)  # JSON path → sheet!cell, for workbooks


def _read_bytes(path: Path, limit: int) -> bytes:
    if not path.exists():
        raise InputError("input.not_found", f"{path}：文件不存在", str(path))
    if path.is_dir():
        raise InputError("input.is_directory", f"{path}：这是一个文件夹，不是文件", str(path))
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError("input.too_large", f"{path}：文件过大（{size // 1024 // 1024} MB），不是一份年度报告数据",
                             str(path))
        return path.read_bytes()
    except PermissionError:
        raise InputError("input.unreadable", f"{path}：没有读取权限", str(path)) from None
    except OSError as e:
        raise InputError("input.unreadable", f"{path}：无法读取（{e.strerror or e}）", str(path)) from None


def form_of(report, path) -> Form:
    """The form a report claims to be; InputError when it is another form or none."""
    if not isinstance(report, dict):
        raise InputError("input.not_report", f"{path}：不是一份年度报告 JSON（顶层应为对象）", str(path))
    form_id = report.get("form")
    if form_id is None:
        raise InputError("input.not_report", f"{path}：不是一份年度报告 JSON（缺少 form 字段）", str(path))
    if form_id not in available_forms():
        raise InputError("input.other_form",
                         f"{path}：表式为“{form_id}”，本工具支持的表式为 {'、'.join(available_forms())}", str(path))
    return load_form(form_id)


def load_json(path: Path) -> Loaded:
    data = _read_bytes(path, MAX_JSON_BYTES)
    try:
        report = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError("input.not_utf8", f"{path}：不是 UTF-8 编码的 JSON 文件", str(path)) from None
    except json.JSONDecodeError as e:
        raise InputError("input.not_json",
                         f"{path}：不是有效的 JSON（第 {e.lineno} 行第 {e.colno} 列：{e.msg}）", str(path)) from None
    except RecursionError:
        raise InputError("input.not_json", f"{path}：JSON 嵌套过深", str(path)) from None
    return Loaded(report, form_of(report, path), [], str(path))


def _load_xlsx(path: Path) -> Loaded:
    from .xlsx_read import read_workbook

    return read_workbook(path)


def _load_published(path: Path) -> Loaded:
    from .importer import import_file

    return import_file(path)


LOADERS = {".json": load_json, ".xlsx": _load_xlsx, ".html": _load_published, ".htm": _load_published,
           ".docx": _load_published, ".txt": _load_published}


def load_report(path: str | os.PathLike) -> Loaded:
    path = Path(path)
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        kinds = "、".join(sorted(LOADERS))
        raise InputError("input.unsupported", f"{path}：不支持的文件类型“{path.suffix or '无扩展名'}”（支持 {kinds}）",
                         str(path))
    return loader(path)
