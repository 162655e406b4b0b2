"""The validator: JSON Schema errors and rule results, all of them, as findings."""
from __future__ import annotations

from converter.engine.findings import WHERE, Finding, Location
from converter.form.definition import Form
from converter.engine.arith import fmt
from converter.engine.kinds import evaluate
from converter.engine.rules import location_of
from converter.engine.schema import quick_check, validator_for

_SCHEMA_MESSAGES = {
    "type": "类型不对：应为{expected}，实际为 {value}",
    "minimum": "不能小于 {limit}，实际为 {value}",
    "maximum": "不能大于 {limit}，实际为 {value}",
    "minLength": "不能为空",
    "const": "应为 {limit}，实际为 {value}",
    "required": "缺少 {missing}",
    "additionalProperties": "有本表式没有的项目：{extra}",
}
_TYPE_NAMES = {"integer": "整数", "number": "数字", "string": "文字", "object": "对象", "null": "空"}


def _schema_finding(form: Form, error) -> Finding:
    path = ".".join(str(p) for p in error.absolute_path)
    loc = location_of(form, path) if path else Location(path="")
    kind = error.validator
    expected = error.validator_value
    if kind == "type":
        names = expected if isinstance(expected, list) else [expected]
        expected = "或".join(_TYPE_NAMES.get(n, n) for n in names)
    extra = missing = ""
    if kind == "additionalProperties":
        extra = "、".join(sorted(set(error.instance) - set(error.schema.get("properties", {}))))
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
    template = _SCHEMA_MESSAGES.get(kind, "不符合格式要求（{kind}）")
    value = error.instance if not isinstance(error.instance, (dict, list)) else "…"
    detail = template.format(expected=expected, value=_show(value), limit=fmt(expected) if not isinstance(
        expected, (dict, list)) else expected, missing=missing, extra=extra, kind=kind)
    return Finding(f"schema.{kind}", "error", f"{WHERE}：{detail}", loc,
                   {"validator": kind, "schema_message": error.message})


def _show(value) -> str:
    if isinstance(value, str):
        return f"“{value}”"
    if isinstance(value, bool):
        return "是" if value else "否"
    return fmt(value)


def validate(report: dict, form: Form, prior: dict | None = None) -> list[Finding]:
    """Every schema error and every rule finding for `report` (and `prior`, last year's report)."""
    quick = quick_check(form)
    findings = []
    if quick is None or not quick(report):
        errors = sorted(validator_for(form).iter_errors(report), key=lambda e: list(map(str, e.absolute_path)))
        findings = [_schema_finding(form, e) for e in errors]
    if isinstance(report, dict):
        findings.extend(evaluate(form, report, prior if isinstance(prior, dict) else None))
    return findings
