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


# ---- text as people copy it: spaces, tabs, lost separators, Markdown ----------------------------
from import_render import table_rows, tally  # noqa: E402

from converter.engine.sample import make_report  # noqa: E402
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path  # noqa: E402
from converter.published.core import unroll  # noqa: E402

FORM = load_form(DEFAULT_FORM)


def flat_rows(report: dict, table_id: str) -> list[list[str]]:
    """The table's grid without merges: a merged cell's text in its first slot, the others empty."""
    seen, rows = set(), []
    for row in unroll(table_rows(FORM, table_id, report)).rows:
        cells = []
        for slot in row:
            cells.append("" if slot.origin in seen else slot.text.replace("\n", ""))
            seen.add(slot.origin)
        rows.append(cells)
    return rows


def render_text(report: dict, table) -> str:
    """A whole report as text: title, preamble, `## ` headings, texts, and each table by `table(rows)`."""
    out = ["# " + FORM.title(report["agency"], report["year"]), FORM.default_preamble(report["year"])]
    for section in FORM.sections:
        out.append("## " + section.heading)
        if section.text:
            out.append(get_path(report, section.text))
        if section.table:
            out.extend(table(flat_rows(report, section.table)))
    return "\n".join(out)


def markdown_table(rows):
    lines = []
    for k, row in enumerate(rows):
        lines.append("| " + " | ".join(row) + " |")
        if k == 0:
            lines.append("|" + " --- |" * len(row))
    return lines


def separated_table(sep):
    return lambda rows: [sep.join(cell for cell in row if cell) for row in rows]


def numbers_diff(got: dict, want: dict) -> list:
    return [(c.key, get_path(got, c.key), get_path(want, c.key)) for c in FORM.numbers
            if get_path(got, c.key) != get_path(want, c.key)]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_markdown_with_explicit_empty_cells_imports_exactly(tmp_path, seed):
    report = make_report("某某市交通运输局", 2025, seed=seed, form=FORM, blanks=0.5)
    p = tmp_path / "report.txt"
    p.write_text(render_text(report, markdown_table), encoding="utf-8")
    assert "| |" in p.read_text(encoding="utf-8").replace("|  |", "| |")  # explicit empty cells present
    loaded = import_file(p)
    assert numbers_diff(loaded.report, report) == []
    assert loaded.report["text"]["overview"] == report["text"]["overview"]  # "## 一、总体情况" is a heading
    assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"])
    assert "import.missing_section" not in {f.code for f in loaded.findings}


@pytest.mark.parametrize("sep", [" ", "\t", "   "], ids=["one-space", "tab", "spaces"])
def test_numbers_separated_by_spaces_or_tabs_are_cells(tmp_path, sep):
    report = make_report("某某市交通运输局", 2025, seed=4, form=FORM, scale=5000)
    p = tmp_path / "report.txt"
    p.write_text(render_text(report, separated_table(sep)), encoding="utf-8")
    assert numbers_diff(import_file(p).report, report) == []


def _with_row(tmp_path, row_text: str, t4: str = "1 1 1 1 4 1 1 1 1 4 1 1 1 1 4"):
    lines = ["某某县教育局2025年政府信息公开工作年度报告", "一、总体情况", "概况。",
             "三、收到和处理政府信息公开申请情况", "（二）部分公开（区分处理的，只计这一情形，不计其他情形） " + row_text,
             "四、政府信息公开行政复议、行政诉讼情况", t4, "五、存在的主要问题及改进情况", "问题。",
             "六、其他需要报告的事项", "无。"]
    p = tmp_path / "x.txt"
    p.write_text("\n".join(lines), encoding="utf-8")
    return import_file(p)


def test_spaced_row_is_never_joined(tmp_path):
    loaded = _with_row(tmp_path, "447   7   0   0   0   0   454")
    assert loaded.report["applications"]["partially_granted"] == {
        "natural_person": 447, "commercial": 7, "research": 0, "social_welfare": 0, "legal_services": 0,
        "other_org": 0, "total": 454}


