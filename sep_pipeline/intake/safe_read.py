"""Open an untrusted .xlsx return without letting it hurt the process.

Everything is checked on the raw bytes, with no XML parser: what kind of file it is, the zip (entry
count, names, sizes, compression ratio, sizes that lie), macros, DOCTYPE/ENTITY declarations, each
sheet's declared and real used range, and the text the cells will hold (shared strings counted in
every cell that uses them). python-calamine reads the file in a child process with a hard memory,
CPU and time limit, and nothing it read is used unless the checks pass: calamine is fast but
allocates a sheet's whole used range and every cell's copy of its shared string, and a failed
allocation aborts the process rather than raising. The checks refuse what is known to hurt, with a
reason the partner can act on; the child makes anything else cost one refused file, never the run.
Every failure comes out as `FileRefused` carrying an `Issue` in English and Welsh.
"""

from __future__ import annotations

import ctypes
import fcntl
import gc
import hashlib
import io
import math
import os
import pickle
import posixpath
import re
import resource
import select
import signal
import stat
import struct
import sys
import threading
import time
import traceback
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar
from xml.etree.ElementTree import Element  # the type only: parsing goes through defusedxml

import numpy as np
from defusedxml import ElementTree as SafeET
from python_calamine import CalamineWorkbook

from sep_pipeline.standard.issues import Issue, cell_address, column_letter
from sep_pipeline.standard.messages import FILE_MESSAGES, other_cells_text

MIB = 1024**2


@dataclass(frozen=True)
class Limits:
    """Every limit of the reader, in one place (README, "What it refuses", lists them)."""

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
    max_sheets: int = 255
    max_styles: int = 65_490  # cell formats (<xf> in styles.xml): Excel's own limit
    max_cell_text: int = 32_767  # characters in one cell: Excel's own limit
    # characters the cells hold once calamine has copied each shared string into every cell that
    # uses it (each string counts at least once, and at least one character), plus inline strings
    max_workbook_text: int = 100_000_000
    # the parsing child: address space it may add to the parent's, and CPU seconds (it is killed
    # after three times that on the clock, for a hang that uses no CPU)
    max_parse_memory: int = 2 * 1024 * MIB
    max_parse_seconds: float = 120.0
    # how deep the workbook part and its relationships nest (ElementTree builds them whole)
    max_xml_depth: int = 100


class FileRefused(Exception):
    """The file cannot be read safely; `issue` says why and how to fix it. `reason` names the
    check that refused it, finer than the issue's code (tests tell the checks apart by it)."""

    def __init__(self, issue: Issue, reason: str | None = None) -> None:
        super().__init__(f"{issue.code}: {issue.message_en}")
        self.issue = issue
        self.reason = reason or issue.code


@dataclass(frozen=True)
class SheetMarks:
    """What the sheet's XML says about its layout beyond the cells' values, all 0-based: merged
    ranges (first row, first col, last row, last col), hidden rows, hidden column ranges (first,
    last), and the filter's range and whether it filters (has criteria). Validation names them:
    nothing read may be dropped or hidden without a word."""

    merged: tuple[tuple[int, int, int, int], ...] = ()
    hidden_rows: tuple[int, ...] = ()
    hidden_columns: tuple[tuple[int, int], ...] = ()
    filter_ref: str | None = None
    filter_active: bool = False


@dataclass
class RawSheet:
    name: str  # as written in the workbook
    # row 0 = Excel row 1, col 0 = column A; an empty cell is None, or "" as calamine reads it
    cells: list[list[object]]
    formulas_without_value: set[tuple[int, int]]  # 0-based (row, col)
    marks: SheetMarks = field(default_factory=SheetMarks)
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


