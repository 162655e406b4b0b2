"""The one place that names each finding code for people: code → (severity, 中文名称, description).

Codes stay what programs read (JSON, manifest.json); where people read — the summary workbook's and the
annotated copy's 问题清单 — `finding_name` gives the Chinese name instead. A rule's finding is named by
its rule's title in the form definition (the finding carries it as context["title"]); a refusal
(“cannot proceed”) by its meaning in the refusals catalogue; every other code is listed here.
"""
from __future__ import annotations

from converter.base.refusals import CATALOGUE as REFUSALS

# code → (usual severity, short Chinese name, what it means)
CODES: dict[str, tuple[str, str, str]] = {
    # reading a filled workbook
    "read.not_a_number": ("error", "不是数字", "单元格中填了无法读作数字的内容"),
    "read.formula_overwritten": ("warning", "合计公式被改", "自动合计的公式被改成了固定数字"),
    "read.normalised": ("info", "数字已规范", "带单位、全角或千分位的数字已按数字读取"),
    "read.table_missing": ("error", "缺少表格", "工作簿中找不到某张表"),
    "read.row_missing": ("error", "缺少行", "表中找不到某一行"),
    "read.text_missing": ("warning", "缺少文字栏", "找不到某段文字的填写位置"),
    "read.no_agency": ("error", "未填单位", "封面没有填写填报单位"),
    "read.no_year": ("error", "未填年度", "封面没有填写报告年度"),
    "read.year_changed": ("warning", "年度被改", "封面年度与下发时不同"),
    "read.no_stamp": ("warning", "非下发模板", "工作簿不是本工具生成的模板，按表头文字定位"),
    "read.template_version": ("warning", "模板版本旧", "模板由旧版本工具生成"),
    "read.extra_row": ("error", "插入了行", "表格中插入了带数字的行：表格自己的合计把它算了进去时为错误，否则为警告"),
    "read.names_stale": ("info", "名称已过时", "工作簿中的定义名称与表式不一致，已按位置读取"),
    # the report JSON against the form's schema
    "schema.type": ("error", "类型不对", "数据类型与表式不符"),
    "schema.minimum": ("error", "小于下限", "数字小于允许的最小值"),
    "schema.maximum": ("error", "超过上限", "数字大于允许的最大值"),
    "schema.minLength": ("error", "内容为空", "必填文字为空"),
    "schema.const": ("error", "取值不对", "固定取值与表式不符"),
    "schema.required": ("error", "缺少项目", "缺少必填项目"),
    "schema.additionalProperties": ("error", "多余项目", "有表式中没有的项目"),
    # last year's report
    "prior.total_not_carried": ("warning", "上年结转不符", "上年结转数与上年报告的结转下年度数不一致"),
    "prior.year_mismatch": ("warning", "上年年度不符", "上年报告的年度不是本年度的前一年"),
    "prior.agency_mismatch": ("warning", "上年单位不符", "上年报告的单位名称与本年不同"),
    # writing the report
    "report.text_cleaned": ("warning", "文字已整理", "文字中的控制字符、多余空白已清理"),
    "style.fallback": ("info", "版式按默认", "参考文档中没有设置或设置不合理的部分按 GB/T 9704 默认版式"),
    # reading a published report
    "import.unplaced_row": ("warning", "行未识别", "已公开报告中有无法对应到表式的行"),
    "import.unplaced_values": ("warning", "数字未识别", "已公开报告中有无法对应的数字"),
    "import.uncertain_row": ("warning", "行名不确定", "按相近的行名对应"),
    "import.missing_table": ("warning", "缺少表格", "已公开报告中找不到某张表"),
    "import.unreadable": ("error", "无法识别", "已公开报告的内容无法识别"),
    "import.unreadable_cell": ("warning", "单元格无法识别", "表格中有无法读作数字的单元格"),
    "import.total_only": ("info", "只有合计", "只公开了合计数"),
    "import.standard_preamble": ("info", "标准前言", "前言为标准文字"),
    "import.split_by_identity": ("info", "按身份拆分", "按申请人身份拆分的数字已对应"),
    "import.placed_by_order": ("info", "按顺序对应", "行名不全，按顺序对应"),
    "import.not_whole": ("warning", "内容不完整", "报告内容不完整"),
    "import.no_year": ("warning", "未识别年度", "没有识别出报告年度"),
    "import.guessed_year": ("warning", "年度为推断", "没有标题，年度按正文推断"),
    "import.period_mismatch": ("warning", "年度与统计期限不符", "标题的年度与前言写的统计期限不是同一年"),
    "import.no_agency": ("warning", "未识别单位", "没有识别出单位名称"),
    "import.guessed_agency": ("warning", "单位为推断", "没有标题，单位按正文推断"),
    "import.identity_from_page_title": ("info", "按网页标题识别", "单位和年度按网页标题读取"),
    "import.identity_from_filename": ("info", "按文件名识别", "单位和年度按文件名读取"),
    "import.agency_from_signature": ("info", "按落款识别单位", "标题中没有单位名称，按文末落款读取"),
    "import.agency_from_preamble": ("info", "按前言识别单位", "标题中没有单位名称，按前言“本报告由…编制”读取"),
    "import.published_late": ("warning", "逾期发布", "网页上的发布日期晚于法定期限（部门 1 月 31 日，人民政府 3 月 31 日）"),
    "import.missing_section": ("warning", "缺少章节", "没有找到报告的某一部分"),
    "import.missing_cells": ("warning", "单元格未读到", "表中有单元格没有读到，按空白处理"),
    "import.image_page": ("warning", "图片页", "PDF 中有没有文字层的图片页（扫描页），其内容未读取"),
    "import.duplicate_row": ("warning", "行重复", "同一行出现了不止一次，取第一次的数"),
    "import.copied_text_table": ("info", "表格来自复制文字", "表格来自复制的文字，按行名和数字个数定位"),
}


def finding_name(code: str, context: dict | None = None, form=None) -> str:
    """The Chinese name of a finding code for people to read (never the bare code when one is known)."""
    title = (context or {}).get("title")
    if title:
        return str(title)
    if code in CODES:
        return CODES[code][1]
    if form is not None:
        for rule in getattr(form, "rules", ()):
            if rule.code == code or rule.id == code:
                return rule.title
    if code in REFUSALS:
        return REFUSALS[code][1]
    if code.startswith("schema."):
        return "不符合格式要求"
    return code
