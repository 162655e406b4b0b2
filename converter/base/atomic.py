"""Outputs are complete or absent: write to a temp file beside the target, fsync, then rename.

Every writer of the project goes through here (Word reports, templates and annotated copies, .eml,
JSON from `read -o` / `import -o`, batch summaries and manifests). On any exception — a full disk,
a read-only folder, Ctrl-C — the temporary file is removed and the target is left as it was.
"""
from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path

from converter.base.refusals import os_reason, refuse

_READ_ONLY = {errno.EACCES, errno.EPERM, errno.EROFS}
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC), errno.EFBIG}


def _output_error(target: Path, e: OSError, creating: bool):
    if e.errno in _FULL:
        return refuse("output.disk_full", target)
    if e.errno in _READ_ONLY:
        return refuse("output.read_only", target, reason=os_reason(e))
    if e.errno == errno.EISDIR:
        return refuse("output.is_directory", target)
    return refuse("output.unwritable" if creating else "output.write_failed", target, reason=os_reason(e))


def check_not_input(target, *inputs) -> None:
    """Refuse (output.is_input) when `target` is one of `inputs` (same file, through any path or link)."""
    target = Path(target)
    for source in inputs:
        if source is None:
            continue
        try:
            same = target.exists() and Path(source).exists() and os.path.samefile(target, source)
        except OSError:
            same = False
        if same:
            raise refuse("output.is_input", target)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike):
    """Yield a temporary path in the target's folder; on success it replaces the target.

    On any exception, KeyboardInterrupt included, the temporary file is removed and the target is
    left as it was. OSErrors become InputErrors from the catalogue (output.disk_full, output.read_only…).
    """
    target = Path(target)
    if target.is_dir():
        raise refuse("output.is_directory", target)
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=target.suffix + ".tmp", dir=folder)
    except OSError as e:
        raise _output_error(target, e, creating=True) from None
    os.close(fd)
    try:
        yield Path(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are ordinary files
        os.replace(tmp, target)
    except OSError as e:
        raise _output_error(target, e, creating=False) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(target: str | os.PathLike, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def write_text(target: str | os.PathLike, text: str) -> None:
    write_bytes(target, text.encode("utf-8"))
