"""Pandera models per sheet, generated from the standard.

They check a sheet after its values were normalised (`validate.py`): types, required fields,
code lists, ranges and unique references. Cross-field rules live in the standard as data and are
checked in `rules.py`.
"""

from __future__ import annotations

from functools import cache

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from . import standard as std

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


@pa.extensions.register_check_method(statistics=["allowed"], check_type="element_wise")
def codes_in(value: str, *, allowed: frozenset[str]) -> bool:
    """Every code of a multi-code cell is in the list."""
    return all(c in allowed for c in value.split(CODES_SEPARATOR) if c)


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


def empty_frame(sheet: std.Sheet) -> pd.DataFrame:
    """A frame with the sheet's columns and dtypes and no rows."""
    data: dict[str, pd.Series] = {}
    for f in sheet.fields:
        data[f.name] = pd.Series([], dtype=DTYPES[f.kind])  # type: ignore[call-overload]
        if f.kind == "codes":
            data[f.name + std.NOTE_SUFFIX] = pd.Series([], dtype=STRING)
    return pd.DataFrame(data)
