"""`converter batch` over a folder in every state: good, broken, foreign, corrupt, duplicated."""
import hashlib
import json
import re
import shutil

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES
from converter.round.batch import discover, run_batch
from converter.round.summary import FINDINGS_SHEET, SUMMARY_SHEET, rollup_positions, rollup_sheet_name
from converter.cli import main
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.engine.sample import make_report
from converter.excel.template import write_template

FORM = load_form(DEFAULT_FORM)


def _hashes(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def inbox(tmp_path_factory):
    root = tmp_path_factory.mktemp("inbox")
    good = {}
    for i, agency in enumerate(["甲区教育局", "甲区卫生健康局", "甲区财政局"]):
        report = make_report(agency, 2025, scale=30 + i * 10, seed=i, form=load_form(DEFAULT_FORM))
        write_template(root / f"{agency}.xlsx", load_form(DEFAULT_FORM), agency=agency, year=2025, values=report)
        good[agency] = report
    # a sub-folder, an upper-case extension, and a second file from one agency (duplicated)
    (root / "第二批").mkdir()
    dup = make_report("甲区财政局", 2025, scale=12, seed=99, form=load_form(DEFAULT_FORM))
    write_template(root / "第二批" / "甲区财政局（更正）.XLSX", load_form(DEFAULT_FORM), agency="甲区财政局", year=2025, values=dup)
    good["甲区财政局（更正）"] = dup
    broken = make_report("甲区民政局", 2025, scale=20, seed=5, form=load_form(DEFAULT_FORM))
    set_path(broken, "applications.carried_forward.research", get_path(broken, "applications.carried_forward.research") + 4)
    write_template(root / "甲区民政局.xlsx", load_form(DEFAULT_FORM), agency="甲区民政局", year=2025, values=broken)
    # foreign: a workbook that is not our template
    wb = openpyxl.Workbook()
    wb.active["A1"] = "工资表"
    wb.save(root / "其他表格.xlsx")
    # corrupt: a truncated copy of a good workbook, and a text file named .xlsx
    data = (root / "甲区教育局.xlsx").read_bytes()
    (root / "损坏.xlsx").write_bytes(data[: len(data) // 2])
    (root / "纯文本.xlsx").write_text("单位,数量\n甲,1\n", encoding="utf-8")
    # never inputs: Office lock file, hidden file, other kinds
    (root / "~$甲区教育局.xlsx").write_bytes(b"lock")
    (root / ".隐藏.xlsx").write_bytes(data)
    (root / "说明.txt").write_text("请于1月20日前报送", encoding="utf-8")
    roster = root.parent / "roster.csv"
    roster.write_text("单位名称,联系人,邮箱\n甲区教育局,,a@x.cn\n甲区卫生健康局,,\n甲区财政局,,\n甲区民政局,,\n甲区司法局,王五,sf@x.cn\n",
                      encoding="utf-8-sig")
    return root, good, roster


@pytest.fixture(scope="module")
def batch_run(inbox, tmp_path_factory):
    root, good, roster = inbox
    before = _hashes(root)
    out = tmp_path_factory.mktemp("outbox")
    result = run_batch(root, out, roster=roster, jobs=2)
    assert _hashes(root) == before, "a batch must never modify its inputs"
    return result, out


def test_discovery_skips_lock_hidden_and_other_files(inbox):
    root, _, _ = inbox
    names = sorted(p.name for p in discover(root))
    assert names == sorted(["甲区教育局.xlsx", "甲区卫生健康局.xlsx", "甲区财政局.xlsx", "甲区财政局（更正）.XLSX",
                            "甲区民政局.xlsx", "其他表格.xlsx", "损坏.xlsx", "纯文本.xlsx",
                            "说明.txt"])  # a text may be a published report: read, then 已忽略 as no report


def test_status_of_every_file(batch_run):
    result, _ = batch_run
    status = {i["file"]: i["status"] for i in result.items}
    assert status["甲区民政局.xlsx"] == "有错误"
    for name in ("其他表格.xlsx", "损坏.xlsx", "纯文本.xlsx"):
        assert status[name] == "无法读取", name
    for name in ("甲区教育局.xlsx", "甲区卫生健康局.xlsx", "第二批/甲区财政局（更正）.XLSX"):
        assert status[name] in ("通过", "有警告"), name
    assert status["甲区财政局.xlsx"] == "已被替代"  # the correction, sent later, is the current submission
    assert status["说明.txt"] == "已忽略"
    assert result.exit_code == 2
    errors = {i["file"]: i["error"] for i in result.items if i["status"] == "无法读取"}
    assert errors["其他表格.xlsx"]["code"] == "input.not_template"
    assert errors["损坏.xlsx"]["code"] == "input.truncated" and errors["纯文本.xlsx"]["code"] == "input.csv"
    for name, error in errors.items():
        assert name in error["message"] and "Traceback" not in error["message"]


def test_reports_only_for_good_files_and_annotated_copies_for_errors(batch_run):
    result, out = batch_run
    docx = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.docx") if ".converter" not in p.parts)
    assert docx == sorted(f"报告/{a}2025年政府信息公开工作年度报告.docx" for a in ("甲区教育局", "甲区卫生健康局", "甲区财政局"))
    annotated = list((out / "退回修改").rglob("*.xlsx"))
    assert (out / "数据" / "甲区民政局.json").is_file() and (out / "合计.json").is_file()
    assert [p.name for p in annotated] == ["甲区民政局-问题标注.xlsx"]
    wb = openpyxl.load_workbook(annotated[0])
    assert "问题清单" in wb.sheetnames
    assert not list(out.rglob("*.tmp")) and not [p for p in out.rglob(".*") if p.is_file()]


def test_summary_rows_findings_and_rollup_equal_sum_of_passing(batch_run, inbox):
    result, out = batch_run
    _, good, _ = inbox
    summaries = list(out.glob("*汇总*.xlsx"))
    assert len(summaries) == 1
    wb = openpyxl.load_workbook(summaries[0])
    rows = [r for r in wb[SUMMARY_SHEET].iter_rows(min_row=5, values_only=True) if r[0]]
    assert {r[1]: r[4] for r in rows} == {i["file"]: i["status"] for i in result.items}
    findings = [r for r in wb[FINDINGS_SHEET].iter_rows(min_row=2, values_only=True)]
    balance = next(r.title for r in FORM.rules if r.code == "t3.balance")  # people read the rule's name
    assert any(r[0] == "甲区民政局.xlsx" and r[7] == balance and "科研机构" in r[8] for r in findings)
    assert not any(re.fullmatch(r"[a-z_0-9]+\.[a-z_0-9.]+", r[7] or "") for r in findings)  # no bare codes
    assert any(r[0] == "损坏.xlsx" for r in findings)
    for key, (table, r, c) in rollup_positions(FORM).items():
        expected = sum(get_path(rep, key) or 0 for name, rep in good.items() if name != "甲区财政局")
        got = wb[rollup_sheet_name(table)].cell(r + 1, c + 1).value
        assert got == pytest.approx(expected), key
    for table in FORM.tables:  # each printed page says what it is
        ws = wb[rollup_sheet_name(table.name)]
        assert "3 个单位合计" in ws["A1"].value and ws["A2"].value.startswith(table.name)


def test_roster_missing_and_duplicated(batch_run):
    result, out = batch_run
    attention = result.attention(limit=50)
    assert "未报送    甲区司法局" in attention
    assert any(line.startswith("有错误    甲区民政局.xlsx") for line in attention)
    assert any(line.startswith("无法读取  损坏.xlsx") for line in attention)
    assert result.roster["missing"] == ["甲区司法局"]
    assert any(line.startswith("已被替代  甲区财政局.xlsx → 第二批/甲区财政局（更正）.XLSX") for line in attention)
    wb = openpyxl.load_workbook(next(out.glob("*汇总*.xlsx")))
    assert wb.sheetnames[0] == "单位"
    rows = [r[1:4] for r in wb["单位"].iter_rows(min_row=5, values_only=True)]
    assert [(r[0], r[2]) for r in rows] == [
        ("甲区教育局", "甲区教育局.xlsx"), ("甲区卫生健康局", "甲区卫生健康局.xlsx"),
        ("甲区财政局", "第二批/甲区财政局（更正）.XLSX"), ("甲区民政局", "甲区民政局.xlsx"), ("甲区司法局", "")]
    assert [r[1] for r in rows][3:] == ["有错误", "未报送"] and {r[1] for r in rows[:3]} <= {"通过", "有警告"}
    assert [r[:2] for r in wb["未报送"].iter_rows(min_row=4, max_row=4, values_only=True)] == [("甲区司法局", "王五")]


def test_manifest_has_hashes_status_outputs_version(batch_run, inbox):
    from converter import __version__

    result, out = batch_run
    root, _, _ = inbox
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["version"] == __version__
    by_file = {i["file"]: i for i in manifest["inputs"]}
    edu = by_file["甲区教育局.xlsx"]
    assert edu["sha256"] == hashlib.sha256((root / "甲区教育局.xlsx").read_bytes()).hexdigest()
    assert set(edu["outputs"]) == {"json", "report"} and all((out / p).is_file() for p in edu["outputs"].values())
    assert by_file["甲区民政局.xlsx"]["outputs"].keys() == {"json", "annotated"}


def test_rerun_skips_unchanged_and_force_redoes(inbox, tmp_path):
    root, _, _ = inbox
    copy = tmp_path / "in"
    shutil.copytree(root, copy)
    out = tmp_path / "out"
    first = run_batch(copy, out, jobs=1)
    second = run_batch(copy, out, jobs=1)
    readable = sum(1 for i in first.items if i["status"] not in ("无法读取", "已忽略"))
    assert second.reused == readable
    assert [i["status"] for i in second.items] == [i["status"] for i in first.items]
    # a changed file is redone, a deleted output is rebuilt
    report = make_report("甲区教育局", 2025, scale=77, seed=3, form=load_form(DEFAULT_FORM))
    write_template(copy / "甲区教育局.xlsx", load_form(DEFAULT_FORM), agency="甲区教育局", year=2025, values=report)
    (out / "报告" / "甲区卫生健康局2025年政府信息公开工作年度报告.docx").unlink()
    third = run_batch(copy, out, jobs=1)
    assert third.reused == readable - 1  # the changed file; the deleted report is restored from the work cache
    assert (out / "报告" / "甲区卫生健康局2025年政府信息公开工作年度报告.docx").is_file()
    assert run_batch(copy, out, jobs=1, force=True).reused == 0


def test_outbox_inside_inbox_is_not_read_back(tmp_path):
    report = make_report("乙局", 2025, scale=10, form=load_form(DEFAULT_FORM))
    write_template(tmp_path / "乙局.xlsx", load_form(DEFAULT_FORM), agency="乙局", year=2025, values=report)
    run_batch(tmp_path, tmp_path / "输出", jobs=1)
    again = run_batch(tmp_path, tmp_path / "输出", jobs=1, force=True)
    assert [i["file"] for i in again.items] == ["乙局.xlsx"]


def test_cli_on_bundled_examples(tmp_path):
    r = CliRunner().invoke(main, ["batch", str(EXAMPLES / "returned"), "-o", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output  # the bundled set holds one report with errors
    assert "共 4 个文件" in r.output and "有错误 1" in r.output and "汇总表" in r.output
    assert "有错误    示范县教育局" in r.output  # the file to send back is named on the terminal
    assert len(list((tmp_path / "out" / "报告").glob("*.docx"))) == 3


def test_cli_refuses_same_folder_and_missing_inbox(tmp_path):
    r = CliRunner().invoke(main, ["batch", str(tmp_path), "-o", str(tmp_path)])
    assert r.exit_code == 2 and "不能与收件文件夹相同" in r.stderr
    r = CliRunner().invoke(main, ["batch", str(tmp_path / "无"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 2 and "不存在" in r.stderr


def test_prior_folder_matches_agencies_and_raises_cross_year_warnings(tmp_path):
    last = make_report("丙区商务局", 2024, scale=40, seed=1, form=load_form(DEFAULT_FORM))
    this = make_report("丙区商务局", 2025, scale=40, seed=2, form=load_form(DEFAULT_FORM))
    other = make_report("丙区文旅局", 2025, scale=40, seed=3, form=load_form(DEFAULT_FORM))
    inbox, priors = tmp_path / "in", tmp_path / "last"
    inbox.mkdir()
    priors.mkdir()
    write_template(inbox / "商务.xlsx", load_form(DEFAULT_FORM), agency="丙区商务局", year=2025, values=this)
    write_template(inbox / "文旅.xlsx", load_form(DEFAULT_FORM), agency="丙区文旅局", year=2025, values=other)
    (priors / "商务局2024.json").write_text(json.dumps(last, ensure_ascii=False), encoding="utf-8")
    (priors / "坏.json").write_text("{", encoding="utf-8")
    result = run_batch(inbox, tmp_path / "out", jobs=2, prior=priors)
    by_file = {i["file"]: i for i in result.full_items()}
    codes = {f["code"] for f in by_file["商务.xlsx"]["findings"]}
    assert "prior.carried_over" in codes and by_file["商务.xlsx"]["prior"] == "商务局2024.json"
    assert not any(f["code"].startswith("prior.") for f in by_file["文旅.xlsx"]["findings"])
    assert len(result.prior_skipped) == 1 and "坏.json" in result.prior_skipped[0]
    assert result.exit_code == 0  # cross-year findings are warnings


def test_rollup_sheet_has_the_official_merges(batch_run):
    _, out = batch_run
    wb = openpyxl.load_workbook(next(out.glob("*汇总*.xlsx")))
    for t in FORM.tables:
        merged = {str(r) for r in wb[rollup_sheet_name(t.name)].merged_cells.ranges}
        assert len(merged) == sum(1 for c in (*t.labels, *t.numbers) if c.rs > 1 or c.cs > 1), t.name
        if t.header_rows:  # repeated on every printed page
            assert wb[rollup_sheet_name(t.name)].print_title_rows == f"$3:${2 + t.header_rows}", t.name
    ws = wb[rollup_sheet_name("表三")]
    # 三、本年度办理结果 spans 22 rows of 表三
    label = next(l for l in FORM.table["t3"].labels if l.rs == 22)
    top = next(r for r in ws.iter_rows(min_col=1, max_col=1) if r[0].value == label.text)[0]
    assert f"A{top.row}:A{top.row + 21}" in {str(r) for r in ws.merged_cells.ranges}


def test_contact_and_phone_reach_the_summary_and_the_annotated_copy(tmp_path):
    report = make_report("丁局", 2025, scale=20, seed=4, form=load_form(DEFAULT_FORM))
    key = "applications.carried_forward.research"
    set_path(report, key, get_path(report, key) + 2)  # breaks 一+二 = （七）+四: the copy goes back
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_template(inbox / "丁局.xlsx", load_form(DEFAULT_FORM), agency="丁局", year=2025, values=report, contact="赵六", phone="0734-1234567")
    result = run_batch(inbox, tmp_path / "out", jobs=1)
    ws = openpyxl.load_workbook(result.summary_path)[SUMMARY_SHEET]
    heads = [c.value for c in ws[4]]
    row = [c.value for c in ws[5]]
    assert row[heads.index("联系人")] == "赵六" and row[heads.index("联系电话")] == "0734-1234567"
    annotated = next((tmp_path / "out" / "退回修改").glob("*.xlsx"))
    from converter.excel.read import read_workbook

    assert read_workbook(annotated).extras == {"contact": "赵六", "phone": "0734-1234567"}


def test_bundled_returned_examples_are_made_by_the_current_template():
    """examples/returned/ is what the README's first command runs on: stale workbooks would greet a new
    user with 模板指纹不同 on every file (regenerate with python examples/make_returned.py)."""
    from converter.inputs.sources import load_report

    for path in sorted((EXAMPLES / "returned").glob("*.xlsx")):
        codes = {f.code for f in load_report(path).findings}
        assert "read.template_version" not in codes, path.name


def test_a_work_file_the_disk_lost_disqualifies_its_cache_entry(inbox, tmp_path):
    """Work files are renamed in without an fsync each: after a power cut one may be empty or short.
    Its record's sizes no longer match, so the next run converts that workbook again."""
    root, _, _ = inbox
    out = tmp_path / "out"
    first = run_batch(root, out, jobs=1)
    item = next(i for i in first.items if i.get("agency") == "甲区教育局")
    report = out / ".converter" / "work" / item["sha256"] / "report.docx"
    good = report.read_bytes()
    report.write_bytes(good[: len(good) // 3])  # what a lost write leaves
    second = run_batch(root, out, jobs=1)
    readable = sum(1 for i in first.items if i["status"] not in ("无法读取", "已忽略"))
    assert second.reused == readable - 1
    assert report.read_bytes() == good
    placed = out / "报告" / "甲区教育局2025年政府信息公开工作年度报告.docx"
    assert placed.read_bytes() == good


def test_placed_outputs_are_staged_then_renamed_together(tmp_path):
    """A run killed before the one flush leaves every earlier output as it was and only temporary
    files, which the next run removes; an error while staging removes them at once."""
    from converter.base.atomic import Staged
    from converter.base.errors import InputError
    from converter.round.batch import _remove_temp_files

    old = tmp_path / "报告" / "甲.docx"
    old.parent.mkdir()
    old.write_bytes(b"old")
    staged = Staged(tmp_path)
    staged.write_bytes(old, b"new")
    staged.write_bytes(tmp_path / "数据" / "乙.json", b"{}")
    assert old.read_bytes() == b"old" and not (tmp_path / "数据" / "乙.json").exists()  # killed here
    _remove_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["甲.docx"]
    with pytest.raises(InputError), Staged(tmp_path) as staged:
        staged.write_bytes(old, b"new")
        staged.write_bytes(tmp_path / "报告", b"a folder")  # output.is_directory
    assert old.read_bytes() == b"old" and sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["甲.docx"]
    with Staged(tmp_path) as staged:
        staged.write_bytes(old, b"new")
        staged.write_bytes(tmp_path / "数据" / "乙.json", b"{}")
    assert old.read_bytes() == b"new" and (tmp_path / "数据" / "乙.json").read_bytes() == b"{}"
    assert not list(tmp_path.rglob(".*.tmp"))


def test_without_syncfs_each_staged_file_is_fsynced_before_its_rename(tmp_path, monkeypatch):
    """Where the C library has no syncfs (macOS, Windows), the one flush falls back to an fsync of each
    staged file, still before any target is replaced."""
    import ctypes
    import os

    from converter.base import atomic

    def no_library(*args, **kwargs):
        raise OSError("no C library here")

    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(ctypes, "CDLL", no_library)
    monkeypatch.setattr(atomic.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    with atomic.Staged(tmp_path) as staged:
        staged.write_bytes(tmp_path / "甲.docx", b"a")
        staged.write_bytes(tmp_path / "乙.json", b"b")
        assert not synced and not (tmp_path / "甲.docx").exists()
    assert len(synced) == 2 and (tmp_path / "甲.docx").read_bytes() == b"a"


def test_a_worker_that_dies_costs_only_its_own_file(tmp_path, monkeypatch):
    """Workers take files a few at a time: when one dies mid-chunk (a C library crashing on a file), the
    files it took down are rerun one per process, the culprit is named, and nothing else is lost."""
    import os
    import signal

    import converter.round.batch as batch

    inbox = tmp_path / "in"
    inbox.mkdir()
    names = [f"乙区第{i:02d}局" for i in range(12)]
    for i, agency in enumerate(names):
        report = make_report(agency, 2025, scale=10, seed=i, form=FORM)
        write_template(inbox / f"{agency}.xlsx", FORM, agency=agency, year=2025, values=report)
    real = batch.process_one

    def crashing(path, opts, sha=None):
        if "05" in path.name:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, opts, sha)

    monkeypatch.setattr(batch, "process_one", crashing)  # forked workers inherit it
    monkeypatch.setattr(batch, "_chunk_size", lambda n, jobs: 4)
    result = run_batch(inbox, tmp_path / "out", jobs=2)
    status = {i["file"]: i["status"] for i in result.items}
    crashed = [i for i in result.items if i["status"] == "无法读取"]
    assert [i["file"] for i in crashed] == ["乙区第05局.xlsx"]
    assert crashed[0]["error"]["code"] == "input.worker_crashed"
    assert sum(1 for s in status.values() if s == "通过") == 11, status
    assert len(list((tmp_path / "out" / "报告").rglob("*.docx"))) == 11


def test_the_pool_gives_what_one_process_gives(tmp_path, monkeypatch):
    """Files taken a few at a time by two workers, hashed as they are asked for, the summary written by a
    child process: the same records, outputs and summary as one process doing it all in order."""
    import io
    import zipfile

    import converter.round.batch as batch

    inbox = tmp_path / "in"
    inbox.mkdir()
    for i in range(14):
        agency = f"丙区第{i:02d}局"
        report = make_report(agency, 2025, scale=10 + i, seed=i, form=FORM)
        if i % 4 == 1:  # a broken balance: an annotated copy
            set_path(report, "applications.carried_forward.natural_person",
                     (get_path(report, "applications.carried_forward.natural_person") or 0) + 3)
        write_template(inbox / f"{agency}.xlsx", FORM, agency=agency, year=2025, values=report)
    shutil.copy(inbox / "丙区第03局.xlsx", inbox / "丙区第03局（重复）.xlsx")
    (inbox / "损坏.xlsx").write_bytes((inbox / "丙区第00局.xlsx").read_bytes()[:3000])
    monkeypatch.setattr(batch, "_chunk_size", lambda n, jobs: 3)
    one = run_batch(inbox, tmp_path / "一", jobs=1)
    two = run_batch(inbox, tmp_path / "二", jobs=2)

    def records(result):
        manifest = json.loads((result.outbox / "manifest.json").read_text(encoding="utf-8"))
        return [{k: v for k, v in r.items() if k != "error"} for r in manifest["inputs"]], \
            {k: v for k, v in manifest.items() if k not in ("inputs", "seconds", "summary_sha256", "inbox")}

    assert records(one) == records(two)
    assert {"有错误", "无法读取", "已被替代"} <= set(one.counts()) and one.counts()["有错误"] >= 3

    def outputs(result):
        out = {}
        for path in sorted(result.outbox.rglob("*")):
            rel = path.relative_to(result.outbox).as_posix()
            if not path.is_file() or rel.startswith(".converter") or rel == "manifest.json":
                continue
            if path.suffix == ".xlsx":  # the parts, without the clock's creation time
                with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
                    out[rel] = {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}
            else:
                out[rel] = path.read_bytes()
        return out

    assert outputs(one) == outputs(two)


def test_a_run_that_fails_to_place_leaves_the_summary_as_it_was(tmp_path):
    """The summary is written on the other core under a temporary name while outputs are placed: when
    placing fails, the last run's summary stays as it was, and the next run does not take it for edited."""
    from converter.base.errors import InputError

    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, agency in enumerate(["丁区甲局", "丁区乙局"]):
        write_template(inbox / f"{agency}.xlsx", FORM, agency=agency, year=2025,
                       values=make_report(agency, 2025, scale=10, seed=i, form=FORM))
    out = tmp_path / "out"
    run_batch(inbox, out, jobs=2)
    summary = out / "2025年度报告汇总.xlsx"
    before = summary.read_bytes()
    report = next((out / "报告").glob("*.docx"))
    report.unlink()
    report.mkdir()  # in the way of the report the next run places
    with pytest.raises(InputError) as refused:
        run_batch(inbox, out, jobs=2, force=True)
    assert refused.value.code == "output.is_directory"
    assert summary.read_bytes() == before
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    report.rmdir()
    third = run_batch(inbox, out, jobs=2)
    assert not [v for v in third.voided if "汇总" in v]


def test_a_forced_rerun_keeps_unchanged_annotated_copies(tmp_path):
    """An annotated copy is stamped from its year, not the clock: rerunning with force writes the same bytes,
    so nothing the agency may already have been sent is moved to 已作废."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    report = make_report("戊区局", 2025, scale=10, seed=1, form=FORM)
    set_path(report, "applications.carried_forward.natural_person",
             (get_path(report, "applications.carried_forward.natural_person") or 0) + 3)
    write_template(inbox / "戊区局.xlsx", FORM, agency="戊区局", year=2025, values=report)
    out = tmp_path / "out"
    run_batch(inbox, out, jobs=1)
    copy = next((out / "退回修改").glob("*.xlsx"))
    before = copy.read_bytes()
    import time
    time.sleep(1.1)  # another second on the clock
    again = run_batch(inbox, out, jobs=1, force=True)
    assert again.voided == [] and copy.read_bytes() == before
