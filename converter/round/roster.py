"""A roster of agencies → one template per agency and a ready-to-send .eml for each with an address.

The roster is a CSV (or the first sheet of an .xlsx / .xls / .ods) with a 单位名称 column and optional
联系人 / 邮箱 / 联系电话 / 截止日期 columns, in
UTF-8 (with or without BOM) or GBK, as Excel on Chinese Windows saves it. Offices name the columns in
their own words (单位, 电子邮箱, E-mail, 电话, 手机 …): every header is mapped to one of these five by
HEADER_SYNONYMS, and the columns that match none are named in one warning.

The .eml names its attachment in both forms mail clients read: the RFC 2047 encoded word (Outlook,
Foxmail, QQ / 网易 web mail) and RFC 2231 (Thunderbird, Apple Mail, Gmail), on Content-Type (`name`)
and Content-Disposition (`filename`) alike.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import re
import unicodedata
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.base.errors import InputError
from converter.base.refusals import refuse
from converter.base.text import agency_key, decode_text, without_seal_note
from converter.excel.prior import next_year
from converter.excel.template import write_template
from converter.form.definition import Form

NAME_COLUMN = "单位名称"
OPTIONAL_COLUMNS = ("联系人", "邮箱", "联系电话", "截止日期")
# canonical column → the headers offices write for it (compared after NFKC, without spaces, - or _, lower case)
HEADER_SYNONYMS = {
    "单位名称": ("单位名称", "单位", "单位全称", "机关名称", "部门名称", "部门", "填报单位", "报送单位"),
    "联系人": ("联系人", "联系人姓名", "填报人", "经办人"),
    "邮箱": ("邮箱", "电子邮箱", "邮件", "电子邮件", "邮箱地址", "电子邮件地址", "email", "e-mail", "mail",
             "email地址", "联系邮箱"),
    "联系电话": ("联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "办公电话", "电话号码"),
    "截止日期": ("截止日期", "截止时间", "报送截止日期", "报送期限", "截止"),
}
IGNORED_COLUMNS = ("序号", "编号", "no", "no.")  # row numbers: no warning
HEADER_SEARCH_ROWS = 10  # title lines an office puts above the header
SPREADSHEET_SUFFIXES = (".xlsx", ".xls", ".xlsm", ".et", ".ods", ".csv", ".eml", ".docx", ".zip")
MAX_ROSTER_BYTES = 5 * 1024 * 1024
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _header_key(text: str) -> str:
    """A header compared without spaces, - or _, case, and a note in brackets: 单位名称（全称） is 单位名称."""
    text = unicodedata.normalize("NFKC", text)
    bare = re.sub(r"\([^()]*\)", "", text)  # NFKC made （） into ()
    return re.sub(r"[\s\-_]", "", bare or text).lower()


_CANONICAL = {_header_key(alias): name for name, aliases in HEADER_SYNONYMS.items() for alias in aliases}


def canonical_header(header: list[str]) -> tuple[list[str], list[str]]:
    """Each header cell → its canonical column name ("" for columns not used), and the unknown ones."""
    out, unknown, taken = [], [], set()
    for raw in header:
        text = unicodedata.normalize("NFKC", raw).strip()
        name = _CANONICAL.get(_header_key(text), "")
        if name in taken:  # a second 电话 column after 联系电话: the first one wins
            name = ""
        elif name:
            taken.add(name)
        elif text and _header_key(text) not in IGNORED_COLUMNS:
            unknown.append(text)
        out.append(name)
    return out, unknown


def read_roster(path, notes: list | None = None) -> list[dict]:
    """Rows of the roster (dicts keyed by the canonical Chinese column names), agencies with a name only.

    notes: when given, a warning (Chinese) is appended for columns the roster has that are not used."""
    path = Path(path)
    if not path.is_file():
        raise InputError("input.not_found", f"{path}：名单文件不存在", str(path))
    data = path.read_bytes()[: MAX_ROSTER_BYTES + 1]
    if len(data) > MAX_ROSTER_BYTES:
        raise InputError("input.too_large", f"{path}：名单文件过大", str(path))
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # a roster kept in Excel / WPS / LibreOffice
        table = _spreadsheet_rows(path, data)
    else:
        table = _csv_rows(path, data)
    numbered = [(n, r) for n, r in enumerate(table, start=1) if any(c.strip() for c in r)]
    if not numbered:
        raise InputError("roster.empty", f"{path}：名单为空", str(path))
    # the header is the first row naming the agency column: a title line (“2025年度报送单位名单”) may sit above it
    at = next((i for i, (_, r) in enumerate(numbered[:HEADER_SEARCH_ROWS]) if NAME_COLUMN in canonical_header(r)[0]), None)
    if at is None:
        present = "、".join(h.strip() for h in numbered[0][1] if h.strip()) or "无"
        raise refuse("roster.no_name_column", path,
                     detail=f"现有列：{present}；单位名称列可写作{'、'.join(HEADER_SYNONYMS[NAME_COLUMN][:4])}")
    header, unknown = canonical_header(numbered[at][1])
    if unknown and notes is not None:
        notes.append(f"名单中的列{'、'.join(f'“{u}”' for u in unknown)}未使用（可用的列："
                     f"{'、'.join(HEADER_SYNONYMS)}）")
    out = []
    for line, values in numbered[at + 1:]:
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        if _is_total_row(values, row.get(NAME_COLUMN, "")) or _NOT_AN_AGENCY.search(row.get(NAME_COLUMN, "")):
            continue
        if row.get(NAME_COLUMN):
            row[NAME_COLUMN] = without_seal_note(row[NAME_COLUMN]) or row[NAME_COLUMN]
        if row.get(NAME_COLUMN):
            for col in OPTIONAL_COLUMNS:
                row.setdefault(col, "")
            row["_line"] = line
            out.append(row)
    if not out:
        raise InputError("roster.empty", f"{path}：名单中没有单位", str(path))
    return out


def _csv_rows(path: Path, data: bytes) -> list[list[str]]:
    text = decode_text(data, strict=True)
    if text is None:  # pragma: no cover - gb18030 decodes nearly anything
        raise InputError("roster.encoding", f"{path}：无法识别名单文件的编码（应为 UTF-8 或 GBK）", str(path))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",，\t;")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _spreadsheet_rows(path: Path, data: bytes) -> list[list[str]]:
    """The first sheet of an .xlsx / .xls / .ods roster as text cells (a phone typed as a number stays
    digits). The office's own file, read by python-calamine, which reads all three."""
    import python_calamine

    try:
        wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = wb.get_sheet_by_index(0).to_python() if wb.sheet_names else []
    except Exception as e:  # noqa: BLE001 — calamine raises its own kinds
        raise refuse("roster.unreadable", path, detail=f"{type(e).__name__}: {e}") from None
    return [[_cell_text(v) for v in row] for row in rows]


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime) and not (value.hour or value.minute or value.second):
        return value.date().isoformat()
    return "" if value is None else str(value)


