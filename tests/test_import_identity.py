"""Agency and year of a published report: from its title in any order, else from the signature (落款) or
the preamble's "本报告由…编制"; never a fragment of a sentence. Page chrome (menus, share buttons,
全真版/文字版/文件下载, 附件下载, 文字解读/图片解读, page numbers, running headers) is no section's text."""
import html as htmllib
import re

import pytest

from conftest import load_example
from import_render import render_html
from converter.form.definition import DEFAULT_FORM, load_form
from converter.published import import_file

FORM = load_form(DEFAULT_FORM)
REPORT = load_example("district-market-regulation-2025.json")


def page(head: list[str], *, signature: bool = False, page_title: str = "年度报告", texts: dict | None = None,
         after_title: str = "", end_of_six: str = "") -> str:
    """REPORT as a web page whose title is the given lines (no title when empty)."""
    report = {**REPORT, "text": {**REPORT["text"], **(texts or {})}}
    text = render_html(report, title=False, signature=False)
    text = re.sub(r"<title>.*?</title>", f"<title>{page_title}</title>", text)
    lines = "".join(f'<p style="text-align:center">{htmllib.escape(line)}</p>' for line in head)
    text = text.replace('<div class="article">', '<div class="article">' + lines + after_title, 1)
    tail = end_of_six
    if signature:
        tail += '<p style="text-align:right">上海市人民政府办公厅</p><p style="text-align:right">2026年1月20日</p>'
    end = text.rindex("</div>", 0, text.index('<div class="bdsharebuttonbox">'))  # the article's end
    return text[:end] + tail + text[end:]


