"""Messages that lead the user on (issue 12): folders, lock files, format refusals, import of a return,
click's hints and the help text."""
from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from converter.form.definition import DEFAULT_FORM, load_form
from converter.cli import main
from converter.cli_chinese import _CHUNK
from converter.cli_chinese import columns as _columns
from converter.excel.template import write_template

EXAMPLE = EXAMPLES / "hengyang-commerce-2025.json"


def run(*args, **kw):
    result = CliRunner().invoke(main, list(map(str, args)), **kw)
    assert "Traceback" not in result.output
    return result


@pytest.mark.parametrize("command", ["check", "read", "report", "import"])
def test_a_folder_says_folder_and_names_batch(tmp_path, command):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    r = run(command, inbox)
    assert r.exit_code == 2 and "input.is_directory" in r.output
    assert "这是一个文件夹" in r.output and "converter batch" in r.output
    assert "无扩展名" not in r.output


def test_a_folder_as_prior_of_check(tmp_path):
    (tmp_path / "上年").mkdir()
    r = run("check", EXAMPLE, "--prior", tmp_path / "上年")
    assert r.exit_code == 2 and "这是一个文件夹" in r.output and "converter batch" in r.output


@pytest.mark.parametrize("name", ["~$甲局.xlsx", ".~lock.甲局.xlsx#"])
def test_lock_files_named_as_such(tmp_path, name):
    lock = tmp_path / name
    lock.write_bytes(b"\x06Office user\x00" + b"\x00" * 150)  # what Excel leaves beside an open workbook
    for command in ("check", "read"):
        r = run(command, lock)
        assert r.exit_code == 2 and "input.lock_file" in r.output and "锁定文件" in r.output, r.output


def test_ods_refusal_speaks_to_libreoffice(tmp_path):
    import zipfile

    ods = tmp_path / "甲局.xlsx"
    with zipfile.ZipFile(ods, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    r = run("check", ods)
    assert r.exit_code == 2 and "input.ods" in r.output
    assert "LibreOffice" in r.output and "Excel 或 WPS 打开" not in r.output


def test_import_of_a_return_points_to_read(tmp_path):
    book = tmp_path / "甲局.xlsx"
    write_template(book, load_form(DEFAULT_FORM), agency="甲局", year=2025)
    r = run("import", book)
    assert r.exit_code == 2 and "import.workbook" in r.output
    assert f"converter read {book}" in r.output and "不支持导入" not in r.output


def test_click_hints_in_chinese():
    r = run("batch", "x", "-o", "y", "--job", "2")
    assert r.exit_code == 2 and "是不是要用 “--jobs”" in r.output and "Did you mean" not in r.output
    r = run("chek", "x")
    assert "是不是要用" in r.output and "Did you mean" not in r.output


def test_help_has_no_stray_spaces_and_fits_the_terminal():
    for command in ("", "check", "report", "batch", "import", "template", "read", "schema"):
        r = run(*([command] if command else []), "--help", terminal_width=80)
        assert r.exit_code == 0
        lines = r.output.splitlines()
        # a space between two Chinese characters comes from a docstring's line break
        assert not [l for l in lines if re.search(r"[\u4e00-\u9fff，。；：、）][ ][\u4e00-\u9fff（]", l)], command
        # measured in display columns, not characters: a CJK character takes two
        assert max(_columns(l) for l in lines if not l.lstrip().startswith("converter ")) <= 100, command
        # a short “quoted term” is never split across lines
        text = "\n".join(lines)
        assert not re.search(r"“[^”\n]{0,11}\n\s*[^“\n]{0,11}”", text), command


def test_chunks_keep_quoted_terms_and_closing_marks_together():
    chunks = _CHUNK.findall("按上年“结转下年度”预填本年“上年结转”，在表二旁")
    assert "“结转下年度”" in chunks and "“上年结转”，" in chunks
    assert not any(c.startswith(("，", "。", "）")) for c in chunks)


def test_manifest_is_readable_text(tmp_path):
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    write_template(inbox / "甲局.xlsx", load_form(DEFAULT_FORM), agency="甲局", year=2025)
    run("batch", inbox, "-o", out)
    text = (out / "manifest.json").read_text(encoding="utf-8")
    assert "甲局" in text and "\\u" not in text
    assert json.loads(text)["inputs"][0]["agency"] == "甲局"
