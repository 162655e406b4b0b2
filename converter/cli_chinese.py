"""click in Chinese, through click's own extension points: Command/Group/Option/Context subclasses, a
HelpFormatter subclass, parameter types of our own, and the errors rendered by the group's `main`.

Users read nothing in English: not "Usage:", not "Did you mean", not "[required]". Help text is
wrapped by display width (a CJK character takes two columns) and breaks between Chinese characters,
never before a closing mark nor inside a short “quoted term”.
"""
from __future__ import annotations

import difflib
import re
import sys
import unicodedata

import click

# ---- measuring and wrapping Chinese text -------------------------------------------------------
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef“”‘’"
_OPEN, _CLOSE = "（《「『“‘", "，。；：、）》」』”’！？"
_CHUNK = re.compile(rf"“[^”\s]{{1,12}}”[{_CLOSE}]*|[{_OPEN}]*(?:[{_WIDE}]|[^\s{_WIDE}]+)[{_CLOSE}]*|\s+|.", re.S)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in "WF"


def columns(text: str) -> int:
    """Display columns of `text` on a terminal (colour codes take none, a CJK character two)."""
    return sum(2 if _is_wide(c) else 1 for c in _ANSI.sub("", text))


def join_lines(text: str | None) -> str | None:
    """A docstring paragraph's lines joined as click does, but with no space between Chinese characters."""
    if not text:
        return text
    paragraphs = re.split(r"\n[ \t]*\n", text)
    return "\n\n".join(p if p.lstrip().startswith("\b") else re.sub(
        r"(\S)[ \t]*\n[ \t]*(?=(\S))",
        lambda m: m.group(1) + ("" if _is_wide(m.group(1)) or _is_wide(m.group(2)) else " "), p) for p in paragraphs)


def wrap(text: str, width: int, first: str = "", rest: str = "") -> list[str]:
    """Lines of at most `width` columns, breaking at chunk boundaries (see _CHUNK)."""
    lines, line = [], first
    for chunk in _CHUNK.findall(text):
        if chunk.isspace():
            if line.strip():
                line += " "
            continue
        if columns(line + chunk) > width and line.strip():
            lines.append(line.rstrip())
            line = rest
        line += chunk
    if line.strip():
        lines.append(line.rstrip())
    return lines or [first.rstrip()]


