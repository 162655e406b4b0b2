"""Hostile and broken inputs (issue 7): each refused with its own code and a message naming the file,
in seconds and under a 3 GiB address-space limit; nothing written; the rest of a batch still converted."""
from __future__ import annotations

import errno
import io
import json
import os
import re
import resource
import time
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from converter.base import atomic
from converter.round.batch import run_batch
from converter.cli import main
from converter.base.errors import InputError
from converter.base.refusals import CATALOGUE
from converter.excel.read import read_workbook
from hostile_cases import CASES, good_xlsx, parts_of, make_zip

LIMIT = 3 * 1024**3
SECONDS = 10


@pytest.fixture(scope="module", autouse=True)
def three_gib():
    """The whole module runs with RLIMIT_AS = 3 GiB (soft; restored afterwards)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT if hard == resource.RLIM_INFINITY else min(LIMIT, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _tree(folder: Path) -> set:
    return {p.relative_to(folder) for p in folder.rglob("*")} | {
        p.relative_to(folder) for p in folder.iterdir() if p.is_symlink()}


def _invoke(args):
    started = time.perf_counter()
    r = CliRunner().invoke(main, args)
    return r, time.perf_counter() - started


@pytest.mark.parametrize("case", sorted(CASES))
def test_single_file_is_refused_with_its_code(tmp_path, case):
    build, code, _ = CASES[case]
    path = build(tmp_path)
    before = _tree(tmp_path)
    out = tmp_path / "报告.docx"
    for args in (["check", str(path)], ["report", str(path), "-o", str(out)]):
        r, seconds = _invoke(args)
        assert r.exit_code == 2, (args, r.output)
        assert f"（{code}）" in r.stderr and str(path) in r.stderr, r.stderr
        assert r.stderr.count("\n") == 1 and "Traceback" not in r.output, r.output
        assert seconds < SECONDS, (case, seconds)
    assert _tree(tmp_path) == before, "no output and no temporary file may be left"
    fixed = [f for f in re.split(r"\{\w+\}", CATALOGUE[code][0]) if len(f) >= 3]
    assert all(f in r.stderr for f in fixed), r.stderr  # the catalogue's own wording, every fixed part


def test_at_least_thirty_distinct_codes():
    codes = {code for _, code, _ in CASES.values()}
    assert len(codes) >= 30 and codes <= set(CATALOGUE)


def test_batch_marks_each_unreadable_with_its_code_and_converts_the_rest(tmp_path):
    inbox, outbox = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    expected = {}
    for case, (build, code, in_batch) in CASES.items():
        if in_batch:
            folder = inbox / case
            folder.mkdir()
            expected[build(folder).relative_to(inbox).as_posix()] = code
    for i, agency in enumerate(["甲区教育局", "甲区司法局"]):
        (inbox / f"{agency}.xlsx").write_bytes(good_xlsx(agency, seed=i))
    started = time.perf_counter()
    result = run_batch(inbox, outbox, jobs=2)
    assert time.perf_counter() - started < 60
    items = {i["file"]: i for i in result.full_items()}
    for name, code in expected.items():
        assert items[name]["status"] == "无法读取", name
        assert items[name]["error"]["code"] == code, (name, items[name]["error"])
        assert name.split("/")[-1] in items[name]["error"]["message"]
    for agency in ("甲区教育局", "甲区司法局"):
        item = items[f"{agency}.xlsx"]
        assert item["status"] in ("通过", "有警告") and (outbox / item["outputs"]["report"]).is_file()
    assert result.exit_code == 2
    assert not [p for p in outbox.rglob("*") if p.suffix == ".tmp" or p.name.startswith(".") and p.name != ".converter"]


# ---- tolerated: read correctly, quickly, within the template's area --------------------------------
def _patched(edit) -> bytes:
    parts = parts_of(good_xlsx())
    edit(parts)
    return make_zip(parts)


def _far_cell(parts):
    sheet = parts["xl/worksheets/sheet5.xml"]
    parts["xl/worksheets/sheet5.xml"] = re.sub(
        rb"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', sheet, count=1
    )
    parts["xl/worksheets/sheet5.xml"] = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"',
                                               parts["xl/worksheets/sheet5.xml"])


def _huge_merge(parts):
    sheet = parts["xl/worksheets/sheet5.xml"]
    merge = b'<mergeCells count="1"><mergeCell ref="A200:XFD1048576"/></mergeCells>'
    if b"<mergeCells" in sheet:
        sheet = re.sub(rb"<mergeCells count=\"(\d+)\">", lambda m: b'<mergeCells count="%d"><mergeCell ref="A200:XFD1048576"/>'
                       % (int(m.group(1)) + 1), sheet, count=1)
    else:
        sheet = sheet.replace(b"</sheetData>", b"</sheetData>" + merge, 1)
    parts["xl/worksheets/sheet5.xml"] = sheet


@pytest.mark.parametrize("edit", [_far_cell, _huge_merge], ids=["cell_at_XFD1048576", "merge_to_XFD1048576"])
@pytest.mark.parametrize("engine", ["xml", "openpyxl"])
def test_far_cells_and_huge_merges_are_read_within_the_template_area(tmp_path, edit, engine):
    clean = tmp_path / "clean.xlsx"
    clean.write_bytes(good_xlsx())
    odd = tmp_path / "odd.xlsx"
    odd.write_bytes(_patched(edit))
    started = time.perf_counter()
    loaded = read_workbook(odd, engine=engine)
    assert time.perf_counter() - started < SECONDS
    assert loaded.report == read_workbook(clean).report


def test_sheets_renamed_and_reordered_are_still_read(tmp_path):
    wb = openpyxl.load_workbook(io.BytesIO(good_xlsx()))
    wb["表三"].title = "Sheet3"
    wb.move_sheet("表四", offset=-4)
    path = tmp_path / "改名.xlsx"
    wb.save(path)
    loaded = read_workbook(path)
    assert loaded.report["applications"] == read_workbook(_write(tmp_path, good_xlsx())).report["applications"]


def _write(folder: Path, data: bytes, name="good.xlsx") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def test_wrong_year_is_refused_on_the_command_line(tmp_path):
    path = _write(tmp_path, good_xlsx())
    r, _ = _invoke(["read", str(path), "--year", "2024"])
    assert r.exit_code == 2 and "（input.wrong_year）" in r.stderr and str(path) in r.stderr


# ---- the openpyxl fallback is bounded: timeout and memory limit in its child process --------------
def test_fallback_that_hangs_is_stopped(tmp_path, monkeypatch):
    from converter.excel import read as xlsx_read

    monkeypatch.setattr(xlsx_read, "FALLBACK_SECONDS", 1)
    monkeypatch.setattr(xlsx_read, "_snapshot_in_process", lambda *a: time.sleep(30))
    started = time.perf_counter()
    with pytest.raises(InputError) as e:
        read_workbook(_write(tmp_path, good_xlsx()), engine="openpyxl")
    assert e.value.code == "input.too_slow" and time.perf_counter() - started < 5


def test_fallback_that_eats_memory_is_stopped(tmp_path, monkeypatch):
    from converter.excel import read as xlsx_read

    def greedy(*a):
        hoard = []
        while True:
            hoard.append(bytearray(256 * 1024 * 1024))

    monkeypatch.setattr(xlsx_read, "FALLBACK_MEMORY", 512 * 1024 * 1024)
    monkeypatch.setattr(xlsx_read, "_snapshot_in_process", greedy)
    with pytest.raises(InputError) as e:
        read_workbook(_write(tmp_path, good_xlsx()), engine="openpyxl")
    assert e.value.code == "input.too_much_memory"


# ---- permissions, for real: a forked child that gave up root -------------------------------------
def _as_nobody(fn):
    """Run fn() in a forked child with uid/gid 65534; return what it returned (exit code, stderr)."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(rfd)
            os.setgid(65534)
            os.setuid(65534)
            result = fn()
            os.write(wfd, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(wfd)
    data = b""
    while chunk := os.read(rfd, 65536):
        data += chunk
    os.close(rfd)
    os.waitpid(pid, 0)
    return json.loads(data)


needs_root = pytest.mark.skipif(not hasattr(os, "fork") or os.geteuid() != 0,
                                reason="needs root to drop to another user (as root, permissions are not enforced)")


@pytest.fixture
def shared_dir():
    import shutil
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="hostile-"))
    folder.chmod(0o755)
    yield folder
    for p in folder.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    shutil.rmtree(folder)


