"""PDF reports of a batch: one LibreOffice process for N reports vs one process per report.

    python bench/bench_pdf.py [N]        # default N = 20

Writes N distinct Word reports (make_report → write_report, sizes from a small office to a city bureau),
then converts them to PDF/A twice, in the same run: (1) `convert_many` with all N in ONE soffice process,
as `converter batch --formats pdf` does; (2) one soffice process per report (`convert_many` with one
pair, what `converter report -o x.pdf` in a loop does). Each uses its own throw-away LibreOffice profile,
so both pay the profile's first-start cost the same way. Prints seconds, seconds per report and the ratio.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.engine.sample import make_report  # noqa: E402
from converter.form.definition import DEFAULT_FORM, load_form  # noqa: E402
from converter.word.pdf import convert_many, find_soffice  # noqa: E402
from converter.word.report import write_report  # noqa: E402


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    if find_soffice() is None:
        raise SystemExit("LibreOffice (soffice) is not on PATH")
    form = load_form(DEFAULT_FORM)
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        work = Path(tmp)
        sources = []
        for i in range(n):
            report = make_report(f"某某县第{i + 1}局", 2025, scale=[5, 50, 500, 5000][i % 4], seed=i, form=form)
            path = work / f"r{i:03d}.docx"
            write_report(report, form, path)
            sources.append(path)

        started = time.perf_counter()
        one = convert_many([(src, work / "one" / f"{src.stem}.pdf") for src in sources])
        t_one = time.perf_counter() - started
        assert all(reason is None for reason in one.values()), one

        started = time.perf_counter()
        for src in sources:
            result = convert_many([(src, work / "each" / f"{src.stem}.pdf")])
            assert all(reason is None for reason in result.values()), result
        t_each = time.perf_counter() - started

    print(f"N = {n} reports")
    print("| run | seconds | s/report |\n|---|---|---|")
    print(f"| one soffice process for {n} | {t_one:.1f} | {t_one / n:.2f} |")
    print(f"| one soffice process per report | {t_each:.1f} | {t_each / n:.2f} |")
    print(f"one process is {t_each / t_one:.1f}× faster")


if __name__ == "__main__":
    main()
