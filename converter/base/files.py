"""Reading an input file whole, safely: regular files only, size-capped, never blocking."""
from __future__ import annotations

import os
import stat
from pathlib import Path

from converter.base.errors import InputError
from converter.base.refusals import os_reason, refuse, size_text


LOCK_PREFIXES = ("~$", ".~lock.")  # Excel / WPS owner files, LibreOffice lock files


def refuse_lock_file(path: Path) -> None:
    """Refuse a lock file an office suite leaves beside a workbook being edited, whatever its suffix."""
    if path.name.startswith(LOCK_PREFIXES) and not path.is_dir():
        raise refuse("input.lock_file", path)


def read_bytes(path: Path, limit: int) -> bytes:
    """The whole file, refused (InputError) unless it is a readable regular file of 1..limit bytes.

    Opened non-blocking and checked with fstat before reading, so a FIFO or a device named .xlsx
    (or a link to one) is refused instead of hanging the command or filling memory.
    """
    refuse_lock_file(path)
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