def test_lost_separators_split_only_when_one_split_adds_up(tmp_path):
    loaded = _with_row(tmp_path, "44770000454")
    assert loaded.report["applications"]["partially_granted"]["total"] == 454
    note = next(f for f in loaded.findings if f.code == "import.split_by_identity")
    assert note.severity == "info" and "44770000454" in note.message
    # 1 10 20 20 20 0 71 and 11 0 20 20 20 0 71 both add up: nothing stored, the row quoted
    loaded = _with_row(tmp_path, "110202020071")
    assert set(loaded.report["applications"]["partially_granted"].values()) == {None}
    warning = next(f for f in loaded.findings if f.code == "import.unplaced_row")
    assert "110202020071" in warning.message
    # a lone number is not a 总计 unless it is 0
    loaded = _with_row(tmp_path, "454")
    assert set(loaded.report["applications"]["partially_granted"].values()) == {None}


def test_scrambled_numbers_are_left_blank(tmp_path):
    """表四's 15 numbers in an order that breaks its sums (reading order of a PDF): not stored."""
    loaded = _with_row(tmp_path, "1 1 1 1 1 1 6", t4="1 1 4 1 1 1 1 4 1 1 1 1 1 4 1")
    assert set(loaded.report["review_litigation"]["review"].values()) == {None}
    finding = next(f for f in loaded.findings if f.code == "import.uncertain_row")
    assert "1 1 4 1 1" in finding.message
    assert loaded.report["applications"]["partially_granted"]["total"] == 6


def pipe_table(rows):
    """Cells joined by " | " with no Markdown separator line: plain text, its empty cells kept."""
    return [" | ".join(row) for row in rows]


def render_cells(report: dict, table) -> str:
    """render_text with each table row as a browser copies a web page's table: its cells as the page has
    them (a merged cell once, in its first row), not the grid's slots."""
    text = render_text(report, lambda rows: ["@@"])
    for section in FORM.sections:
        if section.table:
            rows = [[t.replace("\n", "") for t, _, _ in row] for row in table_rows(FORM, section.table, report)]
            text = text.replace("@@", "\n".join(table(rows)), 1)
    return text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pipe_rows_keep_their_empty_cells(tmp_path, seed):
    """`规章 | 2 |  | 1`: the empty cell is a cell. A row whose LAST cell is empty (`规章 | 2 | 2 |`) cannot be told
    from a row closed by a pipe: it may stay blank, never shifted."""
    report = make_report("某某市交通运输局", 2025, seed=seed, form=FORM, blanks=0.5)
    p = tmp_path / "report.txt"
    p.write_text(render_cells(report, pipe_table), encoding="utf-8")
    got = import_file(p).report
    rows: dict = {}
    for cell in FORM.numbers:
        rows.setdefault((cell.table, cell.r), []).append(cell)
    placed = 0
    for cells in rows.values():
        wanted = [get_path(report, c.key) for c in cells]
        found = [get_path(got, c.key) for c in cells]
        assert found in (wanted, [None] * len(cells)), (cells[0].key, found, wanted)
        if wanted[-1] is not None and any(v is None for v in wanted):
            assert found == wanted, cells[0].key  # an empty cell inside the row: placed by its pipes
            placed += 1
    assert placed >= 3


def web_copy_table(rows):
    """A web page's table as a browser copies it (the 衡阳 reference page): cells apart by " | ", a line
    break at each empty cell (`label |`, `|`, …, `| 1982 | ||`), the row closed by " | ||"."""
    lines = []
    for row in rows:
        text = " | ".join(row) + " | ||"
        while "|  |" in text:
            text = text.replace("|  |", "|\n|", 1)
        lines.extend(text.split("\n"))
    return lines


def test_a_web_copy_with_a_line_per_empty_cell_places_exact_rows_only(tmp_path):
    """Rows that publish only the 总计 (the applicant columns empty): placed when the empty cells add up to
    the row's columns; a row that lost a cell (a merged label's) stays blank. Never a wrong number."""
    report = make_report("某某市交通运输局", 2025, seed=5, form=FORM)
    for cell in FORM.table["t3"].numbers:
        if cell.col_label != "总计":
            set_path(report, cell.key, None)
    p = tmp_path / "report.txt"
    p.write_text(render_cells(report, web_copy_table), encoding="utf-8")
    counts = tally(import_file(p).report, report)
    assert counts["wrong"] == [] and counts["right"] == len(FORM.numbers), counts


