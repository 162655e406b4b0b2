import json

import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from converter.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(map(str, args)))
    assert "Traceback" not in result.output
    return result


def test_hengyang_passes_with_blank_warning():
    r = run("check", EXAMPLES / "hengyang-commerce-2025.json")
    assert r.exit_code == 0
    assert "警告 1 项" in r.output and "150 格留空" in r.output and "结论：通过" in r.output


def test_broken_example_exits_1_with_rule_labels_sides_and_difference():
    r = run("check", EXAMPLES / "county-education-2025-broken.json")
    assert r.exit_code == 1
    line = next(l for l in r.output.splitlines() if "[t3.balance]" in l)
    assert "表三「科研机构」列" in line and "一、本年新收政府信息公开申请数量" in line
    assert "= 93" in line and "= 98" in line and "相差 -5" in line


def test_json_output_is_the_library_data():
    r = run("check", EXAMPLES / "county-education-2025-broken.json", "--format", "json")
    data = json.loads(r.output)
    assert r.exit_code == 1
    assert data["counts"]["error"] == len([f for f in data["findings"] if f["severity"] == "error"]) == 5
    f = next(f for f in data["findings"] if f["code"] == "t4.total")
    assert f["location"] == {"path": "review_litigation.review.total", "table": "表四",
                             "row_label": "行政复议", "col_label": "总计"}
    assert f["context"]["difference"] == 1


def test_prior_raises_cross_year_warnings_and_still_exits_0():
    this, last = EXAMPLES / "district-market-regulation-2025.json", EXAMPLES / "district-market-regulation-2024.json"
    assert run("check", this).exit_code == 0
    r = run("check", this, "--prior", last, "--format", "json")
    codes = sorted(f["code"] for f in json.loads(r.output)["findings"])
    assert r.exit_code == 0
    assert codes == ["prior.carried_over", "prior.carried_over", "prior.in_force"]


@pytest.mark.parametrize("content,expect", [
    (b"", "文件是空的"),
    (b"{not json", "不是有效的 JSON"),
    (b"[1, 2]", "不是一份年度报告"),
    (b'{"form": "gov-info-disclosure-2019"}', "表式“gov-info-disclosure-2019”"),
    ("{}".encode("utf-16"), "不是 UTF-8"),
])
def test_unusable_json_exits_2_with_one_chinese_line(tmp_path, content, expect):
    path = tmp_path / "坏文件.json"
    path.write_bytes(content)
    r = CliRunner().invoke(main, ["check", str(path)])
    assert r.exit_code == 2
    assert expect in r.stderr and str(path) in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr


def test_missing_file_and_unsupported_kind_exit_2(tmp_path):
    assert run("check", tmp_path / "无.json").exit_code == 2
    other = tmp_path / "a.rtf"
    other.write_bytes(b"{\\rtf1}")
    r = run("check", other)
    assert r.exit_code == 2 and "不支持的文件类型" in r.stderr
    broken = tmp_path / "a.pdf"  # a PDF is read as a published report: a broken one is refused, not a traceback
    broken.write_bytes(b"%PDF")
    r = run("check", broken)
    assert r.exit_code == 2 and "import.unreadable" in r.stderr


def test_help_is_chinese():
    r = run("--help")
    assert r.exit_code == 0 and "用法" in r.output and "命令" in r.output and "Show this" not in r.output
    r = run("check", "--help")
    assert "上一年度的报告" in r.output and "显示帮助并退出" in r.output


def test_schema_command_prints_the_committed_schema():
    from converter.form.definition import data_dir

    r = run("schema")
    assert r.exit_code == 0
    assert r.output == (data_dir("schemas") / "gov-info-disclosure-2021.schema.json").read_text(encoding="utf-8")


def test_json_format_refusal_is_json_on_stdout(tmp_path):
    r = CliRunner().invoke(main, ["check", str(tmp_path / "无.json"), "--format", "json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"]["code"] == "input.not_found"


def test_click_usage_errors_are_chinese():
    r = CliRunner().invoke(main, ["check", "x.json", "--format", "xml"])
    assert r.exit_code == 2 and "不是可选值" in r.stderr and "is not one of" not in r.stderr
    r = CliRunner().invoke(main, ["batch", "--help"])
    assert "[必填]" in r.output and "required" not in r.output
