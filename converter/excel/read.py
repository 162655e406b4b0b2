"""Read a returned agency workbook back into report JSON (openpyxl, read-only, from bytes).

Cells are found through the workbook's defined names (the public contract), each table's names
checked against its labels; when names are missing or stale (rows inserted by a tool that does
not move names) the tables are found by their labels. Derived totals are recomputed from the
inputs, never taken from cached values. What people type (" 12 ", "１２", "12件", "/", "无") is
normalised with a finding naming the cell (表三!D7 and the official labels).
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
import zipfile
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

from converter.base.errors import InputError
from converter.base.refusals import refuse, size_text
from converter.engine.findings import Finding, Location
from converter.form.definition import Form, available_forms, get_path, load_form, set_path
from converter.engine.arith import evaluate_derived, fmt, rounded, signed_sum
from converter.engine.values import parse_cell
from converter.base.sniff import read_part, workbook_kind
from converter.base.files import read_bytes
from converter.base.text import without_seal_note
from converter.base.internal import internal_error, is_program_error
from converter.engine.loaded import Loaded
from converter.excel.layout import (COVER, COVER_FIELDS, STAMP, TEXTS, Pos, check_rules, col_letter, fingerprint,
                                    layout, name_of, runs)

MAX_XLSX_BYTES = 30 * 1024 * 1024
MAX_CELLS = 200_000  # cells with a value, all sheets together (a filled template has ~400)
MAX_SHEETS = 100
MAX_TEXT = 32767  # Excel's own limit for one cell
FALLBACK_AREA = (2000, 200)  # rows, columns the openpyxl fallback reads (the template uses ~40 × 15)
FALLBACK_SECONDS = 60
FALLBACK_MEMORY = 2 * 1024**3


def read_workbook(path, year: int | None = None, form: Form | None = None, engine: str = "auto") -> Loaded:
    """The report in a workbook (ours, possibly edited), with what reading it found.

    engine: "xml" reads the parts directly (zipfile + ElementTree, a few ms), "openpyxl" through
    openpyxl (tens of ms, in a child process with a memory limit and a timeout, only the template's
    area); "auto" tries the direct reader and falls back to openpyxl on anything it does not
    understand. Whatever the input, the sizes, counts and ratios are checked before any parsing
    (converter.base.sniff) and every refusal is an InputError from the catalogue (converter.base.refusals).
    """
    path = Path(path)
    data = read_bytes(path, MAX_XLSX_BYTES)
    kind, zf = workbook_kind(data, path)
    if kind != "xlsx":
        return _read_calamine(data, path, kind, zf, year, form)
    book = None
    first_error = None
    if engine in ("auto", "xml"):
        try:
            book = XmlBook(zf, path)
        except InputError:
            raise
        except Exception as e:
            if engine == "xml":
                raise
            first_error = e
    if book is None:
        book = OpenpyxlBook(*_openpyxl_snapshot(data, path, first_error))
    try:
        return _Reader(book, path, form).read(year)
    except InputError:
        raise
    except Exception as e:
        if isinstance(book, OpenpyxlBook) and is_program_error(e):  # the cells were all read: the bug is ours
            raise internal_error(path, e) from None
        if engine != "auto" or isinstance(book, OpenpyxlBook):
            raise refuse("input.unreadable_workbook", path, detail=type(e).__name__) from None
        book.close()
        return read_workbook(path, year, form, engine="openpyxl")
    finally:
        book.close()


def _read_calamine(data: bytes, path: Path, kind: str, zf, year, form) -> Loaded:
    """.xls / .ods through calamine: cells as their cached values (formulas are recognised by value,
    see _Reader.read), cells placed by the defined names an .ods keeps, else by the labels. calamine
    (a native library) reads in the same guarded child as the openpyxl fallback."""
    try:
        book = ValuesBook(*_guarded(lambda: _calamine_snapshot(data, path, kind, zf), path))
    finally:
        if zf is not None:
            zf.close()
    try:
        return _Reader(book, path, form).read(year)
    except InputError:
        raise
    except Exception as e:
        if is_program_error(e):
            raise internal_error(path, e) from None
        raise refuse("input.unreadable_workbook", path, detail=type(e).__name__) from None


def _calamine_snapshot(data: bytes, path: Path, kind: str, zf):
    """(sheetnames, defined names, {sheet: grid}) of an .xls / .ods, every sheet read (cells counted)."""
    book = CalamineBook(data, path, kind, zf)
    try:
        return book.sheetnames, book.names, {sheet: book.grid(sheet) for sheet in book.sheetnames}
    finally:
        book.close()


def _openpyxl_snapshot(data: bytes, path: Path, first_error: Exception | None = None):
    """(sheetnames, defined names, {sheet: grid}) through openpyxl, bounded to FALLBACK_AREA, guarded."""
    return _guarded(lambda: _snapshot_in_process(data, path, first_error), path)


def _guarded(work, path: Path):
    """work() — a third-party reader that can still run away on a hostile file (openpyxl on styles with a
    million entries, calamine on a crafted .xls) — on POSIX in a forked child with RLIMIT_AS =
    FALLBACK_MEMORY and a FALLBACK_SECONDS timeout, so the command survives and says what happened.
    Its result must pickle."""
    import os

    if not hasattr(os, "fork"):
        return work()
    import pickle
    import select
    import signal
    import time

    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: limit, read, send, exit without running any parent cleanup
        code = 0
        try:
            os.close(rfd)
            try:
                import resource

                soft, hard = resource.getrlimit(resource.RLIMIT_AS)
                limit = FALLBACK_MEMORY if hard == resource.RLIM_INFINITY else min(FALLBACK_MEMORY, hard)
                if soft == resource.RLIM_INFINITY or soft > limit:
                    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
            except (ImportError, ValueError, OSError):
                pass
            try:
                result = ("ok", work())
            except InputError as e:
                result = ("refused", (e.code, e.message))
            except MemoryError:
                result = ("memory", None)
            payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(wfd, "wb") as out:
                out.write(payload)
        except BaseException:  # noqa: BLE001 — the child must never return into the parent's code
            code = 1
        finally:
            os._exit(code)
    os.close(wfd)
    chunks, deadline, timed_out = [], time.monotonic() + FALLBACK_SECONDS, False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([rfd], [], [], left)
            if not ready:
                continue
            chunk = os.read(rfd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(rfd)
        if timed_out:
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    if timed_out:
        raise refuse("input.too_slow", path, seconds=FALLBACK_SECONDS)
    try:
        kind, value = pickle.loads(b"".join(chunks))
    except Exception:  # killed (out of memory in a C library) or crashed before sending
        raise refuse("input.too_much_memory" if os.WIFSIGNALED(status) else "input.unreadable_workbook", path,
                     limit=size_text(FALLBACK_MEMORY), detail="读取进程异常终止") from None
    if kind == "refused":
        raise InputError(value[0], value[1], str(path))
    if kind == "memory":
        raise refuse("input.too_much_memory", path, limit=size_text(FALLBACK_MEMORY))
    return value


def _snapshot_in_process(data: bytes, path: Path, first_error: Exception | None = None):
    import warnings

    import openpyxl  # lazily: keeps `converter --help` fast

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except MemoryError:
        raise
    except Exception as e:  # openpyxl raises many kinds on malformed parts
        raise _unreadable(path, first_error, e) from None
    try:
        sheetnames = list(wb.sheetnames)
        if len(sheetnames) > MAX_SHEETS:
            raise refuse("input.too_many_sheets", path, count=len(sheetnames), limit=MAX_SHEETS)
        defined = {}
        for name, dn in wb.defined_names.items():
            try:
                dests = list(dn.destinations)
            except Exception:
                continue
            if len(dests) == 1:
                defined[name] = (dests[0][0], (dests[0][1] or "").replace("$", ""))
        grids, total = {}, 0
        rows, cols = FALLBACK_AREA
        for sheet in sheetnames:
            cells: dict = {}
            ws = wb[sheet]
            if hasattr(ws, "iter_rows"):  # chartsheets have no cells
                for r, row in enumerate(ws.iter_rows(min_row=1, max_row=rows, max_col=cols, values_only=True), 1):
                    for c, v in enumerate(row, start=1):
                        if v is not None:
                            cells[(r, c)] = _unescape(v) if isinstance(v, str) else v
            total += len(cells)
            if total > MAX_CELLS:
                raise refuse("input.too_many_cells", path, count=f"超过 {MAX_CELLS}", limit=MAX_CELLS)
            grids[sheet] = cells
        return sheetnames, defined, grids
    except (InputError, MemoryError):
        raise
    except Exception as e:
        raise _unreadable(path, first_error, e) from None
    finally:
        wb.close()


def _unreadable(path: Path, first_error, e: Exception) -> InputError:
    part = getattr(first_error, "part", None)
    if part:
        return refuse("input.corrupt_xml", path, part=part)
    return refuse("input.unreadable_workbook", path, detail=type(e).__name__)


# ---- two ways to see a workbook: sheet names, defined names, {(row, col): value} per sheet ----------
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
_CELL_REF = re.compile(r"([A-Z]{1,3})(\d+)")
_VALUE_TAG = re.compile(rb"<(?:\w+:)?(?:v|is)[\s>]")
_NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)$")


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _unescape(text: str) -> str:
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text) if "_x" in text else text


_ROOT_TAG = re.compile(rb"<(?![?!])([\w:.-]+)[^>]*>")


def _sheet_data_only(xml: bytes) -> bytes:
    """The worksheet without what follows its cells (validations with their prompts, formats…):
    the root start tag (with its namespace declarations), <sheetData>…</sheetData>, the root end."""
    start = xml.find(b"<sheetData")
    end = xml.find(b"</sheetData>", start)
    root = _ROOT_TAG.search(xml)
    if start < 0 or end < 0 or root is None or root.end() > start:
        return xml
    return xml[:root.end()] + xml[start:end + len(b"</sheetData>")] + b"</" + root.group(1) + b">"


SAVED_MARK = re.compile(rb"<(?:dcterms:modified|dc:date)[^>]*>([^<]{10,40})<")  # core.xml, or an .ods meta.xml
_SEEN_BOOKS: dict = {}  # (workbook.xml, its rels) → what XmlBook._workbook found; per process
_SEEN_STYLES: dict = {}  # styles.xml → the date formats' indexes
_SEEN_POSITIONS: dict = {}  # (id of remembered names, sheets) → (those names, {name: Pos})
_SEEN_LIMIT = 32  # distinct templates and office suites in one round: a handful
_SEEN_PART_BYTES = 256 * 1024  # a template's workbook.xml is ~20 KB: a larger one (a hostile file with
# hundreds of thousands of names) is parsed each time, never kept in a worker's memory for later files


def _remember(cache: dict, key, value):
    if len(cache) >= _SEEN_LIMIT:
        cache.clear()
    cache[key] = value
    return value


class _ReadOnlyDict(dict):
    """A remembered result shared by every workbook with the same parts: nothing may change it."""

    def _refuse(self, *args, **kwargs):
        raise TypeError("shared: copy it before changing it")

    __setitem__ = __delitem__ = __ior__ = update = pop = popitem = clear = setdefault = _refuse

    def __reduce__(self):  # pickled (into or out of a guarded child) as a plain dict
        return dict, (dict(self),)


class BadPart(Exception):
    """A part that is not well-formed XML (the openpyxl fallback then gets its chance)."""

    def __init__(self, part: str, detail: str):
        super().__init__(f"{part}: {detail}")
        self.part = part


class XmlBook:
    """The parts we need, parsed directly: workbook, rels, shared strings, sheets on demand.

    The zip has passed converter.sniff (sizes, ratios, no DTDs); the cells with a value are counted
    before each sheet is parsed, all sheets together at most MAX_CELLS.
    """

    # False: _value asked of every cell too, nothing remembered (the careful path the tests compare with)
    skip_empty = True

    def __init__(self, zf: zipfile.ZipFile, path: Path | None = None):
        from xml.etree import ElementTree as ET

        self._ET = ET
        self.zf = zf
        self.path = path
        self.cells_seen = 0
        self._date_styles: set[int] | None = None
        sheets, self.names = self._workbook()
        self.parts: dict[str, str] = {}
        self.sheetnames: list[str] = []
        for name, target in sheets:
            if target in zf.NameToInfo:
                self.sheetnames.append(name)
                self.parts[name] = target
        if len(self.sheetnames) > MAX_SHEETS:
            raise refuse("input.too_many_sheets", path, count=len(self.sheetnames), limit=MAX_SHEETS)
        self.strings: list[str] = []
        if "xl/sharedStrings.xml" in zf.NameToInfo:
            for si in self._parse("xl/sharedStrings.xml").iter(_MAIN + "si"):
                parts = []
                for child in si:
                    if child.tag == _MAIN + "t":
                        parts.append(child.text or "")
                    elif child.tag == _MAIN + "r":
                        parts.extend(t.text or "" for t in child.iter(_MAIN + "t"))
                self.strings.append(_unescape("".join(parts)))

    def defined(self) -> dict[str, tuple[str, str]]:
        return self.names

    def _workbook(self) -> tuple[tuple, dict]:
        """((sheet name, part), …) in workbook order, whatever parts the zip has, and the defined names (sheet,
        A1) — remembered by the bytes of workbook.xml and its rels: a round's workbooks, saved by one office
        suite from one template, mostly share them (230 names parsed once, not per file)."""
        xml, rels_xml = self._read("xl/workbook.xml"), self._read("xl/_rels/workbook.xml.rels")
        key = (xml, rels_xml)
        remember = self.skip_empty and len(xml) + len(rels_xml) <= _SEEN_PART_BYTES  # (careful path: never)
        hit = _SEEN_BOOKS.get(key) if remember else None
        if hit is not None:
            return hit
        root = self._parse("xl/workbook.xml", xml)
        if root.tag != _MAIN + "workbook":
            raise ValueError("not a transitional SpreadsheetML workbook")
        rels = self._parse("xl/_rels/workbook.xml.rels", rels_xml)
        targets = {}
        for rel in rels.iter(_PKG_REL + "Relationship"):
            target = rel.get("Target", "")
            target = target.lstrip("/") if target.startswith("/") else "xl/" + target
            targets[rel.get("Id")] = re.sub(r"[^/]+/\.\./", "", target)
        sheets = []
        for sheet in root.iter(_MAIN + "sheet"):
            name, rid = sheet.get("name"), sheet.get(_REL + "id")
            if rid in targets:
                sheets.append((name, targets[rid]))
        names: dict[str, tuple[str, str]] = {}
        for dn in root.iter(_MAIN + "definedName"):
            if dn.get("localSheetId") is not None or not dn.text:
                continue
            m = _NAME_REF.match(dn.text.strip())
            if m:
                sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
                names[dn.get("name")] = (sheet, f"{m.group(3)}{m.group(4)}")
        if not remember:
            return tuple(sheets), names
        return _remember(_SEEN_BOOKS, key, (tuple(sheets), _ReadOnlyDict(names)))

    def date_styles(self) -> set[int]:
        """Indexes of the cell formats (cellXfs) that show numbers as dates or times (remembered by the bytes of
        styles.xml, as _workbook)."""
        if self._date_styles is None:
            xml = self._read("xl/styles.xml") if "xl/styles.xml" in self.zf.NameToInfo else b""
            remember = self.skip_empty and len(xml) <= _SEEN_PART_BYTES
            found = _SEEN_STYLES.get(xml) if remember else None
            if found is None:
                found = set()
                if xml:
                    root = self._parse("xl/styles.xml", xml)
                    custom = {}
                    for nf in root.iter(_MAIN + "numFmt"):
                        code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", nf.get("formatCode") or "").lower()
                        custom[nf.get("numFmtId")] = bool(re.search(r"[ymdhs]", code))
                    xfs = root.find(_MAIN + "cellXfs")
                    for i, xf in enumerate(xfs if xfs is not None else ()):
                        fid = xf.get("numFmtId") or "0"
                        if (fid.isdigit() and (14 <= int(fid) <= 22 or 45 <= int(fid) <= 47)) or custom.get(fid):
                            found.add(i)
                found = _remember(_SEEN_STYLES, xml, frozenset(found)) if remember else frozenset(found)
            self._date_styles = found
        return self._date_styles

    def _read(self, part: str) -> bytes:
        return read_part(self.zf, part, self.path) if self.path is not None else self.zf.read(part)

    def saved_at(self) -> str | None:
        """When the workbook says it was last saved (docProps/core.xml), from the part the zip scan kept."""
        info = self.zf.NameToInfo.get("docProps/core.xml")
        if info is None or info.file_size >= 1 << 20:
            return None
        m = SAVED_MARK.search(self._read("docProps/core.xml"))
        return m.group(1).decode("ascii", "replace").strip() if m else None

    def _parse(self, part: str, xml: bytes | None = None):
        if xml is None:
            xml = self._read(part)
        try:
            return self._ET.fromstring(xml)
        except self._ET.ParseError as e:
            raise BadPart(part, str(e)) from None

    def grid(self, sheet: str) -> dict:
        cells: dict = {}
        if sheet not in self.parts:
            return cells
        part = self.parts[sheet]
        xml = _sheet_data_only(read_part(self.zf, part, self.path) if self.path is not None else self.zf.read(part))
        self.cells_seen += len(_VALUE_TAG.findall(xml))
        if self.cells_seen > MAX_CELLS:
            raise refuse("input.too_many_cells", self.path, count=f"超过 {MAX_CELLS}", limit=MAX_CELLS)
        root = self._parse(part, xml)
        data = root.find(_MAIN + "sheetData")
        if data is None:
            return cells
        row_no = 0
        skip_empty = self.skip_empty
        for row in data.iter(_MAIN + "row"):
            row_no = int(row.get("r") or row_no + 1)
            col_no = 0
            for c in row.iter(_MAIN + "c"):
                r = c.get("r")
                if r:
                    m = _CELL_REF.fullmatch(r)
                    col_no = _col_number(m.group(1))
                else:
                    col_no += 1
                if skip_empty and not len(c):  # <c r="B1" s="1"/>: a styled empty cell (most of them), no value
                    continue
                value = self._value(c)
                if value is not None:
                    cells[(row_no, col_no)] = value
        return cells

    def _value(self, c):
        f = c.find(_MAIN + "f")
        if f is not None:
            return "=" + (f.text or "")
        kind = c.get("t", "n")
        if kind == "inlineStr":
            node = c.find(_MAIN + "is")
            return _unescape("".join(t.text or "" for t in node.iter(_MAIN + "t"))) if node is not None else None
        v = c.find(_MAIN + "v")
        if v is None or v.text is None:
            return None
        text = v.text
        if kind == "s":
            return self.strings[int(text)]
        if kind == "n":
            value = int(text) if re.fullmatch(r"-?\d+", text) else float(text)
            style = c.get("s")
            if style and style.isdigit() and int(style) in self.date_styles() and math.isfinite(value):
                return _excel_date(value)  # as openpyxl would: a date typed into a number cell
            return value
        if kind == "b":
            return text.strip() in ("1", "true")
        return _unescape(text)  # str, e, d: as text

    def close(self):
        self.zf.close()


class OpenpyxlBook:
    """The same view from an openpyxl snapshot (see _openpyxl_snapshot): the fallback for workbooks
    XmlBook does not take."""

    def __init__(self, sheetnames, names, grids):
        self.sheetnames = list(sheetnames)
        self.names = names
        self.grids = grids

    def defined(self) -> dict[str, tuple[str, str]]:
        return self.names

    def grid(self, sheet: str) -> dict:
        return dict(self.grids.get(sheet, {}))

    def close(self):
        pass


class ValuesBook(OpenpyxlBook):
    """A snapshot of an .xls / .ods read through calamine: formula cells come as their values."""

    formulas_known = False


_ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_ODS_ADDRESS = re.compile(r"^\$?(?:'((?:[^']|'')+)'|([^.']+))\.\$?([A-Z]{1,3})\$?(\d+)$")


class CalamineBook:
    """.xls (BIFF) and .ods through python-calamine (Rust; reads xls, xlsx and ods, fast and well
    kept). Formula cells come as their cached values: `formulas_known` is False, and the reader
    tells a formula from a number typed over it by comparing with the value the inputs give."""

    formulas_known = False

    def __init__(self, data: bytes, path: Path, kind: str, zf: zipfile.ZipFile | None = None):
        import python_calamine

        self.path, self.kind, self.zf = path, kind, zf
        try:
            self.wb = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
            self.sheetnames = list(self.wb.sheet_names)
        except Exception:  # calamine raises its own kinds (and panics surface as exceptions)
            raise refuse("input.xls" if kind == "xls" else "input.ods", path) from None
        if not self.sheetnames:  # calamine opens a container without a readable workbook stream as empty
            raise refuse("input.xls" if kind == "xls" else "input.ods", path)
        if len(self.sheetnames) > MAX_SHEETS:
            raise refuse("input.too_many_sheets", path, count=len(self.sheetnames), limit=MAX_SHEETS)
        self.names = self._ods_names() if zf is not None else {}
        self.cells_seen = 0

    def _ods_names(self) -> dict[str, tuple[str, str]]:
        """Named single cells of an .ods (content.xml <table:named-range>), as sheet and A1 reference."""
        from xml.etree import ElementTree as ET

        out: dict[str, tuple[str, str]] = {}
        try:
            root = ET.fromstring(read_part(self.zf, "content.xml", self.path))
        except ET.ParseError:
            return out
        for nr in root.iter(_ODS_TABLE + "named-range"):
            m = _ODS_ADDRESS.match(nr.get(_ODS_TABLE + "cell-range-address") or "")
            if m:
                sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
                out[nr.get(_ODS_TABLE + "name")] = (sheet, f"{m.group(3)}{m.group(4)}")
        return out

    def defined(self) -> dict[str, tuple[str, str]]:
        return self.names

    def grid(self, sheet: str) -> dict:
        cells: dict = {}
        if sheet not in self.sheetnames:
            return cells
        try:
            ws = self.wb.get_sheet_by_name(sheet)
            top, left = ws.start or (0, 0)
            if ws.height * ws.width > FALLBACK_AREA[0] * FALLBACK_AREA[1] * 50:
                raise refuse("input.too_many_cells", self.path, count=f"超过 {MAX_CELLS}", limit=MAX_CELLS)
            rows = ws.to_python(skip_empty_area=True)
        except InputError:
            raise
        except Exception:
            raise refuse("input.xls" if self.kind == "xls" else "input.ods", self.path) from None
        for r, row in enumerate(rows, start=top + 1):
            for c, v in enumerate(row, start=left + 1):
                if v is None or v == "":
                    continue
                if isinstance(v, str):
                    v = _unescape(v)
                cells[(r, c)] = v
        self.cells_seen += len(cells)
        if self.cells_seen > MAX_CELLS:
            raise refuse("input.too_many_cells", self.path, count=f"超过 {MAX_CELLS}", limit=MAX_CELLS)
        return cells

    def saved_at(self) -> str | None:
        return None

    def close(self):
        try:
            self.wb.close()
        except Exception:
            pass
        if self.zf is not None:
            self.zf.close()


def _excel_date(serial: float):
    """An Excel serial date (1900 system) as a datetime; out-of-range serials stay numbers."""
    try:
        return datetime(1899, 12, 30) + timedelta(days=serial)
    except (OverflowError, ValueError):
        return serial


class _Reader:
    def __init__(self, book, path: Path, form: Form | None):
        self.book = book
        self.path = path
        self.form = form
        self.findings: list[Finding] = []
        self._grids: dict[str, dict] = {}
        self._norms: dict[str, str] = {}

    def norm(self, text: str) -> str:
        """form.normalize_label, memoised: label searches look at every short text of every sheet."""
        out = self._norms.get(text)
        if out is None:
            out = self._norms[text] = self.form.normalize_label(text)
        return out

    # ---- sheet access ----
    def grid(self, sheet: str) -> dict:
        """{(row, col): value} of a sheet, read once."""
        if sheet not in self._grids:
            self._grids[sheet] = self.book.grid(sheet)
        return self._grids[sheet]

    def value(self, pos: Pos):
        v = self.grid(pos.sheet).get((pos.row, pos.col))
        if isinstance(v, str) and len(v) > MAX_TEXT:
            raise refuse("input.text_too_long", self.path, where=f"{pos.sheet}!{pos.ref}", count=len(v), limit=MAX_TEXT)
        return v

    def stamp(self) -> dict:
        if STAMP not in self.book.sheetnames:
            return {}
        g = self.grid(STAMP)
        return {str(g[(r, 1)]): g.get((r, 2)) for (r, c) in list(g) if c == 1}

    def defined(self) -> dict[str, Pos]:
        names = self.book.defined()
        key = (id(names), tuple(self.book.sheetnames)) if isinstance(names, _ReadOnlyDict) else None
        hit = _SEEN_POSITIONS.get(key) if key else None
        if hit is not None and hit[0] is names:  # the same remembered names, the same sheets
            return hit[1]
        out = {}
        for name, (sheet, coord) in names.items():
            m = _CELL_REF.fullmatch(coord or "")
            if m and sheet in self.book.sheetnames:
                out[name] = Pos(sheet, int(m.group(2)), _col_number(m.group(1)))
        if key:
            out = _remember(_SEEN_POSITIONS, key, (names, _ReadOnlyDict(out)))[1]
        return out

    # ---- identification ----
    def identify(self, stamp: dict, names: dict) -> Form:
        form_id = stamp.get("form")
        if form_id:
            if self.form is not None and self.form.id != form_id:
                raise refuse("input.other_form", self.path, form_id=form_id, what="填报表", forms=self.form.id)
            if self.form is None and form_id not in available_forms():
                raise refuse("input.other_form", self.path, form_id=form_id, what="填报表",
                             forms="、".join(available_forms()))
            form = self.form or load_form(str(form_id))
            if str(stamp.get("fingerprint") or "") != fingerprint(form):
                self.note("read.template_version", "warning",
                          "填报表不是由当前版本的模板生成（模板指纹不同），已按表头定位读取，请核对结果")
            return form
        form = self.form or _most_named(names)
        if not any(name_of(n.key) in names for n in form.numbers):
            self.note("read.no_stamp", "warning", "工作簿不是本工具生成的填报模板（缺少模板标记），已按表头文字定位各表")
        return form

    def note(self, code, severity, message, loc: Location | None = None, **context):
        self.findings.append(Finding(code, severity, message, loc or Location(), context))

    # ---- locating tables ----
    def place_table(self, table, names: dict) -> dict[str, Pos] | None:
        """key → Pos for the table's number cells: by defined names when they agree with the labels,
        else by the labels (each row followed by its own label, so rows inserted or deleted inside
        the table move only what they moved)."""
        named = [names.get(name_of(n.key)) for n in table.numbers]
        if any(named):
            if all(named):
                sheets = {p.sheet for p in named}
                offsets = {(p.row - n.r, p.col - n.c) for p, n in zip(named, table.numbers)}
                if len(sheets) == 1 and len(offsets) == 1:
                    sheet = sheets.pop()
                    dr, dc = offsets.pop()
                    if self._labels_at(table, sheet, dr, dc):
                        return {n.key: Pos(sheet, n.r + dr, n.c + dc, n.rs, n.cs) for n in table.numbers}
                elif len(sheets) == 1 and self._names_follow_labels(table, named):
                    # an office suite moved the names with rows/columns inserted inside the table
                    return {n.key: Pos(p.sheet, p.row, p.col, n.rs, n.cs) for n, p in zip(table.numbers, named)}
            self.note("read.names_stale", "info",
                      f"{table.name}的单元格名称与表头位置不一致（可能插入或删除了行列），已按表头文字定位")
        found = self._search(table)
        if found is None:
            return None
        sheet, dr, dc = found
        rows = self._anchor_rows(table, sheet, dr, dc)
        out = {}
        for n in table.numbers:
            row = rows.get(n.r, n.r + dr)
            if row is not None:
                out[n.key] = Pos(sheet, row, n.c + dc, n.rs, n.cs)
        for r, row in sorted(rows.items()):
            if row is None:
                label = self._row_label(table, r)
                self.note("read.row_missing", "error",
                          f"{table.name}找不到「{label.text}」行（可能被删除），该行数据按空白处理，请使用原模板重新填写",
                          Location(path="", table=table.name, row_label=label.text, sheet=sheet))
        return out

    def _names_follow_labels(self, table, named) -> bool:
        """Every named cell has its own row label to its left on its row, and the cells of a row
        keep their order: names an office suite kept up to date through edits inside the table."""
        g = self.grid(named[0].sheet)
        rows: dict[int, list] = {}
        for n, p in zip(table.numbers, named):
            label = self._row_label(table, n.r)
            if label is None:
                return False
            texts = self._label_texts(label)
            if not any(isinstance(g.get((p.row, c)), str) and self.norm(g[(p.row, c)]) in texts
                       for c in range(1, p.col)):
                return False
            rows.setdefault(n.r, []).append((n.c, p.row, p.col))
        for cells in rows.values():
            cells.sort()
            if len({row for _, row, _ in cells}) != 1 or [c for _, _, c in cells] != sorted(c for _, _, c in cells):
                return False
        return True

    def _row_label(self, table, r: int):
        """The label naming grid row r on its own (rs == 1), nearest to the numbers; None if none."""
        first = min((n.c for n in table.numbers if n.r == r), default=None)
        if first is None:
            return None
        labels = [lb for lb in table.labels if lb.r == r and lb.rs == 1 and lb.c < first]
        return max(labels, key=lambda lb: lb.c) if labels else None

    def _anchor_rows(self, table, sheet, dr, dc) -> dict[int, int | None]:
        """Grid row → sheet row, each row found by its own label near where the offset puts it."""
        g = self.grid(sheet)
        out: dict[int, int | None] = {}
        for r in sorted({n.r for n in table.numbers}):
            label = self._row_label(table, r)
            if label is None:
                out[r] = r + dr
                continue
            texts, col, expected = self._label_texts(label), label.c + dc, r + dr

            def matches(row):
                v = g.get((row, col))
                return isinstance(v, str) and self.norm(v) in texts

            if matches(expected):
                out[r] = expected
                continue
            candidates = [row for (row, c) in g if c == col and matches(row)]
            out[r] = min(candidates, key=lambda row: abs(row - expected)) if candidates else None
        return out

    def _label_texts(self, label) -> set[str]:
        return {self.norm(t) for t in (label.text, *label.aliases)}

    def _labels_at(self, table, sheet, dr, dc) -> bool:
        g = self.grid(sheet)
        probes = [table.labels[0], table.labels[-1]]
        for label in probes:
            v = g.get((label.r + dr, label.c + dc))
            if not isinstance(v, str) or self.norm(v) not in self._label_texts(label):
                return False
        return True

    def _search(self, table):
        """(sheet, dr, dc) where most of the table's labels sit, searching its own sheet first."""
        wanted: dict[str, list] = {}
        for label in table.labels:
            for t in self._label_texts(label):
                wanted.setdefault(t, []).append(label)
        order = [table.name] + [s for s in self.book.sheetnames if s not in (table.name, STAMP)]
        for sheet in order:
            if sheet not in self.book.sheetnames:
                continue
            votes: Counter = Counter()
            for (r, c), v in self.grid(sheet).items():
                if isinstance(v, str) and len(v) < 200:
                    for label in wanted.get(self.norm(v), ()):
                        votes[(r - label.r, c - label.c)] += 1
            if votes:
                (dr, dc), n = votes.most_common(1)[0]
                if n >= max(3, len(table.labels) // 4):  # rows moved inside the table split the votes
                    return sheet, dr, dc
        return None

    def place_texts(self, names: dict) -> dict[str, Pos]:
        """Texts, agency, year: by name when the label beside it agrees, else by the label."""
        lay = layout(self.form)
        out = {}
        labels = {t.key: t.label for t in self.form.texts}
        labels.update({k: v for k, v in COVER_FIELDS})
        for key, default in lay.cells.items():
            if key not in labels:
                continue
            label = self.norm(labels[key])
            pos = names.get(name_of(key))
            if pos is not None and self._label_near(pos, key, label):
                out[key] = pos
                continue
            found = self._find_label(default.sheet, key, label)
            if found is not None:
                out[key] = found
        return out

    def _label_near(self, pos: Pos, key: str, label: str) -> bool:
        g = self.grid(pos.sheet)
        beside = g.get((pos.row - 1, pos.col)) if pos.sheet == TEXTS else g.get((pos.row, pos.col - 1))
        return isinstance(beside, str) and self.norm(beside).startswith(label)

    def _find_label(self, sheet: str, key: str, label: str) -> Pos | None:
        """The cell after a label: below it for texts, right of it for cover fields; own sheet first."""
        below = sheet == TEXTS
        sheets = [sheet] + [s for s in self.book.sheetnames if s not in (sheet, STAMP)]
        for name in sheets:
            for (r, c), v in sorted(self.grid(name).items()):
                if isinstance(v, str) and len(v) < 100 and self.norm(v).startswith(label):
                    return Pos(name, r + 1, c) if below else Pos(name, r, c + 1)
        return None

    # ---- the read ----
    def read(self, year: int | None) -> Loaded:
        if not self.book.sheetnames:
            raise refuse("input.no_sheets", self.path)
        stamp = self.stamp()
        names = self.defined()
        self.form = form = self.identify(stamp, names)
        self._norms.clear()
        report = form.empty_report()
        cells: dict = {}
        positions: dict[str, Pos] = {}
        missing = []
        for table in form.tables:
            placed = self.place_table(table, names)
            if placed is None:
                missing.append(table)
            else:
                positions.update(placed)
        if len(missing) == len(form.tables):
            self._not_ours(stamp)
        for table in missing:
            self.note("read.table_missing", "error", f"找不到{table.name}（{table.title}），该表数据按空白处理",
                      Location(path="", table=table.name))
        literals: dict = {}
        cached: dict = {}
        for n in form.numbers:
            pos = positions.get(n.key)
            if pos is None:
                continue
            cells[n.key] = (pos.sheet, pos.ref)
            raw = self.value(pos)

            def loc(n=n, pos=pos):  # made only for a finding: most cells have none
                return Location(path=n.key, table=n.table_name, row_label=n.row_label, col_label=n.col_label,
                                sheet=pos.sheet, cell=pos.ref)
            if n.key in form.derived:
                if isinstance(raw, str) and raw.startswith("="):
                    continue
                if not getattr(self.book, "formulas_known", True) and not isinstance(raw, str):
                    cached[n.key] = (raw, loc())  # a formula's cached value, or a number typed over it
                    continue
                value, note, error = parse_cell(raw, form, n.type)
                if error:
                    self.note("read.not_a_number", "error", f"{loc().describe()}（合计单元格）{error}", loc(), raw=_raw(raw))
                literals[n.key] = value
                self.note("read.formula_overwritten", "warning",
                          f"{loc().describe()}是自动合计单元格，公式被改成了{'数字 ' + fmt(value) if value is not None else '空白'}，"
                          "已按填写的数字核对；请恢复公式（重新下载模板或撤销修改）", loc(), raw=_raw(raw), value=value)
                continue
            value, note, error = parse_cell(raw, form, n.type)
            if error:
                self.note("read.not_a_number", "error", f"{loc().describe()}{error}", loc(), raw=_raw(raw))
            elif note:
                self.note("read.normalised", "info", f"{loc().describe()}{note}", loc(), raw=_raw(raw), value=value)
            set_path(report, n.key, value)
        extras = self._extra_rows(positions)
        if cached:
            literals.update(self._overwritten(form, cached, positions, _Sheet(form, positions, extras)))
        for key, value in evaluate_derived(form, report, literals, blank_stays_blank=True).items():
            set_path(report, key, value)
        if extras:
            self._note_extra_rows(report, extras, _Sheet(form, positions, extras, set(literals)))
        self._read_texts(report, cells, names, stamp, year)
        saved = self.book.saved_at() if hasattr(self.book, "saved_at") else None
        return Loaded(report, form, self.findings, str(self.path), cells, self._read_extras(names), saved)

    def _overwritten(self, form, cached: dict, positions: dict, sheet: "_Sheet") -> dict:
        """Of derived cells read as values (no formulas known: .xls/.ods), those whose value is not what
        their formula gives from the values beside it: numbers typed over the formula. A formula's
        cached value always is (the office suite recalculated before saving), counting what its
        ranges count: the sheet's own numbers (text as 0, as SUM does) and rows inserted inside them.
        Each cell is judged on its own, so a total typed over does not make the totals above it look
        typed over too."""
        def seen(path):
            pos = positions.get(path)
            raw = self.value(pos) if pos is not None else None
            return raw if isinstance(raw, (int, float)) and not isinstance(raw, bool) else 0

        typed: dict = {}
        for key, (raw, _loc) in cached.items():
            value = parse_cell(raw, form, form.cell[key].type)[0]
            terms = form.derived[key].right
            formula = rounded(signed_sum(terms, lambda t: seen(t.path)) + sheet.side_extra(terms, deep=False)[0])
            if not _same(value, formula):
                typed[key] = value
        for key in typed:
            raw, loc = cached[key]
            value, _, error = parse_cell(raw, form, form.cell[key].type)
            if error:
                self.note("read.not_a_number", "error", f"{loc.describe()}（合计单元格）{error}", loc, raw=_raw(raw))
            self.note("read.formula_overwritten", "warning",
                      f"{loc.describe()}是自动合计单元格，公式被改成了{'数字 ' + fmt(value) if value is not None else '空白'}，"
                      "已按填写的数字核对；请恢复公式（重新下载模板或撤销修改）", loc, raw=_raw(raw), value=value)
        return typed

    # ---- rows a table does not have ----
    def _extra_rows(self, positions: dict) -> list["_Extra"]:
        """Rows between (or right below) a table's own rows, not among them, with numbers in the
        table's number columns: rows an agency inserted (“其中：…”), which no report path names."""
        out = []
        for table in self.form.tables:
            placed = [positions[n.key] for n in table.numbers if n.key in positions]
            if not placed or len({p.sheet for p in placed}) != 1:
                continue
            sheet, rows = placed[0].sheet, {p.row for p in placed}
            cols = sorted({p.col for p in placed})
            g = self.grid(sheet)
            wanted, top, bottom = set(cols), min(rows), max(rows)
            candidates = sorted({r for (r, c) in g if top < r < bottom and r not in rows and c in wanted})
            below = bottom + 1
            while below - bottom <= 50 and not self._check_row(g, below) and self._row_numbers(g, below, cols)[0]:
                candidates.append(below)
                below += 1
            for r in candidates:
                shown, values = self._row_numbers(g, r, cols)
                if not shown:
                    continue
                label = "／".join(v.strip() for (row, c), v in sorted(g.items())
                                 if row == r and c < cols[0] and isinstance(v, str) and v.strip() and len(v) < 200)
                out.append(_Extra(table, sheet, r, label, shown, values))
        return out

    def _check_row(self, g: dict, r: int) -> bool:
        return any(row == r and isinstance(v, str) and v.lstrip("=").startswith(("校验", "IF(", "✔", "✘", "⚠"))
                   for (row, _c), v in g.items())

    def _row_numbers(self, g: dict, r: int, cols: list[int]) -> tuple[dict, dict]:
        """({A1: number as read}, {col: what the sheet's SUM sees}) of the numbers on a sheet row;
        text such as “5件” is named (the tool would read it) but counts 0 in the sheet, as in SUM."""
        shown, values = {}, {}
        for c in cols:
            raw = g.get((r, c))
            if raw is None or (isinstance(raw, str) and raw.startswith("=")):
                continue
            value, _, error = parse_cell(raw, self.form, None)
            if error or not isinstance(value, (int, float)):
                continue
            shown[f"{col_letter(c)}{r}"] = value
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                values[c] = raw
        return shown, values

    def _note_extra_rows(self, report: dict, extras: list["_Extra"], sheet: "_Sheet"):
        """A finding per inserted row with numbers: an error when the sheet's own formulas count the
        row and so show ✘ on a check the official rows pass; a warning when no formula counts it."""
        broken: dict[int, list] = {}
        for rule in check_rules(self.form):
            official = rounded(signed_sum(rule.left, lambda t: _num(report, t.path))
                               - signed_sum(rule.right, lambda t: _num(report, t.path)))
            left, used_left = sheet.side_extra(rule.left)
            right, used_right = sheet.side_extra(rule.right)
            if official == 0 and rounded(official + left - right) != 0:
                for i in used_left | used_right:
                    broken.setdefault(i, []).append(rule)
        for i, e in enumerate(extras):
            numbers = "、".join(f"{ref}={fmt(v)}" for ref, v in e.shown.items())
            where = f"{e.sheet}第 {e.row} 行" + (f"「{e.label}」" if e.label else "")
            rules = broken.get(i, [])
            loc = Location(path="", table=e.table.name, row_label=e.label or None, sheet=e.sheet,
                           cell=next(iter(e.shown)))
            context = {"row": e.row, "label": e.label, "numbers": dict(e.shown), "rules": [r.id for r in rules]}
            if rules:
                titles = "；".join(dict.fromkeys(self._rule_where(r) for r in rules))
                self.note("read.extra_row", "error",
                          f"{where}不是{e.table.name}的原有行（可能是插入的行），其中的数字（{numbers}）不能写入报告；"
                          f"表格的合计公式把这一行算了进去，因此表中以下校验显示 ✘：{titles}。"
                          "请删除该行，把数字并入原有的行（“其中”项请写在文字部分）", loc, **context)
            else:
                self.note("read.extra_row", "warning",
                          f"{where}不是{e.table.name}的原有行（可能是插入的行），其中的数字（{numbers}）没有写入报告，"
                          "表格的合计也没有计入这一行；如是“其中”项，请写在文字部分，如应计入，请并入原有的行", loc,
                          **context)

    def _rule_where(self, rule) -> str:
        """A check as the sheet shows it: its title and the column (or row) it stands for."""
        cells = [self.form.cell[t.path] for t in (*rule.left, *rule.right)]
        if len({c.col_label for c in cells}) == 1:
            return f"「{cells[0].col_label}」列：{rule.title}"
        if len({c.row_label for c in cells}) == 1:
            return f"「{cells[0].row_label}」行：{rule.title}"
        return rule.title

    def _read_extras(self, names: dict) -> dict:
        """Contact and phone from the cover (not report data, but the office needs to reach the agency)."""
        labels = dict(COVER_FIELDS)
        out = {}
        for name, default in layout(self.form).extras.items():
            pos = names.get(name)
            if pos is None or not self._label_near(pos, name, self.norm(labels[name])):
                pos = self._find_label(default.sheet, name, self.norm(labels[name]))
            value = self.value(pos) if pos is not None else None
            if isinstance(value, float) and value.is_integer():
                value = int(value)  # a phone number typed as a number
            if value not in (None, ""):
                out[name] = str(value).strip()[:200]
        return out

    def _not_ours(self, stamp: dict):
        texts = set()
        for sheet in self.book.sheetnames[:20]:
            for v in self.grid(sheet).values():
                if isinstance(v, str) and len(v) < 200:
                    texts.add(self.norm(v))
        legacy = [m for m in self.form.legacy_markers if self.norm(m) in texts]
        if legacy:
            raise refuse("input.legacy_form", self.path, marker=legacy[0], first_year=self.form.first_year,
                         basis=self.form.basis)
        if stamp.get("form"):
            raise refuse("input.tables_deleted", self.path, tables="、".join(t.name for t in self.form.tables),
                         sheets="、".join(s for s in self.book.sheetnames if s != STAMP) or "无")
        raise refuse("input.not_template", self.path)

    def _read_texts(self, report, cells, names, stamp, year):
        form = self.form
        placed = self.place_texts(names)
        for t in form.texts:
            pos = placed.get(t.key)
            if pos is None:
                self.note("read.text_missing", "warning", f"找不到「{t.label}」的填写位置，按未填写处理",
                          Location(path=t.key, row_label=t.label))
                continue
            cells[t.key] = (pos.sheet, pos.ref)
            raw = self.value(pos)
            if raw is None:
                text = ""
            elif isinstance(raw, str):
                text = raw.replace("\r\n", "\n").replace("\r", "\n")
            else:
                text = fmt(raw) if isinstance(raw, (int, float)) else str(raw)
            set_path(report, t.key, text)
        # agency and year
        apos, ypos = placed.get("agency"), placed.get("year")
        agency = self.value(apos) if apos else None
        agency = str(agency).strip() if agency is not None else ""
        bare = without_seal_note(agency)
        if bare and bare != agency:
            self.note("read.normalised", "info", f"封面填报单位“{agency}”中的盖章说明已去掉",
                      Location(path="agency", sheet=apos.sheet, cell=apos.ref) if apos else Location(path="agency"),
                      raw=agency, value=bare)
            agency = bare
        if not agency and stamp.get("agency"):
            agency = str(stamp["agency"])
        report["agency"] = agency
        if apos:
            cells["agency"] = (apos.sheet, apos.ref)
        if not agency:
            self.note("read.no_agency", "error", "封面未填写填报单位", Location(path="agency", sheet=COVER,
                                                                      cell=apos.ref if apos else None))
        raw_year = self.value(ypos) if ypos else None
        value, note, error = parse_cell(raw_year, form, "count")
        if ypos:
            cells["year"] = (ypos.sheet, ypos.ref)
        stamp_year = stamp.get("year")
        stamp_year = int(stamp_year) if str(stamp_year or "").isdigit() else None
        if isinstance(value, str) or value is None:
            digits = re.search(r"(\d{4})", unicodedata.normalize("NFKC", str(raw_year or "")))
            value = int(digits.group(1)) if digits else stamp_year
        if value is None:
            self.note("read.no_year", "error", "封面未填写报告年度", Location(path="year", sheet=COVER,
                                                                   cell=ypos.ref if ypos else None))
        elif stamp_year and value != stamp_year:
            self.note("read.year_changed", "warning",
                      f"封面年度为 {value}，但模板下发时的年度为 {stamp_year}，请核对", Location(path="year"))
        report["year"] = value
        if year is not None and value is not None and int(value) != int(year):
            raise refuse("input.wrong_year", self.path, year=value, wanted=year)


class _Extra:
    """An inserted row: its table, sheet row, label, {A1: number} and {col: value the sheet sums}."""

    def __init__(self, table, sheet: str, row: int, label: str, shown: dict, values: dict):
        self.table, self.sheet, self.row, self.label, self.shown, self.values = table, sheet, row, label, shown, values


class _Sheet:
    """What the workbook's formulas add from inserted rows. The template writes each sum over runs of
    adjacent cells (SUM(D9:D29)); a row inserted strictly inside a run is taken into the range by
    Excel, WPS and LibreOffice alike, one inserted above its first or below its last cell is not."""

    def __init__(self, form: Form, positions: dict, extras: list, literal: set | None = None):
        self.form, self.positions, self.extras = form, positions, extras
        self.lay = layout(form)
        self.literal = literal or set()  # derived cells whose formula was typed over: no range left

    def side_extra(self, terms, deep: bool = True) -> tuple[float, set]:
        """(Σ what inserted rows add to these terms as the sheet sums them, indexes of the rows used);
        deep: also through the totals among the terms (else only this formula's own ranges)."""
        total, used = 0, set()
        if not self.extras:
            return total, used
        for sign in (1, -1):
            keys = [t.path for t in terms if (t.sign > 0) == (sign > 0)]
            for key in keys:
                if deep and key in self.form.derived and key not in self.literal:
                    v, u = self.side_extra(self.form.derived[key].right)
                    total += sign * v
                    used |= u
            cells = [self.lay.cells[k] for k in keys]
            for i, j in runs(cells):
                a, b = self.positions.get(keys[i]), self.positions.get(keys[j])
                if i == j or a is None or b is None or a.sheet != b.sheet or a.col != b.col:
                    continue
                for n, e in enumerate(self.extras):
                    if e.sheet == a.sheet and a.row < e.row < b.row and a.col in e.values:
                        total += sign * e.values[a.col]
                        used.add(n)
        return total, used


def _num(report: dict, path: str):
    value = get_path(report, path)
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else 0


def _most_named(names: dict) -> Form:
    """A workbook without its stamp: the bundled edition most of whose cells it names, the newest on a tie."""
    forms = [load_form(f) for f in available_forms()]
    return max(forms, key=lambda f: (sum(name_of(n.key) in names for n in f.numbers), f.first_year, f.id))


def _same(a, b) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return abs(a - b) < 1e-6
    return a == b


def _raw(raw):
    """What was in the cell, for a finding's context: JSON-safe (NaN/inf and dates as text)."""
    if isinstance(raw, float) and not math.isfinite(raw):
        return str(raw)
    return raw if isinstance(raw, (str, int, float)) or raw is None else str(raw)
