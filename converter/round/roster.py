"""A roster of agencies → one template per agency and a ready-to-send .eml for each with an address.

The roster is a CSV with a 单位名称 column and optional 联系人 / 邮箱 / 截止日期 columns, in UTF-8
(with or without BOM) or GBK, as Excel on Chinese Windows saves it.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from converter.base.atomic import write_bytes
from converter.base.errors import InputError
from converter.base.text import agency_key
from converter.excel.prior import next_year
from converter.excel.template import write_template
from converter.form.definition import Form

NAME_COLUMN = "单位名称"
OPTIONAL_COLUMNS = ("联系人", "邮箱", "截止日期")
MAX_ROSTER_BYTES = 5 * 1024 * 1024
XLSX_MIME = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
_ILLEGAL = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def read_roster(path) -> list[dict]:
    """Rows of the roster (dicts keyed by the Chinese column names), agencies with a name only."""
    path = Path(path)
    if not path.is_file():
        raise InputError("input.not_found", f"{path}：名单文件不存在", str(path))
    data = path.read_bytes()[: MAX_ROSTER_BYTES + 1]
    if len(data) > MAX_ROSTER_BYTES:
        raise InputError("input.too_large", f"{path}：名单文件过大", str(path))
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:  # pragma: no cover - gb18030 decodes nearly anything
        raise InputError("roster.encoding", f"{path}：无法识别名单文件的编码（应为 UTF-8 或 GBK）", str(path))
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",，\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    rows = [r for r in reader if any(c.strip() for c in r)]
    if not rows:
        raise InputError("roster.empty", f"{path}：名单为空", str(path))
    header = [unicodedata.normalize("NFKC", h).strip().replace(" ", "") for h in rows[0]]
    if NAME_COLUMN not in header:
        raise InputError("roster.no_name_column",
                         f"{path}：名单第一行缺少“{NAME_COLUMN}”列（现有列：{'、'.join(h for h in header if h) or '无'}）",
                         str(path))
    out = []
    for values in rows[1:]:
        row = {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        if row.get(NAME_COLUMN):
            for col in OPTIONAL_COLUMNS:
                row.setdefault(col, "")
            out.append(row)
    if not out:
        raise InputError("roster.empty", f"{path}：名单中没有单位", str(path))
    return out


def safe_filename(name: str, limit: int = 80) -> str:
    """A file name any OS accepts: illegal characters replaced, no trailing dots or spaces."""
    name = _ILLEGAL.sub("_", unicodedata.normalize("NFC", name)).strip().strip(".")
    return name[:limit] or "未命名单位"


def deadline_text(value: str | None, year: int) -> str:
    """'2026-01-15' / '2026/1/15' → '2026年1月15日'; anything else as written; none → 31 January."""
    value = (value or "").strip()
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", value)
    if m:
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            return f"{d.year}年{d.month}月{d.day}日"
        except ValueError:
            return value
    return value or f"{year + 1}年1月31日"


def workbook_name(agency: str, year: int) -> str:
    return f"{safe_filename(agency)}-{year}年度政府信息公开工作年度报告填报表.xlsx"


def build_eml(agency: str, year: int, to: str, attachment: Path, *, contact: str = "", deadline: str = "",
              sender: str | None = None, form: Form) -> bytes:
    """A draft e-mail (X-Unsent) with the workbook attached, in Chinese."""
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
    return msg.as_bytes()


@dataclass
class RosterResult:
    outdir: Path
    items: list = field(default_factory=list)  # dicts: agency, xlsx, eml (or None)
    warnings: list = field(default_factory=list)  # roster rows that look wrong (Chinese, one line each)

    @property
    def emails(self) -> int:
        return sum(1 for i in self.items if i["eml"])


def _atomic_write(path: Path, data: bytes) -> None:
    write_bytes(path, data)


_EMAIL = re.compile(r"[^@\s,;，；]+@[^@\s,;，；]+\.[^@\s,;，；]+")


def make_roster_templates(roster_path, year: int, outdir, *, deadline: str | None = None,
                          sender: str | None = None, form: Form, priors: dict | None = None) -> RosterResult:
    """One workbook per agency in the roster (agency and year locked) plus an .eml where there is an address.

    priors: agency_key(agency) → template_prior.Prior (load_prior_dir): each agency found there gets its
    template pre-filled from its own last year's report."""
    rows = read_roster(roster_path)
    outdir = Path(outdir)
    if outdir.exists() and not outdir.is_dir():
        raise InputError("output.not_directory", f"{outdir}：已存在同名文件，请指定一个文件夹", str(outdir))
    outdir.mkdir(parents=True, exist_ok=True)
    result = RosterResult(outdir)
    used: set[str] = set()
    seen: set[str] = set()
    for row in rows:
        agency = row[NAME_COLUMN]
        if agency in seen:
            result.warnings.append(f"名单中“{agency}”出现了不止一次，已分别生成模板（文件名加序号），请核对名单")
        seen.add(agency)
        address = (row.get("邮箱") or "").strip()
        if address and not _EMAIL.fullmatch(address):
            result.warnings.append(f"“{agency}”的邮箱“{address}”不像有效的邮件地址，已照写进 .eml，请核对")
        name = workbook_name(agency, year)
        stem, n = name[:-5], 2
        while name.lower() in used:
            name, n = f"{stem}-{n}.xlsx", n + 1
        used.add(name.lower())
        xlsx = outdir / name
        prior, prior_findings = None, []
        if priors:
            prior = priors.get(agency_key(agency))
            if prior is not None:
                prior_findings = list(prior.findings) + next_year(prior, year)[1]
        write_template(xlsx, form, agency=agency, year=year, contact=row.get("联系人") or None, prior=prior)
        eml = None
        to = row.get("邮箱", "").strip()
        if to:
            eml = xlsx.with_suffix(".eml")
            _atomic_write(eml, build_eml(agency, year, to, xlsx, contact=row.get("联系人", ""),
                                         deadline=deadline_text(row.get("截止日期") or deadline, year),
                                         sender=sender, form=form))
        result.items.append({"agency": agency, "xlsx": xlsx, "eml": eml,
                             "prior": prior.path if prior is not None else None, "prior_findings": prior_findings})
    return result
