"""The benchmark tables (METHODOLOGY.md, "Benchmark tables"): the `benchmark` contract rows.

`benchmark_rows` computes every table for each body and for `ALL` (the pooled records of every
body that submitted the sheet, never an average of body figures). Every figure is published
through `rounding`: counts with `publish_count`, percentages with `publish_pct` on the unrounded
counts, money to the penny, medians with `publish_value`. A body that did not submit a table's
sheet gets `[x]` for every figure of that table; a sheet submitted with no rows gives true zeros.
`[z]` marks a measure that does not apply to a breakdown (or a percentage of nobody).

Every unit is tallied at once, with no loop over bodies or rows: each sheet's code columns are
factorized once (`_Rows`), each tally is one integer bincount over unit x category, and ALL's
counts are those of all the records (the bodies' exact counts added, not their figures). Each
distinct count is published once (`_pub`). Run time grows with the rows only through numpy.

Vocabulary (snake_case; categories are the standard's codes, `all` for a total, `not_known` for a
blank non-characteristic field). "staff" = people on the Workforce sheet (employed at any time in
the period); "in post" = in post at the snapshot. "as W1" = `all`/`all`, then each characteristic
of `standard.CHARACTERISTICS` with `ethnicity_group` (the broad group of `ethnicity`) after
`ethnicity`, each over all its codes. Percentages come in three patterns: `pct_of_<base>` is the
category's share of the unit's whole base (every answer included); `pct_<event>` is the % of the
category's own base with the event; `pct_<event>_of_<prior>` is the % of those with the prior
event. Two-way tables have breakdown `<dim1>/<dim2>` and category `<code1>/<code2>`, either code
`all` for a margin.

id    population: breakdowns (/ categories)
      -> measures
----  ---------------------------------------------------------------------------------------
W1    in post: as W1
      -> headcount, fte, pct_of_headcount
W2    in post: job_level/sex
      -> headcount, pct_of_job_level, pct_of_sex
W3    pay-gap population (in post, full-pay relevant, hourly pay > 0): pay_band/sex (below)
      -> headcount, pct_of_pay_band, pct_of_sex
W4    in post: contract_type/sex
      -> headcount, pct_of_contract_type, pct_of_sex
W5    in post: job_level/sex
      -> headcount, headcount_full_time, headcount_part_time, headcount_flexible_working,
         pct_full_time, pct_part_time, pct_flexible_working
W6    applications: as W1 over Recruitment's characteristics
      -> applicants, applicants_external, applicants_internal, shortlisted, appointed,
         pct_of_applicants, pct_shortlisted, pct_appointed_of_shortlisted
W7    staff: as W1
      -> staff, applied_for_position_change, position_change_successful,
         pct_applied_for_position_change, pct_successful_of_applied
W8    staff: as W1
      -> staff, applied_for_training, training_approved, completed_training,
         pct_applied_for_training, pct_completed_training, pct_approved_of_applied
W9    staff: as W1
      -> staff, grievance_raised, grievance_subject, pct_grievance_raised, pct_grievance_subject
W10   staff: as W1
      -> staff, disciplinary, pct_disciplinary
W11   staff (leavers: not in post): as W1; leaving_reason
      -> staff, leavers, pct_leavers (of staff), pct_of_leavers
         (staff and pct_leavers are [z] by leaving reason)
P1    pay_gaps.pay_gap_rows: characteristic / <reference_group>_vs_<comparison_group>
      -> mean_hourly_gap, median_hourly_gap, mean_bonus_gap, median_bonus_gap,
         bonus_pct_reference, bonus_pct_group
P2    as P1, headline comparisons
      -> q1_pct_reference ... q4_pct_reference, q1_pct_group ... q4_pct_group
R1    measures.likelihood_rows: characteristic / <reference>_vs_<comparison>
      -> shortlisted_from_applied, appointed_from_shortlisted (from Recruitment),
         entering_disciplinary, approved_for_training (from Workforce)
D1    measures.declaration_rows: characteristic / all
      -> pct_declared, pct_prefer_not_to_say, pct_not_known
C1    measures.representation_rows: characteristic / Census category
      -> workforce_pct, census_pct, difference_pp
A1    actions: all; partnership_objective; priority; status; rag; characteristics (an action
      counts under each it names, so those shares may sum past 100)
      -> actions, pct_of_actions, complete, pct_complete ([z] by status)
E1    activities: all; activity_type; partnership_objective
      -> activities, participants, activities_coproduced, activities_you_said_we_did (those
         with the text filled in; the text itself is not a figure), pct_of_activities,
         pct_coproduced, pct_you_said_we_did
E2    profile rows: each profile characteristic (with ethnicity_group) / its codes and `all`
      (everyone profiled on that characteristic)
      -> participants, pct_of_participants (of the characteristic's `all`)
PR1   contracts: all; supplier_size; supplier_type; supplier_in_wales;
      equality_criteria_in_tender, equality_monitoring_in_contract, community_benefits
      (yes / no / not_known); contract_category
      -> contracts, value_gbp, pct_of_contracts, pct_of_value
F1    cases: all; feedback_type; outcome; characteristic (equality-related cases only)
      -> cases, pct_of_cases, equality_related, pct_equality_related (both [z] by
         characteristic), led_to_change, pct_led_to_change, median_days_to_close

W3 bands are half-open [low, high) on the exact pay, so £12.60 is in `12_60_to_14_99` and £40.00
in `40_00_and_over`: under_12_60, 12_60_to_14_99, 15_00_to_19_99, 20_00_to_24_99,
25_00_to_29_99, 30_00_to_39_99, 40_00_and_over.

Choices where the methodology is silent:
- W2 uses job level: `grade` is each body's own free text, not comparable across bodies.
- W3 takes the pay-gap population, so it matches P1/P2 (reduced pay during leave is not ordinary
  pay).
- FTE is rounded like a headcount (nearest 5; `[c]` where the group's headcount is 1-4, or where
  a positive FTE would round to 0), so a total minus its categories never reveals a suppressed
  group. A blank FTE adds nothing.
- PR1: the value of 1-4 contracts is `[c]`, like their count; `pct_of_value` is the exact value
  share (1 dp) under the percentage rule applied to the contract counts.
- Median days to close: cases with a day count; whole days, half away from zero; `[c]` for 1-4
  cases, `[z]` for none. A blank participant count adds nothing to E1's participants.
- Counts of things (activities, contracts, actions, cases) follow the headcount rule too, so no
  published count is ever 1-4.
- A table's non-submitting bodies get `[x]` on exactly the cells ALL has (R1's recruitment
  measures follow Recruitment, its workforce measures Workforce); ALL is `[x]` when no body
  submitted the sheet.
- annual=True computes the event tables only (W6-W11, R1, E1, E2, PR1, F1); the caller takes the
  snapshot tables from Q4. Workforce is then one row per person (body, staff_ref): an event flag
  is Yes if Yes in any quarter, other fields from the person's latest quarter, so W7-W11 count
  people, as reg. 9(1)(c) does. R1's denominators (staff in post) come from each body's latest
  quarter in the union.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cache, cached_property
from typing import NamedTuple

import numpy as np
import pandas as pd

from ..standard import schemas
from ..standard import sep_return as std
from .counts import CountBook
from .measures import declaration_rows, likelihood_rows, representation_rows
from .pay_gaps import COMPARISONS, codes_of, pay_gap_rows
from .rounding import (
    ALL,
    LOW,
    C,
    Published,
    X,
    Z,
    cells_of,
    count_cells,
    median,
    pct_cells,
    publish_count,
    publish_pct,
    publish_value,
    round_half_away,
)

COLUMNS = ["body_code", "table_id", "measure", "breakdown", "category", "value", "marker"]
CELL = ["body_code", "measure", "breakdown", "category"]
TOTAL = "all"
NOT_KNOWN = std.NOT_KNOWN.code
TABLE_IDS = ("W1", "W2", "W3", "W4", "W5", "W6", "W7", "W8", "W9", "W10", "W11",
             "P1", "P2", "R1", "D1", "C1", "A1", "E1", "E2", "PR1", "F1")
EVENT_TABLES = frozenset({"W6", "W7", "W8", "W9", "W10", "W11", "R1", "E1", "E2", "PR1", "F1"})
SHEET_OF: dict[str, str] = {
    **dict.fromkeys(("W1", "W2", "W3", "W4", "W5", "W7", "W8", "W9", "W10", "W11", "P1", "P2",
                     "R1", "D1", "C1"), "workforce"),
    "W6": "recruitment", "A1": "actions", "E1": "engagement", "E2": "engagement_profile",
    "PR1": "procurement", "F1": "feedback",
}
R1_FROM_RECRUITMENT = frozenset({"shortlisted_from_applied", "appointed_from_shortlisted"})


def source_sheet(table_id: str, measure: str) -> str:
    """The warehouse table a figure comes from (its body is [x] without that sheet)."""
    return "recruitment" if table_id == "R1" and measure in R1_FROM_RECRUITMENT \
        else SHEET_OF[table_id]


def measure_places(table_id: str, measure: str) -> int:
    """Decimal places a measure is published to (the spread rounds its quantiles to these)."""
    if table_id == "R1" or measure == "value_gbp":
        return 2  # relative likelihoods; money to the penny
    if table_id in ("P1", "P2", "D1", "C1") or measure.startswith("pct_"):
        return 1
    return 0  # counts, FTE and median days


# Characteristic breakdowns: the standard's, with the broad ethnic group after ethnicity.
_CODES = std.PROFILE_CHARACTERISTICS
_PEOPLE = list(std.CHARACTERISTICS)
_PEOPLE.insert(_PEOPLE.index("ethnicity") + 1, "ethnicity_group")
_APPLICANTS = [c for c in _PEOPLE
               if c == "ethnicity_group" or c in {f.name for f in std.RECRUITMENT.fields}]
_ETHNIC_GROUP = {c.code: c.group or c.code for c in std.ETHNICITY.codes}
_EVENT_FLAGS = ["maternity_in_period", "applied_for_position_change", "position_change_successful",
                "applied_for_training", "training_approved", "completed_training",
                "grievance_raised", "grievance_subject", "disciplinary"]
_MICRO = 10**6  # FTE, pay and money as integer millionths: exact sums and band edges
PAY_BANDS = (("0", "under_12_60"), ("12.60", "12_60_to_14_99"), ("15", "15_00_to_19_99"),
             ("20", "20_00_to_24_99"), ("25", "25_00_to_29_99"), ("30", "30_00_to_39_99"),
             ("40", "40_00_and_over"))
_YES_NO = ["yes", "no", NOT_KNOWN]


def _codes(values: Sequence[str]) -> list[str]:
    """A code list plus `not_known` for a blank (non-characteristic fields may be blank)."""
    return [*values, *([] if NOT_KNOWN in values else [NOT_KNOWN])]


# --- Publishing whole columns -----------------------------------------------------------------


class _Cells(NamedTuple):
    """A column of published figures as `Published.cells` gives them: value (float | None) and
    marker (str | None) object arrays, row for row."""

    value: np.ndarray
    marker: np.ndarray


def _pub(fn: Callable[..., Published], *cols: pd.Series) -> _Cells:
    """fn of each row's values, computed once per distinct tuple (tables repeat 0s a lot)."""
    if len(cols[0]) == 0:
        return _Cells(np.empty(0, object), np.empty(0, object))
    keys = np.stack([_ints(c) for c in cols], axis=1)
    distinct, inverse = np.unique(keys, axis=0, return_inverse=True)
    value, marker = cells_of([fn(*k) for k in distinct.tolist()])
    inverse = inverse.reshape(-1)
    return _Cells(value[inverse], marker[inverse])


