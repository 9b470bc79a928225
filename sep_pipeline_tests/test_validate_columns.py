"""Column-at-a-time normalisation gives exactly what reading each cell on its own gives.

`validate._normalise` reads each distinct raw value of a column once and builds typed columns
directly. The reference below is the cell-at-a-time loop it replaced: every cell through
`validate._parse_cell`, a frame of plain lists, then each column converted to its dtype. Over
messy generated sheets (codes in English, Welsh, synonyms, odd case and spacing; amounts as
text with £ and commas; dates as text and serials; Yes/No as Y, Ie, 1, True; blanks; 1 vs 1.0
vs True; formulas without a cached value) both must give the same frame, issues and flags. And
the filter that spares Pandera the columns with nothing to report must never spare one with.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sep_pipeline.intake import validate
from sep_pipeline.intake.safe_read import RawSheet
from sep_pipeline.intake.validate import SheetLayout, _Issues, _meant, _normalise, _parse_cell
from sep_pipeline.standard import matching, schemas
from sep_pipeline.standard import sep_return as std
from sep_pipeline.standard.issues import cell_address

# --- The reference: one cell at a time ---------------------------------------------------------


def normalise_by_cell(
    sheet: std.Sheet, raw: RawSheet, layout: SheetLayout, out: _Issues
) -> pd.DataFrame:
    body = [
        (i + 1, row) for i, row in enumerate(raw.rows[layout.header_row:], start=layout.header_row)
        if any(not matching.is_blank(v) for v in row)
    ]
    index = [r for r, _ in body]
    data: dict[str, list[object]] = {}
    for f in sheet.fields:
        col, header = layout.columns.get(f.name, (None, f.en))
        values: list[object] = []
        notes: list[object] = []
        # the same wrong value (as shown) down the column: one issue at its first cell
        wrong: dict[tuple[str, str], list[int]] = {}
        for excel_row, row in body:
            raw_value = row[col] if col is not None and col < len(row) else None
            if col is None or (excel_row - 1, col) in raw.formulas_without_value:
                continue
            try:
                _parse_cell(f, raw_value)
            except matching.ValueError_ as e:
                wrong.setdefault((e.code, matching.as_text(raw_value)), []).append(excel_row)
        for excel_row, row in body:
            raw_value = row[col] if col is not None and col < len(row) else None
            where = {"sheet": raw.name, "row": excel_row, "column": header,
                     "cell": cell_address(excel_row, col) if col is not None else None}
            value, note = None, None
            if col is not None and (excel_row - 1, col) in raw.formulas_without_value:
                out.add("error", "value.formula_no_value", **where)
                out.flagged.add((raw.name, excel_row, f.name))
            else:
                try:
                    value, note = _parse_cell(f, raw_value)
                except matching.ValueError_ as e:
                    rows = wrong.get((e.code, matching.as_text(raw_value)), [excel_row])
                    if rows[0] == excel_row:
                        hint_en, hint_cy = _meant(f, raw_value) if e.code == "value.code" else (
                            "", "")
                        out.add("error", e.code, **where, value=raw_value,
                                cells=[cell_address(r, col) for r in rows] if col is not None
                                else (), expected_en=e.expected_en,
                                expected_cy=e.expected_cy, hint_en=hint_en, hint_cy=hint_cy)
                    out.flagged.add((raw.name, excel_row, f.name))
                else:
                    if note:
                        out.add("warning", "value.codes_note", **where, value=note)
            values.append(value)
            notes.append(note)
        data[f.name] = values
        if f.kind == "codes":
            data[f.name + std.NOTE_SUFFIX] = notes
    df = pd.DataFrame(data, index=pd.Index(index, dtype="int64", name="excel_row"))
    for f in sheet.fields:
        if f.kind == "date":
            df[f.name] = pd.to_datetime(df[f.name], errors="coerce").astype("datetime64[ns]")
        else:
            df[f.name] = df[f.name].astype(schemas.DTYPES[f.kind])  # type: ignore[call-overload]
        if f.kind == "codes":
            df[f.name + std.NOTE_SUFFIX] = df[f.name + std.NOTE_SUFFIX].astype(schemas.STRING)
    return df[schemas.columns(sheet)]


# --- Messy cells -------------------------------------------------------------------------------

CODE_LISTS = sorted(
    {f.codes.name: f.codes for s in std.SHEETS for f in s.fields if f.codes}.values(),
    key=lambda c: c.name,
)


@st.composite
def spelled(draw: st.DrawFn) -> str:
    """A code of some list written any accepted way, or nearly."""
    codes = draw(st.sampled_from(CODE_LISTS))
    code = draw(st.sampled_from(codes.codes))
    label = draw(st.sampled_from((code.code, code.en, code.cy, *code.synonyms)))
    label = draw(st.sampled_from((label, label.upper(), label.lower(), label.title())))
    label = label.replace(" ", draw(st.sampled_from((" ", "_", "  ", " - "))))
    pad = draw(st.sampled_from(("", " ", "\t", "\u00a0")))
    return pad + label + pad + draw(st.sampled_from(("", "", "", "x", ".", "; Race focus")))


amounts = st.floats(-1e7, 1e7, allow_nan=False)
dates = st.dates(date(1890, 1, 1), date(2200, 12, 31))
MESSY: st.SearchStrategy[object] = st.one_of(
    st.sampled_from([None, "", "  ", "\t", float("nan"), float("inf")]),  # blanks, and worse
    st.sampled_from([1, 1.0, True, 0, 0.0, -0.0, False, "1", "0", 2, 2.0, 2.5]),  # 1 == 1.0 == True
    st.sampled_from(["Y", "N", "y", "n", "Yes", "NO", " ie ", "Na", "TRUE", "false", "maybe"]),
    spelled(),
    st.sampled_from(["30-39", "30 - 39", "65+", "16-19", "teen", "Sex, Disability and Race.",
                     "LGBTQ+", "race & sex", "Intersectionality; Race focus 24/25", "E001",
                     " E001 ", "e001", "x\u00a0y", "ŵ", "Benyw", "GWRYW"]),
    st.integers(-5, 200),  # ages, counts, and the odd negative
    st.integers(-(2**60), 2**60),  # too big for float64 to hold exactly
    amounts,
    amounts.map(lambda x: f"£{x:,.2f}"),
    amounts.map(lambda x: f"{x:,}"),
    st.sampled_from(["1,2", "12 34", "£ 12.5", "-.5", ".5", "1,234", "12\u00a0000", "lots"]),
    dates,
    dates.map(lambda d: datetime(d.year, d.month, d.day)),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
    dates.map(lambda d: d.strftime("%d/%m/%Y")),
    dates.map(lambda d: d.isoformat()),
    dates.map(lambda d: f"{d.day}/{d.month}/{d.year % 100:02d}"),
    st.sampled_from(["31/02/2025", "04/13/2019", "2025-07-01 00:00", "yesterday", time(12, 0)]),
    st.integers(1, 80_000),  # Excel date serials
    st.integers(1, 80_000).map(float),
    # Beyond what a reader gives, where equal is not the same: the same instant on two wall
    # clocks, 1.0 and 1 as decimals, a NumPy zero of each sign; and dates pandas cannot hold.
    st.sampled_from([datetime(2025, 6, 30, 23, 30, tzinfo=UTC),
                     datetime(2025, 7, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),
                     Decimal("1.0"), Decimal("1"), np.float64(-0.0), np.float64(0.0),
                     "01/01/2300", "1600-01-01", 150_000]),
    # beyond Int64, float64's integers and datetime64[ns]: cell issues, never exceptions
    st.sampled_from([2**63, -(2**63) - 1, 2**70, 1e300, -1e300, "99999999999999999999", "1e400",
                     datetime(9999, 12, 31), date(1, 1, 1), 9.3e18]),
)


@st.composite
def messy_sheet(
    draw: st.DrawFn, values: st.SearchStrategy[object] = MESSY, max_rows: int = 25,
    every_field: bool = False,
) -> tuple[str, RawSheet, SheetLayout]:
    """A data sheet with some of its columns (or all), in any order, and rows of messy cells;
    each column draws from a small pool, so values repeat (as in real returns) with their
    types."""
    sheet = std.sheet(draw(st.sampled_from([s.name for s in std.DATA_SHEETS])))
    if every_field:
        present = draw(st.permutations(sheet.fields))
    else:
        present = draw(st.lists(st.sampled_from(sheet.fields), min_size=1, unique=True))
    header_row = draw(st.integers(1, 3))
    pools = {f.name: draw(st.lists(values, min_size=1, max_size=6)) for f in present}
    width = len(present) + draw(st.integers(0, 2))  # and a column nobody reads
    rows: list[list[object]] = [[None] * width for _ in range(header_row)]
    columns = {f.name: (i, f.en) for i, f in enumerate(present)}
    rows[header_row - 1][: len(present)] = [f.en for f in present]
    for _ in range(draw(st.integers(0, max_rows))):
        if draw(st.integers(0, 9)) == 0:
            rows.append([None] * width)  # a blank row between data rows
            continue
        row: list[object] = [draw(st.sampled_from(pools[f.name])) for f in present]
        row += [draw(MESSY) for _ in range(width - len(present))]
        rows.append(row[: draw(st.integers(1, width))] if draw(st.booleans()) else row)  # ragged
    formulas = draw(st.sets(st.tuples(st.integers(0, len(rows)), st.integers(0, width)),
                            max_size=3))
    return sheet.name, RawSheet("Data", rows, formulas), SheetLayout("Data", header_row, columns)


# --- Properties --------------------------------------------------------------------------------

SETTINGS = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _issues(out: _Issues) -> list[tuple[Any, ...]]:
    return [astuple(i) for i in out.items]


# Columns of one type only, which `_parse_column` reads by NumPy rather than value by value:
# floats (told apart by their bits: 0.0 and -0.0, NaN, infinities, beyond float64's exact
# integers) and dates (within the dates a return may hold, and beyond them).
FLOATS: st.SearchStrategy[object] = st.one_of(
    st.none(),
    st.sampled_from([0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1.0, 2.5, 1e300,
                     2.0**60, -(2.0**63), 30.0, 65.0]),
    amounts,
    st.integers(1, 80_000).map(float),
    st.floats(allow_nan=True, allow_infinity=True),
)
DATES: st.SearchStrategy[object] = st.one_of(
    st.none(), dates, st.sampled_from([date(1899, 12, 31), date(1900, 1, 1), date(2199, 12, 31),
                                       date(2200, 1, 1), date(1, 1, 1), date(9999, 12, 31)]))


def _same_as_cell_at_a_time(case: tuple[str, RawSheet, SheetLayout]) -> None:
    name, raw, layout = case
    sheet = std.sheet(name)
    by_cell, by_column = _Issues(), _Issues()
    # no value escapes as an exception (a number beyond Int64 or a date beyond datetime64[ns]
    # is a cell issue): any exception fails the test
    expected = normalise_by_cell(sheet, raw, layout, by_cell)
    got, _, _ = _normalise(sheet, raw, layout, by_column)
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    assert _issues(by_column) == _issues(by_cell)
    assert by_column.flagged == by_cell.flagged


@SETTINGS
@given(messy_sheet())
def test_column_at_a_time_is_cell_at_a_time(case: tuple[str, RawSheet, SheetLayout]):
    _same_as_cell_at_a_time(case)


@SETTINGS
@given(st.one_of(messy_sheet(FLOATS, every_field=True), messy_sheet(DATES, every_field=True)))
def test_columns_of_floats_or_dates_read_at_once_are_read_as_each_cell(
    case: tuple[str, RawSheet, SheetLayout],
):
    """Every field of a sheet (every kind, blanks meaning 0 or not known) in each example."""
    _same_as_cell_at_a_time(case)


@SETTINGS
@given(st.one_of(messy_sheet(), messy_sheet(FLOATS, every_field=True),
                 messy_sheet(DATES, every_field=True)))
def test_empty_cells_as_calamine_reads_them_are_blanks(case: tuple[str, RawSheet, SheetLayout]):
    """A sheet as read holds "" for each empty cell (`RawSheet.cells`): the same frame, issues
    and distinct values as with None there, columns of floats and dates kept on their fast
    paths."""
    name, raw, layout = case
    sheet = std.sheet(name)
    as_read = RawSheet(raw.name, [["" if v is None else v for v in row] for row in raw.cells],
                       raw.formulas_without_value)
    by_none, by_empty = _Issues(), _Issues()
    expected = _normalise(sheet, raw, layout, by_none)
    got = _normalise(sheet, as_read, layout, by_empty)
    pd.testing.assert_frame_equal(got[0], expected[0], check_exact=True)
    assert _issues(by_empty) == _issues(by_none) and by_empty.flagged == by_none.flagged
    for column, held in expected[2].items():
        if held is None:
            assert got[2][column] is None
        else:
            pd.testing.assert_extension_array_equal(got[2][column], held)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.integers(1, 5), messy_sheet(max_rows=40))
def test_rows_turned_into_columns_a_few_at_a_time(
    chunk: int, case: tuple[str, RawSheet, SheetLayout]
):
    """`_normalise` turns rows into columns a few hundred at a time: the same in chunks of any
    size, the edges of the chunks falling anywhere (shown with chunks of a few rows)."""
    before = validate._CHUNK
    validate._CHUNK = chunk
    try:
        _same_as_cell_at_a_time(case)
    finally:
        validate._CHUNK = before


def test_a_large_sheet_is_read_as_each_cell():
    """More rows than a chunk, with blank, empty and ragged rows and every kind of field."""
    sheet = std.WORKFORCE
    fields = sheet.fields
    layout = SheetLayout("W", 1, {f.name: (i, f.en) for i, f in enumerate(fields)})
    pools: list[list[object]] = [
        ["E1", "E2", " x ", None, 1001.0],
        ["Yes", "No", "Y", None, "maybe", True],
        [date(2020, 1, 2), date(1890, 1, 1), None, "31/12/2024"],
        [None, 3.5, -0.0, 0.0, float("inf"), 12.0],
    ]
    rows: list[list[object]] = [[f.en for f in fields]]
    for r in range(1, 1500):
        if r % 97 == 0:
            rows.append([])
        elif r % 89 == 0:
            rows.append([None, "  ", "\t"])
        else:
            row = [pools[(c + r) % 4][(r * 7 + c) % len(pools[(c + r) % 4])]
                   for c in range(len(fields))]
            rows.append(row[: len(fields) - r % 3])
    _same_as_cell_at_a_time(("Workforce", RawSheet("W", rows, {(5, 2), (700, 3)}), layout))


@SETTINGS
@given(messy_sheet())
def test_pandera_is_only_spared_columns_it_would_pass(
    case: tuple[str, RawSheet, SheetLayout],
):
    name, raw, layout = case
    sheet = std.sheet(name)
    df, columns, distinct = _normalise(sheet, raw, layout, _Issues())
    suspects = schemas.suspect_columns(sheet, columns, distinct)
    assert suspects is not None
    assert schemas.suspect_columns(sheet, df) == suspects  # found from the frame alone, the same
    try:
        schemas.model(sheet.name).validate(df, lazy=True)
        failing: set[str] = set()
    except pa.errors.SchemaErrors as e:
        failing = set(e.failure_cases["column"])
        # ... and the columns it reports are reported the same on their own.
        partial = schemas.partial_schema(sheet.name, tuple(suspects))
        try:
            partial.validate(df[suspects], lazy=True)
            raise AssertionError("the suspects alone passed")
        except pa.errors.SchemaErrors as p:
            cols = ["column", "check", "index", "failure_case"]
            full = e.failure_cases[cols].astype(str).sort_values(cols).reset_index(drop=True)
            part = p.failure_cases[cols].astype(str).sort_values(cols).reset_index(drop=True)
            pd.testing.assert_frame_equal(part, full)
    event(f"Pandera reports {'some' if failing else 'no'} columns")
    assert failing <= set(suspects)


def test_equal_values_that_read_differently_are_not_merged():
    """1, 1.0 and True hash equal, as do 0.0 and -0.0, Decimal 1 and 1.0, and one instant on two
    wall clocks; each cell still reads as itself."""
    pay, flag = std.WORKFORCE.field("hourly_pay"), std.WORKFORCE.field("in_post_at_snapshot")
    grade, start = std.WORKFORCE.field("grade"), std.WORKFORCE.field("start_date")
    utc = datetime(2025, 6, 30, 23, 30, tzinfo=UTC)
    bst = utc.astimezone(timezone(timedelta(hours=1)))  # the same instant, on 1 July
    rows: list[list[object]] = [
        [pay.en, flag.en, grade.en, start.en],
        [1, 1, Decimal("1"), utc],
        [1.0, 1.0, Decimal("1.0"), bst],
        [True, True, 1, None],
        [-0.0, 0, 1.0, None],
        [0.0, "0", True, None],
    ]
    fields = (pay, flag, grade, start)
    layout = SheetLayout("W", 1, {f.name: (i, f.en) for i, f in enumerate(fields)})
    out = _Issues()
    df, _, _ = _normalise(std.WORKFORCE, RawSheet("W", rows, set()), layout, out)
    got = df[pay.name].tolist()
    assert got[:2] == [1.0, 1.0] and pd.isna(got[2])  # True is not an amount
    assert str(got[3]) == "-0.0" and str(got[4]) == "0.0"
    assert df[flag.name].tolist() == [True, True, True, False, False]
    assert df[grade.name].tolist() == ["1", "1.0", "1", "1", "Yes"]
    assert df[start.name].tolist()[:2] == [pd.Timestamp("2025-06-30"), pd.Timestamp("2025-07-01")]
    assert [(i.code, i.cell) for i in out.items] == [("value.number", "A4")]


@given(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["sex", "race", "", "x", "Sex"]))
                          .map(schemas.CODES_SEPARATOR.join)), max_size=20))
def test_codes_in_vectorised_is_the_element_wise_check(cells: list[str | None]):
    allowed = frozenset({"sex", "race"})
    series = pd.Series(pd.array(cells, dtype=schemas.STRING), index=range(100, 100 + len(cells)))
    series = series.dropna()  # as Pandera hands it over
    element_wise = [all(c in allowed for c in v.split(schemas.CODES_SEPARATOR) if c)
                    for v in series]
    got = schemas.codes_in(series, allowed=allowed)
    assert got.index.equals(series.index) and got.tolist() == element_wise
