"""Open an untrusted .xlsx return without letting it hurt the process.

Everything is checked on the raw bytes before any parser sees them: what kind of file it is, the zip
(entry count, sizes, compression ratio, sizes that lie), macros, DOCTYPE/ENTITY declarations and
each sheet's declared and real used range. Only then does python-calamine read it. calamine is
fast but allocates a sheet's whole used range (and the shared-string count it is told) up front,
and a failed allocation aborts the process rather than raising, so those numbers are bounded first.
Every failure comes out as `FileRefused` carrying an `Issue` in English and Welsh.
"""

from __future__ import annotations

import gc
import io
import os
import posixpath
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml

import numpy as np
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook

from sep_pipeline.issues import Issue, column_letter

MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MIB
    max_zip_entries: int = 2_000
    max_uncompressed_bytes: int = 600 * MIB
    max_compression_ratio: float = 150.0  # per entry, only judged for entries over 1 MiB
    max_rows: int = 300_000  # per sheet, declared or real
    max_columns: int = 500
    max_cells: int = 10_000_000  # rows*cols of a sheet's declared or real range (from A1)
    # calamine allocates every sheet's range from A1: bound the sum too, so several sheets each
    # just under max_cells cannot add up to gigabytes
    max_workbook_cells: int = 15_000_000


class FileRefused(Exception):
    """The file cannot be read safely; `issue` says why and how to fix it."""

    def __init__(self, issue: Issue) -> None:
        super().__init__(f"{issue.code}: {issue.message_en}")
        self.issue = issue


@dataclass
class RawSheet:
    name: str  # as written in the workbook
    # row 0 = Excel row 1, col 0 = column A; an empty cell is None, or "" as calamine reads it
    cells: list[list[object]]
    formulas_without_value: set[tuple[int, int]]  # 0-based (row, col)
    _may_hold_empty_strings: bool = field(default=True, repr=False, compare=False)

    @property
    def rows(self) -> list[list[object]]:
        """`cells` with every empty cell None. Made so in place on first use: validation reads
        `cells` as they are, so a read that goes no further than validation never pays for it."""
        if self._may_hold_empty_strings:
            empty_strings_to_none(self.cells)
            self._may_hold_empty_strings = False
        return self.cells


def empty_strings_to_none(rows: list[list[object]]) -> None:
    """Each "" in rows (a list of lists) made None, in place, at C speed but for the "" found."""
    for row in rows:
        at = -1
        for _ in range(row.count("")):
            at = row.index("", at + 1)
            row[at] = None


@dataclass
class RawWorkbook:
    sheets: dict[str, RawSheet]  # in workbook order


# --- messages -------------------------------------------------------------------------------

_SAVE_EN = "save it as 'Excel Workbook (*.xlsx)' and send it again"
_SAVE_CY = "cadwch hi fel 'Llyfr Gwaith Excel (*.xlsx)' a'i hanfon eto"

