"""Plain-English and Welsh messages for every validation issue code, each saying how to fix it.

Placeholders: {sheet} {column} {value} and per-language {expected_en}/{expected_cy} plus any
extra keyword. File-level refusals (file.*, raised by `intake/safe_read.py`) are in
FILE_MESSAGES, at the end.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    "sheet.missing": (
        "The {sheet} sheet is missing. Add a sheet called '{sheet}' (copy it from the blank "
        "template) and send the file again.",
        "Mae'r daflen {sheet_cy} ar goll. Ychwanegwch daflen o'r enw '{sheet_cy}' (copïwch hi o'r "
        "templed gwag) ac anfonwch y ffeil eto.",
    ),
    "sheet.duplicate": (
        "Two sheets are both the {sheet_std} sheet ('{value}' and '{other}'). Keep one, delete "
        "the other.",
        "Mae dwy daflen yr un fath â'r daflen {sheet_std_cy} ('{value}' a '{other}'). Cadwch un a "
        "dilëwch y llall.",
    ),
    "sheet.unknown": (
        "The sheet '{value}' is not part of the return and was ignored.",
        "Nid yw'r daflen '{value}' yn rhan o'r ffurflen ac fe'i hanwybyddwyd.",
    ),
    "sheet.no_header": (
        "No row of column headers was found in the first 10 rows of the {sheet} sheet. Put the "
        "headers from the template in one row near the top.",
        "Ni chafwyd rhes o benawdau colofn yn 10 rhes gyntaf y daflen {sheet}. Rhowch y penawdau "
        "o'r templed mewn un rhes ger y brig.",
    ),
    "column.not_recognised": (
        "The column '{column}' (header in {cell}) is not a column of the {sheet} sheet, and the "
        "column '{expected_en}' is missing. Did you mean '{expected_en}'?{hint_en} If so, "
        "change the header in {cell} to '{expected_en}' as in the template; until then nothing "
        "in this column is read.",
        "Nid yw'r golofn '{column}' (pennawd yn {cell}) yn un o golofnau'r daflen {sheet}, ac "
        "mae'r golofn '{expected_cy}' ar goll. Oeddech chi'n golygu '{expected_cy}'?{hint_cy} "
        "Os felly, newidiwch y pennawd yn {cell} i '{expected_cy}' fel yn y templed; tan hynny "
        "ni ddarllenir dim yn y golofn hon.",
    ),
    "column.missing": (
        "The column '{expected_en}' is missing from the {sheet} sheet and it is required. Add it "
        "(copy the header from the template).",
        "Mae'r golofn '{expected_cy}' ar goll o'r daflen {sheet} ac mae'n ofynnol. Ychwanegwch hi "
        "(copïwch y pennawd o'r templed).",
    ),
    "column.missing_optional": (
        "The column '{expected_en}' is missing from the {sheet} sheet, so every row was read as "
        "blank for it. Add it if you hold this information.",
        "Mae'r golofn '{expected_cy}' ar goll o'r daflen {sheet}, felly darllenwyd pob rhes fel "
        "un wag ar ei chyfer. Ychwanegwch hi os oes gennych yr wybodaeth hon.",
    ),
    "column.duplicate": (
        "The columns '{other}' and '{column}' are both '{expected_en}'. Delete one of them.",
        "Mae'r colofnau '{other}' a '{column}' ill dwy yn '{expected_cy}'. Dilëwch un ohonynt.",
    ),
    "column.identifier": (
        "The column '{column}' looks like personal information. The partnership collects no "
        "names, dates of birth, National Insurance numbers, addresses, emails or phone numbers: "
        "delete this column and send the file again. Nothing from this file was loaded.",
        "Mae'r golofn '{column}' yn edrych fel gwybodaeth bersonol. Nid yw'r bartneriaeth yn "
        "casglu enwau, dyddiadau geni, rhifau Yswiriant Gwladol, cyfeiriadau, negeseuon e-bost na "
        "rhifau ffôn: dilëwch y golofn hon ac anfonwch y ffeil eto. Ni lwythwyd dim o'r ffeil hon.",
    ),
    "column.unknown": (
        "The column '{column}' is not part of the standard and was ignored (nothing from it is "
        "stored).{hint_en}",
        "Nid yw'r golofn '{column}' yn rhan o'r safon ac fe'i hanwybyddwyd (ni chedwir dim "
        "ohoni).{hint_cy}",
    ),
    # Layout slips (intake/layout_checks.py): nothing read is dropped silently.
    "layout.no_header": (
        "Column {letter} has no header (cell {header_cell} is blank) but holds {values_en}, on "
        "{rows_en}: nothing in it can be read. Give the column its header from the template, or "
        "delete the column.",
        "Nid oes pennawd gan golofn {letter} (mae cell {header_cell} yn wag) ond mae'n cynnwys "
        "{values_cy}, ar {rows_cy}: ni ellir darllen dim ynddi. Rhowch ei phennawd o'r templed i'r "
        "golofn, neu dilëwch y golofn.",
    ),
    "layout.merged_header": (
        "The header cells {range} are merged. A merged cell keeps its text in its first cell "
        "only, so a column under the others has no header and cannot be read. Unmerge them "
        "(select them, then Home > Merge & Center > Unmerge Cells) and give each column its own "
        "header from the template.",
        "Mae celloedd pennawd {range} wedi'u huno. Dim ond yn ei chell gyntaf y mae cell wedi'i "
        "huno yn cadw ei thestun, felly nid oes pennawd gan golofn o dan y lleill ac ni ellir ei "
        "darllen. Dad-unwch nhw (dewiswch nhw, yna Hafan > Uno a Chanoli > Dad-uno Celloedd) a "
        "rhowch ei phennawd ei hun o'r templed i bob colofn.",
    ),
    "layout.merged_cells": (
        "The cells {range} are merged. A merged cell keeps its value in its first cell only, so "
        "the other cells are read as blank. Unmerge them (select them, then Home > Merge & "
        "Center > Unmerge Cells) and fill in every cell.",
        "Mae celloedd {range} wedi'u huno. Dim ond yn ei chell gyntaf y mae cell wedi'i huno yn "
        "cadw ei gwerth, felly darllenir y celloedd eraill fel rhai gwag. Dad-unwch nhw "
        "(dewiswch nhw, yna Hafan > Uno a Chanoli > Dad-uno Celloedd) a llenwch bob cell.",
    ),
    "layout.repeated_header": (
        "Row {row} repeats the column headers (perhaps a second block of rows was pasted in "
        "with its headers). Delete this repeated header row; it was not read as data.",
        "Mae rhes {row} yn ailadrodd penawdau'r colofnau (efallai i ail floc o resi gael ei "
        "gludo gyda'i benawdau). Dilëwch y rhes bennawd ailadroddus hon; ni chafodd ei darllen "
        "fel data.",
    ),
    "layout.totals_row": (
        "Row {row} is a totals row. Remove the totals row: the partnership adds up the figures "
        "itself, and a total would be read as one more row of data. Nothing on this row was "
        "read.",
        "Mae rhes {row} yn rhes gyfansymiau. Tynnwch y rhes gyfansymiau: mae'r bartneriaeth yn "
        "adio'r ffigurau ei hun, a byddai cyfanswm yn cael ei ddarllen fel rhes arall o ddata. "
        "Ni ddarllenwyd dim ar y rhes hon.",
    ),
    "layout.hidden": (
        "{hidden_en}: check that every row you meant to send is included. Everything in hidden "
        "rows and columns is read, as if it were not hidden.",
        "{hidden_cy}: gwiriwch fod pob rhes yr oeddech am ei hanfon wedi'i chynnwys. Darllenir "
        "popeth mewn rhesi a cholofnau cudd, fel pe na baent wedi'u cuddio.",
    ),
    "intake.unknown_body": (
        "The folder '{value}' is not the code of a body in the partnership's registry, so this "
        "file was not loaded. Put your return in your own body's folder, or ask the partnership "
        "coordinator to add your body to the registry.",
        "Nid yw'r ffolder '{value}' yn god corff yng nghofrestr y bartneriaeth, felly ni "
        "lwythwyd y ffeil hon. Rhowch eich ffurflen yn ffolder eich corff eich hun, neu gofynnwch "
        "i gydlynydd y bartneriaeth ychwanegu eich corff at y gofrestr.",
    ),
    "intake.period_not_open": (
        "This return is for {value}, a quarter the pipeline does not take returns for yet (it "
        "takes {first} to {latest}), so nothing from it was loaded. If {value} is the quarter you "
        "meant, tell the partnership coordinator; if not, correct the period on the About sheet "
        "and send the file again.",
        "Mae'r ffurflen hon ar gyfer {value}, chwarter nad yw'r system yn derbyn ffurflenni ar ei "
        "gyfer eto (mae'n derbyn {first} i {latest}), felly ni lwythwyd dim ohoni. Os {value} yw'r "
        "chwarter a olygwyd gennych, rhowch wybod i gydlynydd y bartneriaeth; os nad e, cywirwch "
        "y cyfnod ar y daflen Ynghylch ac anfonwch y ffeil eto.",
    ),
    "intake.link": (
        "'{value}' is a link (a shortcut) to another file, not a file, so it was not read: links "
        "are never followed. Put the file itself in your body's folder.",
        "Mae '{value}' yn ddolen (llwybr byr) at ffeil arall, nid yn ffeil, felly ni chafodd ei "
        "darllen: ni ddilynir dolenni byth. Rhowch y ffeil ei hun yn ffolder eich corff.",
    ),
    "intake.not_a_file": (
        "'{value}' is not an ordinary file, so it was not read. Put your return in your body's "
        "folder as an ordinary .xlsx file.",
        "Nid yw '{value}' yn ffeil gyffredin, felly ni chafodd ei darllen. Rhowch eich ffurflen "
        "yn ffolder eich corff fel ffeil .xlsx gyffredin.",
    ),
    "intake.unreadable": (
        "'{value}' could not be read (the pipeline has no permission to open it), so nothing "
        "from it was loaded. Save it again in your body's folder, or ask your IT team to make "
        "it readable.",
        "Nid oedd modd darllen '{value}' (nid oes gan y system ganiatâd i'w hagor), felly ni "
        "lwythwyd dim ohoni. Cadwch hi eto yn ffolder eich corff, neu gofynnwch i'ch tîm TG ei "
        "gwneud yn ddarllenadwy.",
    ),
    "intake.folder": (
        "'{value}' is a folder inside your body's folder; only files put directly in your "
        "body's folder are read. Move your return out of it.",
        "Mae '{value}' yn ffolder y tu mewn i ffolder eich corff; dim ond ffeiliau a roddir yn "
        "uniongyrchol yn ffolder eich corff a ddarllenir. Symudwch eich ffurflen allan ohoni.",
    ),
    "about.missing": (
        "The About sheet has no {expected_en}. Fill it in, in column B beside '{expected_en}'.",
        "Nid oes {expected_cy} ar y daflen Ynghylch. Llenwch ef yng ngholofn B wrth ymyl "
        "'{expected_cy}'.",
    ),
    "about.period_invalid": (
        "'{value}' is not a quarter. Write the period like 2025-26 Q2.",
        "Nid yw '{value}' yn chwarter. Ysgrifennwch y cyfnod fel 2025-26 Q2.",
    ),
    "about.period_not_ended": (
        "The quarter {value} has not ended yet (it ends on {end}). Send this return after the "
        "quarter has ended.",
        "Nid yw chwarter {value} wedi dod i ben eto (mae'n gorffen ar {end}). Anfonwch y ffurflen "
        "hon ar ôl i'r chwarter ddod i ben.",
    ),
    "about.period_too_early": (
        "Returns start at 2020-21 Q1; {value} is earlier. Check the period.",
        "Mae ffurflenni'n dechrau yn 2020-21 Q1; mae {value} yn gynharach. Gwiriwch y cyfnod.",
    ),
    "about.body_code_invalid": (
        "'{value}' is not a body code. Use your body's short code in capitals, e.g. BGCBC.",
        "Nid yw '{value}' yn god corff. Defnyddiwch god byr eich corff mewn priflythrennau, e.e. "
        "BGCBC.",
    ),
    "about.body_mismatch": (
        "The body code '{value}' does not match the folder this file was sent to ({expected_en}). "
        "Correct the body code, or put the file in your own body's folder.",
        "Nid yw cod y corff '{value}' yn cyfateb i'r ffolder yr anfonwyd y ffeil hon iddi "
        "({expected_cy}). Cywirwch god y corff, neu rhowch y ffeil yn ffolder eich corff eich hun.",
    ),
    "about.not_collected_filled": (
        "The About sheet says '{expected_en}', but the {topic} sheet has {rows_en}. If you "
        "collected this information, change the answer in {cell} to No; if not, delete the "
        "rows on the {topic} sheet.",
        "Mae'r daflen Ynghylch yn dweud '{expected_cy}', ond mae gan y daflen {topic_cy} "
        "{rows_cy}. Os casglwyd yr wybodaeth hon, newidiwch yr ateb yn {cell} i Na; os na, dilëwch "
        "y rhesi ar y daflen {topic_cy}.",
    ),
    "sheet.headers_only": (
        "The {topic} sheet has only its headers, so it will be published as zero (none this "
        "quarter). If you did not collect this information this quarter, answer Yes to "
        "'{expected_en}' on the About sheet instead: it is then shown as not collected [x].",
        "Dim ond ei phenawdau sydd gan y daflen {topic_cy}, felly caiff ei chyhoeddi fel sero "
        "(dim y chwarter hwn). Os na chasglwyd yr wybodaeth hon y chwarter hwn, atebwch Ie i "
        "'{expected_cy}' ar y daflen Ynghylch yn lle hynny: yna caiff ei dangos fel heb ei "
        "chasglu [x].",
    ),
    "about.template_version": (
        "This return says template version '{value}'; the current version is {expected_en}. It "
        "was read as the current version: please use the new template next time.",
        "Mae'r ffurflen hon yn nodi fersiwn templed '{value}'; y fersiwn gyfredol yw "
        "{expected_cy}. Fe'i darllenwyd fel y fersiwn gyfredol: defnyddiwch y templed newydd y tro "
        "nesaf.",
    ),
    "value.required": (
        "'{column}' must be filled in on every row.",
        "Rhaid llenwi '{column}' ar bob rhes.",
    ),
    "value.code": (
        "'{value}' is not an allowed value for '{column}'.{hint_en} Use one of: {expected_en}.",
        "Nid yw '{value}' yn werth a ganiateir ar gyfer '{column}'.{hint_cy} Defnyddiwch un o: "
        "{expected_cy}.",
    ),
    "value.yes_no": (
        "'{value}' is not Yes or No. Enter Yes or No in '{column}'.",
        "Nid yw '{value}' yn Ie neu Na. Rhowch Ie neu Na yn '{column}'.",
    ),
    "value.date": (
        "'{value}' is not a date. Enter a date such as 30/06/2025 (day first) in '{column}'.",
        "Nid yw '{value}' yn ddyddiad. Rhowch ddyddiad fel 30/06/2025 (y diwrnod yn gyntaf) yn "
        "'{column}'.",
    ),
    "value.number": (
        "'{value}' is not a number. Enter {expected_en} in '{column}'.",
        "Nid yw '{value}' yn rhif. Rhowch {expected_cy} yn '{column}'.",
    ),
    "value.date_range": (
        "'{value}' is a date before 1900 or after 2199 in '{column}'. Check the year.",
        "Mae '{value}' yn ddyddiad cyn 1900 neu ar ôl 2199 yn '{column}'. Gwiriwch y flwyddyn.",
    ),
    "value.too_large": (
        "'{value}' is far too large for '{column}'. Check the number.",
        "Mae '{value}' yn llawer rhy fawr ar gyfer '{column}'. Gwiriwch y rhif.",
    ),
    "value.integer": (
        "'{value}' is not a whole number. Enter a whole number in '{column}'.",
        "Nid yw '{value}' yn rhif cyfan. Rhowch rif cyfan yn '{column}'.",
    ),
    "value.age": (
        "'{value}' is not a working age. Enter an age band such as 30-39, or an age of 16 or over.",
        "Nid yw '{value}' yn oedran gweithio. Rhowch fand oedran fel 30-39, neu oedran 16 neu'n "
        "hŷn.",
    ),
    "value.range": (
        "{value} is out of range for '{column}': it must be {expected_en}.",
        "Mae {value} y tu allan i'r ystod ar gyfer '{column}': rhaid iddo fod yn {expected_cy}.",
    ),
    # Names the rows, never the value: it may be a staff or application reference.
    "value.duplicate": (
        "The value in '{column}' on row {row} is also used on {rows_en}. Each row needs its own "
        "reference.",
        "Mae'r gwerth yn '{column}' ar res {row} hefyd wedi'i ddefnyddio ar {rows_cy}. Mae angen "
        "cyfeirnod ei hun ar bob rhes.",
    ),
    "value.formula_no_value": (
        "This cell has a formula with no saved result. Open the file in Excel, let it calculate, "
        "save it, and send it again (or type the value in).",
        "Mae gan y gell hon fformiwla heb ganlyniad wedi'i gadw. Agorwch y ffeil yn Excel, "
        "gadewch iddi gyfrifo, cadwch hi, ac anfonwch hi eto (neu teipiwch y gwerth).",
    ),
    "value.codes_note": (
        "'{value}' is not one of the standard's characteristics; it was kept as a note. Use the "
        "names in the guidance if you meant a characteristic.",
        "Nid yw '{value}' yn un o nodweddion y safon; fe'i cadwyd fel nodyn. Defnyddiwch yr enwau "
        "yn y canllawiau os oeddech yn golygu nodwedd.",
    ),
    # Cross-field rules carry their own text from the standard in {rule_en}/{rule_cy}.
    **{
        code: ("{rule_en}", "{rule_cy}")
        for code in ("rule.required", "rule.blank", "rule.implies", "rule.date_order",
                     "rule.in_period", "rule.reference", "rule.category")
    },
    "warn.not_known_share": (
        "{share}% of the answers in '{column}' are Not known (more than {limit}%). Not known "
        "means never asked or not recorded: check whether your records hold more.",
        "Mae {share}% o'r atebion yn '{column}' yn Ddim yn hysbys (mwy na {limit}%). Mae Ddim yn "
        "hysbys yn golygu na ofynnwyd neu na chofnodwyd: gwiriwch a oes gan eich cofnodion fwy.",
    ),
    "warn.pay_outlier": (
        "Hourly pay of {value} is far from this body's median of {median}. Check it is an hourly "
        "rate (not an annual salary) and has no typing error.",
        "Mae cyflog yr awr o {value} ymhell o ganolrif y corff hwn, sef {median}. Gwiriwch ei fod "
        "yn gyfradd yr awr (nid cyflog blynyddol) ac nad oes camgymeriad teipio.",
    ),
    "warn.headcount_change": (
        "Staff in post changed from {previous} last quarter to {current} ({change}%). Check that "
        "everyone employed in the quarter is on the Workforce sheet.",
        "Newidiodd nifer y staff mewn swydd o {previous} y chwarter diwethaf i {current} "
        "({change}%). Gwiriwch fod pawb a gyflogwyd yn y chwarter ar y daflen Gweithlu.",
    ),
}


ROWS_NAMED = 10  # a message names at most this many rows, then says how many more


def rows_text(rows: list[int]) -> tuple[str, str]:
    """Excel rows as the messages name them, in English and in Welsh after "ar" (soft
    mutation): "row 3" / "res 3", "rows 3, 7 and 10" / "resi 3, 7 a 10", "rows 1, 2, ... and
    5 more" / "resi 1, 2, ... a 5 rhes arall"."""
    shown = [str(r) for r in rows[:ROWS_NAMED]]
    more = len(rows) - len(shown)
    if len(rows) == 1:
        return f"row {shown[0]}", f"res {shown[0]}"
    if more:
        listed = ", ".join(shown)
        return f"rows {listed} and {more} more", f"resi {listed} a {more} rhes arall"
    listed = ", ".join(shown[:-1])
    return f"rows {listed} and {shown[-1]}", f"resi {listed} a {shown[-1]}"


