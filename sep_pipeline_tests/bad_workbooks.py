"""Builders of hostile, broken and mislabelled files for the tests of
`sep_pipeline.intake.safe_read`.

Every builder takes a directory, writes one file into it and returns the file's path. `HOSTILE`
maps each builder of a file that must be refused to the issue code it must be refused with under
the default `Limits`, and the check that must refuse it (`FileRefused.reason`). `xlsx_parts` +
`write_zip` build a minimal valid workbook by hand for the cases that need XML no library will
write.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

from sep_pipeline.standard.issues import column_letter

Builder = Callable[[Path], Path]

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XXE = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    + "]>"
)


# --- minimal workbook by hand ---------------------------------------------------------------


def sheet_xml(sheet_data: str, dimension: str | None = "A1", *, prolog: str = "") -> str:
    """A worksheet part around the given <sheetData> content (rows and cells)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n{prolog}'
        f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{dim}'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )


def xlsx_parts(
    sheets: dict[str, str] | None = None,
    *,
    shared_strings: list[str] | str | None = None,
    main_type: str = XLSX_MAIN,
) -> dict[str, bytes]:
    """Parts of a minimal workbook: sheet name -> worksheet XML (see `sheet_xml`).

    shared_strings is a list of strings, or a whole sharedStrings.xml part as text.
    """
    if sheets is None:
        sheets = {"Sheet1": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')}
    overrides = [f'<Override PartName="/xl/workbook.xml" ContentType="{main_type}"/>']
    rels, entries, parts = [], [], {}
    for n, (name, xml) in enumerate(sheets.items(), start=1):
        parts[f"xl/worksheets/sheet{n}.xml"] = xml.encode()
        overrides.append(
            f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" '
            f'Target="worksheets/sheet{n}.xml"/>'
        )
        entries.append(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>')
    if shared_strings is not None:
        if isinstance(shared_strings, list):
            items = "".join(f"<si><t>{s}</t></si>" for s in shared_strings)
            n = len(shared_strings)
            shared_strings = f'<sst xmlns="{MAIN_NS}" count="{n}" uniqueCount="{n}">{items}</sst>'
        parts["xl/sharedStrings.xml"] = shared_strings.encode()
        overrides.append(
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        )
        rels.append(
            f'<Relationship Id="rId{len(sheets) + 1}" Type="{REL_NS}/sharedStrings" '
            'Target="sharedStrings.xml"/>'
        )
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/'
        'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
        f'ContentType="application/xml"/>{"".join(overrides)}</Types>'
    ).encode()
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
        f'<Relationship Id="rId1" Type="{REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ).encode()
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">'
        f"<sheets>{''.join(entries)}</sheets></workbook>"
    ).encode()
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL_NS}">'
        f"{''.join(rels)}</Relationships>"
    ).encode()
    return parts


def write_zip(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED,
              compresslevel: int | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression, compresslevel=compresslevel) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def zip_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def patch_entry(path: Path, name: str, *, file_size: int, crc: int | None = None) -> Path:
    """Rewrite the uncompressed size (and CRC) an entry declares, in its local and central
    headers, leaving its data alone: how a lying zip is made."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset
    struct.pack_into("<I", data, local + 22, file_size)
    if crc is not None:
        struct.pack_into("<I", data, local + 14, crc)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name.encode():
            struct.pack_into("<I", data, at + 24, file_size)
            if crc is not None:
                struct.pack_into("<I", data, at + 16, crc)
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    return path


# --- good files -----------------------------------------------------------------------------


def minimal_xlsx(directory: Path) -> Path:
    """A valid hand-built workbook: Sheet1!A1 = 1."""
    return write_zip(directory / "minimal.xlsx", xlsx_parts())


def sample_return(directory: Path) -> Path:
    """A real workbook written by xlsxwriter, laid out like a return.

    Data!A1 title, row 2 blank, row 3 headers, row 4: "E001", 2020-04-01 (date format), 37.5,
    =C4*10 with cached 375, =D4*52 with NO cached value (removed from the XML by hand), TRUE.
    Notes!C2 = "see note" (first row and columns blank).
    """
    path = directory / "sample_return.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    ws.write("A1", "Workforce return 2024-25 Q1")
    ws.write_row("A3", ["Employee ID", "Start date", "Hours", "Weekly pay", "Annual", "Active"])
    ws.write("A4", "E001")
    ws.write_datetime("B4", dt.datetime(2020, 4, 1), wb.add_format({"num_format": "dd/mm/yyyy"}))
    ws.write_number("C4", 37.5)
    ws.write_formula("D4", "=C4*10", None, 375)
    ws.write_formula("E4", "=D4*52")  # xlsxwriter caches 0; the value is removed below
    ws.write_boolean("F4", True)
    wb.add_worksheet("Notes").write("C2", "see note")
    wb.close()
    parts = zip_parts(path)
    sheet = parts["xl/worksheets/sheet1.xml"]
    assert b"<f>D4*52</f><v>0</v>" in sheet
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(b"<f>D4*52</f><v>0</v>", b"<f>D4*52</f>")
    return write_zip(path, parts)


def openpyxl_formulas(directory: Path) -> Path:
    """openpyxl never stores cached values: A1 = 2, B1 = =A1*2, B2 = =SUM(A1:A3)."""
    path = directory / "openpyxl_formulas.xlsx"
    wb = Workbook()
    ws = wb.active
    ws.title = "Calc"
    ws["A1"], ws["B1"], ws["B2"] = 2, "=A1*2", "=SUM(A1:A3)"
    wb.save(path)
    return path


# --- not an xlsx at all ---------------------------------------------------------------------


def empty_file(directory: Path) -> Path:
    path = directory / "empty.xlsx"
    path.write_bytes(b"")
    return path


def random_bytes(directory: Path) -> Path:
    path = directory / "random.xlsx"
    path.write_bytes(b"\x00\x01" + random.Random(7).randbytes(4094))
    return path


def legacy_xls(directory: Path) -> Path:
    """An OLE compound file as Excel 97-2003 writes (header, then a 'Workbook' stream name)."""
    path = directory / "legacy.xlsx"
    path.write_bytes(
        bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504) + "Workbook".encode("utf-16-le") + bytes(600)
    )
    return path


def encrypted_xlsx(directory: Path) -> Path:
    """A real workbook encrypted with a password by msoffcrypto (as Excel does)."""
    plain = minimal_xlsx(directory)
    path = directory / "encrypted.xlsx"
    with plain.open("rb") as src, path.open("wb") as out:
        OOXMLFile(src).encrypt("Secret123", out)
    return path


def csv_renamed(directory: Path) -> Path:
    path = directory / "csv.xlsx"
    path.write_text("Employee ID,Sex,Pay\r\nE001,F,25000\r\nE002,Dyn,26000\r\n", encoding="cp1252")
    return path


def unicode_text_renamed(directory: Path) -> Path:
    """Excel's 'Unicode Text' export: UTF-16 with a BOM, tab separated."""
    path = directory / "unicode.xlsx"
    path.write_bytes("Employee ID\tRhyw\r\nE001\tBenyw\r\n".encode("utf-16"))
    return path


