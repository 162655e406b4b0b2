"""For the docs/render_*.py scripts: a document → PDF (LibreOffice, throw-away profile) → PNG pages in docs/."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

DOCS = Path(__file__).resolve().parent


def pages(document: Path, work: Path, prefix: str, dpi: int, last: int | None = None) -> list[Path]:
    """docs/{prefix}-N.png for pages 1..last of `document` (replacing earlier pictures of that prefix)."""
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([shutil.which("soffice"), f"-env:UserInstallation=file://{profile}", "--headless",
                        "--norestore", "--convert-to", "pdf", "--outdir", str(work), str(document)],
                       check=True, capture_output=True, timeout=180)
    for old in DOCS.glob(f"{prefix}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), *(["-l", str(last)] if last else []),
                    str(work / (document.stem + ".pdf")), str(DOCS / prefix)], check=True)
    return sorted(DOCS.glob(f"{prefix}-*.png"))