_MESSAGES: dict[str, tuple[str, str]] = {
    "file.empty": (
        "This file is empty (0 bytes). Check you attached the right file; open your return in "
        f"Excel, {_SAVE_EN}.",
        "Mae'r ffeil hon yn wag (0 beit). Gwiriwch mai'r ffeil gywir sydd wedi'i hatodi; agorwch "
        f"eich ffurflen yn Excel, {_SAVE_CY}.",
    ),
    "file.too_large": (
        "This file is {size} MB, more than the {limit} MB we accept. Delete unused sheets, "
        f"pictures and blank formatted rows or columns, then {_SAVE_EN}.",
        "Mae'r ffeil hon yn {size} MB, sy'n fwy na'r {limit} MB rydym yn ei dderbyn. Dilëwch "
        "daflenni, lluniau a rhesi neu golofnau gwag wedi'u fformatio nad oes eu hangen, yna "
        f"{_SAVE_CY}.",
    ),
    "file.encrypted": (
        "This workbook is protected with a password, so we cannot open it. In Excel choose "
        "File > Info > Protect Workbook > Encrypt with Password, delete the password, click OK, "
        "save the file and send it again.",
        "Mae'r llyfr gwaith hwn wedi'i ddiogelu â chyfrinair, felly ni allwn ei agor. Yn Excel, "
        "dewiswch Ffeil > Gwybodaeth > Diogelu Llyfr Gwaith > Amgryptio â Chyfrinair, dilëwch y "
        "cyfrinair, cliciwch Iawn, cadwch y ffeil a'i hanfon eto.",
    ),
    "file.legacy_xls": (
        "This is an old Excel 97-2003 (.xls) file. Open it in Excel, choose File > Save As > "
        "'Excel Workbook (*.xlsx)' and send the new .xlsx file.",
        "Hen ffeil Excel 97-2003 (.xls) yw hon. Agorwch hi yn Excel, dewiswch Ffeil > Cadw Fel > "
        "'Llyfr Gwaith Excel (*.xlsx)' ac anfonwch y ffeil .xlsx newydd.",
    ),
    "file.csv_or_text": (
        "This is a CSV or text file that has been renamed .xlsx. Copy the data into the return "
        f"template in Excel, {_SAVE_EN}.",
        "Ffeil CSV neu destun sydd wedi cael ei hailenwi'n .xlsx yw hon. Copïwch y data i "
        f"dempled y ffurflen yn Excel, {_SAVE_CY}.",
    ),
    "file.not_xlsx": (
        "This file is not an Excel workbook (.xlsx) that we can read. Open it in Excel, "
        f"{_SAVE_EN}.",
        "Nid yw'r ffeil hon yn llyfr gwaith Excel (.xlsx) y gellir ei ddarllen. Agorwch hi yn "
        f"Excel, {_SAVE_CY}.",
    ),
    "file.not_xlsx.pdf": (
        "This file is a PDF, not an Excel workbook. Send the return as the Excel workbook (.xlsx) "
        "you filled in, not a PDF or a printout.",
        "PDF yw'r ffeil hon, nid llyfr gwaith Excel. Anfonwch y ffurflen fel y llyfr gwaith Excel "
        "(.xlsx) a lenwyd gennych, nid fel PDF neu allbrint.",
    ),
    "file.not_xlsx.office": (
        "This file is a Word or PowerPoint document renamed .xlsx. Send the return as the Excel "
        "workbook (.xlsx) you filled in.",
        "Dogfen Word neu PowerPoint sydd wedi cael ei hailenwi'n .xlsx yw'r ffeil hon. Anfonwch y "
        "ffurflen fel y llyfr gwaith Excel (.xlsx) a lenwyd gennych.",
    ),
    "file.not_xlsx.no_sheets": (
        "This workbook has no worksheets. Check you attached the right file; open your return in "
        f"Excel, {_SAVE_EN}.",
        "Nid oes taflenni gwaith yn y llyfr gwaith hwn. Gwiriwch mai'r ffeil gywir sydd wedi'i "
        f"hatodi; agorwch eich ffurflen yn Excel, {_SAVE_CY}.",
    ),
    "file.corrupt": (
        "This workbook is damaged or incomplete and cannot be read. Open it in Excel (Excel may "
        f"offer to repair it), check the data, then {_SAVE_EN}.",
        "Mae'r llyfr gwaith hwn wedi'i ddifrodi neu'n anghyflawn ac ni ellir ei ddarllen. Agorwch "
        "ef yn Excel (efallai y bydd Excel yn cynnig ei atgyweirio), gwiriwch y data, yna "
        "cadwch ef fel 'Llyfr Gwaith Excel (*.xlsx)' a'i anfon eto.",
    ),
    "file.corrupt.duration": (
        "Sheet '{sheet}' has a cell formatted as a duration (such as [h]:mm) that holds a number "
        "far too large to be a time, so the sheet cannot be read. Find that cell, correct the "
        "value or format the cell as Number, then save the file and send it again.",
        "Mae gan daflen '{sheet}' gell wedi'i fformatio fel hyd amser (er enghraifft [h]:mm) sy'n "
        "cynnwys rhif llawer rhy fawr i fod yn amser, felly ni ellir darllen y daflen. Dewch o "
        "hyd i'r gell honno, cywirwch y gwerth neu fformatiwch y gell fel Rhif, yna cadwch y "
        "ffeil a'i hanfon eto.",
    ),
    "file.zip_bomb": (
        "This file unpacks to far more data than any real return (it looks like a 'zip bomb'), "
        f"so we did not open it. Open your return in Excel, {_SAVE_EN}. Contact us if this "
        "message appears again.",
        "Mae'r ffeil hon yn dadbacio i lawer mwy o ddata nag unrhyw ffurflen go iawn (mae'n "
        "edrych fel 'bom zip'), felly ni wnaethom ei hagor. Agorwch eich ffurflen yn Excel, "
        f"{_SAVE_CY}. Cysylltwch â ni os bydd y neges hon yn ymddangos eto.",
    ),
    "file.ods": (
        "This is an OpenDocument spreadsheet (.ods) renamed .xlsx. In LibreOffice choose "
        "File > Save As, pick the file type 'Excel 2007-365 (.xlsx)' and send the new file.",
        "Taenlen OpenDocument (.ods) sydd wedi cael ei hailenwi'n .xlsx yw hon. Yn LibreOffice, "
        "dewiswch Ffeil > Cadw Fel, dewiswch y math o ffeil 'Excel 2007-365 (.xlsx)' ac "
        "anfonwch y ffeil newydd.",
    ),
    "file.macros": (
        "This workbook contains macros (it is an .xlsm file), which we do not accept. In Excel "
        "choose File > Save As > 'Excel Workbook (*.xlsx)', answer Yes to saving without "
        "macros, and send the new file.",
        "Mae macros yn y llyfr gwaith hwn (ffeil .xlsm yw hi), ac nid ydym yn derbyn macros. Yn "
        "Excel, dewiswch Ffeil > Cadw Fel > 'Llyfr Gwaith Excel (*.xlsx)', atebwch Ie i gadw heb "
        "facros, ac anfonwch y ffeil newydd.",
    ),
    "file.xml_entities": (
        "This file contains hidden XML declarations (DOCTYPE or ENTITY) that Excel never writes, "
        f"so we did not open it. Open your return in Excel, {_SAVE_EN}.",
        "Mae'r ffeil hon yn cynnwys datganiadau XML cudd (DOCTYPE neu ENTITY) nad yw Excel byth "
        "yn eu hysgrifennu, felly ni wnaethom ei hagor. Agorwch eich ffurflen yn Excel, "
        f"{_SAVE_CY}.",
    ),
    "file.too_many_cells": (
        "Sheet '{sheet}' is used up to cell {cell}, which is row {rows:,} and column {cols:,}; we "
        "accept at most {max_rows:,} rows, {max_cols:,} columns and {max_cells:,} cells in a "
        "sheet. Delete the unused rows below and columns to the right of your data (select them, "
        "right-click, Delete), save the file and send it again.",
        "Mae taflen '{sheet}' yn cael ei defnyddio hyd at gell {cell}, sef rhes {rows:,} a "
        "cholofn {cols:,}; rydym yn derbyn hyd at {max_rows:,} rhes, {max_cols:,} colofn a "
        "{max_cells:,} cell mewn taflen. Dilëwch y rhesi nas defnyddir o dan eich data a'r "
        "colofnau i'r dde ohono (dewiswch nhw, de-gliciwch, Dileu), cadwch y ffeil a'i hanfon eto.",
    ),
    "file.too_many_cells.workbook": (
        "Together, the sheets of this workbook are used over {cells:,} cells; we accept at most "
        "{max_cells:,}. Delete unused rows below and columns to the right of the data on each "
        "sheet (select them, right-click, Delete), save the file and send it again.",
        "Gyda'i gilydd, mae taflenni'r llyfr gwaith hwn yn cael eu defnyddio dros {cells:,} o "
        "gelloedd; rydym yn derbyn hyd at {max_cells:,}. Dilëwch y rhesi nas defnyddir o dan y "
        "data a'r colofnau i'r dde ohono ar bob taflen (dewiswch nhw, de-gliciwch, Dileu), cadwch "
        "y ffeil a'i hanfon eto.",
    ),
}


