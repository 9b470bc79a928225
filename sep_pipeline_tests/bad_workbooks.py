"""Builders of hostile, broken and mislabelled files for the tests of `sep_pipeline.safe_read`.

Every builder takes a directory, writes one file into it and returns the file's path. `HOSTILE`
maps each builder of a file that must be refused to the issue code it must be refused with under
the default `Limits`. `xlsx_parts` + `write_zip` build a minimal valid workbook by hand for the
cases that need XML no library will write.
"""

from __future__ import annotations

import datetime as dt
import random
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import xlsxwriter
from msoffcrypto.format.ooxml import OOXMLFile
from openpyxl import Workbook

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


def write_zip(path: Path, parts: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as zf:
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


HOSTILE: dict[str, tuple[Builder, str]] = {
    b.__name__: (b, code)
    for b, code in [
        (empty_file, "file.empty"),
        (random_bytes, "file.not_xlsx"),
        (legacy_xls, "file.legacy_xls"),
        (encrypted_xlsx, "file.encrypted"),
        (csv_renamed, "file.csv_or_text"),
        (unicode_text_renamed, "file.csv_or_text"),
        (html_renamed, "file.csv_or_text"),
        (pdf_renamed, "file.not_xlsx"),
        (docx_renamed, "file.not_xlsx"),
        (ods_renamed, "file.ods"),
        (truncated_xlsx, "file.corrupt"),
        (broken_sheet_xml, "file.corrupt"),
        (huge_duration, "file.corrupt"),
        (no_sheets, "file.not_xlsx"),
        (utf16_sheet, "file.corrupt"),
        (macro_workbook, "file.macros"),
        (macro_content_type_only, "file.macros"),
        (zip_bomb_ratio, "file.zip_bomb"),
        (zip_bomb_declared, "file.zip_bomb"),
        (zip_bomb_lying, "file.zip_bomb"),
        (too_many_entries, "file.zip_bomb"),
        (xxe_sheet, "file.xml_entities"),
        (xxe_shared_strings, "file.xml_entities"),
        (billion_laughs, "file.xml_entities"),
        (entity_across_chunks, "file.xml_entities"),
        (xfd_cell, "file.too_many_cells"),
        (xfd_cell_prefixed, "file.too_many_cells"),
        (xfd_repeated_ref, "file.too_many_cells"),
        (xfd_in_duplicate_entry, "file.too_many_cells"),
        (xfd_in_odd_part_name, "file.too_many_cells"),
        (xfd_in_shared_strings_part, "file.too_many_cells"),
        (declared_huge_dimension, "file.too_many_cells"),
        (lying_dimension, "file.too_many_cells"),
        (too_many_columns, "file.too_many_cells"),
        (huge_shared_string_count, "file.corrupt"),
    ]
}
