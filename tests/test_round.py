"""A round decided per agency: blank returns, .xls/.ods, wrong year, resubmissions, outputs, 合计."""
import json
import os
import re
import subprocess
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from hostile_cases import cfb
from office import soffice
from xlsx_fill import named_cell
from converter.cli import main
from converter.engine.sample import make_report
from converter.excel.read import read_workbook
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, get_path, load_form, set_path
from converter.round.batch import output_names, run_batch, safe_name

FORM = load_form(DEFAULT_FORM)
BREAK = "applications.carried_forward.research"  # +n breaks 一+二 = （七）+四


def _broken(agency, seed=0, year=2025):
    report = make_report(agency, year, scale=20, seed=seed, form=load_form(DEFAULT_FORM))
    set_path(report, BREAK, get_path(report, BREAK) + 3)
    return report


def _saved(path: Path, iso: str) -> None:
    """Rewrite the workbook's own save time (docProps/core.xml dcterms:modified)."""
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    core = parts["docProps/core.xml"].decode("utf-8")
    core = re.sub(r"(<dcterms:modified[^>]*>)[^<]*(<)", rf"\g<1>{iso}\g<2>", core)
    parts["docProps/core.xml"] = core.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)


def _lo_convert(files: list[Path], to: str, outdir: Path) -> None:
    """Many files in one LibreOffice call (each call costs seconds)."""
    exe = soffice()
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--convert-to",
                        to, "--outdir", str(outdir), *map(str, files)], capture_output=True, timeout=300)


@pytest.fixture(scope="session")
def office_copies(tmp_path_factory):
    """Filled templates (one passing, one with errors) and LibreOffice's own .xls and .ods of them."""
    root = tmp_path_factory.mktemp("office")
    reports = {"乙区农业农村局": make_report("乙区农业农村局", 2025, scale=25, seed=7, form=load_form(DEFAULT_FORM)), "乙区水利局": _broken("乙区水利局")}
    files = []
    for agency, report in reports.items():
        write_template(root / f"{agency}.xlsx", load_form(DEFAULT_FORM), agency=agency, year=2025, values=report)
        files.append(root / f"{agency}.xlsx")
    for ext in ("xls", "ods"):
        _lo_convert(files, ext, root / ext)
    return root, reports


def test_blank_template_returned_unchanged_is_an_error_without_report(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    write_template(inbox / "空白.xlsx", load_form(DEFAULT_FORM), agency="丙局", year=2025)
    loaded = read_workbook(inbox / "空白.xlsx")
    # the sheet's formulas compute 0, the report keeps a total of blank cells blank …
    assert get_path(loaded.report, "applications.new_received.total") is None
    result = run_batch(inbox, tmp_path / "out", jobs=1)
    item = next(result.full_items())
    assert item["status"] == "有错误" and "empty.tables" in {f["code"] for f in item["findings"]}  # … still empty
    assert not list((tmp_path / "out").glob("报告/*.docx")) and result.exit_code == 1


@pytest.mark.parametrize("ext", ["xls", "ods"])
def test_xls_and_ods_saved_by_libreoffice_read_to_the_numbers_of_the_xlsx(office_copies, ext):
    root, reports = office_copies
    for agency in reports:
        xlsx, other = read_workbook(root / f"{agency}.xlsx"), read_workbook(root / ext / f"{agency}.{ext}")
        assert other.report == xlsx.report
        assert [f.code for f in other.findings] == [f.code for f in xlsx.findings]


def test_every_inbox_file_has_one_status_and_unreadable_files_keep_their_agency(office_copies, tmp_path):
    root, _ = office_copies
    inbox = tmp_path / "in"
    inbox.mkdir()
    (inbox / "乙区农业农村局.xls").write_bytes((root / "xls" / "乙区农业农村局.xls").read_bytes())
    (inbox / "乙区水利局.ods").write_bytes((root / "ods" / "乙区水利局.ods").read_bytes())
    (inbox / "乙区民政局报告.et").write_bytes(cfb(["Workbook", "ETExtData"]))
    (inbox / "乙区司法局（加密）.xlsx").write_bytes(cfb(["EncryptionInfo", "EncryptedPackage"]))
    (inbox / "乙区商务局.xlsx").write_bytes(b"PK\x03\x04garbage")
    (inbox / "报送函.docx").write_bytes(b"PK\x03\x04 a cover letter")
    (inbox / "盖章页.pdf").write_bytes(b"%PDF-1.4")
    (inbox / "照片.png").write_bytes(b"\x89PNG\r\n")
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n乙区农业农村局\n乙区水利局\n乙区民政局\n乙区司法局\n乙区商务局\n乙区交通局\n乙区交通局\n",
                      encoding="utf-8")
    result = run_batch(inbox, tmp_path / "out", roster=roster, jobs=2)
    status = {i["file"]: i["status"] for i in result.items}
    assert status == {"乙区农业农村局.xls": "通过" if status["乙区农业农村局.xls"] == "通过" else "有警告",
                      "乙区水利局.ods": "有错误", "乙区民政局报告.et": "无法读取", "乙区司法局（加密）.xlsx": "无法读取",
                      "乙区商务局.xlsx": "无法读取", "报送函.docx": "已忽略", "盖章页.pdf": "已忽略", "照片.png": "已忽略"}
    agencies = {a["agency"]: a["status"] for a in result.agencies}
    assert agencies == {"乙区农业农村局": status["乙区农业农村局.xls"], "乙区水利局": "有错误", "乙区民政局": "无法读取",
                        "乙区司法局": "无法读取", "乙区商务局": "无法读取", "乙区交通局": "未报送"}
    assert result.roster["listed"] == 6 and result.roster["repeated_lines"] == ["乙区交通局"]
    assert result.exit_code == 2
    assert (tmp_path / "out" / "退回修改" / "乙区水利局-问题标注.xlsx").is_file()
    lines = result.attention(limit=50)
    assert any(line.startswith("已忽略    报送函.docx") for line in lines)
    assert any(line.startswith("无法读取  乙区民政局报告.et（乙区民政局）") for line in lines)