def _ints(s: pd.Series) -> np.ndarray:
    return np.asarray(s.to_numpy(), dtype=np.int64)


def _counts(n: pd.Series) -> _Cells:
    return _Cells(*count_cells(_ints(n)))  # publish_count of each, in numpy


def _pcts(num: pd.Series, den: pd.Series) -> _Cells:
    return _Cells(*pct_cells(_ints(num), _ints(den)))  # publish_pct of each, in numpy


def _fte(micro: int, n: int) -> Published:
    if n < 5:
        return publish_count(int(n))  # 0, or [c] with its headcount
    v = round_half_away(Fraction(int(micro), 5 * _MICRO), 0) * 5
    return Published(v) if v or not micro else Published(None, C)


def _money(micro: int, n: int) -> Published:
    if n < 5:
        return publish_count(int(n))
    return Published(round_half_away(Fraction(int(micro), _MICRO), 2))


def _share(part: int, whole: int, n: int, n_whole: int) -> Published:
    """The exact share of a value, under the percentage rule of the counts behind it."""
    rule = publish_pct(int(n), int(n_whole))
    if rule.marker is not None or whole == 0:
        return rule if rule.marker is not None else Published(None, Z)
    return Published(round_half_away(Fraction(int(part) * 100, int(whole)), 1))


def _median_days(days: list[int]) -> Published:
    if 0 < len(days) < 5:
        return Published(None, C)  # a median of so few would give cases away
    return publish_value(median(days) if days else None, 0, marker_if_none=Z)


def _where(cond: pd.Series, cells: _Cells) -> _Cells:
    """[z] where cond holds: the measure does not apply to those cells."""
    at = np.asarray(cond, bool)
    value, marker = cells.value.copy(), cells.marker.copy()
    value[at], marker[at] = None, Z
    return _Cells(value, marker)


# --- Tallies --------------------------------------------------------------------------------


# 0/1 columns are int8: a tally keeps a dozen of them over every Workforce row, and sums
# them only into int64 counts.
def _flag(s: pd.Series) -> pd.Series:
    """A Yes/No column as 0/1; blank is No."""
    return s.eq(True).fillna(False).astype("int8")


def _is(s: pd.Series, code: str) -> pd.Series:
    return s.eq(code).fillna(False).astype("int8")


def _micro(s: pd.Series) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce").astype("float64") * _MICRO
    return x.round().fillna(0).astype("int64")


def _filled(df: pd.DataFrame, *cols: str) -> dict[str, pd.Series]:
    return {c: df[c].astype(object).where(df[c].notna(), NOT_KNOWN) for c in cols}


