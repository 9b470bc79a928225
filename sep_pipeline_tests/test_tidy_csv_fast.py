"""The tidy CSV's column-at-a-time helpers give what the per-value code they replaced gave:
figures formatted to their places, and text escaped (OWASP) then quoted as to_csv quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.publish.pack.tidy_csv import ENCODING, _format_values, escape_text, write_csv

figure = st.one_of(st.just(np.nan), st.just(-0.0), st.just(0.0), st.sampled_from(
    [0.05, -0.04, 2.5, 1e20, -1234.5678]), st.floats(allow_nan=False, allow_infinity=False))


def _format_reference(values: pd.Series, digits) -> list[str]:
    return [("" if missing else f"{float(v) + 0.0:.{d if d >= 0 else 2}f}")
            for v, d, missing in zip(values.tolist(), digits, values.isna().tolist(),
                                     strict=True)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(figure, st.sampled_from([-1, 0, 1, 2])), max_size=30))
def test_format_values_is_each_value_formatted(rows):
    values = pd.Series([v for v, _ in rows], dtype=float, index=range(5, 5 + len(rows)))
    digits = [d for _, d in rows]
    out = _format_values(values, digits)
    assert out.tolist() == _format_reference(values, digits)
    assert out.index.equals(values.index)
    as_objects = values.astype(object)  # not a float column: formatted one by one
    assert _format_values(as_objects, digits).tolist() == _format_reference(values, digits)


text = st.one_of(st.none(), st.just(np.nan), st.sampled_from(
    ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "plain", "a=b", "a,b", 'say "hi"', "-a,b",
     "line\nbreak", ""]), st.text(max_size=5))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(text, text, st.sampled_from(["1.5", "-2.0", ""])), max_size=12),
       st.sampled_from([object, "str"]))
def test_write_csv_escapes_as_escape_text_did(tmp_path_factory, rows, dtype):
    tmp = tmp_path_factory.mktemp("csv")
    df = pd.DataFrame(rows, columns=["a", "b", "value"]).astype(dtype)
    write_csv(df, tmp / "mine.csv", escape=["a", "b"])
    safe = df.apply(lambda s: s if s.name == "value" else escape_text(s))
    safe.to_csv(tmp / "pandas.csv", index=False, encoding=ENCODING, lineterminator="\r\n")
    assert (tmp / "mine.csv").read_bytes() == (tmp / "pandas.csv").read_bytes()


def test_write_csv_escapes_a_frame_to_csv_writes(tmp_path):
    df = pd.DataFrame({"a": ["=x", None], "n": [1.5, np.nan]})  # numbers: to_csv writes it
    write_csv(df, tmp_path / "mine.csv", escape=["a"])
    assert (tmp_path / "mine.csv").read_bytes().decode(ENCODING) == "a,n\r\n'=x,1.5\r\n,\r\n"
