"""`converter batch`: a folder of returned workbooks → reports, annotated copies, a summary, a manifest.

Each input is handled by `process_one` in a worker process; one bad file only ever yields a
无法读取 row. Outputs are written atomically; inputs are only ever read.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .atomic import write_text
from .errors import InputError
from .batch_summary import agency_key
from .findings import count_by_severity

PASSED, WARNED, FAILED, UNREADABLE = "通过", "有警告", "有错误", "无法读取"
STATUS_ORDER = (PASSED, WARNED, FAILED, UNREADABLE)
MANIFEST = "manifest.json"
DIR_REPORTS, DIR_DATA, DIR_RETURN = "报告", "数据", "退回修改"
WORKER_MEMORY_LIMIT = 3 * 1024**3  # a zip or XML bomb gets MemoryError in its worker, not the machine


def discover(inbox: Path, outbox: Path | None = None) -> list[Path]:
    """Every .xlsx under inbox (any case), without Office lock files, hidden files or our own outbox."""
    found = []
    skip = outbox.resolve() if outbox else None
    for root, dirs, files in os.walk(inbox):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and (root_path / d).resolve() != skip)
        for name in sorted(files):
            if name.startswith((".", "~$")) or not name.lower().endswith(".xlsx"):
                continue
            path = root_path / name
            if not path.is_dir():  # links and special files too: each gets its 无法读取 row, never a hang
                found.append(path)
    return found


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class Options:
    inbox: Path
    outbox: Path
    force: bool = False


# Last year's reports by folded agency name: set in the parent before workers fork, or handed to
# each worker once by the pool's initializer (never pickled per file).
_PRIORS: dict[str, dict] = {}


def _outputs_for(rel: Path) -> dict[str, Path]:
    return {
        "report": Path(DIR_REPORTS) / rel.with_suffix(".docx"),
        "json": Path(DIR_DATA) / rel.with_suffix(".json"),
        "annotated": Path(DIR_RETURN) / rel.with_name(rel.stem + "-问题标注.xlsx"),
    }


def process_one(path: Path, opts: Options) -> dict:
    """Read, validate, then write the report (no errors) or the annotated copy (errors)."""
    from .check import locate
    from .sources import load_report
    from .validate import validate

    rel = path.relative_to(opts.inbox)
    item: dict = {"file": rel.as_posix(), "agency": None, "year": None, "outputs": {}, "findings": [],
                  "totals": {}, "error": None}
    try:
        loaded = load_report(path)  # first: it refuses FIFOs, devices and broken links before anything opens them
        item["sha256"] = sha256_of(path)
        report, form = loaded.report, loaded.form
        prior = _PRIORS.get(agency_key(report.get("agency")))
        findings = locate(list(loaded.findings) + validate(report, form, prior["report"] if prior else None), loaded)
        item.update(agency=report.get("agency") or None, year=report.get("year"), form=form.id)
        if prior:
            item["prior"] = prior["file"]
        item["findings"] = [f.to_dict() for f in findings]
        counts = count_by_severity(findings)
        item["counts"] = counts
        item["totals"] = {key: _get(report, key) for key, _ in form.key_totals}
        outs = _outputs_for(rel)
        write_text(opts.outbox / outs["json"], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        item["outputs"]["json"] = outs["json"].as_posix()
        if counts["error"]:
            item["status"] = FAILED
            _annotate(path, loaded, findings, opts.outbox / outs["annotated"])
            item["outputs"]["annotated"] = outs["annotated"].as_posix()
        else:
            item["status"] = WARNED if counts["warning"] else PASSED
            _write_report(report, form, opts.outbox / outs["report"])
            item["outputs"]["report"] = outs["report"].as_posix()
            item["report"] = report
    except InputError as e:
        item.update(status=UNREADABLE, error={"code": e.code, "message": e.message})
    except MemoryError:
        item.update(status=UNREADABLE, error={"code": "input.too_much_memory",
                                              "message": f"{path}：读取时占用内存过多，文件可能被恶意构造或已损坏"})
    except Exception as e:  # noqa: BLE001 — one hostile file must never stop the batch
        item.update(status=UNREADABLE, error={"code": "input.unexpected",
                                              "message": f"{path}：无法读取（{type(e).__name__}: {e}）"})
    item.setdefault("counts", {"error": 0, "warning": 0, "info": 0})
    item.setdefault("sha256", None)
    return item


def _get(report, key):
    from .form import get_path

    return get_path(report, key)


def _write_report(report, form, target: Path) -> None:
    from .docx_write import write_report

    write_report(report, form, target)


def _annotate(source: Path, loaded, findings, target: Path) -> None:
    from .xlsx_annotate import annotate

    target.parent.mkdir(parents=True, exist_ok=True)
    annotate(loaded, findings, target)


def _init_worker(priors: dict | None = None) -> None:
    if priors is not None:
        _PRIORS.clear()
        _PRIORS.update(priors)
    try:
        import resource

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = WORKER_MEMORY_LIMIT if hard == resource.RLIM_INFINITY else min(WORKER_MEMORY_LIMIT, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def warm_up() -> None:
    """Import and prepare once in the parent: forked workers inherit it instead of paying per worker."""
    from . import check, sources, validate  # noqa: F401
    from .form import load_form
    from .schema import validator_for

    form = load_form()
    validator_for(form.id)
    try:
        from . import docx_write, xlsx_read  # noqa: F401

        if hasattr(docx_write, "warm_up"):
            docx_write.warm_up(form)
    except ImportError:
        pass


@dataclass
class BatchResult:
    inbox: Path
    outbox: Path
    items: list[dict]
    summary_path: Path | None = None
    manifest_path: Path | None = None
    roster: dict = field(default_factory=dict)  # missing / duplicated agencies
    seconds: float = 0.0
    reused: int = 0
    prior_skipped: list = field(default_factory=list)  # last year's files that could not be used

    def counts(self) -> dict:
        out = {s: 0 for s in STATUS_ORDER}
        for item in self.items:
            out[item["status"]] += 1
        return out

    @property
    def exit_code(self) -> int:
        c = self.counts()
        return 2 if c[UNREADABLE] else 1 if c[FAILED] else 0

    def closing_line(self) -> str:
        c = self.counts()
        rate = len(self.items) / self.seconds if self.seconds else 0
        reused = f"（{self.reused} 个未变化，沿用上次结果）" if self.reused else ""
        missing = f"；名单中未报送 {len(self.roster.get('missing', []))} 个" if self.roster else ""
        return (f"共 {len(self.items)} 个文件{reused}：通过 {c[PASSED]}，有警告 {c[WARNED]}，有错误 {c[FAILED]}，"
                f"无法读取 {c[UNREADABLE]}{missing}；用时 {self.seconds:.1f} 秒（{rate:.0f} 个/秒）")


def _previous(outbox: Path) -> dict[str, dict]:
    try:
        data = json.loads((outbox / MANIFEST).read_text(encoding="utf-8"))
        return {i["file"]: i for i in data.get("inputs", []) if isinstance(i, dict) and "file" in i}
    except (OSError, ValueError, TypeError):
        return {}


def _reusable(prev: dict | None, path: Path, outbox: Path) -> dict | None:
    if not prev or prev.get("version") != __version__ or prev.get("status") == UNREADABLE:
        return None
    if not all((outbox / p).is_file() for p in prev.get("outputs", {}).values()):
        return None
    if prev.get("size") != path.stat().st_size or prev.get("sha256") != sha256_of(path):
        return None
    item = dict(prev)
    if item["status"] in (PASSED, WARNED):
        try:
            item["report"] = json.loads((outbox / item["outputs"]["json"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            return None
    return item


def load_priors(folder) -> tuple[dict[str, dict], list[str]]:
    """Last year's reports in a folder (JSON, workbooks, published pages), by agency; and what was skipped."""
    from .sources import LOADERS, load_report

    folder = Path(folder)
    if not folder.is_dir():
        raise InputError("batch.no_prior_folder", f"{folder}：上年报告文件夹不存在或不是文件夹", str(folder))
    priors, skipped = {}, []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in LOADERS
                       and not p.name.startswith((".", "~$"))):
        try:
            report = load_report(path).report
        except InputError as e:
            skipped.append(e.message)
            continue
        key = agency_key(report.get("agency"))
        if not key:
            skipped.append(f"{path}：找不到单位名称，无法与今年的报告对应")
        elif key in priors:
            skipped.append(f"{path}：与 {priors[key]['file']} 是同一单位，已忽略")
        else:
            priors[key] = {"file": path.relative_to(folder).as_posix(), "report": report}
    return priors, skipped


