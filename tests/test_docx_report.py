"""The Word report, opened and checked as XML / through python-docx (no office suite needed)."""
from __future__ import annotations

import copy
import datetime
import json
import zipfile

import docx
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, load_example
from docx_inspect import NS, body_paragraphs, merges, part, read_grid, tables, text_of, wq

from converter.cli import main
from converter.engine.printed import format_number
from converter.word.report import build_report, column_widths, write_report
from converter.form.definition import DEFAULT_FORM, form_from_dict, get_path, load_form, set_path

VALID_EXAMPLES = ["hengyang-commerce-2025.json", "city-natural-resources-2025.json",
                  "district-market-regulation-2024.json", "district-market-regulation-2025.json"]
HEADINGS = ["一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项"]


def unique_numbers_report(form, overview="全年工作概况。\n（一）主动公开\n主动公开信息若干条。\n(二)依申请公开\n依法答复。"):
    """Every number cell a different value (101, 102, …), the fee with decimals: a misplaced cell shows."""
    report = form.empty_report("某某市某某局", 2025)
    for i, cell in enumerate(sorted(form.numbers, key=lambda n: (n.table, n.r, n.c))):
        set_path(report, cell.key, 24252.311082 if cell.type == "amount" else 101 + i)
    set_path(report, "text.overview", overview)
    set_path(report, "text.problems", "问题一。\n改进措施一。")
    set_path(report, "text.other", "本年度未收取信息处理费。")
    return report


@pytest.fixture(scope="module")
def form_():
    return load_form(DEFAULT_FORM)


@pytest.fixture(scope="module")
def unique_docx(tmp_path_factory, form_):
    out = tmp_path_factory.mktemp("docx") / "unique.docx"
    write_report(unique_numbers_report(form_), form_, out, sign_date=datetime.date(2026, 1, 20))
    return out


def write(tmp_path, report, name="r.docx", **kw):
    out = tmp_path / name
    findings = write_report(report, load_form(DEFAULT_FORM), out, **kw)
    return out, findings


# ---- tables: every number in its official cell, exactly the official merges ------------------
@pytest.mark.parametrize("name", VALID_EXAMPLES)
def test_every_number_in_its_official_cell(tmp_path, name, form_):
    report = load_example(name)
    out, _ = write(tmp_path, report)
    produced = tables(out)
    assert len(produced) == len(form_.tables)
    for table, tbl in zip(form_.tables, produced):
        grid = read_grid(tbl)
        for cell in table.numbers:
            origin, rs, cs, text = grid[(cell.r, cell.c)]
            assert origin == (cell.r, cell.c)
            assert text == format_number(get_path(report, cell.key)), (table.name, cell.row_label, cell.col_label)


def test_unique_numbers_land_in_their_cells(unique_docx, form_):
    report = unique_numbers_report(form_)
    seen = 0
    for table, tbl in zip(form_.tables, tables(unique_docx)):
        grid = read_grid(tbl)
        for cell in table.numbers:
            assert grid[(cell.r, cell.c)][3] == format_number(get_path(report, cell.key))
            seen += 1
    assert seen == 200  # 10 + 175 + 15


def test_labels_and_merges_equal_the_official_grids(unique_docx, form_):
    for table, tbl in zip(form_.tables, tables(unique_docx)):
        grid = read_grid(tbl)
        assert max(r for r, _ in grid) == table.rows
        assert max(c for _, c in grid) == table.cols
        assert len(grid) == table.rows * table.cols  # every slot covered exactly once per row
        official = {(x.r, x.c, x.rs, x.cs) for x in (*table.labels, *table.numbers)}
        assert merges(grid) == official, table.name
        for label in table.labels:
            assert grid[(label.r, label.c)][3] == label.text


def test_official_grid_sizes(unique_docx):
    sizes = []
    for tbl in tables(unique_docx):
        grid = read_grid(tbl)
        sizes.append((max(c for _, c in grid), max(r for r, _ in grid)))
    assert sizes == [(4, 14), (10, 28), (15, 4)]


