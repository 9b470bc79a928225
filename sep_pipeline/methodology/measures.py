"""Relative likelihoods (R1), declaration rates (D1) and representation against Wales (C1).

METHODOLOGY.md, "Other measures". Each `*_rows` function returns columns body_code, measure,
breakdown, category, value (float | None), marker (str | None), for each body and for ALL.
"""

from __future__ import annotations

from fractions import Fraction
from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from .. import standard as std
from .pay_gaps import COMPARISONS, flag, groups
from .rounding import (
    ALL,
    LOW,
    MIN_GROUP,
    Published,
    Z,
    bodies,
    exact,
    marked,
    publish_pct,
    publish_value,
    rows_frame,
)

COLUMNS = ("body_code", "measure", "breakdown", "category")
NON_ANSWERS = (std.PREFER_NOT_TO_SAY.code, std.NOT_KNOWN.code)
# The Census's "can speak Welsh" is self-assessed; the nearest workforce levels are those that
# hold a conversation on general topics.
WELSH_SPEAKER = ("intermediate", "advanced", "proficient")


def relative_likelihood(success_a: int, total_a: int, success_b: int, total_b: int) -> Published:
    """(success_a / total_a) / (success_b / total_b) to 2 dp; 1.00 is parity, above 1 means A
    is the more likely. [low] when a group has fewer than 10; [z] when undefined."""
    if total_a == 0 or total_b == 0:
        return marked(Z)
    if total_a < MIN_GROUP or total_b < MIN_GROUP:
        return marked(LOW)
    if success_b == 0:
        return marked(Z)
    return publish_value(Fraction(int(success_a), int(total_a))
                         / Fraction(int(success_b), int(total_b)), 2)


def _ensure(df: pd.DataFrame | None, columns: tuple[str, ...]) -> pd.DataFrame:
    """A frame with at least these columns (a body may send no Recruitment sheet)."""
    df = pd.DataFrame() if df is None else df
    return df.reindex(columns=list(dict.fromkeys([*df.columns, "body_code", *columns])))