class Formatter(click.HelpFormatter):
    """click's formatter with Chinese headings and display-width wrapping."""

    HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, "用法：" if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{self.HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        for para in re.split(r"\n\s*\n", text):
            if para.lstrip().startswith("\b"):
                self.write("".join(f"{indent}{line}\n" for line in para.lstrip()[1:].strip("\n").splitlines()))
            else:
                width = max(self.width - self.current_indent, 20)
                self.write("".join(f"{indent}{line}\n" for line in wrap(" ".join(para.split("\n")), width)))
            self.write("\n")
        self.buffer[-1] = self.buffer[-1].rstrip("\n") + "\n"

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first = min(max((columns(r[0]) for r in rows), default=0), col_max)
        indent = " " * self.current_indent
        for term, desc in rows:
            self.write(f"{indent}{term}")
            if not desc:
                self.write("\n")
                continue
            lead = self.current_indent + first + col_spacing
            if columns(term) <= first:
                self.write(" " * (first - columns(term) + col_spacing))
            else:
                self.write("\n" + " " * lead)
            lines = wrap(desc, max(self.width - lead, 20))
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(" " * lead + line + "\n")


class Context(click.Context):
    formatter_class = Formatter


class Option(click.Option):
    """Defaults and 必填 shown in Chinese."""

    def get_help_record(self, ctx):
        record = super().get_help_record(ctx)
        if record is None:
            return None
        opts, _ = record
        extra = self.get_help_extra(ctx)
        notes = []
        if "default" in extra:
            notes.append(f"默认：{extra['default']}")
        if "range" in extra:
            notes.append(f"范围：{extra['range']}")
        if "required" in extra:
            notes.append("必填")
        help_text = join_lines(self.help) or ""
        return opts, (f"{help_text}  [{'；'.join(notes)}]" if notes else help_text)


class Command(click.Command):
    context_class = Context

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.help = join_lines(self.help)

    def get_short_help_str(self, limit: int = 45) -> str:
        """The command list's line: the help's first sentence, whole (click cuts by characters, mid-word)."""
        text = self.short_help or (self.help or "").split("\n\n")[0]
        return text.split("。")[0].strip() + ("。" if "。" in text else "")

    def get_help_option(self, ctx):
        if not self.add_help_option:
            return None
        names = self.get_help_option_names(ctx)
        return Option(names, is_flag=True, expose_value=False, is_eager=True, help="显示帮助并退出。",
                      callback=lambda c, p, value: _show_help(c) if value and not c.resilient_parsing else None)


def _show_help(ctx):
    click.echo(ctx.get_help(), color=ctx.color)
    ctx.exit()


class Group(click.Group, Command):
    """The command group: Chinese commands, and every usage error rendered in Chinese before exit 2."""

    command_class = Command
    context_class = Context

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name and self.get_command(ctx, name) is None and not name.startswith("-"):
            close = difflib.get_close_matches(name, self.list_commands(ctx))
            hint = f"是不是要用 {'、'.join(close)}？" if close else ""
            raise click.UsageError(f"没有命令“{name}”。{hint}", ctx)
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.UsageError as e:
            _usage_error(e)
            sys.exit(e.exit_code)
        except click.exceptions.ClickException as e:
            click.echo(f"错误：{e.format_message()}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("已中止。", err=True)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _usage_error(e: click.exceptions.UsageError) -> None:
    ctx = e.ctx
    if isinstance(e, click.exceptions.NoArgsIsHelpError) and ctx is not None:  # `converter` alone: its help
        click.echo(ctx.get_help(), err=True)
        return
    if ctx is not None:
        click.echo(ctx.get_usage(), err=True)
        names = ctx.help_option_names
        if names and ctx.command.get_help_option(ctx) is not None:
            click.echo(f"运行“{ctx.command_path} {max(names, key=len)}”查看帮助。", err=True)
        click.echo("", err=True)
    click.echo(f"错误：{_chinese(e)}", err=True)


_EXTRA = re.compile(r"Got unexpected extra arguments? \((.*)\)")


def _hint(param, ctx) -> str:
    if param is None:
        return ""
    if isinstance(param, click.Argument):
        return param.make_metavar(ctx) if ctx is not None else param.name
    return " / ".join(param.opts)


def _chinese(e: click.exceptions.UsageError) -> str:
    """The message of a click usage error in Chinese, from the error's data (not its English text)."""
    if isinstance(e, click.exceptions.NoSuchOption):
        close = "、".join(f"“{p}”" for p in (e.possibilities or ()))
        return f"没有选项 {e.option_name}。" + (f"是不是要用 {close}？" if close else "")
    if isinstance(e, click.exceptions.MissingParameter):
        kind = "参数" if isinstance(e.param, click.Argument) else "选项"
        return f"缺少{kind} {_hint(e.param, e.ctx)}"
    if isinstance(e, click.exceptions.BadParameter):
        hint = _hint(e.param, e.ctx) if e.param_hint is None else (
            " / ".join(e.param_hint) if isinstance(e.param_hint, (list, tuple)) else e.param_hint)
        return f"{hint} 的值无效：{e.message}" if hint else f"值无效：{e.message}"
    if isinstance(e, click.exceptions.BadOptionUsage):
        if "requires an argument" in e.message:
            return f"选项 {e.option_name} 后面需要一个值"
        return e.message
    m = _EXTRA.fullmatch(e.message)
    if m:
        return f"多余的参数（{m.group(1)}）"
    if e.message == "Missing command.":
        return "缺少命令"
    return e.message


# ---- parameter types whose complaints are Chinese ------------------------------------------------
class Choice(click.Choice):
    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        self.fail(f"“{value}”不是可选值 {'、'.join(map(str, self.choices))} 之一", param, ctx)


class IntRange(click.IntRange):
    name = "整数"

    def convert(self, value, param, ctx):
        try:
            number = int(str(value).strip())
        except ValueError:
            self.fail(f"“{value}”不是整数", param, ctx)
        low, high = self.min, self.max
        if (low is not None and number < low) or (high is not None and number > high):
            where = (f"{low}–{high}" if low is not None and high is not None else
                     f"不小于 {low}" if low is not None else f"不大于 {high}")
            self.fail(f"{number} 不在允许的范围（{where}）内", param, ctx)
        return number
