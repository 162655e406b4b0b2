"""One function per command, each returning a result object; the CLI only parses and renders."""
from __future__ import annotations

import datetime as _dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from converter.base.atomic import check_not_input
from converter.base.refusals import refuse
from converter.web.page import write_page
from converter.word.pdf import docx_to_pdf, find_soffice
from converter.word.report import build_report, write_report

from converter.engine.findings import Finding, count_by_severity, has_errors
from converter.engine.loaded import Loaded
from converter.engine.pipeline import check_loaded
from converter.engine.style import Style, load_style
from converter.form.definition import Form
from converter.inputs.sources import load_report


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


def check_file(path, prior=None, form: Form | None = None) -> CheckResult:
    """`converter check`: the report (of `form` when given: another edition is refused) and last year's."""
    loaded = load_report(path, form)
    prior_loaded = load_report(prior, loaded.form) if prior else None
    findings = check_loaded(loaded, prior_loaded.report if prior_loaded else None)
    return CheckResult(str(path), loaded, findings, str(prior) if prior else None)


# ---- the command behind `converter report` -------------------------------------------------
@dataclass
class ReportResult:
    path: str
    out: str
    findings: list
    written: bool
    draft: bool
    agency: str = ""
    year: object = None

    @property
    def refused(self) -> bool:
        return not self.written


def default_output(path: str | os.PathLike) -> Path:
    return Path(path).with_suffix(".docx")


OUTPUT_KINDS = {".docx": "docx", ".html": "html", ".htm": "html", ".pdf": "pdf"}


def report_file(path, out=None, *, blank_as_zero: bool = False, sign_date: _dt.date | None = None,
                force: bool = False, prior=None, fragment: bool = False,
                form: Form | None = None, style: "str | os.PathLike | Style | None" = None) -> ReportResult:
    """Load, validate, and write the report — Word (.docx), web page (.html, `fragment`: body content
    only) or PDF (.pdf, through LibreOffice) by the output's extension; refuse on validation errors
    unless `force` (→ 草稿). `style`: a bundled style's name (gbk), a reference .docx or a Style; what a
    reference document does not say is an info finding (style.fallback)."""
    out_path = Path(out) if out else default_output(path)
    kind = OUTPUT_KINDS.get(out_path.suffix.lower())
    if kind is None:
        raise refuse("output.not_docx", out_path)
    if kind == "pdf" and find_soffice() is None:  # before the work, not after
        raise refuse("output.no_libreoffice", out_path)
    check_not_input(out_path, path, prior, *([style] if isinstance(style, (str, os.PathLike)) else []))
    house, style_findings = load_style(style)  # a bad reference document is refused before the work
    checked = check_file(path, prior, form)
    report = checked.loaded.report
    findings = list(checked.findings) + style_findings
    errors = has_errors(findings)
    result = ReportResult(str(path), str(out_path), findings, False, False,
                          report.get("agency") or "", report.get("year"))
    if errors and not force:
        return result
    options = dict(blank_as_zero=blank_as_zero, sign_date=sign_date, draft=errors, style=house)
    form = checked.loaded.form
    if kind == "docx":
        findings += write_report(report, form, out_path, **options)
    elif kind == "html":
        findings += write_page(report, form, out_path, fragment=fragment, **options)
    else:
        data, cleaned = build_report(report, form, **options)
        docx_to_pdf(data, out_path)
        findings += cleaned
    result.written, result.draft = True, errors
    return result