def html_renamed(directory: Path) -> Path:
    path = directory / "html.xlsx"
    path.write_text("<html><body><table><tr><td>E001</td></tr></table></body></html>")
    return path


def pdf_renamed(directory: Path) -> Path:
    path = directory / "return.xlsx"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    return path


def docx_renamed(directory: Path) -> Path:
    """A Word document's package (zip with [Content_Types].xml but no xl/workbook.xml)."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/content-types"/>',
        "_rels/.rels": b'<?xml version="1.0"?><Relationships xmlns="x"/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="x"><w:body/></w:document>',
    }
    return write_zip(directory / "docx.xlsx", parts)


def ods_renamed(directory: Path) -> Path:
    parts = {
        "mimetype": b"application/vnd.oasis.opendocument.spreadsheet",
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest xmlns:manifest="x"/>',
        "content.xml": b'<?xml version="1.0"?><office:document-content xmlns:office="x"/>',
    }
    return write_zip(directory / "ods.xlsx", parts, zipfile.ZIP_STORED)


def truncated_xlsx(directory: Path) -> Path:
    """A real workbook cut in half, as an interrupted upload leaves it."""
    data = sample_return(directory).read_bytes()
    path = directory / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def broken_sheet_xml(directory: Path) -> Path:
    """A sound zip whose sheet XML is not well-formed: only calamine can notice."""
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></row>')  # </c> missing
    return write_zip(directory / "broken_xml.xlsx", xlsx_parts({"Sheet1": sheet}))


def no_sheets(directory: Path) -> Path:
    return write_zip(directory / "no_sheets.xlsx", xlsx_parts({}))


def utf16_sheet(directory: Path) -> Path:
    """A sheet part in UTF-16: byte patterns would not see its tags, so it is refused."""
    parts = xlsx_parts()
    xml = parts["xl/worksheets/sheet1.xml"].decode().replace("UTF-8", "UTF-16")
    parts["xl/worksheets/sheet1.xml"] = xml.encode("utf-16")
    return write_zip(directory / "utf16.xlsx", parts)


# --- macros ---------------------------------------------------------------------------------


def macro_workbook(directory: Path) -> Path:
    """A real workbook turned into an .xlsm: vbaProject.bin and the macroEnabled content type."""
    parts = zip_parts(sample_return(directory))
    parts["[Content_Types].xml"] = (
        parts["[Content_Types].xml"]
        .replace(XLSX_MAIN.encode(), XLSM_MAIN.encode())
        .replace(
            b"</Types>",
            b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
            b"</Types>",
        )
    )
    parts["xl/vbaProject.bin"] = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(1000)
    return write_zip(directory / "macros.xlsx", parts)


def macro_content_type_only(directory: Path) -> Path:
    return write_zip(directory / "macro_type.xlsx", xlsx_parts(main_type=XLSM_MAIN))


# --- zip bombs ------------------------------------------------------------------------------


def zip_bomb_ratio(directory: Path, megabytes: int = 20) -> Path:
    """One entry of zeros: ~1000:1, over the default ratio of 150 (20 MiB builds in ~50 ms)."""
    parts = xlsx_parts()
    parts["xl/media/image1.png"] = bytes(megabytes * 1024**2)
    return write_zip(directory / "bomb_ratio.xlsx", parts)


def zip_bomb_declared(directory: Path) -> Path:
    """A tiny entry that declares ~4 GiB uncompressed: over the total at default limits."""
    path = write_zip(directory / "bomb_declared.xlsx", xlsx_parts())
    return patch_entry(path, "xl/worksheets/sheet1.xml", file_size=0xFFFF_FFF0)


def zip_bomb_lying(directory: Path) -> Path:
    """A sheet part that declares 1 KiB but inflates to 4 MiB, with the CRC of its first KiB, so
    zipfile (which stops at the declared size) is satisfied; calamine's reader would not stop."""
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>') + " " * 4 * 1024**2
    parts = xlsx_parts({"Sheet1": sheet})
    path = write_zip(directory / "bomb_lying.xlsx", parts)
    prefix = parts["xl/worksheets/sheet1.xml"][:1024]
    return patch_entry(path, "xl/worksheets/sheet1.xml", file_size=1024, crc=zlib.crc32(prefix))


def too_many_entries(directory: Path, count: int = 2_001) -> Path:
    parts = xlsx_parts()
    parts.update({f"customXml/item{i}.bin": b"" for i in range(count)})
    return write_zip(directory / "many_entries.xlsx", parts, zipfile.ZIP_STORED)