def test_widths_on_grid_and_every_cell_header_rows_and_no_split(unique_docx, form_):
    for table, tbl in zip(form_.tables, tables(unique_docx)):
        cols = [int(w) for w in tbl.xpath("./w:tblGrid/w:gridCol/@w:w", namespaces=NS)]
        assert cols == column_widths(table)
        assert sum(cols) == int(tbl.xpath("./w:tblPr/w:tblW/@w:w", namespaces=NS)[0])
        assert tbl.xpath("./w:tblPr/w:tblLayout/@w:type", namespaces=NS) == ["fixed"]
        for r, tr in enumerate(tbl.xpath("./w:tr", namespaces=NS), start=1):
            assert tr.xpath("./w:trPr/w:cantSplit", namespaces=NS)
            assert bool(tr.xpath("./w:trPr/w:tblHeader", namespaces=NS)) == (r <= table.header_rows)
            c = 0
            for tc in tr.xpath("./w:tc", namespaces=NS):
                span = int((tc.xpath("./w:tcPr/w:gridSpan/@w:val", namespaces=NS) or ["1"])[0])
                width = tc.xpath("./w:tcPr/w:tcW", namespaces=NS)[0]
                assert width.get(wq("type")) == "dxa"
                assert int(width.get(wq("w"))) == sum(cols[c:c + span])
                c += span
            assert c == table.cols


def test_numbers_centred_in_table_style(unique_docx):
    styles = part(unique_docx, "word/styles.xml")
    jc = styles.xpath("//w:style[@w:styleId='TableText']/w:pPr/w:jc/@w:val", namespaces=NS)
    assert jc == ["center"]
    doc = part(unique_docx, "word/document.xml")
    for p in doc.xpath("//w:tc/w:p[w:r]", namespaces=NS):
        if text_of(p).replace(".", "").isdigit():
            assert not p.xpath("./w:pPr/w:jc", namespaces=NS)  # inherits centre from the table style


def test_blank_stays_blank_unless_blank_as_zero(tmp_path, form_):
    report = load_example("hengyang-commerce-2025.json")
    blanks = [n for n in form_.numbers if get_path(report, n.key) is None]
    assert len(blanks) == 150
    for flag, expected in ((False, ""), (True, "0")):
        out, _ = write(tmp_path, report, f"b{flag}.docx", blank_as_zero=flag)
        grids = {t.id: read_grid(tbl) for t, tbl in zip(form_.tables, tables(out))}
        for cell in blanks:
            assert grids[cell.table][(cell.r, cell.c)][3] == expected


@pytest.mark.parametrize("value,shown", [(24252.311082, "24252.311082"), (0.5, "0.5"), (3.0, "3"), (0, "0"),
                                         (0.000001, "0.000001"), (1.10, "1.1"), (None, "")])
def test_fee_shown_with_its_decimals(value, shown):
    assert format_number(value) == shown


# ---- text: title, preamble, headings, level-2 headings, signature ----------------------------
def test_title_preamble_headings_and_level2(unique_docx, form_):
    paras = body_paragraphs(unique_docx)
    assert paras[0] == ("Title", "某某市某某局2025年政府信息公开工作年度报告")
    assert paras[1] == ("BodyText", form_.default_preamble(2025))
    assert "统计期限自2025年1月1日起至2025年12月31日止" in paras[1][1]
    assert [t for s, t in paras if s == "Heading1"] == HEADINGS
    assert [t for s, t in paras if s == "Heading2"] == ["（一）主动公开", "(二)依申请公开"]
    assert paras[-2:] == [("Signature", "某某市某某局"), ("Signature", "2026年1月20日")]


