"""Batch benchmark: N returned workbooks end to end, against a plain per-file baseline in the same run.

    python bench/bench_batch.py                    # N = 200 and 2,000, baseline on 100 files
    python bench/bench_batch.py --sizes 200 --baseline 50

Each measurement runs in a fresh interpreter so peak memory (ru_maxrss of the batch process and of its
largest worker) belongs to that run alone. The baseline is what one would write without care:
openpyxl load_workbook + defined names, jsonschema.validate() per file, python-docx built per file
with table.cell() for every cell.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))


def make_base(folder: Path, count: int = 40, error_share: float = 0.1) -> list[Path]:
    """Distinct filled workbooks: realistic sizes, blanks in some, about 10 % with broken totals."""
    from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
    from converter.engine.sample import make_report
    from converter.excel.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    n_errors = max(1, round(count * error_share))
    for i in range(count):
        agency = f"基准测试第{i:03d}号单位"
        report = make_report(agency, 2025, scale=[8, 40, 300, 2500][i % 4], seed=i, blanks=0.3 if i % 3 else 0, form=load_form(DEFAULT_FORM))
        if i < n_errors:
            key = "applications.carried_forward.natural_person"
            set_path(report, key, (get_path(report, key) or 0) + 1 + i)
        path = folder / f"{agency}.xlsx"
        if not path.exists():
            write_template(path, load_form(DEFAULT_FORM), agency=agency, year=2025, values=report)
        paths.append(path)
    return paths


def make_inbox(base: list[Path], folder: Path, n: int) -> Path:
    """N distinct workbooks of N distinct agencies: each copy of a base workbook gets its own agency name
    (patched in every XML part), so the batch converts every file (identical content is converted once).
    An inbox a previous run made is kept (the copies are deterministic): see `fresh` on why not remade."""
    import zipfile

    done = folder / ".complete"
    if done.is_file() and done.read_text() == f"{n}\n":
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        src = base[i % len(base)]
        old = src.stem.encode()
        new = f"{src.stem}{i:05d}".encode()
        target = folder / f"{i:05d}-{src.name}"
        with zipfile.ZipFile(src) as zin, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                zout.writestr(info, zin.read(info).replace(old, new))
    done.write_text(f"{n}\n")
    return folder


def fresh(work: Path, name: str) -> Path:
    """A folder no run has used (see `set_aside` on why nothing is deleted before measuring)."""
    return work / f"{name}-{os.getpid()}-{time.time_ns()}"


def set_aside(work: Path) -> Path:
    """Move the last run's outboxes out of the way, to be deleted after this run's measurements (`tidy`).

    Deleting thousands of files just before measuring would slow the measurement: on a file system without
    a journal (this machine's ext4), creating a file skips, one by one, the inodes freed in the last
    60-360 s (ext4's `recently_deleted`, seen with perf), which made each file creation cost 0.5-0.9 ms
    instead of 0.02 ms. A rename frees no inode."""
    trash = work / "trash" / str(time.time_ns())
    for old in sorted(work.glob("outbox-*")):
        trash.mkdir(parents=True, exist_ok=True)
        old.rename(trash / old.name)
    return trash


def tidy(work: Path) -> None:
    """After the measurements: delete what earlier runs set aside, and flush, so the inodes it frees count
    as recently deleted for 60 s, not 360 s (a run started within a minute is still slowed)."""
    shutil.rmtree(work / "trash", ignore_errors=True)
    if hasattr(os, "sync"):
        os.sync()


def measure(mode: str, inbox: Path, outbox: Path, jobs: int, limit: int | None = None) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "--child", mode, str(inbox), str(outbox), str(jobs), str(limit or 0)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


def byte_compile() -> None:
    """The package's .pyc files written, as an installation has them (this environment sets
    PYTHONDONTWRITEBYTECODE: every start would otherwise compile the sources changed since they were written)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "converter")], cwd=ROOT, env=env,
                   capture_output=True, check=True)


def measure_check(sample: Path, repeats: int = 7) -> tuple[float, float]:
    """Median wall time of `converter check sample` in a fresh interpreter (start-up included), and of a
    bare interpreter, with the package byte-compiled as an installation has it."""
    import statistics

    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    check = [sys.executable, "-m", "converter.cli", "check", str(sample)]
    byte_compile()

    def median(cmd):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True)
            times.append(time.perf_counter() - t)
        return statistics.median(times)

    return median(check), median([sys.executable, "-c", "pass"])


def child(mode: str, inbox: Path, outbox: Path, jobs: int, limit: int) -> None:
    import resource

    started = time.perf_counter()
    if mode == "batch":
        from converter.round.batch import run_batch

        result = run_batch(inbox, outbox, jobs=jobs, force=True)
        files = len(result.items)
        statuses = result.counts()
    else:
        files, statuses = baseline(inbox, outbox, limit)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"files": files, "seconds": seconds, "peak_mb": max(own, workers), "parent_mb": own,
                      "worker_mb": workers, "statuses": statuses}, ensure_ascii=False))