def test_markdown_rows_whose_first_cell_holds_the_group_and_the_row_label(tmp_path):
    """`| 三、本年度办理结果 （一）予以公开 | 24 | …`: a table retyped with one label column; the row's own label
    comes last in the cell."""
    report = make_report("某某市交通运输局", 2025, seed=6, form=FORM)
    label_cols = min(n.c for n in FORM.table["t3"].numbers) - 1

    def one_label_column(rows):
        if len(rows) != FORM.table["t3"].rows:  # 表二, 表四 as they are
            return markdown_table(rows)
        out = []
        for row in rows:
            labels = " ".join(cell for cell in row[:label_cols] if cell)
            out.append([labels, *row[label_cols:]])
        return markdown_table(out)

    p = tmp_path / "report.txt"
    p.write_text(render_text(report, one_label_column), encoding="utf-8")
    assert "三、本年度办理结果 （一）予以公开" in p.read_text(encoding="utf-8")
    counts = tally(import_file(p).report, report)
    assert counts == {"right": len(FORM.numbers), "blank": 0, "wrong": []}, counts


@pytest.mark.parametrize("seed", [1, 2])
def test_rows_framed_by_pipes_keep_every_empty_cell_the_last_too(tmp_path, seed):
    """`| 规章 | 2 | 2 |  |` (Markdown without its separator line): the pipes frame each row, so an empty last
    cell is a cell, and the pipe that opens a row is not an empty cell after the row above."""
    report = make_report("某某市交通运输局", 2025, seed=seed, form=FORM, blanks=0.5)
    p = tmp_path / "report.txt"
    p.write_text(render_cells(report, lambda rows: ["| " + " | ".join(row) + " |" for row in rows]), encoding="utf-8")
    assert numbers_diff(import_file(p).report, report) == []


def _wrapped(paragraphs: list[str], width: int = 26, indent: str = "") -> list[str]:
    """Paragraphs wrapped at `width` characters as pdftotext prints a page; `indent` before each first line."""
    lines = []
    for p in paragraphs:
        first = True
        while p:
            cut = width - (len(indent) // 2 if first else 0)
            lines.append((indent if first else "") + p[:cut])
            p, first = p[cut:], False
    return lines


def test_text_from_a_pdf_rejoins_a_paragraph_across_a_page_break_and_splits_at_indents(tmp_path):
    """A paragraph running over a page's end (blank lines, page number, form feed, the running header) is one
    paragraph; with -layout's first-line indents, a paragraph whose last line is full still ends there."""
    sentence = "落实公开属性源头认定和发布前保密审查制度，动态更新政府信息公开目录，加强政务新媒体管理。"
    full_last = (sentence * 2)[:50] + "。"  # indented: 25 + 26 characters, its last line full
    paras = [sentence * 2, "规范受理、办理、答复流程" + sentence * 3 + "持续提升质量。", full_last, sentence]
    for indent in ("", "  "):
        lines = _wrapped(paras, indent=indent)
        cut = 5  # the second paragraph runs over the page's end
        body = lines[:cut] + ["", "", "                   —1—", "\f某某市交通运输局"] + lines[cut:]
        body += ["", "                   —2—", "\f某某市交通运输局", "（二）依申请公开", sentence]
        text = "\n".join(["某某市交通运输局2025年政府信息公开工作年度报告", "一、总体情况", *body,
                          "四、政府信息公开行政复议、行政诉讼情况", "1 1 1 1 4 1 1 1 1 4 1 1 1 1 4",
                          "五、存在的主要问题及改进情况", "无。", "六、其他需要报告的事项", "无。"])
        p = tmp_path / "r.txt"
        p.write_text(text, encoding="utf-8")
        got = import_file(p).report["text"]["overview"].splitlines()
        want = [*paras, "（二）依申请公开", sentence]
        if not indent:  # without indents a paragraph whose last line is full runs into the next: text kept whole
            assert "".join(got) == "".join(want) and "某某市交通运输局" not in "".join(got[:-2])
        else:
            assert got == want