_TOTAL_WORDS = {"合计", "总计", "小计", "共计"}
# lines under a list that are no agency: “填表人：王五”, “注：请各单位于…报送”, “说明：…”
_NOT_AN_AGENCY = re.compile(r"^(?:注|备注|说明|附注|填表人|制表人|审核人|联系人|联系电话|填报日期|制表日期|日期)\s*(?:[:：、.．,，]|$)")


def _is_total_row(values: list[str], name: str) -> bool:
    """A 合计 line under the list (“合计, 52个单位”): not an agency."""
    return any(v.strip().replace(" ", "") in _TOTAL_WORDS for v in values) or bool(
        re.fullmatch(r"(共|合计)?\s*\d+\s*[个家]?单位", name.strip()))


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name any OS accepts: illegal characters replaced, no trailing dots or spaces."""
    name = _ILLEGAL.sub("_", unicodedata.normalize("NFC", name)).strip().strip(".")
    return name[:limit] or "未命名单位"


def deadline_date(value: str | None, year: int) -> dt.date | None:
    """The deadline as a date ('2026-01-15', '2026/1/15', '2026年1月15日'); none → 31 January; None if unreadable."""
    value = unicodedata.normalize("NFKC", (value or "").strip())
    if not value:
        return dt.date(year + 1, 1, 31)
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    return None


def deadline_text(value: str | None, year: int) -> str:
    """'2026-01-15' / '2026/1/15' → '2026年1月15日'; anything else as written; none → 31 January."""
    d = deadline_date(value, year)
    if d is None:
        return (value or "").strip()
    return f"{d.year}年{d.month}月{d.day}日"


def workbook_name(agency: str, year: int) -> str:
    return f"{safe_filename(agency)}-{year}年度政府信息公开工作年度报告填报表.xlsx"


_EMAIL = re.compile(r"[^@\s,;，；<>\"]+@[^@\s,;，；<>\"]+\.[^@\s,;，；<>\"]+")


def valid_sender(sender: str) -> str:
    """`--sender` as given when it is an address ('office@x.cn' or '办公室 <office@x.cn>'); refused otherwise."""
    from email.utils import parseaddr  # email costs start-up; only --sender needs it

    _, address = parseaddr(sender or "")
    if not address or not _EMAIL.fullmatch(address) or not re.fullmatch(r"[^<>]*<[^<>]+>|[^<>\s]+", sender.strip()):
        raise refuse("roster.bad_sender", sender)
    return sender.strip()


# ---- the attachment's name, in the forms every mail client reads ----------------------------------
def _encoded_words(text: str, chars: int = 12) -> list[str]:
    """RFC 2047 B-encoded words, each under 75 characters and holding whole characters."""
    return ["=?UTF-8?B?" + base64.b64encode(text[i:i + chars].encode("utf-8")).decode("ascii") + "?="
            for i in range(0, len(text), chars)]


def _rfc2231(param: str, text: str, width: int = 60) -> list[str]:
    """RFC 2231 percent-encoded continuations (name*0*=UTF-8''…; name*1*=…), no %XX split across lines."""
    quoted = "UTF-8''" + urllib.parse.quote(text, safe="")
    parts, current, i = [], "", 0
    while i < len(quoted):
        token = quoted[i:i + 3] if quoted[i] == "%" else quoted[i]
        if current and len(current) + len(token) > width:
            parts.append(current)
            current = ""
        current += token
        i += len(token)
    parts.append(current)
    return [f"{param}*{n}*={part}" for n, part in enumerate(parts)]


def attachment_headers(filename: str, mime: tuple[str, str] = XLSX_MIME) -> dict[str, str]:
    """Content-Type and Content-Disposition naming `filename` both as an RFC 2047 quoted encoded word
    (Outlook, Foxmail, QQ / 网易 mail) and by RFC 2231 (Thunderbird, Apple Mail, Gmail, Python), folded
    to lines under 78 characters."""
    fold = "\r\n "
    words = '"' + fold.join(_encoded_words(filename)) + '"'
    kind = f"{mime[0]}/{mime[1]};"
    if len("Content-Type: ") + len(kind) > 78:  # the xlsx type alone is 66 characters: start it on its own line
        kind = fold.lstrip(" ") + " " + kind
    return {
        "Content-Type": f"{kind}{fold}name={words};{fold}" + f";{fold}".join(_rfc2231("name", filename)),
        "Content-Disposition": f"attachment;{fold}filename={words};{fold}"
                               + f";{fold}".join(_rfc2231("filename", filename)),
    }


def build_eml(agency: str, year: int, to: str, attachment: Path, *, contact: str = "", deadline: str = "",
              sender: str | None = None, form: Form) -> bytes:
    """A draft e-mail (X-Unsent) with the workbook attached, in Chinese; Date in the machine's time zone."""
    from email.message import EmailMessage  # email costs start-up; only drafts need it
    from email.policy import SMTP
    from email.utils import formatdate, make_msgid

    msg = EmailMessage(policy=SMTP)
    msg["Subject"] = f"请于{deadline}前报送{agency}{year}年{form.name}数据"
    msg["To"] = ", ".join(a for a in re.split(r"[;；,，\s]+", to) if a)
    if sender:
        msg["From"] = sender
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="converter.local")
    msg["X-Unsent"] = "1"  # mail clients open it as a draft ready to send
    greeting = f"{contact}：" if contact else f"{agency}："
    body = (
        f"{greeting}\n\n"
        f"    您好！根据《中华人民共和国政府信息公开条例》和{form.basis}的要求，现将{agency}{year}年{form.name}"
        f"数据填报表（附件“{attachment.name}”）发给你们，请认真填写，于{deadline}前将填好的表格回复本邮件报送。\n\n"
        f"    报送截止日期：{deadline}\n\n"
        "    填报要点：\n"
        "    1. 只在浅黄色单元格中填写，不要增删行列、不要修改表头和工作表名称；\n"
        "    2. 数字只填阿拉伯数字，没有发生的事项填 0，不要填“/”“无”或留空；收费金额以万元为单位；\n"
        "    3. 灰色单元格自动合计，✔/✘ 自动核对勾稽关系，请在全部显示“✔ 勾稽关系全部成立”后报送；\n"
        "    4. “文字”工作表填写总体情况、存在的主要问题及改进情况、其他需要报告的事项；\n"
        "    5. 用 Excel、WPS 或 LibreOffice 填写均可，保存为 .xlsx 格式，文件名可保留不变。\n\n"
        "    详见表格中的“填报说明”。如有疑问，请及时联系。\n\n"
        "    谢谢！\n"
    )
    msg.set_content(body, charset="utf-8")
    msg.add_attachment(attachment.read_bytes(), maintype=XLSX_MIME[0], subtype=XLSX_MIME[1],
                       filename=attachment.name)
    part = next(msg.iter_attachments())
    for name, value in attachment_headers(attachment.name).items():
        del part[name]
        part.set_raw(name, value)  # folded by hand: the policy must not re-encode it
    return msg.as_bytes(policy=SMTP.clone(refold_source="none"))


