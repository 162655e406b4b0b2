"""A bug of ours is never blamed on the agency's file: it is internal.error, with the traceback logged."""
from __future__ import annotations

import json

from click.testing import CliRunner

from converter.cli import main
from converter.engine.sample import make_report
from converter.excel import read as xlsx_read
from converter.form.definition import DEFAULT_FORM, load_form
from xlsx_fill import filled_template


def _broken_reader(monkeypatch, tmp_path):
    log = tmp_path / "errors.log"
    monkeypatch.setenv("CONVERTER_ERROR_LOG", str(log))

    def bug(self, year=None):
        raise KeyError("max")

    monkeypatch.setattr(xlsx_read._Reader, "read", bug)
    return log


def test_check_says_internal_error_not_damaged_file(monkeypatch, tmp_path):
    book = filled_template(tmp_path, make_report("甲局", 2025, form=load_form(DEFAULT_FORM)))
    log = _broken_reader(monkeypatch, tmp_path)
    r = CliRunner().invoke(main, ["check", str(book)])
    assert r.exit_code == 2
    assert "internal.error" in r.stderr and "不是文件本身的问题" in r.stderr and "损坏" not in r.stderr
    assert "KeyError" in log.read_text(encoding="utf-8") and "Traceback" in log.read_text(encoding="utf-8")


def test_batch_marks_the_file_with_the_internal_error(monkeypatch, tmp_path):
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    filled_template(inbox, make_report("甲局", 2025, form=load_form(DEFAULT_FORM)), name="甲局.xlsx")
    for blank in inbox.glob("blank-*"):
        blank.unlink()
    _broken_reader(monkeypatch, tmp_path)
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out), "-j", "1"])
    assert r.exit_code == 2, r.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (item,) = manifest["inputs"]
    assert item["error"]["code"] == "internal.error"