# --- XML entities ---------------------------------------------------------------------------


def xxe_sheet(directory: Path) -> Path:
    sheet = sheet_xml(
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>', prolog=XXE
    )
    return write_zip(directory / "xxe_sheet.xlsx", xlsx_parts({"Sheet1": sheet}))


def xxe_shared_strings(directory: Path) -> Path:
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?>{XXE}'
        f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="1"><si><t>&e;</t></si></sst>'
    )
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return write_zip(directory / "xxe_sst.xlsx", xlsx_parts({"Sheet1": sheet}, shared_strings=sst))


def billion_laughs(directory: Path) -> Path:
    cell = '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
    sheet = sheet_xml(cell, prolog=BILLION_LAUGHS)
    return write_zip(directory / "laughs.xlsx", xlsx_parts({"Sheet1": sheet}))


def entity_across_chunks(directory: Path) -> Path:
    """<!DOCTYPE straddling the 1 MiB boundary at which parts are streamed."""
    head = '<?xml version="1.0" encoding="UTF-8"?>\n'
    pad = " " * (1024**2 - len(head) - 4)
    sheet = (
        head + pad + XXE + sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').split("\n", 1)[1]
    )
    # stored, not deflated: a megabyte of spaces would trip the compression-ratio limit first
    parts = xlsx_parts({"Sheet1": sheet})
    return write_zip(directory / "xxe_split.xlsx", parts, zipfile.ZIP_STORED)


# --- used ranges ----------------------------------------------------------------------------


def xfd_cell(directory: Path) -> Path:
    """One cell at XFD1048576 behind an honest-looking dimension: calamine would allocate
    17 billion cells and abort the process."""
    sheet = sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    return write_zip(directory / "xfd.xlsx", xlsx_parts({"Sheet1": sheet}))


def xfd_cell_prefixed(directory: Path) -> Path:
    """The same, written with a namespace prefix as the OpenXML SDK does."""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><x:worksheet xmlns:x="{MAIN_NS}">'
        '<x:sheetData><x:row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    return write_zip(directory / "xfd_prefixed.xlsx", xlsx_parts({"Sheet1": sheet}))


def xfd_repeated_ref(directory: Path) -> Path:
    """A repeated r attribute: calamine uses the last one."""
    sheet = sheet_xml('<row r="1"><c r="A1" r="XFD1048576"><v>1</v></c></row>', "A1")
    return write_zip(directory / "xfd_repeated.xlsx", xlsx_parts({"Sheet1": sheet}))


def xfd_in_duplicate_entry(directory: Path) -> Path:
    """Two entries named like the sheet; calamine (like zipfile) reads the last one."""
    path = write_zip(directory / "xfd_duplicate.xlsx", xlsx_parts())
    bad = sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")  # "Duplicate name": exactly the point
        zf.writestr("xl/worksheets/sheet1.xml", bad)
    return path


def xfd_in_odd_part_name(directory: Path) -> Path:
    """The sheet part is not named *.xml; the workbook relationships still point calamine to it."""
    sheet = sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    parts = xlsx_parts({"Sheet1": sheet})
    parts["xl/worksheets/data.bin"] = parts.pop("xl/worksheets/sheet1.xml")
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b'Target="worksheets/sheet1.xml"', b'Target="/xl/worksheets/data.bin"'
    )
    return write_zip(directory / "xfd_odd_name.xlsx", parts)


def xfd_in_shared_strings_part(directory: Path) -> Path:
    """A worksheet relationship pointing at xl/sharedStrings.xml, which holds the XFD cell."""
    sheet = sheet_xml('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>', "A1")
    parts = xlsx_parts({"Sheet1": sheet})
    parts["xl/sharedStrings.xml"] = parts.pop("xl/worksheets/sheet1.xml")
    rels = parts["xl/_rels/workbook.xml.rels"]
    parts["xl/_rels/workbook.xml.rels"] = rels.replace(
        b'Target="worksheets/sheet1.xml"', b'Target="sharedStrings.xml"'
    )
    return write_zip(directory / "xfd_sst_part.xlsx", parts)


def declared_huge_dimension(directory: Path) -> Path:
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576")
    return write_zip(directory / "dimension_huge.xlsx", xlsx_parts({"Sheet1": sheet}))


