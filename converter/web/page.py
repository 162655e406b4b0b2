"""The report as a web page: title, preamble, the six sections and the three tables with the official
grids (every rowspan/colspan from the form definition), header cells as <th>.

Every style is inline (style="…"), with no <style> sheet, classes or scripts: site content editors
(UEditor, KindEditor, TinyMCE …) keep inline styles and drop the rest, so the page — or with
`fragment=True` just its body content — pastes into them unchanged. Fonts follow GB/T 9704 with the
common web fallbacks (仿宋 → FangSong/STFangsong, 黑体 → SimHei …).
"""
from __future__ import annotations

import datetime as _dt
import html
import os
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.engine.findings import Finding
from converter.engine.printed import DRAFT_NOTICE, HEADING2, Printed, PrintedSection, printed_report, run_in_heading
from converter.form.definition import Form, Table

SMALL_TABLE_COLS = 12  # 表四's 15 columns take smaller type, as in the Word report

FONT_TITLE = "'方正小标宋简体','方正小标宋_GBK','华文中宋',STZhongsong,'宋体',SimSun,serif"
FONT_H1 = "'黑体',SimHei,'Heiti SC','Microsoft YaHei',sans-serif"
FONT_H2 = "'楷体_GB2312','楷体',KaiTi,STKaiti,serif"
FONT_BODY = "'仿宋_GB2312','仿宋',FangSong,STFangsong,serif"

S_PAGE = (f"max-width:800px;margin:0 auto;padding:24px 16px;font-family:{FONT_BODY};font-size:16pt;"
          "line-height:1.8;color:#000;background:#fff")
S_TITLE = (f"font-family:{FONT_TITLE};font-size:22pt;font-weight:normal;line-height:1.6;text-align:center;"
           "margin:0 0 1em 0")
S_BODY = "text-indent:32pt;margin:0;text-align:justify"  # two 16 pt characters
S_H1 = f"font-family:{FONT_H1};font-size:16pt;font-weight:normal;text-indent:32pt;margin:0.5em 0 0 0"
S_H2 = f"font-family:{FONT_H2};font-size:16pt;font-weight:normal"
S_SIGN = "text-align:right;margin:0"
S_DRAFT = ("border:2px solid #c00000;color:#c00000;font-family:" + FONT_H1 + ";font-size:14pt;text-align:center;"
           "padding:4px;margin:0 0 1em 0")
S_TABLE = ("border-collapse:collapse;width:100%;table-layout:fixed;margin:0.5em 0 1em 0;"
           f"font-family:{FONT_BODY};line-height:1.4")
S_CELL = "border:1px solid #000;padding:2px 3px;vertical-align:middle;word-break:break-all"


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _lines(text: str) -> str:
    """A cell's text with its line breaks kept."""
    return "<br>".join(_e(part) for part in text.split("\n"))


def _paragraph(style: str, line: str) -> str:
    if style == HEADING2:
        split = run_in_heading(line)
        if split:  # （一）主动公开。 in 楷体, the sentence after it in body type
            return f'<p style="{S_BODY}"><span style="{S_H2}">{_e(split[0])}</span>{_e(split[1])}</p>'
        return f'<p style="{S_BODY};{S_H2}">{_e(line)}</p>'
    return f'<p style="{S_BODY}">{_e(line)}</p>'


def table_html(table: Table, values: dict[str, str]) -> str:
    """One official table: a cell per definition cell at its origin, with its rowspan and colspan.
    Header rows' cells are <th scope="col">, row labels below them <th scope="row">, numbers <td>."""
    size = "9pt" if table.cols >= SMALL_TABLE_COLS else "10.5pt"
    total = sum(table.col_widths)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in table.col_widths)
    out = [f'<table width="100%" style="{S_TABLE};font-size:{size}" data-form-table="{_e(table.id)}">'
           f"<colgroup>{cols}</colgroup>"]
    by_row: dict[int, list] = {}
    for cell in (*table.labels, *table.numbers):
        by_row.setdefault(cell.r, []).append(cell)
    for r in range(1, table.rows + 1):
        row = []
        for cell in sorted(by_row.get(r, ()), key=lambda c: c.c):
            span = (f' rowspan="{cell.rs}"' if cell.rs > 1 else "") + (f' colspan="{cell.cs}"' if cell.cs > 1 else "")
            if hasattr(cell, "key"):
                row.append(f'<td{span} style="{S_CELL};text-align:center">{_e(values.get(cell.key, ""))}</td>')
            elif r <= table.header_rows:
                row.append(f'<th{span} scope="col" style="{S_CELL};text-align:center;font-weight:normal">'
                           f"{_lines(cell.text)}</th>")
            else:
                align = "left" if cell.rs == 1 and table.header_rows > 0 else "center"
                row.append(f'<th{span} scope="row" style="{S_CELL};text-align:{align};font-weight:normal">'
                           f"{_lines(cell.text)}</th>")
        out.append("<tr>" + "".join(row) + "</tr>")
    out.append("</table>")
    return "".join(out)


def _section_html(section: PrintedSection) -> list[str]:
    out = [f'<h2 style="{S_H1}">{_e(section.heading)}</h2>']
    out += [_paragraph(style, line) for style, line in section.paragraphs]
    if section.table is not None:
        out.append(table_html(section.table, section.values))
    return out


def body_html(printed: Printed) -> str:
    """The report's content in one <div>, every style inline: what `--fragment` writes."""
    out = [f'<div style="{S_PAGE}">']
    if printed.draft:
        out.append(f'<p style="{S_DRAFT}">{_e(DRAFT_NOTICE)}</p>')
    out.append(f'<h1 style="{S_TITLE}">{_e(printed.title)}</h1>')
    out += [f'<p style="{S_BODY}">{_e(line)}</p>' for line in printed.preamble]
    for section in printed.sections:
        out += _section_html(section)
    if printed.sign_date is not None:
        out.append(f'<p style="{S_SIGN}">&nbsp;</p>')
        if printed.agency:
            out.append(f'<p style="{S_SIGN};padding-right:32pt">{_e(printed.agency)}</p>')
        out.append(f'<p style="{S_SIGN};padding-right:32pt">{_e(printed.sign_date)}</p>')
    out.append("</div>")
    return "\n".join(out) + "\n"


def build_page(report: dict, form: Form, *, blank_as_zero: bool = False, sign_date: _dt.date | None = None,
               draft: bool = False, fragment: bool = False) -> tuple[str, list[Finding]]:
    """The page (or with `fragment` only its body content) for one report, and the cleaning findings."""
    printed = printed_report(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft)
    body = body_html(printed)
    if fragment:
        return body, printed.findings
    page = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="converter">\n<title>{_e(printed.title)}</title>\n</head>\n'
            f'<body style="margin:0;background:#fff">\n{body}</body>\n</html>\n')
    return page, printed.findings


def write_page(report: dict, form: Form, out_path: str | os.PathLike, *, blank_as_zero: bool = False,
               sign_date: _dt.date | None = None, draft: bool = False, fragment: bool = False) -> list[Finding]:
    """Write the web page for `report` to out_path (UTF-8, atomically); returns cleaning findings."""
    text, findings = build_page(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft,
                                fragment=fragment)
    write_bytes(Path(out_path), text.encode("utf-8"))
    return findings