def _warm_up(folder: Path):
    """Import everything the commands import lazily (the child cannot read root's site-packages)."""
    import click._textwrap  # noqa: F401 — used by click when it formats messages

    empty = folder / "warm-empty.xlsx"
    empty.write_bytes(b"")
    _invoke(["check", str(empty)])
    empty.unlink()


def _cli_in_child(args):
    def run():
        r = CliRunner().invoke(main, args)
        return [r.exit_code, r.stderr + repr(r.exception)]

    return run


@needs_root
def test_unreadable_file_for_real(shared_dir):
    path = _write(shared_dir, good_xlsx(), "无权限.xlsx")
    _invoke(["check", str(path)])  # warm up every lazy import before giving up root
    _warm_up(shared_dir)
    path.chmod(0o000)
    code, stderr = _as_nobody(_cli_in_child(["check", str(path)]))
    assert code == 2 and "（input.unreadable）" in stderr and str(path) in stderr, stderr


@needs_root
def test_read_only_output_folder_for_real(shared_dir):
    path = _write(shared_dir, good_xlsx(), "好.xlsx")
    path.chmod(0o644)
    outdir = shared_dir / "只读"
    outdir.mkdir()
    _invoke(["read", str(path), "-o", str(shared_dir / "warm.json")])
    _warm_up(shared_dir)
    outdir.chmod(0o555)
    code, stderr = _as_nobody(_cli_in_child(["read", str(path), "-o", str(outdir / "报告.json")]))
    assert code == 2 and "（output.read_only）" in stderr and str(outdir / "报告.json") in stderr, stderr
    assert list(outdir.iterdir()) == []