def _refused(
    key: str, sheet: str | None = None, value: str | None = None, **fmt: object
) -> FileRefused:
    en, cy = _MESSAGES[key]
    code = ".".join(key.split(".")[:2])  # "file.not_xlsx.pdf" -> "file.not_xlsx"
    return FileRefused(
        Issue(
            "error",
            code,
            en.format(sheet=sheet, **fmt),
            cy.format(sheet=sheet, **fmt),
            sheet=sheet,
            value=value,
        )
    )


# --- file type by magic bytes ---------------------------------------------------------------

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")  # OLE wrapper of an encrypted .xlsx
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_CHUNK = 1 << 20


def _file_contains(f: BinaryIO, needle: bytes) -> bool:
    """Stream the file looking for needle (handles a needle split across chunks)."""
    tail = b""
    f.seek(0)
    while chunk := f.read(_CHUNK):
        if needle in tail + chunk:
            return True
        tail = chunk[-(len(needle) - 1) :]
    return False


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" export is UTF-16
        head = head[2:].decode("utf-16-le" if head[0] == 0xFF else "utf-16-be", "ignore").encode()
    head = head.removeprefix(b"\xef\xbb\xbf")
    if any(b < 0x20 and b not in b"\t\r\n\x0c" for b in head):  # binary, whatever the encoding
        return False
    stripped = head.lstrip()
    return stripped[:1] in (b"<", b"{") or any(sep in head for sep in b",;\t\n")


def _check_size(size: int, limits: Limits) -> None:
    if size == 0:
        raise _refused("file.empty")
    if size > limits.max_file_bytes:
        raise _refused(
            "file.too_large", size=f"{size / MIB:.1f}", limit=f"{limits.max_file_bytes / MIB:g}"
        )


def _check_magic(f: BinaryIO, size: int, limits: Limits) -> None:
    _check_size(size, limits)
    f.seek(0)
    head = f.read(8192)
    if head.startswith(_OLE_MAGIC):
        raise _refused(
            "file.encrypted" if _file_contains(f, _ENCRYPTED_STREAM) else "file.legacy_xls"
        )
    if head.startswith(_ZIP_MAGICS):
        return
    if head.startswith(b"%PDF"):
        raise _refused("file.not_xlsx.pdf")
    raise _refused("file.csv_or_text" if _looks_like_text(head) else "file.not_xlsx")


# --- zip container --------------------------------------------------------------------------


def _declared_entry_count(f: BinaryIO, size: int) -> int | None:
    """Entry count from the end-of-central-directory record, read before zipfile builds one
    object per entry (a 50 MB zip of empty entries would otherwise cost gigabytes)."""
    f.seek(max(0, size - 65_557))  # EOCD is 22 bytes plus a comment of at most 64 KiB
    tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack_from("<H", tail, at + 10)[0]  # 0xFFFF (zip64) is over any sane limit


