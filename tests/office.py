"""Headless LibreOffice for tests: recalculate workbooks, render documents to PDF and PNG.

Skips on a machine without LibreOffice, except in CI (CI=true), where a missing office suite fails.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest


def soffice() -> str:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe:
        return exe
    if os.environ.get("CI"):
        pytest.fail("LibreOffice is missing in CI: .ci/run must install it")
    pytest.skip("LibreOffice not installed")


def convert(src: Path, to: str, outdir: Path, timeout: int = 180) -> Path:
    """`soffice --convert-to TO`, with a private profile so parallel runs never share a lock."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", to, "--outdir", str(outdir), str(src)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = to.split(":")[0]
    out = outdir / (Path(src).stem + "." + ext)
    if not out.exists():
        raise AssertionError(f"LibreOffice produced no {ext}: {proc.stdout} {proc.stderr}")
    return out


def convert_many(srcs: list[Path], to: str, outdir: Path, timeout: int = 600) -> list[Path]:
    """Several documents in one `soffice --convert-to` call (one start-up of the office suite)."""
    exe = soffice()
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", to, "--outdir", str(outdir), *map(str, srcs)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    ext = to.split(":")[0]
    outs = [outdir / (Path(src).stem + "." + ext) for src in srcs]
    missing = [o.name for o in outs if not o.exists()]
    if missing:
        raise AssertionError(f"LibreOffice produced no {', '.join(missing)}: {proc.stdout} {proc.stderr}")
    return outs


def uno_python() -> str:
    """A Python with LibreOffice's UNO bridge (python3-uno), to drive the office suite as a user would."""
    for exe in ("/usr/bin/python3", shutil.which("python3")):
        if exe and subprocess.run([exe, "-c", "import uno"], capture_output=True).returncode == 0:
            return exe
    if os.environ.get("CI"):
        pytest.fail("python3-uno is missing in CI: .ci/run must install it")
    pytest.skip("LibreOffice's Python-UNO bridge (python3-uno) is not installed")


def pdf_text(pdf: Path, layout: bool = True) -> str:
    exe = shutil.which("pdftotext")
    if not exe:
        if os.environ.get("CI"):
            pytest.fail("pdftotext (poppler-utils) is missing in CI")
        pytest.skip("pdftotext not installed")
    args = [exe, *(["-layout"] if layout else []), str(pdf), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def pdf_to_png(pdf: Path, prefix: Path, dpi: int = 60) -> list[Path]:
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(prefix)], check=True)
    return sorted(prefix.parent.glob(prefix.name + "*.png"))
