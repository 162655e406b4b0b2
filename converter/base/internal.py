"""Our own mistakes are not the agency's: an unexpected exception of the program's logic, met while
handling a file, is reported as an internal error with its traceback logged, never as "the file is damaged"."""
from __future__ import annotations

import datetime
import os
import tempfile
import traceback
from pathlib import Path

from converter.base.errors import InputError
from converter.base.refusals import refuse

# raised by Python on a bug in our code; parsers of broken files raise their own kinds (BadZipFile,
# ParseError, CalamineError, ValueError…)
PROGRAM_ERRORS = (KeyError, TypeError, AttributeError, IndexError, NameError, AssertionError, ZeroDivisionError,
                  UnboundLocalError)


def log_path() -> Path:
    return Path(os.environ.get("CONVERTER_ERROR_LOG") or Path(tempfile.gettempdir()) / "converter-errors.log")


def internal_error(path, exc: BaseException) -> InputError:
    """The InputError for an exception of ours while handling `path`, with the traceback appended to the log."""
    log = log_path()
    try:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"---- {datetime.datetime.now().isoformat(timespec='seconds')} {path}\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    except OSError:
        log = Path("（无法写入错误记录）")
    return refuse("internal.error", path, detail=f"{type(exc).__name__}: {exc}", log=log)


def is_program_error(exc: BaseException) -> bool:
    return isinstance(exc, PROGRAM_ERRORS)
