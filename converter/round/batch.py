"""`converter batch`: a folder of returned workbooks → reports, annotated copies, a summary, a manifest.

Each input is handled by `process_one` in a worker process; one bad file only ever yields a
无法读取 row. Outputs are written atomically; inputs are only ever read.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from converter import __version__
from converter.base.atomic import atomic_path, write_bytes, write_text
from converter.base.errors import InputError
from converter.base.refusals import refuse, size_text
from converter.base.text import agency_key
from converter.engine.findings import count_by_severity
from converter.engine.pipeline import check_loaded
from converter.engine.schema import validator_for
from converter.excel.annotate import annotate
from converter.form.definition import DEFAULT_FORM, Form, available_forms, get_path, load_form
from converter.inputs.priors import load_prior_folder
from converter.inputs.sources import load_report
from converter.round.manifest import PreviousRun, Spool, read_manifest
from converter.round.roster import read_roster
from converter.round.summary import FAILED, PASSED, UNREADABLE, WARNED, RollUp, roster_check, write_summary
from converter.word import report as word_report
from converter.word.report import write_report

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
    form: Form | None = None  # --form: only this edition is accepted


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
    rel = path.relative_to(opts.inbox)
    item: dict = {"file": rel.as_posix(), "agency": None, "year": None, "outputs": {}, "findings": [],
                  "totals": {}, "error": None}
    try:
        loaded = load_report(path, opts.form)  # first: it refuses FIFOs, devices and broken links before anything opens them
        item["sha256"] = sha256_of(path)
        report, form = loaded.report, loaded.form
        prior = _PRIORS.get(agency_key(report.get("agency")))
        findings = check_loaded(loaded, prior["report"] if prior else None)
        item.update(agency=report.get("agency") or None, year=report.get("year"), form=form.id,
                    contact=loaded.extras.get("contact"), phone=loaded.extras.get("phone"))
        if prior:
            item["prior"] = prior["file"]
        item["findings"] = [f.to_dict() for f in findings]
        counts = count_by_severity(findings)
        item["counts"] = counts
        item["totals"] = {key: get_path(report, key) for key, _ in form.key_totals}
        outs = _outputs_for(rel)
        write_text(opts.outbox / outs["json"], json.dumps(report, ensure_ascii=False, indent=2) + "\n")
        item["outputs"]["json"] = outs["json"].as_posix()
        if counts["error"]:
            item["status"] = FAILED
            _annotate(loaded, findings, opts.outbox / outs["annotated"])
            item["outputs"]["annotated"] = outs["annotated"].as_posix()
        else:
            item["status"] = WARNED if counts["warning"] else PASSED
            _write_report(report, form, opts.outbox / outs["report"])
            item["outputs"]["report"] = outs["report"].as_posix()
            item["report"] = report
    except InputError as e:
        item.update(status=UNREADABLE, error=_error(e))
    except MemoryError:
        item.update(status=UNREADABLE, error=_error(refuse("input.too_much_memory", path,
                                                           limit=size_text(WORKER_MEMORY_LIMIT))))
    except Exception as e:  # noqa: BLE001 — one hostile file must never stop the batch
        item.update(status=UNREADABLE, error=_error(refuse("input.unexpected", path,
                                                           detail=f"{type(e).__name__}: {e}")))
    item.setdefault("counts", {"error": 0, "warning": 0, "info": 0})
    item.setdefault("sha256", None)
    return item


def _error(e: InputError) -> dict:
    return {"code": e.code, "message": e.message}


def _write_report(report, form, target: Path) -> None:
    write_report(report, form, target)


def _annotate(loaded, findings, target: Path) -> None:
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
    """Prepare once in the parent: forked workers inherit it instead of paying per worker."""
    for form_id in available_forms():
        form = load_form(form_id)
        validator_for(form)
        word_report.skeleton(form)


@dataclass
class BatchResult:
    inbox: Path
    outbox: Path
    items: list[dict]  # compact records in input order; full ones (findings) in the manifest
    summary_path: Path | None = None
    manifest_path: Path | None = None
    roster: dict = field(default_factory=dict)  # missing / duplicated agencies
    seconds: float = 0.0
    reused: int = 0
    prior_skipped: list = field(default_factory=list)  # last year's files that could not be used
    rollup: object = None  # batch_summary.RollUp of the passing reports
    spool: object = None  # batch_manifest.Spool while the batch runs

    def counts(self) -> dict:
        out = {s: 0 for s in STATUS_ORDER}
        for item in self.items:
            out[item["status"]] += 1
        return out

    def full_items(self):
        """Every input's full record (with its findings), in input order."""
        if self.spool is not None:
            for item in self.items:
                yield self.spool.full(item)
            return
        by_file = {i["file"]: i for i in read_manifest(self.manifest_path)["inputs"]}
        for item in self.items:
            yield by_file[item["file"]]

    @property
    def exit_code(self) -> int:
        c = self.counts()
        return 2 if c[UNREADABLE] else 1 if c[FAILED] else 0

    def attention(self, limit: int = 10) -> list[str]:
        """What the office must act on, one line each: unreadable and failing files, missing agencies."""
        lines = []
        for item in self.full_items():
            if item["status"] == UNREADABLE:
                lines.append(f"无法读取  {item['file']}：{item['error']['message']}")
            elif item["status"] == FAILED:
                errors = [f for f in item.get("findings", ()) if f["severity"] == "error"]
                first = errors[0]["message"] if errors else ""
                more = f"（共 {len(errors)} 项错误）" if len(errors) > 1 else ""
                lines.append(f"有错误    {item['file']}：{first}{more}")
        lines += [f"未报送    {name}" for name in self.roster.get("missing", [])]
        if len(lines) > limit:
            lines = lines[:limit] + [f"……另有 {len(lines) - limit} 项，见汇总表"]
        return lines

    def closing_line(self) -> str:
        c = self.counts()
        rate = len(self.items) / self.seconds if self.seconds else 0
        reused = f"（{self.reused} 个未变化，沿用上次结果）" if self.reused else ""
        missing = f"；名单中未报送 {len(self.roster.get('missing', []))} 个" if self.roster else ""
        return (f"共 {len(self.items)} 个文件{reused}：通过 {c[PASSED]}，有警告 {c[WARNED]}，有错误 {c[FAILED]}，"
                f"无法读取 {c[UNREADABLE]}{missing}；用时 {self.seconds:.1f} 秒（{rate:.0f} 个/秒）")


