"""The summary workbook people read on screen and on paper (issue 12 item 4): rows tall enough for their
wrapped text, columns sized to A4 landscape, header rows repeated, nothing printed below 9 pt, and finding
codes named in Chinese where people read them (the summary's and the annotated copy's 问题清单)."""
from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from office import convert

from converter.base.refusals import CATALOGUE as REFUSALS
from converter.base.text import text_width
from converter.engine.catalogue import CODES, finding_name
from converter.engine.sample import make_report
from converter.excel.layout import ISSUES
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, available_forms, get_path, load_form, set_path
from converter.round.batch import run_batch
from converter.round.summary import (AGENCY_SHEET, FINDINGS_SHEET, MISSING_SHEET, SUMMARY_PART1,
                                     SUMMARY_SHEET, fit_widths, page_units)

FORM = load_form(DEFAULT_FORM)
ROOT = Path(__file__).resolve().parent.parent
LONG = "某某省某某市某某县人民政府办公室（县政府信息公开工作领导小组办公室）"
CODE = re.compile(r"[a-z_0-9]+\.[a-zA-Z_0-9.]+")


@pytest.fixture(scope="module")
def round_out(tmp_path_factory):
    """A county's round: long agency names and file names, two broken workbooks, one corrupt, a roster."""
    tmp = tmp_path_factory.mktemp("summary")
    inbox = tmp / "收件"
    inbox.mkdir()
    names = [LONG, "某某县发展和改革局", "某某县教育局", "某某县公安局", "某某县自然资源和规划局", "某某县财政局"]
    for i, agency in enumerate(names):
        report = make_report(agency, 2025, scale=30 + 40 * i, seed=i, form=FORM)
        if i in (1, 3):
            key = "applications.carried_forward.research"
            set_path(report, key, (get_path(report, key) or 0) + 2)
        write_template(inbox / f"{agency}-2025年度政府信息公开工作年度报告填报表（第二次修改稿）.xlsx", FORM,
                       agency=agency, year=2025, values=report, contact="张三", phone="0734-1234567")
    (inbox / f"{names[2]}-旧版.xlsx").write_bytes(b"PK\x03\x04 truncated")
    (tmp / "名单.csv").write_text("单位名称\n" + "\n".join(names + ["某某县应急管理局"]) + "\n", encoding="utf-8")
    result = run_batch(inbox, tmp / "out", roster=tmp / "名单.csv", jobs=1, year=2025)
    return result


def _widths(ws) -> list[float]:
    """Every column's width (openpyxl groups adjacent columns of one width under the first)."""
    out = [8.43] * ws.max_column
    for dim in ws.column_dimensions.values():
        for c in range(dim.min or 1, min(dim.max or 0, ws.max_column) + 1):
            out[c - 1] = round(dim.width - 5 / 7, 2)  # as set: the file adds Excel's 5-pixel cell padding
    return out


