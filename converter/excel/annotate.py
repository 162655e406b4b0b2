"""`converter check FILE.xlsx --annotate OUT.xlsx`: a copy for the agency to fix and send back.

Our template filled with the values that were read, every cell a finding points at marked (red for
errors, amber for warnings) with a comment saying what is wrong, and a 问题清单 sheet listing every
finding. A derived total whose formula was typed over gets its formula back (the comment says so).
"""
from __future__ import annotations

import os
from pathlib import Path

from converter.base.atomic import check_not_input
from converter.engine.catalogue import finding_name
from converter.engine.findings import SEVERITIES, SEVERITY_LABELS, Finding
from converter.excel.layout import layout
from converter.excel.template import Annotations, write_template

_RANK = {s: i for i, s in enumerate(SEVERITIES)}


def _paths(finding: Finding, cells: dict) -> list[str]:
    """The report cells a finding is about."""
    if finding.location.path in cells:
        return [finding.location.path]
    return [p for p in finding.context.get("paths", ()) if p in cells]


def build_annotations(loaded, findings: list[Finding]) -> Annotations:
    form = loaded.form
    lay = layout(form)
    ann = Annotations()
    notes: dict[str, list[str]] = {}
    worst: dict[str, str] = {}
    for f in sorted(findings, key=lambda f: _RANK.get(f.severity, 9)):
        paths = _paths(f, lay.cells)
        pos = lay.cells[paths[0]] if paths else None
        where = pos.a1 if pos is not None else (f.location.table or f.location.describe() or "整个文件")
        ann.issues.append((SEVERITY_LABELS.get(f.severity, f.severity), where, f.message,
                           finding_name(f.code, f.context, form), pos))
        if f.severity == "info":
            continue
        if f.code == "read.formula_overwritten":
            text = (f"此处为自动合计，原文件中公式被改成了 {f.context.get('value')}；已恢复公式（现为各项之和），"
                    "请核对各项数字。")
        elif f.context.get("paths") and len(paths) > 1:
            text = "留空：没有请填 0"
        else:
            text = f.message
        for p in paths:
            notes.setdefault(p, []).append(f"【{SEVERITY_LABELS.get(f.severity)}】{text}")
            if _RANK[f.severity] < _RANK.get(worst.get(p, "info"), 9):
                worst[p] = f.severity
    for p, texts in notes.items():
        comment = "\n".join(dict.fromkeys(texts))
        ann.marks[p] = (worst.get(p, "warning"), comment[:1500])
    return ann


def annotate(loaded, findings: list[Finding], target) -> None:
    """Write the annotated copy of `loaded` (atomically when `target` is a path; never over the input)."""
    report = loaded.report
    year = report.get("year") if isinstance(report.get("year"), int) else None
    if isinstance(target, (str, os.PathLike)):
        target = Path(target)
        check_not_input(target, loaded.path or None)
    # a path is written through converter.atomic (complete or absent; OSError → output.* InputError)
    extras = getattr(loaded, "extras", {}) or {}
    write_template(target, loaded.form, agency=report.get("agency") or None, year=year,
                   contact=extras.get("contact"), phone=extras.get("phone"),
                   values=report, annotations=build_annotations(loaded, findings))

