"""Bad inputs built on the fly, each with the refusal code it must get (tests/test_hostile_*.py).

`CASES` maps a case id to (file name, builder, expected code, in_batch). A builder gets a folder
and writes the file (or link, FIFO, folder) there. Nothing binary is committed: OLE containers
are built by `cfb()`, zips by rewriting a freshly generated template.
"""
from __future__ import annotations

import functools
import gzip
import io
import os
import random
import struct
import zipfile
from pathlib import Path

import openpyxl

from converter.form.definition import DEFAULT_FORM, load_form
from converter.engine.sample import make_report
from converter.excel.layout import STAMP
from converter.excel.template import write_template

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@functools.lru_cache(maxsize=None)
def good_report(agency: str = "示范区统计局", seed: int = 3) -> dict:
    return make_report(agency, 2025, scale=20, seed=seed, form=load_form(DEFAULT_FORM))


@functools.lru_cache(maxsize=None)
def good_xlsx(agency: str = "示范区统计局", seed: int = 3) -> bytes:
    buf = io.BytesIO()
    write_template(buf, load_form(DEFAULT_FORM), agency=agency, year=2025, values=good_report(agency, seed))
    return buf.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def make_zip(parts: dict[str, bytes], level: int = 6) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return buf.getvalue()


def rezip(edit) -> bytes:
    parts = parts_of(good_xlsx())
    edit(parts)
    return make_zip(parts)


def cfb(streams: list[str]) -> bytes:
    """A minimal Compound File Binary container (v3, 512-byte sectors): header, one directory
    sector (Root Entry + the named empty streams), one FAT sector."""
    free, end, fat_sect = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = bytearray(512)
    header[0:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)  # minor, major, byte order, sector/mini shift
    struct.pack_into("<III", header, 44, 1, 0, 0)  # FAT sectors, first directory sector, transaction
    struct.pack_into("<IIIII", header, 56, 4096, end, 0, end, 0)  # mini cutoff, mini FAT, DIFAT
    struct.pack_into("<109I", header, 76, 1, *([free] * 108))
    directory = bytearray(512)
    names = ["Root Entry"] + streams
    for i, name in enumerate(names[:4]):
        raw = name.encode("utf-16-le") + b"\0\0"
        entry = bytearray(128)
        entry[:len(raw)] = raw
        right = i + 1 if 0 < i < len(names[:4]) - 1 else free
        child = 1 if i == 0 and len(names) > 1 else free
        struct.pack_into("<HBBIII", entry, 64, len(raw), 5 if i == 0 else 2, 1, free, right, child)
        struct.pack_into("<II", entry, 116, end, 0)
        directory[i * 128:(i + 1) * 128] = entry
    fat = bytearray(struct.pack("<128I", end, fat_sect, *([free] * 126)))
    return bytes(header + directory + fat)


