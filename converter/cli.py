"""The command line: each command parses options, calls one library function, renders the result."""
from __future__ import annotations

import functools
import json
import os
import re
import sys

import click

from converter import __version__
from converter.api import (check_file, import_report, make_template, make_templates, read_file, report_file, run_batch,
                           schema_text)
from converter.engine.style import bundled_styles, load_style
from converter.round.batch import FORMATS as BATCH_FORMATS
from converter.base.errors import InputError
from converter.base.internal import internal_error
from converter.engine.findings import count_by_severity
from converter.form.definition import DEFAULT_FORM, available_forms, resolve_form
from converter.render import findings_text
from converter.cli_chinese import Choice, Group, IntRange, Option

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
option = functools.partial(click.option, cls=Option)


def _form_option(default: str | None):
    """--form: a bundled edition's id or a definition file; resolved (and checked) before the command runs."""
    words = (f"表式：内置表式编号或表式定义文件（.json）的路径。可用：{'、'.join(available_forms())}。"
             + ("" if default else "不给出时按文件自身的表式（表格中的模板标记、JSON 的 form、已公开报告的内容）识别；"
                "给出时其他表式的文件不予处理。"))
    return option("--form", "form", default=default, show_default=bool(default), metavar="表式", help=words,
                        callback=lambda ctx, param, value: _resolve(value))


def _style_option():
    """--style: a bundled house style or a reference Word document the agency hands out."""
    return option("--style", "style", metavar="样式", help=(
        f"版式：内置样式（{'、'.join(bundled_styles())}；默认 gbt9704 即 GB/T 9704，gbk 为方正 _GBK 字体），"
        "或参考 Word 文档（.docx）的路径：使用其中的页面设置，样式（标题、标题1、标题2、正文、表格）的字体字号，"
        "正文行距和页码格式；没有设置的部分按 GB/T 9704。"))


def _style_notes(findings) -> None:
    for f in findings:
        if f.code.startswith("style."):
            click.echo(click.style("! ", fg="yellow") + f.message, err=True)


def _resolve(value):
    if value is None:
        return None
    try:
        return resolve_form(value)
    except InputError as e:
        raise click.BadParameter(e.message, param_hint="--form") from None


def fail_on_input_error(fn):
    """InputError is "cannot proceed": one Chinese line on stderr, exit 2, never a traceback. An exception
    of the program itself is said to be ours (internal.error), with the traceback in the error log."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            _refused(e, kwargs.get("fmt"))
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:  # `converter batch … | head`: the reader left; the work itself is done
            _quiet_stdout()
            sys.exit(0)
        except Exception as e:  # noqa: BLE001 — a bug of ours: say so, never blame the file
            _refused(internal_error(kwargs.get("file") or kwargs.get("inbox") or "converter", e), kwargs.get("fmt"))

    return wrapper


def _quiet_stdout() -> None:
    """Point stdout at the null device, so Python's flush at exit does not raise on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _refused(e: InputError, fmt) -> None:
    if fmt == "json":  # a program asked for JSON: it gets JSON, refusals included
        click.echo(json.dumps({"error": e.to_dict()}, ensure_ascii=False, indent=2))
    click.echo(click.style("无法处理：", fg="red", bold=True) + e.message + click.style(f"（{e.code}）", dim=True),
               err=True)
    sys.exit(2)


@click.group(cls=Group, context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="converter", message="%(prog)s 版本 %(version)s",
                      help="显示版本并退出。")
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
@option("--prior", type=click.Path(readable=False, path_type=str), metavar="上年文件",
              help="上一年度的报告（JSON、填报表格，或已公开的网页 / Word / 文字），用于核对上年结转、现行有效件数等跨年度数据。")