def _refused(
    key: str,
    sheet: str | None = None,
    value: str | None = None,
    *,
    why: str | None = None,
    row: int | None = None,
    cell: str | None = None,
    **fmt: object,
) -> FileRefused:
    """The refusal of message `key` (sep_pipeline.standard.messages.FILE_MESSAGES); `why` names
    the check when several checks share a message."""
    en, cy = FILE_MESSAGES[key]
    code = ".".join(key.split(".")[:2])  # "file.not_xlsx.pdf" -> "file.not_xlsx"
    return FileRefused(
        Issue(
            "error",
            code,
            en.format(sheet=sheet, cell=cell, **fmt),
            cy.format(sheet=sheet, cell=cell, **fmt),
            sheet=sheet,
            row=row,
            value=value,
            cell=cell if row is not None else None,  # a cell of the sheet, not a range's end
        ),
        why or key,
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
        raise _refused("file.corrupt", why="zip.encrypted")  # never written by Excel
    f.seek(info.header_offset)
    local = f.read(30)
    if len(local) < 30 or not local.startswith(b"PK\x03\x04"):
        raise _refused("file.corrupt", why="zip.local_header")
    name_len, extra_len = struct.unpack_from("<HH", local, 26)
    f.seek(info.header_offset + 30 + name_len + extra_len)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    elif info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    else:
        raise _refused("file.corrupt", why="zip.method")  # Excel only writes deflate or stored
    left, produced, crc = info.compress_size, 0, 0
    while left > 0:
        raw = f.read(min(_CHUNK, left))
        if not raw:
            raise _refused("file.corrupt", why="zip.truncated")
        left -= len(raw)
        data = raw if inflater is None else inflater.decompress(raw, _CHUNK)
        while True:
            produced += len(data)
            if produced > info.file_size:
                raise _refused("file.zip_bomb", why="zip.overrun")
            crc = zlib.crc32(data, crc)
            if data:
                yield data
            # a full output buffer may mean more output is pending even with no input left
            if inflater is None or (not inflater.unconsumed_tail and len(data) < _CHUNK):
                break
            data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
    if (inflater is not None and not inflater.eof) or produced != info.file_size or crc != info.CRC:
        raise _refused("file.corrupt", why="zip.crc")


def _part_matches(f: BinaryIO, info: zipfile.ZipInfo, pattern: re.Pattern[bytes]) -> bool:
    """Stream one entry looking for pattern (short patterns: 64 bytes of overlap suffice)."""
    tail = b""
    for chunk in _part_chunks(f, info):
        if pattern.search(tail + chunk):
            return True
        tail = chunk[-64:]
    return False


def _bad_entry_name(name: str) -> bool:
    """A name no Office writer produces and an extracting tool could misplace: absolute, with a
    drive, a backslash, a NUL (zipfile cuts the name there, calamine's reader does not), or an
    empty, "." or ".." step."""
    return (
        name.startswith("/")
        or "\\" in name
        or "\0" in name
        or re.match(r"[A-Za-z]:", name) is not None
        or any(step in ("", ".", "..") for step in name.rstrip("/").split("/"))
    )


def _check_zip(zf: zipfile.ZipFile, f: BinaryIO, limits: Limits) -> None:
    infos = zf.infolist()
    if len(infos) > limits.max_zip_entries:
        raise _refused("file.zip_bomb", why="zip.entries")
    if sum(i.file_size for i in infos) > limits.max_uncompressed_bytes:
        raise _refused("file.zip_bomb", why="zip.total_size")
    ratio = limits.max_compression_ratio
    if any(i.file_size > MIB and i.file_size > ratio * max(i.compress_size, 1) for i in infos):
        raise _refused("file.zip_bomb", why="zip.ratio")
    # What is checked must be what calamine reads: one entry per name, case ignored (calamine
    # finds a part whatever its case, and of two takes the last), names read the same by every
    # reader, and entries that do not share bytes (the overlapping entries of a "better zip bomb").
    if len({i.filename.lower() for i in infos}) != len(infos):
        raise _refused("file.corrupt", why="zip.duplicate_name")
    if any(_bad_entry_name(i.orig_filename) for i in infos):
        raise _refused("file.corrupt", why="zip.bad_name")
    ends = getattr(zf, "start_dir", None)
    for info in sorted(infos, key=lambda i: i.header_offset, reverse=True):
        if ends is not None and info.header_offset + 30 + info.compress_size > ends:
            raise _refused("file.corrupt", why="zip.overlap")
        ends = info.header_offset
    names = {i.filename.lower(): i for i in infos}
    if "mimetype" in names and names["mimetype"].file_size < 200:
        if b"opendocument.spreadsheet" in b"".join(_part_chunks(f, names["mimetype"])):
            raise _refused("file.ods")
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        office = any(n.startswith(("word/", "ppt/")) for n in names)
        raise _refused("file.not_xlsx.office" if office else "file.not_xlsx")
    if "xl/vbaproject.bin" in names or any(n.startswith("xl/macrosheets/") for n in names):
        raise _refused("file.macros", why="macros.part")
    if _part_matches(f, names["[content_types].xml"], _MACRO_TYPE):
        raise _refused("file.macros", why="macros.content_type")


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
_SHARED_STRINGS = "xl/sharedstrings.xml"  # the one path calamine reads them from, case ignored
_STYLES = "xl/styles.xml"  # likewise
_PREFIXED_XF = re.compile(rb"<[\w.-]+:xf(?=[\s/>])")
_XML_DECL = re.compile(rb"(?:\xef\xbb\xbf)?\s*<\?xml\s[^>]*>")
_ENCODING = re.compile(rb"\sencoding\s*=\s*[\"']([^\"']*)[\"']")


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
    # the text its cells will hold: filled only for a part parsed as a sheet, and for the shared
    # strings (see "Text the cells will hold")
    text: _SheetText | None = field(default=None, compare=False)
    strings: _StringsText | None = field(default=None, compare=False)
    styles: int = field(default=0, compare=False)  # cell formats, in the styles part
    marks: _MarksScan | None = field(default=None, compare=False)  # a sheet's layout marks

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
    f: BinaryIO,
    info: zipfile.ZipInfo,
    limits: Limits,
    walk_all: bool,
    exact: bool = False,
    sheet: bool = False,
) -> _PartScan:
    """One streaming pass over a part: cells (see `_scan_region`), and, for a part calamine parses
    as a sheet (`sheet`), for the shared strings and for the styles, what they will cost it."""
    scan = _PartScan()
    strings = info.filename.lower() == _SHARED_STRINGS
    if sheet:
        scan.text = _SheetText(limits.max_cell_text)
        scan.marks = _MarksScan(limits.max_rows)
    if strings:
        scan.strings = _StringsText()
    carry = b""
    first = True
    for chunk in _part_chunks(f, info):
        if first:
            _check_encoding(chunk)
        buf = carry + chunk
        # "!" is rare and found at memchr speed; the regex only runs from the first one
        if (bang := buf.find(b"!")) >= 0 and _ENTITY.search(buf, max(bang - 1, 0)):
            raise _refused("file.xml_entities")
        cut = _cut(buf)
        region, carry = buf[:cut], buf[cut:]
        if len(carry) > 4 * _WINDOW:
            raise _refused("file.corrupt", why="xml.tag_too_long")  # a single tag of megabytes
        _scan_region(scan, region, strings, walk_all, exact)
        _scan_text(scan, info.filename, region, first, last=False)
        first = False
        if scan.over(limits):
            return scan  # refused anyway: no need to read further
    _scan_region(scan, carry, strings, walk_all, exact)
    _scan_text(scan, info.filename, carry, first, last=True)
    scan.end_cell()
    if scan.strings is not None:
        scan.strings.end()
    return scan


