"""Published reports (web pages, Word files) → report JSON, matched by labels, with the variants real
reports use. Every input is generated here from the form definition and an example report."""
import html as htmllib
import json

import pytest

from conftest import example_reports, load_example
from import_render import docx_bytes, html_table, render_html, table_rows
from converter.base.errors import InputError
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.published import import_file
from converter.published.core import unroll
from converter.engine.sample import make_report

FORM = load_form(DEFAULT_FORM)


def write(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def diff(got: dict, want: dict) -> list:
    out = []
    for cell in FORM.numbers:
        if get_path(got, cell.key) != get_path(want, cell.key):
            out.append((cell.key, get_path(got, cell.key), get_path(want, cell.key)))
    for key in ("agency", "year"):
        if got.get(key) != want.get(key):
            out.append((key, got.get(key), want.get(key)))
    for key in want["text"]:
        if got["text"].get(key) != want["text"][key]:
            out.append(("text." + key, got["text"].get(key), want["text"][key]))
    return out


@pytest.mark.parametrize("path", example_reports(), ids=lambda p: p.stem)
def test_html_page_with_spans_and_furniture_round_trips(tmp_path, path):
    report = json.loads(path.read_text(encoding="utf-8"))
    page = write(tmp_path, "page.html", render_html(report))
    loaded = import_file(page)
    assert diff(loaded.report, report) == []
    assert loaded.report == report
    text = json.dumps(loaded.report, ensure_ascii=False)
    for furniture in ("扫一扫", "分享到", "打印本页", "版权所有", "当前位置", "2026年1月20日"):
        assert furniture not in text


def test_table_two_split_in_four(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report, split_t2=True)
    assert page.count("<table") == 6
    loaded = import_file(write(tmp_path, "split.html", page))
    assert diff(loaded.report, report) == []


def test_gbk_page(tmp_path):
    report = load_example("city-natural-resources-2025.json")
    page = render_html(report, charset="gbk")
    p = write(tmp_path, "gbk.htm", page, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        p.read_bytes().decode("utf-8")
    assert import_file(p).report == report


def test_gbk_page_without_declared_charset(tmp_path):
    report = load_example("city-natural-resources-2025.json")
    page = render_html(report, charset="gbk").replace("charset=gbk", "")
    assert import_file(write(tmp_path, "gbk.html", page, encoding="gb18030")).report == report


def test_blank_and_slash_cells_are_null(tmp_path):
    report = make_report("某某区司法局", 2024, seed=3, blanks=0.6, form=load_form(DEFAULT_FORM))
    blanks = [c.key for c in FORM.numbers if get_path(report, c.key) is None]
    assert len(blanks) >= 8
    for marker in ("", "/", "—", "-", "无"):
        loaded = import_file(write(tmp_path, "b.html", render_html(report, blank=marker)))
        assert diff(loaded.report, report) == [], marker
        assert all(get_path(loaded.report, k) is None for k in blanks)
        assert not [f for f in loaded.findings if f.code == "import.unreadable_cell"]


def test_normative_documents_without_xingzheng(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report, label=lambda t: "规范性文件" if t == "行政规范性文件" else t)
    assert "行政规范性文件" not in page.split("<table", 1)[1]
    loaded = import_file(write(tmp_path, "r.html", page))
    assert loaded.report["active_disclosure"]["normative_documents"] == report["active_disclosure"]["normative_documents"]


HALF = str.maketrans({"（": "(", "）": ")", "：": ":", "“": '"', "”": '"', "，": ",", "、": ","})


def test_half_width_brackets(tmp_path):
    report = make_report("某某市统计局", 2025, seed=7, form=load_form(DEFAULT_FORM))
    page = render_html(report, label=lambda t: t.translate(HALF), heading=lambda t: t.translate(HALF))
    assert "（" not in page.split("<table", 1)[1].split("</table>")[0]
    loaded = import_file(write(tmp_path, "r.html", page))
    assert diff(loaded.report, report) == []


def _broken(text: str) -> str:
    if len(text) == 4 and text not in ("信息内容",):
        return text[:2] + "\n" + text[2:]  # 商业\n企业, 结果\n维持
    if len(text) in (2, 3, 5, 6) and "、" not in text:
        return " ".join(text)  # 自 然 人, 总 计
    return text.replace("政府信息公开", "政府信息 公开")


def test_header_labels_broken_by_spaces_and_line_breaks(tmp_path):
    report = make_report("某某县卫生健康局", 2025, seed=11, form=load_form(DEFAULT_FORM))
    page = render_html(report, label=_broken)
    assert "商业</span><br/><span>企业" in page and "自 然 人" in page
    loaded = import_file(write(tmp_path, "r.html", page))
    assert diff(loaded.report, report) == []


def _plain_grid_html(rows) -> str:
    out = ['<table border="1">']
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{htmllib.escape(t)}</td>" for t in row) + "</tr>")
    return "".join(out) + "</table>"


def test_columns_found_by_label_not_position(tmp_path):
    """表三 published with 总计 first and 自然人 last, merges repeated as separate cells."""
    report = make_report("某某市档案局", 2025, seed=5, form=load_form(DEFAULT_FORM))
    grid = unroll(table_rows(FORM, "t3", report))
    order = [0, 1, 2, 9, 5, 4, 7, 6, 8, 3]
    rows = [[row[c].text for c in order] for row in grid.rows]
    page = render_html(report)
    start = page.index("<table", page.index("三、收到和处理政府信息公开申请情况"))
    end = page.index("</table>", start) + len("</table>")
    page = page[:start] + _plain_grid_html(rows) + page[end:]
    loaded = import_file(write(tmp_path, "r.html", page))
    assert diff(loaded.report, report) == []
    assert loaded.report["applications"]["new_received"]["total"] == report["applications"]["new_received"]["total"]


def test_docx_in_another_layout(tmp_path):
    """Word file: caption rows, 表三 with two label columns and a different corner, 表二 in four tables."""
    report = make_report("某某区住房和城乡建设局", 2025, seed=2, blanks=0.3, form=load_form(DEFAULT_FORM))
    p = tmp_path / "other.docx"
    p.write_bytes(docx_bytes(report, layout="other", split_t2=True, blank="/"))
    loaded = import_file(p)
    assert diff(loaded.report, report) == []


def test_docx_official_layout(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    p = tmp_path / "r.docx"
    p.write_bytes(docx_bytes(report))
    assert import_file(p).report == report


@pytest.mark.parametrize("path", example_reports(), ids=lambda p: p.stem)
def test_our_own_word_report_round_trips(tmp_path, path):
    docx_write = pytest.importorskip("converter.word.report")
    import datetime

    report = json.loads(path.read_text(encoding="utf-8"))
    data, _ = docx_write.build_report(report, FORM, sign_date=datetime.date(2026, 1, 20))
    p = tmp_path / "ours.docx"
    p.write_bytes(data)
    assert import_file(p).report == report


def test_whole_page_in_a_layout_table(tmp_path):
    report = load_example("district-market-regulation-2024.json")
    page = render_html(report)
    body = page[page.index("<body>") + 6:page.index("</body>")]
    page = page.replace(body, f'<table width="100%"><tr><td class="left">栏目导航</td><td>{body}</td></tr></table>')
    assert import_file(write(tmp_path, "r.html", page)).report == report


def test_unreadable_cell_is_a_finding(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report).replace(">1982<", ">约两千<")
    loaded = import_file(write(tmp_path, "r.html", page))
    assert loaded.report["applications"]["new_received"]["total"] is None
    found = [f for f in loaded.findings if f.code == "import.unreadable_cell"]
    assert len(found) == 1 and found[0].location.path == "applications.new_received.total"
    assert "约两千" in found[0].message


def test_missing_table_is_a_finding(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report)
    start = page.index("<table", page.index("四、政府信息公开行政复议"))
    page = page[:start] + page[page.index("</table>", start) + 8:]
    loaded = import_file(write(tmp_path, "r.html", page))
    assert [f.message for f in loaded.findings if f.code == "import.missing_table"] == \
        ["没有找到表四（政府信息公开行政复议、行政诉讼情况），其数字均按空白处理"]
    assert loaded.report["review_litigation"]["review"]["total"] is None


def test_no_title_agency_from_page_title(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    loaded = import_file(write(tmp_path, "r.html", render_html(report, title=False)))
    assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"])
    assert "import.identity_from_page_title" in {f.code for f in loaded.findings}


SIDEBARS = {
    "a sidebar by class": '<div class="side"><h3>相关年报</h3><p>2023年示范区人民政府政府信息公开工作年度报告</p></div>',
    "an aside": "<aside><p>示范区教育局2024年政府信息公开工作年度报告</p></aside>",
    "a list of links": '<ul><li><a href="/a">2023年示范区人民政府政府信息公开工作年度报告</a></li>'
                       '<li><a href="/b">示范区教育局2024年政府信息公开工作年度报告</a> 2025-01-20</li></ul>',
}


@pytest.mark.parametrize("sidebar", SIDEBARS, ids=list(SIDEBARS))
def test_other_reports_titles_beside_a_page_without_its_own_title_are_not_its_identity(tmp_path, sidebar):
    """A page whose report has no title of its own, with other reports' titles in a sidebar or a list of links
    and a welcome banner: the agency and year come from the report's own text (a guess, said so), never
    from the sidebar."""
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report, title=False).replace("<title>", "<title>示范区人民政府门户网站</title><x>", 1)
    page = page.replace('<div class="article">', '<div class="top">欢迎访问示范区人民政府门户网站 | 无障碍 | 登录</div>'
                        + SIDEBARS[sidebar] + '<div class="article">', 1)
    loaded = import_file(write(tmp_path, "page.html", page))
    assert (loaded.report["agency"], loaded.report["year"]) == (report["agency"], report["year"])
    assert {"import.guessed_year"} <= {f.code for f in loaded.findings}


def test_a_title_of_another_year_than_the_preamble_period_is_questioned(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    report["text"]["preamble"] = report["text"]["preamble"] or load_form(DEFAULT_FORM).default_preamble(2025)
    copied = report["text"]["preamble"].replace("2025年", "2024年")  # last year's preamble kept by mistake
    page = render_html({**report, "text": {**report["text"], "preamble": copied}})
    loaded = import_file(write(tmp_path, "page.html", page))
    (f,) = [f for f in loaded.findings if f.code == "import.period_mismatch"]
    assert loaded.report["year"] == 2025 and f.severity == "warning" and "2024" in f.message
    assert "import.period_mismatch" not in {f.code for f in import_file(
        write(tmp_path, "good.html", render_html(report))).findings}


def test_2019_format_is_refused(tmp_path):
    report = load_example("district-market-regulation-2024.json")
    old = {"本年制发件数": "本年新制作数量", "本年废止件数": "本年新公开数量", "现行有效件数": "对外公开总数量"}
    page = render_html(report, label=lambda t: old.get(t, t))
    with pytest.raises(InputError) as e:
        import_file(write(tmp_path, "old.html", page))
    assert e.value.code == "import.legacy_format"
    assert "2019" in e.value.message and "本年新制作数量" in e.value.message


def test_2019_format_by_structure_is_refused(tmp_path):
    """（六）其他处理 as one row followed by （七）总计 (the trial format's 表三)."""
    lines = ["某某局2020年政府信息公开工作年度报告", "一、总体情况", "概况。", "二、主动公开政府信息情况",
             "三、收到和处理政府信息公开申请情况", "一、本年新收政府信息公开申请数量 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
             "（六）其他处理 | 0 | 0 | 0 | 0 | 0 | 0 | 0", "（七）总计 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项", "无"]
    with pytest.raises(InputError) as e:
        import_file(write(tmp_path, "old.txt", "\n".join(lines)))
    assert e.value.code == "import.legacy_format"


def test_cli_refuses_2019_format_with_exit_2(tmp_path):
    from click.testing import CliRunner
    from converter.cli import main

    report = load_example("district-market-regulation-2024.json")
    page = render_html(report, label=lambda t: "本年新制作数量" if t == "本年制发件数" else t)
    p = write(tmp_path, "old.html", page)
    result = CliRunner().invoke(main, ["import", str(p)])
    assert result.exit_code == 2
    assert "2019" in result.output


def test_check_with_prior_published_page(tmp_path):
    """`check --prior last.html`: last year's published page feeds the cross-year rules."""
    from click.testing import CliRunner
    from converter.cli import main

    prior = load_example("district-market-regulation-2024.json")
    this = load_example("district-market-regulation-2025.json")
    last = write(tmp_path, "last.html", render_html(prior))
    current = tmp_path / "this.json"
    current.write_text(json.dumps(this, ensure_ascii=False), encoding="utf-8")
    with_json = tmp_path / "last.json"
    with_json.write_text(json.dumps(prior, ensure_ascii=False), encoding="utf-8")
    a = CliRunner().invoke(main, ["check", str(current), "--prior", str(last), "--format", "json"])
    b = CliRunner().invoke(main, ["check", str(current), "--prior", str(with_json), "--format", "json"])
    assert a.exit_code == b.exit_code
    fa, fb = json.loads(a.output)["findings"], json.loads(b.output)["findings"]
    assert fa == fb
    # and a changed prior changes the cross-year findings
    changed = json.loads(json.dumps(prior))
    set_path(changed, "applications.carried_forward.natural_person",
             (get_path(prior, "applications.carried_forward.natural_person") or 0) + 7)
    last2 = write(tmp_path, "last2.html", render_html(changed))
    c = CliRunner().invoke(main, ["check", str(current), "--prior", str(last2), "--format", "json"])
    assert json.loads(c.output)["findings"] != fa


def test_wrapped_title_and_unnumbered_headings_in_word(tmp_path):
    """Title on two lines (agency, then year + 年度报告); headings numbered by Word, so no 一、 in the text."""
    import docx

    report = load_example("district-market-regulation-2025.json")
    src = tmp_path / "src.docx"
    src.write_bytes(docx_bytes(report))
    doc = docx.Document(str(src))
    first = doc.paragraphs[0]
    first.text = report["agency"]
    new = doc.paragraphs[1].insert_paragraph_before(f"{report['year']}年政府信息公开工作年度报告")
    assert new.text.startswith("2025")
    for p in doc.paragraphs:
        for section in FORM.sections:
            if p.text == section.heading:
                p.text = section.heading.split("、", 1)[1]
    out = tmp_path / "wrapped.docx"
    doc.save(str(out))
    loaded = import_file(out)
    assert diff(loaded.report, report) == []


def test_table_four_with_a_label_column(tmp_path):
    report = make_report("某某市医疗保障局", 2025, seed=9, form=load_form(DEFAULT_FORM))
    rows = table_rows(FORM, "t4", report)
    rows[0].insert(0, ("项目", 3, 1))
    rows[3].insert(0, ("件数", 1, 1))
    page = render_html(report)
    start = page.index("<table", page.index("四、政府信息公开行政复议"))
    end = page.index("</table>", start) + len("</table>")
    page = page[:start] + html_table(rows) + page[end:]
    loaded = import_file(write(tmp_path, "r.html", page))
    assert loaded.report["review_litigation"] == report["review_litigation"]


def test_attachment_links_after_the_report_dropped(tmp_path):
    report = load_example("hengyang-commerce-2025.json")
    page = render_html(report, signature=False).replace(
        '<div class="bdsharebuttonbox">', '<p>附件：年度报告.pdf</p><p>衡阳市商务局2025年度报告.docx</p><div class="bdsharebuttonbox">')
    assert import_file(write(tmp_path, "r.html", page)).report["text"]["other"] == "无"


def test_report_text_inside_a_one_cell_table(tmp_path):
    """Some sites put the whole article in a one-cell layout table (no nested tables) and the tables after it."""
    report = load_example("city-natural-resources-2025.json")
    page = render_html(report)
    start = page.index("<h1")
    end = page.index("<p><strong>二、")
    article = page[start:end]
    page = page.replace(article, f'<table class="content"><tr><td>{article}</td></tr></table>')
    loaded = import_file(write(tmp_path, "r.html", page))
    assert diff(loaded.report, report) == []


def test_copied_text_row_labels_without_numbering(tmp_path):
    """Copied text where the row labels lost their （一）/1. numbering: matched without it."""
    lines = ["某某县民政局2025年政府信息公开工作年度报告", "一、总体情况", "概况。", "二、主动公开政府信息情况",
             "三、收到和处理政府信息公开申请情况", "本年新收政府信息公开申请数量 | 3 | 0 | 0 | 0 | 0 | 0 | 3",
             "予以公开 | 2 | 0 | 0 | 0 | 0 | 0 | 2", "本机关不掌握相关政府信息 | 1 | 0 | 0 | 0 | 0 | 0 | 1",
             "不知所云的一行 | 5 | 5",
             "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "无", "六、其他需要报告的事项", "无"]
    loaded = import_file(write(tmp_path, "r.txt", "\n".join(lines)))
    apps = loaded.report["applications"]
    assert apps["new_received"]["total"] == 3 and apps["granted"]["natural_person"] == 2
    assert apps["unavailable_not_held"]["total"] == 1
    assert "import.unplaced_values" in {f.code for f in loaded.findings}


def test_check_a_published_page_directly(tmp_path):
    """`converter check page.html`: imported, then validated; what reading guessed is in the findings."""
    from click.testing import CliRunner
    from converter.cli import main

    report = load_example("county-education-2025-broken.json")
    page = write(tmp_path, "page.html", render_html(report, title=False))
    result = CliRunner().invoke(main, ["check", str(page), "--format", "json"])
    as_json = tmp_path / "r.json"
    as_json.write_text(json.dumps(report, ensure_ascii=False), encoding="utf-8")
    direct = CliRunner().invoke(main, ["check", str(as_json), "--format", "json"])
    assert result.exit_code == direct.exit_code == 1
    codes = [f["code"] for f in json.loads(result.output)["findings"]]
    assert "import.identity_from_page_title" in codes
    assert [c for c in codes if not c.startswith("import.")] == [f["code"] for f in json.loads(direct.output)["findings"]]


def test_year_in_chinese_numerals_and_heading_inside_table(tmp_path):
    report = load_example("district-market-regulation-2025.json")
    page = render_html(report).replace(f">{report['agency']}2025年政府信息公开", f">{report['agency']}二〇二五年政府信息公开")
    assert "二〇二五年政府信息公开工作年度报告</h1>" in page
    # 表四's heading as the first row of its table instead of a paragraph
    page = page.replace("<p><strong>四、政府信息公开行政复议、行政诉讼情况</strong></p>\n<table border=\"1\" cellspacing=\"0\"><tbody>",
                        '<table border="1" cellspacing="0"><tbody><tr><td colspan="15">四、政府信息公开行政复议、行政诉讼情况</td></tr>')
    assert page.count("四、政府信息公开行政复议、行政诉讼情况") == 1 and '<td colspan="15">四、' in page
    loaded = import_file(write(tmp_path, "r.html", page))
    assert loaded.report == report
    assert not [f for f in loaded.findings if f.severity == "warning"]
