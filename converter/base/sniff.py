"""What a file named .xlsx really is, and whether its zip may be opened: all checked before parsing.

`sniff(data, path)` refuses anything that is not an Office Open XML zip with a clear message (CSV,
HTML "Excel export", plain text, PDF, images, other archives, legacy .xls / WPS .et, password-
protected workbooks, Word .doc). `open_workbook_zip(data, path)` then opens the zip and refuses, by
content type and namespaces rather than by extension, .xlsm / .xlsb / .ods / Strict Open XML / Word,
truncated or corrupt archives, zip bombs, oversized parts and XML entity declarations. Everything
here is bounded by the sizes checked first; nothing is parsed before these checks pass.
"""
from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

from converter.base.refusals import refuse, size_text

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_UNZIPPED = 200 * 1024 * 1024  # all parts together, uncompressed
MAX_XML_PART = 32 * 1024 * 1024  # one XML part we may parse (a filled template's largest is ~100 KB)
MAX_PARTS = 2000
KEEP_PARTS_BYTES = 4 * 1024 * 1024  # XML parts kept in memory after the scan, for the parser (a template: ~200 KB)
MAX_RATIO = 200  # uncompressed : compressed, for parts over 1 MB (sheet XML compresses ~10-30:1)

_MAIN_TRANSITIONAL = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_MAIN_STRICT = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_DOCTYPE_MARKS = tuple(m.encode(enc) for m in ("<!DOCTYPE", "<!ENTITY") for enc in ("utf-8", "utf-16-le", "utf-16-be"))


