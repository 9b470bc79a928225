"""Validated sheets -> the warehouse's standardised tables (pure: frames in, frames out)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..standard import sep_return as std
from .pseudonym import pseudonymise


def standardise(
    tables: Mapping[str, pd.DataFrame], *, body: str, key: str
) -> dict[str, pd.DataFrame]:
    """Pseudonymise references and drop the partner's row numbers; codes are already standard."""
    out: dict[str, pd.DataFrame] = {}
    for sheet in std.DATA_SHEETS:
        if sheet.table not in tables:
            continue
        # A new frame (a copy, or under copy-on-write as good as one): the caller's is untouched.
        df = tables[sheet.table].reset_index(drop=True)
        for f in sheet.fields:
            if f.pseudonymise:
                df[f.name] = pseudonymise(df[f.name], key, body)
        out[sheet.table] = df
    return out