def run_batch(inbox, outbox, roster=None, jobs: int | None = None, force: bool = False, progress=None,
              prior=None) -> BatchResult:
    """Convert every returned workbook in inbox; `progress(done, total, item)` is called after each file."""
    from .batch_summary import roster_check, write_summary

    inbox, outbox = Path(inbox), Path(outbox)
    if not inbox.is_dir():
        raise InputError("batch.no_inbox", f"{inbox}：收件文件夹不存在或不是文件夹", str(inbox))
    if outbox.resolve() == inbox.resolve():
        raise InputError("batch.same_folder", f"{outbox}：输出文件夹不能与收件文件夹相同", str(outbox))
    _probe_outbox(outbox)
    roster_rows = _load_roster(roster) if roster else None
    started = time.perf_counter()
    priors, prior_skipped = load_priors(prior) if prior else ({}, [])
    _PRIORS.clear()
    _PRIORS.update(priors)
    paths = discover(inbox, outbox)
    opts = Options(inbox, outbox, force)
    previous = {} if (force or prior) else _previous(outbox)
    items: dict[Path, dict] = {}
    todo = []
    for path in paths:
        reused = _reusable(previous.get(path.relative_to(inbox).as_posix()), path, outbox)
        if reused:
            reused["reused"] = True
            items[path] = reused
            if progress:
                progress(len(items), len(paths), reused)
        else:
            todo.append(path)
    n_reused, total = len(items), len(paths)
    warm_up()
    jobs = max(1, jobs or os.cpu_count() or 1)
    if jobs == 1 or len(todo) <= 1:
        for path in todo:
            items[path] = _finish(process_one(path, opts), path)
            if progress:
                progress(len(items), total, items[path])
    else:
        _run_parallel(todo, opts, jobs, items, progress, total)
    ordered = [items[p] for p in paths]
    result = BatchResult(inbox, outbox, ordered, reused=n_reused, prior_skipped=prior_skipped)
    if roster_rows is not None:
        result.roster = roster_check(roster_rows, ordered)
    result.seconds = time.perf_counter() - started
    result.summary_path = write_summary(result)
    result.manifest_path = _write_manifest(result)
    return result