def _part_chunks(f: BinaryIO, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """Decompressed chunks of one entry, refusing any byte beyond its declared size.

    zipfile would only stop at the declared size; calamine's zip reader does not stop at all,
    so an entry that inflates past what it declares is a hidden bomb, and refused as one.
    """
    if info.flag_bits & 0x1:
        raise _refused("file.corrupt")  # zip-level encryption: never written by Excel
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise _refused("file.corrupt")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    f.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    elif info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    else:
        raise _refused("file.corrupt")  # Excel only writes deflate or stored
    left, produced, crc = info.compress_size, 0, 0
    while left > 0:
        raw = f.read(min(_CHUNK, left))
        if not raw:
            raise _refused("file.corrupt")  # truncated
        left -= len(raw)
        data = raw if inflater is None else inflater.decompress(raw, _CHUNK)
        while True:
            produced += len(data)
            if produced > info.file_size:
                raise _refused("file.zip_bomb")
            crc = zlib.crc32(data, crc)
            if data:
                yield data
            # a full output buffer may mean more output is pending even with no input left
            if inflater is None or (not inflater.unconsumed_tail and len(data) < _CHUNK):
                break
            data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
    if (inflater is not None and not inflater.eof) or produced != info.file_size or crc != info.CRC:
        raise _refused("file.corrupt")


def _part_matches(f: BinaryIO, info: zipfile.ZipInfo, pattern: re.Pattern[bytes]) -> bool:
    """Stream one entry looking for pattern (short patterns: 64 bytes of overlap suffice)."""
    tail = b""
    for chunk in _part_chunks(f, info):
        if pattern.search(tail + chunk):
            return True
        tail = chunk[-64:]
    return False


def _check_zip(zf: zipfile.ZipFile, f: BinaryIO, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise _refused("file.zip_bomb")
    if sum(i.file_size for i in infos) > limits.max_uncompressed_bytes:
        raise _refused("file.zip_bomb")
    ratio = limits.max_compression_ratio
    if any(i.file_size > MIB and i.file_size > ratio * max(i.compress_size, 1) for i in infos):
        raise _refused("file.zip_bomb")
    names = {i.filename: i for i in infos}
    if "mimetype" in names and names["mimetype"].file_size < 200:
        if b"opendocument.spreadsheet" in b"".join(_part_chunks(f, names["mimetype"])):
            raise _refused("file.ods")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        office = any(n.startswith(("word/", "ppt/")) for n in names)
        raise _refused("file.not_xlsx.office" if office else "file.not_xlsx")
    lowered = [n.lower() for n in names]
    if "xl/vbaproject.bin" in lowered or any(n.startswith("xl/macrosheets/") for n in lowered):
        raise _refused("file.macros")
    if _part_matches(f, names["[Content_Types].xml"], _MACRO_TYPE):
        raise _refused("file.macros")


# --- streaming scan of XML parts (no XML parser) --------------------------------------------

_ANY_PREFIX = rb"(?:[\w.-]+:)?"  # namespace prefix, optional (the OpenXML SDK writes <x:c>)


def _rx(pattern: bytes, prefix: bytes = _ANY_PREFIX) -> re.Pattern[bytes]:
    """Compile pattern, each "~" standing for a tag's namespace prefix."""
    return re.compile(pattern.replace(b"~", prefix))


_MACRO_TYPE = re.compile(rb"macroEnabled|macrosheet", re.I)
_ENTITY = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)
_CUT_AT = _rx(rb"<~(?:c|row)(?=[\s/>])")
_LAST_CUT_AT = _rx(rb"[\s\S]*(<~(?:c|row)(?=[\s/>]))")  # greedy: finds the last one
_DIMENSION = _rx(rb"<~dimension(?=\s)[^>]*\sref\s*=\s*[\"']([^\"']*)[\"']")
_SST = _rx(rb"<~sst(?=\s)[^>]*\suniqueCount\s*=\s*[\"']\s*(\d+)")
_SI = _rx(rb"<~si(?=[\s/>])")
_TAG = _rx(rb"<(/?)~(row|c|f|v)(?=[\s/>])([^>]*)>")


@dataclass(frozen=True)
class _CellPatterns:
    """Cell-level patterns for one prefix. The unprefixed set runs twice as fast, so it serves
    the usual regions, those without any prefixed tag."""

    tag: re.Pattern[bytes]
    ref: re.Pattern[bytes]
    f_end: re.Pattern[bytes]
    plain_no_value: re.Pattern[bytes]

    @classmethod
    def build(cls, prefix: bytes) -> _CellPatterns:
        f = rb"<~f(?:\s[^>]*)?(?:/>|>[^<]*</~f\s*>)"
        empty_v = rb"<~v(?:\s[^>]*)?(?:/>|>\s*</~v\s*>)"
        return cls(
            tag=_rx(rb"<~c(?=[\s/>])", prefix),
            # greedy [^>]* reaches the last r attribute, the one calamine uses if a tag repeats
            # it; refs of odd shape (too long, "$", garbage) do not match: the part is walked
            ref=_rx(rb"<~c(?=\s)[^>]*\sr\s*=\s*[\"']([A-Za-z]{1,4})(\d{1,12})[\"']", prefix),
            # </f> or <f .../> not directly followed by a non-empty <v>: the cell may lack a value
            f_end=_rx(rb"(?:</~f\s*>|<~f(?=[\s/])[^>]*/>)(?!\s*<~v(?:\s[^>]*)?>\s*[^<\s])", prefix),
            # the usual shape of such a cell: <c ...><f>...</f>[<v/>]</c>
            plain_no_value=_rx(
                rb"<~c(?=\s)([^>]*)>\s*" + f + rb"\s*(" + empty_v + rb")?\s*</~c\s*>", prefix
            ),
        )


_PLAIN_CELLS = _CellPatterns.build(b"")
_PREFIXED_CELLS = _CellPatterns.build(_ANY_PREFIX)
_REF = re.compile(rb"\$?([A-Za-z]+)\$?(\d+)")
_HUGE = 1 << 40
_WINDOW = 1 << 20  # how far back to look for a cell start when choosing where to cut
_SHARED_STRINGS = "xl/sharedStrings.xml"  # the one path calamine reads them from


@lru_cache(maxsize=4096)
def _col_number(letters: bytes) -> int:
    if len(letters) > 4:
        return _HUGE
    n = 0
    for ch in letters.upper():
        n = n * 26 + ch - 64
    return n


def _row_number(digits: bytes) -> int:
    return int(digits) if len(digits) <= 12 else _HUGE


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    """b"XFD1048576" -> (1048576, 16384), 1-based."""
    m = _REF.fullmatch(ref.strip())
    return (_row_number(m[2]), _col_number(m[1])) if m else None


def _attr(attrs: bytes, name: bytes) -> bytes | None:
    found = re.findall(rb"(?:^|\s)" + name + rb"\s*=\s*[\"']([^\"']*)[\"']", attrs)
    return found[-1] if found else None  # the last one wins, as in calamine


@dataclass
class _PartScan:
    """What the streaming pass learnt about one XML part."""

    max_row: int = 0  # 1-based extent of the real used range, counted from A1
    max_col: int = 0
    cells: int = 0
    declared: tuple[int, int] | None = None  # end of <dimension ref="...">
    formulas: set[tuple[int, int]] = field(default_factory=set)  # 0-based, formula but no value
    si_count: int = 0
    unique_count: int = 0
    # cell-walker state: used only where a formula may lack its value, or cells lack refs
    row: int = 0
    col: int = 0
    cell: tuple[int, int] | None = None
    cell_is_str: bool = False
    has_f: bool = False
    saw_v: bool = False
    has_v: bool = False
    in_v: bool = False

    def note_cells(self, row: int, col: int, count: int = 1) -> None:
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        self.cells += count

    def walk(self, region: bytes) -> None:
        """Tag-by-tag pass over whole cells: positions of cells without refs (as calamine counts
        them: row from <row r>, column one after the previous cell) and formula/value pairing."""
        pos = 0
        for m in _TAG.finditer(region):
            if self.in_v and region[pos : m.start()].strip():
                self.has_v = True
            pos = m.end()
            closing, name, attrs = m.groups()
            if name == b"row":
                if not closing:
                    r = _attr(attrs, b"r")
                    self.row = _row_number(r) if r and r.isdigit() else self.row + 1
                    self.col = 0
            elif name == b"c":
                self.end_cell()
                if closing:
                    continue
                ref = _parse_ref(_attr(attrs, b"r") or b"")
                row, col = ref or (max(self.row, 1), self.col + 1)
                self.col = col
                self.note_cells(row, col)
                if not attrs.endswith(b"/"):
                    self.cell = (row, col)
                    self.cell_is_str = _attr(attrs, b"t") == b"str"
                    self.has_f = self.saw_v = self.has_v = False
            elif self.cell is None:
                continue  # <f>/<v> outside a cell (e.g. in a chart part)
            elif name == b"f":
                self.has_f = self.has_f or not closing
            elif closing:
                self.in_v = False
            else:
                self.saw_v = True
                self.in_v = not attrs.endswith(b"/")
        if self.in_v and region[pos:].strip():
            self.has_v = True

    def end_cell(self) -> None:
        # an empty <v/> is a value only for a text result (t="str": the formula gave "")
        if self.cell and self.has_f and not (self.has_v or (self.saw_v and self.cell_is_str)):
            self.formulas.add((self.cell[0] - 1, self.cell[1] - 1))
        self.cell, self.in_v = None, False

    def over(self, limits: Limits) -> tuple[int, int] | None:
        """The first range (declared, then real) past the limits, as (rows, cols)."""
        for rows, cols in (self.declared or (0, 0), (self.max_row, self.max_col)):
            if (
                rows > limits.max_rows
                or cols > limits.max_columns
                or rows * cols > limits.max_cells
            ):
                return rows, cols
        return None


class _NeedsWalk(Exception):
    """Some cells have no usable r attribute: positions must be counted tag by tag."""


def _cut(buf: bytes) -> int:
    """Where to split buf: never inside a tag, and before the last cell or row start so that
    each processed region holds whole cells. The rest waits for the next chunk."""
    lt = buf.rfind(b"<")
    end = lt if lt >= 0 and buf.find(b">", lt) < 0 else len(buf)
    if not _CUT_AT.search(buf, 0, end):
        return end
    for window in (4096, _WINDOW):  # the last cell start is nearly always in the last few bytes
        if m := _LAST_CUT_AT.match(buf, max(0, end - window), end):
            return m.start(1) or end
    return end


def _scan_part(
    f: BinaryIO, info: zipfile.ZipInfo, limits: Limits, walk_all: bool, exact: bool = False
) -> _PartScan:
    scan = _PartScan()
    carry = b""
    first = True
    for chunk in _part_chunks(f, info):
        if first and (chunk.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in chunk[:4]):
            raise _refused("file.corrupt")  # UTF-16 XML would slip past these byte patterns
        first = False
        buf = carry + chunk
        # "!" is rare and found at memchr speed; the regex only runs from the first one
        if (bang := buf.find(b"!")) >= 0 and _ENTITY.search(buf, max(bang - 1, 0)):
            raise _refused("file.xml_entities")
        cut = _cut(buf)
        region, carry = buf[:cut], buf[cut:]
        if len(carry) > 4 * _WINDOW:
            raise _refused("file.corrupt")  # a single tag of megabytes
        _scan_region(scan, region, info.filename == _SHARED_STRINGS, walk_all, exact)
        if scan.over(limits):
            return scan  # refused anyway: no need to read further
    _scan_region(scan, carry, info.filename == _SHARED_STRINGS, walk_all, exact)
    scan.end_cell()
    return scan


def _scan_region(
    scan: _PartScan, region: bytes, shared_strings: bool, walk_all: bool, exact: bool = False
) -> None:
    """Add one region of whole cells to scan; `exact` skips the fast path (tests compare)."""
    if scan.cells == 0 and scan.declared is None and (m := _DIMENSION.search(region)):
        ends = [r for side in m[1].split(b":") if (r := _parse_ref(side))]
        if ends:  # <dimension> precedes <sheetData>, so only looked for before any cell
            scan.declared = (max(r[0] for r in ends), max(r[1] for r in ends))
    if shared_strings:  # no early return: a hostile workbook may use this part as a sheet too
        if scan.si_count == 0 and (m := _SST.search(region)):
            scan.unique_count = _row_number(m[1])
        scan.si_count += _SI.subn(b"", region)[1]
    if walk_all:
        scan.walk(region)
        return
    fast = not exact and len(region) >= _FAST_MIN_BYTES
    if fast and (usual := _usual_cells(region)) is not None:
        cells, (count, rows, cols, may_have_formulas) = _PLAIN_CELLS, usual
    else:
        cells = _PREFIXED_CELLS if b":c" in region or b":f" in region else _PLAIN_CELLS
        refs = cells.ref.findall(region)
        if cells.tag.subn(b"", region)[1] != len(refs):
            raise _NeedsWalk
        count, rows, cols, may_have_formulas = len(refs), 0, 0, True
        if refs:
            rows = max(map(int, map(itemgetter(1), refs)))
            cols = max(map(_col_number, set(map(itemgetter(0), refs))))
    if may_have_formulas and cells.f_end.search(region) and not _note_formulas(scan, region, cells):
        scan.walk(region)  # every cell here has a ref, so the walk needs no earlier context
        return
    if count:
        scan.note_cells(rows, cols, count)
    scan.cell = None  # a cell left open by an earlier walk would be stale now


def _note_formulas(scan: _PartScan, region: bytes, cells: _CellPatterns) -> bool:
    """Record formulas without value when every candidate is a cell of the usual shape; False
    (walk the region instead) when some are not."""
    found = cells.plain_no_value.findall(region)
    if len(found) != cells.f_end.subn(b"", region)[1]:
        return False
    for attrs, empty_v in found:
        ref = _parse_ref(_attr(attrs, b"r") or b"")
        if ref is None:
            return False
        if not (empty_v and _attr(attrs, b"t") == b"str"):  # "" is a text formula's value
            scan.formulas.add((ref[0] - 1, ref[1] - 1))
    return True


# --- fast path of the cell scan -------------------------------------------------------------
#
# The exact path above builds a Python tuple per cell, which made the scan slower than calamine's
# own parse. `_usual_cells` gets the same numbers with numpy for the usual shape of a region,
# every cell written `<c r="B12" ...>`, and returns None (the exact path decides) on anything
# else. It never judges a file itself, so a region it cannot prove equivalent only costs time.
# Per-cell work is done on 8-byte words (one byte per lane), which numpy handles far faster than
# 2-D byte windows.

_LT, _GT, _QUOTE, _SLASH, _COLON = map(ord, '<>"/:')
_C, _F, _R, _EQ = map(ord, "cfr=")
_MAYBE_SPACE = 32  # bytes up to " " count as whitespace (\s and more): doubt means the exact path
_PADDING = 24  # zeros after the region, for the words read near its end
_FAST_MIN_BYTES = 4096  # below this numpy's fixed cost exceeds the regexes' (tests set it to 0)
_U64 = np.uint64
_LANES = _U64(0x0101010101010101)
_HIGH_BITS = _U64(0x8080808080808080)
_UPPER = _U64(0xDFDFDFDFDFDFDFDF)  # clears bit 5: a-z -> A-Z


def _little(text: bytes) -> np.uint64:
    return _U64(int.from_bytes(text.ljust(8, b"\0"), "little"))


_CELL_OPEN, _CELL_OPEN_BYTES = _little(b'<c r="'), _U64((1 << 48) - 1)  # 6 bytes of the word
_ROW_OPEN = _little(b'<row r="')
def _pair(text: bytes) -> int:
    """Two bytes as a little-endian uint16 reads them."""
    return int.from_bytes(text, "little")


_PAIR_COLON_CF = _pair(b":c") | 0x0500  # see `_usual_cells`
_PAIRS_F = (_pair(b"<f"), _pair(b"/f"))


def _lanes_between(words: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """High bit of each byte lane set where lo <= byte <= hi (ASCII ranges; bytes >= 0x80 never).
    Each lane's own 0x80 absorbs its borrow, so lanes never disturb each other."""
    low7 = words & ~_HIGH_BITS
    flags = _U64(0x80 | hi) * _LANES - low7  # high bit: byte <= hi
    low7 |= _HIGH_BITS
    low7 -= _U64(lo) * _LANES  # high bit: byte >= lo
    flags &= low7
    flags &= ~words  # clears the high bit where the byte itself is >= 0x80
    flags &= _HIGH_BITS
    return flags


def _leading_lanes(flags: np.ndarray) -> np.ndarray:
    """How many lanes in a row, from the first (most significant), have their flag set."""
    stop = ~flags & _HIGH_BITS
    for bits in (8, 16, 32):  # spread each unflagged lane over all lanes after it
        stop |= stop >> _U64(bits)
    stop ^= _HIGH_BITS  # now the flagged lanes before the first unflagged one
    return np.bitwise_count(stop).astype(np.uint64)


class _Buffers(threading.local):
    """Arrays reused from region to region (per thread): a fresh megabyte array costs more in page
    faults than the numpy work done on it."""

    def __init__(self) -> None:
        self.data = np.empty(0, np.uint8)
        self.hits = np.empty(0, bool)
        self.work = np.empty(0, np.uint16)

    def load(self, region: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The region's bytes then zeros; a bool array as long, and a uint16 array of half its
        length."""
        n = len(region)
        if self.data.size < n + _PADDING:
            size = (n + _PADDING) // MIB * MIB + MIB
            self.data, self.hits, self.work = (
                np.empty(size, np.uint8), np.empty(size, bool), np.empty(size // 2, np.uint16)
            )
        data = self.data[: n + _PADDING]
        data[:n] = np.frombuffer(region, np.uint8)
        data[n:] = 0
        return data, self.hits[: n + _PADDING], self.work[: (n + 1) // 2]


_BUFFERS = _Buffers()


def _usual_cells(region: bytes) -> tuple[int, int, int, bool] | None:
    r"""(cells, max row, max column, may hold formulas) of a region, exactly as the exact path's
    plain patterns would find them, or None when the region is not of the usual shape.

    Why the numbers agree: `ref` takes, in each tag opened by `<c` and whitespace, the last
    `\sr\s*=` before the tag's first ">". Here (1) no ":c" or ":f" occurs, so the exact path would
    use the plain patterns; (2) no "=" follows whitespace and every whitespace-"r=" is the one of
    a `<c r="` or a `<row r="`; (3) every cell tag is one of those `<c r="`, so there are as many
    refs as tags; (4) each of those, but one opening the region, follows a ">", so none sits
    inside another cell's tag: each tag's last r is its own; (5) that r's value is 1-4 letters,
    1-7 digits without leading zero and a double quote, so maxima compare as integer keys.
    """
    a, flags, work = _BUFFERS.load(region)
    # Two-byte patterns are matched as uint16 values, at even and at odd offsets.
    halves = (np.ndarray(work.shape, "<u2", a, 0), np.ndarray(work.shape, "<u2", a, 1))
    hits = flags[: work.size]

    def found(pattern: int, view: np.ndarray) -> np.ndarray:
        return np.equal(view, pattern, out=hits)

    def where(pattern: int) -> np.ndarray:
        at = [np.flatnonzero(found(pattern, view)) * 2 + k for k, view in enumerate(halves)]
        return np.concatenate(at)  # not in order: none of the uses below needs it

    for view in halves:
        # ":c" or ":f" (or ":b", ":g": c and f differ in bits 0x05 only)
        if np.any(found(_PAIR_COLON_CF, np.bitwise_or(view, 0x0500, out=work))):
            return None  # (1)
    # "<f" or "/f" (a superset of "</f"): else `f_end` cannot match
    may_have_formulas = any(np.any(found(p, v)) for p in _PAIRS_F for v in halves)
    # Every "=" once (a few per cell): what precedes each tells the rest.
    equals = np.flatnonzero(np.equal(a, _EQ, out=flags))
    before = a[equals - 1]  # -1 reads the zero padding
    if np.any(before <= _MAYBE_SPACE):
        return None  # (2) whitespace (any byte up to " ") then "=": the regex's \s* would matter
    r_eq = equals[before == _R] - 1
    r_eq = r_eq[a[r_eq - 1] <= _MAYBE_SPACE]  # whitespace-"r="; -1 reads the zero padding
    little = np.ndarray((a.size - 7,), "<u8", a, strides=(1,))  # the 8 bytes from each position
    opens = little[r_eq - 3]
    opens &= _CELL_OPEN_BYTES
    is_cell = opens == _CELL_OPEN
    cells, rows = r_eq[is_cell] - 3, r_eq[~is_cell] - 5
    if np.any(little[rows] != _ROW_OPEN):
        return None  # (2) another whitespace-"r=": an attribute, or text in a cell
    if sum(np.count_nonzero(found(_pair(b"<c"), v)) for v in halves) != cells.size:
        starts = where(_pair(b"<c"))  # "<col", "<cfRule"... or cells of another shape
        after = a[starts + 2]
        tags = (after <= _MAYBE_SPACE) | (after == _SLASH) | (after == _GT)
        if np.count_nonzero(tags) != cells.size:
            return None  # (3)
    for opened in (cells, rows):
        if np.count_nonzero(a[opened - 1] != _GT) > np.count_nonzero(opened == 0):
            return None  # (4); -1 reads the zero padding
    if cells.size == 0:
        return 0, 0, 0, may_have_formulas

    def big_endian(at: np.ndarray) -> np.ndarray:
        """The 8 bytes from each position, the first most significant (in native uint64: numpy
        computes slowly on a byte-swapped dtype)."""
        return little[at].byteswap(inplace=True)

    first = cells + 6  # the ref's first byte
    head = big_endian(first)
    letters = head & _UPPER
    n_letters = _leading_lanes(_lanes_between(letters, ord("A"), ord("Z")))
    if n_letters.min() < 1 or n_letters.max() > 4:
        return None  # (5)
    # the 8 bytes after the letters: the rest of this word, the start of the next
    shift = n_letters * _U64(8)
    rest = head << shift
    rest |= big_endian(first + 8) >> (_U64(64) - shift)
    n_digits = _leading_lanes(_lanes_between(rest, ord("0"), ord("9")))
    if n_digits.min() < 1 or n_digits.max() > 7:
        return None  # (5)
    tail = _U64(64) - n_digits * _U64(8)  # rest >> tail: the digits
    quote = (rest >> (tail - _U64(8))) & _U64(0xFF)
    if np.any(rest >> _U64(56) == ord("0")) or np.any(quote != _QUOTE):
        return None  # (5) a leading zero, or no quote after the digits
    # Right-aligned big-endian bytes compare as the refs do: digits (letters) are never zero
    # bytes, so more of them make a larger number.
    rest >>= tail
    top = int(np.argmax(rest))
    start = int(first[top] + n_letters[top])
    max_row = int(region[start : start + int(n_digits[top])])
    letters >>= _U64(64) - n_letters * _U64(8)
    top = int(np.argmax(letters))
    max_col = _col_number(region[first[top] : first[top] + int(n_letters[top])])
    return int(cells.size), max_row, max_col, may_have_formulas


def _sheet_parts(f: BinaryIO, zf: zipfile.ZipFile) -> dict[str, list[str]]:
    """Zip part name -> the sheet names pointing at it (one, in any workbook Excel writes), from
    xl/workbook.xml and its relationships (small parts, already checked for DOCTYPE/ENTITY;
    defusedxml refuses them anyway)."""

    def parse(name: str) -> list[Element]:
        info = zf.getinfo(name)
        if info.file_size > 16 * MIB:
            raise _refused("file.corrupt")
        data = b"".join(_part_chunks(f, info))
        if _ENTITY.search(data):
            raise _refused("file.xml_entities")
        return list(SafeET.fromstring(data).iter())

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in zf.namelist():
        for el in parse("xl/_rels/workbook.xml.rels"):
            if local(el.tag) == "Relationship" and el.get("TargetMode") != "External":
                targets[el.get("Id", "")] = el.get("Target", "")
    parts: dict[str, list[str]] = {}
    for el in parse("xl/workbook.xml"):
        if local(el.tag) != "sheet":
            continue
        rid = next((v for k, v in el.attrib.items() if k.endswith("}id")), "")
        target = targets.get(rid)
        if target is None:
            continue
        # calamine's own rule, plus the normalised path in case it resolves ".." one day
        literal = (
            target[1:]
            if target.startswith("/xl/")
            else (target if target.startswith("xl/") else f"xl/{target}")
        )
        for part in {literal, posixpath.normpath(literal)}:
            parts.setdefault(part, []).append(el.get("name", ""))
    return parts


SheetFilter = Callable[[str], bool]


def _inspect(f: BinaryIO, limits: Limits, wanted: SheetFilter | None = None,
             exact: bool = False) -> dict[str, set[tuple[int, int]]]:
    """All checks; returns the formulas without cached value per sheet name. Sheets that
    `wanted` turns down are neither scanned nor, later, parsed. `exact` turns the fast path of
    the cell scan off (tests compare the two)."""
    size = f.seek(0, 2)
    _check_magic(f, size, limits)
    count = _declared_entry_count(f, size)
    if count is not None and count > limits.max_zip_entries:
        raise _refused("file.zip_bomb")
    with zipfile.ZipFile(f) as zf:
        _check_zip(zf, f, limits)
        sheet_of = _sheet_parts(f, zf)
        formulas: dict[str, set[tuple[int, int]]] = {}
        too_big: FileRefused | None = None
        si_count, unique_count, cells, ranges = 0, 0, 0, 0
        for info in zf.infolist():
            xml = info.filename.lower().endswith((".xml", ".rels")) or info.filename in sheet_of
            if info.is_dir() or not xml:
                continue
            names = sheet_of.get(info.filename)
            if wanted is not None and names and not any(map(wanted, names)):
                continue  # calamine will not parse this part either
            try:
                scan = _scan_part(f, info, limits, walk_all=False, exact=exact)
            except _NeedsWalk:
                scan = _scan_part(f, info, limits, walk_all=True)
            sheet = names[-1] if names else info.filename
            si_count += scan.si_count
            unique_count = max(unique_count, scan.unique_count)
            cells += scan.cells
            if info.filename in sheet_of:
                ranges += scan.max_row * scan.max_col
            for name in (names or [sheet]) if scan.formulas else ():
                formulas.setdefault(name, set()).update(scan.formulas)
            if too_big is None and (over := scan.over(limits)):
                rows, cols = over
                cell = f"{column_letter(cols - 1)}{rows}" if max(over) < _HUGE else "?"
                too_big = _refused(
                    "file.too_many_cells",
                    sheet=sheet,
                    value=f"A1:{cell}",
                    cell=cell,
                    rows=rows,
                    cols=cols,
                    max_rows=limits.max_rows,
                    max_cols=limits.max_columns,
                    max_cells=limits.max_cells,
                )
        if too_big is None and ranges > limits.max_workbook_cells:
            too_big = _refused(
                "file.too_many_cells.workbook",
                value=f"{ranges:,}",
                cells=ranges,
                max_cells=limits.max_workbook_cells,
            )
        if too_big is not None:  # raised after the loop so entity checks of every part come first
            raise too_big
        # calamine reserves memory for the declared shared-string count before reading any
        if unique_count > max(si_count, cells):
            raise _refused("file.corrupt")
    return formulas


_P_ = ParamSpec("_P_")
_T = TypeVar("_T")


def _guarded(fn: Callable[_P_, _T], *args: _P_.args, **kwargs: _P_.kwargs) -> _T:
    """Run fn; anything but FileRefused (zipfile, zlib, defusedxml, calamine) becomes corrupt."""
    try:
        return fn(*args, **kwargs)
    except (FileRefused, KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a calamine panic is pyo3's PanicException, a BaseException
        raise _refused("file.corrupt") from exc


def _inspect_path(path: Path, limits: Limits) -> None:
    with path.open("rb") as f:
        _inspect(f, limits)


def inspect_file(path: Path, limits: Limits = Limits()) -> None:  # noqa: B008
    """Refuse (FileRefused) anything that is not a safe, plain .xlsx within the limits."""
    _guarded(_inspect_path, Path(path), limits)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while calamine builds a workbook's cells.

    Millions of new lists, strings and floats (none of them cycles) set off collection after
    collection, each one walking every object alive in the process: about a tenth of the read
    of a large return. The pause ends with the read, so at most one workbook's worth of
    garbage waits for the next collection.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _read(path: Path, limits: Limits, wanted: SheetFilter | None = None) -> RawWorkbook:
    # read once into memory (at most max_file_bytes): what is checked is what calamine parses
    with path.open("rb") as f:
        _check_size(os.fstat(f.fileno()).st_size, limits)
        data = io.BytesIO(f.read(limits.max_file_bytes + 1))
    formulas = _inspect(data, limits, wanted)
    data.seek(0)
    with _gc_paused(), CalamineWorkbook.from_filelike(data) as wb:
        names = list(wb.sheet_names)
        if not names:
            raise _refused("file.not_xlsx.no_sheets")
        sheets: dict[str, RawSheet] = {}
        for index, name in enumerate(names):
            if wanted is not None and not wanted(name):
                continue
            try:
                rows = wb.get_sheet_by_index(index).to_python(skip_empty_area=False)
            except OverflowError as exc:  # a huge number in a duration-formatted cell
                raise _refused("file.corrupt.duration", sheet=name) from exc
            # calamine gives "" for an empty cell: left so (see RawSheet.rows)
            while rows and rows[-1].count("") == len(rows[-1]):
                rows.pop()  # trailing blank rows carry no data
            sheets[name] = RawSheet(name, rows, formulas.get(name, set()))
    return RawWorkbook(sheets)


def read_workbook(path: Path, limits: Limits = Limits(),  # noqa: B008
                  sheets: SheetFilter | None = None) -> RawWorkbook:
    """inspect_file, then read every sheet with python-calamine at its Excel positions; with
    `sheets`, only the sheets whose name it accepts are checked and read (e.g. the About sheet
    to route a file)."""
    return _guarded(_read, Path(path), limits, sheets)
