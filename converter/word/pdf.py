"""The report as PDF: the .docx this package writes, converted by LibreOffice headless.

LibreOffice is a real component found on PATH (`soffice`, or `libreoffice`); without it the PDF is
refused with the line that says how to install it. Each conversion runs with a private, throw-away
LibreOffice profile, so parallel runs never wait on each other's lock. The export asks for PDF/A-2b
(archives keep PDF/A): fonts embedded, text as text. `convert_many` converts a whole batch in ONE
LibreOffice process, which saves the start-up (about a second) per file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.base.refusals import refuse

# PDF/A-2b: LibreOffice's writer_pdf_Export, SelectPdfVersion 2 (1 = PDF/A-1b, 3 = PDF/A-3b).
PDF_FILTER = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
TIMEOUT_PER_FILE = 120  # seconds; a report converts in about one


def find_soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _soffice(out_path) -> str:
    exe = find_soffice()
    if exe is None:
        raise refuse("output.no_libreoffice", out_path)
    return exe


def _run(exe: str, sources: list[Path], outdir: Path, work: Path) -> subprocess.CompletedProcess:
    profile = (work / "profile").as_uri()
    cmd = [exe, f"-env:UserInstallation={profile}", "--headless", "--norestore", "--nologo",
           "--convert-to", PDF_FILTER, "--outdir", str(outdir), *map(str, sources)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_PER_FILE * max(1, len(sources)),
                          cwd=work)


def convert_many(docx_files: list[tuple[Path, Path]]) -> dict[Path, str | None]:
    """Convert (source .docx, target .pdf) pairs in one LibreOffice process; each target is written
    atomically. Returns target → None when written, or a Chinese reason when not."""
    if not docx_files:
        return {}
    exe = _soffice(docx_files[0][1])
    results: dict[Path, str | None] = {}
    with tempfile.TemporaryDirectory(prefix="converter-pdf-") as tmp:
        work = Path(tmp)
        inputs = []
        for i, (src, _) in enumerate(docx_files):  # numbered copies: stems may repeat across folders
            copy = work / f"r{i:05d}.docx"
            shutil.copyfile(src, copy)
            inputs.append(copy)
        outdir = work / "pdf"
        try:
            proc = _run(exe, inputs, outdir, work)
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()
        except subprocess.TimeoutExpired:
            detail = ["LibreOffice 转换超时"]
        except OSError as e:
            detail = [e.strerror or type(e).__name__]
        for copy, (_, target) in zip(inputs, docx_files):
            pdf = outdir / (copy.stem + ".pdf")
            if pdf.is_file() and pdf.stat().st_size > 0:
                write_bytes(target, pdf.read_bytes())
                results[target] = None
            else:
                results[target] = detail[-1] if detail else "LibreOffice 没有生成 PDF"
    return results


def docx_to_pdf(docx: bytes, out_path: str | os.PathLike) -> Path:
    """Write `docx` (the bytes of a .docx) as PDF to out_path; refuses when LibreOffice is missing or fails."""
    out = Path(out_path)
    _soffice(out)
    with tempfile.TemporaryDirectory(prefix="converter-docx-") as tmp:
        src = Path(tmp) / "report.docx"
        src.write_bytes(docx)
        reason = convert_many([(src, out)])[out]
    if reason is not None:
        raise refuse("output.pdf_failed", out, reason=reason)
    return out