def _parts(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Each body's rows, and ALL's (all of them)."""
    return {**{str(b): part for b, part in df.groupby("body_code")}, ALL: df}


def _likelihood(hit: np.ndarray, a: np.ndarray, b: np.ndarray, base_a: np.ndarray,
                base_b: np.ndarray) -> Published:
    """A against B: the members of each group with `hit`, over the members in each base."""
    return relative_likelihood(int((hit & a).sum()), int(base_a.sum()),
                               int((hit & b).sum()), int(base_b.sum()))


def likelihood_rows(
    recruitment: pd.DataFrame | None,
    workforce: pd.DataFrame,
    *,
    snapshot: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """R1: relative likelihoods of A against B for each comparison of `pay_gaps.COMPARISONS`.

    - shortlisted_from_applied, appointed_from_shortlisted: from `recruitment`.
    - entering_disciplinary, approved_for_training (WRES indicators 3 and 4): people flagged in
      `workforce` (everyone employed in the period, leavers included, as WRES counts them) over
      staff in post at the snapshot in `snapshot` (default `workforce`). For a year, pass the
      four quarters as `workforce` and the Q4 rows as `snapshot`, so no one is counted four
      times in the denominator. Above 1 here means A is the more likely to enter disciplinary.
    A body with no rows for a measure gets [z]; marking a missing return [x] is for the caller.
    """
    chars = tuple({c.characteristic for c in COMPARISONS})
    rec = _ensure(recruitment, ("shortlisted", "appointed", *chars))
    wf = _ensure(workforce, ("disciplinary", "training_approved", *chars))
    snap = _ensure(workforce if snapshot is None else snapshot, ("in_post_at_snapshot", *chars))
    rec_parts, wf_parts, snap_parts = _parts(rec), _parts(wf), _parts(snap)
    codes = sorted({*rec_parts, *wf_parts, *snap_parts} - {ALL})
    rows = []
    for body in [*codes, ALL] if codes else []:
        # A body missing from a frame has no rows there: an empty slice keeps the columns.
        r, w, s = (parts.get(body, f.iloc[:0]) for parts, f in
                   ((rec_parts, rec), (wf_parts, wf), (snap_parts, snap)))
        s = s[flag(s["in_post_at_snapshot"])]
        shortlisted = flag(r["shortlisted"]).to_numpy()
        appointed = flag(r["appointed"]).to_numpy() & shortlisted
        disciplinary = flag(w["disciplinary"]).to_numpy()
        training = flag(w["training_approved"]).to_numpy()
        for comp in COMPARISONS:
            ra, rb = groups(r[comp.characteristic], comp)
            wa, wb = groups(w[comp.characteristic], comp)
            sa, sb = groups(s[comp.characteristic], comp)
            figures = [
                ("shortlisted_from_applied", _likelihood(shortlisted, ra, rb, ra, rb)),
                ("appointed_from_shortlisted",
                 _likelihood(appointed, ra, rb, shortlisted & ra, shortlisted & rb)),
                ("entering_disciplinary", _likelihood(disciplinary, wa, wb, sa, sb)),
                ("approved_for_training", _likelihood(training, wa, wb, sa, sb)),
            ]
            category = f"{comp.reference_group}_vs_{comp.comparison_group}"
            rows += [(body, m, comp.characteristic, category, p) for m, p in figures]
    return rows_frame(COLUMNS, rows)


def _answers(staff: pd.DataFrame, characteristic: str) -> pd.Series:
    return staff[characteristic].fillna(std.NOT_KNOWN.code)  # blank is read as Not known


def declaration_rows(workforce: pd.DataFrame) -> pd.DataFrame:
    """D1: for each characteristic, % of staff in post with a real answer, % Prefer not to say
    (where the code list has it), % Not known. Category is `all`."""
    rows = []
    for body, df in bodies(workforce):
        staff = df[flag(df["in_post_at_snapshot"])]
        n = len(staff)
        for char, codes in std.CHARACTERISTICS.items():
            col = _answers(staff, char)
            pnts = int((col == std.PREFER_NOT_TO_SAY.code).sum())
            nk = int((col == std.NOT_KNOWN.code).sum())
            figures = [("pct_declared", publish_pct(n - pnts - nk, n))]
            if std.PREFER_NOT_TO_SAY.code in codes.values:
                figures.append(("pct_prefer_not_to_say", publish_pct(pnts, n)))
            figures.append(("pct_not_known", publish_pct(nk, n)))
            rows += [(body, m, char, "all", p) for m, p in figures]
    return rows_frame(COLUMNS, rows)


@cache
def _census() -> pd.DataFrame:
    path = resources.files("sep_pipeline") / "reference" / "census2021_wales.csv"
    with path.open(encoding="utf-8") as f:
        return pd.read_csv(f, dtype={"pct": float, "date": str})


def census_reference() -> pd.DataFrame:
    """The Census 2021 Wales shares: characteristic, category, pct, base, source, date."""
    return _census().copy()


def census_members(characteristic: str, category: str) -> tuple[str, ...]:
    """The workforce codes a Census category stands for."""
    if category == "not_answered":
        return NON_ANSWERS
    if characteristic == "ethnicity":
        wanted = std.ETHNIC_MINORITY_GROUPS if category == "ethnic_minority" else (category,)
        return tuple(c.code for c in std.ETHNICITY.codes if c.group in wanted)
    if characteristic == "welsh_language" and category == "welsh_speaker":
        return WELSH_SPEAKER
    return (category,)


def representation_rows(workforce: pd.DataFrame) -> pd.DataFrame:
    """C1: each Census category's workforce share (staff in post), the Census share, and the
    difference in percentage points (workforce - Census, from the unrounded workforce share).

    The workforce share is taken on the Census figure's base: of staff with a real answer for a
    compulsory Census question (the Census imputes non-response), of all staff in post for a
    voluntary one (its Census base includes "not answered"). A suppressed workforce share
    suppresses the difference too, which would otherwise give it away.
    """
    census = census_reference()
    rows = []
    for body, df in bodies(workforce):
        staff = df[flag(df["in_post_at_snapshot"])]
        for c in census.itertuples(index=False):
            col = _answers(staff, c.characteristic)
            answered = ~col.isin(NON_ANSWERS)
            base = int(answered.sum()) if c.base == "answered" else len(col)
            count = int(col.isin(census_members(c.characteristic, c.category)).sum())
            workforce_pct = publish_pct(count, base)
            difference = (
                marked(workforce_pct.marker) if workforce_pct.marker
                else publish_value(Fraction(count, base) * 100 - exact(c.pct), 1)
            )
            figures = [("workforce_pct", workforce_pct),
                       ("census_pct", publish_value(exact(c.pct), 1)),
                       ("difference_pp", difference)]
            rows += [(body, m, c.characteristic, c.category, p) for m, p in figures]
    return rows_frame(COLUMNS, rows)