def _write(name, data):
    def build(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return path

    return build


def _flip_inside(member: str):
    def data():
        raw = bytearray(good_xlsx())
        with zipfile.ZipFile(io.BytesIO(bytes(raw))) as zf:
            info = zf.getinfo(member)
        name_len, extra_len = struct.unpack_from("<HH", raw, info.header_offset + 26)
        start = info.header_offset + 30 + name_len + extra_len
        for k in range(8):  # a few flipped bits in the middle of the compressed stream
            raw[start + info.compress_size // 2 + k] ^= 0x55
        return bytes(raw)

    return data


def _set(parts, name, old: bytes, new: bytes):
    assert old in parts[name], (name, old)
    parts[name] = parts[name].replace(old, new)


def _edit_wb(edit):
    def data():
        wb = openpyxl.load_workbook(io.BytesIO(good_xlsx()))
        edit(wb)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()

    return data


def _delete_tables(wb):
    for table in load_form(DEFAULT_FORM).tables:
        del wb[table.name]


def _other_form(wb):
    stamp = wb[STAMP]
    for row in stamp.iter_rows(min_col=1, max_col=2):
        if row[0].value == "form":
            row[1].value = "gov-info-disclosure-2030"


def _long_text():
    from xml.sax.saxutils import escape

    longest = max(good_report()["text"].values(), key=len)
    old = escape(longest).encode()
    assert len(longest) > 20
    return rezip(lambda p: _set(p, "xl/sharedStrings.xml", old, ("很长的文字" * 8000).encode()))


def _foreign():
    wb = openpyxl.Workbook()
    wb.active.append(["姓名", "工资"])
    wb.active.append(["张三", 5000])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _legacy():
    wb = openpyxl.Workbook()
    wb.active.append(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _bomb():
    parts = parts_of(good_xlsx())
    parts["xl/media/image1.png"] = b"\0" * (4 * 1024 * 1024)
    return make_zip(parts, level=9)


def _big_part():
    rng = random.Random(7)
    parts = parts_of(good_xlsx())
    chunk = "".join(f"<si><t>{rng.getrandbits(64):x}</t></si>" for _ in range(4096)).encode()
    parts["xl/sharedStrings.xml"] = parts["xl/sharedStrings.xml"].replace(b"</sst>", chunk * 260 + b"</sst>")
    return make_zip(parts, level=1)


def _many_parts():
    parts = parts_of(good_xlsx())
    for i in range(2100):
        parts[f"customXml/item{i}.bin"] = b"x"
    return make_zip(parts, level=1)


def _many_cells():
    rows = "".join(f'<row r="{r}">' + "".join(f'<c r="{col}{r}"><v>{r * 7 + k}</v></c>' for k, col in enumerate("ABCDEFGHIJ"))
                   + "</row>" for r in range(1, 20_200))
    xml = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN_NS}"><sheetData>{rows}</sheetData>'
           "</worksheet>").encode()
    parts = parts_of(good_xlsx())
    parts["xl/worksheets/sheet5.xml"] = xml  # 表三: always read
    return make_zip(parts)


def _many_sheets():
    def edit(parts):
        extra = "".join(f'<sheet name="多余{i}" sheetId="{100 + i}" r:id="rId1"/>' for i in range(120)).encode()
        _set(parts, "xl/workbook.xml", b"</sheets>", extra + b"</sheets>")

    return rezip(edit)


def _no_sheets():
    import re

    def edit(parts):
        parts["xl/workbook.xml"] = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", parts["xl/workbook.xml"], flags=re.S)
        parts["xl/workbook.xml"] = re.sub(rb"<definedNames>.*</definedNames>", b"", parts["xl/workbook.xml"], flags=re.S)

    return rezip(edit)


def _strict():
    def edit(parts):
        for name in list(parts):
            if name.endswith(".xml"):
                parts[name] = parts[name].replace(MAIN_NS.encode(), b"http://purl.oclc.org/ooxml/spreadsheetml/main")

    return rezip(edit)


def _xlsm():
    return rezip(lambda p: _set(p, "[Content_Types].xml", b"spreadsheetml.sheet.main+xml",
                                b"sheet.macroEnabled.main+xml"))


def _entities():
    return rezip(lambda p: _set(p, "xl/sharedStrings.xml", b"?>",
                                b'?><!DOCTYPE sst [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'))


def _bad_xml():
    return rezip(lambda p: _set(p, "xl/workbook.xml", b"</workbook>", b"</workbok>"))


def _link(target_name, target_builder=None):
    def build(folder: Path) -> Path:
        path = folder / "链接.xlsx"
        target = folder / target_name
        if target_builder:
            target_builder(target)
        os.symlink(target, path)
        return path

    return build


def _fifo(folder: Path) -> Path:
    path = folder / "管道.xlsx"
    os.mkfifo(path)
    return path


def _directory(folder: Path) -> Path:
    path = folder / "文件夹.xlsx"
    path.mkdir()
    (path / "里面.txt").write_text("x")
    return path


def _too_large(folder: Path) -> Path:
    path = folder / "过大.xlsx"
    with open(path, "wb") as fh:
        fh.truncate(31 * 1024 * 1024)  # sparse: costs no disk
    return path


def _missing(folder: Path) -> Path:
    return folder / "不存在.xlsx"


# id → (builder, expected code, also in the batch test)
CASES: dict[str, tuple] = {
    "missing": (_missing, "input.not_found", False),
    "broken_link": (_link("不存在的目标.xlsx"), "input.broken_link", True),
    "directory": (_directory, "input.is_directory", False),
    "fifo": (_fifo, "input.not_regular", True),
    "link_to_device": (lambda f: (os.symlink("/dev/zero", f / "设备.xlsx"), f / "设备.xlsx")[1], "input.not_regular", True),
    "empty": (_write("空.xlsx", b""), "input.empty", True),
    "too_large": (_too_large, "input.too_large", True),
    "unsupported": (_write("报告.numbers", b"whatever"), "input.unsupported", False),
    "csv": (_write("表格.xlsx", "单位,件数\n甲局,1\n乙局,2\n".encode("gbk")), "input.csv", True),
    "csv_named_csv": (_write("表格.csv", "单位,件数\n甲局,1\n".encode()), "input.csv", False),
    "html_export": (_write("导出.xlsx", '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><body><table><tr>'
                                     "<td>1</td></tr></table></body></html>".encode()), "input.html", True),
    "xml_2003": (_write("旧XML.xlsx", b'<?xml version="1.0"?><?mso-application progid="Excel.Sheet"?><Workbook '
                                    b'xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>'),
                 "input.xml_2003", True),
    "text": (_write("说明.xlsx", "请查收今年的报告。\n谢谢".encode()), "input.text", True),
    "pdf": (_write("扫描.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj"), "input.pdf", True),
    "image": (_write("截图.xlsx", b"\x89PNG\r\n\x1a\n" + bytes(64)), "input.image", True),
    "archive": (_write("打包.xlsx", gzip.compress(b"a report")), "input.archive", True),
    "binary": (_write("乱码.xlsx", bytes(range(256)) * 8), "input.binary", True),
    "xls": (_write("旧版.xlsx", lambda: cfb(["Workbook", "\x05SummaryInformation"])), "input.xls", True),
    "xls_named_xls": (_write("旧版.xls", lambda: cfb(["Workbook"])), "input.xls", False),
    "wps_et": (_write("WPS表格.et", lambda: cfb(["Workbook"])), "input.et", False),
    "encrypted": (_write("加密.xlsx", lambda: cfb(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])),
                  "input.encrypted", True),
    "word_doc": (_write("文档.xlsx", lambda: cfb(["WordDocument", "1Table"])), "input.ole_other", True),
    "truncated": (_write("截断.xlsx", lambda: good_xlsx()[: len(good_xlsx()) * 2 // 3]), "input.truncated", True),
    "bit_flipped": (_write("损坏.xlsx", _flip_inside("xl/worksheets/sheet5.xml")), "input.corrupt", True),
    "zip_not_workbook": (_write("压缩包.xlsx", lambda: make_zip({"报告/说明.txt": "你好".encode()})), "input.not_workbook", True),
    "docx": (_write("报告.xlsx", lambda: make_zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})),
             "input.docx", True),
    "ods": (_write("表格.xlsx", lambda: make_zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
                                                 "content.xml": b"<office:document-content/>"})), "input.ods", True),
    "xlsm": (_write("宏.xlsx", _xlsm), "input.xlsm", True),
    "xlsb": (_write("二进制.xlsx", lambda: make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 64})),
             "input.xlsb", True),
    "strict": (_write("严格.xlsx", _strict), "input.strict", True),
    "zip_bomb": (_write("炸弹.xlsx", _bomb), "input.zip_bomb", True),
    "part_too_large": (_write("大部件.xlsx", _big_part), "input.part_too_large", True),
    "too_many_parts": (_write("部件多.xlsx", _many_parts), "input.too_many_parts", True),
    "xml_entities": (_write("实体.xlsx", _entities), "input.xml_entity", True),
    "corrupt_xml": (_write("坏XML.xlsx", _bad_xml), "input.corrupt_xml", True),
    "too_many_cells": (_write("单元格多.xlsx", _many_cells), "input.too_many_cells", True),
    "too_many_sheets": (_write("工作表多.xlsx", _many_sheets), "input.too_many_sheets", True),
    "text_too_long": (_write("长文字.xlsx", _long_text), "input.text_too_long", True),
    "no_sheets": (_write("无工作表.xlsx", _no_sheets), "input.no_sheets", True),
    "tables_deleted": (_write("删表.xlsx", _edit_wb(_delete_tables)), "input.tables_deleted", True),
    "not_template": (_write("工资表.xlsx", _foreign), "input.not_template", True),
    "legacy_form": (_write("2019版.xlsx", _legacy), "input.legacy_form", True),
    "other_form": (_write("其他表式.xlsx", _edit_wb(_other_form)), "input.other_form", True),
    "json_syntax": (_write("坏.json", b'{"form": '), "input.not_json", False),
    "json_nan": (_write("NaN.json", b'{"form": "gov-info-disclosure-2021", "x": NaN}'), "input.not_json", False),
    "json_utf16": (_write("UTF16.json", '{"form": 1}'.encode("utf-16")), "input.not_utf8", False),
    "json_not_report": (_write("数组.json", b"[1, 2, 3]"), "input.not_report", False),
}