# ---- outputs: complete or absent ------------------------------------------------------------------
def _no_space(fd):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("command", ["report", "read", "annotate", "template"])
def test_full_disk_leaves_nothing(tmp_path, monkeypatch, command):
    src = _write(tmp_path, good_xlsx())
    out_dir = tmp_path / "out"
    args = {"report": ["report", str(src), "-o", str(out_dir / "r.docx")],
            "read": ["read", str(src), "-o", str(out_dir / "r.json")],
            "annotate": ["check", str(src), "--annotate", str(out_dir / "a.xlsx")],
            "template": ["template", "-o", str(out_dir / "t.xlsx"), "--agency", "某局", "--year", "2025"]}[command]
    monkeypatch.setattr(atomic.os, "fsync", _no_space)
    r, _ = _invoke(args)
    assert r.exit_code == 2 and "（output.disk_full）" in r.stderr and "磁盘空间不足" in r.stderr, r.output
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


def test_ctrl_c_while_writing_leaves_neither_target_nor_temp(tmp_path, monkeypatch):
    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(tmp_path / "x.json", "{}")
    assert list(tmp_path.iterdir()) == []


def test_existing_output_survives_a_failed_write(tmp_path, monkeypatch):
    target = tmp_path / "r.json"
    target.write_text("old", encoding="utf-8")
    monkeypatch.setattr(atomic.os, "fsync", _no_space)
    with pytest.raises(InputError):
        atomic.write_text(target, "new")
    assert target.read_text(encoding="utf-8") == "old" and list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize("how", ["read", "annotate", "report_same_name", "symlink"])
def test_output_equal_to_input_is_refused(tmp_path, how):
    src = _write(tmp_path, good_xlsx())
    original = src.read_bytes()
    if how == "read":
        args = ["read", str(src), "-o", str(src)]
    elif how == "annotate":
        args = ["check", str(src), "--annotate", str(src)]
    elif how == "symlink":
        os.symlink(src, tmp_path / "link.xlsx")
        args = ["read", str(src), "-o", str(tmp_path / "link.xlsx")]
    else:
        doc = tmp_path / "已公开.docx"
        doc.write_bytes(b"PK")
        args = ["report", str(doc)]  # default output: the same name with .docx
    r, _ = _invoke(args)
    assert r.exit_code == 2 and "（output.is_input）" in r.stderr, r.output
    assert src.read_bytes() == original


def test_output_that_is_a_folder_is_refused(tmp_path):
    src = _write(tmp_path, good_xlsx())
    (tmp_path / "报告.docx").mkdir()
    r, _ = _invoke(["report", str(src), "-o", str(tmp_path / "报告.docx")])
    assert r.exit_code == 2 and "（output.is_directory）" in r.stderr


@pytest.mark.parametrize("parts,code", [
    ({"word/document.xml": b"<w/>" + b" " * (5 * 1024 * 1024)}, "input.zip_bomb"),
    ({"word/document.xml": b'<!DOCTYPE w [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><w>&b;</w>'}, "input.xml_entity"),
], ids=["docx_bomb", "docx_entities"])
def test_import_checks_a_docx_before_python_docx_parses_it(tmp_path, parts, code):
    path = tmp_path / "已公开.docx"
    path.write_bytes(make_zip(parts, level=9))
    r, seconds = _invoke(["import", str(path), "-o", str(tmp_path / "out.json")])
    assert r.exit_code == 2 and f"（{code}）" in r.stderr and str(path) in r.stderr and seconds < SECONDS
    assert not (tmp_path / "out.json").exists()


