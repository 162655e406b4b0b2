"""Rule kinds that read the narrative or last year's report (warnings only).

- `quoted_figure`: a figure quoted in a text (共收到政府信息公开申请N件, 行政复议N件 …) against the
  cells it names; the patterns live in the form definition, `{N}` marking the number.
- `identical_to_prior`: a table whose every number equals last year's (probably copied).
"""
from __future__ import annotations

import functools
import re

from converter.engine.findings import Finding, Location
from converter.form.definition import Form, Rule, get_path
from converter.engine.arith import fmt, number, signed_sum
from converter.engine.rules import location_of

_PLACEHOLDERS = {"{N}": r"(\d{1,7})", "{SEP}": r"[^。；;，,（(）)\d]{0,16}?"}

# "no review or litigation" sentences: 未发生因政府信息公开被申请行政复议、提起行政诉讼的情况
_NONE = re.compile(r"(?:未|没有|无)(?:发生|出现|收到)?[^。；;\d]{0,24}?(行政复议)?[^。；;\d]{0,4}?(?:、|和|或|及)?"
                   r"[^。；;\d]{0,6}?(行政诉讼)?[^。；;\d]{0,10}?(?:情况|案件|事项)")


@functools.lru_cache(maxsize=None)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    out = []
    for p in patterns:
        for key, value in _PLACEHOLDERS.items():
            p = p.replace(key, value)
        out.append(re.compile(p))
    return tuple(out)


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。；;\n]", text or "") if s.strip()]


def quoted_figure(text: str, rule: Rule) -> tuple[int, str] | None:
    """(N, the sentence it was read from): the first figure the rule's patterns find in the text."""
    patterns = _compiled(tuple(rule.params["patterns"]))
    none_word = rule.params.get("none_word")
    for sentence in _sentences(text):
        for pattern in patterns:
            m = pattern.search(sentence)
            if m:
                return int(m.group(1)), sentence
        if none_word:
            m = _NONE.search(sentence)
            if m and none_word in m.group(0):
                return 0, sentence
    return None


def check_quoted_figure(form: Form, rule: Rule, report: dict, prior: dict | None = None) -> list[Finding]:
    found = quoted_figure(get_path(report, rule.operand) or "", rule)
    if found is None:
        return []
    quoted, sentence = found
    values = [number(get_path(report, t.path)) for t in rule.right]
    if all(v is None for v in values):
        return []
    table = signed_sum(rule.right, lambda t: number(get_path(report, t.path)))
    if table == quoted:
        return []
    excerpt = sentence if len(sentence) <= 60 else sentence[:58] + "…"
    section = form.text[rule.operand].label if rule.operand in form.text else rule.operand
    return [Finding(
        rule.code, rule.severity,
        f"{section}中写{rule.params['words']} {quoted} 件（“{excerpt}”），{rule.params['where']}为 {fmt(table)}，"
        f"相差 {fmt(quoted - table)}",
        location_of(form, rule.right[0].path),
        {"rule": rule.id, "title": rule.title, "quoted": quoted, "table": table, "difference": quoted - table,
         "sentence": sentence, "paths": [t.path for t in rule.right]})]


def check_identical_to_prior(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    if not isinstance(prior, dict):
        return []
    out = []
    for table in form.tables:
        keys = [n.key for n in table.numbers if n.derived_by is None] or [n.key for n in table.numbers]
        this = [get_path(report, k) for k in keys]
        if this != [get_path(prior, k) for k in keys]:
            continue
        nonzero = sum(1 for v in this if number(v))
        if nonzero < rule.params.get("min_nonzero", 1):
            continue  # all-zero tables (no applications two years running) are common and fine
        out.append(Finding(
            rule.code, rule.severity,
            f"{table.name}（{table.title}）的 {len(keys)} 个数与上年报告完全相同，请确认不是照抄上年数据",
            Location(path=table.numbers[0].key.split(".")[0], table=table.name),
            {"rule": rule.id, "title": rule.title, "table": table.id, "cells": len(keys), "nonzero": nonzero}))
    return out


def _comparable(sentence: str) -> str:
    """A sentence as compared across years: no spaces, no punctuation, the years masked (2024年 → Y年)."""
    s = re.sub(r"[\s\u3000，,、：:“”\"‘’'（）()《》]", "", sentence)
    return re.sub(r"20\d\d(?=年)", "Y", s)


def check_text_repeated_from_prior(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    """The share of this year's sentences (in the rule's texts) found word for word in last year's report."""
    if not isinstance(prior, dict):
        return []
    keys = rule.params.get("texts") or list(form.text)
    min_chars = rule.params.get("min_chars", 8)
    before = {_comparable(s) for k in keys for s in _sentences(get_path(prior, k) or "")}
    this = [c for k in keys for c in (_comparable(s) for s in _sentences(get_path(report, k) or ""))
            if len(c) >= min_chars]
    if len(this) < 2:
        return []
    same = sum(1 for c in this if c in before)
    share = same / len(this)
    if share <= rule.params.get("threshold", 0.5):
        return []
    names = "、".join(form.text[k].label for k in keys if k in form.text)
    return [Finding(
        rule.code, rule.severity,
        f"{names}的 {len(this)} 句中有 {same} 句（{share:.0%}）与上年报告相同，请确认不是照抄上年的文字",
        location_of(form, keys[0]),
        {"rule": rule.id, "title": rule.title, "sentences": len(this), "repeated": same, "share": round(share, 3)})]