def _check_encoding(head: bytes) -> None:
    """The byte patterns read UTF-8 (or ASCII). OOXML allows UTF-8 or UTF-16 only, and calamine
    honours any encoding a declaration names (ISO-8859-1 turns byte 0x85 into a control
    character): UTF-16, or any declared encoding but UTF-8, is refused."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise _refused("file.corrupt", why="xml.utf16")
    if (decl := _XML_DECL.match(head)) and (enc := _ENCODING.search(decl[0])):
        if enc[1].lower() not in (b"utf-8", b"utf8"):
            raise _refused("file.corrupt", why="xml.encoding")


def _scan_text(scan: _PartScan, name: str, region: bytes, first: bool, last: bool) -> None:
    if scan.text is not None:
        scan.text.add(region, first, last)
    if scan.marks is not None:
        scan.marks.add(region)
    if scan.strings is not None:
        scan.strings.add(region, first)
    if name.lower() == _STYLES:
        scan.styles += sum(map(region.count, (b"<xf ", b"<xf>", b"<xf/"))) + (
            len(_PREFIXED_XF.findall(region)) if b":xf" in region else 0
        )


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


# --- text the cells will hold ---------------------------------------------------------------
#
# calamine copies a shared string into every cell that references it: one 200 KB string and a
# million references, 2 MB zipped, ask for 200 GB. So the text the cells will hold is bounded
# before parsing, from the bytes: each shared string's length and, only where the cheap bound (every
# cell holding the longest string) is over the limit, each cell's reference. Lengths are bytes of
# text outside tags: never fewer than the characters calamine makes of them.
#
# A cell over max_cell_text characters or holding a control character is refused naming the cell,
# so that check runs on the parsed cells. It is far too slow for every cell of every return, so the
# scan says where it can fail: a sheet whose bytes hold a long enough text run, or a control
# character in any spelling; or the shared strings, for every sheet.

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # Unicode Cc but tab, LF and CR
_CONTROL_BYTES = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_NOT_CONTROL_BYTES = bytes(sorted(set(range(256)) - set(_CONTROL_BYTES)))
# the other spellings calamine reads as one: Excel's _xHHHH_ escape (tab, LF, CR excepted) and a
# C1 control in UTF-8; any character reference ("&#") is taken as one, unread
_CONTROL_ESCAPE = re.compile(rb"_x00(?:0[0-8BbCcEeFf]|1[0-9A-Fa-f]|7[Ff]|[89][0-9A-Fa-f])_")
_C1_UTF8 = re.compile(rb"\xc2[\x80-\x9f]")
_STRING_OPEN = _rx(rb"<~si(?=[\s/>])")
_INLINE_OPEN = _rx(rb"<~is(?=[\s/>])")
_INLINE_CLOSE = _rx(rb"</~is(?=[\s>])")
_SHEET_DATA_CLOSE = _rx(rb"</~sheetData(?=[\s>])")
_AFTER_TAG_NAME = np.frombuffer(b"> \t\r\n/", np.uint8)


def _may_hold_controls(region: bytes) -> bool:
    # single bytes first: bytes.find of one byte runs at memchr speed, of several ~50x slower
    a = np.frombuffer(region, np.uint8)
    low = a[np.flatnonzero(a < 0x20)]
    if np.any((low != 0x09) & (low != 0x0A) & (low != 0x0D)) or b"\x7f" in region:
        return True
    return (
        (b"#" in region and b"&#" in region)
        or (b"_" in region and _CONTROL_ESCAPE.search(region) is not None)
        or (b"\xc2" in region and _C1_UTF8.search(region) is not None)
    )


def _odd_markup(region: bytes, first: bool) -> bool:
    """CDATA, a comment or a processing instruction past the XML declaration: markup whose text
    tag positions do not bound (and that Excel never writes in these parts)."""
    start = m.end() if first and (m := _XML_DECL.match(region)) else 0
    return (b"!" in region and region.find(b"<!", start) >= 0) or (
        region.find(b"?", start) >= 0 and region.find(b"<?", start) >= 0
    )


def _sheet_data_end(region: bytes) -> int:
    """Where the first </sheetData> ends the cells calamine reads (it stops there), or -1."""
    at = region.find(b"</sheetData")
    if at < 0 and b":sheetData" in region:
        at = m.start() if (m := _SHEET_DATA_CLOSE.search(region)) else -1
    return at


def _long_cell(region: bytes, block: int) -> bool:
    """Whether a whole block of the region holds no cell start ("<c"). A cell of 2 * block bytes
    or more, from its start to the next, spans such a block; its text is no longer than that."""
    find = region.find  # each find stops at the block's first cell: a few dozen bytes
    return any(find(b"<c", at, at + block) < 0 for at in range(0, len(region) - block + 1, block))


def _tag_layout(region: bytes) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, bool]:
    """(the region's bytes then zeros, each tag's start, the text bytes before each tag, the text
    bytes in all, whether the tags could be told apart: no "<" inside a tag)."""
    a = _BUFFERS.load(region)[0]
    n = len(region)
    lt = np.flatnonzero(a[:n] == _LT)
    if lt.size == 0:
        return a, lt, lt, n, True
    gt = np.flatnonzero(a[:n] == _GT)
    at = np.searchsorted(gt, lt)  # a tag ends at the first ">" after its "<"
    ends = np.full(lt.size, n - 1)
    closed = at < gt.size
    ends[closed] = gt[at[closed]]
    sizes = ends - lt + 1
    tag_bytes = np.cumsum(sizes)
    sound = not np.any(ends[:-1] >= lt[1:])
    return a, lt, lt - (tag_bytes - sizes), n - int(tag_bytes[-1]), sound


def _tag_indices(a: np.ndarray, lt: np.ndarray, region: bytes, name: bytes, closing: bool,
                 pattern: re.Pattern[bytes]) -> np.ndarray:
    """Indices into lt of the tags <name...> (closing: </name>) of a region, prefixed or not."""
    if b":" + name in region:  # a prefixed tag may be there: the pattern finds them all
        found = [m.start() for m in pattern.finditer(region)]
        return np.searchsorted(lt, np.array(found, np.int64))
    at = lt + 1 + closing
    hit = np.isin(a[at + len(name)], _AFTER_TAG_NAME)
    for k, byte in enumerate(name):
        hit &= a[at + k] == byte
    if closing:
        hit &= a[lt + 1] == _SLASH
    return np.flatnonzero(hit)


@dataclass
class _SheetText:
    """What the bytes of a part calamine parses as a sheet say about its cells' text."""

    limit: int  # max_cell_text
    size: int = 0  # bytes of the part: the cheap bound of its inline strings' text
    long_text: bool = False  # a cell may hold more than `limit` characters
    controls: bool = False  # a cell may hold a control character

    def add(self, region: bytes, first: bool, last: bool) -> None:
        self.size += len(region)
        if not region:
            return
        odd = _odd_markup(region, first)  # where a "</sheetData>" may be text
        if last and not odd and (end := _sheet_data_end(region)) >= 0:
            region = region[:end]  # the rest (merged cells, validations...) is no cell's text
        if not self.controls:
            self.controls = _may_hold_controls(region)
        if not self.long_text:  # 2 * block >= limit + 2, and a cell holds its text and a tag
            self.long_text = odd or _long_cell(region, (self.limit + 2) // 2)


_ROW_ATTRS = _rx(rb"<~row(?=\s)([^>]*)>")
_COL_ATTRS = _rx(rb"<~col(?=\s)([^>]*)>")
_MERGE_REF = _rx(rb"<~mergeCell(?=\s)[^>]*\sref\s*=\s*[\"']([^\"']*)[\"']")
_FILTER_REF = _rx(rb"<~autoFilter(?=\s)[^>]*\sref\s*=\s*[\"']([^\"']*)[\"']")
_FILTER_COLUMN = _rx(rb"<~filterColumn(?=[\s/>])")
_MAX_MARKS = 10_000  # merged ranges or hidden column ranges kept per sheet: any real sheet has few
_TRUE = (b"1", b"true")
# LibreOffice writes hidden="false" on every row: only a true one is worth reading the tags for
_HIDDEN_TRUE = re.compile(rb"hidden\s*=\s*[\"'](?:1|true)[\"']")


@dataclass
class _MarksScan:
    """Merged ranges, hidden rows and columns, and the filter of a sheet part (`SheetMarks`).
    Each is looked for only in a region that holds its tag's name, found at memchr speed."""

    max_rows: int  # a hidden row past the sheet's row limit holds nothing read
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    hidden_rows: set[int] = field(default_factory=set)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)
    filter_ref: str | None = None
    filter_active: bool = False

    def add(self, region: bytes) -> None:
        if b"hidden" in region and _HIDDEN_TRUE.search(region):
            self._hidden(region)
        if b"mergeCell" in region:
            for ref in _MERGE_REF.findall(region)[: _MAX_MARKS - len(self.merged)]:
                if (merged := _merged_range(ref)) is not None:
                    self.merged.append(merged)
        if b"ilter" in region:  # autoFilter, filterColumn: one look for both
            if b"autoFilter" in region and (m := _FILTER_REF.search(region)):
                self.filter_ref = m[1].decode("ascii", "replace")[:40]
            if b"filterColumn" in region and _FILTER_COLUMN.search(region):
                self.filter_active = True

    def _hidden(self, region: bytes) -> None:
        for attrs in _ROW_ATTRS.findall(region):
            if _attr(attrs, b"hidden") in _TRUE and (r := _attr(attrs, b"r")) and r.isdigit():
                if 1 <= (row := _row_number(r)) <= self.max_rows:
                    self.hidden_rows.add(row - 1)
        for attrs in _COL_ATTRS.findall(region):
            if _attr(attrs, b"hidden") in _TRUE and len(self.hidden_columns) < _MAX_MARKS:
                low, high = _attr(attrs, b"min") or b"", _attr(attrs, b"max") or b""
                if low.isdigit() and high.isdigit() and 1 <= int(low) <= int(high) <= 16_384:
                    self.hidden_columns.append((int(low) - 1, int(high) - 1))

    def result(self) -> SheetMarks:
        return SheetMarks(tuple(self.merged), tuple(sorted(self.hidden_rows)),
                          tuple(self.hidden_columns), self.filter_ref, self.filter_active)


def _merged_range(ref: bytes) -> tuple[int, int, int, int] | None:
    """b"A1:C2" -> (0, 0, 1, 2); None for one cell or a reference of odd shape."""
    ends = [_parse_ref(side) for side in ref.split(b":")]
    if len(ends) != 2 or None in ends:
        return None
    (r1, c1), (r2, c2) = ends  # type: ignore[misc]
    if max(r1, r2, c1, c2) >= _HUGE or (r1, c1) == (r2, c2) or min(r1, c1, r2, c2) < 1:
        return None
    return min(r1, r2) - 1, min(c1, c2) - 1, max(r1, r2) - 1, max(c1, c2) - 1


