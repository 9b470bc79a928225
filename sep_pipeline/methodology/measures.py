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

from ..standard import sep_return as std
from .counts import CountBook, Counter
from .pay_gaps import COMPARISONS, codes_of, flag, memberships
from .rounding import (
    ALL,
    LOW,
    MIN_GROUP,
    Published,
    Z,
    exact,
    marked,
    publish_pct,
    publish_value,
    rows_frame,
    units_of,
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
    """body_code and these columns, a missing one blank (a body may send no Recruitment
    sheet)."""
    df = pd.DataFrame() if df is None else df
    wanted = list(dict.fromkeys(["body_code", *columns]))
    return pd.DataFrame({c: df[c] if c in df else pd.Series(np.nan, index=df.index, dtype=float)
                         for c in wanted}, index=df.index)


def _unit_of(df: pd.DataFrame, position: dict[str, int]) -> np.ndarray:
    """Each row's index in `position` (its body code's), -1 for a row without a body."""
    codes, uniques = pd.factorize(df["body_code"])
    # int32: 4 bytes a row (there are millions), where intp takes 8
    return np.append(np.array([position[str(u)] for u in uniques], np.int32), -1)[codes]


def likelihood_rows(
    recruitment: pd.DataFrame | None,
    workforce: pd.DataFrame,
    *,
    snapshot: pd.DataFrame | None = None,
    counts: CountBook | None = None,
) -> pd.DataFrame:
    """R1: relative likelihoods of A against B for each comparison of `pay_gaps.COMPARISONS`.

    - shortlisted_from_applied, appointed_from_shortlisted: from `recruitment`.
    - entering_disciplinary, approved_for_training (WRES indicators 3 and 4): people flagged in
      `workforce` (everyone employed in the period, leavers included, as WRES counts them) over
      staff in post at the snapshot in `snapshot` (default `workforce`). For a year, pass the
      four quarters as `workforce` and the Q4 rows as `snapshot`, so no one is counted four
      times in the denominator. Above 1 here means A is the more likely to enter disciplinary.
    A body with no rows for a measure gets [z]; marking a missing return [x] is for the caller.
    counts: records the counts, and gives ALL the kept bodies' (`counts.CountBook`).
    """
    chars = tuple({c.characteristic for c in COMPARISONS})
    rec = _ensure(recruitment, ("shortlisted", "appointed", *chars))
    wf = _ensure(workforce, ("disciplinary", "training_approved", *chars))
    snap = _ensure(workforce if snapshot is None else snapshot, ("in_post_at_snapshot", *chars))
    # Without a snapshot, snap is the workforce's rows again: their bodies, units and codes
    # are wf's, found once.
    same = snapshot is None
    codes = sorted({str(b) for f in ((rec, wf) if same else (rec, wf, snap))
                    for b in f["body_code"].dropna().unique()})
    if not codes and not (counts and counts.keeps):
        return rows_frame(COLUMNS, [])
    position = {b: i for i, b in enumerate(codes)}
    ru, wu = (Counter(codes, _unit_of(f, position), counts) for f in (rec, wf))
    su = Counter(codes, wu.unit if same else _unit_of(snap, position), counts)
    shortlisted = flag(rec["shortlisted"]).to_numpy()
    appointed = flag(rec["appointed"]).to_numpy() & shortlisted
    disciplinary = flag(wf["disciplinary"]).to_numpy()
    training = flag(wf["training_approved"]).to_numpy()
    in_post = flag(snap["in_post_at_snapshot"]).to_numpy()
    per_comp = []
    factors: list[dict] = [{}, {}, {}]  # each frame's columns, factorized once
    if same:
        factors[2] = factors[1]
    for comp in COMPARISONS:
        ra, rb, wa, wb, sa, sb = (
            m for f, cache in zip((rec, wf, snap), factors, strict=True)
            for m in memberships(f[comp.characteristic], comp, cache))
        n_ra, n_rb = ru(ra), ru(rb)
        n_sa, n_sb = su(sa & in_post), su(sb & in_post)
        taken = [  # per measure: (hits in A, base of A, hits in B, base of B), per unit
            ("shortlisted_from_applied",
             (ru(shortlisted & ra), n_ra, ru(shortlisted & rb),
              n_rb)),
            ("appointed_from_shortlisted",
             (ru(appointed & ra), ru(shortlisted & ra),
              ru(appointed & rb), ru(shortlisted & rb))),
            ("entering_disciplinary",
             (wu(disciplinary & wa), n_sa,
              wu(disciplinary & wb), n_sb)),
            ("approved_for_training",
             (wu(training & wa), n_sa, wu(training & wb),
              n_sb)),
        ]
        per_comp.append((comp, f"{comp.reference_group}_vs_{comp.comparison_group}", taken))
    likelihood = cache(relative_likelihood)  # the same few counts recur (zeros, mostly)
    rows = []
    for u, body in enumerate([*codes, ALL]):
        for comp, category, taken in per_comp:
            rows += [(body, m, comp.characteristic, category,
                      likelihood(*(int(c[u]) for c in arrays))) for m, arrays in taken]
    return rows_frame(COLUMNS, rows)


def _answered(df: pd.DataFrame, characteristic: str) -> tuple[np.ndarray, pd.Index]:
    """The characteristic's answers as (codes, distinct answers), a blank read as Not known."""
    codes, uniques = codes_of(df[characteristic])
    # -1 for a blank: the appended Not known
    return codes, pd.Index([*uniques, std.NOT_KNOWN.code], dtype=object)


def _is_one_of(answers: tuple[np.ndarray, pd.Index], values: tuple[str, ...]) -> np.ndarray:
    codes, uniques = answers
    return uniques.isin(values)[codes]


def declaration_rows(workforce: pd.DataFrame, counts: CountBook | None = None) -> pd.DataFrame:
    """D1: for each characteristic, % of staff in post with a real answer, % Prefer not to say
    (where the code list has it), % Not known. Category is `all`. counts: as for
    `likelihood_rows`."""
    codes, unit = units_of(workforce)
    if not codes and not (counts and counts.keeps):
        return rows_frame(COLUMNS, [])
    count = Counter(codes, unit, counts)
    staff = flag(workforce["in_post_at_snapshot"]).to_numpy()
    n = count(staff)
    per_char = []
    for char, code_list in std.CHARACTERISTICS.items():
        answers = _answered(workforce, char)
        pnts = count(staff & _is_one_of(answers, (std.PREFER_NOT_TO_SAY.code,)))
        nk = count(staff & _is_one_of(answers, (std.NOT_KNOWN.code,)))
        per_char.append((char, std.PREFER_NOT_TO_SAY.code in code_list.values, pnts, nk))
    rows = []
    for u, body in enumerate([*codes, ALL]):
        for char, has_pnts, pnts, nk in per_char:
            figures = [("pct_declared", publish_pct(int(n[u] - pnts[u] - nk[u]), int(n[u])))]
            if has_pnts:
                figures.append(("pct_prefer_not_to_say", publish_pct(int(pnts[u]), int(n[u]))))
            figures.append(("pct_not_known", publish_pct(int(nk[u]), int(n[u]))))
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


def representation_rows(workforce: pd.DataFrame, counts: CountBook | None = None
                        ) -> pd.DataFrame:
    """C1: each Census category's workforce share (staff in post), the Census share, and the
    difference in percentage points (workforce - Census, from the unrounded workforce share).

    The workforce share is taken on the Census figure's base: of staff with a real answer for a
    compulsory Census question (the Census imputes non-response), of all staff in post for a
    voluntary one (its Census base includes "not answered"). A suppressed workforce share
    suppresses the difference too, which would otherwise give it away. counts: as for
    `likelihood_rows`.
    """
    codes, unit = units_of(workforce)
    if not codes and not (counts and counts.keeps):
        return rows_frame(COLUMNS, [])
    count = Counter(codes, unit, counts)
    census = census_reference()
    staff = flag(workforce["in_post_at_snapshot"]).to_numpy()
    n = count(staff)
    answers: dict[str, tuple[np.ndarray, pd.Index]] = {}
    per_row = []
    for c in census.itertuples(index=False):
        if c.characteristic not in answers:
            answers[c.characteristic] = _answered(workforce, c.characteristic)
        ans = answers[c.characteristic]
        base = (count(staff & ~_is_one_of(ans, NON_ANSWERS))
                if c.base == "answered" else n)
        members = count(staff & _is_one_of(ans, census_members(c.characteristic, c.category)))
        per_row.append((c, base, members, publish_value(exact(c.pct), 1)))
    rows = []
    for u, body in enumerate([*codes, ALL]):
        for c, base, members, census_pct in per_row:
            k, m = int(members[u]), int(base[u])
            workforce_pct = publish_pct(k, m)
            difference = (
                marked(workforce_pct.marker) if workforce_pct.marker
                else publish_value(Fraction(k, m) * 100 - exact(c.pct), 1)
            )
            figures = [("workforce_pct", workforce_pct), ("census_pct", census_pct),
                       ("difference_pp", difference)]
            rows += [(body, m_, c.characteristic, c.category, p) for m_, p in figures]
    return rows_frame(COLUMNS, rows)
