"""The pack's tables as tidy CSV, described by a Frictionless Data Package (`datapackage.json`).

One file per table id in long format (period, body_code, table_id, measure, breakdown,
category, value, marker), `pay_gap.csv` and `benchmark_position.csv` in their warehouse contract
columns, and `partner_text.csv` (the period's actions and "you said, we did" texts, as in the
workbook). UTF-8 with a byte-order mark, so Excel opens Welsh characters correctly; a value is
written to its measure's published decimal places; an empty cell is missing (`missingValues:
[""]`). Every text cell starting with = + - @ tab or CR is prefixed with ' (OWASP CSV
injection), so a spreadsheet never runs it as a formula; codes never start so, partner text may.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ...methodology.pay_gaps import COMPARISONS, HEADLINE_GROUPS
from ...methodology.rounding import MARKERS
from ...methodology.spread import POSITIONS
from ...methodology.tables import TABLE_IDS
from ..revisions import PROVISIONAL, REVISED, revision_markers
from .workbook import PackData, places

TIDY_COLUMNS = ["period", "body_code", "table_id", "measure", "breakdown", "category", "value",
                "marker"]
PAY_GAP_COLUMNS = ["period", "body_code", "characteristic", "reference_group",
                   "comparison_group", "metric", "value", "marker"]
POSITION_COLUMNS = ["period", "body_code", "table_id", "measure", "breakdown", "category",
                    "position"]
PARTNER_COLUMNS = ["period", "body_code", "source", "ref", "partnership_objective", "title",
                   "status", "rag", "text"]
ENCODING = "utf-8-sig"  # UTF-8 with a BOM
_INJECTION = ("=", "+", "-", "@", "\t", "\r")


def escape_text(s: pd.Series) -> pd.Series:
    """Text that a spreadsheet would read as a formula, prefixed with ' (OWASP)."""
    text = s.astype(object)
    # A column of codes holds a few values many times over: look at each distinct one once.
    risky = [v for v in pd.unique(text) if isinstance(v, str) and v.startswith(_INJECTION)]
    if not risky:
        return text
    return text.where(~text.isin(risky), "'" + text.astype(str))


def _format_values(values: pd.Series, digits: Sequence[int]) -> pd.Series:
    """Published numbers as text to their own decimal places ('' when a marker stands)."""
    if values.dtype.kind != "f":
        return _format_each(values, digits)
    v, d = values.to_numpy(), np.asarray(digits, dtype=np.int64)
    out = np.full(len(v), "", dtype=object)
    published = ~np.isnan(v)
    # Each distinct figure formatted once: a table's figures repeat a lot.
    for place in np.unique(d[published]).tolist():
        rows = np.flatnonzero(published & (d == place))
        codes, uniques = pd.factorize(v[rows])
        out[rows] = _texts([_fixed(x, place) for x in uniques.tolist()])[codes]
    return pd.Series(out, index=values.index, dtype=object)


def _format_each(values: pd.Series, digits: Sequence[int]) -> pd.Series:
    out = [("" if missing else _fixed(float(v), d))
           for v, d, missing in zip(values.tolist(), digits, values.isna().tolist(), strict=True)]
    return pd.Series(out, index=values.index, dtype=object)


def _fixed(v: float, places: int) -> str:
    # + 0.0 turns -0.0 into 0.0; money (places -1) is to the penny
    return f"{v + 0.0:.{places if places >= 0 else 2}f}"


