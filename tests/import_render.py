"""Render report JSON as a published report (a government web page, a Word file), for the import tests.

Built from the form definition, so the tables have the official merges; options perturb the result
the way real publications differ (label variants, split tables, blank markers, furniture).
"""
from __future__ import annotations

import html
import io

from converter.form.definition import DEFAULT_FORM, Form, get_path, load_form

FURNITURE_TOP = """
<div class="top-nav"><a href="/">首页</a> | <a href="/zwgk">政务公开</a> | <a href="/hdjl">互动交流</a></div>
<div class="location">当前位置：首页 &gt; 政务公开 &gt; 年度报告</div>
<div class="info">发布时间：2026-01-20 来源：本站 浏览次数：123</div>
<div class="fontsize">【字体：大 中 小】</div>
"""
FURNITURE_BOTTOM = """
<div class="bdsharebuttonbox"><a>分享到：</a><a>微信</a><a>微博</a><a>QQ空间</a></div>
<p>扫一扫在手机打开当前页</p>
<div>【打印本页】 【关闭窗口】</div>
<div id="footer"><p>主办：某某市人民政府办公室 版权所有</p><p>湘ICP备12345678号</p></div>
"""


def fmt_value(value, blank: str = "") -> str:
    if value is None:
        return blank
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def table_rows(form: Form, table_id: str, report: dict, *, blank: str = "", label=None) -> list:
    """Rows of (text, rowspan, colspan) as the official grid publishes them."""
    table = form.table[table_id]
    label = label or (lambda text: text)
    rows = []
    for r in range(1, table.rows + 1):
        row = []
        cells = sorted((c for c in (*table.labels, *table.numbers) if c.r == r), key=lambda c: c.c)
        for cell in cells:
            if hasattr(cell, "text"):
                text = label(cell.text)
            else:
                text = fmt_value(get_path(report, cell.key), blank)
            row.append((text, getattr(cell, "rs", 1), cell.cs))
        rows.append(row)
    return rows


def html_table(rows, attrs: str = 'border="1" cellspacing="0"') -> str:
    out = [f"<table {attrs}><tbody>"]
    for row in rows:
        out.append("<tr>")
        for text, rs, cs in row:
            span = (f' rowspan="{rs}"' if rs > 1 else "") + (f' colspan="{cs}"' if cs > 1 else "")
            body = "<br/>".join(f"<span>{html.escape(part)}</span>" for part in text.split("\n"))
            out.append(f'<td{span} style="text-align:center"><p>{body}</p></td>')
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def paragraphs(text: str) -> str:
    return "".join(f'<p style="text-indent:2em">{html.escape(line)}</p>' for line in text.split("\n") if line)


def render_html(report: dict, *, form: Form | None = None, blank: str = "", label=None, split_t2: bool = False,
                charset: str = "utf-8", furniture: bool = True, title: bool = True, signature: bool = True,
                heading=None) -> str:
    """A government-style page: title, preamble, the six sections with spanned tables, furniture around."""
    form = form or load_form(DEFAULT_FORM)
    heading = heading or (lambda text: text)
    texts = report["text"]
    parts = [f'<!DOCTYPE html><html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">',
             f"<title>{html.escape(report['agency'])}{report['year']}年政府信息公开工作年度报告_某某市人民政府</title>",
             "<script>var x = '一、总体情况';</script><style>p{margin:0}</style></head><body>"]
    if furniture:
        parts.append(FURNITURE_TOP)
    parts.append('<div class="article">')
    if title:
        parts.append(f'<h1 style="text-align:center">{html.escape(form.title(report["agency"], report["year"]))}</h1>')
    parts.append(paragraphs(texts["preamble"]))
    for section in form.sections:
        parts.append(f"<p><strong>{html.escape(heading(section.heading))}</strong></p>")
        if section.text:
            parts.append(paragraphs(get_path(report, section.text)))
        elif split_t2 and section.table == "t2":
            rows = table_rows(form, "t2", report, blank=blank, label=label)
            for a, b in ((0, 4), (4, 7), (7, 11), (11, 14)):
                parts.append(html_table(rows[a:b]))
                parts.append("<p></p>")
        else:
            parts.append(html_table(table_rows(form, section.table, report, blank=blank, label=label)))
    if signature:
        parts.append(f'<p style="text-align:right">{html.escape(report["agency"])}</p>')
        parts.append('<p style="text-align:right">2026年1月20日</p>')
    parts.append("</div>")
    if furniture:
        parts.append(FURNITURE_BOTTOM)
    parts.append("</body></html>")
    return "\n".join(parts)