# ---- not a zip at all ----------------------------------------------------------------------------
def sniff(data: bytes, path: Path) -> None:
    """Refuse (InputError) unless `data` starts like a zip; say what it is instead."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return
    if data.startswith(OLE_MAGIC):
        raise _ole_refusal(data, path)
    head = data[:4096]
    for magic, code, kind in ((b"%PDF", "input.pdf", ""), (b"\x89PNG", "input.image", "PNG"),
                              (b"\xff\xd8\xff", "input.image", "JPEG"), (b"GIF8", "input.image", "GIF"),
                              (b"BM", "input.image", "BMP"), (b"II*\x00", "input.image", "TIFF"),
                              (b"MM\x00*", "input.image", "TIFF"), (b"Rar!", "input.archive", "RAR"),
                              (b"7z\xbc\xaf\x27\x1c", "input.archive", "7z"), (b"\x1f\x8b", "input.archive", "gzip"),
                              (b"PK", "input.truncated", "")):
        if head.startswith(magic):
            raise refuse(code, path, kind=kind)
    text = _as_text(head)
    if text is None:
        raise refuse("input.binary", path)
    lowered = text.lstrip("\ufeff \t\r\n").lower()
    if "urn:schemas-microsoft-com:office:spreadsheet" in lowered and "<workbook" in lowered:
        raise refuse("input.xml_2003", path)
    if lowered.startswith(("<!doctype html", "<html", "<table", "<meta", "<head", "<body", "<style")) or re.search(
            r"<(html|table|tr|td)[\s>]", lowered):
        raise refuse("input.html", path, suffix=path.suffix or "（无）")
    if _looks_like_csv(text):
        raise refuse("input.csv", path)
    raise refuse("input.text", path)


def _as_text(head: bytes) -> str | None:
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    for enc in (("utf-16",) if head.startswith((b"\xff\xfe", b"\xfe\xff")) else ("utf-8-sig", "gb18030")):
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            # a multi-byte character cut at the 4096-byte boundary
            try:
                text = head[:-3].decode(enc)
            except UnicodeDecodeError:
                continue
        if sum(1 for ch in text if ch < " " and ch not in "\t\r\n\f") <= len(text) // 100:
            return text
    return None


def _looks_like_csv(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) < 1:
        return False
    for sep in (",", "\t", ";", "，"):
        counts = [ln.count(sep) for ln in lines[:-1] or lines]
        if counts and min(counts) >= 1 and max(counts) - min(counts) <= max(1, max(counts) // 4):
            return True
    return False


# ---- OLE / Compound File Binary: .xls, .et, encrypted OOXML, .doc ----------------------------------
def cfb_stream_names(data: bytes) -> set[str]:
    """Names in the CFB directory: entries are 128 bytes at 128-aligned offsets from the sector start
    (sector size 512 or 4096, both multiples of 128), the name UTF-16LE with its byte length at +64
    and the object type (1 storage, 2 stream, 5 root) at +66."""
    names = set()
    if len(data) < 512 or not data.startswith(OLE_MAGIC):
        return names
    for wanted in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument",
                   "PowerPoint Document", "ETExtData"):
        raw = wanted.encode("utf-16-le")
        start = 512
        while True:
            pos = data.find(raw, start)
            if pos < 0:
                break
            start = pos + 2
            if (pos - 512) % 128 or pos + 128 > len(data):
                continue
            length, kind = struct.unpack_from("<HB", data, pos + 64)
            if length == len(raw) + 2 and kind in (1, 2, 5):
                names.add(wanted)
                break
    return names


def _ole_refusal(data: bytes, path: Path):
    names = cfb_stream_names(data)
    if {"EncryptionInfo", "EncryptedPackage"} & names:
        return refuse("input.encrypted", path)
    if path.suffix.lower() in (".et", ".ett") or "ETExtData" in names:
        return refuse("input.et", path)
    if "Workbook" in names or "Book" in names:
        return refuse("input.xls", path)
    if "WordDocument" in names:
        return refuse("input.ole_other", path, kind="Word 97-2003 文档 .doc")
    if "PowerPoint Document" in names:
        return refuse("input.ole_other", path, kind="PowerPoint 97-2003 演示文稿 .ppt")
    return refuse("input.ole_other", path, kind="无法识别的 OLE 复合文档")


# ---- the zip ---------------------------------------------------------------------------------
def workbook_kind(data: bytes, path: Path) -> tuple[str, zipfile.ZipFile | None]:
    """("xlsx", zip) | ("ods", zip) | ("xls", None): what a workbook file really is, every check of
    `open_workbook_zip` done; anything else (encrypted, WPS .et, .doc, CSV, …) refused as before."""
    if data.startswith(OLE_MAGIC):
        error = _ole_refusal(data, path)
        if error.code == "input.xls":
            return "xls", None
        raise error
    sniff(data, path)
    zf = open_safe_zip(data, path, _refuse_other_kinds_but_ods)
    return ("ods" if _is_ods(zf, path) else "xlsx"), zf


def _is_ods(zf: zipfile.ZipFile, path: Path) -> bool:
    return "mimetype" in zf.NameToInfo and b"opendocument.spreadsheet" in read_part(zf, "mimetype", path)[:200]


def _refuse_other_kinds_but_ods(zf: zipfile.ZipFile, names: set[str], path: Path) -> None:
    if not _is_ods(zf, path):
        _refuse_other_kinds(zf, names, path)


def open_workbook_zip(data: bytes, path: Path) -> zipfile.ZipFile:
    """The zip of a transitional SpreadsheetML workbook, every check done before any XML is parsed."""
    sniff(data, path)
    return open_safe_zip(data, path, _refuse_other_kinds)


def open_safe_zip(data: bytes, path: Path, kind_check=None) -> zipfile.ZipFile:
    """Any Office Open XML zip (a workbook, a .docx for `converter import`): the archive, part count,
    sizes and ratios checked, `kind_check(zf, names, path)` run, every XML part read (CRC-checked)
    and scanned for DOCTYPE/ENTITY — all before any parser sees it."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except zipfile.BadZipFile:
        # no end-of-archive record at all: cut short; one that does not add up: damaged
        if data.rfind(b"PK\x05\x06", max(0, len(data) - 65558)) >= 0:
            raise refuse("input.corrupt", path, part="（文件目录）") from None
        raise refuse("input.truncated", path) from None
    except (OSError, ValueError, EOFError, NotImplementedError):
        raise refuse("input.corrupt", path, part="（目录）") from None
    if len(infos) > MAX_PARTS:
        raise refuse("input.too_many_parts", path, count=len(infos), limit=MAX_PARTS)
    total = sum(i.file_size for i in infos)
    if total > MAX_UNZIPPED:
        raise refuse("input.zip_bomb", path, detail=f"解压后共 {size_text(total)}，上限 {size_text(MAX_UNZIPPED)}")
    for i in infos:
        if i.file_size > 1024 * 1024 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            raise refuse("input.zip_bomb", path,
                         detail=f"{i.filename} 压缩比 {i.file_size // max(i.compress_size, 1)}:1，上限 {MAX_RATIO}:1")
    names = {i.filename for i in infos}
    # XML parts inflated once (the kind check's, then the scan's) and kept for the reader, within a budget
    zf.converter_parts, zf.converter_room, zf.converter_data = {}, KEEP_PARTS_BYTES, data
    # where each entry's bytes must end: the next entry's header, or the directory (overlapping entries are
    # a zip-bomb trick: left to zipfile, which refuses them where its version does)
    starts = sorted({i.header_offset for i in infos} | {zf.start_dir})
    zf.converter_ends = dict(zip(starts, starts[1:]))
    if kind_check is not None:
        kind_check(zf, names, path)
    for i in infos:
        if i.filename.endswith((".xml", ".rels", ".vml")) and i.file_size > MAX_XML_PART:
            raise refuse("input.part_too_large", path, part=i.filename, size=size_text(i.file_size),
                         limit=size_text(MAX_XML_PART))
    for i in infos:  # every XML part, read (CRC-checked) and scanned for DTDs: a few ms for our files
        if i.filename.endswith((".xml", ".rels")) or i.filename == "[Content_Types].xml":
            # of a repeated name, the entry zipfile does not read is scanned too, never kept
            xml = read_part(zf, i.filename, path) if zf.NameToInfo.get(i.filename) is i else _inflate(zf, i, path)
            if _has_markup_declaration(xml) and any(mark in xml for mark in _DOCTYPE_MARKS):
                raise refuse("input.xml_entity", path, part=i.filename)
    return zf


