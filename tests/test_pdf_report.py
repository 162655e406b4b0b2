"""`converter report X -o r.pdf`: the Word report converted by LibreOffice headless, as PDF/A with real text;
a clear refusal when LibreOffice is missing or fails."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import EXAMPLES, ROOT, load_example
from office import pdf_text, soffice

from converter.form.definition import DEFAULT_FORM, load_form

FORM = load_form(DEFAULT_FORM)
HENGYANG = EXAMPLES / "hengyang-commerce-2025.json"


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "converter.cli", *map(str, args)], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=300)


def test_pdf_holds_title_headings_figures_and_page_numbers(tmp_path):
    soffice()  # skip without LibreOffice locally; fail in CI
    out = tmp_path / "衡阳.pdf"
    proc = cli("report", HENGYANG, "-o", out, "--sign-date", "2026-01-20")
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"<pdfaid:part>2</pdfaid:part>" in data  # PDF/A-2
    flat = re.sub(r"\s+", "", pdf_text(out))
    report = load_example("hengyang-commerce-2025.json")
    assert "衡阳市商务局2025年政府信息公开工作年度报告" in flat
    for section in FORM.sections:
        assert section.heading in flat
    assert str(report["active_disclosure"]["licensing"]["decisions"]) in flat  # 244, a table figure
    assert "2026年1月20日" in flat
    raw = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "— 1 —" in raw and "— 2 —" in raw


def test_missing_libreoffice_is_a_clear_refusal(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "r.pdf"
    proc = cli("report", HENGYANG, "-o", out, env={**os.environ, "PATH": str(empty)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "LibreOffice" in lines[0] and "安装" in lines[0] and "output.no_libreoffice" in lines[0]
    assert not out.exists()


def test_libreoffice_that_fails_leaves_no_file(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    script = fake / "soffice"
    script.write_text("#!/bin/sh\necho 'Error: source file could not be loaded' >&2\nexit 1\n")
    script.chmod(0o755)
    out = tmp_path / "r.pdf"
    proc = cli("report", HENGYANG, "-o", out, env={**os.environ, "PATH": f"{fake}{os.pathsep}/usr/bin:/bin"})
    assert proc.returncode == 2
    assert "output.pdf_failed" in proc.stderr and "source file could not be loaded" in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == [fake]
