"""Rule kinds on the tables: equations (sum, balance, cross-year), blanks, limits, an empty report."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

from converter.engine.arith import fmt, number, rounded
from converter.engine.findings import WHERE, Finding, Location
from converter.form.definition import Form, NumberCell, Rule, Term, get_path


def location_of(form: Form, path: str) -> Location:
    cell = form.cell.get(path)
    if cell is None:
        text = form.text.get(path)
        return Location(path=path, row_label=text.label if text else None)
    return Location(path=path, table=cell.table_name, row_label=cell.row_label, col_label=cell.col_label)


def _term_value(report: dict, prior: dict | None, term: Term):
    return number(get_path(prior if term.prior else report, term.path))


def _sum(values):
    return rounded(sum(v for v in values if v is not None))


def _shared(form: Form, terms) -> str | None:
    """Which label all terms share ("row" or "col"), so each term is named by the other one."""
    cells = [form.cell[t.path] for t in terms]
    if len({(c.table, c.col_label) for c in cells}) == 1:
        return "col"
    if len({(c.table, c.row_label) for c in cells}) == 1:
        return "row"
    return None


def _term_label(form: Form, term: Term, shared: str | None) -> str:
    cell = form.cell[term.path]
    prefix = "上年" if term.prior else ""
    if shared == "col":
        return prefix + cell.row_label
    if shared == "row":
        return prefix + cell.col_label
    return prefix + f"{cell.row_label}·{cell.col_label}"


def _side_text(form: Form, terms, values, shared: str | None) -> str:
    if len(terms) == 1 and terms[0].sign > 0:
        return f"「{_term_label(form, terms[0], shared)}」为 {fmt(values[0])}"
    if len(terms) > 4:
        first, last = _term_label(form, terms[0], shared), _term_label(form, terms[-1], shared)
        return f"「{first}」至「{last}」共 {len(terms)} 项之和"
    out = []
    for i, (t, v) in enumerate(zip(terms, values)):
        op = ("− " if t.sign < 0 else "+ ") if i else ("−" if t.sign < 0 else "")
        out.append(f"{op}{_term_label(form, t, shared)}({fmt(v)})")
    return " ".join(out)


def _holds(rule: Rule, report: dict) -> bool:
    """Whether this year's equation holds: _equation's very sums (sum() itself: from Python 3.12 it
    compensates float errors, which a loop of += does not)."""
    left = _sum(t.sign * (number(get_path(report, t.path)) or 0) for t in rule.left)
    right = _sum(t.sign * (number(get_path(report, t.path)) or 0) for t in rule.right)
    return _sum([left, -right]) == 0


def _equation(form: Form, rule: Rule, report: dict, prior: dict | None) -> Finding | None:
    if rule.needs_prior and prior is None:
        return None
    if not rule.needs_prior and rule.kind != "cross_year" and _holds(rule, report):
        return None  # most equations of most reports: decided without building the finding's pieces
    lv = [_term_value(report, prior, t) for t in rule.left]
    rv = [_term_value(report, prior, t) for t in rule.right]
    if rule.kind == "cross_year" and any(v is None for t, v in zip((*rule.left, *rule.right), (*lv, *rv)) if t.prior):
        return None  # last year's cell is blank: nothing to compare against
    left = _sum(t.sign * (v or 0) for t, v in zip(rule.left, lv))
    right = _sum(t.sign * (v or 0) for t, v in zip(rule.right, rv))
    diff = _sum([left, -right])
    if diff == 0:
        return None
    anchor = form.cell[rule.left[0].path]
    shared = _shared(form, (*rule.left, *rule.right))
    loc = location_of(form, anchor.key)
    if len(rule.left) > 1:  # a balance names the column (or row) it holds in, not one cell
        loc = replace(loc, row_label=None if shared == "col" else loc.row_label,
                      col_label=None if shared == "row" else loc.col_label)
    where = WHERE
    right_text = _side_text(form, rule.right, rv, shared)
    right_text = f"{right_text} = {fmt(right)}" if len(rule.right) > 1 else right_text
    if len(rule.left) == 1:
        message = f"{where}为 {fmt(left)}，但{right_text}，相差 {fmt(diff)}（{rule.title}）"
    else:
        message = (f"{where}：{_side_text(form, rule.left, lv, shared)} = {fmt(left)}，"
                   f"而 {right_text}，相差 {fmt(diff)}（{rule.title}）")
    context = {
        "rule": rule.id, "title": rule.title,
        "left": [{"path": t.path, "sign": t.sign, "prior": t.prior, "value": v} for t, v in zip(rule.left, lv)],
        "right": [{"path": t.path, "sign": t.sign, "prior": t.prior, "value": v} for t, v in zip(rule.right, rv)],
        "left_sum": left, "right_sum": right, "difference": diff,
    }
    return Finding(rule.code, rule.severity, message, loc, context)


def _blank_cells(form: Form, rule: Rule, report: dict) -> list[Finding]:
    """One finding per table and per set of blank columns, so 150 blanks read as one line."""
    out = []
    for table in form.tables:
        by_row: dict[str, list[NumberCell]] = defaultdict(list)
        for cell in table.numbers:
            if get_path(report, cell.key) is None:
                by_row[cell.row_label].append(cell)
        groups: dict[tuple, list[list[NumberCell]]] = defaultdict(list)
        for cells in by_row.values():
            groups[tuple(c.col_label for c in cells)].append(cells)
        for cols, rows in groups.items():
            cells = [c for row in rows for c in row]
            first = cells[0]
            if len(cells) == 1:
                loc = location_of(form, first.key)
                message = f"{WHERE}留空（按 0 计算，建议填写 0）"
            else:
                rows_text = _rows_text(table, [row[0] for row in rows])
                loc = Location(path=_common_prefix([c.key for c in cells]), table=table.name,
                               row_label=rows[0][0].row_label if len(rows) == 1 else None,
                               col_label=first.col_label if len(cols) == 1 else None)
                message = (f"{table.name} {rows_text}的「{'、'.join(cols)}」列共 {len(cells)} 格留空"
                           f"（按 0 计算，建议填写 0）")
            out.append(Finding(rule.code, rule.severity, message, loc,
                               {"rule": rule.id, "title": rule.title, "count": len(cells),
                                "paths": [c.key for c in cells]}))
    return out


def _rows_text(table, firsts: list[NumberCell]) -> str:
    if len(firsts) == 1:
        return f"「{firsts[0].row_label}」行"
    order = list(dict.fromkeys(c.row_label for c in table.numbers))
    span = order.index(firsts[-1].row_label) - order.index(firsts[0].row_label) + 1
    joiner = "共" if span == len(firsts) else "中的"
    return f"「{firsts[0].row_label}」至「{firsts[-1].row_label}」{joiner} {len(firsts)} 行"


def _common_prefix(paths: list[str]) -> str:
    split = [p.split(".") for p in paths]
    prefix = []
    for parts in zip(*split):
        if len(set(parts)) != 1:
            break
        prefix.append(parts[0])
    return ".".join(prefix)


def _nonempty_text(form: Form, rule: Rule, report: dict) -> Finding | None:
    value = get_path(report, rule.operand)
    if isinstance(value, str) and value.strip():
        return None
    loc = location_of(form, rule.operand)
    return Finding(rule.code, rule.severity, f"「{loc.row_label}」未填写内容，请补充", loc,
                   {"rule": rule.id, "title": rule.title})


def _max(form: Form, rule: Rule, report: dict) -> Finding | None:
    value = number(get_path(report, rule.operand))
    limit = rule.params["max"]
    if value is None or value <= limit:
        return None
    loc = location_of(form, rule.operand)
    return Finding(rule.code, rule.severity,
                   f"{WHERE}为 {fmt(value)}，超过 {fmt(limit)}：{rule.title}，请核对单位",
                   loc, {"rule": rule.id, "title": rule.title, "value": value, "max": limit})


def _one(f: Finding | None) -> list[Finding]:
    return [f] if f else []


def equation(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    return _one(_equation(form, rule, report, prior))


def blank_cells(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    return _blank_cells(form, rule, report)


def nonempty_text(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    return _one(_nonempty_text(form, rule, report))


def maximum(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    return _one(_max(form, rule, report))


def all_blank(form: Form, rule: Rule, report: dict, prior: dict | None) -> list[Finding]:
    # input cells only: derived cells (totals) are computed from the inputs, and a blank template's
    # formulas compute 0 everywhere, which must not count as "filled"
    if any(get_path(report, c.key) is not None for c in form.inputs):
        return []
    return [Finding(rule.code, rule.severity, rule.params.get("message", rule.title), Location(path=""),
                    {"rule": rule.id, "title": rule.title, "cells": len(form.inputs)})]
