"""What reading any input gives: a report, its form, and what reading found."""
from __future__ import annotations

from dataclasses import dataclass, field

from converter.engine.findings import Finding
from converter.form.definition import Form


@dataclass
class Loaded:
    """A report read from a file, with what reading it found (cells normalised, guesses)."""

    report: dict
    form: Form
    findings: list[Finding] = field(default_factory=list)
    path: str = ""
    cells: dict = field(default_factory=dict)  # JSON path → sheet!cell, for workbooks
    extras: dict = field(default_factory=dict)  # what a workbook's cover adds: contact, phone
    saved: str | None = None  # when the file says it was last saved (an .xlsx's docProps/core.xml), as written there
