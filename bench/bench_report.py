"""Time the Word report: converter's skeleton-and-fill writer vs a naive python-docx build, same run.

    python bench/bench_report.py [--n 200] [--naive-n 5]

Both produce the whole report in memory (title, preamble, six sections, three tables with every merge,
fonts and widths). The naive baseline is what python-docx invites: a fresh Document per report, fonts
on every run, and table.cell(r, c) for every merge, width and value.
"""
from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.engine.printed import format_number, paragraphs  # noqa: E402
from converter.word.report import build_report, column_widths, skeleton, write_report  # noqa: E402
from converter.form.definition import DEFAULT_FORM, get_path, load_form  # noqa: E402
from converter.engine.sample import make_report  # noqa: E402


def naive_build(report: dict, form) -> bytes:
    """The baseline: python-docx per report, styling run by run and cell by cell."""
    import docx
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, Twips

    def font(run, east_asia: str, size: float, bold: bool = False):
        run.font.name = "Times New Roman"
        run.font.size = Pt(size)
        run.font.bold = bold
        run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)

    def para(text: str, east_asia: str, size: float, indent: bool = True, align=None):
        p = doc.add_paragraph()
        p.paragraph_format.line_spacing = Pt(28.9)
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        font(p.add_run(text), east_asia, size)
        return p

    doc = docx.Document()
    sec = doc.sections[0]
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Mm(37), Mm(35), Mm(28), Mm(26)
    para(form.title(report["agency"], report["year"]), "方正小标宋简体", 22, False, WD_ALIGN_PARAGRAPH.CENTER)
    para(get_path(report, "text.preamble") or form.default_preamble(report["year"]), "仿宋_GB2312", 16)
    for section in form.sections:
        para(section.heading, "黑体", 16)
        if section.text:
            for style, line in paragraphs(get_path(report, section.text) or ""):
                para(line, "楷体_GB2312" if style == "Heading2" else "仿宋_GB2312", 16)
        if section.table:
            t = form.table[section.table]
            table = doc.add_table(rows=t.rows, cols=t.cols)
            table.style = "Table Grid"
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            widths = column_widths(t)
            size = 9 if t.cols >= 12 else 10.5
            for cell in (*t.labels, *t.numbers):
                target = table.cell(cell.r - 1, cell.c - 1)
                if cell.rs > 1 or cell.cs > 1:
                    target = target.merge(table.cell(cell.r + cell.rs - 2, cell.c + cell.cs - 2))
                text = cell.text if hasattr(cell, "text") else format_number(get_path(report, cell.key))
                p = target.paragraphs[0]
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                font(p.add_run(text), "仿宋_GB2312", size)
            for r in range(t.rows):
                for c in range(t.cols):
                    table.cell(r, c).width = Twips(widths[c])
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200, help="runs of the converter writer (median reported)")
    ap.add_argument("--naive-n", type=int, default=3, help="runs of the naive baseline (seconds each)")
    args = ap.parse_args()

    form = load_form(DEFAULT_FORM)
    report = make_report("示范市示范局", 2025, scale=200, form=load_form(DEFAULT_FORM))

    t0 = time.perf_counter()
    skeleton(form)
    cold = (time.perf_counter() - t0) * 1000
    build_report(report, form)  # warm-up

    ours = timed(lambda: build_report(report, form), args.n)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.docx"
        to_disk = timed(lambda: write_report(report, form, out), max(20, args.n // 10))
    naive_build(report, form)  # import and template warm-up, not counted
    naive = timed(lambda: naive_build(report, form), args.naive_n)

    med_ours, med_naive = statistics.median(ours), statistics.median(naive)
    print(f"skeleton build, once per process:             {cold:9.1f} ms")
    print(f"converter, one report in memory (median of {args.n:>3}): {med_ours:9.2f} ms"
          f"   (min {min(ours):.2f}, max {max(ours):.2f})")
    print(f"converter, one report to disk, atomic + fsync:  {statistics.median(to_disk):9.2f} ms")
    print(f"naive python-docx + table.cell() (median of {args.naive_n}): {med_naive:9.1f} ms")
    print(f"ratio naive / converter (in memory):            {med_naive / med_ours:9.0f}×")


if __name__ == "__main__":
    main()
