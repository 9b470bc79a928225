"""The benchmark pack of a period: the partnership workbook(s), tidy CSV with a Frictionless
Data Package, and one workbook per body with its position against the partnership.

    write_pack(engine, "2025-26 Q4", Path("out/pack"), lang="both")

Layout of `out_dir`:
    sep_benchmark_<period>_<lang>.xlsx        the partnership pack, one per language
    csv/<table id>.csv, pay_gap.csv, benchmark_position.csv, partner_text.csv, datapackage.json
    bodies/<BODY>_benchmark_<period>_<lang>.xlsx   one per body and language
(`<period>` with its space as `_`: `2025-26_Q4`; a year is `2025-26`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa

from ..config import settings
from ..figure_store import published_frames, store_dir
from .body_pack import body_file_name, body_rows, body_view, body_views, write_body_pack
from .labels import LANGS
from .tidy_csv import write_tidy_csv
from .workbook import (
    PackData,
    Shaped,
    load_pack_data,
    partnership_file_name,
    write_partnership_workbook,
)

__all__ = ["OUT_OF_DATE", "PackData", "body_packs_written", "body_view", "body_views",
           "languages", "load_pack_data", "mark_body_packs_out_of_date", "pack_dir",
           "write_body_pack", "write_body_packs", "write_pack", "write_partnership_pack",
           "write_partnership_workbook", "write_tidy_csv"]


def languages(lang: str) -> tuple[str, ...]:
    """"en", "cy", or "both" (one complete workbook per language)."""
    if lang == "both":
        return LANGS
    if lang not in LANGS:
        raise ValueError(f"lang must be 'en', 'cy' or 'both', not {lang!r}")
    return (lang,)


@contextmanager
def _connection(engine_or_conn: sa.Engine | sa.Connection) -> Iterator[sa.Connection]:
    if isinstance(engine_or_conn, sa.Engine):
        with engine_or_conn.connect() as conn:
            yield conn
    else:
        with nullcontext(engine_or_conn) as conn:
            yield conn


def _load(engine_or_conn: sa.Engine | sa.Connection, period: str) -> PackData:
    """The pack's data; the published tables from the figure store when it holds what the
    warehouse holds (the figures step has just written them: no need to read them back)."""
    with _connection(engine_or_conn) as conn:
        kept = published_frames(conn, store_dir(settings().data_dir), period)
        return load_pack_data(conn, period, kept)


def pack_dir(outputs_dir: Path, period: str) -> Path:
    """Where the pipeline keeps a period's pack: `<outputs>/packs/2025-26_Q4/`."""
    return Path(outputs_dir) / "packs" / period.replace(" ", "_")


OUT_OF_DATE = "OUT_OF_DATE.txt"


def write_partnership_pack(engine_or_conn: sa.Engine | sa.Connection, period: str,
                           out_dir: Path, lang: str = "both",
                           data: PackData | None = None) -> list[Path]:
    """The partnership workbook(s) and the tidy CSV of `period` (a quarter or a year)."""
    langs = languages(lang)
    data = data if data is not None else _load(engine_or_conn, period)
    out_dir = Path(out_dir)
    shaped = Shaped.of(data.benchmark)  # shaped once for both languages
    paths = [write_partnership_workbook(data, out_dir / partnership_file_name(period, lg), lg,
                                        shaped)
             for lg in langs]
    del shaped
    return paths + write_tidy_csv(data, out_dir / "csv")


def write_body_packs(engine_or_conn: sa.Engine | sa.Connection, period: str, out_dir: Path,
                     lang: str = "both", data: PackData | None = None) -> list[Path]:
    """One workbook per body and language in `out_dir/bodies/`; clears an out-of-date note."""
    langs = languages(lang)
    data = data if data is not None else _load(engine_or_conn, period)
    folder = Path(out_dir) / "bodies"
    rows = body_rows(data.benchmark, data.position)  # every body's view in one pass
    paths = [write_body_pack(data, body, folder / body_file_name(body, period, lg), lg,
                             rows[body])
             for body in data.bodies for lg in langs]
    (folder / OUT_OF_DATE).unlink(missing_ok=True)
    return paths


def body_packs_written(out_dir: Path) -> bool:
    return any((Path(out_dir) / "bodies").glob("*.xlsx"))


def mark_body_packs_out_of_date(out_dir: Path, period: str) -> Path:
    """Say, in the folder partners are sent, that its workbooks predate the current figures."""
    note = Path(out_dir) / "bodies" / OUT_OF_DATE
    note.write_text(
        f"These workbooks show the figures of {period} as they were before the latest returns "
        "were loaded. The partnership workbook and CSV beside this folder are current; the "
        f'quarterly run after the deadline, or `sep-pipeline report --period "{period}"`, '
        "rewrites these.\n\n"
        f"Mae'r llyfrau gwaith hyn yn dangos ffigurau {period} fel yr oeddent cyn llwytho'r "
        "ffurflenni diweddaraf. Mae llyfr gwaith a CSV y bartneriaeth wrth ymyl y ffolder hon "
        "yn gyfredol; mae'r rhediad chwarterol ar ôl y dyddiad cau, neu "
        f"`sep-pipeline report --period \"{period}\"`, yn ailysgrifennu'r rhain.\n",
        encoding="utf-8")
    return note


def write_pack(engine_or_conn: sa.Engine | sa.Connection, period: str, out_dir: Path,
               lang: str = "both") -> list[Path]:
    """Write the whole pack of `period` (a quarter or a year) into `out_dir`; return the paths
    written. ValueError when the period has no published figures or `lang` is unknown."""
    languages(lang)  # an unknown language fails before anything is read
    data = _load(engine_or_conn, period)
    return (write_partnership_pack(engine_or_conn, period, out_dir, lang, data)
            + write_body_packs(engine_or_conn, period, out_dir, lang, data))
