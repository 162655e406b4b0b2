"""Last year's reports: one file (`--prior`) or a folder of them (`--prior` of batch, `--prior-dir`).

A folder is read once, the same way for every command: every supported file below it, matched to
this year's agencies by the agency named inside it; of two reports of one agency the later year
wins, then the first by path.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from converter.base.errors import InputError
from converter.base.refusals import refuse
from converter.base.text import agency_key
from converter.engine.loaded import Loaded
from converter.excel.prior import Prior, prior_from_report
from converter.form.definition import Form
from converter.inputs.sources import LOADERS, load_report


@dataclass
class PriorReport:
    file: str  # relative to the folder
    loaded: Loaded

    @property
    def report(self) -> dict:
        return self.loaded.report

    @property
    def year(self) -> int:
        year = self.report.get("year")
        return year if isinstance(year, int) else 0


def prior_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LOADERS
                  and not p.name.startswith((".", "~$")))


def load_prior_folder(folder) -> tuple[dict[str, PriorReport], list[str]]:
    """Last year's reports below `folder` by agency_key, and a note for every file not used."""
    folder = Path(folder)
    if not folder.is_dir():
        raise refuse("batch.no_prior_folder", folder)
    found: dict[str, PriorReport] = {}
    notes: list[str] = []
    files = prior_files(folder)
    for path in files:
        rel = path.relative_to(folder).as_posix()
        try:
            loaded = load_report(path)
        except InputError as e:
            notes.append(f"跳过上年报告 {rel}：{e.message}")
            continue
        if not isinstance(loaded.report, dict):
            notes.append(f"跳过上年报告 {rel}：不是一份年度报告")
            continue
        key = agency_key(loaded.report.get("agency"))
        if not key:
            notes.append(f"跳过上年报告 {rel}：报告中没有单位名称，无法与今年的单位对应")
            continue
        here, other = PriorReport(rel, loaded), found.get(key)
        if other is None:
            found[key] = here
            continue
        keep, drop = (here, other) if here.year > other.year else (other, here)
        notes.append(f"{loaded.report.get('agency')}有多份上年报告，使用 {keep.file}，忽略 {drop.file}")
        found[key] = keep
    if not files:
        notes.append(f"{folder} 中没有可读取的上年报告（{'、'.join(LOADERS)}）")
    return found, notes


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:  # pragma: no cover - load_report has just read it
        raise InputError("input.unreadable", f"{path}：无法读取（{e.strerror or e}）", str(path)) from None


def _as_prior(loaded: Loaded, path: Path, form: Form) -> Prior:
    if loaded.form.id != form.id:
        raise InputError("prior.other_form", f"{path}：上年报告的表式为“{loaded.form.id}”，不是“{form.id}”", str(path))
    if not isinstance(loaded.report, dict):
        raise InputError("prior.not_report", f"{path}：不是一份年度报告", str(path))
    return prior_from_report(loaded.report, form, path=str(path), sha256=_sha256(path), findings=loaded.findings)


def load_prior(path: str | os.PathLike, form: Form) -> Prior:
    """Last year's report from JSON, a workbook or a published page; InputError when unusable."""
    path = Path(path)
    try:
        loaded = load_report(path)
    except InputError as e:
        raise InputError(e.code, f"上年报告 {e.message}", e.path) from None
    return _as_prior(loaded, path, form)


def load_prior_dir(folder, form: Form) -> tuple[dict[str, Prior], list[str]]:
    """Next year's templates from a folder of last year's reports: agency_key → Prior, and notes."""
    folder = Path(folder)
    found, notes = load_prior_folder(folder)
    priors: dict[str, Prior] = {}
    for key, item in found.items():
        try:
            priors[key] = _as_prior(item.loaded, folder / item.file, form)
        except InputError as e:
            notes.append(f"跳过上年报告 {item.file}：{e.message}")
    return priors, notes
