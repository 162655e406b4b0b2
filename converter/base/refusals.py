"""The catalogue of "cannot proceed" problems: one stable code → one Chinese message template.

Every message names the file (`{path}`), says what the file really is or what went wrong, and what
to do. `refuse(code, path, **fields)` builds the `InputError` the CLI turns into one line and exit 2;
the batch records it as 无法读取 with the same code. README.md lists the table (keep it in sync:
tests/test_hostile_catalogue.py checks that every code raised anywhere is listed here and there).
"""
from __future__ import annotations

from converter.base.errors import InputError

SAVE_AS = "请用 Excel 或 WPS 打开，“另存为”“Excel 工作簿 (*.xlsx)”后重新报送"
ASK_AGAIN = "请向报送单位重新索取"

# code → (message template, what it means — the README table)
CATALOGUE: dict[str, tuple[str, str]] = {
    # ---- the file itself ----
    "input.not_found": ("{path}：文件不存在，请检查文件名和所在文件夹", "文件不存在"),
    "input.broken_link": ("{path}：这是一个快捷方式（符号链接），它指向的文件不存在；请直接提供报表文件本身",
                          "指向不存在文件的符号链接"),
    "input.is_directory": ("{path}：这是一个文件夹，不是文件；请指定其中的一份报表文件，或用“converter batch 文件夹 -o 输出文件夹”"
                           "一次处理整个文件夹（batch 的 --prior 也接受上年报告文件夹）", "路径是文件夹（哪怕名字以 .xlsx 结尾）"),
    "input.lock_file": ("{path}：这是 Excel、WPS 或 LibreOffice 打开文件时生成的临时锁定文件（文件名以 ~$ 或 .~lock. 开头），"
                        "不是报表；请改用同一文件夹中文件名没有这个前缀的那份文件（如仍打不开，请先关闭正在编辑它的程序）",
                        "Office 的 ~$ 锁定文件、LibreOffice 的 .~lock. 文件"),
    "input.not_regular": ("{path}：这不是普通文件（{kind}），无法作为报表读取；请提供保存在磁盘上的报表文件",
                          "设备、管道等特殊文件（读取可能永不结束）"),
    "input.unreadable": ("{path}：没有读取这个文件的权限（{reason}）；请把文件复制到自己有权限的文件夹，或请管理员开放读取权限",
                         "没有读取权限"),
    "input.read_failed": ("{path}：读取文件时出错（{reason}）；如文件在网络盘或 U 盘上，请复制到本机后重试",
                          "读取时的其他系统错误"),
    "input.empty": ("{path}：文件是空的（0 字节），可能是邮件附件没有下载完整或保存失败；" + ASK_AGAIN, "空文件"),
    "input.too_large": ("{path}：文件过大（{size}，上限 {limit}），不是一份年度报告填报表；请确认是否发错了文件",
                        "文件超过大小上限"),
    "input.unsupported": ("{path}：不支持的文件类型“{suffix}”（支持 {kinds}）", "不支持的扩展名"),
    # ---- not a workbook at all: say what it really is ----
    "input.csv": ("{path}：这是 CSV 文本表格（用逗号或制表符分隔的文字），不是 Excel 工作簿；请用下发的 .xlsx 模板填报，"
                  "或用 Excel 打开后“另存为”“Excel 工作簿 (*.xlsx)”", "CSV 文本改了扩展名"),
    "input.html": ("{path}：这是网页文件（HTML，常见于从网站或业务系统“导出 Excel”），只是扩展名为 {suffix}，不是真正的 Excel 工作簿；"
                   + SAVE_AS + "，或改用下发的模板填报；如果这是已发布的年度报告网页，请用 converter import 读取", "网页（HTML）冒充的“Excel 导出”"),
    "input.xml_2003": ("{path}：这是 Excel 2003 XML 表格（XML 电子表格），不是 .xlsx 工作簿；" + SAVE_AS,
                       "Excel 2003 XML 电子表格"),
    "input.text": ("{path}：这是纯文本文件，不是 Excel 工作簿；请用下发的 .xlsx 模板填报", "纯文本文件"),
    "input.pdf": ("{path}：这是 PDF 文件，不是 Excel 工作簿；请报送填写好的 .xlsx 模板（不要打印、扫描或转成 PDF）；"
                  "已发布的年度报告 PDF 请用 converter import 读取", "PDF 文件"),
    "input.image": ("{path}：这是图片（{kind}），不是 Excel 工作簿；请报送填写好的 .xlsx 模板，而不是截图或扫描件", "图片"),
    "input.archive": ("{path}：这是 {kind} 压缩包，不是 Excel 工作簿；请解压后报送其中的 .xlsx 文件", "rar/7z/gzip 等压缩包"),
    "input.binary": ("{path}：文件内容不是 Excel 工作簿（无法识别的数据）；请确认发送的是填写好的 .xlsx 模板", "无法识别的二进制文件"),
    # ---- legacy Office (OLE / CFB container) ----
    "input.xls": ("{path}：这是旧版 Excel 97-2003 工作簿（.xls），但内容无法读取（可能已损坏）；" + SAVE_AS,
                  "无法读取的旧版 .xls（OLE 容器中有 Workbook/Book 流）"),
    "input.et": ("{path}：这是 WPS 表格文件（.et），本工具无法读取 .et；请用 WPS 打开，“另存为”“Excel 工作簿 (*.xlsx)”后重新报送",
                 "WPS 表格 .et"),
    "input.encrypted": ("{path}：这个工作簿设置了打开密码（文件已加密），无法读取；请在 Excel/WPS 中清除打开密码"
                        "（文件 → 信息 → 保护工作簿 → 用密码进行加密，删除密码）后另存为 .xlsx 重新报送",
                        "设置了打开密码（OLE 容器中有 EncryptionInfo/EncryptedPackage 流）"),
    "input.ole_other": ("{path}：这是旧版 Office 文件（{kind}），不是 Excel 工作簿；请用下发的 .xlsx 模板填报",
                        "其他旧版 Office 文件（如 Word .doc）"),
    # ---- a zip, but not our kind ----
    "input.truncated": ("{path}：文件不完整（压缩包结尾缺失，可能下载或复制时被截断）；" + ASK_AGAIN, "被截断的文件"),
    "input.corrupt": ("{path}：文件已损坏（内部的 {part} 校验失败），可能在传输中出错；" + ASK_AGAIN, "内容损坏（CRC 错误等）"),
    "input.not_workbook": ("{path}：这是一个 zip 压缩包，里面没有 Excel 工作簿（缺少 xl/workbook.xml）；请报送 .xlsx 模板本身",
                           "不含工作簿的 zip"),
    "input.docx": ("{path}：这是 Word 文档（.docx），不是 Excel 工作簿；请报送填写好的 Excel 填报模板", "Word 文档"),
    "input.ods": ("{path}：这是 OpenDocument 电子表格（.ods），但内容无法读取（可能已损坏）；请在 LibreOffice 中打开，"
                  "“文件 → 另存为”，文件类型选“Excel 2007-365 (.xlsx)”后重新报送", "无法读取的 OpenDocument 表格"),
    "input.xlsm": ("{path}：这是启用宏的 Excel 工作簿（.xlsm），为安全起见不读取含宏的文件；" + SAVE_AS, "启用宏的工作簿"),
    "input.xlsb": ("{path}：这是 Excel 二进制工作簿（.xlsb），本工具只读取 .xlsx；" + SAVE_AS, "二进制工作簿"),
    "input.strict": ("{path}：这是“Strict Open XML 电子表格”格式，本工具只读取普通 .xlsx；请在 Excel 中“另存为”"
                     "“Excel 工作簿 (*.xlsx)”（不要选“Strict Open XML 电子表格”）", "Strict Open XML 格式"),
    # ---- hostile or absurd structure: refused before parsing ----
    "input.zip_bomb": ("{path}：文件解压后异常巨大（{detail}），可能是恶意构造的“压缩炸弹”，拒绝读取", "压缩炸弹（解压总量或压缩比超限）"),
    "input.part_too_large": ("{path}：文件内部的 {part} 解压后 {size}，超过上限 {limit}，不是正常的填报表，拒绝读取",
                             "单个内部文件过大"),
    "input.too_many_parts": ("{path}：文件含 {count} 个内部文件（上限 {limit}），结构异常，拒绝读取", "内部文件数超限"),
    "input.xml_entity": ("{path}：文件内部的 {part} 含 XML 实体声明（DOCTYPE/ENTITY），正常的 Office 文件不会有，"
                         "可能是恶意构造的文件，拒绝读取", "XML 实体/DOCTYPE（“十亿笑”等攻击）"),
    "input.corrupt_xml": ("{path}：文件内部的 {part} 不是有效的 XML，文件已损坏；请用 Excel 打开检查后重新保存再报送",
                          "内部 XML 损坏"),
    "input.unreadable_workbook": ("{path}：无法读取工作簿（{detail}），文件可能已损坏；请用 Excel 打开检查后重新保存再报送",
                                  "两种读取方式都无法读取的工作簿"),
    "input.too_many_cells": ("{path}：工作簿有 {count} 个单元格（上限 {limit}），不是正常的填报表；请删除无关内容后再报送",
                             "单元格数超限"),
    "input.too_many_sheets": ("{path}：工作簿有 {count} 个工作表（上限 {limit}），不是正常的填报表；请用下发的模板填报",
                              "工作表数超限"),
    "input.text_too_long": ("{path}：{where}的内容长 {count} 字，超过 Excel 单元格上限 {limit} 字，文件不是由 Excel 正常保存的，拒绝读取",
                            "单元格文字超过 Excel 上限"),
    "input.too_slow": ("{path}：读取超过 {seconds} 秒仍未完成，文件结构异常，已停止读取；请用 Excel 打开后重新保存再报送",
                       "读取超时（openpyxl 兜底读取在子进程中限时）"),
    "input.too_much_memory": ("{path}：读取时占用内存超过 {limit}，文件可能被恶意构造或已损坏，已停止读取", "读取时内存超限"),
    "input.worker_crashed": ("{path}：读取此文件时处理进程异常终止，文件可能已损坏或被恶意构造", "批量处理时读取进程崩溃"),
    "input.unexpected": ("{path}：无法读取（{detail}）", "批量处理中的意外错误（不应出现，请报告）"),
    # ---- a workbook, but not a usable return ----
    "input.no_sheets": ("{path}：工作簿中没有任何工作表（可能由其他程序生成且不完整）；请用下发的模板填报", "没有工作表"),
    "input.tables_deleted": ("{path}：这是下发的填报模板，但{tables}所在的工作表都被删除或清空了（现有工作表：{sheets}）；"
                             "请用原模板重新填写", "模板的统计表工作表全部被删除"),
    "input.not_template": ("{path}：不是本工具生成的填报模板，也找不到年度报告的表格（表二、表三、表四），请使用下发的模板填报",
                           "其他表格，不是填报模板"),
    "input.legacy_form": ("{path}：这是 2019 年试行版表式（含“{marker}”），{first_year} 年起应使用{basis}规定的新表式，请重新下载填报模板",
                          "2019 年试行版表式"),
    "input.other_form": ("{path}：这是表式“{form_id}”的{what}，本工具支持的表式为 {forms}", "其他表式的填报表或报告"),
    "input.wrong_year": ("{path}：这是 {year} 年度的报表，不是要求的 {wanted} 年度", "年度与要求不符（--year）"),
    # ---- report JSON ----
    "input.not_utf8": ("{path}：不是 UTF-8 编码的 JSON 文件", "JSON 不是 UTF-8"),
    "input.not_json": ("{path}：不是有效的 JSON（{detail}）", "JSON 语法错误或嵌套过深"),
    "input.not_report": ("{path}：不是一份年度报告 JSON（{detail}）", "JSON 不是报告（缺少 form 等）"),
    # ---- published reports (converter import) ----
    "import.workbook": ("{path}：这是填报表格或报告 JSON，converter import 只读取已公开的报告（网页、Word、文字）；"
                        "读取填报表格请用“converter read {path}”，校验请用“converter check {path}”", "import 给了填报表格"),
    "import.unreadable": ("{path}：无法读取（{detail}）", "已公开的报告文件无法读取"),
    "import.empty": ("{path}：没有读到任何内容", "已公开的报告没有内容"),
    "import.not_report": ("{path}：没有找到年度报告的章节和表格，不像是一份政府信息公开工作年度报告", "不像年度报告"),
    "import.legacy_format": ("{path}：{detail}", "2019 年试行格式的已公开报告"),
    "import.no_tables": ("{path}：没有找到年度报告的任何一张统计表（表二、表三、表四），无法读取其中的数字；"
                         "请改用含表格的原文（网页、Word 或 PDF）", "已公开的报告中一张统计表也没有找到"),
    "import.image_pdf": ("{path}：这个 PDF 是图片（扫描件或图片导出，共 {pages} 页），没有文字层，无法读取其中的文字和数字；"
                         "请改用网页或 Word 原文", "图片形式的 PDF（扫描件，没有文字层）"),
    "import.too_many_pages": ("{path}：PDF 共 {count} 页（上限 {limit} 页），不是一份年度报告，拒绝读取", "PDF 页数超限"),
    # ---- last year's report for `converter template --prior` (raised in converter/inputs/priors.py and converter/excel/prior.py) ----
    "prior.no_data": ("{path}：上年报告中没有可结转的数字（结转下年度、现行有效件数均为空白）", "上年报告没有可结转的数字"),
    "prior.other_form": ("{path}：上年报告的表式为“{form_id}”，不是“{wanted}”", "上年报告是其他表式"),
    "prior.not_report": ("{path}：不是一份年度报告", "上年文件不是年度报告"),
    "prior.no_year": ("{path}：上年报告没有年度，请用 --year 指定本年度", "上年报告没有年度"),
    "prior.bad_year": ("{path}：上年报告的年度为 {year}，推算的本年度不在有效范围内，请用 --year 指定", "上年报告的年度不合理"),
    # ---- our own mistakes ----
    "internal.error": ("{path}：处理这个文件时程序内部出错（{detail}），不是文件本身的问题；错误详情已记录在 {log}，"
                       "请把该文件和这份记录发给维护人员", "程序内部错误（不是报送单位的问题），详情记录在错误日志中"),
    # ---- form definitions (--form) ----
    "form.unknown": ("{path}：没有这个表式（可用的表式：{forms}；也可以给出表式定义文件 .json 的路径）", "--form 给出的表式不存在"),
    "form.invalid": ("{path}：表式定义有误，位置 {place}：{detail}；这是表式定义的问题，不是报送单位的问题，请联系维护表式定义的人员",
                     "表式定义文件本身有误（加载时按其 JSON Schema 和规则种类检查）"),
    # ---- rosters and batches ----
    "roster.encoding": ("{path}：无法识别名单文件的编码（应为 UTF-8 或 GBK）", "名单编码无法识别"),
    "roster.empty": ("{path}：名单为空", "名单为空"),
    "roster.unreadable": ("{path}：无法读取名单表格（{detail}）；请用 Excel 或 WPS 打开后另存为 .xlsx 或 CSV 再试", "名单表格无法读取"),
    "roster.no_name_column": ("{path}：名单第一行缺少“单位名称”列（{detail}）", "名单缺少“单位名称”列"),
    "roster.bad_sender": ("{path}：不是有效的发件人邮件地址（--sender），应写作 office@example.gov.cn 或“办公室 "
                          "<office@example.gov.cn>”", "--sender 不是邮件地址"),
    "batch.no_inbox": ("{path}：收件文件夹不存在或不是文件夹", "收件文件夹不存在"),
    "batch.same_folder": ("{path}：输出文件夹不能与收件文件夹相同", "输出文件夹与收件文件夹相同"),
    "batch.no_prior_folder": ("{path}：上年报告文件夹不存在或不是文件夹", "--prior 的上年报告文件夹不存在"),
    # ---- house style (--style) ----
    "style.unknown": ("{path}：--style 应为内置样式名（{names}）或参考 Word 文档（.docx）的路径；这个文件不存在，"
                      "也不是内置样式", "--style 既不是内置样式，也不是存在的文件"),
    "style.not_docx": ("{path}：这不是 Word 文档（.docx），无法从中读取页面设置和样式；请在 Word 或 WPS 中打开后"
                       "“另存为”“Word 文档 (*.docx)”，再用 --style 指定", "--style 的参考文档不是 .docx"),
    # ---- outputs ----
    "output.is_input": ("{path}：这是输入文件本身，输出不能覆盖输入文件，请另选文件名", "输出路径就是输入文件"),
    "output.is_directory": ("{path}：这是一个文件夹，不能作为输出文件", "输出路径是文件夹"),
    "output.not_directory": ("{path}：已存在同名文件，请指定一个文件夹", "需要文件夹的地方是文件"),
    "output.not_xlsx": ("{path}：填报模板的扩展名应为 .xlsx", "模板输出扩展名不对"),
    "output.not_docx": ("{path}：输出文件的扩展名应为 .docx（Word）、.html（网页）或 .pdf", "输出扩展名不对"),
    "output.no_libreoffice": ("{path}：生成 PDF 需要 LibreOffice，但没有找到 soffice 命令；请安装 LibreOffice"
                              "（https://zh-cn.libreoffice.org/ 下载，或 sudo apt install libreoffice-writer），"
                              "并确认 soffice 所在文件夹在 PATH 中", "生成 PDF 时找不到 LibreOffice"),
    "output.pdf_failed": ("{path}：LibreOffice 未能把报告转换为 PDF（{reason}）；没有留下不完整的文件，可先生成 .docx "
                          "后用 Word/WPS“另存为 PDF”", "LibreOffice 转换 PDF 失败"),
    "output.roster_needs_folder": ("{path}：使用 --roster 时 -o 应为输出文件夹（每个单位一份模板和邮件），不是文件名；"
                                   "请写作如 -o 下发/，未生成任何文件", "--roster 的 -o 写成了文件名"),
    "output.exists": ("{path}：文件夹中已有 {count} 份同名的模板或邮件（{names}），为免覆盖已下发的模板，未生成任何文件；"
                      "确需重新生成请加 --force，或换一个输出文件夹", "输出文件夹中已有同名模板（未加 --force）"),
    "output.read_only": ("{path}：输出文件夹是只读的或没有写入权限（{reason}）；请换一个可写的文件夹", "输出文件夹只读/无权限"),
    "output.disk_full": ("{path}：磁盘空间不足，未能写入（没有留下不完整的文件）；请清理磁盘空间或换一个磁盘后重试", "磁盘已满"),
    "output.unwritable": ("{path}：无法写入输出文件夹（{reason}）；请检查文件夹是否存在，或换一个文件夹", "输出文件夹无法创建或写入"),
    "output.write_failed": ("{path}：写入失败（{reason}），没有留下不完整的文件", "写入时的其他系统错误"),
}


class _Blank(dict):
    def __missing__(self, key):
        return "?"


def message(code: str, path, **fields) -> str:
    template = CATALOGUE[code][0]
    return template.format_map(_Blank(path=path, **fields))


def refuse(code: str, path, **fields) -> InputError:
    """The InputError for `code` about `path` (raise it): the catalogue's message with `fields` filled in."""
    return InputError(code, message(code, path, **fields), str(path) if path is not None else None)


def size_text(n: int) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:.1f} GB"
    if n >= 1024**2:
        return f"{n / 1024**2:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} 字节"


def os_reason(e: OSError) -> str:
    return e.strerror or type(e).__name__
