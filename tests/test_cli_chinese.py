"""click speaks Chinese through its extension points only: no English reaches the user, and nothing in the
package assigns to click's private names."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import main

ROOT = Path(__file__).resolve().parent.parent / "converter"
ENGLISH = re.compile(r"Usage:|Error:|Options:|Did you mean|Missing (argument|option)|No such|Invalid value|"
                     r"is not one of|not a valid|required\]|default:|Try '")


@pytest.mark.parametrize("args,words", [
    (["batch", "x", "-o", "y", "--job", "2"], "没有选项 --job"),
    (["chek"], "没有命令“chek”"),
    (["batch"], "缺少参数 收件文件夹"),
    (["batch", "x"], "缺少选项 -o / --output"),
    (["template", "-o", "a.xlsx", "--year", "abc"], "“abc”不是整数"),
    (["template", "-o", "a.xlsx", "--year", "1999"], "不在允许的范围"),
    (["check", "a.json", "--format", "xml"], "不是可选值"),
    (["check", "a", "b"], "多余的参数（b）"),
    (["check", "a.json", "--prior"], "选项 --prior 后面需要一个值"),
])
def test_usage_errors_are_chinese(args, words):
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 2
    assert words in r.stderr, r.stderr
    if "--prior" not in args:  # click raises a missing option value without its context: no usage line then
        assert "用法：" in r.stderr and "查看帮助" in r.stderr, r.stderr
    assert not ENGLISH.search(r.output), r.output


@pytest.mark.parametrize("command", ["", "check", "report", "batch", "import", "template", "read", "schema"])
def test_help_has_no_english_words_of_click(command):
    r = CliRunner().invoke(main, [command, "--help"] if command else ["--help"])
    assert r.exit_code == 0
    assert "用法：" in r.output and "选项：" in r.output and "显示帮助并退出" in r.output
    assert not ENGLISH.search(r.output), r.output


def test_no_private_name_of_click_is_patched():
    for path in ROOT.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"click\.\w*\._|\bclick\._\w+|_textwrap|sys\.modules\.get\(f?\"click", text), path
