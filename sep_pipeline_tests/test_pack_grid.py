"""The partnership pack's faster paths give what the slower ones gave: `Sheet.put_grid` writes
the file `put_column` writes (also reusing another workbook's XML), and `_panels` shapes a table
as the nested-dict version it replaced did."""

from __future__ import annotations

import math
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.publish.pack import xlsx
from sep_pipeline.publish.pack.workbook import (
    SPREAD,
    SUMMARY,
    WORKBOOK_OPTIONS,
    Block,
    Panel,
    _panels,
)
from sep_pipeline.publish.pack.xlsx import Sheet, workbook

CELLS = [1.5, "[c]", None, math.nan, 3, 0.0, -0.0, 1e20, 1 / 3, "[low]", "a&b<c>", 7, "[c]"]


def _parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _fill(wb, columns, grid: bool, cache: dict | None, before: list[str]) -> None:
    """A sheet with `before` written first (so shared strings are numbered differently from
    one workbook to another), then two grids, each as one grid or a column at a time."""
    fmts = [wb.add_format({"num_format": "0.0", "border": j % 2}) for j in range(len(columns))]
    label = wb.add_format({"bold": True})
    ws = wb.add_worksheet("S", worksheet_class=Sheet)
    ws.put_column(0, 0, before)
    ws.set_row(3, 30)  # a grid row with a height of its own
    for row, cols, fs in ((2, columns, fmts), (40, [["x", "y", "z"]] + columns[:2],
                                                [label, *fmts[:2]])):
        cols = [c[:3] for c in cols] if row == 40 else cols
        if grid:
            ws.put_grid(row, 0 if row == 40 else 1, cols, fs,
                        None if cache is None else cache.setdefault(row, {}))
        else:
            for j, (values, fmt) in enumerate(zip(cols, fs, strict=True)):
                ws.put_column(row, (0 if row == 40 else 1) + j, values, fmt)
    ws.write_string(60, 2, "after the grids")


def _columns(shift: int) -> list[list[object]]:
    return [CELLS[shift:] + CELLS[:shift] for _ in range(1)] + [
        CELLS[::-1], [v if isinstance(v, str) else 2.5 for v in CELLS]]


@pytest.mark.parametrize("fast", [True, False])
def test_put_grid_writes_what_put_column_writes(tmp_path, monkeypatch, fast):
    monkeypatch.setattr(xlsx, "FAST", fast)
    cache: dict = {}
    # The second reuses the first's XML (same numbers); the third's strings are numbered
    # otherwise, so its XML is made again.
    for n, before in enumerate((["one", "[low]"], ["one", "[low]"], ["a", "b", "c", "[c]", "d"])):
        columns = _columns(2)
        with workbook(tmp_path / f"grid{n}.xlsx", WORKBOOK_OPTIONS) as wb:
            _fill(wb, columns, True, cache, before)
        with workbook(tmp_path / f"cols{n}.xlsx", WORKBOOK_OPTIONS) as wb:
            _fill(wb, columns, False, None, before)
        assert _parts(tmp_path / f"grid{n}.xlsx") == _parts(tmp_path / f"cols{n}.xlsx")


def test_put_grid_leaves_what_it_cannot_store_to_put_column(tmp_path):
    columns = [["x" * 20_000, "[c]"], [1.0, 2.0]]
    for grid in (True, False):
        with workbook(tmp_path / f"{grid}.xlsx", WORKBOOK_OPTIONS) as wb:
            _fill(wb, columns, grid, {}, ["a"])
    assert _parts(tmp_path / "True.xlsx") == _parts(tmp_path / "False.xlsx")
    with pytest.raises(TypeError), workbook(tmp_path / "inf.xlsx", WORKBOOK_OPTIONS) as wb:
        wb.add_worksheet("S", worksheet_class=Sheet).put_grid(
            0, 1, [[1.0, math.inf]], [wb.add_format()])


def test_a_cell_written_over_a_grid_is_refused(tmp_path):
    with pytest.raises(ValueError, match="over a grid"), workbook(
            tmp_path / "over.xlsx", WORKBOOK_OPTIONS) as wb:
        ws = wb.add_worksheet("S", worksheet_class=Sheet)
        ws.put_grid(0, 0, [[1.0], [2.0]], [wb.add_format(), wb.add_format()])
        ws.write_number(0, 1, 5.0)


# --- _panels against the nested-dict shaping it replaced -----------------------------------


def _block_reference(measure, cells, columns):
    index = [*sorted(set(cells) - set(SUMMARY)), *(c for c in SUMMARY if c in cells)]
    kept, rows = [], []
    for code in index:
        row = [cells[code].get(c) for c in columns]
        if code in SPREAD and all(v is None for v in row):
            continue
        kept.append(code)
        rows.append(row)
    return Block(measure, kept, list(columns), rows)


def _panels_reference(codes, measures, breakdowns, categories, cells):
    groups: dict = {}
    for code, measure, breakdown, category, cell in zip(codes, measures, breakdowns, categories,
                                                         cells, strict=True):
        if "/" in breakdown:
            prefix, _, sub = category.partition("/")
        else:
            prefix, sub = "", category
        subs, seen, by_measure = groups.setdefault((breakdown, prefix), ({}, {}, {}))
        subs[sub] = None
        seen[measure] = None
        by_measure.setdefault(measure, {}).setdefault(code, {})[sub] = cell
    panels = []
    for (breakdown, prefix), (subs, seen, by_measure) in groups.items():
        columns, ms = list(subs), list(seen)
        if len(columns) == 1:
            (sub,) = columns
            merged: dict = {}
            for m in ms:
                for code, got in by_measure[m].items():
                    merged.setdefault(code, {})[m] = got[sub]
            panels.append(Panel(breakdown, prefix or None, ms,
                                [_block_reference(None, merged, ms)], sub))
        else:
            panels.append(Panel(breakdown, prefix or None, columns,
                                [_block_reference(m, by_measure[m], columns) for m in ms]))
    return panels


_ROW = st.tuples(st.sampled_from(["B", "A", "C10", "C2", *SUMMARY]),
                 st.sampled_from(["headcount", "pct", "gap", None]),
                 st.sampled_from([("sex", "female"), ("sex", "male"), ("all", "all"),
                                  ("sex", None),
                                  ("level/sex", "op/female"), ("level/sex", "op/all"),
                                  ("level/sex", "snr/male"), ("age", "16_24")]),
                 st.one_of(st.none(), st.sampled_from(["[c]", "[low]", "[x]"]),
                           st.floats(allow_nan=False, allow_infinity=False), st.integers()))


@settings(max_examples=200, deadline=None)
@given(st.lists(_ROW, max_size=40, unique_by=lambda r: (r[0], r[1], r[2])))
def test_panels_shape_as_the_nested_dicts_did(rows):
    columns = ([r[0] for r in rows], [r[1] for r in rows], [r[2][0] for r in rows],
               [r[2][1] for r in rows], [r[3] for r in rows])
    got, want = _panels(*columns), _panels_reference(*columns)
    assert got == want
    blocks = [(b, w) for p, q in zip(got, want, strict=True)
              for b, w in zip(p.blocks, q.blocks, strict=True)]
    for block, reference in blocks:
        assert [type(v) for r in block.rows for v in r] == [
            type(v) for r in reference.rows for v in r]
        assert block.column_cells == [[r[j] for r in block.rows]
                                      for j in range(len(block.columns))]