@option("--format", "fmt", type=Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序使用。")
@option("--annotate", type=click.Path(dir_okay=False, path_type=str), metavar="标注.xlsx",
              help="另存一份标注了问题的填报表格（问题单元格标红并加批注，附“问题清单”），供退回修改。")
@_form_option(None)
@fail_on_input_error
def check(file, prior, fmt, annotate, form):
    """校验一份年度报告（JSON、填报表格 .xlsx / .xls / .ods，或已发布的网页、Word、PDF、文字）。

    逐项核对表格勾稽关系和填写规范，列出全部问题。退出码：0 无错误，1 有错误，2 文件无法使用。
    """
    result = check_file(file, prior, form=form, annotate=annotate)
    if annotate:
        click.echo(f"已写入标注表格 {annotate}", err=True)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        title = f"检查 {file}（{_who(result)}）"
        click.echo(findings_text(result.findings, title))
    sys.exit(0 if result.ok else 1)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@_form_option(DEFAULT_FORM)
def schema(form):
    """输出报告 JSON 的 JSON Schema（供其他系统对接）。"""
    click.echo(schema_text(form), nl=False)


def _who(result, nobody: str = "未填单位") -> str:
    """单位 and 年度 of a result as a title says them: 衡阳市商务局 2025 年度 / 未填单位，未填年度."""
    year = f"{result.year} 年度" if result.year else "未填年度"
    return f"{result.agency} {year}" if result.agency else f"{nobody}，{year}"


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
@option("-o", "--output", "out", type=click.Path(path_type=str), metavar="输出.docx",
              help="生成的文件，按扩展名决定格式：.docx Word 文档，.html 网页，.pdf PDF（PDF/A，需要 LibreOffice）。"
                   "默认与输入文件同名，扩展名 .docx。")
@option("--fragment", is_flag=True,
              help="网页只写正文部分（不含 <html>、<head>），可直接粘贴到网站内容管理系统的编辑器中。")
@option("--blank-as-zero", is_flag=True, help="表格中的空白单元格写为 0（默认保持空白）。")
@option("--sign-date", callback=_parse_sign_date, metavar="YYYY-MM-DD",
              help="落款日期；给出时在文末写上单位名称和日期。")
@option("--force", is_flag=True, help="校验有错误时仍然生成，文件标注为“草稿”，不得公开发布。")
@_style_option()
@_form_option(None)
@fail_on_input_error
def report(file, out, fragment, blank_as_zero, sign_date, force, style, form):
    """按国家规定格式生成年度报告：Word 文档、网页或 PDF（输入为 JSON 或填报表格 .xlsx）。

    网页的样式全部写在标签内，整页或 --fragment 的正文可直接粘贴到网站编辑器；PDF 由 LibreOffice 转换。
    先校验数据：有错误时不生成并列出错误，除非加 --force（生成标注“草稿”的文件）。

    退出码：0 已生成，1 有错误未生成，2 文件无法使用。
    """
    if fragment and not (out or "").lower().endswith((".html", ".htm")):
        raise click.UsageError("--fragment 只用于网页输出（-o 报告.html）")
    result = report_file(file, out, blank_as_zero=blank_as_zero, sign_date=sign_date, force=force,
                         fragment=fragment, form=form, style=style)
    if result.written and not result.draft:  # otherwise the findings below include them
        _style_notes(result.findings)
    who = _who(result)
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


def _parse_formats(ctx, param, value):
    names = [v.strip().lower() for v in re.split(r"[,，、\s]+", value or "") if v.strip()]
    unknown = [n for n in names if n not in BATCH_FORMATS]
    if unknown or not names:
        raise click.BadParameter(f"“{value}”中有不支持的格式{'“' + '、'.join(unknown) + '”' if unknown else ''}；"
                                 f"可选 {','.join(BATCH_FORMATS)}，用逗号分隔，例如 docx,html,pdf")
    return tuple(dict.fromkeys(names))


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("inbox", type=click.Path(path_type=str), metavar="收件文件夹")
@option("-o", "--output", "outbox", required=True, type=click.Path(path_type=str), metavar="输出文件夹",
              help="输出文件夹：报告、退回修改的标注表格、汇总表和 manifest.json 写在这里。")
@option("--roster", type=click.Path(path_type=str), metavar="名单.csv",
              help="单位名单（CSV，含“单位名称”列），用于列出未报送和重复报送的单位。")
@option("--jobs", "-j", type=IntRange(min=1), metavar="N", help="并行进程数（默认：全部 CPU 核）。")
@option("--prior", type=click.Path(path_type=str), metavar="上年文件夹",
              help="上一年度各单位报告所在的文件夹（JSON、填报表格或发布的网页/Word/PDF/文本），按单位名称对应，核对跨年度数据。")
@option("--year", type=IntRange(2000, 2100), metavar="年度",
              help="本轮的报告年度；其他年度的表格记为“年度不符”（默认：多数表格的年度）。")
@option("--formats", callback=_parse_formats, default="docx", show_default=True, metavar="格式",
        help="报告的格式，逗号分隔：docx Word 文档，html 网页，pdf PDF（需要 LibreOffice，全部报告在同一个 "
             "LibreOffice 进程中转换）。例如 --formats docx,html,pdf。")
@option("--sign-date", callback=_parse_sign_date, metavar="YYYY-MM-DD",
        help="落款日期；给出时每份报告文末写上单位名称和日期（与 converter report --sign-date 相同）。")
@option("--force", is_flag=True, help="全部重新处理（默认跳过内容和工具版本都未变化的文件）。")
@_style_option()
@_form_option(None)
@fail_on_input_error
def batch(inbox, outbox, roster, jobs, prior, year, formats, sign_date, force, style, form):
    """批量处理一轮报回的填报表格（.xlsx / .xls / .ods，含子文件夹），或各单位已发布的年度报告（.html / .htm /
    .pdf / .docx / .txt，用于年报质量检查），按单位给出结论。

    每个单位以最新报送的文件为准（旧的记为“已被替代”）；没有错误的填报表格生成年度报告（Word，可加网页、PDF），有错误的生成标注了问题的
    表格供退回修改；已发布的报告只检查、不再生成 Word 报告（另查发布是否逾期、是否照抄上年文字、是否缺章节或表格）；
    其他年度的记为“年度不符”，既不是电子表格也不是年度报告的文件（报送函、图片等）记为“已忽略”。并生成汇总表、合计.json。
    退出码：0 全部通过，1 有单位存在错误或年度不符，2 有文件无法读取。
    """
    house, notes = load_style(style)  # a bad reference document is refused before the work
    _style_notes(notes)
    bar = _progress_bar()
    try:
        result = run_batch(inbox, outbox, roster=roster, jobs=jobs, force=force, prior=prior, year=year, form=form,
                           style=house, formats=formats, sign_date=sign_date, progress=bar.update if bar else None)
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
    for agency, reason in result.pdf_failed:
        click.echo(click.style("  未生成 PDF", fg="yellow") + f"  {agency}：LibreOffice 未能转换（{reason}），"
                   "Word 报告已生成，可用 Word/WPS“另存为 PDF”", err=True)
    click.echo(result.closing_line())
    if result.voided:  # earlier outputs (and any hand edits in them) are kept, not overwritten
        folders = sorted({"/".join(v.split("/")[:2]) + "/" for v in result.voided})
        click.echo(f"上次的 {len(result.voided)} 个输出文件已不是当前版本，已移到 {'、'.join(folders)}（未删除）")
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
@option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), metavar="输出.json",
              help="把报告 JSON 写入此文件（默认输出到屏幕）。")
