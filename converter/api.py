"""One function per command, each returning a result object; the CLI only parses and renders."""
from __future__ import annotations

import datetime as _dt
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from converter.base.atomic import check_not_input
from converter.base.refusals import refuse
from converter.web.page import write_page
from converter.word.pdf import docx_to_pdf, find_soffice
from converter.word.report import build_report, write_report

from converter.base.atomic import write_text
from converter.base.refusals import os_reason
from converter.engine.findings import Finding, has_errors
from converter.engine.result import Result
from converter.excel.annotate import annotate as write_annotated
from converter.excel.prior import agency_notes, next_year
from converter.excel.read import read_workbook
from converter.excel.template import write_template
from converter.inputs.priors import load_prior, load_prior_dir
from converter.published import import_file
from converter.engine.schema import schema_text
from converter.round.batch import run_batch
from converter.round.roster import RosterResult, make_roster_templates

__all__ = ["check_file", "report_file", "read_file", "import_report", "make_template", "make_templates",
           "run_batch", "schema_text", "Result"]
from converter.engine.pipeline import check_loaded
from converter.engine.style import Style, load_style
from converter.form.definition import Form
from converter.inputs.sources import load_report


def check_file(path, prior=None, form: Form | None = None, annotate=None) -> Result:
    """`converter check`: the report (of `form` when given: another edition is refused) and last year's;
    with `annotate`, a copy of the workbook with every finding marked, to send back."""
    if annotate:
        check_not_input(annotate, path, prior)
    loaded = load_report(path, form)
    prior_loaded = load_report(prior, loaded.form) if prior else None
    findings = check_loaded(loaded, prior_loaded.report if prior_loaded else None, str(prior or ""))
    result = Result.of(path, loaded, findings, prior=str(prior) if prior else None)
    if annotate:
        write_annotated(loaded, findings, annotate)
        result.output = str(annotate)
    return result


def _write_json(result: Result, output) -> Result:
    if output:
        write_text(output, json.dumps(result.loaded.report, ensure_ascii=False, indent=2) + "\n")
        result.output = str(output)
    return result


def read_file(path, output=None, *, year: int | None = None, form: Form | None = None) -> Result:
    """`converter read`: a workbook (.xlsx, .xls, .ods) → report JSON (written to `output` when given)."""
    if output:
        check_not_input(output, path)
    return _write_json(Result.of(path, read_workbook(path, year=year, form=form)), output)


def import_report(path, output=None, *, form: Form | None = None) -> Result:
    """`converter import`: a published report (web page, Word, PDF, text) → report JSON."""
    if output:
        check_not_input(output, path)
    return _write_json(Result.of(path, import_file(path, form)), output)


@dataclass
class TemplateResult:
    out: str
    agency: str | None
    year: int | None
    prior: str | None = None
    notes: list[Finding] = field(default_factory=list)  # about last year's report


def make_template(out, form: Form, *, agency: str | None = None, year: int | None = None,
                  prior=None) -> TemplateResult:
    """`converter template -o 模板.xlsx`: one workbook, optionally pre-filled from last year's report."""
    if not str(out).lower().endswith(".xlsx"):
        raise refuse("output.not_xlsx", out)
    last, notes = None, []
    if prior:
        last = load_prior(prior, form)
        year, notes = next_year(last, year)
        notes = list(last.findings) + notes + agency_notes(last, agency)
        agency = agency or last.agency or None
    try:
        write_template(out, form, agency=agency, year=year, prior=last)
    except OSError as e:
        raise refuse("output.unwritable", out, reason=os_reason(e)) from None
    return TemplateResult(str(out), agency, year, str(prior) if prior else None, notes)


def make_templates(roster, year: int, outdir, form: Form, *, deadline: str | None = None, sender: str | None = None,
                   prior_dir=None, force: bool = False) -> tuple[RosterResult, list[str]]:
    """`converter template --roster`: a workbook and an e-mail per agency; notes on last year's reports."""
    priors, notes = load_prior_dir(prior_dir, form) if prior_dir else (None, [])
    result = make_roster_templates(roster, year, outdir, deadline=deadline, sender=sender, form=form,
                                   priors=priors, force=force)
    return result, notes


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
