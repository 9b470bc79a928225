"""The whole-column forms of publish_count and publish_pct (`count_cells`, `pct_cells`) give
exactly the scalar functions' cells, figure for figure."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sep_pipeline.methodology.rounding import (
    C,
    Z,
    count_cells,
    pct_cells,
    publish_count,
    publish_pct,
)


def _same(got: tuple[np.ndarray, np.ndarray], want: list[tuple[object, object]]) -> None:
    value, marker = got
    assert value.dtype == object and marker.dtype == object
    # repr: a float is a Python float (not numpy's), None is None (not NaN), -0.0 is not 0.0
    assert [repr(v) for v in value] == [repr(v) for v, _ in want]
    assert list(marker) == [m for _, m in want]


counts = st.integers(min_value=0, max_value=10**7)


@given(st.lists(counts, max_size=60))
def test_count_cells_are_publish_count(ns):
    _same(count_cells(np.array(ns, np.int64)), [publish_count(n).cells() for n in ns])


@given(st.lists(st.tuples(counts, counts) | st.tuples(st.integers(0, 30), st.integers(0, 30)),
                max_size=60))
def test_pct_cells_are_publish_pct(pairs):
    num = np.array([a for a, _ in pairs], np.int64)
    den = np.array([b for _, b in pairs], np.int64)
    _same(pct_cells(num, den), [publish_pct(a, b).cells() for a, b in pairs])


def test_worked_examples():
    # 2.5 -> 5 and 7.5 -> 10 (half away from zero); 1-4 is [c]
    _same(count_cells(np.array([0, 1, 4, 5, 7, 8, 12, 13], np.int64)),
          [(0.0, None), (None, C), (None, C), (5.0, None), (5.0, None), (10.0, None),
           (10.0, None), (15.0, None)])
    # 1/8 of 100 = 12.5 % of 8 -> [c] (base under 10); 1/16 x 100 = 6.25 -> 6.3; 0 of 0 -> [z]
    _same(pct_cells(np.array([0, 1, 1, 15, 10, 12], np.int64),
                    np.array([0, 8, 16, 240, 10, 16], np.int64)),
          [(None, Z), (None, C), (None, C), (6.3, None), (100.0, None), (None, C)])


def test_out_of_range_goes_through_the_scalar_functions():
    big = 2**50
    _same(pct_cells(np.array([big], np.int64), np.array([big * 2], np.int64)), [(50.0, None)])
    _same(count_cells(np.array([big], np.int64)), [publish_count(big).cells()])
    with pytest.raises(ValueError):
        count_cells(np.array([-1], np.int64))
    _same(count_cells(np.array([], np.int64)), [])
    _same(pct_cells(np.array([], np.int64), np.array([], np.int64)), [])