def _inline_text(region: bytes) -> int:
    """Text bytes of the inline strings (<is>) of a region of whole cells: calamine reads one in
    any cell, whatever its type; rich text runs add up within it."""
    a, lt, before, _, sound = _tag_layout(region)
    opens = _tag_indices(a, lt, region, b"is", False, _INLINE_OPEN)
    closes = _tag_indices(a, lt, region, b"is", True, _INLINE_CLOSE)
    if sound and opens.size == closes.size and bool(
        np.all(opens < closes) and np.all(closes[:-1] < opens[1:])
    ):
        return int((before[closes] - before[opens]).sum())
    return len(region)  # cannot be told apart: every byte counts


@dataclass
class _StringsText:
    """The text bytes of each shared string, in order, from a streaming pass over the part."""

    found: list[np.ndarray] = field(default_factory=list)
    open: int | None = None  # text so far of a string that runs on into the next region
    total: int = 0  # text bytes of the whole part
    sound: bool = True  # False: the lengths cannot be trusted (odd markup), each may be `total`
    controls: bool = False

    def add(self, region: bytes, first: bool) -> None:
        if not region:
            return
        if not self.controls:
            self.controls = _may_hold_controls(region)
        if _odd_markup(region, first):
            self.sound = False
        a, lt, before, text, sound = _tag_layout(region)
        self.sound = self.sound and sound
        self.total += text
        starts = before[_tag_indices(a, lt, region, b"si", False, _STRING_OPEN)]
        if starts.size == 0:
            if self.open is not None:
                self.open += text
            return
        if self.open is not None:
            self.found.append(np.array([self.open + int(starts[0])]))
        self.found.append(np.diff(starts))
        self.open = text - int(starts[-1])

    def end(self) -> None:
        if self.open is not None:
            self.found.append(np.array([self.open]))
            self.open = None

    def lengths(self) -> np.ndarray:
        found = np.concatenate(self.found) if self.found else np.zeros(0, np.int64)
        return found if self.sound else np.full(found.size, self.total)


_SHARED_CELL = _little(b't="s"><v')  # then ">", the index, then _SHARED_CELL_END
_SHARED_CELL_END = _little(b"</v></c>")


def _shared_indices(region: bytes) -> np.ndarray:
    """The index of every cell of the usual shape <c ... t="s"><v>123</v></c> in a region (at
    most 8 digits; any other shape is left out, and counted at the longest string)."""
    a = _BUFFERS.load(region)[0]
    little = np.ndarray((a.size - 7,), "<u8", a, strides=(1,))
    at = np.flatnonzero(a[: len(region)] == ord("s")) - 3
    at = at[at >= 0]
    at = at[little[at] == _SHARED_CELL]
    at = at[a[at + 8] == _GT] + 9  # the index's first byte
    digits = a[at[:, None] + np.arange(9)] - np.uint8(ord("0"))  # wraps below "0"
    run = np.logical_and.accumulate(digits <= 9, axis=1)
    count = run.sum(axis=1)
    ok = (count >= 1) & (count <= 8)
    ok[ok] = little[at[ok] + count[ok]] == _SHARED_CELL_END
    index = np.zeros(int(np.count_nonzero(ok)), np.int64)
    for k in range(8):
        index = np.where(run[ok, k], index * 10 + digits[ok, k], index)
    return index


def _cell_text(f: BinaryIO, info: zipfile.ZipInfo, strings: int) -> tuple[np.ndarray, int, int]:
    """For one sheet part: the references to each of the shared strings, how many cells may take
    a shared string whose reference was not read (each "s" attribute value is one), and the text
    bytes of its inline strings."""
    counts = np.zeros(strings, np.int64)
    unread = inline = 0

    def add(region: bytes) -> None:
        nonlocal unread, inline
        if b"<is" in region or b":is" in region:
            inline += _inline_text(region)
        values = region.count(b'"s"') + region.count(b"'s'")
        if values:
            index = _shared_indices(region)
            unread += values - index.size
            # an index past the strings makes calamine fail the sheet: it costs nothing
            counts[:] += np.bincount(index[index < strings], minlength=strings)

    carry = b""
    for chunk in _part_chunks(f, info):
        buf = carry + chunk
        cut = _cut(buf)
        add(buf[:cut])
        carry = buf[cut:]
    add(carry)
    return counts, unread, inline


def _check_text_budget(
    f: BinaryIO,
    parsed: dict[str, tuple[zipfile.ZipInfo, _PartScan, list[str]]],
    strings: _StringsText | None,
    limits: Limits,
) -> None:
    """Refuse a workbook whose cells would hold more than max_workbook_text characters: each
    shared string once (and at least one character: calamine keeps every one), again for every
    cell that references it, and the inline strings. `parsed`: sheet part -> (its entry, its
    scan, the sheets calamine parses from it)."""
    cost = np.maximum(strings.lengths() if strings else np.zeros(0, np.int64), 1)
    longest = int(cost.max(initial=1))
    cells = sum(scan.cells * len(reads) for _, scan, reads in parsed.values())
    inline = sum(scan.text.size * len(reads) for _, scan, reads in parsed.values() if scan.text)
    # cheap first, and enough for almost every return: every cell holding the longest string,
    # every byte of the sheets an inline string
    if float(cost.sum()) + float(cells) * longest + inline <= limits.max_workbook_text:
        return
    refs = np.zeros(cost.size, np.int64)
    by_part: dict[str, float] = {}  # text each part's cells hold, to name the sheet with most
    for part, (info, _, reads) in parsed.items():
        counts, unread, inline_part = _cell_text(f, info, cost.size)
        refs += counts * len(reads)
        by_part[part] = (float(counts @ cost) + float(unread) * longest + inline_part) * len(reads)
    total = float(np.maximum(refs, 1) @ cost) - float(refs @ cost) + sum(by_part.values())
    if total <= limits.max_workbook_text:
        return
    most = max(by_part, key=by_part.__getitem__, default=None)
    sheet = parsed[most][2][0] if most is not None and by_part[most] > 0 else None
    raise _refused(
        "file.too_much_text" if sheet is not None else "file.too_much_text.workbook",
        sheet=sheet,
        value=f"{int(total):,}",
        text=int(total),
        limit=limits.max_workbook_text,
    )


def _depth(data: bytes) -> int:
    """How deep the elements of a small XML part nest. The workbook part and its relationships are
    parsed whole by ElementTree: nested two million deep, 16 MiB cost it seconds and 600 MB."""
    a = np.frombuffer(data + b"\0\0", np.uint8)
    n = len(data)
    lt = np.flatnonzero(a[:n] == _LT)
    gt = np.flatnonzero(a[:n] == _GT)
    if lt.size == 0 or gt.size == 0:
        return 0
    ends = gt[np.minimum(np.searchsorted(gt, lt), gt.size - 1)]
    second = a[lt + 1]
    opens = ~np.isin(second, np.frombuffer(b"/?!", np.uint8)) & (a[ends - 1] != _SLASH)
    return int(np.cumsum(opens.astype(np.int64) - (second == _SLASH)).max(initial=0))


