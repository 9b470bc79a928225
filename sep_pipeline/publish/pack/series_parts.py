"""Each unit's (body's, or ALL's) part of series.csv as written, kept on disk between packs, so
that after a resubmission only the units whose series rows it rewrote are read from the
warehouse and written again: every other part is the same bytes as last time.

A part is kept under a key made of what its text depends on: the code (`code_version`), the
period, the unit, the stamp the warehouse gave that unit's rows when they were last written
(`warehouse.series_stamps`) and its revision markers ([p] for a provisional quarter; the unit's
revised figures of a final one). A kept part is used only under the same key, and only when
its checksum holds: like the figure store it is a cache, whose loss costs one rewrite, never a
wrong row. It lives in `<SEP_DATA_DIR>/figure_store/series_csv/<period>/<unit>.<key>`; writing
a unit's part removes its older ones (and a temporary one a killed write left).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ...warehouse import tables as warehouse
from ..figure_store import code_version
from ..revisions import PackState, pack_state
from ..series_store import series_units, unit_series

_log = logging.getLogger(__name__)
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")  # a unit code usable as a file name
_DIGEST = hashlib.sha256().digest_size


def series_parts(conn: sa.Connection, periods: Sequence[str],
                 render: Callable[[pd.DataFrame], bytes], folder: Path | None
                 ) -> Iterator[bytes]:
    """The lines of series.csv, a unit of a period at a time (`series_store.series_units`'
    order within each of `periods`): `render(unit_series(...))` of each unit, or the bytes it
    gave last time when `folder` keeps them under the same key. `folder` None: keep nothing."""
    for period in periods:
        state = pack_state(conn, period)
        stamps = warehouse.series_stamps_of(conn, period) if folder is not None else {}
        marks = _marks_by_unit(state)
        for unit in series_units(conn, period):
            stamp = stamps.get(unit)
            if folder is None or stamp is None or not _SAFE.match(unit):
                yield render(unit_series(conn, period, unit, state))
                continue
            key = _key(period, unit, stamp, marks(unit))
            path = folder / period.replace(" ", "_") / f"{unit}.{key}"
            kept = _read(path)
            if kept is None:
                kept = render(unit_series(conn, period, unit, state))
                _keep(path, kept)
            yield kept


def _marks_by_unit(state: PackState) -> Callable[[str], object]:
    """What a unit's revision markers depend on, as something JSON can write."""
    if state.revisions is None:
        return lambda unit: "year"
    if state.provisional:
        return lambda unit: "[p]"
    by_unit: dict[str, list[list[str]]] = {}
    for key in state.revised:
        by_unit.setdefault(str(key[1]), []).append([str(k) for k in key])
    return lambda unit: ["final", sorted(by_unit.get(unit, []))]


def _key(period: str, unit: str, stamp: str, marks: object) -> str:
    text = json.dumps([code_version(), period, unit, stamp, marks], separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _read(path: Path) -> bytes | None:
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    body = raw[_DIGEST:]
    if hashlib.sha256(body).digest() != raw[:_DIGEST]:
        _log.warning("series.csv part %s is damaged; written again", path)
        return None
    return body


def _keep(path: Path, body: bytes) -> None:
    """Write the part with its checksum (a reader finds the whole file or none: written beside
    and renamed; not flushed to disk, as a torn file fails its checksum) and remove the unit's
    older parts, and any of its files a killed write left beside them. A part that cannot be
    kept (a full disk) costs the next pack a rewrite."""
    tmp = path.with_name(f".{path.name}.tmp")
    unit = path.name.split(".")[0]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in [*path.parent.glob(f"{unit}.*"), *path.parent.glob(f".{unit}.*.tmp")]:
            if old != path:
                old.unlink(missing_ok=True)
        tmp.write_bytes(hashlib.sha256(body).digest() + body)
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        _log.warning("series.csv part %s not kept (%s); the next pack writes it again", path, exc)