def imported(tmp_path, text: str, name: str = "r.html"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_file(path)


@pytest.mark.parametrize("head", [
    ["2025年上海市人民政府办公厅政府信息公开工作年度报告"],
    ["2025年度上海市人民政府办公厅政府信息公开工作年度报告"],
    ["上海市人民政府办公厅2025年政府信息公开工作年度报告"],
    ["上海市人民政府办公厅2025年度政府信息公开工作报告"],
    ["上海市人民政府办公厅", "2025年政府信息公开工作年度报告"],
    ["上海市人民政府办公厅2025年", "政府信息公开工作年度报告（草稿）"],
    ["2025年上海市人民政府办公厅", "政府信息公开工作年度报告"],
    ["标题：上海市人民政府办公厅2025年政府信息公开工作年度报告"],
    ["标题:2025年上海市人民政府办公厅政府信息公开工作年度报告"],
    ["上海市人民政府办公厅2025年政府信息公开工作年度报告（草稿）"],
], ids=["year-first", "year-first-niandu", "agency-first", "agency-first-niandu", "two-lines", "two-lines-draft",
        "two-lines-year-first", "label-full-width", "label-half-width-year-first", "draft"])
def test_title_in_any_order(tmp_path, head):
    loaded = imported(tmp_path, page(head))
    assert (loaded.report["agency"], loaded.report["year"]) == ("上海市人民政府办公厅", 2025)
    codes = {f.code for f in loaded.findings}
    assert not codes & {"import.guessed_agency", "import.guessed_year", "import.identity_from_page_title"}
    assert loaded.report["text"]["preamble"] == REPORT["text"]["preamble"]  # the title is no preamble line


def test_government_title_keeps_its_name(tmp_path):
    for head, agency in ((["2025年平潭县人民政府政府信息公开工作年度报告"], "平潭县人民政府"),
                         (["2025年平潭县人民政府信息公开工作年度报告"], "平潭县人民政府"),
                         (["标题：平潭综合实验区2025年政府信息公开工作年度报告"], "平潭综合实验区")):
        assert imported(tmp_path, page(head)).report["agency"] == agency, head


def test_year_only_title_agency_from_signature(tmp_path):
    loaded = imported(tmp_path, page(["2025年政府信息公开工作年度报告"], signature=True))
    assert (loaded.report["agency"], loaded.report["year"]) == ("上海市人民政府办公厅", 2025)
    found = {f.code: f for f in loaded.findings}["import.agency_from_signature"]
    assert found.severity == "info" and "落款" in found.message
    assert loaded.report["text"]["other"] == REPORT["text"]["other"]  # the signature is not part of 六


def test_no_title_agency_from_signature(tmp_path):
    loaded = imported(tmp_path, page([], signature=True))
    assert loaded.report["agency"] == "上海市人民政府办公厅"
    assert "import.agency_from_signature" in {f.code for f in loaded.findings}


def test_no_title_agency_from_preamble(tmp_path):
    preamble = "本报告由浦东新区生态环境局编制，内容包括总体情况、主动公开政府信息情况等六个部分。"
    loaded = imported(tmp_path, page(["首页  政务公开  政务服务  互动交流"], texts={"preamble": preamble}))
    assert loaded.report["agency"] == "浦东新区生态环境局"
    found = {f.code: f for f in loaded.findings}["import.agency_from_preamble"]
    assert found.severity == "info"


FRAGMENTS = ("按照区委", "结合我局", "及时将我局", "市政府的中心", "由江苏省公安厅")


def test_sentence_fragments_are_never_the_agency(tmp_path):
    overview = ("按照区委统一部署，结合我局实际，及时将我局政策文件公开。围绕市政府的中心工作开展公开。"
                "有关申请由江苏省公安厅办理。") * 3
    loaded = imported(tmp_path, page([], texts={"overview": overview, "preamble": "本年度工作如下。" * 5}))
    agency = loaded.report["agency"]
    assert not any(agency.startswith(f) or f in agency for f in FRAGMENTS), agency
    assert agency in ("", "江苏省公安厅")
    codes = {f.code for f in loaded.findings}
    assert codes & {"import.guessed_agency", "import.no_agency"}


CHROME_TOP = ('<div class="bar"><a>全真版</a> <a>文字版</a> <a>文件下载</a></div>'
              '<div>首页 &gt; 政务公开 &gt; 政府信息公开年报</div>')
CHROME_END = ('<div><a>附件下载</a></div><div><a>文字解读</a> | <a>图片解读</a></div>'
              '<p>— 3 —</p>')


def test_page_chrome_is_not_section_text(tmp_path):
    loaded = imported(tmp_path, page(["2025年上海市人民政府办公厅政府信息公开工作年度报告"], after_title=CHROME_TOP,
                                     end_of_six=CHROME_END, signature=True))
    for key, text in REPORT["text"].items():
        assert loaded.report["text"][key] == text, key
    assert loaded.report["agency"] == "上海市人民政府办公厅"


def test_copied_text_without_page_numbers_and_running_headers(tmp_path):
    """Text copied from a PDF: running header on every page, page numbers, chrome lines; none in any text."""
    title = f"{REPORT['agency']}{REPORT['year']}年政府信息公开工作年度报告"
    out = [title, "首页 | 政务公开 | 互动交流 | 走进示范区", "全真版 文字版 文件下载"]  # chrome inside the text
    lines = [title]
    for k, para in enumerate(REPORT["text"]["preamble"].split("\n")):
        lines.append(para)
    out += lines[1:]
    for n, section in enumerate(FORM.sections, start=1):
        out.append(section.heading)
        if section.text:
            key = section.text.split(".")[-1]
            for para in REPORT["text"][key].split("\n"):
                out.append(para)
                out += [f"— {n} —", title, f"第{n}页 共6页"]  # a page break after each paragraph
        else:
            out += [f"— {n} —", title]
    out += ["附件下载", "文字解读  图片解读"]
    path = tmp_path / "r.txt"
    path.write_text("\n".join(out), encoding="utf-8")
    loaded = import_file(path)
    for key, text in REPORT["text"].items():
        assert loaded.report["text"][key] == text, key
    assert (loaded.report["agency"], loaded.report["year"]) == (REPORT["agency"], REPORT["year"])


@pytest.mark.parametrize("head,meta,late", [
    ("某某县人民政府2025年政府信息公开工作年度报告", "2026-03-20 10:00:00", False),  # a government: 3月31日
    ("某某县人民政府2025年政府信息公开工作年度报告", "2026-04-02 10:00:00", True),
    ("某某县教育局2025年政府信息公开工作年度报告", "2026/01/31", False),  # a department: 1月31日
    ("某某县教育局2025年政府信息公开工作年度报告", "2026/02/01", True),
])
def test_published_late_from_the_page_meta_date(tmp_path, head, meta, late):
    text = page([head]).replace("发布时间：2026-01-20", "来源：本站")
    text = text.replace("<head>", f'<head><meta name="PubDate" content="{meta}">', 1) if "<head>" in text else \
        text.replace("<title>", f'<meta name="PubDate" content="{meta}"><title>', 1)
    loaded = imported(tmp_path, text)
    assert loaded.extras["published"] == meta[:10].replace("/", "-")
    found = [f for f in loaded.findings if f.code == "import.published_late"]
    assert bool(found) == late
    if late:
        assert found[0].severity == "warning" and "法定期限" in found[0].message
    assert "发布时间" not in "".join(loaded.report["text"].values())
