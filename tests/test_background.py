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


def test_the_caller_failing_still_waits_for_the_child(tmp_path):
    marker = tmp_path / "late"

    def slow():
        import time
        time.sleep(0.3)
        marker.write_text("done")

    with pytest.raises(RuntimeError):
        with Background(slow):
            raise RuntimeError("placing failed")
    assert marker.read_text() == "done"  # not left running behind the error
