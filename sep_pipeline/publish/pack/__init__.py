"""The benchmark pack of a period: the partnership workbook(s), tidy CSV with a Frictionless
Data Package, and one workbook per body with its position against the partnership.

    write_pack(engine, "2025-26 Q4", Path("out/pack"), lang="both")

Layout of `out_dir`:
    sep_benchmark_<period>_<lang>.xlsx        the partnership pack, one per language
    csv/<table id>.csv, pay_gap.csv, benchmark_position.csv, partner_text.csv, series.csv,
        datapackage.json
    bodies/<BODY>_benchmark_<period>_<lang>.xlsx   one per body and language
(`<period>` with its space as `_`: `2025-26_Q4`; a year is `2025-26`.)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

import sqlalchemy as sa

from ...common import durable
from ...common.config import settings
from ...common.pause_points import pause
from ...common.workers import forked_map, forked_start
from ...warehouse import tables as warehouse
from ..figure_store import published_frames, store_dir
from .body_pack import body_file_name, body_rows, body_view, body_views, write_body_pack
from .csv_folder import write_tidy_csv
from .labels import LANGS
from .partnership_workbook import write_partnership_workbook
from .workbook import (
    PackData,
    Shaped,
    load_pack_data,
    partnership_file_name,
)

__all__ = ["BODIES_STAMP", "OUT_OF_DATE", "PackData", "body_packs_written", "bodies_stamp",
           "body_view", "body_views", "languages", "load_pack_data",
           "mark_body_packs_out_of_date", "pack_dir", "publish_pack", "write_body_pack",
           "write_body_packs", "write_pack", "write_partnership_pack",
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
    """The partnership workbook(s) and the tidy CSV of `period` (a quarter or a year), written
    into `out_dir` as they are (`publish_pack` stages them)."""
    langs = languages(lang)
    data = data if data is not None else _load(engine_or_conn, period)
    out_dir = Path(out_dir)

    def every_language(_: None) -> list[Path]:
        shaped = Shaped.of(data.benchmark)  # once for both languages, where they are written
        paths = []
        for lg in langs:  # the second takes the first's cells' XML (`shaped`'s cache)
            paths.append(write_partnership_workbook(
                data, out_dir / partnership_file_name(period, lg), lg, shaped))
            pause("pack_file", paths[-1].name)
        return paths

    # The workbooks in one worker (SEP_WORKERS > 1) while this process writes the CSV (it reads
    # series.csv's rows from the warehouse: a forked worker must not use the connection); in
    # one process, the workbooks first. One worker, not one per language: a workbook's cells
    # take as much memory as the data they come from (~650 MB per worker at ten times the
    # national size), and one worker writes both in less time than the CSV takes.
    workers = settings().workers
    workbooks = forked_start(every_language, [None], workers)
    paths = workbooks()[0] if workers <= 1 else []
    with _connection(engine_or_conn) as conn:
        paths_csv = write_tidy_csv(data, out_dir / "csv", conn,
                                   store_dir(settings().data_dir) / "series_csv")
    pause("pack_file", "csv")
    return (paths or workbooks()[0]) + paths_csv


def write_body_packs(engine_or_conn: sa.Engine | sa.Connection, period: str, out_dir: Path,
                     lang: str = "both", data: PackData | None = None,
                     workers: int | None = None) -> list[Path]:
    """One workbook per body and language in `out_dir/bodies/`, as they are (`publish_pack`
    stages them); written by `workers` processes side by side (default: SEP_WORKERS)."""
    langs = languages(lang)
    data = data if data is not None else _load(engine_or_conn, period)
    folder = Path(out_dir) / "bodies"
    folder.mkdir(parents=True, exist_ok=True)
    rows = body_rows(data.benchmark, data.position)  # every body's view in one pass

    def one_body(body: str) -> list[Path]:
        paths = [write_body_pack(data, body, folder / body_file_name(body, period, lg), lg,
                                 rows[body]) for lg in langs]
        pause("pack_file", f"bodies/{body}")
        return paths

    workers = settings().workers if workers is None else workers
    return [p for paths in forked_map(one_body, data.bodies, workers) for p in paths]


# The figures stamp (`warehouse.published_figures`) the per-body workbooks were written from,
# beside them: they are current while it is the warehouse's, else marked out of date.
BODIES_STAMP = ".figures_stamp"


def bodies_stamp(out_dir: Path) -> str | None:
    """The stamp of the figures the per-body workbooks show; None when they were never all
    written (or a rewrite of them was cut short)."""
    try:
        return (Path(out_dir) / "bodies" / BODIES_STAMP).read_text(encoding="utf-8").strip()
    except OSError:
        return None


def body_packs_written(out_dir: Path) -> bool:
    return bodies_stamp(out_dir) is not None


def mark_body_packs_out_of_date(out_dir: Path, period: str) -> Path:
    """Say, in the folder partners are sent, that its workbooks predate the current figures."""
    return durable.write_text(
        Path(out_dir) / "bodies" / OUT_OF_DATE,
        f"These workbooks show the figures of {period} as they were before the latest returns "
        "were loaded. The partnership workbook and CSV beside this folder are current; the "
        f'quarterly run after the deadline, or `sep-pipeline report --period "{period}"`, '
        "rewrites these.\n\n"
        f"Mae'r llyfrau gwaith hyn yn dangos ffigurau {period} fel yr oeddent cyn llwytho'r "
        "ffurflenni diweddaraf. Mae llyfr gwaith a CSV y bartneriaeth wrth ymyl y ffolder hon "
        "yn gyfredol; mae'r rhediad chwarterol ar ôl y dyddiad cau, neu "
        f"`sep-pipeline report --period \"{period}\"`, yn ailysgrifennu'r rhain.\n")


def publish_pack(engine: sa.Engine, period: str, out_dir: Path, bodies: bool) -> list[Path]:
    """Write the partnership's pack (`bodies=False`) or the per-body workbooks (`bodies=True`)
    of `period` in the pipeline's pack folder, and record in the warehouse when every pack file
    shows the current figures. The caller holds the writer lock.

    The files are staged and moved into place only once all of them are written, so a kill or
    a full disk leaves the previous pack. The partnership's part marks the per-body workbooks
    out of date when they show older figures; the pack is recorded as published (at the version
    of the returns its figures were computed from) once both parts are current, or the per-body
    workbooks are marked out of date."""
    out_dir = Path(out_dir)
    with engine.connect() as conn:
        state = warehouse.publication(conn, period)
        stamp = warehouse.published_stamp(conn, period)
        data = load_pack_data(conn, period,
                              published_frames(conn, store_dir(settings().data_dir), period))
    write = write_body_packs if bodies else write_partnership_pack
    with durable.staged(out_dir) as stage:
        write(engine, period, stage.path, "both", data)
        if bodies:
            (stage.path / "bodies").mkdir(exist_ok=True)
            (stage.path / "bodies" / BODIES_STAMP).write_text(stamp or "", encoding="utf-8")
            # until every workbook is in place they are not "written" (a cut-short rewrite
            # is redone in full by the next run)
            (out_dir / "bodies" / BODIES_STAMP).unlink(missing_ok=True)
        paths = stage.commit(last=(BODIES_STAMP,))
    done = bodies
    if bodies:
        (out_dir / "bodies" / OUT_OF_DATE).unlink(missing_ok=True)
    elif bodies_stamp(out_dir) is not None:
        if bodies_stamp(out_dir) != stamp:
            mark_body_packs_out_of_date(out_dir, period)
        done = True
    if done and state is not None:
        with engine.begin() as conn:
            warehouse.pack_published(conn, period, state.figures_version)
    return [p for p in paths if p.name != BODIES_STAMP]


def write_pack(engine_or_conn: sa.Engine | sa.Connection, period: str, out_dir: Path,
               lang: str = "both") -> list[Path]:
    """Write the whole pack of `period` (a quarter or a year) into `out_dir`, every published
    figure read from the warehouse, staged and moved into place once complete; return the
    paths written. ValueError when the period has no published figures or `lang` is unknown."""
    languages(lang)  # an unknown language fails before anything is read
    with _connection(engine_or_conn) as conn:
        data = load_pack_data(conn, period)
    with durable.staged(Path(out_dir)) as stage:
        write_partnership_pack(engine_or_conn, period, stage.path, lang, data)
        write_body_packs(engine_or_conn, period, stage.path, lang, data)
        return stage.commit()