def baseline(inbox: Path, outbox: Path, limit: int):
    """The straightforward per-file pipeline, written plainly."""
    import jsonschema
    import openpyxl
    from docx import Document
    from docx.shared import Pt

    from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
    from converter.engine.schema import build_schema
    from converter.engine.kinds import evaluate

    form = load_form(DEFAULT_FORM)
    schema = build_schema(form)
    outbox.mkdir(parents=True, exist_ok=True)
    statuses = {"ok": 0, "errors": 0}
    paths = sorted(inbox.glob("*.xlsx"))[:limit or None]
    for path in paths:
        wb = openpyxl.load_workbook(path)
        report = form.empty_report()
        for name, dn in wb.defined_names.items():
            key = name.replace("__", ".")
            for sheet, coord in dn.destinations:
                value = wb[sheet][coord.replace("$", "")].value
                if key in form.cell and isinstance(value, str) and value.startswith("="):
                    value = None
                set_path(report, key, value) if (key in form.cell or key in form.text) else None
            if name in ("agency", "year"):
                report[name] = value
        for key, rule in form.derived.items():
            set_path(report, key, sum((get_path(report, t.path) or 0) for t in rule.right))
        try:
            jsonschema.validate(report, schema)
            errors = [f for f in evaluate(form, report) if f.severity == "error"]
        except jsonschema.ValidationError:
            errors = [1]
        if errors:
            statuses["errors"] += 1
            continue
        statuses["ok"] += 1
        doc = Document()
        doc.add_heading(form.title(report["agency"], report["year"]), 0)
        for section in form.sections:
            doc.add_heading(section.heading, 1)
            if section.text:
                for line in (get_path(report, section.text) or "").split("\n"):
                    doc.add_paragraph(line)
            else:
                table = form.table[section.table]
                t = doc.add_table(rows=table.rows, cols=table.cols)
                t.style = "Table Grid"
                for lab in table.labels:
                    cell = t.cell(lab.r - 1, lab.c - 1)
                    if lab.rs > 1 or lab.cs > 1:
                        cell = cell.merge(t.cell(lab.r + lab.rs - 2, lab.c + lab.cs - 2))
                    cell.text = lab.text
                for n in table.numbers:
                    cell = t.cell(n.r - 1, n.c - 1)
                    if n.cs > 1:
                        cell = cell.merge(t.cell(n.r - 1, n.c + n.cs - 2))
                    value = get_path(report, n.key)
                    cell.text = "" if value is None else str(value)
                for row in t.rows:
                    for cell in row.cells:
                        for p in cell.paragraphs:
                            for run in p.runs:
                                run.font.size = Pt(10.5)
        doc.save(outbox / (path.stem + ".docx"))
    return len(paths), statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 2000])
    parser.add_argument("--baseline", type=int, default=100, help="files the baseline converts (it is slow)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=HERE / "out")
    parser.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, inbox, outbox, jobs, limit = args.child
        child(mode, Path(inbox), Path(outbox), int(jobs), int(limit))
        return
    t = time.perf_counter()
    base = make_base(args.work / "base")
    print(f"generated {len(base)} distinct workbooks in {time.perf_counter() - t:.1f} s; jobs={args.jobs}, "
          f"cpus={os.cpu_count()}")
    rows = []
    inbox = None
    set_aside(args.work)
    byte_compile()
    inboxes = [make_inbox(base, args.work / f"inbox-{n}", n) for n in args.sizes]
    for n, inbox in zip(args.sizes, inboxes):
        r = measure("batch", inbox, fresh(args.work, f"outbox-{n}"), args.jobs)
        rows.append((f"batch N={n}", r))
    b = measure("baseline", inbox, fresh(args.work, "outbox-baseline"), 1, args.baseline)
    rows.append((f"baseline ({args.baseline} files)", b))
    base_rate = b["files"] / b["seconds"]
    print("\n| run | files | seconds | files/s | ms/file | peak MB (largest process) | × baseline |")
    print("|---|---|---|---|---|---|---|")
    for name, r in rows:
        rate = r["files"] / r["seconds"]
        print(f"| {name} | {r['files']} | {r['seconds']:.1f} | {rate:.1f} | {1000 / rate:.1f} | "
              f"{r['peak_mb']:.0f} | {rate / base_rate:.1f} |")
    peaks = [r["peak_mb"] for name, r in rows if name.startswith("batch")]
    if len(peaks) > 1:
        print(f"\npeak memory, largest N vs smallest N: {peaks[-1] / peaks[0]:.2f}×")
    check, bare = measure_check(base[-1])
    print(f"converter check one workbook: {check:.3f} s wall, median of 7 (bare interpreter {bare:.3f} s); "
          f"target 0.25 s: {'met' if check < 0.25 else 'not met'}")
    for name, r in rows:
        if name.startswith("batch"):
            rate = r["files"] / r["seconds"]
            print(f"{name}: {rate:.0f} files/s ({rate / 150:.2f}× the 150 files/s target), "
                  f"{rate / base_rate:.1f}× the baseline (target 20×)")
    tidy(args.work)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average at the end: {load:.2f} (this machine is shared: compare within one run)")


if __name__ == "__main__":
    main()