def _reusable(previous, rel: str, path: Path, outbox: Path) -> dict | None:
    prev = previous.get(rel) if previous else None
    if not prev or prev.get("version") != __version__ or prev.get("status") == UNREADABLE:
        return None
    if not all((outbox / p).is_file() for p in (prev.get("outputs") or {}).values()):
        return None
    try:
        if prev.get("size") != path.stat().st_size or prev.get("sha256") != sha256_of(path):
            return None
    except OSError:
        return None
    item = previous.full(rel)
    if item is None:
        return None
    if item["status"] in (PASSED, WARNED):
        try:
            item["report"] = json.loads((outbox / item["outputs"]["json"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            return None
    return item


def load_priors(folder) -> tuple[dict[str, dict], list[str]]:
    """Last year's reports in a folder, by agency; and what was not used."""
    found, notes = load_prior_folder(folder)
    return {key: {"file": p.file, "report": p.report} for key, p in found.items()}, notes


def run_batch(inbox, outbox, roster=None, jobs: int | None = None, force: bool = False, progress=None,
              prior=None, form: Form | None = None) -> BatchResult:
    """Convert every returned workbook in inbox; `progress(done, total, item)` is called after each file."""
    inbox, outbox = Path(inbox), Path(outbox)
    if not inbox.is_dir():
        raise refuse("batch.no_inbox", inbox)
    if outbox.resolve() == inbox.resolve():
        raise refuse("batch.same_folder", outbox)
    _probe_outbox(outbox)
    roster_rows = _load_roster(roster) if roster else None
    started = time.perf_counter()
    priors, prior_skipped = load_priors(prior) if prior else ({}, [])
    _PRIORS.clear()
    _PRIORS.update(priors)
    paths = discover(inbox, outbox)
    opts = Options(inbox, outbox, force, form)
    previous = None if (force or prior) else PreviousRun(outbox / MANIFEST)
    roll = RollUp(form or load_form(DEFAULT_FORM))  # TODO(edition): one roll-up per edition
    records: dict[str, dict] = {}
    with atomic_path(outbox / MANIFEST) as manifest_tmp:
        spool = Spool(manifest_tmp)
        try:
            def done(item):
                roll.add(item)  # takes the report out of the item
                records[item["file"]] = spool.add(item)  # the findings go to disk
                if progress:
                    progress(len(records), len(paths), item)

            todo = []
            for path in paths:
                rel = path.relative_to(inbox).as_posix()
                reused = _reusable(previous, rel, path, outbox)
                if reused:
                    reused["reused"] = True
                    done(reused)
                else:
                    todo.append(path)
            n_reused = len(records)
            warm_up()
            jobs = max(1, jobs or os.cpu_count() or 1)
            if jobs == 1 or len(todo) <= 1:
                for path in todo:
                    done(_finish(process_one(path, opts), path))
            else:
                _run_parallel(todo, opts, jobs, done)
            ordered = [records[p.relative_to(inbox).as_posix()] for p in paths]
            result = BatchResult(inbox, outbox, ordered, reused=n_reused, prior_skipped=prior_skipped,
                                 rollup=roll, spool=spool)
            if roster_rows is not None:
                result.roster = roster_check(roster_rows, ordered)
            result.seconds = time.perf_counter() - started
            result.summary_path = write_summary(result)
            spool.finish({"tool": "converter", "version": __version__, "inbox": str(inbox),
                          "counts": result.counts(), "seconds": round(result.seconds, 3),
                          "summary": result.summary_path.name, "roster": result.roster or None,
                          "prior_skipped": prior_skipped})
        finally:
            spool.close()
    result.spool = None
    result.manifest_path = outbox / MANIFEST
    return result


def _probe_outbox(outbox: Path) -> None:
    """A read-only or full output folder stops the batch before any file is read (output.* InputError),
    instead of every input being marked 无法读取 for a problem of the outbox."""
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


def _run_pool(paths: list[Path], opts: Options, jobs: int, done) -> list[Path]:
    """Run paths on a pool; return those whose worker died (their results are unknown).

    Only a few files are in flight at a time: a finished future holds its whole result, so
    submitting thousands at once would keep every result in memory until the end.
    """
    broken: list[Path] = []
    ctx = _mp_context()
    queue = iter(paths)
    with ProcessPoolExecutor(max_workers=min(jobs, len(paths)), mp_context=ctx, initializer=_init_worker,
                             initargs=(None if ctx is not None else dict(_PRIORS),)) as pool:
        inflight: dict = {}

        def submit_next():
            path = next(queue, None)
            if path is not None:
                inflight[pool.submit(process_one, path, opts)] = path

        for _ in range(jobs * 4):
            submit_next()
        try:
            while inflight:
                finished, _ = wait(inflight, return_when=FIRST_COMPLETED)
                for fut in finished:
                    path = inflight.pop(fut)
                    try:
                        item = _finish(fut.result(), path)
                    except BrokenProcessPool:
                        broken.append(path)
                        broken.extend(queue)  # the pool is gone: the rest never ran
                        continue
                    done(item)
                    submit_next()
        except KeyboardInterrupt:
            for fut in inflight:
                fut.cancel()
            raise
    return broken


def _run_parallel(todo: list[Path], opts: Options, jobs: int, done) -> None:
    for path in _run_pool(todo, opts, jobs, done):
        # a worker died (killed, crashed in a C library): rerun the files it took down one per
        # process, so the crash is pinned on the file that caused it and the others still convert
        if _run_pool([path], opts, 1, done):
            done(_finish(_crashed(path, opts), path))


def _crashed(path: Path, opts: Options) -> dict:
    rel = path.relative_to(opts.inbox).as_posix()
    return {"file": rel, "agency": None, "year": None, "outputs": {}, "findings": [], "totals": {},
            "status": UNREADABLE, "counts": {"error": 0, "warning": 0, "info": 0}, "sha256": None,
            "error": _error(refuse("input.worker_crashed", path))}


def _load_roster(path) -> list[dict]:
    return read_roster(path)