def _sheet_parts(f: BinaryIO, zf: zipfile.ZipFile, limits: Limits) -> dict[str, list[str]]:
    """Zip part name -> the sheet names pointing at it (one, in any workbook Excel writes), from
    xl/workbook.xml and its relationships (small parts, already checked for DOCTYPE/ENTITY;
    defusedxml refuses them anyway)."""

    def parse(name: str) -> list[Element]:
        info = zf.getinfo(name)
        if info.file_size > 16 * MIB:
            raise _refused("file.corrupt", why="xml.part_too_large")
        data = b"".join(_part_chunks(f, info))
        _check_encoding(data)
        if _ENTITY.search(data):
            raise _refused("file.xml_entities")
        if _depth(data) > limits.max_xml_depth:
            raise _refused("file.corrupt", why="xml.depth")
        return list(SafeET.fromstring(data).iter())

    def local(tag: str) -> str:
        return tag.rsplit("}", 1)[-1]

    entry = {name.lower(): name for name in zf.namelist()}  # calamine ignores case, as here
    # Every relationship, whatever its TargetMode: calamine reads an "External" target as a part
    # of the zip all the same (five 10-million-cell sheets once slipped past the cell budget so).
    targets: dict[str, str] = {}
    if "xl/_rels/workbook.xml.rels" in entry:
        for el in parse(entry["xl/_rels/workbook.xml.rels"]):
            if local(el.tag) == "Relationship":
                targets[el.get("Id", "")] = el.get("Target", "")
    parts: dict[str, list[str]] = {}
    sheets = 0
    for el in parse(entry["xl/workbook.xml"]):
        if local(el.tag) != "sheet":
            continue
        sheets += 1
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
        for part in {entry.get(p.lower(), p) for p in (literal, posixpath.normpath(literal))}:
            parts.setdefault(part, []).append(el.get("name", ""))
    if sheets > limits.max_sheets:
        raise _refused("file.too_many_sheets", value=f"{sheets:,}", count=sheets,
                       limit=limits.max_sheets)
    return parts


SheetFilter = Callable[[str], bool]
Then = Callable[[RawWorkbook], object]  # what `read_then` applies to the workbook in the child


@dataclass
class _Inspection:
    """What the checks learnt that the parse needs."""

    formulas: dict[str, set[tuple[int, int]]]  # per sheet name: formulas without a cached value
    check_text: set[str]  # sheets whose parsed cells may hold a long text or a control character
    marks: dict[str, SheetMarks] = field(default_factory=dict)  # per sheet name


