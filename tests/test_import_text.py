"""Copied web-page text (.txt) → report JSON: the 衡阳市商务局 sample imports exactly."""
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from converter.cli import main
from converter.base.errors import InputError
from converter.published import import_file
from converter.inputs.sources import load_report

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
# the 衡阳市商务局 report as copied from its web page (shared/reference/000_8baf80acad458d1f.txt)
SAMPLE = EXAMPLES / "published" / "hengyang-commerce-2025.txt"
EXPECTED = EXAMPLES / "hengyang-commerce-2025.json"


def test_hengyang_text_imports_exactly():
    loaded = import_file(SAMPLE)
    expected = json.loads(EXPECTED.read_text(encoding="utf-8"))
    assert loaded.report == expected
    # furniture dropped, "编制说明:" prefix dropped, blanks kept blank (not 0)
    assert "扫一扫" not in json.dumps(loaded.report, ensure_ascii=False)
    assert loaded.report["applications"]["granted"]["natural_person"] is None
    assert loaded.report["applications"]["granted"]["total"] == 0


def test_hengyang_guesses_are_reported():
    codes = {f.code: f for f in import_file(SAMPLE).findings}
    assert codes["import.guessed_agency"].severity == "warning"
    assert "衡阳市商务局" in codes["import.guessed_agency"].message
    assert codes["import.guessed_year"].context["guess"] == 2025
    assert "import.total_only" in codes  # 表三 rows with a single value read as 总计


def test_hengyang_matches_bundled_example(hengyang):
    assert import_file(SAMPLE).report == hengyang


def test_title_in_filename_wins_over_guess(tmp_path):
    target = tmp_path / "衡阳市商务局2025年政府信息公开工作年度报告.txt"
    shutil.copy(SAMPLE, target)
    loaded = import_file(target)
    assert (loaded.report["agency"], loaded.report["year"]) == ("衡阳市商务局", 2025)
    assert "import.guessed_agency" not in {f.code for f in loaded.findings}


def test_cli_import_writes_json(tmp_path):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(main, ["import", str(SAMPLE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text(encoding="utf-8")) == json.loads(EXPECTED.read_text(encoding="utf-8"))


def test_load_report_accepts_txt():
    assert load_report(SAMPLE).report["agency"] == "衡阳市商务局"


def test_gbk_text_file(tmp_path):
    text = SAMPLE.read_text(encoding="utf-8")
    p = tmp_path / "report.txt"
    p.write_bytes(text.encode("gb18030"))
    assert import_file(p).report["active_disclosure"]["licensing"]["decisions"] == 244


def test_one_cell_per_line_text(tmp_path):
    """Cells one per line without any " | ": placed by the form's row order and counts."""
    lines = ["某某县教育局2025年政府信息公开工作年度报告", "本报告根据条例编制。", "一、总体情况", "概况。",
             "二、主动公开政府信息情况", "第二十条第（一）项", "信息内容", "本年制发件数", "本年废止件数", "现行有效件数",
             "规章", "0", "0", "0", "行政规范性文件", "2", "1", "7", "第二十条第（五）项", "信息内容", "本年处理决定数量",
             "行政许可", "12", "第二十条第（六）项", "信息内容", "本年处理决定数量", "行政处罚", "3", "行政强制", "/",
             "第二十条第（八）项", "信息内容", "本年收费金额（单位：万元）", "行政事业性收费", "1.25",
             "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量",
             "4", "0", "0", "0", "0", "1", "5",
             "四、政府信息公开行政复议、行政诉讼情况", "行政复议", "行政诉讼", *(["1", "1", "1", "1", "4"] * 3),
             "五、存在的主要问题及改进情况", "问题。", "六、其他需要报告的事项", "无。"]
    p = tmp_path / "x.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    r = import_file(p).report
    assert (r["agency"], r["year"]) == ("某某县教育局", 2025)
    assert r["active_disclosure"]["normative_documents"] == {"issued": 2, "repealed": 1, "in_force": 7}
    assert r["active_disclosure"]["enforcement"]["decisions"] is None
    assert r["active_disclosure"]["fees"]["amount_wan_yuan"] == 1.25
    assert r["applications"]["new_received"] == {"natural_person": 4, "commercial": 0, "research": 0,
                                                 "social_welfare": 0, "legal_services": 0, "other_org": 1, "total": 5}
    assert r["review_litigation"]["litigation_after_review"]["total"] == 4
    assert r["text"]["other"] == "无。"


def test_not_a_report(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("今天天气很好。\n我们去公园。", encoding="utf-8")
    with pytest.raises(InputError) as e:
        import_file(p)
    assert e.value.code == "import.not_report"
