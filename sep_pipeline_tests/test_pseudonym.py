"""A column's pseudonyms, from one keyed HMAC copied per reference, are `pseudonym`'s exactly."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.intake.pseudonym import pseudonym, pseudonymise, pseudonymiser

# Keys shorter than, as long as and longer than SHA-256's 64-byte block (which HMAC hashes
# first), in any script; bodies and references with any character, the separator included.
KEYS = st.one_of(st.text(max_size=80), st.sampled_from(["k" * 63, "k" * 64, "k" * 65, "ŵ" * 32,
                                                        "ŵ" * 33]))
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=300)
@given(KEYS, TEXT, st.lists(TEXT, max_size=5))
def test_pseudonymiser_is_hmac_sha256(key: str, body: str, references: list[str]):
    one = pseudonymiser(key, body)
    for ref in references:
        want = hmac.new(key.encode(), f"{body}\x1f{ref}".encode(), hashlib.sha256).hexdigest()
        assert one(ref) == pseudonym(key, body, ref) == want


def _by_map(values: pd.Series, key: str, body: str) -> pd.Series:
    """The former implementation: a pandas map of `pseudonym` over the column."""
    return values.map(lambda v: None if pd.isna(v) else pseudonym(key, body, str(v))).astype(
        values.dtype)


@given(KEYS, TEXT, st.lists(st.one_of(st.none(), TEXT), max_size=20),
       st.sampled_from(["string", "object"]), st.integers(-5, 5))
def test_pseudonymise_is_the_map_of_pseudonym(
    key: str, body: str, refs: list[str | None], dtype: str, start: int
):
    values = pd.Series(refs, dtype=dtype, name="staff_ref",
                       index=pd.RangeIndex(start, start + len(refs)))
    got = pseudonymise(values, key, body)
    pd.testing.assert_series_equal(got, _by_map(values, key, body), check_exact=True)
    assert got.isna().tolist() == values.isna().tolist()