def _has_markup_declaration(xml: bytes) -> bool:
    """Whether `xml` holds "<!" (UTF-8) or "<\0!" (UTF-16), as every DOCTYPE/ENTITY mark does: found by
    looking for "!" (memchr; rare in XML) rather than "<" (every tag), a quarter of the time."""
    i = xml.find(b"!")
    while i >= 0:
        if xml[i - 1:i] == b"<" or xml[i - 2:i] == b"<\x00":
            return True
        i = xml.find(b"!", i + 1)
    return False


def read_part(zf: zipfile.ZipFile, name: str, path: Path) -> bytes:
    """A part's bytes (sizes already checked); a bad CRC or deflate stream is a corrupt file. An XML part
    of a zip from open_safe_zip is inflated once and kept, within the zip's budget."""
    kept = getattr(zf, "converter_parts", None)
    if kept is not None and name in kept:
        return kept[name]
    if name not in zf.NameToInfo:
        return b""
    data = _inflate(zf, name, path)
    if kept is not None and name.endswith((".xml", ".rels")) and len(data) <= zf.converter_room:
        kept[name] = data
        zf.converter_room -= len(data)
    return data


def _inflate(zf: zipfile.ZipFile, entry, path: Path) -> bytes:
    """The bytes of a zip entry (a name or a ZipInfo), bounded and CRC-checked."""
    name = getattr(entry, "filename", entry)
    data = getattr(zf, "converter_data", None)
    info = entry if isinstance(entry, zipfile.ZipInfo) else zf.NameToInfo.get(entry)
    if data is not None and info is not None and PLAIN_INFLATE:
        quick = _inflate_plain(data, info, zf.converter_ends.get(info.header_offset, 0))
        if quick is not None:
            return quick
    try:
        with zf.open(entry) as fh:
            data = fh.read(MAX_UNZIPPED + 1)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError):
        raise refuse("input.corrupt", path, part=name) from None
    except KeyError:
        return b""
    if len(data) > MAX_UNZIPPED:  # the header lied about the size
        raise refuse("input.zip_bomb", path, detail=f"{name} 实际解压大小超过声明")
    return data


_LOCAL_HEADER = struct.Struct("<4s5H3L2H")
PLAIN_INFLATE = True  # False: every part through zipfile (the careful path the tests compare with)


def _inflate_plain(data: bytes, info: zipfile.ZipInfo, end: int) -> bytes | None:
    """An entry inflated straight from the file's bytes (zipfile's reader costs more than the inflating for
    a workbook's small parts), when all is plain: stored or deflated, not encrypted, the local header where
    the directory says with the same name, its bytes ending by `end`, the size and CRC the directory gives.
    Anything else: None, and zipfile reads it (and refuses what it refuses)."""
    if info.flag_bits & 0x61 or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return None
    offset = info.header_offset
    try:
        magic, _, _, _, _, _, _, _, _, name_len, extra_len = _LOCAL_HEADER.unpack_from(data, offset)
    except struct.error:
        return None
    start = offset + _LOCAL_HEADER.size
    if magic != b"PK\x03\x04" or data[start:start + name_len] != info.orig_filename.encode(
            "utf-8" if info.flag_bits & 0x800 else "cp437", "replace"):
        return None
    start += name_len + extra_len
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size or start + info.compress_size > end:
        return None
    try:
        out = raw if info.compress_type == zipfile.ZIP_STORED else \
            zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    except zlib.error:
        return None
    if len(out) != info.file_size or zlib.crc32(out) != info.CRC:
        return None
    return out


def _refuse_other_kinds(zf: zipfile.ZipFile, names: set[str], path: Path) -> None:
    if "mimetype" in names:
        mime = read_part(zf, "mimetype", path)[:200]
        if b"opendocument.spreadsheet" in mime:
            raise refuse("input.ods", path)
        if b"opendocument" in mime:
            raise refuse("input.not_workbook", path)
    types = read_part(zf, "[Content_Types].xml", path) if "[Content_Types].xml" in names else b""
    if b"sheet.macroEnabled.main+xml" in types or b"template.macroEnabled.main+xml" in types or "xl/vbaProject.bin" in names:
        raise refuse("input.xlsm", path)
    if "xl/workbook.bin" in names or b"sheet.binary.macroEnabled.main" in types:
        raise refuse("input.xlsb", path)
    if "word/document.xml" in names:
        raise refuse("input.docx", path)
    if "xl/workbook.xml" not in names:
        raise refuse("input.not_workbook", path)
    head = read_part(zf, "xl/workbook.xml", path)[:2048]
    if _MAIN_STRICT in head and _MAIN_TRANSITIONAL not in head:
        raise refuse("input.strict", path)
