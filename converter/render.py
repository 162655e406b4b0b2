"""Findings as text for a person: grouped by severity, Chinese, coloured on a terminal."""
from __future__ import annotations

import click

from converter.engine.findings import SEVERITIES, SEVERITY_LABELS, count_by_severity

_MARK = {"error": ("✘", "red"), "warning": ("!", "yellow"), "info": ("·", "cyan")}


def findings_text(findings, title: str, color: bool | None = None) -> str:
    lines = [click.style(title, bold=True)]
    counts = count_by_severity(findings)
    for severity in SEVERITIES:
        group = [f for f in findings if f.severity == severity]
        if not group:
            continue
        mark, colour = _MARK[severity]
        lines.append(click.style(f"{SEVERITY_LABELS[severity]} {len(group)} 项", fg=colour, bold=True))
        for f in group:
            lines.append(f"  {click.style(mark, fg=colour)} {f.message}  " + click.style(f"[{f.code}]", dim=True))
    lines.append(verdict(counts))
    return "\n".join(lines)


def verdict(counts: dict) -> str:
    if counts["error"]:
        return click.style(f"结论：有 {counts['error']} 项错误，请修改后重新报送。", fg="red", bold=True)
    extra = f"（{counts['warning']} 项警告，请核对）" if counts["warning"] else ""
    return click.style(f"结论：通过，没有错误{extra}。", fg="green", bold=True)