def lying_dimension(directory: Path) -> Path:
    """dimension says A1:B2, a cell sits at row 400000."""
    rows = (
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="400000"><c r="B400000"><v>2</v></c></row>'
    )
    sheet = sheet_xml(rows, "A1:B2")
    return write_zip(
        directory / "dimension_lies.xlsx",
        xlsx_parts({"About": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>'), "Staff": sheet}),
    )


def too_many_columns(directory: Path) -> Path:
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="SG1"><v>2</v></c></row>', "A1:SG1")
    return write_zip(directory / "wide.xlsx", xlsx_parts({"Sheet1": sheet}))


def rows_without_refs(directory: Path, rows: int = 12, cols: int = 3) -> Path:
    """Rows and cells without r attributes, as some writers produce: they must be counted."""
    row = "<row>" + "<c><v>1</v></c>" * cols + "</row>"
    sheet = sheet_xml(row * rows, None)
    return write_zip(directory / "no_refs.xlsx", xlsx_parts({"Sheet1": sheet}))


def huge_shared_string_count(directory: Path) -> Path:
    """uniqueCount of 3 billion: calamine reserves 72 GB for it up front and aborts."""
    sst = f'<sst xmlns="{MAIN_NS}" count="1" uniqueCount="3000000000"><si><t>x</t></si></sst>'
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>0</v></c></row>')
    return write_zip(
        directory / "sst_count.xlsx", xlsx_parts({"Sheet1": sheet}, shared_strings=sst)
    )


def huge_duration(directory: Path) -> Path:
    """A number far too large for a [h]:mm cell: calamine raises OverflowError for the sheet."""
    path = directory / "duration.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Hours")
    ws.write_number("B2", 1e10, wb.add_format({"num_format": "[h]:mm"}))
    wb.close()
    return path


# --- zip container tricks -------------------------------------------------------------------


def patch_flag(path: Path, name: str, bits: int) -> Path:
    """Set general-purpose flag bits of an entry, in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        local = zf.getinfo(name).header_offset
    struct.pack_into("<H", data, local + 6, struct.unpack_from("<H", data, local + 6)[0] | bits)
    at = _central_entry(data, name)
    struct.pack_into("<H", data, at + 8, struct.unpack_from("<H", data, at + 8)[0] | bits)
    path.write_bytes(bytes(data))
    return path


def _central_entry(data: bytes | bytearray, name: str) -> int:
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_len] == name.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


def zip_encrypted_entry(directory: Path) -> Path:
    """Zip-level (ZipCrypto) encryption flagged on the sheet: Excel never writes it."""
    path = write_zip(directory / "zip_encrypted.xlsx", xlsx_parts())
    return patch_flag(path, "xl/worksheets/sheet1.xml", 0x1)


def zip_lzma_entry(directory: Path) -> Path:
    """The sheet compressed with LZMA: Excel writes deflate or stored only."""
    path = directory / "lzma.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in xlsx_parts().items():
            method = zipfile.ZIP_LZMA if name.startswith("xl/worksheets/") else zipfile.ZIP_DEFLATED
            zf.writestr(name, data, compress_type=method)
    return path


def zip64_declared_size(directory: Path) -> Path:
    """The sheet's central entry says 0xFFFFFFFF and carries a zip64 extra field of 1 TiB."""
    data = bytearray(write_zip(directory / "zip64.xlsx", xlsx_parts()).read_bytes())
    at = _central_entry(data, "xl/worksheets/sheet1.xml")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 28)
    struct.pack_into("<I", data, at + 24, 0xFFFF_FFFF)  # uncompressed size: see the zip64 extra
    struct.pack_into("<H", data, at + 30, extra_len + 12)
    data[at + 46 + name_len + extra_len : at + 46 + name_len + extra_len] = struct.pack(
        "<HHQ", 1, 8, 1 << 40
    )
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<I", data, eocd + 12, struct.unpack_from("<I", data, eocd + 12)[0] + 12)
    path = directory / "zip64.xlsx"
    path.write_bytes(bytes(data))
    return path


def zip64_entry_count(directory: Path) -> Path:
    """The end record says 65,535 entries (the zip64 marker) for a zip of a few."""
    data = bytearray(write_zip(directory / "zip64_count.xlsx", xlsx_parts()).read_bytes())
    eocd = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, eocd + 8, 0xFFFF, 0xFFFF)
    path = directory / "zip64_count.xlsx"
    path.write_bytes(bytes(data))
    return path


def _with_extra_entry(directory: Path, file_name: str, entry: str, data: bytes) -> Path:
    path = write_zip(directory / file_name, xlsx_parts())
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")  # "Duplicate name", when it is the point
        zf.writestr(zipfile.ZipInfo(entry), data)
    return path


def duplicate_shared_strings(directory: Path) -> Path:
    """Two entries named xl/sharedStrings.xml: which one a reader takes is up to the reader."""
    parts = xlsx_parts(shared_strings=["x"])
    path = write_zip(directory / "duplicate_sst.xlsx", parts)
    with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
        warnings.simplefilter("ignore")
        zf.writestr("xl/sharedStrings.xml", parts["xl/sharedStrings.xml"])
    return path


def path_traversal_name(directory: Path) -> Path:
    return _with_extra_entry(directory, "traversal.xlsx", "../../../tmp/evil.xml", b"<x/>")


def absolute_entry_name(directory: Path) -> Path:
    return _with_extra_entry(directory, "absolute.xlsx", "/etc/cron.d/evil", b"* * * * *")


def backslash_entry_name(directory: Path) -> Path:
    return _with_extra_entry(directory, "backslash.xlsx", "xl\\worksheets\\evil.xml", b"<x/>")


def nul_in_entry_name(directory: Path) -> Path:
    """An entry name with a NUL: zipfile cuts it there, calamine's reader does not."""
    path = _with_extra_entry(directory, "nul_name.xlsx", "xl/media/a.pngX.xml", b"<x/>")
    data = path.read_bytes().replace(b"xl/media/a.pngX.xml", b"xl/media/a.png\0.xml")
    path.write_bytes(data)
    return path


def overlapping_entries(directory: Path) -> Path:
    """Two central entries pointing at the same bytes (how "better zip bombs" multiply)."""
    parts = xlsx_parts()
    parts["docProps/extra.xml"] = parts["xl/worksheets/sheet1.xml"]
    data = bytearray(write_zip(directory / "overlap.xlsx", parts).read_bytes())
    sheet = _central_entry(data, "xl/worksheets/sheet1.xml")
    extra = _central_entry(data, "docProps/extra.xml")
    data[extra + 42 : extra + 46] = data[sheet + 42 : sheet + 46]  # same local header offset
    path = directory / "overlap.xlsx"
    path.write_bytes(bytes(data))
    return path


def prepended_junk(directory: Path) -> Path:
    """A GIF header in front of a workbook (a polyglot): not a zip from its first byte."""
    path = directory / "polyglot.xlsx"
    path.write_bytes(b"GIF89a\x01\x00\x01\x00\x00\xff\x00" + minimal_xlsx(directory).read_bytes())
    return path


