"""`series.csv` of the pack: every published figure of every body and the partnership, for
every published period of the pack's kind (quarters, or years) up to its own, with its change
since the previous quarter and a year earlier and the direction of travel (`methodology.series`),
described in the pack's datapackage.json like the other tidy CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ...methodology.series import DIRECTIONS, SERIES_COLUMNS, UNITS
from ...methodology.tables import TABLE_IDS, per_measure
from .series_parts import series_parts
from .tidy_csv import (
    _BODY,
    _MARKER,
    _PERIOD,
    _VALUE,
    _format_values,
    _resource,
    _string,
    csv_lines,
    write_csv_chunks,
)
from .workbook import PackData, places

COLUMNS = [*SERIES_COLUMNS[:8], "revision_marker", *SERIES_COLUMNS[8:]]
_NUMBERS = ("value", "change_previous", "change_year")


def series_table(series: pd.DataFrame | None) -> pd.DataFrame:
    """The series rows as text: values to their measure's places, a change of likelihoods (a
    ratio) to 2, other changes to the measure's own."""
    if series is None or series.empty:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    s = series.reset_index(drop=True)
    own = per_measure(s["table_id"], s["measure"], places, dtype=np.int64)
    change = np.where(s["change_unit"].to_numpy(dtype=object) == "ratio", 2, own)
    out = {}
    for c in COLUMNS:
        col = s[c] if c in s else pd.Series([""] * len(s), dtype=object)
        if c in _NUMBERS:
            numbers = pd.to_numeric(col, errors="coerce").astype(float)
            out[c] = _format_values(numbers, own if c == "value" else change).to_numpy()
        else:
            out[c] = col.astype(object).where(col.notna(), "").to_numpy(dtype=object)
    return pd.DataFrame(out, dtype=object)


def series_schema() -> dict[str, object]:
    def number(name: str, description: str) -> dict[str, object]:
        return {"name": name, "type": "number", "description": description}

    marker = {**_MARKER, "name": "change_{}_marker"}
    direction = _string("direction_{}", "better, worse, no_change (equally good at the "
                        "published precision) from the measure's polarity; not_applicable "
                        "for a measure with none (counts); empty when the change is not "
                        "published.", required=False, enum=list(DIRECTIONS))
    fields = [
        _PERIOD, _BODY,
        _string("table_id", "The benchmark table.", enum=list(TABLE_IDS)),
        _string("measure", "What is counted or computed (see the methodology)."),
        _string("breakdown", "The characteristic or dimension; 'all' for totals."),
        _string("category", "The standard's code; 'all' for a total."),
        _VALUE, _MARKER,
        _string("revision_marker", "[p] provisional (the quarter is not finalised); [r] "
                "revised after it was (see the Revisions sheet); empty when final, and for a "
                "year's figures. Stands beside the value, never instead of it.",
                required=False, enum=["[p]", "[r]"]),
        _string("change_unit", "pp: percentage points (percentages and gaps); ratio: this "
                "figure / the earlier one (relative likelihoods); difference: in the measure's "
                "own units (counts, FTE, money, days).", enum=list(UNITS)),
        {**_PERIOD, "name": "previous_period", "description": "The quarter before; empty "
         "for a year.", "constraints": {"pattern": _PERIOD["constraints"]["pattern"]}},
        number("change_previous", "The change since the previous quarter, from the two "
               "published figures; empty when either is suppressed or missing."),
        {**marker, "name": "change_previous_marker"},
        {**direction, "name": "direction_previous"},
        {**_PERIOD, "name": "year_earlier_period",
         "description": "The same quarter a year earlier, or the year before."},
        number("change_year", "The change since a year earlier, as change_previous."),
        {**marker, "name": "change_year_marker"},
        {**direction, "name": "direction_year"},
    ]
    assert [f["name"] for f in fields] == COLUMNS
    return {"fields": fields, "missingValues": [""],
            "primaryKey": ["period", "body_code", "table_id", "measure", "breakdown",
                           "category"]}


def write_series_csv(data: PackData, out_dir: Path, conn: sa.Connection | None = None,
                     kept: Path | None = None) -> tuple[Path, dict[str, object]]:
    """series.csv in `out_dir`, and its datapackage resource: every series row of
    `data.series_periods`, read from `conn` a body (then ALL) of a period at a time and written
    as it is read (a unit's rows are the same text alone as among the others'); `data.series`
    when it has no periods. `kept`: a folder keeping each unit's written part by its key
    (`series_parts`): a part kept there is not read or written again."""
    path = Path(out_dir) / "series.csv"
    if data.series_periods and conn is None:
        raise ValueError("series.csv is read from the warehouse: pass its connection")
    escape = [c for c in COLUMNS if c not in _NUMBERS]

    def render(rows: pd.DataFrame) -> bytes:
        return csv_lines(series_table(rows), COLUMNS, escape)

    chunks = series_parts(conn, data.series_periods, render, kept) if data.series_periods \
        else [render(data.series)]
    write_csv_chunks(chunks, COLUMNS, path)
    return path, _resource("series", path.name, "Change over time: every published figure with "
                           "its change since the previous quarter and a year earlier, and its "
                           "direction of travel", series_schema())