def test_round_year_wrong_year_and_the_terminal(tmp_path):
    inbox = tmp_path / "in"
    inbox.mkdir()
    for i, agency in enumerate(("丁区甲局", "丁区乙局")):
        write_template(inbox / f"{agency}.xlsx", load_form(DEFAULT_FORM), agency=agency, year=2025, values=make_report(agency, 2025, scale=9, seed=i, form=load_form(DEFAULT_FORM)))
    write_template(inbox / "丁区丙局.xlsx", load_form(DEFAULT_FORM), agency="丁区丙局", year=2024, values=make_report("丁区丙局", 2024, scale=9, form=load_form(DEFAULT_FORM)))
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    assert r.output.startswith("本轮年度：2025 年（未指定 --year")
    assert "年度不符  丁区丙局.xlsx（丁区丙局）：2024 年度" in r.output and "年度不符 1" in r.output
    total = json.loads((tmp_path / "out" / "合计.json").read_text(encoding="utf-8"))
    assert total["agency"] == "2 个单位合计" and total["year"] == 2025
    assert not list((tmp_path / "out").glob("报告/丁区丙局*"))
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--year", "2024"])
    assert r.exit_code == 1 and "本轮年度：2024 年（按 --year 指定）" in r.output
    assert [p.name for p in (tmp_path / "out" / "报告").iterdir()] == ["丁区丙局2024年政府信息公开工作年度报告.docx"]


def test_output_names_are_safe_and_never_collide():
    for hostile in ("../../etc/passwd", "a\\b", "x\x00y\x1b", "CON", " . ", "甲" * 200, "a:b*c?\"<>|", "\u202e局"):
        name = safe_name(hostile)
        assert not set(name) & set('/\\:*?"<>|') and ".." not in name and name == name.strip(" .")
        assert all(ord(ch) >= 32 and ch != "\u202e" for ch in name) and 0 < len(name) <= 60
    assert safe_name("CON") != "CON"
    names = output_names(["甲/局", "甲:局", "甲_局"])
    assert len({n.casefold() for n in names.values()}) == 3


def _fix_annotated(path: Path, target: Path, value: int) -> None:
    wb = openpyxl.load_workbook(path)
    named_cell(wb, BREAK).value = value
    wb.save(target)