def docx_bytes(report: dict, *, form: Form | None = None, blank: str = "", label=None, layout: str = "official",
               split_t2: bool = False) -> bytes:
    """A Word report built with python-docx. layout="other": caption rows, 表三 with two label columns."""
    import docx

    form = form or load_form(DEFAULT_FORM)
    doc = docx.Document()
    doc.add_paragraph(form.title(report["agency"], report["year"]))
    for line in report["text"]["preamble"].split("\n"):
        doc.add_paragraph(line)
    for section in form.sections:
        doc.add_paragraph(section.heading)
        if section.text:
            for line in get_path(report, section.text).split("\n"):
                doc.add_paragraph(line)
            continue
        if layout == "other" and section.table == "t3":
            rows = other_t3_rows(form, report, blank=blank, label=label)
        else:
            rows = table_rows(form, section.table, report, blank=blank, label=label)
        caption = []
        if layout == "other":
            t = form.table[section.table]
            width = sum(cs for _, _, cs in rows[0]) if section.table != "t3" else 9
            caption = [[(f"{t.name} {t.title}", 1, width)]]
        if split_t2 and section.table == "t2":
            for a, b in ((0, 4), (4, 7), (7, 11), (11, 14)):
                add_docx_table(doc, (caption if a == 0 else []) + rows[a:b])
                doc.add_paragraph("")
        else:
            add_docx_table(doc, caption + rows)
    doc.add_paragraph(report["agency"])
    doc.add_paragraph("2026年1月20日")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def add_docx_table(doc, rows) -> None:
    from converter.published.core import unroll

    grid = unroll(rows)
    nrows, ncols = len(grid.rows), len(grid.rows[0])
    table = doc.add_table(rows=nrows, cols=ncols)
    done = set()
    for r, row in enumerate(grid.rows):
        for c, slot in enumerate(row):
            if slot.origin in done:
                continue
            done.add(slot.origin)
            r2 = max(i for i in range(nrows) for j in range(ncols) if grid.rows[i][j].origin == slot.origin)
            c2 = max(j for i in range(nrows) for j in range(ncols) if grid.rows[i][j].origin == slot.origin)
            cell = table.cell(r, c)
            if (r2, c2) != (r, c):
                cell = cell.merge(table.cell(r2, c2))
            lines = slot.text.split("\n")
            cell.paragraphs[0].text = lines[0]
            for line in lines[1:]:
                cell.add_paragraph(line)


def other_t3_rows(form: Form, report: dict, *, blank: str = "", label=None) -> list:
    """表三 with two label columns (group, item) instead of three, and the corner note left out."""
    label = label or (lambda text: text)
    t3 = form.table["t3"]
    grid = t3.grid()
    cols = ("natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total")
    rows = [
        [(label("项目"), 3, 2), (label("申请人情况"), 1, 7)],
        [(label("自然人"), 2, 1), (label("法人或其他组织"), 1, 5), (label("总计"), 2, 1)],
        [(label(x), 1, 1) for x in ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")],
    ]
    for r in range(4, 29):
        distinct = [lab for lab in dict.fromkeys(grid[r - 1][c] for c in range(3)) if lab.text != "三、本年度办理结果"]
        row = []
        if len(distinct) == 1:
            row.append((label(distinct[0].text), 1, 2))
        else:
            group, item = distinct
            if group.r == r:
                row.append((label(group.text), group.rs, 1))
            row.append((label(item.text), 1, 1))
        key = next(n.key for n in t3.numbers if n.r == r).rsplit(".", 1)[0]
        for col in cols:
            row.append((fmt_value(report["applications"][key.split(".")[1]][col], blank), 1, 1))
        rows.append(row)
    return rows


def tally(got: dict, want: dict, form: Form | None = None) -> dict:
    """Numbers of an import right, left blank, and wrong (stored but not the published value: the one
    outcome an import must never have), with the wrong ones listed."""
    out: dict = {"right": 0, "blank": 0, "wrong": []}
    for cell in (form or load_form(DEFAULT_FORM)).numbers:
        g, w = get_path(got, cell.key), get_path(want, cell.key)
        if g == w:
            out["right"] += 1
        elif g is None:
            out["blank"] += 1
        else:
            out["wrong"].append((cell.key, g, w))
    return out


def squeeze(text: str) -> str:
    """Text without any whitespace: what survives every layout (PDF lines, Word runs, web pages)."""
    return "".join((text or "").split())
