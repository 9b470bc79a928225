"""A staff or application reference is stored in clear nowhere but the partner's own files.

One run of the pipeline on a rejected return that repeats a planted staff and application
reference (so issues are about them) and an accepted return that holds them once; then every
warehouse table, every file of the data folder (the archive excepted: the partner's own bytes,
by design), of DAGSTER_HOME (event log, stored step outputs, compute logs) and the log file are
searched for the references, inside zip files (.xlsx) and gzip files too. Only the partner's
feedback workbook and the archive may hold them, and they must (or the search proves nothing).
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from sep_pipeline.intake.pseudonym import pseudonym
from sep_pipeline.runner import run_pending
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.isolation import isolate
from sep_pipeline_tests.returns import ABOUT, valid_sheets, write_return

# Recognisable and found nowhere by chance (a pseudonym is lower-case hex).
STAFF = "ZQSTAFF7731XK"
APPLICATION = "ZQAPPL5512XV"
PLANTED = (STAFF, APPLICATION)


def _accepted() -> dict:
    sheets = valid_sheets()
    sheets["Workforce"][3]["staff_ref"] = STAFF
    sheets["Recruitment"][1]["application_ref"] = APPLICATION
    return sheets


def _rejected() -> dict:
    """Each planted reference on three rows (the only errors: repeated references)."""
    sheets = valid_sheets()
    for i in (1, 5, 8):
        sheets["Workforce"][i]["staff_ref"] = STAFF
    sheets["Recruitment"].append(dict(sheets["Recruitment"][1], vacancy_ref="V2"))
    for row in sheets["Recruitment"]:
        row["application_ref"] = APPLICATION
    return sheets


def _texts(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The bytes of a file, and of each member when it is a zip (xlsx) or gzip file."""
    out = [(name, data)]
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(Path(name)) as z:
                out += [(f"{name}!{m}", z.read(m)) for m in z.namelist()]
        except zipfile.BadZipFile:
            pass
    elif data[:2] == b"\x1f\x8b":
        out.append((f"{name}!gunzip", gzip.decompress(data)))
    return out


def _holding(root: Path, skip: tuple[Path, ...] = ()) -> set[str]:
    """Files under `root` (members of zip and gzip files too) holding a planted reference, in
    UTF-8 or UTF-16, in any case."""
    found = set()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(path.is_relative_to(s) for s in skip):
            continue
        for name, data in _texts(path.read_bytes(), str(path)):
            low = data.lower()
            for ref in PLANTED:
                if any(ref.lower().encode(enc) in low for enc in ("utf-8", "utf-16-le")):
                    found.add(name)
    return found


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    base = tmp_path_factory.mktemp("leak")
    with pytest.MonkeyPatch.context() as mp:
        cfg = isolate(mp, base)
        write_return(cfg.intake_dir / "CLCT" / "accepted.xlsx", _accepted(),
                     about=dict(ABOUT, body_code="CLCT"))
        write_return(cfg.intake_dir / "CSEN" / "rejected.xlsx", _rejected(),
                     about=dict(ABOUT, body_code="CSEN"))
        results = run_pending()
        yield cfg, base, results


def test_the_run_saw_one_accepted_and_one_rejected_return(ran):
    cfg, _, results = ran
    assert sorted((r.body, r.status) for r in results) == [("CLCT", "accepted"),
                                                           ("CSEN", "rejected")]
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        dupes = conn.execute(sa.text(
            "select sheet, row, cell, value, message, message_cy from validation_issues "
            "where code = 'value.duplicate' order by sheet, row")).all()
    # Each repeat is marked at its cell and named by its row and the other rows, not by value.
    assert [(i.sheet, i.row, i.cell, i.value) for i in dupes] == [
        ("Recruitment", 3, "A3", None), ("Recruitment", 4, "A4", None),
        ("Workforce", 7, "A7", None), ("Workforce", 10, "A10", None)]
    assert "row 7" in dupes[2].message and "rows 3 and 10" in dupes[2].message
    assert "res 7" in dupes[2].message_cy and "resi 3 a 10" in dupes[2].message_cy


def test_no_reference_in_clear_outside_the_partners_own_files(ran):
    cfg, base, _ = ran
    engine = warehouse.engine(cfg.warehouse_url)
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            for row in conn.execute(sa.text(f'select * from "{table}"')):
                text = " ".join(map(str, row)).lower()
                assert not any(ref.lower() in text for ref in PLANTED), (table, row)
    engine.dispose()
    # Dagster's stored step outputs are searched too: the validated returns are there.
    stored = base / "dagster_home" / "storage" / "validated_return"
    assert len([p for p in stored.rglob("*") if p.is_file()]) == 2
    leaks = _holding(base, skip=(cfg.archive_dir, cfg.intake_dir))
    assert leaks == set(), sorted(leaks)
    # The partner's own intake folder: the returns themselves and their feedback workbooks.
    allowed = _holding(cfg.intake_dir)
    assert {Path(n.split("!")[0]).name for n in allowed} == {
        "accepted.xlsx", "rejected.xlsx", next(
            p.name for p in (cfg.intake_dir / "CSEN" / "feedback").glob("*.xlsx"))}
    assert _holding(cfg.archive_dir)  # the search finds what is there


def test_the_warehouse_holds_the_keyed_hmac_of_the_data_folders_key(ran):
    cfg, _, _ = ran
    key = (cfg.data_dir / "pseudonym.key").read_text().strip()
    assert len(key) == 64 and cfg.pseudonym_key == key
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        refs = set(conn.execute(sa.text(
            "select staff_ref from workforce where body_code = 'CLCT'")).scalars())
    assert pseudonym(key, "CLCT", STAFF) in refs and len(refs) == 12