@dataclass
class RosterResult:
    outdir: Path
    items: list = field(default_factory=list)  # dicts: agency, xlsx, eml (or None)
    warnings: list = field(default_factory=list)  # roster rows that look wrong (Chinese, one line each)
    no_address: list = field(default_factory=list)  # agencies without an e-mail address: no .eml

    @property
    def emails(self) -> int:
        return sum(1 for i in self.items if i["eml"])


def _merge_duplicates(rows: list[dict], warnings: list) -> list[dict]:
    """One row per agency (agency_key): blanks of the first filled from the later rows, each repeat warned."""
    first: dict[str, dict] = {}
    lines: dict[str, list[int]] = {}
    out = []
    for row in rows:
        key = agency_key(row[NAME_COLUMN]) or row[NAME_COLUMN]
        if key not in first:
            first[key] = row
            lines[key] = [row["_line"]]
            out.append(row)
            continue
        kept = first[key]
        lines[key].append(row["_line"])
        for col in OPTIONAL_COLUMNS:
            if not kept.get(col) and row.get(col):
                kept[col] = row[col]
    for key, at in lines.items():
        if len(at) > 1:
            row = first[key]
            address = f"，邮件发往“{row['邮箱']}”" if row.get("邮箱") else ""
            warnings.append(f"名单中“{row[NAME_COLUMN]}”出现了 {len(at)} 次（第 {'、'.join(map(str, at))} 行），"
                            f"只生成一份模板{address}；请核对名单")
    return out


