"""The per-body counts behind a quarter's figures, kept so that after some bodies resubmit the
partnership's (ALL's) counts are the changed bodies' counted afresh plus the other bodies'
as they were, instead of every record of the quarter counted again.

Every count of the tables and measures (`tables._tally`, `measures` through `Counter`) is
taken through one `CountBook`, one row per body. The counts are taken in the same order in
every computation (the order is the code's, never the data's), so the n-th count of one
computation is the n-th of the one before; its shape is checked, and any mismatch is
`StaleCounts`, which the caller answers by counting everything again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np


class StaleCounts(Exception):
    """The kept counts do not fit this computation: count every record instead."""


@dataclass(frozen=True)
class Counts:
    """Each count a computation took, in order: the bodies and one row of counts per body."""

    taken: tuple[tuple[tuple[str, ...], np.ndarray], ...]


class CountBook:
    """Records the per-body counts of one computation. With `previous` counts and the bodies
    in `keep` (whose records are the same as then, and are not given to this computation),
    each count also returns the kept bodies' total, which ALL adds to its own count.
    `pooled`: a unit standing for the kept bodies, not a body, so not recorded."""

    def __init__(self, previous: Counts | None = None, keep: Collection[str] = (),
                 pooled: str | None = None) -> None:
        self._previous = previous if keep else None
        self._keep = set(keep)
        self._pooled = pooled
        self._taken: list[tuple[tuple[str, ...], np.ndarray]] = []

    @property
    def keeps(self) -> bool:
        """Whether ALL's counts include kept bodies' (so it has records with no rows here)."""
        return self._previous is not None

    def take(self, codes: Sequence[str], per_body: np.ndarray) -> np.ndarray:
        """Record `per_body` (a row per code in `codes`, a column per figure counted) and
        return the kept bodies' total of each column (zeros when none are kept)."""
        per_body = np.asarray(per_body, np.int64)
        at = len(self._taken)
        self._taken.append((tuple(codes), per_body))
        if self._previous is None:
            return np.zeros(per_body.shape[1], np.int64)
        if at >= len(self._previous.taken):
            raise StaleCounts(f"count {at} was not taken before")
        before, rows = self._previous.taken[at]
        if rows.shape[1] != per_body.shape[1]:
            raise StaleCounts(f"count {at} had {rows.shape[1]} columns, now {per_body.shape[1]}")
        kept = [i for i, code in enumerate(before) if code in self._keep]
        return rows[kept].sum(axis=0)

    def counts(self) -> Counts:
        """Every body's counts: the counted bodies' from this computation, the kept bodies'
        from the previous one."""
        if self._previous is not None and len(self._taken) != len(self._previous.taken):
            raise StaleCounts(f"{len(self._taken)} counts taken, {len(self._previous.taken)} "
                              "before")
        out = []
        for at, (codes, rows) in enumerate(self._taken):
            mine = [i for i, code in enumerate(codes) if code != self._pooled]
            codes_, parts = [codes[i] for i in mine], [rows[mine]]
            if self._previous is not None:
                before, kept_rows = self._previous.taken[at]
                kept = [i for i, code in enumerate(before) if code in self._keep]
                codes_ += [before[i] for i in kept]
                parts.append(kept_rows[kept])
            out.append((tuple(codes_), np.concatenate(parts) if len(parts) > 1 else parts[0]))
        return Counts(tuple(out))


class Counter:
    """Counts of rows where a mask holds, per body (`codes`; each row's index in them in
    `unit`, -1 for a row of no body) and last for ALL, every row and the kept bodies'
    (`book`)."""

    def __init__(self, codes: Sequence[str], unit: np.ndarray, book: CountBook | None) -> None:
        self.codes, self.unit, self.book = list(codes), unit, book

    def __call__(self, mask: np.ndarray) -> np.ndarray:
        mask = np.asarray(mask, bool)
        mine = self.unit[mask]
        per_body = np.bincount(mine[mine >= 0], minlength=len(self.codes)).astype(np.int64)
        total = int(mask.sum())
        if self.book is not None:
            total += int(self.book.take(self.codes, per_body[:, None])[0])
        return np.append(per_body, total)