def _probe_outbox(outbox: Path) -> None:
    """A read-only or full output folder stops the batch before any file is read (output.* InputError),
    instead of every input being marked 无法读取 for a problem of the outbox."""
    from .atomic import write_bytes

    probe = outbox / ".converter-probe"
    write_bytes(probe, b"ok")
    probe.unlink()


def _finish(item: dict, path: Path) -> dict:
    item["version"] = __version__
    try:
        item["size"] = path.stat().st_size
    except OSError:
        item["size"] = None
    return item


def _mp_context():
    import multiprocessing

    try:
        return multiprocessing.get_context("fork")
    except ValueError:
        return None


def _run_pool(paths: list[Path], opts: Options, jobs: int, items: dict, progress, total: int) -> list[Path]:
    """Run paths on a pool; return those whose worker died (their results are unknown)."""
    broken: list[Path] = []
    ctx = _mp_context()
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx, initializer=_init_worker,
                             initargs=(None if ctx is not None else dict(_PRIORS),)) as pool:
        futures = {pool.submit(process_one, path, opts): path for path in paths}
        try:
            for fut in as_completed(futures):
                path = futures[fut]
                try:
                    items[path] = _finish(fut.result(), path)
                except BrokenProcessPool:
                    broken.append(path)
                    continue
                if progress:
                    progress(len(items), total, items[path])
        except KeyboardInterrupt:
            for fut in futures:
                fut.cancel()
            raise
    return broken


def _run_parallel(todo: list[Path], opts: Options, jobs: int, items: dict, progress, total: int) -> None:
    for path in _run_pool(todo, opts, jobs, items, progress, total):
        # a worker died (killed, crashed in a C library): rerun the files it took down one per
        # process, so the crash is pinned on the file that caused it and the others still convert
        if _run_pool([path], opts, 1, items, progress, total):
            items[path] = _finish(_crashed(path, opts), path)
            if progress:
                progress(len(items), total, items[path])


def _crashed(path: Path, opts: Options) -> dict:
    rel = path.relative_to(opts.inbox).as_posix()
    return {"file": rel, "agency": None, "year": None, "outputs": {}, "findings": [], "totals": {},
            "status": UNREADABLE, "counts": {"error": 0, "warning": 0, "info": 0}, "sha256": None,
            "error": {"code": "input.worker_crashed",
                      "message": f"{path}：读取此文件时处理进程异常终止，文件可能已损坏或被恶意构造"}}


def _load_roster(path) -> list[dict]:
    from .roster import read_roster

    return read_roster(path)


def _write_manifest(result: BatchResult) -> Path:
    inputs = []
    for item in result.items:
        entry = {k: v for k, v in item.items() if k not in ("report", "reused")}
        inputs.append(entry)
    data = {"tool": "converter", "version": __version__, "inbox": str(result.inbox),
            "counts": result.counts(), "seconds": round(result.seconds, 3),
            "summary": result.summary_path.name if result.summary_path else None,
            "roster": result.roster or None, "prior_skipped": result.prior_skipped, "inputs": inputs}
    path = result.outbox / MANIFEST
    write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return path
