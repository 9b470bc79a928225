"""Pandera models per sheet, generated from the standard.

They check a sheet after its values were normalised (`intake/validate.py`): types, required fields,
code lists, ranges and unique references. Cross-field rules live in the standard as data and are
checked in `rules.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from . import sep_return as std

STRING = pd.StringDtype("python")

# The pandas dtype each kind of field is stored as after normalisation.
DTYPES: dict[str, object] = {
    "text": STRING,
    "ref": STRING,
    "code": STRING,
    "codes": STRING,  # codes joined by ";", in code-list order
    "age_band": STRING,
    "bool": pd.BooleanDtype(),
    "date": "datetime64[ns]",
    "number": pd.Float64Dtype(),
    "money": pd.Float64Dtype(),
    "integer": pd.Int64Dtype(),
}
_ANNOTATIONS: dict[str, object] = {
    "text": Series[STRING],
    "ref": Series[STRING],
    "code": Series[STRING],
    "codes": Series[STRING],
    "age_band": Series[STRING],
    "bool": Series[pd.BooleanDtype],
    "date": Series[pa.DateTime],
    "number": Series[pd.Float64Dtype],
    "money": Series[pd.Float64Dtype],
    "integer": Series[pd.Int64Dtype],
}
CODES_SEPARATOR = ";"


def columns(sheet: std.Sheet) -> list[str]:
    """The normalised frame's columns: each field, plus a note beside each multi-code field."""
    cols: list[str] = []
    for f in sheet.fields:
        cols.append(f.name)
        if f.kind == "codes":
            cols.append(f.name + std.NOTE_SUFFIX)
    return cols


def _range_kwargs(f: std.Field) -> dict[str, float]:
    kw: dict[str, float] = {}
    if f.min is not None:
        kw["gt" if f.min_exclusive else "ge"] = f.min
    if f.max is not None:
        kw["lt" if f.max_exclusive else "le"] = f.max
    return kw


def _field(f: std.Field) -> pa.Field:
    kw: dict[str, object] = {"nullable": not f.required, "unique": f.unique}
    if f.kind in ("code", "age_band") and f.codes is not None:
        kw["isin"] = list(f.codes.values)
    kw.update(_range_kwargs(f))
    if f.kind == "codes" and f.codes is not None:
        allowed = frozenset(f.codes.values)
        kw["codes_in"] = allowed
    return pa.Field(**kw)  # type: ignore[arg-type]


@pa.extensions.register_check_method(statistics=["allowed"], check_type="vectorized")
def codes_in(series: pd.Series, *, allowed: frozenset[str]) -> pd.Series:
    """Every code of a multi-code cell is in the list (Pandera has dropped the blanks)."""
    parts = series.astype(object).str.split(CODES_SEPARATOR).reset_index(drop=True).explode()
    ok = parts.isin(allowed) | parts.eq("")
    return pd.Series(ok.groupby(level=0).all().to_numpy(dtype=bool), index=series.index)


@cache
def model(sheet_name: str) -> type[pa.DataFrameModel]:
    """The Pandera model of one data sheet."""
    sheet = std.sheet(sheet_name)
    annotations: dict[str, object] = {}
    namespace: dict[str, object] = {"__annotations__": annotations, "__doc__": sheet.row_en}
    for f in sheet.fields:
        annotations[f.name] = _ANNOTATIONS[f.kind]
        namespace[f.name] = _field(f)
        if f.kind == "codes":
            note = f.name + std.NOTE_SUFFIX
            annotations[note] = Series[STRING]
            namespace[note] = pa.Field(nullable=True)

    class Config:
        strict = True
        coerce = False
        name = sheet.name

    namespace["Config"] = Config
    return type(f"{sheet.name}Model", (pa.DataFrameModel,), namespace)


