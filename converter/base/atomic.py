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
def atomic_path(target: str | os.PathLike, sync: bool = True):
    """Yield a temporary path in the target's folder; on success it replaces the target.

    On any exception, KeyboardInterrupt included, the temporary file is removed and the target is
    left as it was. OSErrors become InputErrors from the catalogue (output.disk_full, output.read_only…).
    `sync=False` skips the fsync: the rename is still atomic for a killed process (never a half-written
    target); the caller makes the files durable together with `flush` (the batch's work cache).
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
        if sync:
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


def replace(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """os.replace, an OSError said as the catalogue says it (output.disk_full, output.read_only…)."""
    try:
        os.replace(source, target)
    except OSError as e:
        raise _output_error(Path(target), e, creating=False) from None


def write_bytes(target: str | os.PathLike, data: bytes, sync: bool = True) -> None:
    with atomic_path(target, sync) as tmp:
        tmp.write_bytes(data)


def write_in_place(target: Path, data: bytes) -> None:
    """Write without a temporary file, rename or fsync: only for files whose completeness something written
    after them vouches for (the batch's work files: their record, with their sizes, comes last)."""
    try:
        with open(target, "wb") as fh:
            fh.write(data)
    except OSError as e:
        raise _output_error(target, e, creating=True) from None


def write_text(target: str | os.PathLike, text: str, sync: bool = True) -> None:
    write_bytes(target, text.encode("utf-8"), sync)


def flush(folder: str | os.PathLike, paths=()) -> None:
    """Make durable at once what was written under `folder` without fsync (`paths`, an iterable): one
    syncfs(2) of its file system where the C library has it (Linux; ~0.03 ms a file instead of ~0.4 ms
    for an fsync each), else an fsync of each of `paths`."""
    try:
        import ctypes

        syncfs = ctypes.CDLL(None, use_errno=True).syncfs
    except (ImportError, OSError, AttributeError, TypeError):
        syncfs = None
    if syncfs is not None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(fd) == 0:
                return
        finally:
            os.close(fd)
    for path in paths:
        with contextlib.suppress(OSError), open(path, "rb") as fh:
            os.fsync(fh.fileno())


class Staged:
    """Outputs replaced together: each write goes to a temporary file beside its target; `commit()`
    makes them all durable with one `flush` and only then renames each over its target. A killed run
    leaves its targets as they were (and temporary files `.{name}.*.tmp` the next run removes); an
    exception before commit removes the temporary files."""

    def __init__(self, folder: str | os.PathLike):
        self.folder = Path(folder)
        self._pending: list[tuple[str, Path]] = []
        self._made: set[Path] = set()  # folders known to exist: a batch places thousands of files in a few

    def write_bytes(self, target: str | os.PathLike, data: bytes) -> None:
        target = Path(target)
        if target.is_dir():
            raise refuse("output.is_directory", target)
        try:
            if target.parent not in self._made:
                target.parent.mkdir(parents=True, exist_ok=True)
                self._made.add(target.parent)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem[:40]}.", suffix=target.suffix + ".tmp", dir=target.parent)
        except OSError as e:
            raise _output_error(target, e, creating=True) from None
        self._pending.append((tmp, target))
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o666 & ~_umask())
        except OSError as e:
            raise _output_error(target, e, creating=False) from None

    def commit(self) -> None:
        if not self._pending:
            return
        flush(self.folder, [tmp for tmp, _ in self._pending])
        for tmp, target in self._pending:  # on an error, discard() removes the temporary files left
            try:
                os.replace(tmp, target)
            except OSError as e:
                raise _output_error(target, e, creating=False) from None
        self._pending.clear()

    def discard(self) -> None:
        for tmp, _ in self._pending:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        self._pending.clear()

    def __enter__(self) -> "Staged":
        return self

    def __exit__(self, kind, value, tb) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self.discard()
