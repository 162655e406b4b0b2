"""The report as a web page: title, preamble, the six sections and the three tables with the official
grids (every rowspan/colspan from the form definition), header cells as <th>.

Every style is inline (style="…"), with no <style> sheet, classes or scripts: site content editors
(UEditor, KindEditor, TinyMCE …) keep inline styles and drop the rest, so the page — or with
`fragment=True` just its body content — pastes into them unchanged. Fonts and sizes follow the house
style (converter.engine.style.Style, GB/T 9704 by default) — the same definition the Word report
takes — each font followed by the common web fallbacks of its family (仿宋 → FangSong/STFangsong,
黑体 → SimHei …).
"""
from __future__ import annotations

import datetime as _dt
import html
import functools
import os
from dataclasses import dataclass
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.engine.findings import Finding
from converter.engine.printed import DRAFT_NOTICE, HEADING2, Printed, PrintedSection, printed_report, run_in_heading
from converter.engine.style import Style, css_font_stack, default_style
from converter.form.definition import Form, Table

SMALL_TABLE_COLS = 12  # 表四's 15 columns take smaller type, as in the Word report

S_SIGN = "text-align:right;margin:0"
S_CELL = "border:1px solid #000;padding:2px 3px;vertical-align:middle;word-break:break-all"


def _pt(half_points: int) -> str:
    return f"{half_points / 2:g}pt"


@dataclass(frozen=True)
class Css:
    """The inline styles of one house style."""

    page: str
    title: str
    body: str
    h1: str
    h2: str
    draft: str
    table: str
    table_size: str
    table_small_size: str
    indent: str


@functools.lru_cache(maxsize=16)
def css(style: Style | None = None) -> Css:
    s = style or default_style()
    title, h1, h2, body, table = (css_font_stack(f) for f in (s.font_title, s.font_h1, s.font_h2, s.font_body,
                                                              s.font_table))
    indent = _pt(2 * s.sz_body)  # two body characters
    line = f"{s.line_body / (s.sz_body * 10):.2f}".rstrip("0").rstrip(".")  # 28.9 pt on 16 pt → 1.8
    return Css(
        page=(f"max-width:800px;margin:0 auto;padding:24px 16px;font-family:{body};font-size:{_pt(s.sz_body)};"
              f"line-height:{line};color:#000;background:#fff"),
        title=(f"font-family:{title};font-size:{_pt(s.sz_title)};font-weight:normal;line-height:1.6;"
               "text-align:center;margin:0 0 1em 0"),
        body=f"text-indent:{indent};margin:0;text-align:justify",
        h1=f"font-family:{h1};font-size:{_pt(s.sz_h1)};font-weight:normal;text-indent:{indent};margin:0.5em 0 0 0",
        h2=f"font-family:{h2};font-size:{_pt(s.sz_h2)};font-weight:normal",
        draft=(f"border:2px solid #c00000;color:#c00000;font-family:{h1};font-size:14pt;text-align:center;"
               "padding:4px;margin:0 0 1em 0"),
        table=("border-collapse:collapse;width:100%;table-layout:fixed;margin:0.5em 0 1em 0;"
               f"font-family:{table};line-height:1.4"),
        table_size=_pt(s.sz_table), table_small_size=_pt(s.sz_table_small), indent=indent)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _lines(text: str) -> str:
    """A cell's text with its line breaks kept."""
    return "<br>".join(_e(part) for part in text.split("\n"))


def _paragraph(style: str, line: str, c: Css) -> str:
    if style == HEADING2:
        split = run_in_heading(line)
        if split:  # （一）主动公开。 in 楷体, the sentence after it in body type
            return f'<p style="{c.body}"><span style="{c.h2}">{_e(split[0])}</span>{_e(split[1])}</p>'
        return f'<p style="{c.body};{c.h2}">{_e(line)}</p>'
    return f'<p style="{c.body}">{_e(line)}</p>'


def table_html(table: Table, values: dict[str, str], c: Css | None = None) -> str:
    """One official table: a cell per definition cell at its origin, with its rowspan and colspan.
    Header rows' cells are <th scope="col">, row labels below them <th scope="row">, numbers <td>."""
    c = c or css()
    size = c.table_small_size if table.cols >= SMALL_TABLE_COLS else c.table_size
    total = sum(table.col_widths)
    cols = "".join(f'<col style="width:{100 * w / total:.2f}%">' for w in table.col_widths)
    out = [f'<table width="100%" style="{c.table};font-size:{size}" data-form-table="{_e(table.id)}">'
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


def _section_html(section: PrintedSection, c: Css) -> list[str]:
    out = [f'<h2 style="{c.h1}">{_e(section.heading)}</h2>']
    out += [_paragraph(style, line, c) for style, line in section.paragraphs]
    if section.table is not None:
        out.append(table_html(section.table, section.values, c))
    return out


def body_html(printed: Printed, style: Style | None = None) -> str:
    """The report's content in one <div>, every style inline: what `--fragment` writes."""
    c = css(style)
    out = [f'<div style="{c.page}">']
    if printed.draft:
        out.append(f'<p style="{c.draft}">{_e(DRAFT_NOTICE)}</p>')
    out.append(f'<h1 style="{c.title}">{_e(printed.title)}</h1>')
    out += [f'<p style="{c.body}">{_e(line)}</p>' for line in printed.preamble]
    for section in printed.sections:
        out += _section_html(section, c)
    if printed.sign_date is not None:
        out.append(f'<p style="{S_SIGN}">&nbsp;</p>')
        if printed.agency:
            out.append(f'<p style="{S_SIGN};padding-right:{c.indent}">{_e(printed.agency)}</p>')
        out.append(f'<p style="{S_SIGN};padding-right:{c.indent}">{_e(printed.sign_date)}</p>')
    out.append("</div>")
    return "\n".join(out) + "\n"


def build_page(report: dict, form: Form, *, blank_as_zero: bool = False, sign_date: _dt.date | None = None,
               draft: bool = False, fragment: bool = False, style: Style | None = None) -> tuple[str, list[Finding]]:
    """The page (or with `fragment` only its body content) for one report in `style`, and the cleaning
    findings."""
    printed = printed_report(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft)
    body = body_html(printed, style)
    if fragment:
        return body, printed.findings
    page = ('<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="converter">\n<title>{_e(printed.title)}</title>\n</head>\n'
            f'<body style="margin:0;background:#fff">\n{body}</body>\n</html>\n')
    return page, printed.findings


def write_page(report: dict, form: Form, out_path: str | os.PathLike, *, blank_as_zero: bool = False,
               sign_date: _dt.date | None = None, draft: bool = False, fragment: bool = False,
               style: Style | None = None) -> list[Finding]:
    """Write the web page for `report` to out_path (UTF-8, atomically); returns cleaning findings."""
    text, findings = build_page(report, form, blank_as_zero=blank_as_zero, sign_date=sign_date, draft=draft,
                                fragment=fragment, style=style)
    write_bytes(Path(out_path), text.encode("utf-8"))
    return findings