@option("--format", "fmt", type=Choice(["text", "json"]), default="text", show_default=True,
              help="读取情况的输出格式：text 供人阅读，json 供其他程序使用。")
@_form_option(None)
@fail_on_input_error
def import_cmd(file, output, fmt, form):
    """读取已公开的年度报告（网页 .html/.htm、Word .docx、PDF .pdf、复制的文字 .txt），转为报告 JSON。

    按标题、章节和表格的行列名称识别内容；无法识别或推断出来的内容列在读取情况中。
    2019 年试行格式的报告不予读取。退出码：0 已读取，2 文件无法使用。
    """
    result = import_report(file, output, form=form)
    if not output:
        click.echo(json.dumps(result.loaded.report, ensure_ascii=False, indent=2))
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2), err=True)
        return
    title = f"读取 {file}（{_who(result, '未识别单位')}）"
    # the verdict line of findings_text speaks of errors in a report; here it is only what reading found
    click.echo("\n".join(findings_text(result.findings, title).split("\n")[:-1]) if result.findings else title, err=True)
    if output:
        click.echo(f"已写入 {output}", err=True)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@option("-o", "--output", "out", required=True, type=click.Path(path_type=str), metavar="输出",
              help="生成的模板文件（.xlsx）；用 --roster 时为输出文件夹。")
@option("--agency", metavar="单位名称", help="填报单位（填入封面并锁定）。")
@option("--year", type=IntRange(2021, 2100), metavar="年度", help="报告年度（填入封面并锁定）。")
@option("--roster", type=click.Path(dir_okay=False, path_type=str), metavar="名单.csv",
              help="单位名单 CSV（“单位名称”列，可选“联系人”“邮箱”“联系电话”“截止日期”列，也认“单位”“电子邮箱”“电话”等"
                   "写法；UTF-8 或 GBK）：每个单位生成一份模板，有邮箱的同时生成可直接发送的 .eml 邮件。")
