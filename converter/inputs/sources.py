"""Turn an input file into report JSON: .json directly, other kinds through their readers."""
from __future__ import annotations

import json
import os
from pathlib import Path

from converter.form.definition import Form, available_forms, load_form
from converter.base.files import read_bytes, refuse_lock_file
from converter.base.refusals import refuse
from converter.engine.loaded import Loaded
from converter.excel.read import read_workbook
from converter.published import import_file

MAX_JSON_BYTES = 20 * 1024 * 1024


def form_of(report, path, form: Form | None = None) -> Form:
    """The form a report claims to be (it must be `form` when one is given); InputError when it is
    another form or none."""
    if not isinstance(report, dict):
        raise refuse("input.not_report", path, detail="顶层应为对象")
    form_id = report.get("form")
    if form_id is None:
        raise refuse("input.not_report", path, detail="缺少 form 字段")
    if form is not None:
        if form_id != form.id:
            raise refuse("input.other_form", path, form_id=form_id, what="报告", forms=form.id)
        return form
    if form_id not in available_forms():
        raise refuse("input.other_form", path, form_id=form_id, what="报告", forms="、".join(available_forms()))
    return load_form(form_id)


def load_json(path: Path, form: Form | None = None) -> Loaded:
    data = read_bytes(path, MAX_JSON_BYTES)
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
    return Loaded(report, form_of(report, path, form), [], str(path))


def _no_constant(name):
    raise ValueError(f"含有 {name}，不是标准 JSON 数字")


def _load_xlsx(path: Path, form: Form | None = None) -> Loaded:
    return read_workbook(path, form=form)


def _load_published(path: Path, form: Form | None = None) -> Loaded:
    return import_file(path, form)


LOADERS = {".json": load_json, ".xlsx": _load_xlsx, ".html": _load_published, ".htm": _load_published,
           ".docx": _load_published, ".txt": _load_published, ".pdf": _load_published}
# named like a spreadsheet of another kind: the workbook reader looks at the content, reads .xls / .ods
# (calamine) and .xlsx, and otherwise says what it really is (WPS .et, .xlsm, CSV…) and what to do
SPREADSHEET_LIKE = (".xls", ".et", ".ett", ".xlsm", ".xlsb", ".xltx", ".ods", ".csv")


def load_report(path: str | os.PathLike, form: Form | None = None) -> Loaded:
    """Any supported file as a report. The edition comes from the file itself (a workbook's stamp, the
    JSON's `form`, a published report's contents); with `form` given, another edition is refused."""
    path = Path(path)
    if path.is_dir():  # before the suffix: a folder named 收件 (or even 收件.xlsx) is a folder
        raise refuse("input.is_directory", path)
    refuse_lock_file(path)
    loader = LOADERS.get(path.suffix.lower()) or (_load_xlsx if path.suffix.lower() in SPREADSHEET_LIKE else None)
    if loader is None:
        kinds = "、".join((".xlsx", ".json", ".html", ".htm", ".docx", ".pdf", ".txt"))
        raise refuse("input.unsupported", path, suffix=path.suffix or "无扩展名", kinds=kinds)
    return loader(path, form)
