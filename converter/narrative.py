"""Checks that need reading the narrative or last year's report (warnings only):

- figures quoted in the text (共收到政府信息公开申请N件, 行政复议N件, 行政诉讼N件) against the tables;
- a table identical to last year's (a report probably copied from last year's).

`narrative_findings(report, form, prior)` returns findings in the validator's shape; it is not wired
into `validate` (rules.py is the rules engine's): call it beside validate(), or register it there.
"""
from __future__ import annotations

import re

from .findings import Finding, Location
from .form import Form, get_path, load_form
from .rules import fmt, location_of, number

_NUM = r"(\d{1,7})"
_SEP = r"[^。；;，,（(）)\d]{0,16}?"

# (code, what the text says, patterns giving N, cells whose sum N should equal, the words for the table side)
QUOTES = (
    ("narrative.applications", "收到政府信息公开申请",
     (rf"(?:共|全年|累计|本年度?|新)(?:收到|受理|接收|收)(?!.{{0,6}}(?:复议|诉讼))(?:各类)?{_SEP}申请(?:共|合计|总计)?{_NUM}件",
      rf"(?:收到|受理|接收)(?:各类)?(?:政府)?信息公开申请(?:共|合计|总计)?{_NUM}件",
      rf"新收(?:政府信息公开)?申请(?:共|合计)?{_NUM}件",
      rf"(?:收到|受理|接收)依申请公开(?:申请)?(?:共|合计)?{_NUM}件"),
     ("applications.new_received.total",), "表三「一、本年新收政府信息公开申请数量」「总计」"),
    ("narrative.review", "行政复议",
     (rf"行政复议(?:案件|申请)?(?:共|合计)?{_NUM}(?:件|起|宗)",
      rf"(?:申请|提起|收到)行政复议(?:案件|申请)?(?:共|合计)?{_NUM}(?:件|起|宗)"),
     ("review_litigation.review.total",), "表四「行政复议」「总计」"),
    ("narrative.litigation", "行政诉讼",
     (rf"行政诉讼(?:案件)?(?:共|合计)?{_NUM}(?:件|起|宗)",
      rf"(?:提起|被提起)行政诉讼(?:案件)?(?:共|合计)?{_NUM}(?:件|起|宗)"),
     ("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total"),
     "表四「行政诉讼」两个「总计」之和"),
)

# "no review or litigation" sentences: 未发生因政府信息公开被申请行政复议、提起行政诉讼的情况
_NONE = re.compile(r"(?:未|没有|无)(?:发生|出现|收到)?[^。；;\d]{0,24}?(行政复议)?[^。；;\d]{0,4}?(?:、|和|或|及)?"
                   r"[^。；;\d]{0,6}?(行政诉讼)?[^。；;\d]{0,10}?(?:情况|案件|事项)")


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。；;\n]", text or "") if s.strip()]


def quoted_figures(text: str) -> dict[str, tuple[int, str]]:
    """code → (N, the sentence it was read from), for the first figure of each kind in the text."""
    found: dict[str, tuple[int, str]] = {}
    for sentence in _sentences(text):
        for code, _, patterns, _, _ in QUOTES:
            if code in found:
                continue
            for pattern in patterns:
                m = re.search(pattern, sentence)
                if m:
                    found[code] = (int(m.group(1)), sentence.strip())
                    break
        m = _NONE.search(sentence)
        if m and ("行政复议" in m.group(0) or "行政诉讼" in m.group(0)):
            if "行政复议" in m.group(0):
                found.setdefault("narrative.review", (0, sentence.strip()))
            if "行政诉讼" in m.group(0):
                found.setdefault("narrative.litigation", (0, sentence.strip()))
    return found


def _table_value(report: dict, paths: tuple[str, ...]):
    values = [number(get_path(report, p)) for p in paths]
    if all(v is None for v in values):
        return None
    return sum(v for v in values if v is not None)


def narrative_findings(report: dict, form: Form | None = None, prior: dict | None = None) -> list[Finding]:
    form = form or load_form()
    findings: list[Finding] = []
    overview = get_path(report, "text.overview") or ""
    figures = quoted_figures(overview)
    for code, words, _, paths, where in QUOTES:
        if code not in figures or not all(p in form.cell for p in paths):
            continue
        quoted, sentence = figures[code]
        table = _table_value(report, paths)
        if table is None or table == quoted:
            continue
        loc = location_of(form, paths[0])
        excerpt = sentence if len(sentence) <= 60 else sentence[:58] + "…"
        findings.append(Finding(
            code, "warning",
            f"一、总体情况中写{words} {quoted} 件（“{excerpt}”），{where}为 {fmt(table)}，相差 {fmt(quoted - table)}",
            loc, {"quoted": quoted, "table": table, "difference": quoted - table, "sentence": sentence,
                  "paths": list(paths)}))
    if isinstance(prior, dict):
        findings += identical_tables(report, form, prior)
    return findings


def identical_tables(report: dict, form: Form, prior: dict, min_nonzero: int = 3) -> list[Finding]:
    """A table whose every number equals last year's (with some non-zero numbers): probably copied."""
    out = []
    for table in form.tables:
        keys = [n.key for n in table.numbers if n.derived_by is None] or [n.key for n in table.numbers]
        this = [get_path(report, k) for k in keys]
        last = [get_path(prior, k) for k in keys]
        if this != last:
            continue
        nonzero = sum(1 for v in this if number(v))
        if nonzero < min_nonzero:
            continue  # all-zero tables (no applications two years running) are common and fine
        out.append(Finding(
            "copy.identical_table", "warning",
            f"{table.name}（{table.title}）的 {len(keys)} 个数与上年报告完全相同，请确认不是照抄上年数据",
            Location(path=table.numbers[0].key.split(".")[0], table=table.name),
            {"table": table.id, "cells": len(keys), "nonzero": nonzero}))
    return out
