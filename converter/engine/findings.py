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


WHERE = "{where}"  # in a message: the location in words, rendered once the sheet and cell are known


@dataclass(frozen=True)
class Finding:
    """`text` may hold WHERE, rendered from the location when the message is read: a rule's finding on
    a workbook names 表三!D7 although the rule was evaluated on JSON, before the cell was known."""

    code: str
    severity: str
    text: str
    location: Location = field(default_factory=Location)
    context: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        if WHERE not in self.text:
            return self.text
        return self.text.replace(WHERE, self.location.describe() or "报告")

    def to_dict(self) -> dict:
        return {"code": self.code, "severity": self.severity, "message": self.message,
                "location": {k: v for k, v in asdict(self.location).items() if v is not None},
                "context": self.context}

    @classmethod
    def from_dict(cls, d: dict) -> "Finding":
        return cls(d["code"], d["severity"], d["message"], Location(**d.get("location", {})), d.get("context", {}))

    def with_location(self, **changes) -> "Finding":
        return replace(self, location=replace(self.location, **changes))


def count_by_severity(findings) -> dict:
    counts = {s: 0 for s in SEVERITIES}
    for f in findings:
        counts[f.severity] += 1
    return counts


def has_errors(findings) -> bool:
    return any(f.severity == "error" for f in findings)