def _inspect(f: BinaryIO, limits: Limits, wanted: SheetFilter | None = None,
             exact: bool = False) -> _Inspection:
    """All checks on the bytes. Sheets that `wanted` turns down are neither scanned nor, later,
    parsed. `exact` turns the fast path of the cell scan off (tests compare the two)."""
    size = f.seek(0, 2)
    _check_magic(f, size, limits)
    count = _declared_entry_count(f, size)
    if count is not None and count > limits.max_zip_entries:
        raise _refused("file.zip_bomb", why="zip.declared_entries")
    with zipfile.ZipFile(f) as zf:
        _check_zip(zf, f, limits)
        sheet_of = _sheet_parts(f, zf, limits)
        formulas: dict[str, set[tuple[int, int]]] = {}
        too_big: FileRefused | None = None
        si_count, unique_count, cells, ranges, styles = 0, 0, 0, 0, 0
        parsed: dict[str, tuple[zipfile.ZipInfo, _PartScan, list[str]]] = {}
        strings: _StringsText | None = None
        for info in zf.infolist():
            xml = info.filename.lower().endswith((".xml", ".rels")) or info.filename in sheet_of
            if info.is_dir() or not xml:
                continue
            names = sheet_of.get(info.filename, [])
            # calamine parses the part once for each wanted sheet pointing at it, else not at all
            reads = [name for name in names if wanted is None or wanted(name)]
            if names and not reads:
                continue
            try:
                scan = _scan_part(f, info, limits, walk_all=False, exact=exact, sheet=bool(reads))
            except _NeedsWalk:
                scan = _scan_part(f, info, limits, walk_all=True, sheet=bool(reads))
            sheet = names[-1] if names else info.filename
            si_count += scan.si_count
            unique_count = max(unique_count, scan.unique_count)
            cells += scan.cells
            styles += scan.styles
            if reads:
                ranges += scan.max_row * scan.max_col * len(reads)
                parsed[info.filename] = (info, scan, reads)
            if scan.strings is not None:
                strings = scan.strings
            for name in (names or [sheet]) if scan.formulas else ():
                formulas.setdefault(name, set()).update(scan.formulas)
            if too_big is None and (over := scan.over(limits)):
                rows, cols = over
                cell = f"{column_letter(cols - 1)}{rows}" if max(over) < _HUGE else "?"
                too_big = _refused(
                    "file.too_many_cells",
                    sheet=sheet,
                    value=f"A1:{cell}",
                    why="sheet.declared_range" if over == scan.declared else "sheet.range",
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
            raise _refused("file.corrupt", why="sst.unique_count")
        if styles > limits.max_styles:
            raise _refused("file.too_many_styles", value=f"{styles:,}", count=styles,
                           limit=limits.max_styles)
        _check_text_budget(f, parsed, strings, limits)
    everywhere = strings is not None and (
        strings.controls or not strings.sound
        or int(strings.lengths().max(initial=0)) > limits.max_cell_text
    )
    check_text = {
        name
        for _, scan, reads in parsed.values()
        if everywhere or (scan.text is not None and (scan.text.long_text or scan.text.controls))
        for name in reads
    }
    marks = {name: scan.marks.result()
             for _, scan, reads in parsed.values() if scan.marks is not None for name in reads}
    return _Inspection(formulas, check_text, marks)


_P_ = ParamSpec("_P_")
_T = TypeVar("_T")


def _guarded(fn: Callable[_P_, _T], *args: _P_.args, **kwargs: _P_.kwargs) -> _T:
    """Run fn; anything but FileRefused (zipfile, zlib, defusedxml, calamine) becomes corrupt."""
    try:
        return fn(*args, **kwargs)
    except (FileRefused, KeyboardInterrupt, SystemExit):
        raise
    except MemoryError as exc:
        raise _refused("file.too_complex", why="memory") from exc
    except BaseException as exc:  # a calamine panic is pyo3's PanicException, a BaseException
        raise _refused("file.corrupt", why=f"error.{type(exc).__name__}") from exc


def _inspect_path(path: Path, limits: Limits) -> None:
    with path.open("rb") as f:
        _inspect(f, limits)


def inspect_file(path: Path, limits: Limits = Limits()) -> None:  # noqa: B008
    """Refuse (FileRefused) anything the checks alone refuse, in this process. What only the
    parse can tell (a crash, the cells' text) is not tried: `read_workbook` does both."""
    _guarded(_inspect_path, Path(path), limits)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a workbook's cells are unpickled.

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


# --- parsing in a child process -------------------------------------------------------------
#
# calamine's failures are not all exceptions: a failed allocation aborts the process (with
# RUST_BACKTRACE set it can hang instead) and a sheet may take as long as it likes. So calamine
# runs in a forked child (cheap: the imports are done, the pages shared) under hard limits, and the
# cells come back pickled in chunks, the parent unpickling one while the child pickles the next. A
# child that dies, hangs or runs out of a limit is a refused file, and the file's sha256 is
# remembered so that it is refused at once until it changes.
#
# The checks run in the parent meanwhile, and nothing the child sends is used unless they pass: a
# file they refuse is refused for their reason, the child killed. The child starts at once only
# where its memory is capped (RLIMIT_AS, Linux); elsewhere it waits for the checks to pass. The
# overlap is what keeps the sandbox from costing time: the cells' transfer is paid for by the
# checks no longer delaying the parse.
#
# The child is a boundary for crashes and resources, not for privileges: it is the same user
# with the same memory, so what it sends (pickles, loaded here) is trusted as the parent is.
#
# `read_then` goes further: the child reads every sheet, waits for the checks' findings (sent
# through the pipe that lets an uncapped child start), and applies the caller's function to the
# workbook, so that only its answer crosses back. Ingest checks a return that way: the 12 million
# cells of the national returns took ~3.5 s of CPU to pickle and unpickle, more than validating.

_CHUNK_CELLS = 200_000  # cells a message carries: small, so pickling and unpickling overlap
_OUT_OF_MEMORY = 3  # the child's exit status when Python itself ran out of memory
_WALL_CLOCK = 3  # a hang uses no CPU: the clock allows max_parse_seconds times this
_REMEMBERED: set[str] = set()  # sha256 of each file that took the parser down, in this process
_REMEMBER_FILE = "parser_refused.txt"  # ... and in the data folder, for every process


def _remember_file() -> Path | None:
    """<SEP_DATA_DIR>/parser_refused.txt, if that folder exists (a partner's `validate` has none:
    there the file is remembered by the process alone)."""
    folder = Path(os.environ.get("SEP_DATA_DIR", "var"))
    return folder / _REMEMBER_FILE if folder.is_dir() else None


def _took_the_parser_down(digest: str) -> bool:
    if digest in _REMEMBERED:
        return True
    path = _remember_file()
    try:
        known = path is not None and digest in path.read_text(encoding="utf-8").split()
    except OSError:  # absent or unreadable: nothing remembered there
        return False
    if known:
        _REMEMBERED.add(digest)
    return known


def _remember(digest: str, reason: str) -> None:
    _REMEMBERED.add(digest)
    if (path := _remember_file()) is not None:
        with suppress(OSError), path.open("a", encoding="utf-8") as out:  # else this process only
            out.write(f"{digest} {reason}\n")


def _set_limit(which: int, soft: int, hard: int | None = None) -> None:
    """Lower a resource limit (never above the hard limit already set, e.g. by a test)."""
    hard = soft if hard is None else hard
    current = resource.getrlimit(which)[1]
    if current != resource.RLIM_INFINITY:
        hard = min(hard, current)
    resource.setrlimit(which, (min(soft, hard), hard))


def _confine(limits: Limits, parent: int, keep: tuple[int, ...]) -> bool:
    """The child's limits and surroundings, set before it reads a byte of the file; whether its
    memory could be capped."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent stops it
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):  # die with the parent, whatever kills it
        with suppress(OSError, AttributeError):
            ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        if os.getppid() != parent:
            os._exit(0)
        # hold none of the parent's files (the writer lock is an flock) or pipes (another
        # child's, whose end would then never come); sockets, epoll and event fds stay: a
        # library's fork handlers may use them in the child (gRPC's, in Dagster's code server,
        # aborted one child in six when they were closed)
        for fd in map(int, os.listdir("/proc/self/fd")):
            if fd > 2 and fd not in keep:
                with suppress(OSError):
                    if stat.S_ISREG(mode := os.fstat(fd).st_mode) or stat.S_ISFIFO(mode):
                        os.close(fd)
    # a panic would print a backtrace, and an abort can hang while capturing one
    os.environ.pop("RUST_BACKTRACE", None)
    os.environ.pop("RUST_LIB_BACKTRACE", None)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # calamine's abort message is for no one's terminal
        os.dup2(null, fd)
    _set_limit(resource.RLIMIT_CORE, 0)  # an abort must not write a core of gigabytes
    seconds = max(1, math.ceil(limits.max_parse_seconds))
    _set_limit(resource.RLIMIT_CPU, seconds, seconds + 1)  # SIGXCPU, then SIGKILL
    gc.disable()  # a short life: exit frees it all
    try:
        with open("/proc/self/statm", "rb") as statm:
            mapped = int(statm.read().split()[0]) * resource.getpagesize()  # inherited, shared
        _set_limit(resource.RLIMIT_AS, mapped + limits.max_parse_memory)
    except (OSError, ValueError, IndexError):
        return False
    return True


def _framed(message: object, memo: bool = False) -> memoryview:
    """A message as it crosses a pipe: its length, then its pickle."""
    buffer = io.BytesIO()
    buffer.write(bytes(8))
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    # no memo: four times faster on cells, which are never shared nor recursive (the attribute is
    # documented as deprecated but is the only way to turn the memo off)
    pickler.fast = not memo
    pickler.dump(message)
    view = buffer.getbuffer()
    struct.pack_into("<Q", view, 0, len(view) - 8)
    return view


def _send(out: int, message: tuple[object, ...], memo: bool = False) -> None:
    """One message to the parent (`memo` for objects that may share parts: `then`'s answer)."""
    view = _framed(message, memo)
    while view:
        view = view[os.write(out, view) :]


def _shown(text: str, width: int = 60) -> str:
    """A cell's text as a message shows it: control characters spelt out, cut to width."""
    shown = _CONTROL.sub(lambda m: f"[U+{ord(m[0]):04X}]", text[:width])
    return shown + ("…" if len(text) > width else "")


def _char_names(text: str) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in sorted(set(_CONTROL.findall(text))))


def _check_sheet_name(position: int, name: str) -> None:
    if _CONTROL.search(name):
        shown = _CONTROL.sub("?", name)
        raise _refused("file.control_characters.sheet_name", sheet=shown, value=shown,
                       why="text.sheet_name", position=position, chars=_char_names(name))


def _check_text(sheet: str, rows: list[list[object]], limits: Limits) -> None:
    """Refuse a sheet with a cell over max_cell_text characters or holding a control character
    (NUL cannot even be stored), naming the first such cell and listing the others."""
    limit = limits.max_cell_text
    found: dict[str, list[tuple[int, int, str]]] = {"control": [], "long": []}
    for r, row in enumerate(rows):
        texts = [v for v in row if v.__class__ is str]
        if not texts or (max(map(len, texts)) <= limit and not _CONTROL.search("\n".join(texts))):
            continue
        for c, v in enumerate(row):
            if v.__class__ is str and (_CONTROL.search(v) or len(v) > limit):
                found["control" if _CONTROL.search(v) else "long"].append((r, c, v))
    for kind, cells in found.items():
        if not cells:
            continue
        (r, c, text), others = cells[0], [cell_address(rr + 1, cc) for rr, cc, _ in cells[1:]]
        more_en, more_cy = other_cells_text(others)
        common = {"sheet": sheet, "value": _shown(text), "row": r + 1,
                  "cell": cell_address(r + 1, c), "more_en": more_en, "more_cy": more_cy}
        if kind == "control":
            raise _refused("file.control_characters", why="text.control",
                           chars=_char_names(text), **common)  # type: ignore[arg-type]
        raise _refused("file.cell_too_long", why="text.cell_length", length=len(text),
                       limit=limit, **common)  # type: ignore[arg-type]


Sink = Callable[[str, list[list[object]]], None]  # what the child does with each sheet read


def _parse(data: bytes, wanted: SheetFilter | None, sink: Sink) -> None:
    """In the child: calamine, each sheet handed to `sink` as soon as it is read."""
    with CalamineWorkbook.from_filelike(io.BytesIO(data)) as wb:
        names = list(wb.sheet_names)
        if not names:
            raise _refused("file.not_xlsx.no_sheets")
        for index, name in enumerate(names):
            if wanted is not None and not wanted(name):
                continue
            _check_sheet_name(index + 1, name)
            try:
                rows = wb.get_sheet_by_index(index).to_python(skip_empty_area=False)
            except OverflowError as exc:  # a huge number in a duration-formatted cell
                raise _refused("file.corrupt.duration", sheet=name) from exc
            # calamine gives "" for an empty cell: left so (see RawSheet.rows)
            while rows and rows[-1].count("") == len(rows[-1]):
                rows.pop()  # trailing blank rows carry no data
            sink(name, rows)


def _sender(out: int) -> Sink:
    """A sink sending each sheet to the parent, in chunks it can unpickle while the next is
    pickled."""

    def send(name: str, rows: list[list[object]]) -> None:
        _send(out, ("sheet", name))
        step = max(1, _CHUNK_CELLS // len(rows[0])) if rows and rows[0] else len(rows) or 1
        for at in range(0, len(rows), step):
            _send(out, ("rows", rows[at : at + step]))

    return send


def _judge(data: bytes, wanted: SheetFilter | None, then: Then, limits: Limits, out: int,
           go: int, passed: bool) -> None:
    """In the child, for `read_then`: the whole workbook read, then, once the parent's checks
    have passed it (`passed`: known before the parse; their findings come through `go`), `then`
    applied to it and its answer sent. "parsed" tells the parent the parse itself went well: a
    death after it is `then`'s."""
    sheets: dict[str, RawSheet] = {}
    _parse(data, wanted, lambda name, rows: sheets.__setitem__(name, RawSheet(name, rows, set())))
    _send(out, ("parsed",))
    if not passed and os.read(go, 1) != b"!":
        os._exit(0)  # the checks refused the file: the parent is killing this child
    poller = select.poll()
    poller.register(go, select.POLLIN)
    deadline = time.monotonic() + limits.max_parse_seconds * _WALL_CLOCK  # the parent's, at most
    try:
        message = _read_message(go, poller, deadline, limits.max_parse_memory)
    except _Timeout:
        message = None
    if message is None:
        os._exit(0)  # the parent is gone, or killing this child
    inspection: _Inspection = pickle.loads(message)
    raw = _inspected(RawWorkbook(sheets), inspection, limits)
    gc.freeze()  # the cells live on: collections skip them, as they are no cycles
    gc.enable()  # `then` is ordinary code, with cycles of its own
    try:
        # pickled on its own, so that a caller handing it on to another process need not unpickle
        # and pickle it again (`read_then_pickled`)
        answer: tuple[object, ...] = ("answer", pickle.dumps(then(raw), pickle.HIGHEST_PROTOCOL))
    except FileRefused:
        raise
    except MemoryError:
        os._exit(_OUT_OF_MEMORY)
    except Exception as exc:  # noqa: BLE001 - raised again in the parent, with this traceback
        exc.add_note("(in the child reading the file)\n" + "".join(traceback.format_exc()))
        answer = ("failed", exc)
    try:
        _send(out, answer, memo=True)
    except Exception as exc:  # noqa: BLE001 - e.g. an exception that cannot be pickled
        _send(out, ("failed", RuntimeError(f"{type(exc).__name__}: {exc}: {answer!r:.2000}")))


def _child(data: bytes, limits: Limits, wanted: SheetFilter | None, out: int, go: int,
           parent: int, then: Then | None) -> None:
    """The child's whole life: it answers "done" (or, for `read_then`, "parsed" then "answer"
    or "failed"), or "refused" with the issue, or dies."""
    try:
        capped = _confine(limits, parent, (out, go))
        if not capped and os.read(go, 1) != b"!":
            os._exit(0)  # uncapped, it parses only what the checks let through; they did not
        try:
            if then is None:
                os.close(go)
                _parse(data, wanted, _sender(out))
                _send(out, ("done",))
            else:
                _judge(data, wanted, then, limits, out, go, passed=not capped)
        except FileRefused as refused:
            _send(out, ("refused", refused.issue, refused.reason))
        except MemoryError:
            os._exit(_OUT_OF_MEMORY)
        except BaseException as exc:  # calamine's errors, and panics (pyo3's PanicException)
            if _near_memory_cap():  # e.g. "PyObject pointer is null": an allocation failed
                os._exit(_OUT_OF_MEMORY)
            refused = _refused("file.corrupt", why=f"error.{type(exc).__name__}")
            _send(out, ("refused", refused.issue, refused.reason))
    finally:
        os._exit(0)  # never the parent's atexit handlers, buffers or finalizers


def _near_memory_cap() -> bool:
    """Whether the child's address space came within a tenth of its cap: a failure then is the
    cap's, whatever form it took (an abort, a MemoryError, or a panic where pyo3 met a failed
    allocation)."""
    cap = resource.getrlimit(resource.RLIMIT_AS)[0]
    if cap == resource.RLIM_INFINITY:
        return False
    try:
        with open("/proc/self/status", "rb") as status:
            peak = next(line for line in status if line.startswith(b"VmPeak:"))
    except (OSError, StopIteration):
        return False
    return int(peak.split()[1]) * 1024 > cap * 0.9


class _Timeout(Exception):
    pass


def _read_exactly(fd: int, poller: select.poll, deadline: float, size: int) -> bytearray | None:
    """size bytes from the child, or None if it closed the pipe first (it died)."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    got = 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise _Timeout
        n = os.readv(fd, [view[got:]])
        if n == 0:
            return None
        got += n
    return buffer


@dataclass
class _Answer:
    """What `then` answered in the child (pickled), or the exception it raised."""

    value: bytes = b""
    error: Exception | None = None


def _read_message(fd: int, poller: select.poll, deadline: float,
                  most: int) -> bytearray | None:
    """One message written by `_framed`; None when the pipe closed first (the other end died)
    or the message claims more than `most` bytes (no message of ours is that long)."""
    head = _read_exactly(fd, poller, deadline, 8)
    if head is None or (size := struct.unpack("<Q", head)[0]) > most:
        return None
    return _read_exactly(fd, poller, deadline, size)


def _receive(fd: int, deadline: float, limits: Limits,
             seen: set[str]) -> RawWorkbook | FileRefused | _Answer | None:
    """The child's answer: the workbook (or `then`'s answer), its refusal, or None when it died
    without one; `seen` gets "parsed" when the child said its parse went well."""
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    sheets: dict[str, RawSheet] = {}
    sheet: RawSheet | None = None
    while (body := _read_message(fd, poller, deadline, limits.max_parse_memory)) is not None:
        message = pickle.loads(body)
        if message[0] == "rows" and sheet is not None:
            if sheet.cells:
                sheet.cells.extend(message[1])
            else:
                sheet.cells = message[1]
        elif message[0] == "sheet":
            sheet = sheets[message[1]] = RawSheet(message[1], [], set())
        elif message[0] == "done":
            return RawWorkbook(sheets)
        elif message[0] == "parsed":
            seen.add("parsed")
        elif message[0] == "answer":
            return _Answer(message[1])
        elif message[0] == "failed":
            return _Answer(error=message[1])
        elif message[0] == "refused":
            return FileRefused(message[1], message[2])
    return None


def _how_it_died(status: int) -> str:
    if os.WIFSIGNALED(status):
        number = os.WTERMSIG(status)
        if number in (signal.SIGXCPU, signal.SIGKILL):  # RLIMIT_CPU's two signals
            return "sandbox.cpu"
        with suppress(ValueError):
            return f"sandbox.{signal.Signals(number).name}"  # SIGABRT: calamine's allocation
        return f"sandbox.signal{number}"
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _OUT_OF_MEMORY:
        return "sandbox.memory"
    return "sandbox.no_answer"


def _reap(pids: set[int]) -> None:
    """Collect children that have exited since (a zombie costs nothing until then)."""
    for pid in list(pids):
        with suppress(ChildProcessError):  # someone else's wait() took it
            if os.waitpid(pid, os.WNOHANG)[0] == 0:
                continue
        pids.discard(pid)


_EXITING: set[int] = set()  # children that answered and may still be unmapping gigabytes


class _Died(Exception):
    """The child ended without an answer; `why` says how, `parsed` whether after its parse."""

    def __init__(self, why: str, parsed: bool = False) -> None:
        super().__init__(why)
        self.why, self.parsed = why, parsed


_TRIES_WHEN_THREADED = 3


def _parse_in_child(data: bytes, digest: str, limits: Limits, wanted: SheetFilter | None,
                    then: Then | None = None) -> object:
    """The parse in a child (and `then`, if given); a child that took the parser down refuses
    the file, remembered.

    In a process running other threads (Dagster's code server), a library's fork handlers
    (gRPC's) can kill a child that would have read the file well: a signal there is tried again,
    twice, before it counts. A limit (memory, CPU, time) counts at once. A child that dies after
    its parse went well died of `then` (its memory, its CPU): the file is then read again, and
    `then` applied in this process, so only the parse can refuse a file as too complex."""
    tries = _TRIES_WHEN_THREADED if not _single_threaded() else 1
    for attempt in range(1, tries + 1):
        try:
            return _parse_once(data, limits, wanted, then)
        except _Died as died:
            if died.parsed and then is not None:
                raw = _parse_in_child(data, digest, limits, wanted)
                return pickle.dumps(then(raw), pickle.HIGHEST_PROTOCOL)  # type: ignore[arg-type]
            if attempt < tries and died.why.startswith("sandbox.SIG"):
                continue
            _remember(digest, died.why)
            raise _refused("file.too_complex", why=died.why) from None
    raise AssertionError("unreachable")


def _single_threaded() -> bool:
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:  # no /proc: assume threads
        return False


def _parse_once(data: bytes, limits: Limits, wanted: SheetFilter | None,
                then: Then | None) -> object:
    _reap(_EXITING)
    read_end, write_end = os.pipe()
    go_read, go_write = os.pipe()
    for end in (write_end, go_write):
        with suppress(OSError, AttributeError):  # bigger pipes: fewer wake-ups on both sides
            fcntl.fcntl(end, fcntl.F_SETPIPE_SZ, MIB)
    parent = os.getpid()
    with warnings.catch_warnings():
        # Python 3.12+ warns that a child forked from a threaded process may deadlock; this one
        # runs only the reader, and is killed at its deadline if it ever blocks
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # pragma: no cover - the child; it never returns
        os.close(read_end)
        os.close(go_write)
        _child(data, limits, wanted, write_end, go_read, parent, then)
    os.close(write_end)
    os.close(go_read)
    deadline = time.monotonic() + limits.max_parse_seconds * _WALL_CLOCK
    answer: RawWorkbook | FileRefused | _Answer | None = None
    seen: set[str] = set()
    why = ""
    try:
        # the checks, while the child parses; a refusal here wins, and the child is killed
        inspection = _guarded(_inspect, io.BytesIO(data), limits, wanted)
        go = memoryview(b"!" if then is None else b"!" + _framed(inspection, memo=True))
        with suppress(OSError):  # it may be dead already: its answer will say so
            _write_before(go_write, go, deadline)
        with _gc_paused():
            answer = _receive(read_end, deadline, limits, seen)
    except _Timeout:
        why = "sandbox.time"
    finally:
        os.close(go_write)
        os.close(read_end)
        if answer is None:  # refused, timed out, died, or interrupted: make sure it is gone
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            try:
                status = os.waitpid(pid, 0)[1]
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): cause unknown
                status = 0
        else:  # it answered and exits now: no need to wait while it unmaps its memory
            _EXITING.add(pid)
    if answer is None:
        raise _Died(why or _how_it_died(status), parsed="parsed" in seen)
    if isinstance(answer, FileRefused):
        raise answer
    if isinstance(answer, _Answer):
        if answer.error is not None:
            raise answer.error
        return answer.value
    return _inspected(answer, inspection, limits)


def _write_before(fd: int, view: memoryview, deadline: float) -> None:
    """All of view into the pipe, waiting for the child to read it until the deadline."""
    os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    while view:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            raise _Timeout
        with suppress(BlockingIOError):
            view = view[os.write(fd, view) :]


def _inspected(raw: RawWorkbook, inspection: _Inspection, limits: Limits) -> RawWorkbook:
    """The workbook parsed, with what the checks found in it, once its cells' text is checked."""
    for name, sheet in raw.sheets.items():
        if name in inspection.check_text:
            _check_text(name, sheet.cells, limits)
        sheet.formulas_without_value = inspection.formulas.get(name, set())
        sheet.marks = inspection.marks.get(name, SheetMarks())
    return raw


def _load(path: Path, limits: Limits) -> bytes:
    # read once into memory (at most max_file_bytes): what is checked is what calamine parses
    with path.open("rb") as f:
        _check_size(os.fstat(f.fileno()).st_size, limits)
        return f.read(limits.max_file_bytes + 1)


def read_workbook(path: Path, limits: Limits = Limits(),  # noqa: B008
                  sheets: SheetFilter | None = None) -> RawWorkbook:
    """The checks, then every sheet read with python-calamine at its Excel positions, both in a
    child process under hard limits; with `sheets`, only the sheets whose name it accepts are
    checked and read (e.g. the About sheet to route a file). A file that took the parser down
    (a crash, a limit, a hang) is refused, at once the next time."""
    return _read(path, limits, sheets, None)  # type: ignore[return-value]


def read_then(path: Path, then: Callable[[RawWorkbook], _T],
              limits: Limits = Limits()) -> _T:  # noqa: B008
    """`then(read_workbook(path, limits))`, with `then` run in the parsing child once the checks
    have passed the file: what crosses back is `then`'s answer, not the cells, which cost a large
    return more to send and take than to read. An exception `then` raises is raised here; a
    FileRefused is the file's refusal. `then` must not write anything: the child's output goes
    nowhere, and its changes to memory die with it."""
    return pickle.loads(read_then_pickled(path, then, limits))  # type: ignore[no-any-return]


def read_then_pickled(path: Path, then: Callable[[RawWorkbook], object],
                      limits: Limits = Limits()) -> bytes:  # noqa: B008
    """`read_then`'s answer as the child pickled it: for a caller that hands it on to another
    process (a worker to the run's process), which then unpickles it once, not twice."""
    return _read(path, limits, None, then)  # type: ignore[return-value]


def _read(path: Path, limits: Limits, sheets: SheetFilter | None, then: Then | None) -> object:
    data = _guarded(_load, Path(path), limits)
    digest = hashlib.sha256(data).hexdigest()
    if _took_the_parser_down(digest):
        raise _refused("file.too_complex", why="sandbox.remembered")
    return _parse_in_child(data, digest, limits, sheets, then)