def xlsb_renamed(directory: Path) -> Path:
    """An Excel binary workbook (.xlsb) renamed .xlsx: a zip without xl/workbook.xml."""
    parts = {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
        b'.org/package/2006/content-types"/>',
        "xl/workbook.bin": bytes(64),
        "xl/worksheets/sheet1.bin": bytes(64),
    }
    return write_zip(directory / "xlsb.xlsx", parts)


def empty_zip(directory: Path) -> Path:
    return write_zip(directory / "empty_zip.xlsx", {})


def macro_sheet(directory: Path) -> Path:
    """An Excel 4.0 macro sheet (xl/macrosheets/), the old way to run code on open."""
    parts = xlsx_parts()
    parts["xl/macrosheets/sheet1.xml"] = sheet_xml("")
    return write_zip(directory / "macrosheet.xlsx", parts)


def workbook_part_too_large(directory: Path) -> Path:
    """xl/workbook.xml over 16 MiB (stored, so the ratio does not tell): it is parsed whole."""
    parts = xlsx_parts()
    pad = random.Random(3).randbytes(8 * 1024**2 + 16).hex()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<sheets>", f'<fileVersion appName="{pad}"/><sheets>'.encode()
    )
    return write_zip(directory / "workbook_large.xlsx", parts, zipfile.ZIP_STORED)


# --- XML tricks -----------------------------------------------------------------------------


def declared_latin1_encoding(directory: Path) -> Path:
    """A sheet declaring ISO-8859-1: calamine would read byte 0x85 as a control character."""
    sheet = sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>a\x85b</t></is></c></row>')
    sheet = sheet.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
    parts = xlsx_parts()
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("latin-1")
    return write_zip(directory / "latin1.xlsx", parts)


def deep_nesting(directory: Path, depth: int = 200_000) -> Path:
    """xl/workbook.xml nested 200,000 deep (1.4 MB): ElementTree would build every level."""
    parts = xlsx_parts()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b"<sheets>", b"<x>" * depth + b"</x>" * depth + b"<sheets>"
    )
    return write_zip(directory / "deep.xlsx", parts, zipfile.ZIP_STORED)  # else: the ratio


def huge_dimension_digits(directory: Path) -> Path:
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD99999999999999999999")
    return write_zip(directory / "dimension_digits.xlsx", xlsx_parts({"Sheet1": sheet}))


def dimension_tag_of_megabytes(directory: Path) -> Path:
    """One <dimension> tag of 5 MB (hex, so it does not compress past the ratio limit)."""
    pad = random.Random(5).randbytes(5 * 1024**2 // 2).hex()
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>', f'A1" x="{pad}')
    return write_zip(directory / "dimension_tag.xlsx", xlsx_parts({"Sheet1": sheet}))


def many_styles(directory: Path, count: int = 70_000) -> Path:
    """70,000 cell formats, past Excel's own 65,490."""
    parts = xlsx_parts()
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN_NS}">'
        f'<cellXfs count="{count}">{"<xf/>" * count}</cellXfs></styleSheet>'
    ).encode()
    return write_zip(directory / "styles.xlsx", parts)


def many_sheets(directory: Path, count: int = 300) -> Path:
    """300 sheets, every one pointing at the same tiny part."""
    parts = xlsx_parts()
    entries = "".join(f'<sheet name="S{n}" sheetId="{n}" r:id="rId1"/>'
                      for n in range(1, count + 1))
    parts["xl/workbook.xml"] = re.sub(
        rb"<sheets>.*</sheets>", f"<sheets>{entries}</sheets>".encode(), parts["xl/workbook.xml"]
    )
    return write_zip(directory / "many_sheets.xlsx", parts)


NEAR_10M = (  # A1 and AG300000: a range of 9.9 million cells from two
    '<row r="1"><c r="A1"><v>1</v></c></row><row r="300000"><c r="AG300000"><v>1</v></c></row>'
)


def sheets_sharing_a_part(directory: Path) -> Path:
    """Two sheets pointing at one part of 9.9 million cells: calamine reads it twice."""
    parts = xlsx_parts({"A": sheet_xml(NEAR_10M, "A1"), "B": sheet_xml("")})
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b'r:id="rId2"', b'r:id="rId1"')
    return write_zip(directory / "shared_part.xlsx", parts)


def external_target_sheets(directory: Path) -> Path:
    """Five sheets of 9.9 million cells behind TargetMode="External" relationships (38 KB):
    calamine reads them as parts all the same."""
    parts = xlsx_parts({f"S{n}": sheet_xml(NEAR_10M, "A1") for n in range(1, 6)})
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b' Target="', b' TargetMode="External" Target="'
    )
    return write_zip(directory / "external_sheets.xlsx", parts)


def sheet_behind_url(directory: Path) -> Path:
    """The sheet's relationship points at a web address: no such part, calamine fails."""
    parts = xlsx_parts()
    parts["xl/_rels/workbook.xml.rels"] = parts["xl/_rels/workbook.xml.rels"].replace(
        b'Target="worksheets/sheet1.xml"',
        b'Target="http://example.com/sheet.xml" TargetMode="External"',
    )
    return write_zip(directory / "sheet_url.xlsx", parts)


def xxe_styles(directory: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0"?>{XXE}<styleSheet xmlns="{MAIN_NS}"><numFmts><numFmt '
        'numFmtId="164" formatCode="&e;"/></numFmts></styleSheet>'
    ).encode()
    return write_zip(directory / "xxe_styles.xlsx", parts)


def xxe_relationships(directory: Path) -> Path:
    parts = xlsx_parts()
    rels = parts["xl/_rels/workbook.xml.rels"].decode()
    parts["xl/_rels/workbook.xml.rels"] = rels.replace("?>", "?>" + XXE, 1).encode()
    return write_zip(directory / "xxe_rels.xlsx", parts)


