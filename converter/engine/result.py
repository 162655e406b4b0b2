"""The one result of checking, reading or importing a file: what every command prints as JSON and what
the batch's manifest records per input."""
from __future__ import annotations

from dataclasses import dataclass, field

from converter.engine.findings import Finding, count_by_severity, has_errors
from converter.engine.loaded import Loaded


@dataclass
class Result:
    file: str
    form: str | None  # the edition's id
    agency: str | None = None
    year: int | None = None
    findings: list[Finding] = field(default_factory=list)
    prior: str | None = None  # last year's report, when one was used
    output: str | None = None  # what the command wrote, when it wrote a file
    loaded: Loaded | None = field(default=None, repr=False, compare=False)  # the report itself, not serialised

    @classmethod
    def of(cls, path, loaded: Loaded, findings: list[Finding] | None = None, **extra) -> "Result":
        report = loaded.report if isinstance(loaded.report, dict) else {}
        return cls(str(path), loaded.form.id, report.get("agency") or None, report.get("year"),
                   list(loaded.findings if findings is None else findings), loaded=loaded, **extra)

    @property
    def valid(self) -> bool:
        return not has_errors(self.findings)

    ok = valid

    @property
    def counts(self) -> dict:
        return count_by_severity(self.findings)

    def to_dict(self) -> dict:
        out = {"file": self.file, "form": self.form, "agency": self.agency, "year": self.year,
               "valid": self.valid, "counts": self.counts, "findings": [f.to_dict() for f in self.findings]}
        if self.prior is not None:
            out["prior"] = self.prior
        if self.output is not None:
            out["output"] = self.output
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Result":
        return cls(d["file"], d.get("form"), d.get("agency"), d.get("year"),
                   [Finding.from_dict(f) for f in d.get("findings", ())], d.get("prior"), d.get("output"))
