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

__all__ = ["PackData", "body_view", "body_views", "languages", "load_pack_data", "write_body_pack",
           "write_pack", "write_partnership_workbook", "write_tidy_csv"]


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


def write_pack(engine_or_conn: sa.Engine | sa.Connection, period: str, out_dir: Path,
               lang: str = "both") -> list[Path]:
    """Write the whole pack of `period` (a quarter or a year) into `out_dir`; return the paths
    written. ValueError when the period has no published figures or `lang` is unknown."""
    langs = languages(lang)
    with _connection(engine_or_conn) as conn:
        data = load_pack_data(conn, period)
    out_dir = Path(out_dir)
    shaped = Shaped.of(data.benchmark)  # shaped once for both languages
    paths = [write_partnership_workbook(data, out_dir / partnership_file_name(period, lg), lg,
                                        shaped)
             for lg in langs]
    del shaped
    paths += write_tidy_csv(data, out_dir / "csv")
    rows = body_rows(data.benchmark, data.position)  # every body's view in one pass
    paths += [write_body_pack(data, body, out_dir / "bodies" / body_file_name(body, period, lg),
                              lg, rows[body])
              for body in data.bodies for lg in langs]
    return paths