def test_own_preamble_and_paragraph_split(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    out, _ = write(tmp_path, report)
    paras = body_paragraphs(out)
    assert paras[1][1] == report["text"]["preamble"]
    problems = [t for t in report["text"]["problems"].split("\n") if t.strip()]
    i = [t for _, t in paras].index("五、存在的主要问题及改进情况")
    assert [t for _, t in paras[i + 1:i + 1 + len(problems)]] == problems
    assert paras[i + 1][0] == "Heading2"  # "(一)存在问题"
    assert not any(s == "Signature" for s, _ in paras)  # no --sign-date, no signature


# ---- styles, fonts, page -----------------------------------------------------------------
@pytest.mark.parametrize("style_id,name,east_asia,size,extra", [
    ("Title", "Title", "方正小标宋简体", 44, "center"),
    ("Heading1", "heading 1", "黑体", 32, None),
    ("Heading2", "heading 2", "楷体_GB2312", 32, None),
    ("BodyText", "Body Text", "仿宋_GB2312", 32, None),
    ("TableText", "Table Text", "仿宋_GB2312", 21, "center"),
    ("TableTextSmall", "Table Text Small", None, 18, None),
    ("Footer", "footer", "宋体", 28, None),
])
def test_styles_set_east_asian_fonts(unique_docx, style_id, name, east_asia, size, extra):
    styles = part(unique_docx, "word/styles.xml")
    (style,) = styles.xpath(f"//w:style[@w:styleId='{style_id}']", namespaces=NS)
    assert style.xpath("./w:name/@w:val", namespaces=NS) == [name]
    if east_asia:
        assert style.xpath("./w:rPr/w:rFonts/@w:eastAsia", namespaces=NS) == [east_asia]
    assert style.xpath("./w:rPr/w:sz/@w:val", namespaces=NS) == [str(size)]
    if extra:
        assert style.xpath("./w:pPr/w:jc/@w:val", namespaces=NS) == [extra]
    # python-docx sees real named styles a user can restyle
    assert docx.Document(str(unique_docx)).styles[name].font.size.pt == size / 2


def test_body_spacing_indent_and_not_bold(unique_docx):
    styles = part(unique_docx, "word/styles.xml")
    (body,) = styles.xpath("//w:style[@w:styleId='BodyText']", namespaces=NS)
    spacing = body.xpath("./w:pPr/w:spacing", namespaces=NS)[0]
    assert spacing.get(wq("lineRule")) == "exact" and abs(int(spacing.get(wq("line"))) / 20 - 28.9) < 0.1
    assert body.xpath("./w:pPr/w:ind/@w:firstLineChars", namespaces=NS) == ["200"]
    for sid in ("Title", "Heading1", "Heading2"):
        assert styles.xpath(f"//w:style[@w:styleId='{sid}']/w:rPr/w:b/@w:val", namespaces=NS) == ["0"]
    doc = part(unique_docx, "word/document.xml")
    assert not doc.xpath("//w:body/w:p//w:rFonts", namespaces=NS)  # fonts live in styles, not on runs


def test_page_size_and_margins(unique_docx):
    section = docx.Document(str(unique_docx)).sections[0]
    assert section.orientation == 0  # portrait
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297
    margins = (section.top_margin.mm, section.bottom_margin.mm, section.left_margin.mm, section.right_margin.mm)
    assert all(abs(a - b) < 0.05 for a, b in zip(margins, (37, 35, 28, 26)))


def test_page_numbers_odd_right_even_left(unique_docx):
    settings = part(unique_docx, "word/settings.xml")
    assert settings.xpath("//w:evenAndOddHeaders", namespaces=NS)
    section = docx.Document(str(unique_docx)).sections[0]
    assert section.even_page_footer.is_linked_to_previous is False
    doc = part(unique_docx, "word/document.xml")
    refs = {r.get(wq("type")): r.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
            for r in doc.xpath("//w:sectPr/w:footerReference", namespaces=NS)}
    assert set(refs) == {"default", "even"}
    for name, align in (("word/footer1.xml", "right"), ("word/footer2.xml", "left")):
        footer = part(unique_docx, name)
        assert footer.xpath("//w:pPr/w:jc/@w:val", namespaces=NS) == [align]
        assert footer.xpath("//w:instrText/text()", namespaces=NS) == [" PAGE "]
        assert text_of(footer).startswith("— ") and text_of(footer).endswith(" —")
        assert set(footer.xpath("//w:rFonts/@w:eastAsia", namespaces=NS)) == {"宋体"}


# ---- determinism, cleaning, atomic output ----------------------------------------------------
def test_same_input_gives_identical_bytes(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    a, _ = write(tmp_path, report, "a.docx", sign_date=datetime.date(2026, 1, 20))
    b, _ = write(tmp_path, copy.deepcopy(report), "b.docx", sign_date=datetime.date(2026, 1, 20))
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    core = docx.Document(str(a)).core_properties
    assert core.created == core.modified == datetime.datetime(2026, 1, 20, tzinfo=datetime.timezone.utc)
    assert core.title == "衡阳市商务局2025年政府信息公开工作年度报告"


def test_control_characters_cleaned_with_a_finding(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    report["text"]["other"] = "无\x01信息\x0b处理费\uffff。\ufffe"
    report["agency"] = "衡阳市\x00商务局"
    out, findings = write(tmp_path, report)
    cleaned = [f for f in findings if f.code == "report.text_cleaned"]
    assert {f.location.path for f in cleaned} == {"text.other", "agency"}
    assert all(f.severity == "warning" and "控制字符" in f.message for f in cleaned)
    d = docx.Document(str(out))  # python-docx opens it
    texts = [p.text for p in d.paragraphs]
    assert "无信息处理费。" in texts
    assert texts[0] == "衡阳市商务局2025年\n政府信息公开工作年度报告"


def test_output_is_atomic_and_replaces(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    out = tmp_path / "r.docx"
    out.write_bytes(b"old")
    write_report(report, load_form(DEFAULT_FORM), out)
    assert zipfile.is_zipfile(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.docx"]  # no temp file left behind


def test_a_second_edition_is_a_new_definition(tmp_path):
    """Nothing about the layout is hard-coded: change the definition, the document follows."""
    spec = copy.deepcopy(load_form(DEFAULT_FORM).source)
    spec["id"] = "test-edition"
    spec["title"] = "{agency}{year}年度政务公开报告"
    spec["sections"][0]["heading"] = "一、总体工作情况"
    t2 = spec["tables"][0]
    t2["col_widths"] = [40, 20, 20, 20]
    t2["rows"][2][0] = "政府规章"  # the row labels of its numbers follow: they are read off the grid
    form = form_from_dict(spec)
    report = load_example("hengyang-commerce-2025.json")
    out = tmp_path / "e.docx"
    write_report(report, form, out)
    paras = body_paragraphs(out)
    assert paras[0][1] == "衡阳市商务局2025年度政务公开报告"
    assert ("Heading1", "一、总体工作情况") in paras
    grid = read_grid(tables(out)[0])
    assert grid[(3, 1)][3] == "政府规章"
    assert form.cell["active_disclosure.regulations.issued"].row_label == "政府规章"
    cols = [int(w) for w in tables(out)[0].xpath("./w:tblGrid/w:gridCol/@w:w", namespaces=NS)]
    assert cols == column_widths(form.table["t2"]) and cols[0] > cols[1] * 1.9


# ---- the command ----------------------------------------------------------------------------
def test_cli_writes_report(tmp_path):
    out = tmp_path / "衡阳.docx"
    res = CliRunner().invoke(main, ["report", str(EXAMPLES / "hengyang-commerce-2025.json"), "-o", str(out),
                                    "--sign-date", "2026-01-20"])
    assert res.exit_code == 0, res.output
    assert "已生成" in res.output
    assert body_paragraphs(out)[-1] == ("Signature", "2026年1月20日")


def test_cli_refuses_report_with_errors(tmp_path):
    out = tmp_path / "broken.docx"
    res = CliRunner().invoke(main, ["report", str(EXAMPLES / "county-education-2025-broken.json"), "-o", str(out)])
    assert res.exit_code == 1
    assert "错误" in res.output and "--force" in res.output and "t3.balance" in res.output
    assert not out.exists()


def test_cli_force_writes_a_visible_draft(tmp_path):
    out = tmp_path / "broken.docx"
    res = CliRunner().invoke(main, ["report", str(EXAMPLES / "county-education-2025-broken.json"), "-o", str(out),
                                    "--force"])
    assert res.exit_code == 0, res.output
    assert "草稿" in res.output
    title = body_paragraphs(out)[0]
    assert title[0] == "Title" and title[1].endswith("（草稿）")
    header = part(out, "word/header1.xml")
    assert "草稿" in text_of(header)
    refs = part(out, "word/document.xml").xpath("//w:sectPr/w:headerReference/@w:type", namespaces=NS)
    assert set(refs) == {"default", "even"}


def test_clean_report_has_no_draft_marking(unique_docx):
    with zipfile.ZipFile(unique_docx) as z:
        assert "word/header1.xml" not in z.namelist()
    assert "草稿" not in body_paragraphs(unique_docx)[0][1]


@pytest.mark.parametrize("args,code", [
    (["nope.json"], 2),
    ([str(EXAMPLES / "hengyang-commerce-2025.json"), "-o", "."], 2),
    ([str(EXAMPLES / "hengyang-commerce-2025.json"), "-o", "x.odt"], 2),
    ([str(EXAMPLES / "hengyang-commerce-2025.json"), "--sign-date", "2026-02-30"], 2),
])
def test_cli_unusable_input_or_output(tmp_path, args, code, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(main, ["report", *args])
    assert res.exit_code == code
    assert "Traceback" not in res.output
    assert not list(tmp_path.iterdir())


def test_output_that_is_a_folder_is_refused(tmp_path):
    (tmp_path / "out.docx").mkdir()
    res = CliRunner().invoke(main, ["report", str(EXAMPLES / "hengyang-commerce-2025.json"),
                                    "-o", str(tmp_path / "out.docx")])
    assert res.exit_code == 2 and "文件夹" in res.output


def test_library_build_is_pure(form_):
    report = load_example("hengyang-commerce-2025.json")
    before = json.dumps(report, sort_keys=True)
    data1, _ = build_report(report, form_)
    data2, _ = build_report(report, form_)
    assert data1 == data2 and json.dumps(report, sort_keys=True) == before


# ---- Word is strict about child order (LibreOffice is not): check it against ECMA-376 -------
SCHEMA_ORDER = {  # the relevant part of each element's xsd:sequence, in schema order
    "pPr": "pStyle keepNext keepLines pageBreakBefore widowControl numPr pBdr shd tabs snapToGrid spacing ind "
           "contextualSpacing jc textDirection textAlignment outlineLvl rPr sectPr",
    "rPr": "rStyle rFonts b bCs i iCs caps smallCaps strike vanish color spacing w kern position sz szCs highlight u "
           "vertAlign lang",
    "tcPr": "tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText vAlign hideMark",
    "trPr": "cantSplit trHeight tblHeader tblCellSpacing jc hidden",
    "tblPr": "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc tblCellSpacing "
             "tblInd tblBorders shd tblLayout tblCellMar tblLook",
    "tblBorders": "top left start bottom right end insideH insideV",
    "tblCellMar": "top left start bottom right end",
    "sectPr": "pgSz pgMar paperSrc pgBorders lnNumType pgNumType cols formProt vAlign noEndnote titlePg "
              "textDirection bidi rtlGutter docGrid",
    "settings": "writeProtection view zoom removePersonalInformation defaultTabStop autoHyphenation "
                "evenAndOddHeaders characterSpacingControl compat docVars rsids themeFontLang decimalSymbol "
                "listSeparator",
    "style": "name aliases basedOn next link autoRedefine hidden uiPriority semiHidden unhideWhenUsed qFormat locked "
             "rsid pPr rPr tblPr trPr tcPr tblStylePr",
    "font": "altName panose1 charset family notTrueType pitch sig",
    "tbl": "tblPr tblGrid tr",
    "tr": "tblPrEx trPr tc",
    "tc": "tcPr p tbl",
    "p": "pPr r fldSimple hyperlink",
    "r": "rPr t instrText fldChar tab br",
}


def test_children_in_schema_order(unique_docx, tmp_path):
    draft = tmp_path / "d.docx"
    write_report(unique_numbers_report(load_form(DEFAULT_FORM)), load_form(DEFAULT_FORM), draft, draft=True,
                 sign_date=datetime.date(2026, 1, 20))
    order = {k: v.split() for k, v in SCHEMA_ORDER.items()}
    with zipfile.ZipFile(draft) as z:
        names = [n for n in z.namelist() if n.startswith("word/") and n.endswith(".xml")]
    checked = 0
    for name in names:
        root = part(draft, name)
        for el in root.iter(f"{{{NS['w']}}}*"):
            local = el.tag.split("}")[1]
            if local not in order:
                continue
            kids = [k.tag.split("}")[1] for k in el if k.tag.startswith(f"{{{NS['w']}}}")]
            if local == "sectPr":
                kids = [k for k in kids if k not in ("headerReference", "footerReference")]
            unknown = [k for k in kids if k not in order[local]]
            assert not unknown, (name, local, unknown)
            positions = [order[local].index(k) for k in kids]
            assert positions == sorted(positions), (name, local, kids)
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("agency,agency_right,date_right", [
    ("某局", 400 + round((6.5 - 2) / 2 * 100), 400),  # 2026年1月20日 is 6.5 characters wide (digits count half)
    ("示范市自然资源和规划局", 200, 200 + round((11 - 6.5) / 2 * 100)),
])
def test_signature_date_four_in_agency_centred(tmp_path, agency, agency_right, date_right):
    report = load_example("hengyang-commerce-2025.json")
    report["agency"] = agency
    out, _ = write(tmp_path, report, sign_date=datetime.date(2026, 1, 20))
    doc = part(out, "word/document.xml")
    sig = doc.xpath("//w:body/w:p[w:pPr/w:pStyle/@w:val='Signature']", namespaces=NS)
    assert [text_of(p) for p in sig] == [agency, "2026年1月20日"]
    rights = [int(p.xpath("./w:pPr/w:ind/@w:rightChars", namespaces=NS)[0]) for p in sig]
    assert rights == [agency_right, date_right]


def test_run_in_level2_heading_keeps_body_text_in_body_type(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    report["text"]["overview"] = "（一）主动公开。全年主动公开信息134条。\n（二）依申请公开\n依法答复。"
    out, _ = write(tmp_path, report)
    doc = part(out, "word/document.xml")
    (p,) = [p for p in doc.xpath("//w:body/w:p", namespaces=NS) if text_of(p).startswith("（一）")]
    assert p.xpath("./w:pPr/w:pStyle/@w:val", namespaces=NS) == ["Heading2"]
    runs = p.xpath("./w:r", namespaces=NS)
    assert [text_of(r) for r in runs] == ["（一）主动公开。", "全年主动公开信息134条。"]
    assert runs[1].xpath("./w:rPr/w:rStyle/@w:val", namespaces=NS) == ["BodyTextChar"]
    styles = part(out, "word/styles.xml")
    assert styles.xpath("//w:style[@w:styleId='BodyTextChar']/w:rPr/w:rFonts/@w:eastAsia",
                        namespaces=NS) == ["仿宋_GB2312"]
    assert ("Heading2", "（二）依申请公开") in body_paragraphs(out)


def test_report_from_a_returned_workbook(tmp_path, form_):
    """An .xlsx goes through the workbook reader (load_report) and lands in the same cells as its JSON."""
    from xlsx_fill import filled_template

    report = load_example("city-natural-resources-2025.json")
    xlsx = filled_template(tmp_path, report)
    out = tmp_path / "from-xlsx.docx"
    res = CliRunner().invoke(main, ["report", str(xlsx), "-o", str(out)])
    assert res.exit_code == 0, res.output
    for table, tbl in zip(form_.tables, tables(out)):
        grid = read_grid(tbl)
        for cell in table.numbers:
            assert grid[(cell.r, cell.c)][3] == format_number(get_path(report, cell.key)), cell.key
    assert body_paragraphs(out)[0][1] == "示范市自然资源和规划局2025年政府信息公开工作年度报告"


def test_long_title_breaks_before_the_form_name_short_title_does_not(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    out, _ = write(tmp_path, report)
    assert docx.Document(str(out)).paragraphs[0].text == "衡阳市商务局2025年\n政府信息公开工作年度报告"
    report["agency"] = "某局"
    out, _ = write(tmp_path, report)
    assert docx.Document(str(out)).paragraphs[0].text == "某局2025年政府信息公开工作年度报告"


def test_label_rows_keep_with_the_row_below(tmp_path, form_):
    """A 第二十条 sub-heading or a column header never ends a page alone: rows of labels only keep with
    the next row; rows with numbers do not (a long 表三 may still break between its data rows)."""
    out = tmp_path / "k.docx"
    write_report(unique_numbers_report(form_), form_, out)
    for table, spec in zip(tables(out), form_.tables):
        grid = spec.grid()
        for r, row in enumerate(table.xpath("./w:tr", namespaces=NS)):
            kept = bool(row.xpath(".//w:pPr/w:keepNext", namespaces=NS))
            assert kept == (not any(hasattr(slot, "key") for slot in grid[r])), (spec.name, r + 1)


def test_the_one_pass_zip_is_the_zip_zipfile_writes(form_):
    """The report's zip is written in one pass, its unchanging parts compressed once per process: the same
    bytes as zipfile.ZipFile writes for the same members (any drift in a header field shows here)."""
    import io

    from converter.word.report import FIXED_ZIP_TIME

    for draft in (False, True):
        data = build_report(load_example("hengyang-commerce-2025.json"), form_, draft=draft)[0]
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = [(i.filename, z.read(i)) for i in z.infolist()]
            assert z.testzip() is None
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for name, body in members:
                info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
                info.compress_type, info.create_system, info.external_attr = zipfile.ZIP_DEFLATED, 3, 0o644 << 16
                z.writestr(info, body, compresslevel=6)
        assert buf.getvalue() == data
