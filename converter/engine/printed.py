"""A report as it is printed, whatever the medium: title, preamble, sections with their paragraphs and
table values, signature. The Word writer (word/) and the web page writer (web/) both lay out this one
object, so the two publications always say the same thing.
"""
from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from converter.engine.findings import Finding, Location
from converter.form.definition import Form, Table, get_path

DRAFT_TITLE_SUFFIX = "（草稿）"
DRAFT_NOTICE = "草稿　未通过校验，不得公开发布"

# Characters XML 1.0 cannot hold (python-docx raises on them, browsers show garbage): C0 controls except
# tab/newline/CR, lone surrogates, U+FFFE and U+FFFF.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_LEVEL2 = re.compile(r"^\s*[（(][一二三四五六七八九十]+[）)]")
_RUN_IN_HEADING = re.compile(r"^([（(][一二三四五六七八九十]+[）)][^。：:]{1,30}[。：:])(.+)$")
HEADING2, BODY = "Heading2", "BodyText"


def format_number(value, blank_as_zero: bool = False) -> str:
    """A cell value as printed: integers plainly, amounts with exactly their decimals, blank as ''."""
    if value is None:
        return "0" if blank_as_zero else ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ""
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)), "f")
    if isinstance(value, str):
        return value.strip()
    return ""


class TextCleaner:
    """Removes characters Word cannot store and remembers where, for one finding per text."""

    def __init__(self):
        self.findings: list[Finding] = []

    def __call__(self, text, path: str, label: str) -> str:
        if text is None:
            return ""
        if not isinstance(text, str):
            text = str(text)
        found = _ILLEGAL.findall(text)
        if not found:
            return text
        names = "、".join(sorted({f"U+{ord(ch):04X}" for ch in found}))
        self.findings.append(Finding(
            "report.text_cleaned", "warning",
            f"{label}：删除了 {len(found)} 个无法写入 Word 的控制字符（{names}）",
            Location(path=path), {"removed": len(found), "characters": names}))
        return _ILLEGAL.sub("", text)


def paragraphs(text: str) -> list[tuple[str, str]]:
    """Narrative text → (style, text) paragraphs; a line starting with （一）/(一) is a level-2 heading."""
    out = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = line.strip(" \t\u3000")
        if not line:
            continue
        out.append((HEADING2 if _LEVEL2.match(line) else BODY, line))
    return out


def run_in_heading(line: str) -> tuple[str, str] | None:
    """"（一）主动公开。全年……" → ("（一）主动公开。", "全年……"): the heading part and the sentence after it."""
    m = _RUN_IN_HEADING.match(line)
    return (m.group(1), m.group(2)) if m else None


def width_chars(text: str) -> float:
    """Printed width in full-width characters: digits and Latin letters count half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


def chinese_date(value: _dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


@dataclass
class PrintedSection:
    heading: str
    paragraphs: list[tuple[str, str]]  # (HEADING2 | BODY, line)
    table: Table | None = None
    values: dict[str, str] = field(default_factory=dict)  # number cell key → text as printed


@dataclass
class Printed:
    title: str
    agency: str
    year_text: str
    preamble: list[str]
    sections: list[PrintedSection]
    sign_date: str | None  # 2026年1月20日, when the report is signed
    draft: bool
    findings: list[Finding]


def printed_report(report: dict, form: Form, *, blank_as_zero: bool = False, sign_date: _dt.date | None = None,
                   draft: bool = False) -> Printed:
    """Everything a publication of `report` prints, cleaned of characters no document can hold."""
    clean = TextCleaner()
    agency = clean(report.get("agency"), "agency", "单位名称").strip()
    year = report.get("year")
    year_text = clean("" if year is None else year, "year", "年度").strip()
    title = form.title(agency, year_text) + (DRAFT_TITLE_SUFFIX if draft else "")
    preamble: list[str] = []
    if form.preamble is not None:  # the unnumbered text before section 一
        text = clean(get_path(report, form.preamble.key), form.preamble.key, form.preamble.label)
        if not text.strip():
            text = form.default_preamble(year_text)
        preamble = [line for _, line in paragraphs(text)]
    sections = []
    for section in form.sections:
        lines: list[tuple[str, str]] = []
        if section.text:
            label = form.text[section.text].label if section.text in form.text else section.heading
            lines = paragraphs(clean(get_path(report, section.text), section.text, label))
        table = form.table[section.table] if section.table else None
        values = {}
        for cell in table.numbers if table else ():
            raw = get_path(report, cell.key)
            value = format_number(raw, blank_as_zero)
            if value and isinstance(raw, str):
                value = clean(value, cell.key, f"{cell.table_name}「{cell.row_label}」行「{cell.col_label}」列")
            values[cell.key] = value
        sections.append(PrintedSection(section.heading, lines, table, values))
    return Printed(title, agency, year_text, preamble, sections,
                   chinese_date(sign_date) if sign_date is not None else None, draft, clean.findings)