class _Factor(NamedTuple):
    """A column factorized: each row's index into `uniques`, -1 for a blank, read as `blank`
    (a blank field is `not_known` wherever the tables count it, except E2's categories)."""

    codes: np.ndarray
    uniques: list
    blank: str | None = NOT_KNOWN


def _factor(s: pd.Series, blank: str | None = NOT_KNOWN) -> _Factor:
    codes, uniques = codes_of(s)  # a categorical's own codes: no copy, no hashing
    return _Factor(codes, list(uniques), blank)


class _Rows:
    """Some rows of one sheet, ready to tally without copying frames: each row's unit (the
    index of its body in `units`; ALL, the last unit, counts every row), the columns the
    tallies read as `_Factor`s (a sheet's own columns factorized once, shared by every
    selection of its rows) and integer columns to sum. Arrays run over all the sheet's rows;
    `rows` selects some (None: all). `book` records every tally (`counts.CountBook`)."""

    def __init__(self, df: pd.DataFrame, units: Sequence[str],
                 book: CountBook | None = None) -> None:
        self.df = df
        self.units = list(units)
        self.book = book
        position = {b: i for i, b in enumerate(self.units[:-1])}
        codes, uniques = pd.factorize(df["body_code"])
        self.unit = np.array([position.get(str(u), -1) for u in uniques] + [-1],
                             np.int32)[codes]  # 4 bytes a row: units are few
        self.rows: np.ndarray | None = None
        self.factors: dict[str, _Factor] = {}  # derived columns (shared: see `_derive`)
        self.sums: dict[str, np.ndarray] = {}
        self._base: dict[str, _Factor] = {}  # the sheet's own columns, factorized when read
        self._selected: dict[str, np.ndarray] = {}  # sums of the selected rows

    def _derive(self) -> _Rows:
        other = copy.copy(self)
        other.factors, other.sums = dict(self.factors), dict(self.sums)
        other._selected = {}
        other.__dict__.pop("selected_unit", None)
        return other

    def where(self, mask: np.ndarray | pd.Series) -> _Rows:
        """These rows, only those where `mask` (over all the sheet's rows) holds."""
        other = self._derive()
        keep = np.flatnonzero(np.asarray(mask, bool))
        other.rows = keep if self.rows is None else np.intersect1d(self.rows, keep,
                                                                   assume_unique=True)
        return other

    def with_sums(self, **columns: pd.Series | np.ndarray) -> _Rows:
        other = self._derive()
        other.sums.update({k: _integers(v) for k, v in columns.items()})
        return other

    def with_factors(self, **columns: _Factor) -> _Rows:
        other = self._derive()
        other.factors.update(columns)
        return other

    def factor(self, name: str) -> _Factor:
        if name in self.factors:
            return self.factors[name]
        if name not in self._base:
            self._base[name] = _factor(self.df[name])
        return self._base[name]

    def _pick(self, a: np.ndarray) -> np.ndarray:
        return a if self.rows is None else a[self.rows]

    @cached_property
    def selected_unit(self) -> np.ndarray:
        return self._pick(self.unit)

    def selected_sum(self, name: str) -> np.ndarray:
        if name not in self._selected:
            self._selected[name] = self._pick(self.sums[name])
        return self._selected[name]

    def codes(self, name: str, cats: Sequence[str]) -> np.ndarray:
        """Each selected row's index in `cats`, -1 where its value is not listed."""
        f = self.factor(name)
        position = {c: i for i, c in enumerate(cats)}
        index = [position.get(u, -1) for u in f.uniques]
        index.append(-1 if f.blank is None else position.get(f.blank, -1))
        return np.array(index, _small(len(cats)))[self._pick(f.codes)]


def _integers(values: pd.Series | np.ndarray) -> np.ndarray:
    """A column to sum, as signed integers no wider than it is (bool as int8): a 0/1 flag
    stays a byte a row."""
    a = np.asarray(values)
    if a.dtype == bool:
        return a.astype(np.int8)
    return a if a.dtype.kind == "i" else a.astype(np.int64)


def _small(n: int) -> type:
    """The narrowest signed integer type that holds -1..n."""
    return np.int8 if n < 2**7 else np.int16 if n < 2**15 else np.int64


def _sum_by(key: np.ndarray, weights: np.ndarray, size: int) -> np.ndarray:
    """Exact integer sums of integer `weights` by `key` (0..size-1)."""
    if not len(weights) or np.abs(weights).sum(dtype=np.float64) < 2**52:
        # Every partial sum is an integer below 2**53: float addition is exact.
        return np.rint(np.bincount(key, weights=weights, minlength=size)).astype(np.int64)
    out = np.zeros(size, np.int64)
    np.add.at(out, key, weights)
    return out