def test_a_workbook_just_under_the_cell_cap_is_still_decided_in_seconds(tmp_path):
    """The worst the caps allow for the label search: ~180k distinct short texts on the table sheets."""
    from converter.excel.read import MAX_CELLS
    from hostile_cases import MAIN_NS

    parts = parts_of(good_xlsx())
    sst = parts["xl/sharedStrings.xml"]
    base = len(re.findall(rb"<si>", sst))
    per_sheet = (MAX_CELLS - 20_000) // 3
    extra = "".join(f"<si><t>文字{i}</t></si>" for i in range(3 * per_sheet)).encode()
    parts["xl/sharedStrings.xml"] = re.sub(rb'(count|uniqueCount)="\d+"', b"", sst).replace(b"</sst>", extra + b"</sst>")
    for k, sheet in enumerate(("sheet4", "sheet5", "sheet6")):  # 表二, 表三, 表四
        rows = "".join(f'<row r="{r + 1}">' + "".join(
            f'<c r="{col}{r + 1}" t="s"><v>{base + k * per_sheet + r * 10 + j}</v></c>' for j, col in enumerate("ABCDEFGHIJ"))
            + "</row>" for r in range(per_sheet // 10))
        parts[f"xl/worksheets/{sheet}.xml"] = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}">'
                                               f"<sheetData>{rows}</sheetData></worksheet>").encode()
    path = tmp_path / "很多文字.xlsx"
    path.write_bytes(make_zip(parts))
    r, seconds = _invoke(["check", str(path)])
    assert r.exit_code == 2 and "（input.tables_deleted）" in r.stderr, r.output
    assert seconds < SECONDS, seconds


def test_batch_into_a_full_disk_stops_with_one_line_and_reads_nothing(tmp_path, monkeypatch):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    (inbox / "甲.xlsx").write_bytes(good_xlsx())
    monkeypatch.setattr(atomic.os, "fsync", _no_space)
    r, _ = _invoke(["batch", str(inbox), "-o", str(tmp_path / "输出")])
    assert r.exit_code == 2 and "（output.disk_full）" in r.stderr and r.stderr.count("\n") == 1, r.output
    assert list((tmp_path / "输出").iterdir()) == []


def _minimal_ods() -> bytes:
    """Bytes the sniffing takes for an .ods (what is inside never gets read here)."""
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    return buf.getvalue()


def test_calamine_read_runs_in_the_same_guarded_child(tmp_path, monkeypatch):
    """.xls / .ods go through calamine (native code) under the fallback's timeout and memory limit
    (one code path for both kinds: _read_calamine)."""
    from converter.excel import read as xlsx_read

    path = tmp_path / "报表.ods"
    path.write_bytes(_minimal_ods())
    monkeypatch.setattr(xlsx_read, "FALLBACK_SECONDS", 1)
    monkeypatch.setattr(xlsx_read, "_calamine_snapshot", lambda *a: time.sleep(30))
    started = time.perf_counter()
    with pytest.raises(InputError) as e:
        read_workbook(path)
    assert e.value.code == "input.too_slow" and time.perf_counter() - started < 5

    def greedy(*a):
        hoard = []
        while True:
            hoard.append(bytearray(256 * 1024 * 1024))

    monkeypatch.setattr(xlsx_read, "FALLBACK_SECONDS", 60)
    monkeypatch.setattr(xlsx_read, "FALLBACK_MEMORY", 512 * 1024 * 1024)
    monkeypatch.setattr(xlsx_read, "_calamine_snapshot", greedy)
    with pytest.raises(InputError) as e:
        read_workbook(path)
    assert e.value.code == "input.too_much_memory"


def test_plain_inflate_leaves_anything_unusual_to_zipfile():
    """The quick path reads an entry straight from the file's bytes only when all is plain: bytes running
    past where the next entry starts (overlapping entries, a zip-bomb trick), a bad CRC or an encrypted
    flag send it to zipfile, which refuses what its version refuses."""
    import io
    import zipfile

    from converter.base import sniff

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b"<workbook>" + b"x" * 500 + b"</workbook>")
    data = buf.getvalue()
    info = zipfile.ZipFile(io.BytesIO(data)).infolist()[0]
    assert sniff._inflate_plain(data, info, len(data)).startswith(b"<workbook>")
    assert sniff._inflate_plain(data, info, info.header_offset + 40) is None  # runs into the next entry
    info.CRC ^= 1
    assert sniff._inflate_plain(data, info, len(data)) is None
    info.CRC ^= 1
    info.flag_bits |= 0x1
    assert sniff._inflate_plain(data, info, len(data)) is None
