"""The command line: each command parses options, calls one library function, renders the result."""
from __future__ import annotations

import json
import re
import sys
import unicodedata

import click
import click._textwrap as _textwrap
import click.formatting

from converter import __version__
from converter.api import check_file, report_file
from converter.base.atomic import check_not_input, write_text
from converter.base.refusals import os_reason, refuse
from converter.engine.findings import count_by_severity, has_errors
from converter.engine.schema import schema_text
from converter.excel.annotate import annotate as write_annotated
from converter.excel.prior import agency_notes, next_year
from converter.excel.read import read_workbook
from converter.excel.template import write_template
from converter.form.definition import DEFAULT_FORM, available_forms, resolve_form
from converter.inputs.priors import load_prior, load_prior_dir
from converter.published import import_file
from converter.render import findings_text
from converter.round.batch import run_batch
from converter.round.roster import make_roster_templates
from converter.base.errors import InputError

# click's own words (Usage, Options, error hints) in Chinese: users read nothing in English.
_ZH = {
    "Usage:": "用法：", "Options": "选项", "Commands": "命令", "Show this message and exit.": "显示帮助并退出。",
    "Show the version and exit.": "显示版本并退出。", "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行“{command} {option}”查看帮助。",
    "Missing argument": "缺少参数", "Missing option": "缺少选项", "Missing parameter": "缺少参数",
    "No such option {name!r}.": "没有选项 {name!r}。", "No such command {name!r}.": "没有命令 {name!r}。",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "Invalid value: {message}": "值无效：{message}", "Aborted!": "已中止。", "Missing command.": "缺少命令。",
    "{value!r} is not one of {choices}.": "{value!r} 不是可选值 {choices} 之一。",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件。",
    "file": "文件", "directory": "文件夹", "path": "路径", "integer": "整数",
    "default: {default}": "默认：{default}", "%(prog)s, version %(version)s": "%(prog)s 版本 %(version)s",
    "{value!r} is not {choice}.": "{value!r} 不是可选值 {choice}。", "required": "必填",
    "{value} is not in the range {range}.": "{value} 不在允许的范围 {range} 内。",
    "Got unexpected extra argument ({args})": "多余的参数（{args}）",
    "Got unexpected extra arguments ({args})": "多余的参数（{args}）",
    "Did you mean {possibility}?": "是不是要用 {possibility}？",
    "(Did you mean one of: {possibilities}?)": "（是不是要用其中之一：{possibilities}？）",
}


def _zh(text: str) -> str:
    return _ZH.get(text, text)