def xxe_external_link(directory: Path) -> Path:
    """An external link part (a formula's link to another workbook) carrying an entity."""
    parts = xlsx_parts()
    parts["xl/externalLinks/externalLink1.xml"] = (
        f'<?xml version="1.0"?>{XXE}<externalLink xmlns="{MAIN_NS}"><externalBook>'
        "<sheetNames><sheetName val=\"&e;\"/></sheetNames></externalBook></externalLink>"
    ).encode()
    parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
        f'<?xml version="1.0"?><Relationships xmlns="{PKG_REL_NS}"><Relationship Id="rId1" '
        f'Type="{REL_NS}/externalLinkPath" Target="file:///C:/other.xlsx" TargetMode="External"/>'
        "</Relationships>"
    ).encode()
    return write_zip(directory / "xxe_external_link.xlsx", parts)


def names_differing_by_case(directory: Path) -> Path:
    """xl/sharedStrings.xml and xl/SharedStrings.xml: calamine finds parts whatever their case
    (and takes the last), so the two are one name."""
    parts = xlsx_parts(shared_strings=["x"])
    parts["xl/SharedStrings.xml"] = parts["xl/sharedStrings.xml"]
    return write_zip(directory / "case_twins.xlsx", parts)


def shared_strings_in_other_case(directory: Path) -> Path:
    """A 200 KB string in 600 cells, its part named xl/SharedStrings.xml: calamine reads it."""
    sheet = sheet_xml(shared_string_cells(600), None)
    parts = xlsx_parts({"S": sheet}, shared_strings=["a" * 200_000])
    parts["xl/SharedStrings.xml"] = parts.pop("xl/sharedStrings.xml")
    return write_zip(directory / "sst_case.xlsx", parts)


def sheet_parts_in_other_case(directory: Path) -> Path:
    """Two sheets of 9.9 million cells whose parts differ in case from their relationships'
    targets: calamine reads them all the same."""
    parts = xlsx_parts({"A": sheet_xml(NEAR_10M, "A1"), "B": sheet_xml(NEAR_10M, "A1")})
    for n in (1, 2):
        parts[f"xl/Worksheets/Sheet{n}.XML"] = parts.pop(f"xl/worksheets/sheet{n}.xml")
    return write_zip(directory / "sheet_case.xlsx", parts)


def shared_index_out_of_range(directory: Path) -> Path:
    sheet = sheet_xml('<row r="1"><c r="A1" t="s"><v>7</v></c></row>')
    return write_zip(directory / "sst_index.xlsx", xlsx_parts({"S": sheet}, shared_strings=["a"]))


# --- the text cells hold --------------------------------------------------------------------