def test_whole_round_two_runs_before_and_after_corrections(tmp_path):
    agencies = [f"戊区第{i:02d}局" for i in range(1, 29)] + ["戊区../外局", "戊区:外局"]
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n" + "\n".join(agencies + ["戊区第01局"]) + "\n", encoding="utf-8")
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    reports = {}
    t0 = 1_767_000_000  # mtimes: a fixed, increasing order

    def put(name, report, mtime, saved=None):
        path = inbox / name
        write_template(path, load_form(DEFAULT_FORM), agency=report["agency"], year=report["year"], values=report)
        if saved:
            _saved(path, saved)
        os.utime(path, (t0 + mtime, t0 + mtime))
        return path

    for i, agency in enumerate(agencies[:24]):  # 24 good returns
        reports[agency] = make_report(agency, 2025, scale=10 + i, seed=i, form=load_form(DEFAULT_FORM))
        put(f"{safe_name(agency)}.xlsx", reports[agency], i)
    put("戊区第25局.xlsx", _broken("戊区第25局", 25), 25)  # errors: sent back, then the annotated copy returns
    write_template(inbox / "戊区第26局空白.xlsx", load_form(DEFAULT_FORM), agency="戊区第26局", year=2025)  # blank template
    os.utime(inbox / "戊区第26局空白.xlsx", (t0 + 26, t0 + 26))
    put("戊区第27局.xlsx", make_report("戊区第27局", 2024, scale=5, form=load_form(DEFAULT_FORM)), 27)  # last year's file
    # 戊区第01局 sends a correction: saved later by its own clock though its file is older
    old01 = reports["戊区第01局"]
    reports["戊区第01局"] = make_report("戊区第01局", 2025, scale=99, seed=101, form=load_form(DEFAULT_FORM))
    put("戊区第01局（更正）.xlsx", reports["戊区第01局"], -100, saved="2026-01-12T09:00:00Z")
    _saved(inbox / "戊区第01局.xlsx", "2026-01-10T09:00:00Z")
    os.utime(inbox / "戊区第01局.xlsx", (t0 + 1000, t0 + 1000))
    (inbox / "副本").mkdir()
    (inbox / "副本" / "戊区第02局.xlsx").write_bytes((inbox / "戊区第02局.xlsx").read_bytes())  # sent twice
    (inbox / "说明.docx").write_bytes(b"PK\x03\x04")
    # 戊区第28局 and the two foreign-named agencies send nothing in the first run

    first = run_batch(inbox, out, roster=roster, jobs=2)
    status = {i["file"]: i["status"] for i in first.items}
    by_agency = {a["agency"]: a for a in first.agencies}
    assert status["戊区第01局.xlsx"] == "已被替代" and by_agency["戊区第01局"]["file"] == "戊区第01局（更正）.xlsx"
    assert status["副本/戊区第02局.xlsx"] == "已被替代" or status["戊区第02局.xlsx"] == "已被替代"
    assert by_agency["戊区第25局"]["status"] == "有错误" and by_agency["戊区第26局"]["status"] == "有错误"
    assert status["戊区第27局.xlsx"] == "年度不符" and by_agency["戊区第27局"]["status"] == "年度不符"
    assert status["说明.docx"] == "已忽略" and by_agency["戊区第28局"]["status"] == "未报送"
    assert len(first.agencies) == 30 and first.roster["listed"] == 30 and first.exit_code == 1
    annotated = out / "退回修改" / "戊区第25局-问题标注.xlsx"
    assert annotated.is_file()

    # corrections: 25 fixes the annotated copy, 26 fills its template, 27 sends 2025, 28 and the two arrive
    _fix_annotated(annotated, inbox / "戊区第25局-问题标注.xlsx", get_path(_broken("戊区第25局", 25), BREAK) - 3)
    os.utime(inbox / "戊区第25局-问题标注.xlsx", (t0 + 2000, t0 + 2000))
    reports["戊区第25局"] = read_workbook(inbox / "戊区第25局-问题标注.xlsx").report
    for n, agency in ((26, "戊区第26局"), (27, "戊区第27局"), (28, "戊区第28局"), (29, agencies[28]), (30, agencies[29])):
        reports[agency] = make_report(agency, 2025, scale=n, seed=n, form=load_form(DEFAULT_FORM))
        put(f"{agency.replace('/', '').replace(':', '')}-终稿.xlsx", reports[agency], 2000 + n)
    (out / "报告" / ".戊区第03局.x.docx.tmp").write_bytes(b"half")  # left by a killed run

    second = run_batch(inbox, out, roster=roster, jobs=2)
    status = {i["file"]: i["status"] for i in second.items}
    assert status["戊区第25局.xlsx"] == "已被替代" and status["戊区第25局-问题标注.xlsx"] in ("通过", "有警告")
    assert status["戊区第26局空白.xlsx"] == "已被替代" and status["戊区第27局.xlsx"] == "已被替代"
    assert {a["status"] for a in second.agencies} <= {"通过", "有警告"} and second.exit_code == 0
    assert second.reused >= 24
    reports_dir = sorted(p.name for p in (out / "报告").iterdir())
    names = output_names(agencies)
    assert reports_dir == sorted(f"{names[a]}2025年政府信息公开工作年度报告.docx" for a in agencies)
    assert not list((out / "退回修改").glob("*")) and list((out / "已作废").rglob("戊区第25局-问题标注.xlsx"))
    assert not list(out.rglob("*.tmp"))
    assert all(p.resolve().is_relative_to(out.resolve()) for p in out.rglob("*"))
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [a["agency"] for a in manifest["agencies"]] == agencies
    assert {i["file"]: i["status"] for i in manifest["inputs"]} == status
    total = json.loads((out / "合计.json").read_text(encoding="utf-8"))
    assert total["agency"] == "30 个单位合计" and total["form"] == FORM.id
    for cell in FORM.numbers:
        values = [get_path(reports[a], cell.key) for a in agencies]
        expected = sum(v for v in values if v is not None) if any(v is not None for v in values) else None
        assert get_path(total, cell.key) == pytest.approx(expected) if expected is not None else get_path(total, cell.key) is None, cell.key
    assert get_path(total, "applications.new_received.total") != get_path(old01, "applications.new_received.total")


