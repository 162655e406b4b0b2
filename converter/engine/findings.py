"""Findings are data: code, severity, location, message, context."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

SEVERITIES = ("error", "warning", "info")
SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}


@dataclass(frozen=True)
class Location:
    path: str = ""
    table: str | None = None
    row_label: str | None = None
    col_label: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def describe(self) -> str:
        """Where, in words an agency understands: 表三!D7「…」行「…」列."""
        parts = []
        if self.sheet and self.cell:
            parts.append(f"{self.sheet}!{self.cell}")
        elif self.table:
            parts.append(self.table)
        if self.row_label:
            parts.append(f"「{self.row_label}」行")
        if self.col_label:
            parts.append(f"「{self.col_label}」列")
        return "".join(parts) or self.path


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    message: str
    location: Location = field(default_factory=Location)
    context: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["location"] = {k: v for k, v in d["location"].items() if v is not None}
        return d

    def with_location(self, **changes) -> "Finding":
        return replace(self, location=replace(self.location, **changes))


def count_by_severity(findings) -> dict:
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return counts


def has_errors(findings) -> bool:
    return any(f.severity == "error" for f in findings)
