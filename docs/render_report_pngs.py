"""Render example reports to page images for docs/: converter → .docx → LibreOffice PDF → pdftoppm PNG.

    python docs/render_report_pngs.py            # hengyang + city-natural-resources + the forced draft

Writes docs/report-<name>-<page>.png (modest dpi, small files). Needs soffice and pdftoppm.
"""
from __future__ import annotations

import datetime
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.word.report import write_report  # noqa: E402
from converter.inputs.sources import load_report  # noqa: E402
from pngs import pages  # noqa: E402

REPORTS = {  # name in docs/ → (example, options)
    "hengyang": ("hengyang-commerce-2025.json", {"sign_date": datetime.date(2026, 1, 20)}),
    "city": ("city-natural-resources-2025.json", {"sign_date": datetime.date(2026, 1, 25)}),
    "draft": ("county-education-2025-broken.json", {"draft": True}),
}
DPI = 60


def render(name: str, example: str, options: dict, work: Path) -> list[Path]:
    loaded = load_report(ROOT / "examples" / example)
    docx = work / f"report-{name}.docx"
    write_report(loaded.report, loaded.form, docx, **options)
    return pages(docx, work, f"report-{name}", DPI)


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        for name, (example, options) in REPORTS.items():
            for png in render(name, example, options, Path(work)):
                print(f"{png.relative_to(ROOT)}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