def test_an_agency_not_on_the_roster_is_named_with_its_likely_roster_name(tmp_path):
    """The roster says 某某县自然资源局, the cover says 某某县自然资源和规划局: the terminal says so, instead of
    only listing the roster's name as 未报送."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    agency = "某某县自然资源和规划局"
    write_template(inbox / f"{agency}.xlsx", load_form(DEFAULT_FORM), agency=agency, year=2025,
                   values=make_report(agency, 2025, form=load_form(DEFAULT_FORM)))
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n某某县自然资源局\n某某县教育局\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--roster", str(roster)])
    assert "不在名单  某某县自然资源和规划局.xlsx（某某县自然资源和规划局）" in r.output
    assert "名单中的“某某县自然资源局”尚未报送，是否同一单位" in r.output
    assert "某某县教育局”尚未报送" not in r.output


def test_last_year_of_another_agency_or_year_is_not_used(tmp_path):
    """A prior of the same year or of another agency would raise false alarms (照抄, 上年结转): it is not used,
    and the terminal says so; a prior folder's report no agency of this round matches is named."""
    form = load_form(DEFAULT_FORM)
    this = make_report("甲局", 2025, form=form)
    (tmp_path / "本年.json").write_text(json.dumps(this, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "同年.json").write_text(json.dumps(this, ensure_ascii=False), encoding="utf-8")
    other = make_report("乙局", 2024, form=form)
    (tmp_path / "乙局2024.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    for prior, words in (("同年.json", "是 2025 年度的，不是 2024 年度"), ("乙局2024.json", "是“乙局”的，不是“甲局”的")):
        r = CliRunner().invoke(main, ["check", str(tmp_path / "本年.json"), "--prior", str(tmp_path / prior),
                                      "--format", "json"])
        codes = {f["code"] for f in json.loads(r.stdout)["findings"]}
        assert {"prior.year_mismatch", "prior.agency_mismatch"} & codes, prior
        assert not {"copy.identical_table", "copy.repeated_text"} & codes, prior
        assert words in r.stdout
    inbox, priors = tmp_path / "收件", tmp_path / "上年"
    inbox.mkdir()
    priors.mkdir()
    write_template(inbox / "甲局.xlsx", form, agency="甲局", year=2025, values=this)
    (priors / "乙局2024.json").write_text(json.dumps(other, ensure_ascii=False), encoding="utf-8")
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(tmp_path / "out"), "--prior", str(priors)])
    assert "乙局2024.json（乙局）：本轮没有这个单位的报送" in r.output


