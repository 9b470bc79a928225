"""tidy_csv.write_csv writes what DataFrame.to_csv writes, byte for byte."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.publish.pack.tidy_csv import ENCODING, write_csv

cell = st.one_of(st.none(), st.just(np.nan), st.sampled_from(
    ["", "all", "a,b", 'say "hi"', "line\nbreak", "cr\rhere", "ça va", "'=SUM(1)", " x ", "\t"]),
    st.text(max_size=6))


def _to_csv(df: pd.DataFrame, path) -> bytes:
    df.to_csv(path, index=False, encoding=ENCODING, lineterminator="\r\n")
    return path.read_bytes()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell), max_size=12), st.sampled_from([object, "str"]))
def test_write_csv_is_to_csv(tmp_path_factory, rows, dtype):
    tmp = tmp_path_factory.mktemp("csv")
    df = pd.DataFrame(rows, columns=["a", "b,c", "value"]).astype(dtype)
    write_csv(df, tmp / "mine.csv")
    assert (tmp / "mine.csv").read_bytes() == _to_csv(df, tmp / "pandas.csv")


def test_numbers_fall_back_to_to_csv(tmp_path):
    df = pd.DataFrame({"a": ["x", None], "n": [1.5, np.nan], "i": [1, 2]})
    write_csv(df, tmp_path / "mine.csv")
    assert (tmp_path / "mine.csv").read_bytes() == _to_csv(df, tmp_path / "pandas.csv")
    empty = df.iloc[:0]
    write_csv(empty[["a"]], tmp_path / "empty.csv")
    assert (tmp_path / "empty.csv").read_bytes() == _to_csv(empty[["a"]], tmp_path / "p2.csv")
