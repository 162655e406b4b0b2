"""A piece of work done on the other core while the caller goes on: `fn()` in a forked child.

The batch's serial part ends with the summary workbook (xlsxwriter, pure Python) and the placing of
outputs (file system calls): independent, each a few tenths of a second per thousand files, and the
second core idle. Where fork is unsafe, missing or refused (another thread running, Windows, no process
or memory to spare), `fn()` simply runs when its result is asked for. A child that fails is not trusted
to explain itself: `wait()` then runs `fn()` again in the caller, which raises the real error (or succeeds).
If the caller fails first, the child is stopped: its work must not outlive the caller's.
"""
from __future__ import annotations

import os
import signal
import sys
import threading


class Background:
    def __init__(self, fn):
        self.fn = fn
        self.pid = None
        if hasattr(os, "fork") and threading.active_count() == 1:
            try:
                pid = os.fork()
            except OSError:  # EAGAIN, ENOMEM: the work is done here instead, when asked for
                return
            if pid == 0:  # the child: do the work, never return into the caller's code
                code = 1
                try:
                    signal.signal(signal.SIGTERM, _stop)  # stopped: its temporary files removed on the way out
                    die_with_parent()
                    fn()
                    code = 0
                except BaseException:  # noqa: BLE001 — reported by the exit code; the caller reruns fn
                    pass
                finally:
                    os._exit(code)
            self.pid = pid

    def wait(self):
        """fn()'s work done: by the child (None), or else by fn() here (its result)."""
        if self.pid is not None:
            pid, self.pid = self.pid, None
            try:
                _, status = os.waitpid(pid, 0)
                if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
                    return None
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): its outcome is unknown
                pass
        return self.fn()

    def __enter__(self) -> "Background":
        return self

    def __exit__(self, kind, value, tb) -> None:
        if self.pid is not None:  # the caller failed before asking: stop the child, then reap it
            pid, self.pid = self.pid, None
            try:
                os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _stop(signum, frame):
    raise SystemExit(1)


def die_with_parent() -> None:
    """On Linux, this process gets SIGTERM when its parent dies (kill -9 included), instead of working on
    as an orphan. Elsewhere the parent's own shutdown is all there is."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