def _lines(text, width) -> int:
    return sum(max(1, -(-int(text_width(p) * 100) // int((width - 1.2) * 100))) for p in str(text).split("\n"))


def test_every_sheet_prints_landscape_a4_one_page_wide_with_headers_repeated(round_out):
    wb = openpyxl.load_workbook(round_out.summary_path)
    assert {AGENCY_SHEET, SUMMARY_SHEET, FINDINGS_SHEET, MISSING_SHEET, "合计·表二", "合计·表三", "合计·表四"} <= set(wb.sheetnames)
    titles = {AGENCY_SHEET: "4:4", SUMMARY_SHEET: "4:4", FINDINGS_SHEET: "1:1", MISSING_SHEET: "3:3"}
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9, ws.title
        if ws.title in titles:
            assert (ws.print_title_rows or "").replace("$", "") == titles[ws.title], ws.title
        widths = _widths(ws)
        if ws.title == SUMMARY_SHEET:  # two page-wide parts at 100 %, 序号/文件/单位 repeated on the second
            assert not ws.sheet_properties.pageSetUpPr or not ws.sheet_properties.pageSetUpPr.fitToPage
            assert [b.id for b in ws.col_breaks.brk] == [len(SUMMARY_PART1)]
            assert (ws.print_title_cols or "").replace("$", "") == "A:C"
            first, second = widths[:len(SUMMARY_PART1)], widths[:3] + widths[len(SUMMARY_PART1):]
            assert sum(first) <= page_units(len(first)) + 2 and sum(second) <= page_units(len(second)) + 2
        else:  # fit one page wide, never tall; the columns already fit the paper, so about 100 %
            assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
            assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0, ws.title  # 1 is the default
            assert sum(widths) <= page_units(len(widths)) + 0.15 * len(widths), ws.title  # whole pixels


def test_rows_are_tall_enough_for_their_wrapped_text(round_out):
    wb = openpyxl.load_workbook(round_out.summary_path)
    checked = 0
    for name, head_row in ((AGENCY_SHEET, 4), (SUMMARY_SHEET, 4), (FINDINGS_SHEET, 1)):
        ws = wb[name]
        widths = _widths(ws)
        for row in ws.iter_rows(min_row=head_row + 1):
            texts = [(c.value, widths[c.column - 1]) for c in row if isinstance(c.value, str) and c.value]
            if not texts:
                continue
            lines = max(_lines(v, w) for v, w in texts)
            height = ws.row_dimensions[row[0].row].height
            assert height is not None and height >= 13 * lines, (name, row[0].row, lines, height)
            checked += lines > 1
    assert checked >= 5  # long file names and messages did wrap


def test_rule_names_in_chinese_where_people_read_codes_stay_in_json(round_out):
    wb = openpyxl.load_workbook(round_out.summary_path)
    ws = wb[FINDINGS_SHEET]
    heads = [c.value for c in ws[1]]
    names = [r[heads.index("规则")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert names and not [n for n in names if CODE.fullmatch(n or "")]
    balance = next(r.title for r in FORM.rules if r.code == "t3.balance")
    assert balance in names and REFUSALS["input.truncated"][1] in names
    items = list(round_out.full_items())  # the codes stay in the records (and so in manifest.json)
    assert "t3.balance" in {f["code"] for i in items for f in i.get("findings", [])}
    annotated = sorted((round_out.outbox / "退回修改").glob("*.xlsx"))
    assert len(annotated) == 2
    issues = openpyxl.load_workbook(annotated[0])[ISSUES]
    listed = [r[4] for r in issues.iter_rows(min_row=3, values_only=True) if r[0]]
    assert balance in listed and not [n for n in listed if CODE.fullmatch(n or "")]


def test_every_finding_code_has_a_chinese_name():
    """Codes written as literals in the source (reader notes, findings) and every rule of every edition."""
    literal = re.compile(r"""(?:note|Finding|_finding|self\.add)\(\s*["']([a-z_]+\.[a-zA-Z_]+)["']""")
    codes = set()
    for path in (ROOT / "converter").rglob("*.py"):
        codes |= set(literal.findall(path.read_text(encoding="utf-8")))
    assert {"read.not_a_number", "prior.agency_mismatch"} <= codes
    codes = {c for c in codes if not c.endswith("_")} | {"import.identity_from_page_title", "import.identity_from_filename"}
    for code in codes:
        assert finding_name(code) != code, code
        assert re.search(r"[\u4e00-\u9fff]", finding_name(code)), code
    for form_id in available_forms():
        form = load_form(form_id)
        for rule in form.rules:
            assert finding_name(rule.code, form=form) == rule.title
    assert all(sev in ("error", "warning", "info") and name for sev, name, _ in CODES.values())


def test_fit_widths_narrows_the_widest_columns_first():
    widths = fit_widths([5, 8, 30, 90], budget=80)
    assert sum(widths) == pytest.approx(80, abs=0.1)
    assert widths[:3] == [5, 8, 30] and widths[3] == pytest.approx(37, abs=0.1)  # only the widest narrowed


def test_printed_by_libreoffice_no_text_below_9pt_and_nothing_beyond_the_page(round_out, tmp_path):
    pdfplumber = pytest.importorskip("pdfplumber")
    pdf = convert(round_out.summary_path, "pdf", tmp_path)
    with pdfplumber.open(pdf) as doc:
        assert len(doc.pages) <= 16
        for number, page in enumerate(doc.pages, start=1):
            assert page.width > page.height  # landscape
            # a CJK glyph is as wide as its type is large: the printed size, whatever the page's scaling
            sizes = [c["x1"] - c["x0"] for c in page.chars if "\u4e00" <= c["text"] <= "\u9fff" and c["upright"]]
            assert sizes and min(sizes) >= 9, (number, min(sizes))
            right = max((r["x1"] for r in page.rects + page.lines), default=0)
            assert right <= page.width - 20, (number, right)


def test_readme_lists_every_finding_code_with_its_name():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    labels = {"error": "错误", "warning": "警告", "info": "提示"}
    for code, (severity, name, _) in CODES.items():
        assert f"| `{code}` | {labels[severity]} | {name} |" in readme, code
    for form_id in available_forms():
        for rule in load_form(form_id).rules:
            assert f"`{rule.code}`" in readme or f"`.{rule.code.split('.', 1)[-1]}`" in readme, rule.code


def test_a_cell_that_surely_fits_is_counted_as_one_line_as_measuring_it_would():
    """lines_of skips measuring a cell that would fit even if every character were wide: the same count."""
    import math
    import random

    from converter.round.summary import lines_of

    rng = random.Random(3)
    for _ in range(20000):
        text = "".join(rng.choice("ab1 中文（）。\n") for _ in range(rng.randint(0, 40)))
        width = rng.choice([2.25, 5, 8, 9.5, 12, 16, 24, 46])
        room = max(width - 1.2, 1.0)
        measured = sum(max(1, math.ceil(text_width(part) / room)) for part in text.split("\n"))
        assert lines_of(text, width) == measured, (text, width)
