"""converter.base.background: the summary workbook is written on the other core while outputs are placed."""
import os

import pytest

from converter.base.background import Background


def test_the_work_runs_in_another_process(tmp_path):
    marker = tmp_path / "pid"
    with Background(lambda: marker.write_text(str(os.getpid()))) as job:
        assert job.wait() is None  # done by the child
    assert marker.read_text() not in ("", str(os.getpid()))


def test_a_failing_child_is_rerun_here_and_its_error_raised(tmp_path):
    calls = tmp_path / "calls"

    def failing():
        with open(calls, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        raise ValueError("写不了")

    with pytest.raises(ValueError, match="写不了"):
        with Background(failing) as job:
            job.wait()
    pids = calls.read_text().split()
    assert len(pids) == 2 and pids[1] == str(os.getpid()) and pids[0] != pids[1]


def test_the_caller_failing_stops_the_child(tmp_path):
    """Work whose caller failed must not land afterwards (a summary of outputs never placed)."""
    marker = tmp_path / "late"

    def slow():
        import time
        time.sleep(1)
        marker.write_text("done")

    with pytest.raises(RuntimeError):
        with Background(slow) as job:
            pid = job.pid
            raise RuntimeError("placing failed")
    assert pid is not None and job.pid is None
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaped, not left a zombie
    import time
    time.sleep(1.2)
    assert not marker.exists()


def test_no_fork_no_child_the_work_is_done_here(tmp_path, monkeypatch):
    """fork refused (EAGAIN, ENOMEM) or the child reaped by someone else: wait() does the work itself."""
    def refused():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    with monkeypatch.context() as m:
        m.setattr(os, "fork", refused)
        job = Background(lambda: os.getpid())
    assert job.pid is None and job.wait() == os.getpid()

    marker = tmp_path / "pid"
    job = Background(lambda: marker.write_text(str(os.getpid())) and os.getpid())
    os.waitpid(job.pid, 0)  # as a SIGCHLD handler that reaps everything would
    assert job.wait() == os.getpid()  # unknown outcome: done again here