def _nzh(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


for _module in ("core", "exceptions", "formatting", "decorators", "types", "parser"):
    _mod = sys.modules.get(f"click.{_module}")
    if _mod is not None and hasattr(_mod, "_"):
        _mod._ = _zh
    if _mod is not None and hasattr(_mod, "ngettext"):
        _mod.ngettext = _nzh

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

# Help text is Chinese: click measures one column per character and breaks only at spaces, so lines ran
# to twice the terminal's width and broke inside words. Measure display columns (CJK takes two) and let
# lines break between Chinese characters, never before a closing mark nor inside a short “quoted term”.
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’"
_OPEN, _CLOSE = "（《「『“‘", "，。；：、）》」』”’！？"
_CHUNK = re.compile(rf"“[^”\s]{{1,12}}”[{_CLOSE}]*|[{_OPEN}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{_CLOSE}]*|\s+|.", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def _columns(text: str) -> int:
    return sum(2 if _is_wide(c) else 1 for c in _ANSI.sub("", text))


def _join_lines(text: str | None) -> str | None:
    """A docstring paragraph's lines joined as click does, but with no space between Chinese characters."""
    if not text:
        return text
    paragraphs = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(p if p.lstrip().startswith("\b") else re.sub(
        r"(\S)[ \t]*\n[ \t]*(?=(\S))",
        lambda m: m.group(1) + ("" if _is_wide(m.group(1)) or _is_wide(m.group(2)) else " "), p) for p in paragraphs)


_textwrap.TextWrapper._split = lambda self, text: _CHUNK.findall(text)
_textwrap.term_len = _columns
click.formatting.term_len = _columns


def _form_option(default: str | None):
    """--form: a bundled edition's id or a definition file; resolved (and checked) before the command runs."""
    words = (f"表式：内置表式编号或表式定义文件（.json）的路径。可用：{'、'.join(available_forms())}。"
             + ("" if default else "不给出时按文件自身的表式（表格中的模板标记、JSON 的 form、已公开报告的内容）识别；"
                "给出时其他表式的文件不予处理。"))
    return click.option("--form", "form", default=default, show_default=bool(default), metavar="表式", help=words,
                        callback=lambda ctx, param, value: _resolve(value))


def _resolve(value):
    if value is None:
        return None
    try:
        return resolve_form(value)
    except InputError as e:
        raise click.BadParameter(e.message, param_hint="--form") from None


def fail_on_input_error(fn):
    """InputError is "cannot proceed": one Chinese line on stderr, exit 2, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            if kwargs.get("fmt") == "json":  # a program asked for JSON: it gets JSON, refusals included
                click.echo(json.dumps({"error": e.to_dict()}, ensure_ascii=False, indent=2))
            click.echo(click.style("无法处理：", fg="red", bold=True) + e.message + click.style(f"（{e.code}）", dim=True),
                       err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="converter")
def main():
    """政府信息公开工作年度报告工具：生成填报模板、读取和校验报送表格、生成 Word 年度报告、批量汇总。

    \b
    一年的工作流程：
      converter template --roster 名单.csv --year 2025 -o 下发/     每个单位一份填报模板和待发邮件
      converter batch 收件/ -o 输出/ --roster 名单.csv              批量校验报回表格，生成报告和汇总表
      converter check 某单位.xlsx --annotate 问题标注.xlsx           校验一份，标出问题
      converter report 某单位.xlsx -o 报告.docx                     生成 Word 年度报告
      converter import 上年报告.html -o 2024.json                   读取已公开的报告
    """


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str), metavar="文件")
@click.option("--prior", type=click.Path(readable=False, path_type=str), metavar="上年文件",
              help="上一年度的报告（JSON、填报表格，或已公开的网页 / Word / 文字），用于核对上年结转、现行有效件数等跨年度数据。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序使用。")
@click.option("--annotate", type=click.Path(dir_okay=False, path_type=str), metavar="标注.xlsx",
              help="另存一份标注了问题的填报表格（问题单元格标红并加批注，附“问题清单”），供退回修改。")
@_form_option(None)
@fail_on_input_error
def check(file, prior, fmt, annotate, form):
    """校验一份年度报告（JSON 或填报表格 .xlsx）。

    逐项核对表格勾稽关系和填写规范，列出全部问题。退出码：0 无错误，1 有错误，2 文件无法使用。
    """
    if annotate:
        check_not_input(annotate, file, prior)
    result = check_file(file, prior, form=form)
    if annotate:
        write_annotated(result.loaded, result.findings, annotate)
        click.echo(f"已写入标注表格 {annotate}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        report = result.loaded.report
        title = f"检查 {file}（{report.get('agency') or '未填单位'} {report.get('year') or '?'} 年度）"
        click.echo(findings_text(result.findings, title))
    sys.exit(0 if result.ok else 1)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@_form_option(DEFAULT_FORM)
def schema(form):
    """输出报告 JSON 的 JSON Schema（供其他系统对接）。"""
    click.echo(schema_text(form), nl=False)


def _parse_sign_date(ctx, param, value):
    if value is None:
        return None
    import datetime
    import re

    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(value)
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"“{value}”不是有效日期，格式应为 YYYY-MM-DD，例如 2026-01-20") from None


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str), metavar="文件")
@click.option("-o", "--output", "out", type=click.Path(path_type=str), metavar="输出.docx",
              help="生成的文件，按扩展名决定格式：.docx Word 文档，.html 网页，.pdf PDF（PDF/A，需要 LibreOffice）。"
                   "默认与输入文件同名，扩展名 .docx。")
@click.option("--fragment", is_flag=True,
              help="网页只写正文部分（不含 <html>、<head>），可直接粘贴到网站内容管理系统的编辑器中。")
@click.option("--blank-as-zero", is_flag=True, help="表格中的空白单元格写为 0（默认保持空白）。")
@click.option("--sign-date", callback=_parse_sign_date, metavar="YYYY-MM-DD",
              help="落款日期；给出时在文末写上单位名称和日期。")
@click.option("--force", is_flag=True, help="校验有错误时仍然生成，文件标注为“草稿”，不得公开发布。")
@_form_option(None)
@fail_on_input_error
def report(file, out, fragment, blank_as_zero, sign_date, force, form):
    """按国家规定格式生成年度报告：Word 文档、网页或 PDF（输入为 JSON 或填报表格 .xlsx）。

    网页的样式全部写在标签内，整页或 --fragment 的正文可直接粘贴到网站编辑器；PDF 由 LibreOffice 转换。
    先校验数据：有错误时不生成并列出错误，除非加 --force（生成标注“草稿”的文件）。

    退出码：0 已生成，1 有错误未生成，2 文件无法使用。
    """
    if fragment and not (out or "").lower().endswith((".html", ".htm")):
        raise click.UsageError("--fragment 只用于网页输出（-o 报告.html）")
    result = report_file(file, out, blank_as_zero=blank_as_zero, sign_date=sign_date, force=force,
                         fragment=fragment, form=form)
    who = f"{result.agency or '未填单位'} {result.year or '?'} 年度"
    if not result.written:
        click.echo(findings_text(result.findings, f"检查 {file}（{who}）"))
        click.echo(click.style("未生成报告：请先改正上述错误，或加 --force 生成草稿。", fg="red"), err=True)
        sys.exit(1)
    counts = count_by_severity(result.findings)
    if result.draft:
        click.echo(findings_text(result.findings, f"检查 {file}（{who}）"))
        click.echo(click.style(f"已生成草稿 {result.out}（有 {counts['error']} 项错误，标注为“草稿”，不得公开发布）",
                               fg="yellow", bold=True))
    else:
        shown = [f for f in result.findings if f.code == "report.text_cleaned"]
        for f in shown:
            click.echo(click.style("! ", fg="yellow") + f.message)
        note = f"（{counts['warning']} 项警告，可运行 converter check {file} 查看）" if counts["warning"] else ""
        click.echo(click.style(f"已生成 {result.out}", fg="green", bold=True) + note)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("inbox", type=click.Path(path_type=str), metavar="收件文件夹")
@click.option("-o", "--output", "outbox", required=True, type=click.Path(path_type=str), metavar="输出文件夹",
              help="输出文件夹：报告、退回修改的标注表格、汇总表和 manifest.json 写在这里。")
@click.option("--roster", type=click.Path(path_type=str), metavar="名单.csv",
              help="单位名单（CSV，含“单位名称”列），用于列出未报送和重复报送的单位。")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N", help="并行进程数（默认：全部 CPU 核）。")
@click.option("--prior", type=click.Path(path_type=str), metavar="上年文件夹",
              help="上一年度各单位报告所在的文件夹（JSON、填报表格或发布的网页/Word/PDF/文本），按单位名称对应，核对跨年度数据。")
@click.option("--year", type=click.IntRange(2000, 2100), metavar="年度",
              help="本轮的报告年度；其他年度的表格记为“年度不符”（默认：多数表格的年度）。")
@click.option("--force", is_flag=True, help="全部重新处理（默认跳过内容和工具版本都未变化的文件）。")
@_form_option(None)
@fail_on_input_error
def batch(inbox, outbox, roster, jobs, prior, year, force, form):
    """批量处理一轮报回的填报表格（.xlsx / .xls / .ods，含子文件夹），或各单位已发布的年度报告（.html / .htm /
    .pdf / .docx / .txt，用于年报质量检查），按单位给出结论。

    每个单位以最新报送的文件为准（旧的记为“已被替代”）；没有错误的填报表格生成 Word 年度报告，有错误的生成标注了问题的
    表格供退回修改；已发布的报告只检查、不再生成 Word 报告（另查发布是否逾期、是否照抄上年文字、是否缺章节或表格）；
    其他年度的记为“年度不符”，既不是电子表格也不是年度报告的文件（报送函、图片等）记为“已忽略”。并生成汇总表、合计.json。
    退出码：0 全部通过，1 有单位存在错误或年度不符，2 有文件无法读取。
    """
    bar = _progress_bar()
    try:
        result = run_batch(inbox, outbox, roster=roster, jobs=jobs, force=force, prior=prior, year=year, form=form,
                           progress=bar.update if bar else None)
    except KeyboardInterrupt:
        click.echo("\n已中止：已完成的文件保持完整，未完成的没有留下半截文件。", err=True)
        sys.exit(130)
    finally:
        if bar:
            bar.close()
    click.echo(result.year_line())
    for message in result.prior_skipped:
        click.echo(click.style("上年报告未使用：", fg="yellow") + message, err=True)
    for line in result.attention():
        colour = "red" if line.startswith(("有错误", "无法读取", "年度不符")) else "yellow"
        click.echo(click.style("  " + line, fg=colour))
    click.echo(result.closing_line())
    click.echo(f"汇总表：{result.summary_path}；合计：{result.rollup_path}")
    sys.exit(result.exit_code)


class _Bar:
    """A one-line progress display on a terminal: counts by status as files finish."""

    def __init__(self):
        self.counts = {}
        self.started = False

    def update(self, done, total, item):
        self.counts[item["status"]] = self.counts.get(item["status"], 0) + 1
        text = "  ".join(f"{k} {v}" for k, v in self.counts.items())
        filled = int(24 * done / total) if total else 24
        bar = "█" * filled + "·" * (24 - filled)
        click.echo(f"\r{bar} {done}/{total}  {text}\033[K", nl=False, err=True)
        self.started = True

    def close(self):
        if self.started:
            click.echo("", err=True)


def _progress_bar():
    return _Bar() if sys.stderr.isatty() else None



@main.command("import", context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str), metavar="文件")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), metavar="输出.json",
              help="把报告 JSON 写入此文件（默认输出到屏幕）。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="读取情况的输出格式：text 供人阅读，json 供其他程序使用。")
@_form_option(None)
@fail_on_input_error
def import_cmd(file, output, fmt, form):
    """读取已公开的年度报告（网页 .html/.htm、Word .docx、PDF .pdf、复制的文字 .txt），转为报告 JSON。

    按标题、章节和表格的行列名称识别内容；无法识别或推断出来的内容列在读取情况中。
    2019 年试行格式的报告不予读取。退出码：0 已读取，2 文件无法使用。
    """
    loaded = import_file(file, form)
    text = json.dumps(loaded.report, ensure_ascii=False, indent=2) + "\n"
    if output:
        check_not_input(output, file)
        write_text(output, text)
    else:
        click.echo(text, nl=False)
    if fmt == "json":
        click.echo(json.dumps({"file": file, "output": output, "findings": [f.to_dict() for f in loaded.findings]},
                              ensure_ascii=False, indent=2), err=True)
    else:
        report = loaded.report
        title = f"读取 {file}（{report.get('agency') or '未识别单位'} {report.get('year') or '?'} 年度）"
        body = findings_text(loaded.findings, title)
        # the verdict line of findings_text speaks of errors in a report; here it is only what reading found
        click.echo("\n".join(body.split("\n")[:-1]) if loaded.findings else title, err=True)
        if output:
            click.echo(f"已写入 {output}", err=True)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.option("-o", "--output", "out", required=True, type=click.Path(path_type=str), metavar="输出",
              help="生成的模板文件（.xlsx）；用 --roster 时为输出文件夹。")
@click.option("--agency", metavar="单位名称", help="填报单位（填入封面并锁定）。")
@click.option("--year", type=click.IntRange(2021, 2100), metavar="年度", help="报告年度（填入封面并锁定）。")
@click.option("--roster", type=click.Path(dir_okay=False, path_type=str), metavar="名单.csv",
              help="单位名单 CSV（“单位名称”列，可选“联系人”“邮箱”“联系电话”“截止日期”列，也认“单位”“电子邮箱”“电话”等"
                   "写法；UTF-8 或 GBK）：每个单位生成一份模板，有邮箱的同时生成可直接发送的 .eml 邮件。")
@click.option("--deadline", metavar="YYYY-MM-DD", callback=lambda c, p, v: v and _parse_sign_date(c, p, v).isoformat(),
              help="报送截止日期（名单中没有“截止日期”时使用），默认次年 1 月 31 日。")
@click.option("--sender", metavar="邮箱", help=".eml 邮件的发件人地址，如 office@example.gov.cn。")
@click.option("--force", is_flag=True, help="用 --roster 时覆盖输出文件夹中已有的同名模板和邮件。")
@click.option("--prior", type=click.Path(path_type=str), metavar="上年文件",
              help="上一年度的报告（JSON、填报表格或已公开的网页/Word/PDF/文字）：按上年“结转下年度”预填本年“上年结转”，"
                   "在表二旁列出上年现行有效件数；未给出时单位名称和年度（上年 + 1）也取自上年报告。")
@click.option("--prior-dir", type=click.Path(file_okay=False, path_type=str), metavar="上年文件夹",
              help="与 --roster 一起使用：存放各单位上年报告的文件夹，按报告中的单位名称对应到名单中的单位。")
@_form_option(DEFAULT_FORM)
@fail_on_input_error
def template(out, agency, year, roster, deadline, sender, force, prior, prior_dir, form):
    """生成供各单位填写的 Excel 填报模板（.xlsx）。

    \b
    converter template -o 模板.xlsx --agency 某某局 --year 2025
    converter template -o 模板.xlsx --prior 某某局-2024.json       预填上年结转
    converter template --roster 名单.csv --year 2025 -o 模板文件夹 [--prior-dir 上年报告文件夹]
    """
    import time

    started = time.perf_counter()
    if roster:
        if year is None:
            raise click.UsageError("使用 --roster 时必须给出 --year")
        if prior:
            raise click.UsageError("--prior 只用于生成单个模板；使用 --roster 时请用 --prior-dir 给出上年报告文件夹")
        priors = None
        if prior_dir:
            priors, notes = load_prior_dir(prior_dir, form)
            for note in notes:
                click.echo(click.style("! ", fg="yellow") + note, err=True)
        result = make_roster_templates(roster, year, out, deadline=deadline, sender=sender, form=form,
                                       priors=priors, force=force)
        for warning in result.warnings:
            click.echo(click.style("! ", fg="yellow") + warning, err=True)
        for item in result.items:
            for f in item.get("prior_findings", ()):
                click.echo(click.style("! ", fg="yellow") + f"{item['agency']}：{f.message}", err=True)
        carried = sum(1 for i in result.items if i.get("prior"))
        extra = f"，其中 {carried} 份按上年报告预填" if prior_dir else ""
        click.echo(f"已在 {out} 生成 {len(result.items)} 份填报模板{extra}、{result.emails} 封待发邮件（.eml），"
                   f"用时 {time.perf_counter() - started:.1f} 秒")
        if result.no_address:
            click.echo(click.style("! ", fg="yellow") + f"{len(result.no_address)} 个单位名单中没有邮箱，未生成邮件，"
                       "请另行发送模板：" + "、".join(result.no_address), err=True)
        if prior_dir:
            missing = [i["agency"] for i in result.items if not i.get("prior")]
            if missing:
                click.echo(click.style("! ", fg="yellow") + f"{len(missing)} 个单位没有找到上年报告，模板未预填："
                           + "、".join(missing[:20]) + ("等" if len(missing) > 20 else ""), err=True)
        return
    if prior_dir:
        raise click.UsageError("--prior-dir 只与 --roster 一起使用；生成单个模板时请用 --prior")
    if not out.lower().endswith(".xlsx"):
        raise click.BadParameter("输出文件扩展名应为 .xlsx", param_hint="-o")
    last = None
    if prior:
        last = load_prior(prior, form)
        year, notes = next_year(last, year)
        notes = list(last.findings) + notes + agency_notes(last, agency)
        agency = agency or last.agency or None
        for f in notes:
            click.echo(click.style("! ", fg="yellow") + f"上年报告 {prior}：{f.message}", err=True)
    try:
        write_template(out, form, agency=agency, year=year, prior=last)
    except OSError as e:
        raise refuse("output.unwritable", out, reason=os_reason(e)) from None
    if last is not None:
        click.echo(f"已生成填报模板 {out}（{agency or '未填单位'} {year} 年度，已按 {prior} 预填上年结转）")
    else:
        click.echo(f"已生成填报模板 {out}")


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str), metavar="文件.xlsx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), metavar="输出.json",
              help="把报告 JSON 写入文件（默认输出到屏幕）。")
@click.option("--year", type=int, metavar="年度", help="要求的报告年度：表格是其他年度的则不读取。")
@_form_option(None)
@fail_on_input_error
def read(file, output, year, form):
    """读取一份填报表格（.xlsx），输出报告 JSON。

    读取中发现的问题（如“12件”按 12 读取、“/”按空白读取）列在标准错误输出。
    退出码：0 已读取，1 已读取但有无法识别的内容，2 文件无法使用。
    """
    if output:
        check_not_input(output, file)
    loaded = read_workbook(file, year=year, form=form)
    text = json.dumps(loaded.report, ensure_ascii=False, indent=2) + "\n"
    if output:
        write_text(output, text)
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(text, nl=False)
    if loaded.findings:
        report = loaded.report
        title = f"读取 {file}（{report.get('agency') or '未填单位'} {report.get('year') or '?'} 年度）"
        click.echo("\n".join(findings_text(loaded.findings, title).split("\n")[:-1]), err=True)
    sys.exit(1 if has_errors(loaded.findings) else 0)


for _command in (main, *main.commands.values()):
    _command.help = _join_lines(_command.help)


if __name__ == "__main__":
    main()
