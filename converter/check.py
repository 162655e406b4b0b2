"""`converter check`: load a report (and last year's), validate, return everything found."""
from __future__ import annotations

from dataclasses import dataclass, field

from .findings import Finding, count_by_severity, has_errors
from .sources import Loaded, load_report
from .validate import validate


@dataclass
class CheckResult:
    path: str
    loaded: Loaded
    findings: list[Finding] = field(default_factory=list)
    prior_path: str | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)

    def to_dict(self) -> dict:
        report = self.loaded.report
        return {
            "file": self.path, "form": self.loaded.form.id,
            "agency": report.get("agency"), "year": report.get("year"), "prior": self.prior_path,
            "summary": count_by_severity(self.findings),
            "findings": [f.to_dict() for f in self.findings],
        }


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


def check_file(path, prior=None) -> CheckResult:
    loaded = load_report(path)
    prior_loaded = load_report(prior) if prior else None
    findings = list(loaded.findings)
    findings += validate(loaded.report, loaded.form, prior_loaded.report if prior_loaded else None)
    return CheckResult(str(path), loaded, locate(findings, loaded), str(prior) if prior else None)