def _texts(values: list[str]) -> np.ndarray:
    """A 1-d object array of `values` (np.array would make a str array, or a 2-d one)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def tidy_tables(bench: pd.DataFrame, period: str) -> dict[str, pd.DataFrame]:
    """table id -> its rows in TIDY_COLUMNS (value as text to the measure's places), as object
    columns: each made from the whole frame's arrays, sliced, rather than frame operations on
    every table."""
    out = {}
    groups = bench.groupby("table_id", sort=False).indices
    columns = {c: bench[c].to_numpy(dtype=object) for c in TIDY_COLUMNS
               if c not in ("period", "value", "marker")}
    columns["marker"] = bench["marker"].astype(object).fillna("").to_numpy(dtype=object)
    for table_id in TABLE_IDS:
        if table_id not in groups:
            continue
        rows = groups[table_id]
        measures = columns["measure"][rows].tolist()
        digits = list(map({m: places(table_id, m) for m in set(measures)}.__getitem__, measures))
        value = _format_values(bench["value"].iloc[rows], digits)
        out[table_id] = pd.DataFrame(
            {c: (period if c == "period" else value.to_numpy() if c == "value"
                 else columns[c][rows]) for c in TIDY_COLUMNS},
            index=value.index, dtype=object)
    return out


def pay_gap_table(pay_gap: pd.DataFrame, period: str) -> pd.DataFrame:
    return pay_gap.assign(period=period, value=_format_values(pay_gap["value"],
                                                              [1] * len(pay_gap)),
                          marker=pay_gap["marker"].astype(object).fillna(""))[PAY_GAP_COLUMNS]


def partner_text_table(actions: pd.DataFrame, engagement: pd.DataFrame) -> pd.DataFrame:
    """The period's actions and "you said, we did" texts with their body (codes, not labels)."""
    e = engagement[engagement["you_said_we_did"].fillna("").str.strip() != ""]
    parts = [
        pd.DataFrame({"period": actions["period"], "body_code": actions["body_code"],
                      "source": "action", "ref": actions["action_ref"],
                      "partnership_objective": actions["partnership_objective"],
                      "title": actions["action"], "status": actions["status"],
                      "rag": actions["rag"], "text": actions["progress_note"]}),
        pd.DataFrame({"period": e["period"], "body_code": e["body_code"], "source": "engagement",
                      "ref": e["activity_ref"],
                      "partnership_objective": e["partnership_objective"],
                      "title": e["activity_name"], "status": None, "rag": None,
                      "text": e["you_said_we_did"]}),
    ]
    out = pd.concat([p.astype(object) for p in parts], ignore_index=True)[PARTNER_COLUMNS]
    return out.sort_values(["source", "body_code"], kind="stable").reset_index(drop=True)


_NEEDS_QUOTES = re.compile(r'[,"\r\n]')  # what csv.QUOTE_MINIMAL quotes, with "\r\n" lines


def _quoted(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if _NEEDS_QUOTES.search(v) else v


def write_csv(df: pd.DataFrame, path: Path, escape: Sequence[str] = ()) -> None:
    """`df.to_csv(path, index=False, encoding=ENCODING, lineterminator="\\r\\n")`, byte for
    byte, with the columns `escape` first through `escape_text`. A frame of text (every cell a
    str or missing, as the pack's tables are) is joined into lines directly, quoting as the csv
    module does, and encoded in one go: to_csv's conversions and row-at-a-time writing took
    most of the pack's CSV time."""
    if not all(pd.api.types.infer_dtype(df[c], skipna=True) in ("string", "empty")
               for c in df.columns):
        escaped = df.apply(lambda s: escape_text(s) if s.name in escape else s)
        escaped.to_csv(path, index=False, encoding=ENCODING, lineterminator="\r\n")
        return
    columns = list(df.columns)
    write_csv_chunks([csv_lines(df, columns, escape)], columns, path)


def write_csv_chunks(chunks: Iterable[bytes], columns: Sequence[str], path: Path) -> None:
    """The header of `columns`, then `chunks` (each `csv_lines`), as one CSV file at `path`."""
    header = ",".join(_quoted(str(c)) for c in columns)
    with open(path, "wb") as f:
        f.write((header + "\r\n").encode(ENCODING))  # the BOM, once
        for chunk in chunks:
            f.write(chunk)


def csv_lines(df: pd.DataFrame, columns: Sequence[str], escape: Sequence[str] = ()) -> bytes:
    """A frame of text's lines as `write_csv` writes them (b"" for no rows)."""
    if not len(df):
        return b""
    cells = [_csv_cells(df[c], c in escape) for c in columns]
    return ("\r\n".join(map(",".join, zip(*cells, strict=True))) + "\r\n").encode("utf-8")


def _csv_cells(s: pd.Series, escape: bool) -> list[object]:
    """A text column's cells as written (missing: ""), escaped if `escape`, quoted as needed.
    Each distinct value is looked at once: the code columns hold a few values many times."""
    cells = s.tolist()
    changed: dict[object, str] = {}
    for v in set(cells):  # a NaN is found again by identity: each is its own key
        if not isinstance(v, str):
            changed[v] = ""
            continue
        text = _quoted("'" + v if escape and v.startswith(_INJECTION) else v)
        if text != v:
            changed[v] = text
    return list(map(changed.get, cells, cells)) if changed else cells


# --- Table Schema ----------------------------------------------------------------------------


def _string(name: str, description: str, required: bool = True, **constraints: object
            ) -> dict[str, object]:
    field: dict[str, object] = {"name": name, "type": "string", "description": description}
    if required or constraints:
        field["constraints"] = {**({"required": True} if required else {}), **constraints}
    return field


_PERIOD = _string("period", "A quarter such as '2025-26 Q4', or a year such as '2025-26'.",
                  pattern=r"\d{4}-\d{2}( Q[1-4])?")
_BODY = _string("body_code", "A body's code; ALL = the partnership (pooled records); MEDIAN, "
                "LQ, UQ = the median and quartiles across bodies.")
_VALUE = {"name": "value", "type": "number",
          "description": "The published figure (rounded, after disclosure control); empty when "
                         "a marker stands instead."}
_MARKER = _string("marker", "[c] confidential; [low] too few people for a reliable figure; [x] "
                  "not available (not submitted); [z] not applicable. Empty when a value is "
                  "published.", required=False, enum=list(MARKERS))

# Beside the value and its marker, never in place of either (METHODOLOGY.md, "Markers").
_REVISION_MARKER = _string(
    "revision_marker", "[p] provisional: the quarter is not finalised, so the figure may still "
    "change; [r] revised: the figure changed after the quarter was finalised (old and new "
    "values in the workbook's Revisions sheet and the warehouse's revisions table). Empty "
    "when the figure is final and unrevised, and for a year's tables.", required=False,
    enum=[PROVISIONAL, REVISED])


def with_revision_marker(df: pd.DataFrame, keys: pd.DataFrame, data: PackData) -> pd.DataFrame:
    """`df` with its `revision_marker` column (`keys`: its rows' revisions.KEY columns)."""
    state = data.state
    if state.revisions is None:  # a year's tables: no status of their own
        return df.assign(revision_marker="")
    return df.assign(revision_marker=revision_markers(keys, state.provisional, state.revised))


def _tidy_schema(table_id: str, measures: Sequence[str]) -> dict[str, object]:
    return {"fields": [
        _PERIOD, _BODY, _string("table_id", "The benchmark table.", enum=[table_id]),
        _string("measure", "What is counted or computed (see the methodology).",
                enum=sorted(set(measures))),
        _string("breakdown", "The characteristic or dimension; 'all' for totals; two-way "
                "tables 'dim1/dim2'."),
        _string("category", "The standard's code; 'all' for a total; two-way 'code1/code2'."),
        _VALUE, _MARKER, _REVISION_MARKER],
        "missingValues": [""],
        "primaryKey": ["period", "body_code", "measure", "breakdown", "category"]}


def _pay_gap_schema() -> dict[str, object]:
    return {"fields": [
        _PERIOD, _BODY,
        _string("characteristic", "", enum=sorted({c.characteristic for c in COMPARISONS})),
        _string("reference_group", "Group A, named first.",
                enum=sorted({c.reference_group for c in COMPARISONS})),
        _string("comparison_group", "Group B.",
                enum=sorted({c.comparison_group for c in COMPARISONS})),
        _string("metric", "Gap = (A - B) / A x 100; qN_pct_* are pay quartiles (q1 lowest "
                f"paid), for {', '.join(HEADLINE_GROUPS)} only."),
        _VALUE, _MARKER, _REVISION_MARKER],
        "missingValues": [""],
        "primaryKey": ["period", "body_code", "characteristic", "comparison_group", "metric"]}


def _position_schema() -> dict[str, object]:
    return {"fields": [
        _PERIOD, _string("body_code", "A body's code."), _string("table_id", "", enum=list(
            TABLE_IDS)), _string("measure", ""), _string("breakdown", ""),
        _string("category", ""),
        _string("position", "Where the body's figure sits in the spread across bodies; empty "
                "when its figure is not published or the cell has no spread.", required=False,
                enum=list(POSITIONS))],
        "missingValues": [""],
        "primaryKey": ["period", "body_code", "table_id", "measure", "breakdown", "category"]}


def _partner_schema() -> dict[str, object]:
    return {"fields": [
        _PERIOD, _string("body_code", "The body that published the text."),
        _string("source", "'action' (action plan) or 'engagement' (you said, we did).",
                enum=["action", "engagement"]),
        _string("ref", "The body's own reference.", required=False),
        _string("partnership_objective", "Partnership objective 1-5.", required=False),
        _string("title", "The action, or the activity's name.", required=False),
        _string("status", "Action status code.", required=False),
        _string("rag", "Action RAG code.", required=False),
        _string("text", "Progress note, or 'you said, we did'. A text starting with = + - @ "
                "tab or CR has ' in front (CSV injection).", required=False)],
        "missingValues": [""]}


def _resource(name: str, path: str, title: str, schema: dict[str, object]) -> dict[str, object]:
    return {"name": name, "path": path, "title": title, "profile": "tabular-data-resource",
            "format": "csv", "mediatype": "text/csv", "encoding": ENCODING, "schema": schema}