def _filled(path: Path, agency: str, year: int = 2025, seed: int = 0, cover: str | None = None) -> Path:
    """A filled template; `cover` types something else in the cover's 填报单位 ("": a template for no
    agency in particular, its cover left blank)."""
    values = make_report(agency, year, scale=9, seed=seed, form=load_form(DEFAULT_FORM))
    if cover == "":  # a template made without --agency, the cover left blank
        values["agency"] = ""
    write_template(path, load_form(DEFAULT_FORM), agency=agency if cover != "" else None, year=year, values=values)
    if cover:
        wb = openpyxl.load_workbook(path)
        named_cell(wb, "agency").value = cover or None
        wb.save(path)
    return path


def test_a_newer_resubmission_that_cannot_be_read_holds_the_agency_back(tmp_path):
    """The correction is damaged: the older file is not published or summed meanwhile, and the agency and
    the counts say 无法读取 (as the exit code does)."""
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    old = _filled(inbox / "庚区商务局.xlsx", "庚区商务局")
    _filled(inbox / "庚区司法局.xlsx", "庚区司法局", seed=2)
    newer = inbox / "庚区商务局（更正）.xlsx"
    newer.write_bytes(old.read_bytes()[:5000])
    os.utime(old, (1_700_000_000, 1_700_000_000))
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert r.exit_code == 2, r.output
    assert "无法读取 1" in r.output and "通过 1" in r.output
    assert "较新报送的文件无法读取" in r.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    state = {a["agency"]: a for a in manifest["agencies"]}
    assert state["庚区商务局"]["status"] == "无法读取" and state["庚区商务局"]["file"] == newer.name
    assert [p.name for p in (out / "报告").iterdir()] == ["庚区司法局2025年政府信息公开工作年度报告.docx"]
    assert json.loads((out / "合计.json").read_text(encoding="utf-8"))["agency"] == "1 个单位合计"


def test_files_that_do_not_name_their_agency_are_matched_to_the_roster(tmp_path):
    """A cover left blank, a short name in the file name, the cover's （盖章） typed after the name: each file
    belongs to its roster agency, which is then not called 未报送 or counted twice."""
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n示范市交通运输局\n示范市公安局\n示范市商务局\n示范县公安局\n", encoding="utf-8")
    _filled(inbox / "示范市交通运输局-填报表.xlsx", "示范市交通运输局", cover="")
    (inbox / "商务局2025年报.xlsx").write_bytes(b"not a workbook at all")
    _filled(inbox / "盖章版.xlsx", "示范市公安局", cover="示范市公安局（盖章）")
    _filled(inbox / "公安局.xlsx", "示范县公安局", seed=3)
    result = run_batch(inbox, out, jobs=1, roster=roster)
    state = {a["agency"]: a["status"] for a in result.agencies}
    assert state == {"示范市交通运输局": "有错误", "示范市公安局": "通过", "示范市商务局": "无法读取",
                     "示范县公安局": "通过"}, state
    assert result.roster["not_in_roster"] == [] and result.roster["missing"] == []
    assert (out / "报告" / "示范市公安局2025年政府信息公开工作年度报告.docx").is_file()  # no （盖章） in names
    by_file = {i["file"]: i for i in result.full_items()}
    assert "read.normalised" in {f["code"] for f in by_file["盖章版.xlsx"]["findings"]}