def make_roster_templates(roster_path, year: int, outdir, *, deadline: str | None = None,
                          sender: str | None = None, form: Form, priors: dict | None = None,
                          force: bool = False, today: dt.date | None = None) -> RosterResult:
    """One workbook per agency in the roster (agency and year locked) plus an .eml where there is an address.

    Refused (nothing written) when `outdir` names a file, `sender` is not an address, or templates of the
    same names are already in `outdir` (unless `force`). priors: agency_key(agency) → Prior
    (load_prior_dir): each agency found there gets its template pre-filled from last year's report."""
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise refuse("output.not_directory", outdir)
    if not outdir.exists() and outdir.suffix.lower() in SPREADSHEET_SUFFIXES:
        raise refuse("output.roster_needs_folder", outdir)
    if sender:
        sender = valid_sender(sender)
    warnings: list[str] = []
    rows = _merge_duplicates(read_roster(roster_path, warnings), warnings)
    plan, used = [], set()
    for row in rows:
        name = workbook_name(row[NAME_COLUMN], year)
        stem, n = name[:-5], 2
        while name.lower() in used:  # two names that differ only in characters a file name cannot hold
            name, n = f"{stem}-{n}.xlsx", n + 1
        used.add(name.lower())
        plan.append((row, outdir / name))
    existing = [xlsx.name for _, xlsx in plan if xlsx.exists() or xlsx.with_suffix(".eml").exists()]
    if existing and not force:
        raise refuse("output.exists", outdir, count=len(existing),
                     names="、".join(existing[:3]) + ("等" if len(existing) > 3 else ""))
    today = today or dt.date.today()
    past: dict[dt.date, list[str]] = {}
    unreadable: dict[str, list[str]] = {}
    for row, _ in plan:
        value = row.get("截止日期") or deadline
        d = deadline_date(value, year)
        if d is None:
            unreadable.setdefault(value, []).append(row[NAME_COLUMN])
        elif d < today:
            past.setdefault(d, []).append(row[NAME_COLUMN])
    for d, agencies in sorted(past.items()):
        whom = "全部单位" if len(agencies) == len(plan) else _names(agencies)
        warnings.append(f"截止日期 {d.year}年{d.month}月{d.day}日 已经过去（今天是 {today.year}年{today.month}月"
                        f"{today.day}日），涉及{whom}；请核对 --deadline 或名单中的“截止日期”")
    for value, agencies in unreadable.items():
        warnings.append(f"截止日期“{value}”不是日期（应如 2026-01-31），已照写进邮件，涉及{_names(agencies)}")
    outdir.mkdir(parents=True, exist_ok=True)
    result = RosterResult(outdir, warnings=warnings)
    for row, xlsx in plan:
        agency = row[NAME_COLUMN]
        address = (row.get("邮箱") or "").strip()
        if address and not all(_EMAIL.fullmatch(a) for a in re.split(r"[;；,，\s]+", address) if a):
            result.warnings.append(f"“{agency}”的邮箱“{address}”不像有效的邮件地址，已照写进 .eml，请核对")
        prior, prior_findings = None, []
        if priors:
            prior = priors.get(agency_key(agency))
            if prior is not None:
                prior_findings = list(prior.findings) + next_year(prior, year)[1]
        write_template(xlsx, form, agency=agency, year=year, contact=row.get("联系人") or None,
                       phone=row.get("联系电话") or None, prior=prior)
        eml = None
        if address:
            eml = xlsx.with_suffix(".eml")
            write_bytes(eml, build_eml(agency, year, address, xlsx, contact=row.get("联系人", ""),
                                       deadline=deadline_text(row.get("截止日期") or deadline, year),
                                       sender=sender, form=form))
        else:
            result.no_address.append(agency)
        result.items.append({"agency": agency, "xlsx": xlsx, "eml": eml,
                             "prior": prior.path if prior is not None else None, "prior_findings": prior_findings})
    return result


def _names(agencies: list[str], limit: int = 10) -> str:
    shown = "、".join(f"“{a}”" for a in agencies[:limit])
    return shown + (f"等 {len(agencies)} 个单位" if len(agencies) > limit else "")
