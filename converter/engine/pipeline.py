"""The check pipeline, one for every command: what reading found, then the validator, each finding
placed on its sheet and cell when the report came from a workbook."""
from __future__ import annotations

from converter.base.text import agency_key
from converter.engine.findings import Finding, Location
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


def usable_prior(report: dict, prior: dict | None, source: str = "") -> tuple[dict | None, list[Finding]]:
    """Last year's report if it is last year's report of this agency; else None and a warning saying
    why: another agency's or another year's report would only raise false alarms (上年结转, 照抄)."""
    if not isinstance(prior, dict) or not isinstance(report, dict):
        return None, []
    words = f"上年报告 {source}".rstrip() if source else "上年报告"
    year, last = report.get("year"), prior.get("year")
    if isinstance(year, int) and isinstance(last, int) and last != year - 1:
        return None, [Finding("prior.year_mismatch", "warning",
                              f"{words}是 {last} 年度的，不是 {year - 1} 年度，未用于跨年度核对", Location(path="year"))]
    agency, theirs = report.get("agency"), prior.get("agency")
    if agency and theirs and agency_key(agency) != agency_key(theirs):
        return None, [Finding("prior.agency_mismatch", "warning",
                              f"{words}是“{theirs}”的，不是“{agency}”的，未用于跨年度核对", Location(path="agency"))]
    return prior, []


def check_loaded(loaded: Loaded, prior: dict | None = None, prior_source: str = "") -> list[Finding]:
    """Every finding on a report already read: reading's own, the schema's and the rules' (the cross-year
    rules only against last year's report of the same agency)."""
    prior, notes = usable_prior(loaded.report, prior, prior_source)
    return locate(list(loaded.findings) + notes + validate(loaded.report, loaded.form, prior), loaded)
