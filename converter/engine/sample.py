"""Synthetic reports whose arithmetic holds, derived from any form's rules (tests, benchmarks, demos)."""
from __future__ import annotations

import random

from converter.form.definition import Form, get_path, set_path
from converter.engine.arith import number

SAMPLE_TEXTS = {
    "text.preamble": "",
    "text.overview": (
        "{year}年，{agency}深入贯彻《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
        "持续提升政务公开质量。\n"
        "（一）主动公开\n全年通过门户网站主动公开政府信息{n}条，及时发布政策文件、工作动态和重点领域信息。\n"
        "（二）依申请公开\n规范受理、办理、答复流程，全年共收到政府信息公开申请{applications}件，均在法定期限内答复。\n"
        "（三）政府信息管理\n落实公开属性源头认定和发布前保密审查制度，动态更新政府信息公开目录。\n"
        "（四）政府信息公开平台建设\n优化门户网站信息公开专栏，加强政务新媒体管理。\n"
        "（五）监督保障\n将政务公开纳入年度绩效考核，组织业务培训{training}次。"
    ),
    "text.problems": (
        "一是政策解读形式还不够丰富；二是依申请公开答复的规范性有待进一步提高。\n"
        "下一步，我们将丰富图解、视频等解读形式，加强答复文书审核，持续提升政务公开工作水平。"
    ),
    "text.other": "本年度未收取信息处理费。",
}


def _derive(form: Form, report: dict) -> None:
    for key, rule in form.derived.items():
        total = sum(t.sign * (number(get_path(report, t.path)) or 0) for t in rule.right)
        set_path(report, key, total)


def _balance(form: Form, report: dict) -> None:
    """Make each balance rule hold by solving for its first left term (kept ≥ 0)."""
    for rule in form.rules:
        if rule.kind != "balance" or rule.left[0].path in form.derived:
            continue
        _derive(form, report)
        right = sum(t.sign * (number(get_path(report, t.path)) or 0) for t in rule.right)
        others = sum(t.sign * (number(get_path(report, t.path)) or 0) for t in rule.left[1:])
        value = right - others
        if value < 0:  # borrow from the last right-hand input so every count stays ≥ 0
            bump = next(t for t in reversed(rule.right) if t.path not in form.derived)
            set_path(report, bump.path, get_path(report, bump.path) - value)
            value = 0
        set_path(report, rule.left[0].path, value)
    _derive(form, report)


def make_report(agency: str, year: int, scale: int = 50, seed: int = 0, *, form: Form,
                blanks: float = 0.0) -> dict:
    """A report whose every error rule holds; `scale` is roughly the applications per column."""
    rnd = random.Random(f"{agency}|{year}|{seed}")
    report = form.empty_report(agency, year)
    for cell in form.inputs:
        if cell.type == "amount":
            value = round(rnd.uniform(0, scale / 10), 4)
        else:
            value = rnd.randint(0, max(1, scale // (20 if cell.table == "t2" else 4)))
        set_path(report, cell.key, value)
    _balance(form, report)
    if blanks:
        for cell in form.inputs:
            if get_path(report, cell.key) == 0 and rnd.random() < blanks:
                set_path(report, cell.key, None)
    fill_texts(report, form, scale)
    return report


def fill_texts(report: dict, form: Form, scale: int = 50) -> None:
    """Narrative texts that quote the report's own figures (so the narrative checks hold)."""
    applications = get_path(report, "applications.new_received.total") or 0
    fill = {"year": report["year"], "agency": report["agency"], "n": scale * 37, "applications": applications,
            "training": 1 + scale % 7}
    for key, text in SAMPLE_TEXTS.items():
        if key in form.text:
            set_path(report, key, text.format(**fill))
