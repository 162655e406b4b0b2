"""The command line: each command parses options, calls one library function, renders the result."""
from __future__ import annotations

import json
import sys

import click

from . import __version__
from .errors import InputError

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
}


def _zh(text: str) -> str:
    return _ZH.get(text, text)


for _module in ("core", "exceptions", "formatting", "decorators", "types", "parser"):
    _mod = sys.modules.get(f"click.{_module}")
    if _mod is not None and hasattr(_mod, "_"):
        _mod._ = _zh

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail_on_input_error(fn):
    """InputError is "cannot proceed": one Chinese line on stderr, exit 2, never a traceback."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except InputError as e:
            click.echo(click.style("无法处理：", fg="red", bold=True) + e.message, err=True)
            sys.exit(2)

    return wrapper


@click.group(context_settings=CONTEXT, options_metavar="[选项]", subcommand_metavar="命令 [参数]...")
@click.version_option(__version__, "-V", "--version", prog_name="converter")
def main():
    """政府信息公开工作年度报告工具：生成填报模板、读取和校验报送表格、生成 Word 年度报告、批量汇总。

    \b
    常用命令：
      converter check 报告.json            校验一份报告（表格勾稽关系、空白单元格等）
      converter check 报告.json --prior 上年.json   同时核对跨年度数据
    """


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.argument("file", type=click.Path(dir_okay=True, path_type=str), metavar="文件")
@click.option("--prior", type=click.Path(path_type=str), metavar="上年文件",
              help="上一年度的报告（JSON 或填报表格），用于核对上年结转、现行有效件数等跨年度数据。")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="输出格式：text 供人阅读，json 供其他程序使用。")
@fail_on_input_error
def check(file, prior, fmt):
    """校验一份年度报告（JSON 或填报表格 .xlsx）。

    逐项核对表格勾稽关系和填写规范，列出全部问题。退出码：0 无错误，1 有错误，2 文件无法使用。
    """
    from .check import check_file
    from .render import findings_text

    result = check_file(file, prior)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        report = result.loaded.report
        title = f"检查 {file}（{report.get('agency') or '未填单位'} {report.get('year') or '?'} 年度）"
        click.echo(findings_text(result.findings, title))
    sys.exit(0 if result.ok else 1)


@main.command(context_settings=CONTEXT, options_metavar="[选项]")
@click.option("--form", "form_id", default="gov-info-disclosure-2021", show_default=True, metavar="表式",
              help="表式编号。")
def schema(form_id):
    """输出报告 JSON 的 JSON Schema（供其他系统对接）。"""
    from .schema import schema_text
    from .form import load_form

    try:
        click.echo(schema_text(load_form(form_id)), nl=False)
    except KeyError:
        raise click.BadParameter(f"没有表式 {form_id}", param_hint="--form") from None


if __name__ == "__main__":
    main()
