"""The check pipeline, one for every command: what reading found, then the validator, each finding
placed on its sheet and cell when the report came from a workbook."""
from __future__ import annotations

from converter.engine.findings import Finding
from converter.engine.loaded import Loaded
from converter.engine.validate import validate


def locate(findings: list[Finding], loaded: Loaded) -> list[Finding]:
    """Add sheet and cell to findings on a workbook, so the agency can go straight to the cell."""
    if not loaded.cells:
        return findings
    out = []
    for f in findings:
        ref = loaded.cells.get(f.location.path)
        if ref and not f.location.cell:
            sheet, cell = ref
            f = f.with_location(sheet=sheet, cell=cell)
        out.append(f)
    return out


def check_loaded(loaded: Loaded, prior: dict | None = None) -> list[Finding]:
    """Every finding on a report already read: reading's own, the schema's and the rules'."""
    return locate(list(loaded.findings) + validate(loaded.report, loaded.form, prior), loaded)
