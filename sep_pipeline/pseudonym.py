"""Keyed pseudonyms: a staff or application reference never leaves intake in the clear."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd


def pseudonym(key: str, body: str, reference: str) -> str:
    """HMAC-SHA256 of body and reference: stable across quarters, meaningless without the key.

    The body is part of the message so that two bodies' "E001" are different people.
    """
    msg = f"{body}\x1f{reference}".encode()
    return hmac.new(key.encode(), msg, hashlib.sha256).hexdigest()


def pseudonymise(values: pd.Series, key: str, body: str) -> pd.Series:
    return values.map(lambda v: None if pd.isna(v) else pseudonym(key, body, str(v))).astype(
        values.dtype
    )