# --- Which columns need Pandera --------------------------------------------------------------
# Pandera costs milliseconds per column whatever the data, which over a return's sheets is most
# of validation. The same tests done here directly are a filter: only the columns where one of
# the model's checks might fail are handed to the model, which then reports exactly what it
# would have reported on the whole frame (its checks are all per column). A check this filter
# does not know marks its column as suspect, so a new check can never be skipped silently.


def _passes(check: pa.Check, present: Any) -> bool:
    """Whether Pandera's `check` passes on a column holding the values `present` (an array,
    blanks dropped), when that is known for certain: Pandera's own tests, on those values."""
    if not check.ignore_na or check.groupby is not None:
        return False
    stats = check.statistics
    match check.name:
        case "isin" if len(present) <= 64:  # a few strings: a set beats pandas' machinery
            allowed = set(stats["allowed_values"])
            return all(isinstance(v, str) and v in allowed for v in present)
        case "isin":
            ok = present.isin(stats["allowed_values"])
        case "greater_than":
            ok = present > stats["min_value"]
        case "greater_than_or_equal_to":
            ok = present >= stats["min_value"]
        case "less_than":
            ok = present < stats["max_value"]
        case "less_than_or_equal_to":
            ok = present <= stats["max_value"]
        case "codes_in":
            return all(c in stats["allowed"] for v in present
                       for c in str(v).split(CODES_SEPARATOR) if c)
        case _:
            return False
    return bool(ok.all()) and not pd.isna(ok).any()


@cache
def _expected(sheet_name: str) -> tuple[tuple[str, object, pa.Column], ...]:
    sheet = std.sheet(sheet_name)
    dtypes = {f.name: DTYPES[f.kind] for f in sheet.fields}
    components = model(sheet_name).to_schema().columns
    return tuple((name, dtypes.get(name, STRING), components[name]) for name in columns(sheet))


def suspect_columns(
    sheet: std.Sheet,
    frame: pd.DataFrame | Mapping[str, Any],
    distinct: Mapping[str, Any] | None = None,
) -> list[str] | None:
    """The columns of a normalised frame on which the sheet's model might report a failure, in
    the model's order; None when the frame is not shaped as the model expects (check it all).

    `frame` is the frame, or its columns as arrays (cheaper than pandas' Series of each). The
    checks are per value, so they are done on each column's distinct values: `distinct` may
    give them (per column, an array of exactly the values it holds, each once), or they are found.
    """
    expected = _expected(sheet.name)
    if list(frame) != [name for name, _, _ in expected]:
        return None
    arrays = frame
    if isinstance(frame, pd.DataFrame):
        arrays = {name: frame[name].array for name in frame}
    suspects = []
    for name, dtype, column in expected:
        values = arrays[name]
        if values.dtype != dtype:
            suspects.append(name)
            continue
        if column.nullable and not column.unique and not column.checks:
            continue  # nothing but the type to check
        held = (distinct or {}).get(name)
        if held is None or held.dtype != dtype:
            held = values.unique()
        blank = held.isna()
        present = held[~blank]
        if (
            (not column.nullable and blank.any())
            or (column.unique and len(values.unique()) != len(values))  # Series.is_unique
            or (present.dtype.kind == "f" and bool((present != present).any()))  # NaN, not NA
            or not all(_passes(c, present) for c in column.checks)
        ):
            suspects.append(name)
    return suspects


@cache
def partial_schema(sheet_name: str, names: tuple[str, ...]) -> pa.DataFrameSchema:
    """The sheet's model restricted to some of its columns (`suspect_columns`)."""
    return model(sheet_name).to_schema().select_columns(list(names))


def empty_frame(sheet: std.Sheet) -> pd.DataFrame:
    """A frame with the sheet's columns and dtypes and no rows."""
    data: dict[str, pd.Series] = {}
    for f in sheet.fields:
        data[f.name] = pd.Series([], dtype=DTYPES[f.kind])  # type: ignore[call-overload]
        if f.kind == "codes":
            data[f.name + std.NOTE_SUFFIX] = pd.Series([], dtype=STRING)
    return pd.DataFrame(data)
