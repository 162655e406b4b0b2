"""The roster as offices write it, e-mails every client names right, outputs never clobbered (issue 12)."""
from __future__ import annotations

import datetime as dt
import email
import os
import time
from email import policy
from email.header import decode_header, make_header

import openpyxl
import pytest
from click.testing import CliRunner
from xlsx_fill import named_cell

from converter.base.errors import InputError
from converter.form.definition import DEFAULT_FORM, load_form
from converter.cli import main
from converter.round.roster import attachment_headers, build_eml, make_roster_templates, read_roster

BOOK = "-2025年度政府信息公开工作年度报告填报表"


def _roster(tmp_path, text, encoding="utf-8-sig", name="名单.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_header_synonyms_and_unknown_columns_named_once(tmp_path):
    roster = _roster(tmp_path, "序号,单位,联系人,电子邮箱,手机,截止时间,备注,科室\n"
                               "1,甲局,张三,zs@x.cn,13800000000,2026-01-20,加急,办公室\n", encoding="gbk")
    notes = []
    rows = read_roster(roster, notes)
    assert rows[0]["单位名称"] == "甲局" and rows[0]["邮箱"] == "zs@x.cn"
    assert rows[0]["联系电话"] == "13800000000" and rows[0]["截止日期"] == "2026-01-20"
    assert len(notes) == 1 and "“备注”、“科室”" in notes[0] and "序号" not in notes[0]
    for header in ("E-mail", "e-mail", "Email", "邮件", "邮箱", "ＥＭＡＩＬ"):
        rows = read_roster(_roster(tmp_path, f"单位名称,{header}\n乙局,b@x.cn\n"))
        assert rows[0]["邮箱"] == "b@x.cn", header


def _spreadsheet_roster(path):
    """A roster as offices keep it in Excel: a title line, a blank line, a header with a note in brackets,
    a phone typed as a number, a 合计 line under the list."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年度政府信息公开工作年度报告报送单位名单"])
    ws.append([])
    ws.append(["序号", "单位名称（全称）", "联系人", "联系电话（手机）", "电子邮箱"])
    ws.append([1, "示范市公安局", "张三", 13800000000, "a@x.cn"])
    ws.append([2, "示范市交通运输局", "李四", "0734-1234567", None])
    ws.append(["合计", "2个单位"])
    ws.append(["", "填表人：王五"])
    ws.append(["", "注：请各单位于1月15日前报送"])
    wb.save(path)
    return path


def test_roster_kept_in_a_spreadsheet_reads_like_its_csv(tmp_path):
    """.xlsx as made by Excel, .xls / .ods as LibreOffice saves the same sheet: same rows, the title and
    合计 lines not agencies, the line numbers the office sees in its sheet."""
    from office import convert

    xlsx = _spreadsheet_roster(tmp_path / "名单.xlsx")
    want = [("示范市公安局", "张三", "13800000000", "a@x.cn", 4), ("示范市交通运输局", "李四", "0734-1234567", "", 5)]
    for path in (xlsx, convert(xlsx, "xls", tmp_path / "lo"), convert(xlsx, "ods", tmp_path / "lo")):
        rows = read_roster(path)
        assert [(r["单位名称"], r["联系人"], r["联系电话"], r["邮箱"], r["_line"]) for r in rows] == want, path.name
    csv_roster = _roster(tmp_path, "序号,单位名称\n1,示范市公安局（盖章）\n2,示范市交通运输局\n合计,2个单位\n,备注\n",
                         encoding="gbk")  # the cover's （盖章） copied into the list is no part of the name
    assert [r["单位名称"] for r in read_roster(csv_roster)] == ["示范市公安局", "示范市交通运输局"]
    broken = tmp_path / "坏名单.xlsx"
    broken.write_bytes(xlsx.read_bytes()[:300])
    with pytest.raises(InputError) as e:
        read_roster(broken)
    assert e.value.code == "roster.unreadable" and "另存为" in e.value.message


def test_phone_and_contact_prefilled_on_the_cover(tmp_path):
    roster = _roster(tmp_path, "单位名称,联系人,联系电话,邮箱\n甲局,张三,0731-1234567,zs@x.cn\n")
    result = make_roster_templates(roster, 2025, tmp_path / "out", today=dt.date(2025, 12, 1), form=load_form(DEFAULT_FORM))
    wb = openpyxl.load_workbook(result.items[0]["xlsx"])
    assert named_cell(wb, "phone").value == "0731-1234567"
    assert named_cell(wb, "contact").value == "张三"
    assert result.warnings == []


def test_cli_names_agencies_without_address_and_validates_sender(tmp_path):
    roster = _roster(tmp_path, "单位名称,电子邮箱\n甲局,a@x.cn\n乙局,\n丙局,\n")
    runner = CliRunner()
    bad = runner.invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(tmp_path / "o1"),
                               "--sender", "not-an-email"])
    assert bad.exit_code == 2 and "not-an-email" in bad.output and "--sender" in bad.output
    assert not (tmp_path / "o1").exists()
    ok = runner.invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(tmp_path / "o2"),
                              "--sender", "办公室 <office@x.gov.cn>", "--deadline", "2099-01-31"])
    assert ok.exit_code == 0, ok.output
    assert "1 封待发邮件" in ok.output
    assert "2 个单位名单中没有邮箱" in ok.output and "乙局、丙局" in ok.output
    msg = email.message_from_bytes((tmp_path / "o2" / f"甲局{BOOK}.eml").read_bytes(), policy=policy.default)
    assert msg["From"].addresses[0].addr_spec == "office@x.gov.cn"
    assert msg["From"].addresses[0].display_name == "办公室"


def test_deadline_in_the_past_is_warned(tmp_path):
    roster = _roster(tmp_path, "单位名称,邮箱,截止日期\n甲局,a@x.cn,2026-01-10\n乙局,b@x.cn,\n")
    result = make_roster_templates(roster, 2025, tmp_path / "out", deadline="2026-02-01", today=dt.date(2026, 1, 15), form=load_form(DEFAULT_FORM))
    past = [w for w in result.warnings if "已经过去" in w]
    assert len(past) == 1 and "2026年1月10日" in past[0] and "“甲局”" in past[0] and "乙局" not in past[0]
    result = make_roster_templates(roster, 2025, tmp_path / "out2", today=dt.date(2025, 12, 1), form=load_form(DEFAULT_FORM))
    assert not [w for w in result.warnings if "已经过去" in w]


def _attachment_name(raw: bytes, pol) -> str:
    msg = email.message_from_bytes(raw, policy=pol)
    part, = [p for p in msg.walk() if p.get_content_maintype() == "application"]
    names = []
    for value in (part.get_filename(), part.get_param("name")):
        if isinstance(value, tuple):  # compat32 keeps RFC 2231 values raw
            value = email.utils.collapse_rfc2231_value(value)
        names.append(str(make_header(decode_header(value))))  # compat32 leaves RFC 2047 words encoded
    assert names[0] == names[1]
    return names[0]


def test_attachment_named_in_both_forms_read_by_both_policies(tmp_path):
    long_agency = "示范省示范市示范区人民政府办公室（区政务服务数据管理局）"
    book = tmp_path / f"{long_agency}{BOOK}.xlsx"
    book.write_bytes(b"PK\x03\x04 stand-in workbook bytes")
    raw = build_eml(long_agency, 2025, "a@x.cn", book, deadline="2026年1月31日", form=load_form(DEFAULT_FORM))
    for pol in (policy.compat32, policy.default):
        assert _attachment_name(raw, pol) == book.name
        msg = email.message_from_bytes(raw, policy=pol)
        part, = [p for p in msg.walk() if p.get_content_maintype() == "application"]
        assert part.get_payload(decode=True) == book.read_bytes()
    head = raw.split(b"\r\n\r\n--")[0]
    text = raw.decode("ascii")  # 8bit body aside, headers are ASCII
    assert "filename*0*=UTF-8''%E7%A4%BA" in text and 'filename="=?UTF-8?B?' in text
    assert "name*0*=UTF-8''%E7%A4%BA" in text and 'name="=?UTF-8?B?' in text
    assert all(len(line) <= 78 for line in text.split("\r\n") if line.startswith((" ", "Content-")))
    assert head  # the message has a body separated from the headers
    headers = attachment_headers("甲.xlsx")
    assert headers["Content-Type"].lstrip().startswith("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;")


def test_date_in_local_time_zone_and_deadline_in_body(tmp_path, monkeypatch):
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    book = tmp_path / f"甲局{BOOK}.xlsx"
    book.write_bytes(b"PK\x03\x04")
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        raw = build_eml("甲局", 2025, "a@x.cn", book, deadline="2026年1月20日", form=load_form(DEFAULT_FORM))
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Date"].endswith("+0800")
    assert msg["Date"].datetime.utcoffset() == dt.timedelta(hours=8)
    body = msg.get_body(("plain",)).get_content()
    assert "报送截止日期：2026年1月20日" in body and "于2026年1月20日前" in body


def test_output_named_like_a_file_is_refused_and_nothing_made(tmp_path):
    roster = _roster(tmp_path, "单位名称\n甲局\n")
    result = CliRunner().invoke(main, ["template", "--roster", str(roster), "--year", "2025",
                                       "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 2 and "output.roster_needs_folder" in result.output and "文件夹" in result.output
    assert not (tmp_path / "t.xlsx").exists()


def test_existing_templates_not_overwritten_without_force(tmp_path):
    roster = _roster(tmp_path, "单位名称,邮箱\n甲局,a@x.cn\n乙局,b@x.cn\n")
    out = tmp_path / "下发"
    runner = CliRunner()
    assert runner.invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(out)]).exit_code == 0
    mine = out / f"甲局{BOOK}.xlsx"
    mine.write_bytes(b"edited by hand")
    stamp = os.stat(out / f"乙局{BOOK}.eml").st_mtime_ns
    again = runner.invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(out)])
    assert again.exit_code == 2 and "output.exists" in again.output
    assert f"甲局{BOOK}.xlsx" in again.output and "--force" in again.output
    assert mine.read_bytes() == b"edited by hand" and os.stat(out / f"乙局{BOOK}.eml").st_mtime_ns == stamp
    forced = runner.invoke(main, ["template", "--roster", str(roster), "--year", "2025", "-o", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert mine.read_bytes().startswith(b"PK")