def _tally(rows: _Rows, dims: Mapping[str, Sequence[str]],
           sums: Sequence[str] = ()) -> pd.DataFrame:
    """Row count `n` and the sums of `sums` for every unit x combination of listed categories
    (0 where there are none). A dim listed as ["all"] is the total over it, so a total counts
    every row, listed code or not, from its own unrounded count. ALL counts every row, and the
    kept bodies' records the book holds counts of."""
    keys = ["body_code", *dims]
    cats = [list(c) for c in dims.values()]
    cells = int(np.prod([len(c) for c in cats]))
    unit = rows.selected_unit
    key = np.zeros(len(unit), np.intp)
    counted = np.ones(len(unit), bool)
    for dim, listed in zip(dims, cats, strict=True):
        if listed == [TOTAL]:
            continue
        code = rows.codes(dim, listed)
        counted &= code >= 0
        key = key * len(listed) + np.maximum(code, 0)
    n_bodies = len(rows.units) - 1
    every_row_a_body = bool((unit >= 0).all())
    mine = counted if every_row_a_body else counted & (unit >= 0)
    body_key = unit[mine] * cells + key[mine]
    all_key = key[counted]

    def per_cell(weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(per body: n_bodies x cells, ALL's own rows: cells)"""
        w = None if weights is None else weights[mine]
        bodies = (np.bincount(body_key, minlength=n_bodies * cells) if w is None
                  else _sum_by(body_key, w, n_bodies * cells)).astype(np.int64)
        bodies = bodies.reshape(n_bodies, cells)
        if every_row_a_body:  # ALL is then the bodies' rows, all of them once
            total = bodies.sum(axis=0)
        else:
            total = (np.bincount(all_key, minlength=cells) if weights is None
                     else _sum_by(all_key, weights[counted], cells)).astype(np.int64)
        return bodies, total

    names = ["n", *sums]
    parts = [per_cell(None), *(per_cell(rows.selected_sum(s)) for s in sums)]
    per_body = np.concatenate([p[0] for p in parts], axis=1)
    total = np.concatenate([p[1] for p in parts])
    if rows.book is not None:
        total = total + rows.book.take(rows.units[:-1], per_body)
    data = {name: np.concatenate([per_body[:, i * cells:(i + 1) * cells].reshape(-1),
                                  total[i * cells:(i + 1) * cells]])
            for i, name in enumerate(names)}
    index = pd.MultiIndex.from_product([rows.units, *cats], names=keys)
    return pd.DataFrame(data, index=index).reset_index()


def _one(rows: _Rows, dim: str, cats: Sequence[str], sums: Sequence[str] = (),
         breakdown: str | None = None) -> pd.DataFrame:
    t = _tally(rows, {dim: cats}, sums)
    return t.rename(columns={dim: "category"}).assign(breakdown=breakdown or dim)


def _with_base(t: pd.DataFrame) -> pd.DataFrame:
    """`base_<col>`: the unit's `all`/`all` figure of each tallied column (for pct_of_*)."""
    total = t[t["breakdown"].eq(TOTAL)].set_index("body_code")
    cols = [c for c in total.columns
            if c not in ("breakdown", "category") and not c.startswith("base_")]
    return t.assign(**{f"base_{c}": t["body_code"].map(total[c]) for c in cols})


def _breakdowns(rows: _Rows, dims: Mapping[str, Sequence[str] | tuple[_Rows, Sequence[str]]],
                sums: Sequence[str] = ()) -> pd.DataFrame:
    """Cells `all`/`all`, then each breakdown's categories (a dim may bring its own rows)."""
    parts = [_one(rows, "category", [TOTAL], sums, TOTAL)]
    for dim, spec in dims.items():
        own, cats = spec if isinstance(spec[0], _Rows) else (rows, spec)
        parts.append(_one(own, dim, cats, sums))
    return _with_base(pd.concat(parts, ignore_index=True))


def _by_characteristic(rows: _Rows, sums: Sequence[str] = (),
                       chars: Sequence[str] = _PEOPLE) -> pd.DataFrame:
    return _breakdowns(rows, {c: _CODES[c].values for c in chars}, sums)


def _crossed(rows: _Rows, d1: str, c1: Sequence[str], d2: str, c2: Sequence[str],
             sums: Sequence[str] = ()) -> pd.DataFrame:
    """A two-way table with margins: breakdown `d1/d2`, category `a/b`; `row_n` is the count of
    the cell's d1 category (all of d2), `col_n` of its d2 category (all of d1)."""
    t = pd.concat([_tally(rows, {d1: x, d2: y}, sums)
                   for x in (c1, [TOTAL]) for y in (c2, [TOTAL])], ignore_index=True)
    for out, dim, other in (("row_n", d1, d2), ("col_n", d2, d1)):
        margin = t[t[other].eq(TOTAL)].set_index(["body_code", dim])["n"]
        t[out] = margin.reindex(pd.MultiIndex.from_frame(t[["body_code", dim]])).to_numpy()
    rank = [t[d].map({c: i for i, c in enumerate([*cs, TOTAL])}) for d, cs in ((d1, c1), (d2, c2))]
    t = t.assign(_a=rank[0], _b=rank[1]).sort_values(["_a", "_b"], kind="stable")
    return t.assign(breakdown=f"{d1}/{d2}", category=t[d1] + "/" + t[d2]).reset_index(drop=True)


def _emit(cells: pd.DataFrame, figures: Mapping[str, _Cells]) -> pd.DataFrame:
    """Long rows (body_code, measure, breakdown, category, value, marker), one block per
    measure."""
    keys = cells[["body_code", "breakdown", "category"]].reset_index(drop=True)
    out = pd.concat([keys] * len(figures), ignore_index=True)
    out["measure"] = np.repeat(np.array(list(figures), dtype=object), len(keys))
    value, marker = ((np.concatenate([f.value for f in figures.values()]),
                      np.concatenate([f.marker for f in figures.values()]))
                     if figures else (np.empty(0, object), np.empty(0, object)))
    out["value"] = pd.Series(value, index=out.index, dtype=object)
    out["marker"] = pd.Series(marker, index=out.index, dtype=object)
    return out[[*CELL, "value", "marker"]]


# --- Preparing the sheets -------------------------------------------------------------------


@cache
def _standard_dtypes(table: str) -> dict[str, object]:
    sheet = next(s for s in std.DATA_SHEETS if s.table == table)
    return dict(schemas.empty_frame(sheet).dtypes)


def _sheet_frame(frames: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    """The standardised table with every standard column (a missing one blank, in its type)."""
    df = frames.get(table)
    df = pd.DataFrame({"body_code": pd.Series([], dtype=object)}) if df is None else df
    missing = {c: pd.Series(np.full(len(df), pd.NA, dtype=object), index=df.index, dtype=dtype)
               for c, dtype in _standard_dtypes(table).items() if c not in df}
    return df.assign(**missing)


def _people(rows: _Rows) -> _Rows:
    """Characteristics with blanks as Not known (as every factor reads a blank), and the broad
    ethnic group."""
    eth = rows.factor("ethnicity")
    groups = [_ETHNIC_GROUP.get(u, NOT_KNOWN) for u in eth.uniques]
    blank = _ETHNIC_GROUP.get(NOT_KNOWN, NOT_KNOWN)  # a blank ethnicity is Not known
    return rows.with_factors(ethnicity_group=_Factor(eth.codes, groups, blank))


def person_year(workforce: pd.DataFrame) -> pd.DataFrame:
    """One workforce row per person (body, staff_ref) from a year's quarters: each event flag
    Yes if Yes in any quarter; every other field from the person's latest quarter (its last
    non-blank value, quarters in period order). People in order of first appearance.

    No frame is sorted or grouped: each column is factorized once and every person's value
    picked by integer arithmetic on the rows' ranks (period order, then row order)."""
    if workforce.empty:
        return workforce
    n = len(workforce)
    if "period" in workforce:
        period, _ = pd.factorize(workforce["period"], sort=True)
        period = np.where(period < 0, int(period.max()) + 1, period)  # a blank period last
        order = np.argsort(period, kind="stable")
    else:
        order = np.arange(n)
    rank = np.empty(n, np.int64)
    rank[order] = np.arange(n)  # each row's place in period order
    # A row without a reference cannot be matched across quarters: it stays a person of its own.
    ref = workforce["staff_ref"].to_numpy(dtype=object, na_value=None)
    blank = pd.isna(ref)
    if blank.any():
        ref = ref.copy()
        ref[blank] = ["row:" + str(r) for r in rank[blank].tolist()]
    body, _ = pd.factorize(workforce["body_code"])
    keep = body >= 0  # a row without a body belongs to no one
    if not keep.any():
        return workforce.iloc[:0].reset_index(drop=True)
    person, _ = pd.factorize(ref, size_hint=n)
    mine = np.flatnonzero(keep)
    g, _ = pd.factorize(body[mine].astype(np.int64) * (int(person.max()) + 1) + person[mine])
    r = rank[mine]
    n_people = int(g.max()) + 1
    first = np.full(n_people, n, np.int64)
    np.minimum.at(first, g, r)
    people = np.argsort(first, kind="stable")  # in order of first appearance in period order
    new_id = np.empty(n_people, np.intp)
    new_id[people] = np.arange(n_people)
    g = new_id[g]
    row_at = order  # row_at[rank] = row
    out: dict[str, object] = {}

    def last_of(rows_ok: np.ndarray) -> np.ndarray:
        """Each person's last row (by rank) among the kept rows where rows_ok, -1 if none."""
        last = np.full(n_people, -1, np.int64)
        ok = rows_ok[mine]
        np.maximum.at(last, g[ok], r[ok])
        return np.where(last >= 0, row_at[np.maximum(last, 0)], -1)

    first_row = row_at[np.sort(first)]
    final_row = last_of(np.ones(n, bool))  # each person's row in their latest quarter
    out["body_code"] = workforce["body_code"].iloc[first_row].reset_index(drop=True)
    out["staff_ref"] = pd.Series(ref[first_row], dtype=object)
    for col in workforce.columns:
        if col in out:
            continue
        s = workforce[col]
        if col in _EVENT_FLAGS:
            anyq = np.zeros(n_people, np.int64)
            np.maximum.at(anyq, g, _flag(s).to_numpy()[mine])
            out[col] = pd.Series(anyq.astype(bool))
            continue
        latest = s.iloc[final_row].reset_index(drop=True)
        blank = latest.isna().to_numpy()
        if blank.any():  # blank in the latest quarter: the last quarter it was filled in
            last = last_of(s.notna().to_numpy())
            fill = np.flatnonzero(blank & (last >= 0))
            if len(fill):
                latest.iloc[fill] = s.iloc[last[fill]].to_numpy()
        out[col] = latest
    return pd.DataFrame(out)


def _latest_quarter(workforce: pd.DataFrame) -> pd.DataFrame:
    """Each body's rows of its latest period (the snapshot of a year's union)."""
    if "period" not in workforce or workforce.empty:
        return workforce
    body, _ = pd.factorize(workforce["body_code"])
    period, _ = pd.factorize(workforce["period"], sort=True)  # codes in period order
    mine = (body >= 0) & (period >= 0)
    if not mine.any():
        return workforce.iloc[:0]
    latest = np.full(int(body.max()) + 1, -1)
    np.maximum.at(latest, body[mine], period[mine])
    return workforce[mine & (period == latest[np.maximum(body, 0)])]


# The workforce columns the annual (event) tables read: the union of a year's quarters is
# reduced to one row per person on these alone; R1 takes its denominators from the snapshot.
_YEAR_COLUMNS = ["body_code", "staff_ref", "period", "in_post_at_snapshot", "leaving_reason",
                 *std.CHARACTERISTICS, *_EVENT_FLAGS]
_SNAPSHOT_COLUMNS = ["body_code", "period", "in_post_at_snapshot",
                     *dict.fromkeys(c.characteristic for c in COMPARISONS)]
# Code columns the tables and measures count by, many times over: held as categoricals, each
# is hashed once (a categorical's codes come free), not by every tally and comparison.
CATEGORICAL = frozenset([*std.CHARACTERISTICS, "job_level", "contract_type", "working_pattern",
                          "leaving_reason", "applicant_type"])


def _categorised(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with its `CATEGORICAL` text columns as categoricals (the same values)."""
    text = {c: as_category(df[c]) for c in df.columns
            if c in CATEGORICAL and (df[c].dtype == object or isinstance(df[c].dtype,
                                                                           pd.StringDtype))}
    return df.assign(**text) if text else df


def as_category(s: pd.Series) -> pd.Series:
    """`s.astype("category")` (categories sorted, in the column's own dtype), in half the time:
    a string column is hashed as a plain object array, skipping the checks the string array
    makes first, and only its few distinct values are sorted."""
    if not isinstance(s.dtype, pd.StringDtype):
        return s.astype("category")
    codes, uniques = pd.factorize(s.to_numpy(dtype=object))  # a blank (NaN or NA) gives -1
    order = np.argsort(np.asarray(uniques, dtype=object), kind="stable")
    rank = np.empty(len(order) + 1, np.int64)
    rank[order] = np.arange(len(order))
    rank[-1] = -1  # factorize's -1 for a blank stays -1
    categories = pd.Index(np.asarray(uniques, dtype=object)[order], dtype=s.dtype)
    return pd.Series(pd.Categorical.from_codes(rank[codes], categories=categories),
                     index=s.index, name=s.name)


class _Ctx:
    """Each sheet's rows from submitting bodies (`raw`), the same ready to tally (`rows`: each
    tally gives ALL from the pooled records), and the units: submitting bodies in `bodies`
    order, then ALL."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], submitted: Mapping[str, set[str]],
                 bodies: Sequence[str], annual: bool,
                 pay_gap: pd.DataFrame | None = None, counts: CountBook | None = None,
                 kept: Mapping[str, pd.DataFrame] | None = None) -> None:
        self.counts = counts
        self.kept = {t: _sheet_frame(kept, t) for t in kept or {}}
        self.raw: dict[str, pd.DataFrame] = {}
        self.units: dict[str, list[str]] = {}
        self.snapshot: pd.DataFrame | None = None
        self.pay_gap: pd.DataFrame | None = None  # pay_gap_rows(raw["workforce"]), if given
        for sheet in std.DATA_SHEETS:
            # Workforce is a required sheet: every accepted return has it.
            subs = set(submitted.get(sheet.table, bodies if sheet is std.WORKFORCE else ()))
            df = _sheet_frame(frames, sheet.table)
            sent = df["body_code"].isin(subs & set(bodies))
            if not sent.all():
                df = df[sent]
            elif sheet is std.WORKFORCE and not annual:
                self.pay_gap = pay_gap  # the rows it was computed from are exactly raw's
            df = df.reset_index(drop=True)
            if sheet is std.WORKFORCE and annual:
                self.snapshot = _categorised(_latest_quarter(
                    df[[c for c in _SNAPSHOT_COLUMNS if c in df]]))
                df = person_year(df[[c for c in _YEAR_COLUMNS if c in df]])
            self.raw[sheet.table] = _categorised(df)
            self.units[sheet.table] = [b for b in bodies if b in subs] + [ALL]
        self._rows: dict[str, _Rows] = {}

    def rows(self, table: str) -> _Rows:
        if table not in self._rows:
            self._rows[table] = _Rows(self.raw[table], self.units[table], self.counts)
        return self._rows[table]

    def people(self, table: str) -> _Rows:
        return _people(self.rows(table))

    @cached_property
    def staff(self) -> _Rows:
        """Workforce rows with event flags as 0/1 and `left` (not in post at the snapshot)."""
        wf = self.raw["workforce"]
        return self.people("workforce").with_sums(
            **{f: _flag(wf[f]) for f in _EVENT_FLAGS},
            left=1 - _flag(wf["in_post_at_snapshot"]))

    @cached_property
    def staff_cells(self) -> pd.DataFrame:
        """W7-W11 share one tally: staff and each event, by characteristic."""
        return _by_characteristic(self.staff, [*_EVENT_FLAGS, "left"])

    @cached_property
    def in_post(self) -> _Rows:
        return self.staff.where(self.staff.sums["left"] == 0)


# --- The tables -----------------------------------------------------------------------------


def _w1(ctx: _Ctx) -> pd.DataFrame:
    wf = ctx.in_post
    t = _by_characteristic(wf.with_sums(fte_m=_micro(ctx.raw["workforce"]["fte"])), ["fte_m"])
    return _emit(t, {"headcount": _counts(t["n"]), "fte": _pub(_fte, t["fte_m"], t["n"]),
                     "pct_of_headcount": _pcts(t["n"], t["base_n"])})


def _two_way(ctx: _Ctx, rows: _Rows, dim: str, cats: Sequence[str]) -> pd.DataFrame:
    """W2-W4: a dimension by sex, with each cell's share of its row and of its column."""
    t = _crossed(rows, dim, cats, "sex", std.SEX.values)
    return _emit(t, {"headcount": _counts(t["n"]), f"pct_of_{dim}": _pcts(t["n"], t["row_n"]),
                     "pct_of_sex": _pcts(t["n"], t["col_n"])})


_BAND_EDGES = [int(Decimal(lo) * _MICRO) for lo, _ in PAY_BANDS]


def pay_band(hourly_pay: pd.Series) -> pd.Series:
    """The W3 band of each (positive) hourly pay, compared in exact millionths of a pound."""
    i = np.searchsorted(_BAND_EDGES, _micro(hourly_pay).to_numpy(), side="right") - 1
    return pd.Series(np.array([b for _, b in PAY_BANDS], dtype=object)[i], index=hourly_pay.index)


def _w3(ctx: _Ctx) -> pd.DataFrame:
    wf = ctx.raw["workforce"]
    pay = _micro(wf["hourly_pay"]).to_numpy()
    band = np.searchsorted(_BAND_EDGES, pay, side="right") - 1  # as pay_band, as codes
    rows = ctx.in_post.where(_flag(wf["full_pay_relevant"]).eq(1).to_numpy() & (pay > 0))
    rows = rows.with_factors(pay_band=_Factor(band, [b for _, b in PAY_BANDS]))
    return _two_way(ctx, rows, "pay_band", [b for _, b in PAY_BANDS])


def _w5(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["workforce"]
    wf = ctx.in_post.with_sums(ft=_is(df["working_pattern"], "full_time"),
                                 pt=_is(df["working_pattern"], "part_time"),
                                 flex=_flag(df["flexible_working"]))
    t = _crossed(wf, "job_level", _codes(std.JOB_LEVEL.values), "sex", std.SEX.values,
                 ["ft", "pt", "flex"])
    return _emit(t, {
        "headcount": _counts(t["n"]), "headcount_full_time": _counts(t["ft"]),
        "headcount_part_time": _counts(t["pt"]), "headcount_flexible_working": _counts(t["flex"]),
        "pct_full_time": _pcts(t["ft"], t["n"]), "pct_part_time": _pcts(t["pt"], t["n"]),
        "pct_flexible_working": _pcts(t["flex"], t["n"]),
    })


def _w6(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["recruitment"]
    rc = ctx.people("recruitment").with_sums(
        ext=_is(df["applicant_type"], "external"), int_=_is(df["applicant_type"], "internal"),
        sl=_flag(df["shortlisted"]), ap=_flag(df["appointed"]))
    t = _by_characteristic(rc, ["ext", "int_", "sl", "ap"], _APPLICANTS)
    return _emit(t, {
        "applicants": _counts(t["n"]), "applicants_external": _counts(t["ext"]),
        "applicants_internal": _counts(t["int_"]), "shortlisted": _counts(t["sl"]),
        "appointed": _counts(t["ap"]), "pct_of_applicants": _pcts(t["n"], t["base_n"]),
        "pct_shortlisted": _pcts(t["sl"], t["n"]),
        "pct_appointed_of_shortlisted": _pcts(t["ap"], t["sl"]),
    })


def _staff_events(ctx: _Ctx, flags: Sequence[str], pct: Sequence[str],
                  of: Mapping[str, tuple[str, str]] | None = None) -> pd.DataFrame:
    """W7-W10: staff with each event, by characteristic; `pct_<flag>` of staff for `pct`, and
    `of`: name -> (flag, prior flag) for a % of those with the prior event."""
    t = ctx.staff_cells
    return _emit(t, {"staff": _counts(t["n"]), **{f: _counts(t[f]) for f in flags},
                     **{f"pct_{f}": _pcts(t[f], t["n"]) for f in pct},
                     **{name: _pcts(t[a], t[b]) for name, (a, b) in (of or {}).items()}})


def _w11(ctx: _Ctx) -> pd.DataFrame:
    leavers = ctx.staff.where(ctx.staff.sums["left"] == 1)
    reasons = _one(leavers, "leaving_reason", _codes(std.LEAVING_REASON.values))
    t = ctx.staff_cells[["body_code", "breakdown", "category", "n", "left"]]
    t = _with_base(pd.concat([t, reasons.assign(left=reasons["n"])], ignore_index=True))
    by_reason = t["breakdown"].eq("leaving_reason")  # leavers only: no staff base
    return _emit(t, {"staff": _where(by_reason, _counts(t["n"])), "leavers": _counts(t["left"]),
                     "pct_leavers": _where(by_reason, _pcts(t["left"], t["n"])),
                     "pct_of_leavers": _pcts(t["left"], t["base_left"])})


def _a1(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["actions"]
    dims = {"partnership_objective": std.PARTNERSHIP_OBJECTIVE, "priority": std.PRIORITY,
            "status": std.ACTION_STATUS, "rag": std.RAG}
    ac = ctx.rows("actions").with_sums(complete=_is(df["status"], "complete"))
    # An action counts under each characteristic it names (their shares may sum past 100).
    named = df[["body_code"]].assign(
        complete=_is(df["status"], "complete"),
        characteristics=df["characteristics"].astype(object).fillna("").str.split(";")) \
        .explode("characteristics").reset_index(drop=True)
    named_rows = _Rows(named, ctx.units["actions"], ctx.counts).with_sums(
        complete=named["complete"])
    t = _breakdowns(ac, {
        **{d: _codes(c.values) for d, c in dims.items()},
        "characteristics": (named_rows, std.ACTION_CHARACTERISTICS.values)}, ["complete"])
    by_status = t["breakdown"].eq("status")
    return _emit(t, {"actions": _counts(t["n"]), "pct_of_actions": _pcts(t["n"], t["base_n"]),
                     "complete": _where(by_status, _counts(t["complete"])),
                     "pct_complete": _where(by_status, _pcts(t["complete"], t["n"]))})


def _e1(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["engagement"]
    said = df["you_said_we_did"].astype(object).where(df["you_said_we_did"].notna(), "")
    en = ctx.rows("engagement").with_sums(
        people=pd.to_numeric(df["participants_total"], errors="coerce").fillna(0).astype("int64"),
        co=_flag(df["coproduced"]), said=said.astype(str).str.strip().ne("").astype("int64"))
    t = _breakdowns(en, {
        "activity_type": _codes(std.ACTIVITY_TYPE.values),
        "partnership_objective": _codes(std.PARTNERSHIP_OBJECTIVE.values)},
        ["people", "co", "said"])
    return _emit(t, {
        "activities": _counts(t["n"]), "participants": _counts(t["people"]),
        "activities_coproduced": _counts(t["co"]),
        "activities_you_said_we_did": _counts(t["said"]),
        "pct_of_activities": _pcts(t["n"], t["base_n"]), "pct_coproduced": _pcts(t["co"], t["n"]),
        "pct_you_said_we_did": _pcts(t["said"], t["n"]),
    })


def _e2(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["engagement_profile"]
    pr = ctx.rows("engagement_profile").with_sums(
        people=pd.to_numeric(df["participants"], errors="coerce").fillna(0).astype("int64"))
    # A blank category is in no listed category (only a listed code counts).
    pr = pr.with_factors(category=_factor(df["category"], blank=None))
    parts = []
    for char, codes in _CODES.items():
        rows = pr.where(df["characteristic"].eq(char).fillna(False).to_numpy(bool))
        parts += [_one(rows, "category", cats, ["people"], char)
                  for cats in ([TOTAL], codes.values)]
    t = pd.concat(parts, ignore_index=True)
    total = t[t["category"].eq(TOTAL)].set_index(["body_code", "breakdown"])["people"]
    base = total.reindex(pd.MultiIndex.from_frame(t[["body_code", "breakdown"]])).to_numpy()
    return _emit(t, {"participants": _counts(t["people"]),
                     "pct_of_participants": _pcts(t["people"], pd.Series(base, index=t.index))})


def _pr1(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["procurement"]
    flags = ("equality_criteria_in_tender", "equality_monitoring_in_contract", "community_benefits")
    pc = ctx.rows("procurement")
    pc = pc.with_sums(value_m=_micro(df["value_gbp"])).with_factors(
        contract_category=pc.factor("category"),
        **{c: _Factor(np.select([df[c].eq(True).fillna(False), df[c].eq(False).fillna(False)],
                                [0, 1], 2).astype(np.intp), _YES_NO) for c in flags})
    t = _breakdowns(pc, {
        "supplier_size": _codes(std.SUPPLIER_SIZE.values),
        "supplier_type": _codes(std.SUPPLIER_TYPE.values),
        "supplier_in_wales": _codes(std.YES_NO_NOT_KNOWN.values),
        **dict.fromkeys(flags, _YES_NO),
        "contract_category": _codes(std.PROCUREMENT_CATEGORY.values)}, ["value_m"])
    return _emit(t, {
        "contracts": _counts(t["n"]), "value_gbp": _pub(_money, t["value_m"], t["n"]),
        "pct_of_contracts": _pcts(t["n"], t["base_n"]),
        "pct_of_value": _pub(_share, t["value_m"], t["base_value_m"], t["n"], t["base_n"]),
    })


def _f1(ctx: _Ctx) -> pd.DataFrame:
    df = ctx.raw["feedback"]
    fb = ctx.rows("feedback").with_sums(eq=_flag(df["equality_related"]),
                                        change=_flag(df["led_to_change"]))
    equality = fb.where(fb.sums["eq"] == 1)
    cats = {"feedback_type": _codes(std.FEEDBACK_TYPE.values),
            "outcome": _codes(std.FEEDBACK_OUTCOME.values),
            "characteristic": _codes(std.FEEDBACK_CHARACTERISTIC.values)}
    dims = {"feedback_type": (fb, cats["feedback_type"]), "outcome": (fb, cats["outcome"]),
            "characteristic": (equality, cats["characteristic"])}
    t = _breakdowns(fb, dims, ["eq", "change"])
    # Medians are not additive: each cell's sorted list of days, from the case rows (a few:
    # the feedback sheet is small), each body's and then ALL's (with the kept bodies' cases).
    def fill(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.assign(all=TOTAL, **_filled(rows, *cats))

    kept = ctx.kept.get("feedback")
    pooled = fill(df if kept is None else pd.concat([df, kept[df.columns]], ignore_index=True))
    filled = pd.concat([fill(df), pooled.assign(body_code=ALL)], ignore_index=True)
    lists = []
    for dim in [TOTAL, *cats]:
        rows = filled[filled["equality_related"].eq(True).fillna(False)] \
            if dim == "characteristic" else filled
        closed = rows[rows["working_days_to_close"].notna()]
        days = closed.groupby(["body_code", dim])["working_days_to_close"] \
            .agg(lambda v: sorted(int(d) for d in v))
        lists.append(days.rename_axis(["body_code", "category"]).reset_index()
                     .assign(breakdown=dim))
    found = pd.concat(lists, ignore_index=True).set_index(["body_code", "breakdown", "category"]) \
        ["working_days_to_close"].reindex(pd.MultiIndex.from_frame(
            t[["body_code", "breakdown", "category"]]))
    medians = _Cells(*cells_of([_median_days(d if isinstance(d, list) else [])
                                for d in found]))
    by_char = t["breakdown"].eq("characteristic")  # equality-related by definition
    return _emit(t, {
        "cases": _counts(t["n"]), "pct_of_cases": _pcts(t["n"], t["base_n"]),
        "equality_related": _where(by_char, _counts(t["eq"])),
        "pct_equality_related": _where(by_char, _pcts(t["eq"], t["n"])),
        "led_to_change": _counts(t["change"]), "pct_led_to_change": _pcts(t["change"], t["n"]),
        "median_days_to_close": medians,
    })


# --- Tables from pay_gaps and measures ----------------------------------------------------


def _external(rows: pd.DataFrame, units: Sequence[str]) -> pd.DataFrame:
    """Contract rows (value, marker) on ALL's cells for every unit. The functions leave out a
    body with no records (an empty sheet): it gets what no people give — [z] for a percentage
    or likelihood, [low] for a pay gap, and the Census share as it is."""
    if rows.empty:  # no workforce rows at all
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*CELL, "value", "marker"]})
    rows = rows.assign(_have=True).set_index(CELL)[["value", "marker", "_have"]]
    cells = rows.loc[ALL].index if ALL in rows.index.get_level_values(0) else []
    full = pd.MultiIndex.from_tuples([(u, *c) for u in units for c in cells], names=CELL)
    out = rows.reindex(full).reset_index()
    value = out["value"].to_numpy(dtype=object, copy=True)
    marker = out["marker"].to_numpy(dtype=object, copy=True)
    missing = ~out["_have"].eq(True).to_numpy()
    if missing.any():
        measure = out["measure"].to_numpy(dtype=object)
        census = missing & (measure == "census_pct")
        if census.any():  # the Census share, as ALL has it
            at = rows.reindex(pd.MultiIndex.from_frame(out.loc[census, CELL].assign(
                body_code=ALL)))
            value[census] = at["value"].to_numpy(dtype=object)
            marker[census] = at["marker"].to_numpy(dtype=object)
        other = missing & ~census
        gap = np.array([m.endswith("_gap") for m in measure[other]], dtype=bool)
        value[other] = None
        marker[other] = np.where(gap, LOW, Z).astype(object)
    return out[CELL].assign(value=pd.Series(value, dtype=object),
                            marker=pd.Series(marker, dtype=object))


def _p(ctx: _Ctx) -> pd.DataFrame:
    pg = ctx.pay_gap if ctx.pay_gap is not None else pay_gap_rows(ctx.raw["workforce"])
    pg = pg.assign(measure=pg["metric"], breakdown=pg["characteristic"],
                   category=pg["reference_group"].astype(str) + "_vs_"
                   + pg["comparison_group"].astype(str))
    out = _external(pg, ctx.units["workforce"])
    return out.assign(table_id=np.where(out["measure"].str.match(r"q\d_"), "P2", "P1"))


def _r1(ctx: _Ctx) -> pd.DataFrame:
    rows = likelihood_rows(ctx.raw["recruitment"], ctx.raw["workforce"], snapshot=ctx.snapshot,
                           counts=ctx.counts)
    return _external(rows, ctx.units["workforce"])


_BUILDERS: dict[str, Callable[[_Ctx], pd.DataFrame]] = {
    "W1": _w1,
    "W2": lambda ctx: _two_way(ctx, ctx.in_post, "job_level", _codes(std.JOB_LEVEL.values)),
    "W3": _w3,
    "W4": lambda ctx: _two_way(ctx, ctx.in_post, "contract_type",
                               _codes(std.CONTRACT_TYPE.values)),
    "W5": _w5, "W6": _w6,
    "W7": lambda ctx: _staff_events(
        ctx, ["applied_for_position_change", "position_change_successful"],
        ["applied_for_position_change"],
        {"pct_successful_of_applied": ("position_change_successful",
                                       "applied_for_position_change")}),
    "W8": lambda ctx: _staff_events(
        ctx, ["applied_for_training", "training_approved", "completed_training"],
        ["applied_for_training", "completed_training"],
        {"pct_approved_of_applied": ("training_approved", "applied_for_training")}),
    "W9": lambda ctx: _staff_events(ctx, ["grievance_raised", "grievance_subject"],
                                    ["grievance_raised", "grievance_subject"]),
    "W10": lambda ctx: _staff_events(ctx, ["disciplinary"], ["disciplinary"]),
    "W11": _w11,
    "R1": _r1,
    "D1": lambda ctx: _external(declaration_rows(ctx.raw["workforce"], ctx.counts),
                                ctx.units["workforce"]),
    "C1": lambda ctx: _external(representation_rows(ctx.raw["workforce"], ctx.counts),
                                ctx.units["workforce"]),
    "A1": _a1, "E1": _e1, "E2": _e2, "PR1": _pr1, "F1": _f1,
}


def benchmark_rows(frames: Mapping[str, pd.DataFrame], submitted: Mapping[str, set[str]],
                   bodies: Sequence[str], *, annual: bool = False,
                   pay_gap: pd.DataFrame | None = None,
                   tables: Collection[str] | None = None, counts: CountBook | None = None,
                   kept: Mapping[str, pd.DataFrame] | None = None) -> pd.DataFrame:
    """The `benchmark` contract rows (without period) for every body in `bodies` and ALL.

    frames: standardised tables of one period (annual: the union of a year's four quarters),
    keyed by table name. submitted[table]: bodies whose accepted return included that sheet
    (Workforce, being required, defaults to every body). annual=True gives the event tables only.
    pay_gap: `pay_gap_rows(frames["workforce"])` when the caller has it already: P1 and P2 reuse
    it when every workforce row is from a body in `bodies` that submitted the sheet (they are
    recomputed from those bodies' rows otherwise). tables: only these table ids (default all).
    counts: records every count taken (`counts.CountBook`); when it keeps the counts of bodies
    whose records are not in `frames`, ALL adds them, and `kept` holds those bodies' rows of
    the sheets whose figures are not sums (feedback: F1's medians).
    value is a float or None, marker None or one of the markers; never both.
    """
    wanted = [t for t in TABLE_IDS if (tables is None or t in tables)
              and (not annual or t in EVENT_TABLES)]
    ctx = _Ctx(frames, submitted, bodies, annual, pay_gap, counts, kept)
    parts = [_p(ctx)] if {"P1", "P2"} & set(wanted) else []
    parts += [_BUILDERS[t](ctx).assign(table_id=t) for t in wanted if t in _BUILDERS]
    sheet_units = ctx.units
    del ctx  # its arrays run over every record: gone before the rows are put together
    if not parts:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in COLUMNS})
    rows = pd.concat(parts, ignore_index=True)
    del parts  # the tables' own frames, now copied into rows
    rows = rows[rows["table_id"].isin(wanted)] if tables is not None else rows
    rows = _not_submitted(rows, sheet_units, bodies)
    order = {t: i for i, t in enumerate(TABLE_IDS)}
    units = {b: i for i, b in enumerate([*bodies, ALL])}
    rows = rows.assign(_t=lookup(rows["table_id"], order), _b=lookup(rows["body_code"], units))
    rows = rows.sort_values(["_t", "_b"], kind="stable").reset_index(drop=True)
    return rows[COLUMNS]


def lookup(s: pd.Series, mapping: Mapping[str, int]) -> np.ndarray:
    """`s.map(mapping)` (NaN where not mapped), looking each distinct value up once."""
    codes, uniques = pd.factorize(s)
    found = np.array([mapping.get(u, np.nan) for u in uniques] + [np.nan], dtype=float)
    return found[codes]


def per_measure(table_id: pd.Series, measure: pd.Series, fn: Callable[[str, str], object],
                dtype: object = object) -> np.ndarray:
    """fn(table_id, measure) of each row, called once per distinct pair."""
    if len(table_id) == 0:
        return np.empty(0, dtype=dtype)
    t, t_uniques = pd.factorize(table_id)
    m, m_uniques = pd.factorize(measure)
    pairs, first = np.unique(t.astype(np.int64) * len(m_uniques) + m, return_inverse=True)
    values = np.array([fn(t_uniques[p // len(m_uniques)], m_uniques[p % len(m_uniques)])
                       for p in pairs.tolist()], dtype=dtype)
    return values[first.reshape(-1)]


def _not_submitted(rows: pd.DataFrame, units: Mapping[str, list[str]], bodies: Sequence[str]
                   ) -> pd.DataFrame:
    """[x] on ALL's cells for every body that did not submit a figure's sheet, and for ALL
    itself when no body did."""
    sheet = per_measure(rows["table_id"], rows["measure"], source_sheet)
    is_all = rows["body_code"].eq(ALL).to_numpy()
    grid = rows[is_all].assign(sheet=sheet[is_all])
    extra, gone = [], set()
    for name, cells in grid.groupby("sheet"):
        have = set(units[name])
        missing = [b for b in bodies if b not in have] + ([ALL] if have == {ALL} else [])
        extra += [cells.assign(body_code=b) for b in missing]
        gone |= {(b, name) for b in missing}
    if not extra:
        return rows
    x = pd.concat(extra, ignore_index=True).drop(columns="sheet")
    x["value"] = pd.Series([None] * len(x), dtype=object)
    x["marker"] = pd.Series([X] * len(x), dtype=object)
    # Rows to replace: the cells of x. Only rows of a (body, sheet) in x can be among them,
    # found on integer codes of the pairs (not a tuple per row: there are millions at x10).
    body, body_uniques = pd.factorize(rows["body_code"])
    sheet_code, sheet_uniques = pd.factorize(sheet)
    body_at = {b: i for i, b in enumerate(body_uniques)}
    sheet_at = {s: i for i, s in enumerate(sheet_uniques)}
    width = len(sheet_uniques)
    pairs = [body_at[b] * width + sheet_at[s] for b, s in gone if b in body_at and s in sheet_at]
    # a row without a body has code -1: a negative pair, none of `pairs`
    candidate = np.isin(body.astype(np.int64) * width + sheet_code, pairs)
    keep = np.ones(len(rows), bool)
    if candidate.any():
        key = ["table_id", *CELL]
        keep[candidate] = ~rows[candidate].set_index(key).index.isin(x.set_index(key).index)
    # (no copy of every row just to keep them all)
    return pd.concat([rows if keep.all() else rows[keep], x], ignore_index=True)