def render(code: str, **kw: object) -> tuple[str, str]:
    """English and Welsh message for an issue code."""
    en, cy = MESSAGES[code]
    kw.setdefault("expected_en", "")
    kw.setdefault("expected_cy", kw["expected_en"])
    kw.setdefault("sheet_cy", kw.get("sheet", ""))
    kw.setdefault("hint_en", "")  # " Did you mean ...?", where a near miss was found
    kw.setdefault("hint_cy", "")
    return en.format(**kw), cy.format(**kw)


# --- File-level refusals -------------------------------------------------------------------
# `safe_read.FileRefused`: the file cannot be read at all. Placeholders are those each refusal
# passes (`safe_read._refused`); {sheet} is the sheet concerned, when there is one.

_SAVE_EN = "save it as 'Excel Workbook (*.xlsx)' and send it again"
_SAVE_CY = "cadwch hi fel 'Llyfr Gwaith Excel (*.xlsx)' a'i hanfon eto"

FILE_MESSAGES: dict[str, tuple[str, str]] = {
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
    "file.too_complex": (
        "This workbook is too large or too complex to open safely, so we did not read it. Open "
        "your return in Excel, delete unused sheets and any rows or columns below or to the "
        f"right of your data, then {_SAVE_EN}. Contact us if this message appears again.",
        "Mae'r llyfr gwaith hwn yn rhy fawr neu'n rhy gymhleth i'w agor yn ddiogel, felly ni "
        "wnaethom ei ddarllen. Agorwch eich ffurflen yn Excel, dilëwch daflenni nas defnyddir ac "
        "unrhyw resi neu golofnau o dan eich data neu i'r dde ohono, yna "
        f"{_SAVE_CY}. Cysylltwch â ni os bydd y neges hon yn ymddangos eto.",
    ),
    "file.cell_too_long": (
        "Cell {cell} on the sheet '{sheet}' holds {length:,} characters; a cell can hold at most "
        "{limit:,} (Excel's own limit).{more_en} Shorten the text or split it over several "
        "cells, save the file and send it again.",
        "Mae cell {cell} ar y daflen '{sheet}' yn cynnwys {length:,} o nodau; gall cell gynnwys "
        "hyd at {limit:,} (terfyn Excel ei hun).{more_cy} Byrhewch y testun neu rhannwch ef dros "
        "sawl cell, cadwch y ffeil a'i hanfon eto.",
    ),
    "file.control_characters": (
        "Cell {cell} on the sheet '{sheet}' contains a hidden control character ({chars}), "
        "usually left by copying from another system, which cannot be stored.{more_en} Retype "
        "the text in that cell (or paste it as plain text), save the file and send it again.",
        "Mae cell {cell} ar y daflen '{sheet}' yn cynnwys nod rheoli cudd ({chars}), fel arfer "
        "wedi'i adael wrth gopïo o system arall, na ellir ei gadw.{more_cy} Teipiwch y testun yn "
        "y gell honno eto (neu gludwch ef fel testun plaen), cadwch y ffeil a'i hanfon eto.",
    ),
    "file.control_characters.sheet_name": (
        "The name of sheet {position} ('{sheet}') contains a hidden control character ({chars}), "
        "which cannot be stored. Rename the sheet (right-click its tab, Rename), save the file "
        "and send it again.",
        "Mae enw taflen {position} ('{sheet}') yn cynnwys nod rheoli cudd ({chars}), na ellir ei "
        "gadw. Ailenwch y daflen (de-gliciwch ei thab, Ailenwi), cadwch y ffeil a'i hanfon eto.",
    ),
    "file.too_much_text": (
        "The cells of this workbook hold {text:,} characters of text (text repeated in many "
        "cells counts every time), most of it on the sheet '{sheet}'; we accept at most "
        "{limit:,}. Delete the text that is not part of the return, save the file and send it "
        "again.",
        "Mae celloedd y llyfr gwaith hwn yn cynnwys {text:,} o nodau o destun (mae testun a "
        "ailadroddir mewn llawer o gelloedd yn cyfrif bob tro), y rhan fwyaf ohono ar y daflen "
        "'{sheet}'; rydym yn derbyn hyd at {limit:,}. Dilëwch y testun nad yw'n rhan o'r "
        "ffurflen, cadwch y ffeil a'i hanfon eto.",
    ),
    "file.too_much_text.workbook": (
        "The cells of this workbook hold {text:,} characters of text (text repeated in many "
        "cells counts every time); we accept at most {limit:,}. Delete the text that is not part "
        "of the return, save the file and send it again.",
        "Mae celloedd y llyfr gwaith hwn yn cynnwys {text:,} o nodau o destun (mae testun a "
        "ailadroddir mewn llawer o gelloedd yn cyfrif bob tro); rydym yn derbyn hyd at "
        "{limit:,}. Dilëwch y testun nad yw'n rhan o'r ffurflen, cadwch y ffeil a'i hanfon eto.",
    ),
    "file.too_many_sheets": (
        "This workbook has {count:,} sheets; we accept at most {limit:,}. Delete the sheets that "
        f"are not part of the return, then {_SAVE_EN}.",
        "Mae gan y llyfr gwaith hwn {count:,} o daflenni; rydym yn derbyn hyd at {limit:,}. "
        f"Dilëwch y taflenni nad ydynt yn rhan o'r ffurflen, yna {_SAVE_CY}.",
    ),
    "file.too_many_styles": (
        "This workbook has {count:,} cell formats, more than the {limit:,} Excel itself allows. "
        "Copy your data into a new copy of the return template (Paste Special > Values), save "
        "it and send it again.",
        "Mae gan y llyfr gwaith hwn {count:,} o fformatau cell, mwy na'r {limit:,} y mae Excel "
        "ei hun yn eu caniatáu. Copïwch eich data i gopi newydd o dempled y ffurflen (Gludo "
        "Arbennig > Gwerthoedd), cadwch ef a'i anfon eto.",
    ),
}


def other_cells_text(cells: list[str]) -> tuple[str, str]:
    """Further cells with the same problem, as a sentence to append to a file.* message (empty
    when there are none): " The same in D8, E9 and 3 more." / " Yr un peth yn D8, E9 a 3 arall."
    """
    if not cells:
        return "", ""
    shown = cells[:ROWS_NAMED]
    more = len(cells) - len(shown)
    if more:
        listed = ", ".join(shown)
        return f" The same in {listed} and {more} more.", f" Yr un peth yn {listed} a {more} arall."
    if len(shown) == 1:
        return f" The same in {shown[0]}.", f" Yr un peth yn {shown[0]}."
    listed = ", ".join(shown[:-1])
    return f" The same in {listed} and {shown[-1]}.", f" Yr un peth yn {listed} a {shown[-1]}."