@lru_cache(maxsize=8)
def shared_string_cells(count: int, index: int = 0, per_row: int = 100, form: str = "") -> str:
    """Rows of `count` cells each referencing shared string `index`; `form` replaces the usual
    ' t="s"><v>{index}</v>' (e.g. a decoy)."""
    inner = form or f' t="s"><v>{index}</v>'
    letters = [column_letter(c) for c in range(per_row)]
    rows = []
    for r in range(1, -(-count // per_row) + 1):
        n = min(per_row, count - (r - 1) * per_row)
        rows.append(f'<row r="{r}">' + "".join(f'<c r="{letters[c]}{r}"{inner}</c>'
                                                for c in range(n)) + "</row>")
    return "".join(rows)


def text_of(length: int, seed: int = 0) -> str:
    """Letters and digits that do not compress past the ratio limit (hex of random bytes)."""
    return random.Random(seed).randbytes(length // 2 + 1).hex()[:length]


def _sst_bomb(directory: Path, name: str, length: int, cells: int) -> Path:
    """One string of `length` characters, referenced by `cells` cells of an extra sheet."""
    about = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')
    parts = xlsx_parts({"About": about, "Bomb": sheet_xml(shared_string_cells(cells), None)},
                       shared_strings=["a" * length])
    return write_zip(directory / name, parts, compresslevel=1)


def shared_strings_bomb(directory: Path) -> Path:
    """The red team's 2.2 MB file: one 200 KB string in a million cells (200 GB once copied)."""
    return _sst_bomb(directory, "sst_bomb.xlsx", 200_000, 1_000_000)


def shared_strings_bomb_small_string(directory: Path) -> Path:
    """The same shape with a 1,000-character string: 1 GB of text (2.2 GB of memory)."""
    return _sst_bomb(directory, "sst_bomb_1000.xlsx", 1_000, 1_000_000)


def shared_ref_decoy(directory: Path) -> Path:
    """Cells whose first <v> names a short string but whose last (the one calamine keeps) names a
    200 KB one: 600 of them are 120 MB of text."""
    form = ' t="s"><v>1</v><v>0</v>'
    sheet = sheet_xml(shared_string_cells(600, form=form), None)
    parts = xlsx_parts({"S": sheet}, shared_strings=["a" * 200_000, "x"])
    return write_zip(directory / "sst_decoy.xlsx", parts)


def single_quoted_shared_refs(directory: Path) -> Path:
    """t='s' in single quotes, 600 cells of a 200 KB string."""
    sheet = sheet_xml(shared_string_cells(600, form=" t='s'><v>0</v>"), None)
    parts = xlsx_parts({"S": sheet}, shared_strings=["a" * 200_000])
    return write_zip(directory / "sst_quotes.xlsx", parts)


def shared_string_of_a_megabyte(directory: Path) -> Path:
    """A 1 MB string in one cell (the pack would cut it to 32,767 characters, silently)."""
    sheet = sheet_xml('<row r="1"><c r="A1"><v>1</v></c><c r="C2" t="s"><v>0</v></c></row>')
    parts = xlsx_parts({"Notes": sheet}, shared_strings=[text_of(1_000_000)])
    return write_zip(directory / "sst_megabyte.xlsx", parts)


def inline_cell_of_a_megabyte(directory: Path) -> Path:
    cell = f'<c r="B3" t="inlineStr"><is><t>{text_of(1_000_000)}</t></is></c>'
    return write_zip(directory / "inline_megabyte.xlsx",
                     xlsx_parts({"Notes": sheet_xml(f'<row r="3">{cell}</row>')}))


def formula_result_too_long(directory: Path) -> Path:
    cell = f'<c r="A1" t="str"><f>REPT("ab",20000)</f><v>{text_of(40_000)}</v></c>'
    return write_zip(directory / "formula_long.xlsx",
                     xlsx_parts({"S": sheet_xml(f'<row r="1">{cell}</row>')}))


def rich_text_runs_too_long(directory: Path) -> Path:
    """Three runs of 15,000 characters: no text node is long, the cell is (45,000)."""
    runs = "".join(f"<r><t>{text_of(15_000, seed)}</t></r>" for seed in range(3))
    cell = f'<c r="A1" t="inlineStr"><is>{runs}</is></c>'
    return write_zip(directory / "rich_long.xlsx",
                     xlsx_parts({"S": sheet_xml(f'<row r="1">{cell}</row>')}))


def cdata_hides_cells(directory: Path) -> Path:
    """40,000 characters of CDATA holding fake cell starts every hundred characters."""
    text = '<c r="Z1">'.join(text_of(100, n) for n in range(400))
    cell = f'<c r="A1" t="inlineStr"><is><t><![CDATA[{text}]]></t></is></c>'
    return write_zip(directory / "cdata_long.xlsx",
                     xlsx_parts({"S": sheet_xml(f'<row r="1">{cell}</row>')}))


def comment_hides_cells(directory: Path) -> Path:
    """Two 20,000-character halves of one text, a comment between them holding a cell start."""
    cell = (f'<c r="A1" t="inlineStr"><is><t>{text_of(20_000, 1)}<!-- <c r="Z1"> -->'
            f"{text_of(20_000, 2)}</t></is></c>")
    return write_zip(directory / "comment_long.xlsx",
                     xlsx_parts({"S": sheet_xml(f'<row r="1">{cell}</row>')}))


def fake_end_of_cells(directory: Path) -> Path:
    """A "</sheetData>" inside CDATA (text, not markup), then a NUL in the same cell."""
    cell = '<c r="A1" t="inlineStr"><is><t><![CDATA[x</sheetData>]]>y_x0000_z</t></is></c>'
    return write_zip(directory / "fake_end.xlsx",
                     xlsx_parts({"S": sheet_xml(f'<row r="1">{cell}</row>')}))


def _one_text_cell(directory: Path, name: str, cell: str) -> Path:
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>Staff ref</t></is></c></row>'
            f'<row r="2">{cell}</row>')
    return write_zip(directory / name, xlsx_parts({"Workforce": sheet_xml(rows)}))


def nul_in_inline_cell(directory: Path) -> Path:
    """NUL as Excel escapes it: the PostgreSQL load failed on it on every run."""
    cell = '<c r="A2" t="inlineStr"><is><t>E00_x0000_1</t></is></c>'
    return _one_text_cell(directory, "nul_inline.xlsx", cell)


def control_character_reference(directory: Path) -> Path:
    return _one_text_cell(directory, "bel_ref.xlsx", '<c r="A2" t="str"><f>A1</f><v>a&#7;b</v></c>')


def raw_control_byte(directory: Path) -> Path:
    """An ESC byte, raw (not even well-formed XML; calamine reads it)."""
    cell = '<c r="A2" t="inlineStr"><is><t>E\x1b[31m001</t></is></c>'
    return _one_text_cell(directory, "esc_raw.xlsx", cell)


def nul_in_shared_string(directory: Path) -> Path:
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            '<row r="2"><c r="A2" t="s"><v>1</v></c></row>')
    parts = xlsx_parts({"Workforce": sheet_xml(rows)}, shared_strings=["Staff ref", "E_x0000_9"])
    return write_zip(directory / "nul_sst.xlsx", parts)


def c1_control_in_shared_string(directory: Path) -> Path:
    """U+0085 (NEL), a C1 control, as UTF-8."""
    rows = ('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
            '<row r="2"><c r="B2" t="s"><v>1</v></c></row>')
    parts = xlsx_parts({"Workforce": sheet_xml(rows)}, shared_strings=["Staff ref", "E\x85002"])
    return write_zip(directory / "c1_sst.xlsx", parts)


def control_in_sheet_name(directory: Path) -> Path:
    parts = xlsx_parts()
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(
        b'name="Sheet1"', b'name="Work&#x85;force"'
    )
    return write_zip(directory / "sheet_name_c1.xlsx", parts)


class Hostile(NamedTuple):
    build: Builder
    code: str  # the issue code it is refused with under the default Limits
    reason: str  # the check that refuses it (FileRefused.reason)


HOSTILE: dict[str, Hostile] = {
    b.__name__: Hostile(b, code, reason)
    for b, code, reason in [
        # not a workbook at all
        (empty_file, "file.empty", "file.empty"),
        (random_bytes, "file.not_xlsx", "file.not_xlsx"),
        (legacy_xls, "file.legacy_xls", "file.legacy_xls"),
        (encrypted_xlsx, "file.encrypted", "file.encrypted"),
        (csv_renamed, "file.csv_or_text", "file.csv_or_text"),
        (unicode_text_renamed, "file.csv_or_text", "file.csv_or_text"),
        (html_renamed, "file.csv_or_text", "file.csv_or_text"),
        (pdf_renamed, "file.not_xlsx", "file.not_xlsx.pdf"),
        (docx_renamed, "file.not_xlsx", "file.not_xlsx.office"),
        (ods_renamed, "file.ods", "file.ods"),
        (xlsb_renamed, "file.not_xlsx", "file.not_xlsx"),
        (empty_zip, "file.not_xlsx", "file.not_xlsx"),
        (prepended_junk, "file.not_xlsx", "file.not_xlsx"),
        (no_sheets, "file.not_xlsx", "file.not_xlsx.no_sheets"),
        # broken
        (truncated_xlsx, "file.corrupt", "error.BadZipFile"),
        (broken_sheet_xml, "file.corrupt", "error.XmlError"),
        (huge_duration, "file.corrupt", "file.corrupt.duration"),
        (shared_index_out_of_range, "file.corrupt", "error.CalamineError"),
        (sheet_behind_url, "file.corrupt", "error.WorksheetNotFound"),
        # macros
        (macro_workbook, "file.macros", "macros.part"),
        (macro_content_type_only, "file.macros", "macros.content_type"),
        (macro_sheet, "file.macros", "macros.part"),
        # the zip
        (zip_bomb_ratio, "file.zip_bomb", "zip.ratio"),
        (zip_bomb_declared, "file.zip_bomb", "zip.total_size"),
        (zip64_declared_size, "file.zip_bomb", "zip.total_size"),
        (zip_bomb_lying, "file.zip_bomb", "zip.overrun"),
        (too_many_entries, "file.zip_bomb", "zip.declared_entries"),
        (zip64_entry_count, "file.zip_bomb", "zip.declared_entries"),
        (xfd_in_duplicate_entry, "file.corrupt", "zip.duplicate_name"),
        (names_differing_by_case, "file.corrupt", "zip.duplicate_name"),
        (duplicate_shared_strings, "file.corrupt", "zip.duplicate_name"),
        (path_traversal_name, "file.corrupt", "zip.bad_name"),
        (absolute_entry_name, "file.corrupt", "zip.bad_name"),
        (backslash_entry_name, "file.corrupt", "zip.bad_name"),
        (nul_in_entry_name, "file.corrupt", "zip.bad_name"),
        (overlapping_entries, "file.corrupt", "zip.overlap"),
        (zip_encrypted_entry, "file.corrupt", "zip.encrypted"),
        (zip_lzma_entry, "file.corrupt", "zip.method"),
        # the XML
        (utf16_sheet, "file.corrupt", "xml.utf16"),
        (declared_latin1_encoding, "file.corrupt", "xml.encoding"),
        (deep_nesting, "file.corrupt", "xml.depth"),
        (workbook_part_too_large, "file.corrupt", "xml.part_too_large"),
        (dimension_tag_of_megabytes, "file.corrupt", "xml.tag_too_long"),
        (xxe_sheet, "file.xml_entities", "file.xml_entities"),
        (xxe_shared_strings, "file.xml_entities", "file.xml_entities"),
        (xxe_styles, "file.xml_entities", "file.xml_entities"),
        (xxe_relationships, "file.xml_entities", "file.xml_entities"),
        (xxe_external_link, "file.xml_entities", "file.xml_entities"),
        (billion_laughs, "file.xml_entities", "file.xml_entities"),
        (entity_across_chunks, "file.xml_entities", "file.xml_entities"),
        # what calamine would allocate
        (xfd_cell, "file.too_many_cells", "sheet.range"),
        (xfd_cell_prefixed, "file.too_many_cells", "sheet.range"),
        (xfd_repeated_ref, "file.too_many_cells", "sheet.range"),
        (xfd_in_odd_part_name, "file.too_many_cells", "sheet.range"),
        (xfd_in_shared_strings_part, "file.too_many_cells", "sheet.range"),
        (lying_dimension, "file.too_many_cells", "sheet.range"),
        (declared_huge_dimension, "file.too_many_cells", "sheet.declared_range"),
        (huge_dimension_digits, "file.too_many_cells", "sheet.declared_range"),
        (too_many_columns, "file.too_many_cells", "sheet.declared_range"),
        (external_target_sheets, "file.too_many_cells", "file.too_many_cells.workbook"),
        (sheets_sharing_a_part, "file.too_many_cells", "file.too_many_cells.workbook"),
        (sheet_parts_in_other_case, "file.too_many_cells", "file.too_many_cells.workbook"),
        (huge_shared_string_count, "file.corrupt", "sst.unique_count"),
        (many_sheets, "file.too_many_sheets", "file.too_many_sheets"),
        (many_styles, "file.too_many_styles", "file.too_many_styles"),
        # the text the cells hold
        (shared_strings_bomb, "file.too_much_text", "file.too_much_text"),
        (shared_strings_bomb_small_string, "file.too_much_text", "file.too_much_text"),
        (shared_ref_decoy, "file.too_much_text", "file.too_much_text"),
        (single_quoted_shared_refs, "file.too_much_text", "file.too_much_text"),
        (shared_strings_in_other_case, "file.too_much_text", "file.too_much_text"),
        (shared_string_of_a_megabyte, "file.cell_too_long", "text.cell_length"),
        (inline_cell_of_a_megabyte, "file.cell_too_long", "text.cell_length"),
        (formula_result_too_long, "file.cell_too_long", "text.cell_length"),
        (rich_text_runs_too_long, "file.cell_too_long", "text.cell_length"),
        (cdata_hides_cells, "file.cell_too_long", "text.cell_length"),
        (comment_hides_cells, "file.cell_too_long", "text.cell_length"),
        (nul_in_inline_cell, "file.control_characters", "text.control"),
        (nul_in_shared_string, "file.control_characters", "text.control"),
        (control_character_reference, "file.control_characters", "text.control"),
        (raw_control_byte, "file.control_characters", "text.control"),
        (c1_control_in_shared_string, "file.control_characters", "text.control"),
        (fake_end_of_cells, "file.control_characters", "text.control"),
        (control_in_sheet_name, "file.control_characters", "text.sheet_name"),
    ]
}