def test_identical_unreadable_files_each_name_themselves(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for name in ("甲局年报.et", "乙局 年报.et"):
        (inbox / name).write_bytes(cfb(["WorkBook"]))
    result = run_batch(inbox, tmp_path / "out", jobs=1)
    for item in result.full_items():
        assert item["status"] == "无法读取" and item["file"] in item["error"]["message"], item


def test_a_year_tie_goes_to_the_later_year(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    _filled(inbox / "辛区甲局2025.xlsx", "辛区甲局", 2025)
    _filled(inbox / "辛区乙局2024.xlsx", "辛区乙局", 2024)
    result = run_batch(inbox, tmp_path / "out", jobs=1)
    assert result.year == 2025
    assert {i["file"]: i["status"] for i in result.items} == {"辛区甲局2025.xlsx": "通过", "辛区乙局2024.xlsx": "年度不符"}


def test_a_report_edited_by_hand_is_kept_when_a_rerun_replaces_it(tmp_path):
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    _filled(inbox / "壬区甲局.xlsx", "壬区甲局")
    run_batch(inbox, out, jobs=1)
    report = out / "报告" / "壬区甲局2025年政府信息公开工作年度报告.docx"
    edited = report.read_bytes() + b"edited by hand"
    report.write_bytes(edited)
    result = run_batch(inbox, out, jobs=1)
    assert report.read_bytes() != edited
    kept = [out / v for v in result.voided]
    assert [p.read_bytes() for p in kept] == [edited]
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert "已移到" not in r.output  # nothing changed since: nothing moved
    report.write_bytes(edited)
    r = CliRunner().invoke(main, ["batch", str(inbox), "-o", str(out)])
    assert "上次的 1 个输出文件已不是当前版本，已移到 已作废/" in r.output


def test_colliding_names_are_numbered_apart_from_the_year():
    names = output_names(["示范局:一", "示范局/一"])
    assert sorted(names.values()) == ["示范局_一", "示范局_一（2）"]


def test_output_piped_into_head_ends_quietly(tmp_path):
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for i in range(12):
        (inbox / f"坏文件{i:02d}.xlsx").write_bytes(b"broken")
    env = {**os.environ, "CONVERTER_ERROR_LOG": str(tmp_path / "errors.log")}
    proc = subprocess.run(f'"{os.sys.executable}" -m converter.cli batch "{inbox}" -o "{tmp_path / "out"}" | head -1',
                          shell=True, capture_output=True, text=True, env=env, timeout=120)
    assert "internal.error" not in proc.stderr and not (tmp_path / "errors.log").exists(), proc.stderr
    assert (tmp_path / "out" / "manifest.json").is_file()


def test_workers_end_when_the_batch_is_killed(tmp_path):
    """kill -9 of the batch leaves no worker waiting for work forever (Linux: the parent-death signal)."""
    import signal
    import sys
    import time

    script = tmp_path / "parent.py"
    script.write_text(
        "import multiprocessing as mp, sys, time\n"
        "from converter.round.batch import _init_worker\n"
        "def child():\n    _init_worker()\n    time.sleep(120)\n"
        "if __name__ == '__main__':\n"
        "    p = mp.get_context('fork').Process(target=child)\n    p.start()\n"
        "    print(p.pid, flush=True)\n    time.sleep(120)\n", encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    child = int(parent.stdout.readline())
    time.sleep(0.5)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    for _ in range(50):
        try:
            os.kill(child, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(child, signal.SIGKILL)
        pytest.fail("the worker outlived its batch")


def test_a_file_naming_another_agency_is_never_matched_by_a_short_name(tmp_path):
    """示范县公安局年报.xlsx (unreadable) is not 示范市公安局's, though both end in 公安局: it must not hold back
    示范市公安局's own passing report."""
    inbox = tmp_path / "收件"
    inbox.mkdir()
    roster = tmp_path / "名单.csv"
    roster.write_text("单位名称\n示范市公安局\n示范市交通运输局\n", encoding="utf-8")
    _filled(inbox / "示范市公安局.xlsx", "示范市公安局")
    (inbox / "示范县公安局年报.xlsx").write_bytes(b"not a workbook")
    (inbox / "市交通运输局年报.xlsx").write_bytes(b"not a workbook")
    result = run_batch(inbox, tmp_path / "out", jobs=1, roster=roster)
    assert {a["agency"]: a["status"] for a in result.agencies} == {"示范市公安局": "通过", "示范市交通运输局": "无法读取"}
    assert (tmp_path / "out" / "报告" / "示范市公安局2025年政府信息公开工作年度报告.docx").is_file()


def test_a_summary_with_notes_typed_in_is_kept_when_a_rerun_writes_a_new_one(tmp_path):
    inbox, out = tmp_path / "收件", tmp_path / "输出"
    inbox.mkdir()
    _filled(inbox / "癸区甲局.xlsx", "癸区甲局")
    run_batch(inbox, out, jobs=1)
    summary = out / "2025年度报告汇总.xlsx"
    run_batch(inbox, out, jobs=1)  # written by us both times: replaced, nothing kept
    assert not (out / "已作废").exists()
    wb = openpyxl.load_workbook(summary)
    wb.worksheets[0]["H1"] = "已电话催报"
    wb.save(summary)
    edited = summary.read_bytes()
    result = run_batch(inbox, out, jobs=1)
    assert [(out / v).read_bytes() for v in result.voided] == [edited]
    assert summary.read_bytes() != edited
