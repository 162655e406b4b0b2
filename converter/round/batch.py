"""`converter batch`: a round's inbox → per-agency decisions, reports, annotated copies, a summary, a manifest.

Each workbook is handled by `process_one` in a worker process, which leaves its complete work
(record, report JSON, Word report or annotated copy) in the outbox's work cache `.converter/work/{sha256}/`,
the record removed first and renamed in last: a killed run loses no finished file and leaves no entry
that looks complete. Work files are written in place without an fsync each; the record lists their sizes,
so a file cut short (a killed run, or a power cut before the disk flushed it) disqualifies its entry; one
`flush` (syncfs) after the pool makes the whole cache durable. The parent then decides per agency (round year, one current submission each, the rest
已被替代) and makes the outbox mirror that state: outputs of current submissions under agency names
(staged beside their targets, flushed once, then renamed), everything else moved to 已作废/{date}/.
Outputs are written atomically; inputs are only ever read.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import hashlib
import io
import json
import os
import re
import shutil
import stat
import time
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from converter import __version__
from converter.base.atomic import Staged, flush, replace, write_bytes, write_in_place, write_text
from converter.base.background import Background, die_with_parent
from converter.base.errors import InputError
from converter.base.internal import internal_error, is_program_error
from converter.base.refusals import os_reason, refuse, size_text
from converter.base.text import agency_key
from converter.engine.findings import count_by_severity
from converter.engine.pipeline import check_loaded
from converter.engine.schema import quick_check
from converter.engine.style import Style, default_style
from converter.excel.annotate import annotate
from converter.excel.read import SAVED_MARK
from converter.form.definition import Form, available_forms, get_path, load_form
from converter.inputs.priors import load_prior_folder
from converter.inputs.sources import load_report
from converter.round.manifest import read_manifest, write_manifest
from converter.round.roster import read_roster
from converter.round.summary import (AGENCY_STATUSES, FAILED, FILE_STATUSES, IGNORED, MISSING, PASSED, PASSING,
                                     SUPERSEDED, UNREADABLE, WARNED, WRONG_YEAR, RollUp, numbers_key, numbers_of, summary_name,
                                     write_summary)
from converter.web.page import write_page
from converter.word import report as word_report
from converter.word.pdf import convert_many, find_soffice

MANIFEST = "manifest.json"
DIR_REPORTS, DIR_DATA, DIR_RETURN, DIR_VOID = "报告", "数据", "退回修改", "已作废"
ROLLUP_JSON = "合计.json"
CACHE = Path(".converter") / "work"  # per-content work of every workbook, reused across runs
WORKER_MEMORY_LIMIT = 3 * 1024**3  # a zip or XML bomb gets MemoryError in its worker, not the machine
# what an agency may send as its workbook; everything else in the inbox is 已忽略 (listed, not an error)
WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods", ".et", ".ett", ".xlsm", ".xlsb", ".xltx")
# reports as agencies published them (年报质量检查): read and checked like workbooks, no Word report made
PUBLISHED_SUFFIXES = (".html", ".htm", ".pdf", ".docx", ".txt")
NOT_A_REPORT = ("import.not_report", "import.no_tables", "import.empty")  # a cover letter, a note: 已忽略
_REPORT_NAME = re.compile(r"报告|年报|信息公开")
MAX_HASH_BYTES = 256 * 1024 * 1024  # larger files are refused by the reader anyway
NAME_LIMIT = 60  # characters of an agency name in an output file name
FORMATS = ("docx", "html", "pdf")  # --formats: the report as Word, web page, PDF (LibreOffice)


def _walk(inbox: Path, outbox: Path | None):
    skip = outbox.resolve() if outbox else None
    for root, dirs, files in os.walk(inbox):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (root_path / d).resolve() != skip)
        for name in sorted(files):
            if name.startswith((".", "~$")):
                continue
            path = root_path / name
            if not path.is_dir():  # links and special files too: each gets its 无法读取 row, never a hang
                yield path


def discover(inbox: Path, outbox: Path | None = None) -> list[Path]:
    """Every workbook-like file under inbox (any case), without Office lock files, hidden files or our outbox."""
    return [p for p in _walk(inbox, outbox) if p.suffix.lower() in WORKBOOK_SUFFIXES + PUBLISHED_SUFFIXES]


def ignored(inbox: Path, outbox: Path | None = None) -> list[Path]:
    """Files that are neither spreadsheets nor published reports (images, archives…): listed as 已忽略."""
    return [p for p in _walk(inbox, outbox) if p.suffix.lower() not in WORKBOOK_SUFFIXES + PUBLISHED_SUFFIXES]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _hash_if_regular(path: Path) -> tuple[str | None, float | None, int | None]:
    """(sha256, mtime, size) of a regular file; (None, …) for links to nothing, FIFOs, devices, huge files
    (never opened here: the reader refuses them in a worker, with its own message)."""
    try:
        st = os.stat(path)
    except OSError:
        return None, None, None
    if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_HASH_BYTES:
        return None, st.st_mtime, st.st_size
    try:
        return sha256_of(path), st.st_mtime, st.st_size
    except OSError:
        return None, st.st_mtime, st.st_size



def saved_time(path: Path) -> str | None:
    """When the workbook itself says it was last saved: docProps/core.xml (xlsx) or meta.xml (ods)."""
    try:
        with zipfile.ZipFile(path) as zf:
            for part in ("docProps/core.xml", "meta.xml"):
                info = zf.NameToInfo.get(part)
                if info is not None and info.file_size < 1 << 20:
                    m = SAVED_MARK.search(zf.read(part))
                    if m:
                        return m.group(1).decode("ascii", "replace").strip()
    except (OSError, zipfile.BadZipFile, ValueError, KeyError, NotImplementedError, EOFError):
        return None
    return None


def _epoch(text: str | None) -> float | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.timestamp()


@dataclass
class Options:
    inbox: Path
    outbox: Path
    force: bool = False
    form: Form | None = None  # --form: only this edition is accepted
    style: Style | None = None  # --style: the house style of the reports
    formats: tuple = ("docx",)  # the report's formats placed in 报告/ (the .docx is always made: the PDF is its copy)
    sign_date: dt.date | None = None  # --sign-date: the signature (agency name and date) at the end of each report

    @property
    def sign(self) -> str | None:
        return self.sign_date.isoformat() if self.sign_date else None


# Last year's reports by folded agency name: set in the parent before workers fork, or handed to
# each worker once by the pool's initializer (never pickled per file).
_PRIORS: dict[str, dict] = {}
WORK_FILES = {"json": "report.json", "report": "report.docx", "annotated": "annotated.xlsx", "html": "report.html",
              "pdf": "report.pdf"}
FORMAT_WORK = {"docx": "report", "html": "html", "pdf": "pdf"}  # --formats name → work kind


def process_one(path: Path, opts: Options, sha: str | None = None) -> dict:
    """Read, validate, then write into the work cache the report JSON and the Word report (no errors)
    or the annotated copy (errors); the record last, so a cache entry with a record is complete."""
    rel = path.relative_to(opts.inbox)
    published = path.suffix.lower() in PUBLISHED_SUFFIXES
    item: dict = {"file": rel.as_posix(), "agency": None, "year": None, "work": {}, "findings": [],
                  "totals": {}, "error": None, "sha256": sha}
    if published:
        item["published"] = True
    try:
        loaded = load_report(path, opts.form)  # first: it refuses FIFOs, devices and broken links before anything opens them
        if sha is None:
            item["sha256"] = sha = sha256_of(path)
        report, form = loaded.report, loaded.form
        prior = _PRIORS.get(agency_key(report.get("agency")))
        findings = check_loaded(loaded, prior["report"] if prior else None, prior["file"] if prior else "")
        item.update(agency=report.get("agency") or None, year=report.get("year"), form=form.id,
                    contact=loaded.extras.get("contact"), phone=loaded.extras.get("phone"),
                    saved=loaded.saved or saved_time(path))
        if prior:
            item["prior"] = prior["file"]
        item["findings"] = [f.to_dict() for f in findings]
        counts = count_by_severity(findings)
        item["counts"] = counts
        item["totals"] = {key: get_path(report, key) for key, _ in form.key_totals}
        work = opts.outbox / CACHE / sha
        _open_work(work)
        for stale in ("html", "pdf"):  # of an earlier run (another signature): made again below or by the batch
            (work / WORK_FILES[stale]).unlink(missing_ok=True)
        _write_work(work / WORK_FILES["json"], (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode(), item)
        item["work"]["json"] = WORK_FILES["json"]
        if loaded.extras.get("published"):
            item["published_on"] = loaded.extras["published"]
        if published:  # of two published copies of one report (page, PDF, text), the fuller reading is current
            item["numbers_read"] = sum(1 for n in form.numbers if get_path(report, n.key) is not None)
        if counts["error"]:
            item["status"] = FAILED
            if not published:  # a published report has no cells to annotate
                _write_work(work / WORK_FILES["annotated"], _annotate(loaded, findings), item)
                item["work"]["annotated"] = WORK_FILES["annotated"]
        else:
            item["status"] = WARNED if counts["warning"] else PASSED
            item["numbers"], item["numbers_key"] = numbers_of(report, form), numbers_key(form)
            if not published:  # a published report is already published: no report made of it
                _write_work(work / WORK_FILES["report"], _write_report(report, form, opts.sign_date, opts.style), item)
                item["work"]["report"] = WORK_FILES["report"]
                if "html" in opts.formats:
                    write_page(report, form, work / WORK_FILES["html"], sign_date=opts.sign_date, style=opts.style)
                    item.setdefault("sizes", {})[WORK_FILES["html"]] = (work / WORK_FILES["html"]).stat().st_size
                    item["work"]["html"] = WORK_FILES["html"]
                item["sign_date"] = opts.sign
        item["version"], item["style"] = __version__, (opts.style or default_style()).key
        write_text(work / "record.json", json.dumps({k: v for k, v in item.items() if k != "file"},
                                                    ensure_ascii=False, default=str) + "\n", sync=False)
    except InputError as e:
        if published and e.code in NOT_A_REPORT:  # a cover letter or a note beside the reports
            item.update(status=IGNORED, ignored_reason="不是年度报告")
        elif published and not _REPORT_NAME.search(path.stem):  # a damaged cover letter, a scanned 盖章页
            item.update(status=IGNORED, ignored_reason="无法读取，文件名也不像年度报告", error=_error(e))
        else:
            item.update(status=UNREADABLE, error=_error(e))
    except MemoryError:
        item.update(status=UNREADABLE, error=_error(refuse("input.too_much_memory", path,
                                                           limit=size_text(WORKER_MEMORY_LIMIT))))
    except Exception as e:  # noqa: BLE001 — one hostile file must never stop the batch
        error = internal_error(path, e) if is_program_error(e) else refuse(
            "input.unexpected", path, detail=f"{type(e).__name__}: {e}")
        item.update(status=UNREADABLE, error=_error(error))
    item.setdefault("counts", {"error": 0, "warning": 0, "info": 0})
    return item


def _process_chunk(tasks: list[tuple[Path, str | None]], opts: Options) -> list[dict]:
    """process_one in a worker for a few files at once (one round trip through the pool for several: the
    parent shares the two cores with the workers), each result without its findings (they stay in the
    work cache's record, and the parent drops them anyway): less to pickle back for every file."""
    return [_compact(process_one(path, opts, sha)) for path, sha in tasks]


def _compact(item: dict) -> dict:
    """An item without its findings (they stay in the work cache's record), unless it has none: an empty
    list says so, and the serial part then has no record to read back for it (see BatchResult.full)."""
    if item.get("status") != UNREADABLE and item.get("findings"):
        del item["findings"]
    return item


def _error(e: InputError) -> dict:
    return {"code": e.code, "message": e.message}


def _open_work(work: Path) -> None:
    """A work entry about to be (re)written: its record goes first, so until the new record is renamed in
    the entry is incomplete and a killed run leaves nothing that `_cached` would take."""
    try:
        work.mkdir(parents=True, exist_ok=True)
        (work / "record.json").unlink(missing_ok=True)
    except OSError as e:
        raise refuse("output.unwritable", work, reason=os_reason(e)) from None


def _write_work(target: Path, data: bytes, item: dict) -> None:
    """A work file, written in place without its own fsync (see the module's docstring): the entry's record
    comes last, with the sizes `_cached` compares."""
    write_in_place(target, data)
    item.setdefault("sizes", {})[target.name] = len(data)


def _write_report(report, form, sign_date: dt.date | None = None, style: Style | None = None) -> bytes:
    """The Word report's bytes, as write_report would write them."""
    return word_report.build_report(report, form, sign_date=sign_date, style=style)[0]


def _annotate(loaded, findings) -> bytes:
    buffer = io.BytesIO()
    annotate(loaded, findings, buffer)
    return buffer.getvalue()


def _init_worker(priors: dict | None = None) -> None:
    if priors is not None:
        _PRIORS.clear()
        _PRIORS.update(priors)
    die_with_parent()
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def warm_up() -> None:
    """Prepare once in the parent: forked workers inherit it instead of paying per worker."""
    for form_id in available_forms():
        form = load_form(form_id)
        quick_check(form)  # (jsonschema, ~0.06 s, only in a worker that meets a report that does not conform)
        word_report.skeleton(form)


# ---- output names ------------------------------------------------------------------------------
_FORBIDDEN = re.compile(r'[\\/:*?"<>|]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def safe_name(name: str, limit: int = NAME_LIMIT) -> str:
    """An agency name (from an agency's own file) made safe as part of a file name on any OS: no path
    separators or '..', no control or format characters, Windows' forbidden characters and reserved
    names replaced, no leading/trailing dots or spaces, at most `limit` characters."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = "".join("_" if unicodedata.category(ch)[0] == "C" else ch for ch in name)
    name = _FORBIDDEN.sub("_", name).replace("..", "_")
    name = name.strip(" ._")[:limit].rstrip(" .")
    if name.split(".")[0].upper() in _RESERVED:
        name = "_" + name
    return name or "未命名单位"


def output_names(agencies: list[str]) -> dict[str, str]:
    """agency → its safe name, unique without regard to case: two agencies that sanitise alike get （2）, （3）…"""
    used: set[str] = set()
    out = {}
    for agency in agencies:
        base = safe_name(agency)
        name, n = base, 2
        while name.casefold() in used:  # （2）, not -2: the year follows the name in a report's file name
            name, n = f"{base}（{n}）", n + 1
        used.add(name.casefold())
        out[agency] = name
    return out


def outputs_for(name: str, year) -> dict[str, Path]:
    stem = f"{name}{year or ''}年政府信息公开工作年度报告"
    return {
        "report": Path(DIR_REPORTS) / f"{stem}.docx",
        "html": Path(DIR_REPORTS) / f"{stem}.html",
        "pdf": Path(DIR_REPORTS) / f"{stem}.pdf",
        "json": Path(DIR_DATA) / f"{name}.json",
        "annotated": Path(DIR_RETURN) / f"{name}-问题标注.xlsx",
    }


# ---- the result ----------------------------------------------------------------------------------
@dataclass
class BatchResult:
    inbox: Path
    outbox: Path
    items: list[dict]  # one record per inbox file (findings of readable ones stay in the work cache)
    agencies: list[dict] = field(default_factory=list)  # per agency: agency, status, file, files
    year: int | None = None
    year_given: bool = False
    summary_path: Path | None = None
    manifest_path: Path | None = None
    rollup_path: Path | None = None
    rollups: list = field(default_factory=list)  # one RollUp per edition, the main one first
    rollup_paths: list = field(default_factory=list)
    roster: dict = field(default_factory=dict)  # listed / missing / not in roster / repeated roster lines
    seconds: float = 0.0
    reused: int = 0
    processed: int = 0  # files read and checked in this run (the rest reused the work of an earlier one)
    pdf_failed: list = field(default_factory=list)  # (agency, reason) of reports LibreOffice did not convert
    prior_skipped: list = field(default_factory=list)  # last year's files that could not be used
    rollup: object = None  # summary.RollUp of the current passing submissions
    voided: list = field(default_factory=list)  # earlier outputs moved to 已作废/

    def counts(self) -> dict:
        """Files by status."""
        out = {s: 0 for s in FILE_STATUSES}
        for item in self.items:
            out[item["status"]] += 1
        return out

    def agency_counts(self) -> dict:
        out = {s: 0 for s in AGENCY_STATUSES}
        for a in self.agencies:
            out[a["status"]] += 1
        return out

    def full_items(self):
        """Every input's full record (with its findings), in input order."""
        for item in self.items:
            yield self.full(item)

    def full(self, item: dict) -> dict:
        """An item with its findings: read back from its work record unless it kept them (none, unreadable)."""
        if "findings" not in item and item.get("sha256") and item["status"] not in (UNREADABLE, IGNORED):
            try:
                record = json.loads((self.outbox / CACHE / item["sha256"] / "record.json").read_text(encoding="utf-8"))
                return {"file": item["file"], **record, **item}
            except (OSError, ValueError):
                pass
        return {"file": item["file"], **item}

    @property
    def exit_code(self) -> int:
        c = self.counts()
        if c[UNREADABLE]:
            return 2
        return 1 if c[FAILED] or c[WRONG_YEAR] else 0

    def year_line(self) -> str:
        how = "按 --year 指定" if self.year_given else "未指定 --year，按多数文件的年度"
        return f"本轮年度：{self.year} 年（{how}）" if self.year else "本轮年度：未知（没有可读取年度的文件）"

    def attention(self, limit: int = 10) -> list[str]:
        """The agencies, grouped: what the office must act on first, then the rest; limit lines a group."""
        groups: dict[str, list[str]] = {s: [] for s in (FAILED, UNREADABLE, WRONG_YEAR, SUPERSEDED, IGNORED,
                                                          MISSING, WARNED)}
        for item in self.items:  # (the findings, kept in the work cache, are read only for the failed)
            if item["status"] == FAILED:
                item = self.full(item)
            status, who = item["status"], item.get("agency") or item.get("agency_guess") or ""
            who = f"（{who}）" if who else ""
            if status == FAILED:
                errors = [f for f in item.get("findings", ()) if f["severity"] == "error"]
                first = errors[0]["message"] if errors else ""
                more = f"（共 {len(errors)} 项错误）" if len(errors) > 1 else ""
                groups[FAILED].append(f"有错误    {item['file']}{who}：{first}{more}")
            elif status == UNREADABLE:
                groups[UNREADABLE].append(f"无法读取  {item['file']}{who}：{item['error']['message']}")
            elif status == WRONG_YEAR:
                groups[WRONG_YEAR].append(f"年度不符  {item['file']}{who}：{item.get('year')} 年度，本轮为 {self.year} 年度，"
                                          "未计入合计")
            elif status == SUPERSEDED:
                same = "（内容相同）" if item.get("same_content") else ""
                if item.get("by_unreadable"):
                    same = "（较新报送的文件无法读取，在其重新报送之前，这份较早的文件不生成报告、不计入合计）"
                groups[SUPERSEDED].append(f"已被替代  {item['file']} → {item['replaced_by']}{same}")
            elif status == IGNORED:
                groups[IGNORED].append(f"已忽略    {item['file']}（{item.get('ignored_reason') or '不是电子表格'}）")
            elif status == WARNED:
                n = (item.get("counts") or {}).get("warning", 0)
                groups[WARNED].append(f"有警告    {item['file']}{who}：{n} 项警告，见汇总表")
        groups[MISSING] = self._not_listed() + [f"未报送    {a['agency']}" for a in self.agencies
                                                if a["status"] == MISSING]
        lines = []
        for entries in groups.values():
            lines += entries[:limit]
            if len(entries) > limit:
                lines.append(f"          ……另有 {len(entries) - limit} 项，见汇总表")
        return lines

    def _not_listed(self) -> list[str]:
        """Agencies that sent a file but are not on the roster: often a roster name written differently,
        whose agency then looks 未报送 — name the likely pair so the office does not chase it."""
        if not self.roster:
            return []
        missing = [a["agency"] for a in self.agencies if a["status"] == MISSING]
        lines = []
        for a in self.agencies:
            if a.get("in_roster", True):
                continue
            close = difflib.get_close_matches(a["agency"], missing, n=1, cutoff=NAME_LIKENESS)
            hint = f"；名单中的“{close[0]}”尚未报送，是否同一单位？请核对名称" if close else "，请核对名单"
            lines.append(f"不在名单  {a['file'] or (a.get('files') or [''])[0]}（{a['agency']}）：名单中没有这个单位{hint}")
        return lines

    def closing_line(self) -> str:
        a, c = self.agency_counts(), self.counts()
        # a rate only for files processed now: a rerun that reused everything has none to tell
        rate = f"（{self.processed / self.seconds:.0f} 个/秒）" if self.processed and self.seconds else ""
        reused = f"，{self.reused} 个未变化沿用上次结果" if self.reused else ""
        listed = f"（名单 {self.roster['listed']} 个）" if self.roster else ""
        return (f"共 {len(self.agencies)} 个单位{listed}：通过 {a[PASSED]}，有警告 {a[WARNED]}，有错误 {a[FAILED]}，"
                f"无法读取 {a[UNREADABLE]}，年度不符 {a[WRONG_YEAR]}，未报送 {a[MISSING]}；"
                f"共 {len(self.items)} 个文件（已被替代 {c[SUPERSEDED]}，已忽略 {c[IGNORED]}{reused}）；"
                f"用时 {self.seconds:.1f} 秒{rate}")


def _cached(outbox: Path, sha: str | None, opts: Options | None = None) -> dict | None:
    """The complete work of an earlier run (or a killed one) on this content, with this tool version and
    house style (and, for a report, the same signature and every format asked for that the worker makes)."""
    if not sha:
        return None
    work = outbox / CACHE / sha
    try:
        record = json.loads((work / "record.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("prior"):  # findings against last year's data: not for a run without --prior
        return None
    if record.get("style") != ((opts.style if opts else None) or default_style()).key:  # another house style
        return None
    if record.get("version") != __version__ or not _complete(work, record):
        return None
    if opts is not None and "report" in record.get("work", {}):
        if record.get("sign_date") != opts.sign or ("html" in opts.formats and "html" not in record["work"]):
            return None
    return record


def _complete(work: Path, record: dict) -> bool:
    """Every work file of the record is there with the size the worker wrote (a file a power cut
    caught before the disk had it is empty or short)."""
    sizes = record.get("sizes")
    if not isinstance(sizes, dict):
        return False
    for name in record.get("work", {}).values():
        try:
            if (work / name).stat().st_size != sizes.get(name):
                return False
        except OSError:
            return False
    return True


def load_priors(folder) -> tuple[dict[str, dict], list[str]]:
    """Last year's reports in a folder, by agency; and what was not used."""
    found, notes = load_prior_folder(folder)
    return {key: {"file": p.file, "report": p.report} for key, p in found.items()}, notes


def run_batch(inbox, outbox, roster=None, jobs: int | None = None, force: bool = False, progress=None,
              prior=None, year: int | None = None, form: Form | None = None, style: Style | None = None,
              formats=("docx",), sign_date: dt.date | None = None) -> BatchResult:
    """Decide a round: every file in inbox gets one status, every agency one state; the outbox mirrors it.
    `formats`: the report of each passing agency as "docx", "html" and/or "pdf" (all PDFs converted by one
    LibreOffice process); `sign_date`: the signature at the end of every report.
    `progress(done, total, item)` is called after each workbook."""
    inbox, outbox = Path(inbox), Path(outbox)
    formats = tuple(f for f in FORMATS if f in formats)
    if "pdf" in formats and find_soffice() is None:  # before any work, not after converting a whole round
        raise refuse("output.no_libreoffice", outbox)
    if not inbox.is_dir():
        raise refuse("batch.no_inbox", inbox)
    if outbox.resolve() == inbox.resolve():
        raise refuse("batch.same_folder", outbox)
    _probe_outbox(outbox)
    _remove_temp_files(outbox)  # what a killed run left half-written
    roster_rows = _load_roster(roster) if roster else None
    started = time.perf_counter()
    priors, prior_skipped = load_priors(prior) if prior else ({}, [])
    _PRIORS.clear()
    _PRIORS.update(priors)
    paths = discover(inbox, outbox)
    opts = Options(inbox, outbox, force, form, style, formats or ("docx",), sign_date)
    records: dict[str, dict] = {}
    stats: dict[str, tuple] = {}

    def done(item):
        _compact(item)
        records[item["file"]] = item
        if progress:
            progress(len(records), len(paths), item)

    first_of: dict[str, str] = {}
    counted = Counter()

    def tasks():  # hashed as the workers ask for them: the pool starts at once, not after every file is read
        for path in paths:
            rel = path.relative_to(inbox).as_posix()
            stats[rel] = sha, mtime, size = _hash_if_regular(path)
            cached = None if (force or prior) else _cached(outbox, sha, opts)
            if cached is not None:
                cached.update(file=rel, reused=True)
                counted["reused"] += 1
                done(cached)
            elif sha is not None and sha in first_of:
                continue  # the same content at another path: converted once, below
            else:
                if sha is not None:
                    first_of[sha] = rel
                counted["todo"] += 1
                yield path, sha

    warm_up()
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(paths) <= 1:
        for path, sha in tasks():
            done(process_one(path, opts, sha))
    else:
        _run_parallel(tasks(), len(paths), opts, jobs, done)
    n_reused, n_todo = counted["reused"], counted["todo"]
    if n_todo and (outbox / CACHE).is_dir():  # the work cache durable at once (its files were renamed in without fsync)
        flush(outbox / CACHE, (outbox / CACHE / i["sha256"] / name for i in records.values()
                               if i.get("sizes") and not i.get("reused") for name in (*i["sizes"], "record.json")))
    for path in paths:  # copies of content converted once
        rel = path.relative_to(inbox).as_posix()
        if rel not in records:
            first = first_of[stats[rel][0]]
            twin = dict(records[first])
            twin.update(file=rel, reused=True)
            if twin.get("error"):  # the refusal names the file it was made for: name this one
                twin["error"] = {**twin["error"], "message": twin["error"]["message"].replace(
                    str(inbox / first), str(path))}
            records[rel] = twin
    items = []
    for path in paths:
        rel = path.relative_to(inbox).as_posix()
        item = records[rel]
        sha, mtime, size = stats[rel]
        item.update(mtime=mtime, size=size, version=__version__)
        item.setdefault("sha256", sha)
        items.append(item)
    for path in ignored(inbox, outbox):
        items.append({"file": path.relative_to(inbox).as_posix(), "status": IGNORED, "agency": None, "year": None,
                      "counts": {"error": 0, "warning": 0, "info": 0}, "error": None})
    result = BatchResult(inbox, outbox, items, reused=n_reused, prior_skipped=prior_skipped, processed=n_todo)
    result.year, result.year_given = (year, True) if year else (_majority_year(items), False)
    _decide(result, roster_rows)
    seen = {agency_key(a["agency"]) for a in result.agencies}
    result.prior_skipped += [f"{p['file']}（{p['report'].get('agency')}）：本轮没有这个单位的报送（单位名称不同？），未使用"
                             for key, p in priors.items() if key not in seen]
    if "pdf" in opts.formats:
        _make_pdfs(result)
    plan = _plan_outputs(result, opts.formats)
    result.rollups = _roll_up(outbox, items, form)
    result.rollup = roll = result.rollups[0]
    _keep_edited_summary(result)
    result.manifest_path = outbox / MANIFEST
    # the summary is written on the other core while the files are placed, under a temporary name: it takes
    # its own only once everything else is done (a run that fails leaves the last summary as it was)
    pending = outbox / f".{summary_name(result.year)}.pending.tmp"
    with _removed_on_error(pending), Background(lambda: write_summary(result, pending)) as summary:
        _place_outputs(result, plan)
        for i, edition in enumerate(result.rollups):
            total = edition.total()
            total["agency"], total["year"] = f"{edition.count} 个单位合计", result.year
            path = outbox / (ROLLUP_JSON if i == 0 else f"合计-{edition.form.id}.json")
            write_text(path, json.dumps(total, ensure_ascii=False, indent=2) + "\n")
            result.rollup_paths.append(path)
        result.rollup_path = result.rollup_paths[0]

        def head() -> dict:  # after the manifest's records: the summary's hash, what was voided, the time
            summary.wait()
            result.summary_path = outbox / summary_name(result.year)
            replace(pending, result.summary_path)
            _drop_unused_work(outbox, items)
            result.seconds = time.perf_counter() - started
            _void_other_summaries(result)
            return {
                "tool": "converter", "version": __version__, "inbox": str(inbox), "year": result.year,
                "counts": result.counts(), "agency_counts": result.agency_counts(), "agencies": result.agencies,
                "rollup": {"file": ROLLUP_JSON, "agencies": roll.count, "form": roll.form.id},
                "formats": list(opts.formats), "sign_date": opts.sign,
                "rollups": [{"file": p.name, "form": r.form.id, "agencies": r.count}
                            for p, r in zip(result.rollup_paths, result.rollups)], "seconds": round(result.seconds, 3),
                "summary": result.summary_path.name, "summary_sha256": sha256_of(result.summary_path),
                "roster": result.roster or None, "prior_skipped": prior_skipped, "voided": result.voided}

        write_manifest(result.manifest_path, result.full_items(), head)
    return result


@contextlib.contextmanager
def _removed_on_error(path: Path):
    try:
        yield
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _roll_up(outbox: Path, items: list[dict], form: Form | None) -> list[RollUp]:
    """One roll-up per edition among the current passing submissions, the edition with most agencies first
    (with --form, only that edition); an empty round still gets one, of the newest bundled edition."""
    forms = {form.id: form} if form is not None else {f: load_form(f) for f in available_forms()}
    rolls = {fid: RollUp(f) for fid, f in forms.items()}
    for item in items:
        if item["status"] in PASSING and item.get("form") in rolls:
            roll, numbers = rolls[item["form"]], item.get("numbers")
            if isinstance(numbers, list) and item.get("numbers_key") == numbers_key(roll.form):
                roll.add_numbers(numbers)
            else:  # a record of an earlier version, or of an edition whose cells have changed since
                roll.add({"status": item["status"], "report": _work_report(outbox, item)})
    used = sorted((r for r in rolls.values() if r.count), key=lambda r: (-r.count, r.form.id))
    return used or [max(rolls.values(), key=lambda r: (r.form.first_year, r.form.id))]


def _majority_year(items) -> int | None:
    """The year most readable files are of; a tie goes to the later year (a round collects the newest
    reports: last year's files sent by mistake must not make the round last year's)."""
    years = Counter(i["year"] for i in items if i["status"] in (PASSED, WARNED, FAILED) and isinstance(i.get("year"), int))
    return max(years, key=lambda y: (years[y], y)) if years else None


NAME_LIKENESS = 0.75  # difflib ratio: 衡阳商务局 ~ 衡阳市商务局 (0.91); 示范市民政局 ≁ 示范市交通运输局 (0.57)
SHORT_NAME_CHARS = 3  # 公安局: the shortest end of an agency name a file name is matched by


def _guess_agency(file: str, names: list[str]) -> str | None:
    """The agency a file that does not name one came from (unreadable, or its cover left blank): the
    longest known name in its file name, else the one known name whose end starts the file name, or follows
    the name's own beginning there (“交通运输局2025年报” for 示范市交通运输局), the longest such end, and only
    when no other name ends alike."""
    stem = agency_key(Path(file).stem)
    found = [n for n in names if agency_key(n) and agency_key(n) in stem]
    if found:
        return max(found, key=lambda n: len(agency_key(n)))
    best: dict[int, list[str]] = {}
    for n in names:
        key = agency_key(n)
        for size in range(len(key) - 1, SHORT_NAME_CHARS - 1, -1):
            at = stem.find(key[-size:])
            # what precedes the end in the file name must be the name's own beginning, if anything:
            # “示范县公安局年报” names another agency than 示范市公安局, “市交通运输局” may be 示范市交通运输局
            if at >= 0 and key.endswith(stem[:at] + key[-size:]):
                best.setdefault(size, []).append(n)
                break
    if not best:
        return None
    top = best[max(best)]
    return top[0] if len(top) == 1 else None


def _decide(result: BatchResult, roster_rows: list[dict] | None) -> None:
    """Statuses per file (round year, one current submission per agency) and the state of each agency."""
    items = result.items
    roster_names, repeated = [], []
    for row in roster_rows or ():
        if any(agency_key(n) == agency_key(row["单位名称"]) for n in roster_names):
            repeated.append(row["单位名称"])
        else:
            roster_names.append(row["单位名称"])
    display = {agency_key(n): n for n in roster_names}
    for item in items:
        if item["status"] in (PASSED, WARNED, FAILED) and result.year and isinstance(item.get("year"), int) \
                and item["year"] != result.year:
            item["status"] = WRONG_YEAR
        if item.get("agency"):
            display.setdefault(agency_key(item["agency"]), item["agency"])
    known = list(display.values())
    groups: dict[str, list[dict]] = {}
    for item in items:
        if item["status"] == IGNORED:
            continue
        if item["status"] == UNREADABLE or not item.get("agency"):  # no name to go by: the file name's
            guess = _guess_agency(item["file"], known)
            if guess:
                item["agency_guess"] = guess
                groups.setdefault(agency_key(guess), []).append(item)
        else:
            groups.setdefault(agency_key(item["agency"]), []).append(item)

    def newest(item):  # a workbook before a published copy, a fuller reading of a published report, the newest
        mtime = item.get("mtime") or 0
        return (not item.get("published"), item.get("numbers_read", 0), _epoch(item.get("saved")) or mtime, mtime,
                item["file"])

    current: dict[str, dict] = {}
    for key, group in groups.items():
        candidates = sorted((i for i in group if i["status"] in (PASSED, WARNED, FAILED)), key=newest, reverse=True)
        if not candidates:
            continue
        cur = current[key] = candidates[0]
        later = [i for i in group if i["status"] == UNREADABLE and (i.get("mtime") or 0) > (cur.get("mtime") or 0)]
        if later:  # a correction that cannot be read: the older file must not be published or summed meanwhile
            newest_unreadable = max(later, key=lambda i: (i.get("mtime") or 0, i["file"]))
            for other in candidates:
                other.update(status=SUPERSEDED, replaced_by=newest_unreadable["file"], by_unreadable=True,
                             same_content=False)
            cur = current[key] = newest_unreadable
            continue
        for other in candidates[1:]:
            other.update(status=SUPERSEDED, replaced_by=cur["file"], same_content=other.get("sha256") == cur.get("sha256"))
        for other in group:  # an unreadable or wrong-year file sent before the current one
            if other["status"] in (UNREADABLE, WRONG_YEAR) and (other.get("mtime") or 0) < (cur.get("mtime") or 0):
                other.update(status=SUPERSEDED, replaced_by=cur["file"], was=other["status"])
    listed = {agency_key(n) for n in roster_names}
    order = [agency_key(n) for n in roster_names] + [k for k in display if k not in listed]
    agencies = []
    for key in order:
        if key not in display:
            continue
        group = groups.get(key, [])
        cur = current.get(key)
        if cur is not None:
            status = cur["status"]
        elif any(i["status"] == UNREADABLE for i in group):
            status = UNREADABLE
        elif any(i["status"] == WRONG_YEAR for i in group):
            status = WRONG_YEAR
        else:
            status = MISSING
        agencies.append({"agency": display[key], "status": status, "file": cur["file"] if cur else None,
                         "files": [i["file"] for i in group], "in_roster": key in listed})
    result.agencies = agencies
    if roster_rows is not None:
        contacts = {row["单位名称"]: [row.get("联系人") or "", row.get("联系电话") or "", row.get("邮箱") or ""] for row in roster_rows}
        missing = [a["agency"] for a in agencies if a["status"] == MISSING and a["in_roster"]]
        result.roster = {"listed": len(roster_names), "missing": missing, "repeated_lines": repeated,
                         "not_in_roster": [a["agency"] for a in agencies if not a["in_roster"]],
                         "missing_contacts": {n: contacts.get(n, ["", "", ""]) for n in missing}}
    for a in agencies:
        if a["file"]:
            a["current"] = True


def _make_pdfs(result: BatchResult) -> None:
    """The PDF of every current passing report that has none in the work cache yet, all in ONE LibreOffice
    process (its start-up, about a second, is paid once, not per report); a report LibreOffice did not
    convert keeps its .docx and is listed in result.pdf_failed."""
    outbox = result.outbox
    by_file = {i["file"]: i for i in result.items}
    todo, owner = [], {}
    for a in result.agencies:
        item = by_file.get(a["file"]) if a["file"] else None
        if item is None or "report" not in (item.get("work") or {}):
            continue
        work = outbox / CACHE / item["sha256"]
        target = work / WORK_FILES["pdf"]
        if not target.is_file():
            todo.append((work / WORK_FILES["report"], target))
            owner[target] = (a["agency"], item)
        else:
            item["work"] = {**item["work"], "pdf": WORK_FILES["pdf"]}
    for target, reason in convert_many(todo).items():
        agency, item = owner[target]
        if reason is None:
            item["work"] = {**item["work"], "pdf": WORK_FILES["pdf"]}
        else:
            item["pdf_error"] = reason
            result.pdf_failed.append((agency, reason))


def _plan_outputs(result: BatchResult, formats=("docx",)) -> list[tuple[str, str, Path]]:
    """Each current submission's outputs, named (item["outputs"], which the summary shows): the report in
    each of `formats`, its data, or its annotated copy; as (work file, output) pairs for _place_outputs."""
    placed = {"json", "annotated", *(FORMAT_WORK[f] for f in formats)}
    by_file = {i["file"]: i for i in result.items}
    current = [a for a in result.agencies if a["file"]]
    names = output_names([a["agency"] for a in current])
    plan = []
    for a in current:
        item = by_file[a["file"]]
        targets = outputs_for(names[a["agency"]], result.year)
        item["outputs"] = {}
        for kind, work_name in (item.get("work") or {}).items():
            if kind in placed:
                item["outputs"][kind] = targets[kind].as_posix()
                plan.append((item["sha256"], work_name, targets[kind]))
    return plan


def _place_outputs(result: BatchResult, plan: list[tuple[str, str, Path]]) -> None:
    """Copy the planned work files to their agency-named outputs; move everything else that earlier runs
    left in 报告/、数据/、退回修改/ to 已作废/{today}/ — a report of an agency that now fails, in every
    format, and a format no longer asked for."""
    outbox = result.outbox
    today = dt.date.today().isoformat()
    cache = str(outbox / CACHE)
    with Staged(outbox) as staged:  # written beside their targets, flushed once, then renamed
        for sha, work_name, target in plan:
            with open(os.path.join(cache, sha, work_name), "rb") as fh:
                data = fh.read()
            path = outbox / target
            old = _existing(path)
            if old is None or old == "file" and not _same_file_content(path, data):
                if old == "file":  # an earlier version, perhaps edited by hand: kept, not overwritten
                    _void(result, path, today)
                staged.write_bytes(path, data)
            elif old == "dir":
                raise refuse("output.is_directory", path)
    wanted = {target.as_posix() for _, _, target in plan}
    for folder in (DIR_REPORTS, DIR_DATA, DIR_RETURN):
        root = outbox / folder
        if not root.is_dir():
            continue
        found, dirs = _tree(root)
        for rel in sorted(found):
            if f"{folder}/{rel}" not in wanted:
                _void(result, root / rel, today)
        for d in sorted(dirs, key=lambda d: d.count("/"), reverse=True):
            try:
                os.rmdir(root / d)
            except OSError:
                pass


def _existing(path: Path) -> str | None:
    """"file", "dir", or None (nothing there) — one stat."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        return None
    return "dir" if stat.S_ISDIR(mode) else "file"


def _tree(root: Path) -> tuple[list[str], list[str]]:
    """(files and links, folders) under root, as paths relative to it with "/": one scandir a folder."""
    files, dirs = [], []
    todo = [""]
    while todo:
        rel = todo.pop()
        try:
            with os.scandir(root / rel if rel else root) as it:
                for entry in it:
                    sub = f"{rel}/{entry.name}" if rel else entry.name
                    if entry.is_dir(follow_symlinks=False):
                        dirs.append(sub)
                        todo.append(sub)
                    else:
                        files.append(sub)
        except OSError:  # a folder someone made unreadable: left alone, as before
            continue
    return files, dirs


def _void(result: BatchResult, path: Path, today: str) -> None:
    """Move an output no longer current to 已作废/{today}/, same relative path, never over another."""
    outbox = result.outbox
    target = outbox / DIR_VOID / today / path.relative_to(outbox)
    n = 2
    while target.exists():
        target, n = target.with_name(f"{target.stem}-{n}{target.suffix}"), n + 1
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)
    result.voided.append(target.relative_to(outbox).as_posix())


def _same_file_content(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _keep_edited_summary(result: BatchResult) -> None:
    """A summary workbook changed since the last run wrote it (notes typed into it) goes to 已作废/, not
    under the new one: the last manifest says what the summary written then was."""
    target = result.outbox / summary_name(result.year)
    try:
        last = read_manifest(result.outbox / MANIFEST)
    except (OSError, ValueError):
        return
    written = last.get("summary_sha256") if isinstance(last, dict) and last.get("summary") == target.name else None
    if written and target.is_file() and sha256_of(target) != written:
        _void(result, target, dt.date.today().isoformat())


def _void_other_summaries(result: BatchResult) -> None:
    """A summary of another year left by an earlier run would be read as this round's."""
    for path in result.outbox.glob("*年度报告汇总.xlsx"):
        if path != result.summary_path:
            target = result.outbox / DIR_VOID / dt.date.today().isoformat() / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            result.voided.append(target.relative_to(result.outbox).as_posix())


def _work_report(outbox: Path, item: dict) -> dict | None:
    try:
        return json.loads((outbox / CACHE / item["sha256"] / WORK_FILES["json"]).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _drop_unused_work(outbox: Path, items) -> None:
    keep = {i.get("sha256") for i in items}
    root = outbox / CACHE
    if root.is_dir():
        for d in root.iterdir():
            if d.name not in keep:
                shutil.rmtree(d, ignore_errors=True)


def _remove_temp_files(outbox: Path) -> None:
    """Temporary files of atomic writes (.{name}.*.{ext}.tmp) a killed run could not remove."""
    if outbox.is_dir():
        for path in outbox.rglob(".*.tmp"):
            try:
                path.unlink()
            except OSError:
                pass


def _probe_outbox(outbox: Path) -> None:
    """A read-only or full output folder stops the batch before any file is read (output.* InputError),
    instead of every input being marked 无法读取 for a problem of the outbox."""
    probe = outbox / ".converter-probe"
    write_bytes(probe, b"ok")
    probe.unlink()


def _mp_context():
    import multiprocessing

    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


CHUNK_MAX = 8  # files a worker takes at a time: fewer round trips, yet the last ones still spread


def _chunk_size(n: int, jobs: int) -> int:
    """Up to CHUNK_MAX files a task, small enough that every worker gets many (a few files: one each)."""
    return max(1, min(CHUNK_MAX, n // (jobs * 16)))


def _chunks(tasks, size: int, singles: int = 0):
    """Tasks in chunks of `size`, the first `singles` one at a time: a rerun with a handful of changed
    files among thousands still spreads them over every worker."""
    chunk: list = []
    for task in tasks:
        chunk.append(task)
        if len(chunk) == (1 if singles > 0 else size):
            singles -= 1
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_pool(chunks, opts: Options, jobs: int, done) -> list:
    """Run chunks of tasks (an iterator, shared with the caller) on a pool until they run out or a worker
    dies; return the tasks in flight when it died (their results are unknown), the rest left in `chunks`.

    Only a few chunks are in flight at a time: a finished future holds its whole result, so
    submitting thousands at once would keep every result in memory until the end.
    """
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait  # multiprocessing: only for a pool
    from concurrent.futures.process import BrokenProcessPool

    lost: list = []
    ctx = _mp_context()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_init_worker,
                             initargs=(None if ctx is not None else dict(_PRIORS),)) as pool:
        inflight: dict = {}

        def submit_next():
            chunk = next(chunks, None)
            if chunk is not None:
                inflight[pool.submit(_process_chunk, chunk, opts)] = chunk

        for _ in range(jobs * 3):
            submit_next()
        try:
            while inflight:
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    chunk = inflight.pop(fut)
                    try:
                        items = fut.result()
                    except BrokenProcessPool:
                        lost.extend(chunk)
                        continue
                    for item in items:
                        done(item)
                    if not lost:
                        submit_next()
        except KeyboardInterrupt:
            for fut in inflight:
                fut.cancel()
            raise
    return lost


def _run_parallel(tasks, n: int, opts: Options, jobs: int, done) -> None:
    chunks = _chunks(tasks, _chunk_size(n, jobs), singles=jobs * 4)
    while True:
        lost = _run_pool(chunks, opts, min(jobs, n), done)
        if not lost:
            return
        for task in lost:
            # a worker died (killed, crashed in a C library): rerun the files it took down one per
            # process, so the crash is pinned on the file that caused it; the rest go on in a new pool
            if _run_pool(iter([[task]]), opts, 1, done):
                done(_crashed(task[0], opts))


def _crashed(path: Path, opts: Options) -> dict:
    rel = path.relative_to(opts.inbox).as_posix()
    return {"file": rel, "agency": None, "year": None, "work": {}, "findings": [], "totals": {},
            "status": UNREADABLE, "counts": {"error": 0, "warning": 0, "info": 0}, "sha256": None,
            "error": _error(refuse("input.worker_crashed", path))}


def _load_roster(path) -> list[dict]:
    return read_roster(path)