@option("--deadline", metavar="YYYY-MM-DD", callback=lambda c, p, v: v and _parse_sign_date(c, p, v).isoformat(),
              help="报送截止日期（名单中没有“截止日期”时使用），默认次年 1 月 31 日。")
@option("--sender", metavar="邮箱", help=".eml 邮件的发件人地址，如 office@example.gov.cn。")
@option("--force", is_flag=True, help="用 --roster 时覆盖输出文件夹中已有的同名模板和邮件。")
@option("--prior", type=click.Path(path_type=str), metavar="上年文件",
              help="上一年度的报告（JSON、填报表格或已公开的网页/Word/PDF/文字）：按上年“结转下年度”预填本年“上年结转”，"
                   "在表二旁列出上年现行有效件数；未给出时单位名称和年度（上年 + 1）也取自上年报告。")
@option("--prior-dir", type=click.Path(file_okay=False, path_type=str), metavar="上年文件夹",
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
    warn = click.style("! ", fg="yellow")
    if roster:
        if year is None:
            raise click.UsageError("使用 --roster 时必须给出 --year")
        if prior:
            raise click.UsageError("--prior 只用于生成单个模板；使用 --roster 时请用 --prior-dir 给出上年报告文件夹")
        result, notes = make_templates(roster, year, out, form, deadline=deadline, sender=sender, prior_dir=prior_dir,
                                       force=force)
        for line in notes + result.warnings:
            click.echo(warn + line, err=True)
        for item in result.items:
            for f in item.get("prior_findings", ()):
                click.echo(warn + f"{item['agency']}：{f.message}", err=True)
        carried = sum(1 for i in result.items if i.get("prior"))
        extra = f"，其中 {carried} 份按上年报告预填" if prior_dir else ""
        click.echo(f"已在 {out} 生成 {len(result.items)} 份填报模板{extra}、{result.emails} 封待发邮件（.eml），"
                   f"用时 {time.perf_counter() - started:.1f} 秒")
        if result.no_address:
            click.echo(warn + f"{len(result.no_address)} 个单位名单中没有邮箱，未生成邮件，请另行发送模板："
                       + "、".join(result.no_address), err=True)
        missing = [i["agency"] for i in result.items if not i.get("prior")] if prior_dir else []
        if missing:
            click.echo(warn + f"{len(missing)} 个单位没有找到上年报告，模板未预填："
                       + "、".join(missing[:20]) + ("等" if len(missing) > 20 else ""), err=True)
        return
    if prior_dir:
        raise click.UsageError("--prior-dir 只与 --roster 一起使用；生成单个模板时请用 --prior")
    made = make_template(out, form, agency=agency, year=year, prior=prior)
    for f in made.notes:
        click.echo(warn + f"上年报告 {prior}：{f.message}", err=True)
    if made.prior:
        click.echo(f"已生成填报模板 {out}（{made.agency or '未填单位'} {made.year} 年度，已按 {prior} 预填上年结转）")
    else:
        click.echo(f"已生成填报模板 {out}")


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, readable=False, path_type=str), metavar="文件.xlsx")
@option("-o", "--output", type=click.Path(dir_okay=False, path_type=str), metavar="输出.json",
              help="把报告 JSON 写入文件（默认输出到屏幕）。")
@option("--year", type=IntRange(2000, 2100), metavar="年度", help="要求的报告年度：表格是其他年度的则不读取。")
@_form_option(None)
@fail_on_input_error
def read(file, output, year, form):
    """读取一份填报表格（.xlsx / .xls / .ods），输出报告 JSON。

    读取中发现的问题（如“12件”按 12 读取、“/”按空白读取）列在标准错误输出。
    退出码：0 已读取，1 已读取但有无法识别的内容，2 文件无法使用。
    """
    result = read_file(file, output, year=year, form=form)
    if output:
        click.echo(f"已写入 {output}", err=True)
    else:
        click.echo(json.dumps(result.loaded.report, ensure_ascii=False, indent=2))
    if result.findings:
        title = f"读取 {file}（{_who(result)}）"
        click.echo("\n".join(findings_text(result.findings, title).split("\n")[:-1]), err=True)
    sys.exit(0 if result.valid else 1)




if __name__ == "__main__":
    main()
