"""Render the example web page to docs/report-web.png: converter → .html → LibreOffice (HTML imported as a
Writer document) → PDF → pdftoppm; pages 2 and 3 (the tables) side by side.

    python docs/render_web_png.py

Needs soffice, pdftoppm and Pillow. LibreOffice draws HTML more plainly than a browser (it ignores
text-indent, for one), but grids, merges and widths show as they are.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from converter.inputs.sources import load_report  # noqa: E402
from converter.web.page import write_page  # noqa: E402

DPI, PAGES = 70, (2, 3)


def main() -> None:
    from PIL import Image

    loaded = load_report(ROOT / "examples" / "hengyang-commerce-2025.json")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        page = work / "report-web.html"
        write_page(loaded.report, loaded.form, page)
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{work / 'profile'}", "--headless",
                        "--norestore", "--infilter=HTML (StarWriter)", "--convert-to", "pdf:writer_pdf_Export",
                        "--outdir", str(work), str(page)], check=True, capture_output=True, timeout=180)
        subprocess.run(["pdftoppm", "-png", "-r", str(DPI), "-f", str(PAGES[0]), "-l", str(PAGES[-1]),
                        str(work / "report-web.pdf"), str(work / "p")], check=True)
        images = [Image.open(p) for p in sorted(work.glob("p-*.png"))]
        sheet = Image.new("RGB", (sum(i.width for i in images), max(i.height for i in images)), "white")
        x = 0
        for image in images:
            sheet.paste(image, (x, 0))
            x += image.width
        sheet.save(ROOT / "docs" / "report-web.png", optimize=True)


if __name__ == "__main__":
    main()
