"""The benchmark tables (METHODOLOGY.md, "Benchmark tables"): the `benchmark` contract rows.

`benchmark_rows` computes every table for each body and for `ALL` (the pooled records of every
body that submitted the sheet, never an average of body figures). Every figure is published
through `rounding`: counts with `publish_count`, percentages with `publish_pct` on the unrounded
counts, money to the penny, medians with `publish_value`. A body that did not submit a table's
sheet gets `[x]` for every figure of that table; a sheet submitted with no rows gives true zeros.
`[z]` marks a measure that does not apply to a breakdown (or a percentage of nobody).

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

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from fractions import Fraction
from functools import cached_property

import numpy as np
import pandas as pd

from .. import schemas
from .. import standard as std
from .measures import declaration_rows, likelihood_rows, representation_rows
from .pay_gaps import pay_gap_rows
from .rounding import (
    ALL,
    LOW,
    C,
    Published,
    X,
    Z,
    median,
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


def _pub(fn: Callable[..., Published], *cols: pd.Series) -> pd.Series:
    """fn of each row's values, computed once per distinct tuple (tables repeat 0s a lot)."""
    keys = list(zip(*(c.tolist() for c in cols), strict=True))
    memo = {k: fn(*k) for k in set(keys)}
    return pd.Series([memo[k] for k in keys], index=cols[0].index, dtype=object)


def _counts(n: pd.Series) -> pd.Series:
    return _pub(lambda v: publish_count(int(v)), n)


def _pcts(num: pd.Series, den: pd.Series) -> pd.Series:
    return _pub(lambda a, b: publish_pct(int(a), int(b)), num, den)


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


def _where(cond: pd.Series, pubs: pd.Series) -> pd.Series:
    """[z] where cond holds: the measure does not apply to those cells."""
    return pubs.where(~cond, Published(None, Z))


# --- Tallies --------------------------------------------------------------------------------


def _flag(s: pd.Series) -> pd.Series:
    """A Yes/No column as 0/1; blank is No."""
    return s.eq(True).fillna(False).astype("int64")


def _is(s: pd.Series, code: str) -> pd.Series:
    return s.eq(code).fillna(False).astype("int64")


def _micro(s: pd.Series) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce").astype("float64") * _MICRO
    return x.round().fillna(0).astype("int64")


def _filled(df: pd.DataFrame, *cols: str) -> dict[str, pd.Series]:
    return {c: df[c].astype(object).where(df[c].notna(), NOT_KNOWN) for c in cols}


def _tally(df: pd.DataFrame, units: Sequence[str], dims: Mapping[str, Sequence[str]],
           sums: Sequence[str] = ()) -> pd.DataFrame:
    """Row count `n` and the sums of `sums` for every unit x combination of listed categories
    (0 where there are none). A dim listed as ["all"] is the total over it, so a total counts
    every row, listed code or not, from its own unrounded count."""
    keys = ["body_code", *dims]
    data = df.assign(n=1, **{k: TOTAL for k, cats in dims.items() if list(cats) == [TOTAL]})
    g = data.groupby(keys, observed=True)[["n", *sums]].sum()
    index = pd.MultiIndex.from_product([list(units), *map(list, dims.values())], names=keys)
    return g.reindex(index, fill_value=0).astype("int64").reset_index()


def _one(df: pd.DataFrame, units: Sequence[str], dim: str, cats: Sequence[str],
         sums: Sequence[str] = (), breakdown: str | None = None) -> pd.DataFrame:
    t = _tally(df, units, {dim: cats}, sums)
    return t.rename(columns={dim: "category"}).assign(breakdown=breakdown or dim)


def _with_base(t: pd.DataFrame) -> pd.DataFrame:
    """`base_<col>`: the unit's `all`/`all` figure of each tallied column (for pct_of_*)."""
    total = t[t["breakdown"].eq(TOTAL)].set_index("body_code")
    cols = [c for c in total.columns
            if c not in ("breakdown", "category") and not c.startswith("base_")]
    return t.assign(**{f"base_{c}": t["body_code"].map(total[c]) for c in cols})


def _breakdowns(df: pd.DataFrame, units: Sequence[str],
                dims: Mapping[str, Sequence[str] | tuple[pd.DataFrame, Sequence[str]]],
                sums: Sequence[str] = ()) -> pd.DataFrame:
    """Cells `all`/`all`, then each breakdown's categories (a dim may bring its own rows)."""
    parts = [_one(df, units, "category", [TOTAL], sums, TOTAL)]
    for dim, spec in dims.items():
        rows, cats = spec if isinstance(spec[0], pd.DataFrame) else (df, spec)
        parts.append(_one(rows, units, dim, cats, sums))
    return _with_base(pd.concat(parts, ignore_index=True))


def _by_characteristic(df: pd.DataFrame, units: Sequence[str], sums: Sequence[str] = (),
                       chars: Sequence[str] = _PEOPLE) -> pd.DataFrame:
    return _breakdowns(df, units, {c: _CODES[c].values for c in chars}, sums)


def _crossed(df: pd.DataFrame, units: Sequence[str], d1: str, c1: Sequence[str], d2: str,
             c2: Sequence[str], sums: Sequence[str] = ()) -> pd.DataFrame:
    """A two-way table with margins: breakdown `d1/d2`, category `a/b`; `row_n` is the count of
    the cell's d1 category (all of d2), `col_n` of its d2 category (all of d1)."""
    t = pd.concat([_tally(df, units, {d1: x, d2: y}, sums)
                   for x in (c1, [TOTAL]) for y in (c2, [TOTAL])], ignore_index=True)
    for out, dim, other in (("row_n", d1, d2), ("col_n", d2, d1)):
        margin = t[t[other].eq(TOTAL)].set_index(["body_code", dim])["n"]
        t[out] = margin.reindex(pd.MultiIndex.from_frame(t[["body_code", dim]])).to_numpy()
    rank = [t[d].map({c: i for i, c in enumerate([*cs, TOTAL])}) for d, cs in ((d1, c1), (d2, c2))]
    t = t.assign(_a=rank[0], _b=rank[1]).sort_values(["_a", "_b"], kind="stable")
    return t.assign(breakdown=f"{d1}/{d2}", category=t[d1] + "/" + t[d2]).reset_index(drop=True)


def _emit(cells: pd.DataFrame, figures: Mapping[str, pd.Series]) -> pd.DataFrame:
    """Long rows (body_code, measure, breakdown, category, pub), one block per measure."""
    keys = cells[["body_code", "breakdown", "category"]]
    return pd.concat([keys.assign(measure=m, pub=p.to_numpy()) for m, p in figures.items()],
                     ignore_index=True)[[*CELL, "pub"]]


# --- Preparing the sheets -------------------------------------------------------------------


def _sheet_frame(frames: Mapping[str, pd.DataFrame], table: str) -> pd.DataFrame:
    """The standardised table with every standard column (a missing one blank, in its type)."""
    sheet = next(s for s in std.DATA_SHEETS if s.table == table)
    df = frames.get(table)
    df = pd.DataFrame({"body_code": pd.Series([], dtype=object)}) if df is None else df
    blank = schemas.empty_frame(sheet)
    missing = {c: pd.Series([pd.NA] * len(df), index=df.index, dtype=blank[c].dtype)
               for c in blank.columns if c not in df}
    return df.assign(**missing)


def _people(df: pd.DataFrame) -> pd.DataFrame:
    """Characteristics with blanks as Not known, and the broad ethnic group."""
    chars = _filled(df, *(c for c in std.CHARACTERISTICS if c in df))
    return df.assign(**chars, ethnicity_group=chars["ethnicity"].map(_ETHNIC_GROUP)
                     .fillna(NOT_KNOWN))


def person_year(workforce: pd.DataFrame) -> pd.DataFrame:
    """One workforce row per person (body, staff_ref) from a year's quarters: each event flag
    Yes if Yes in any quarter; every other field from the person's latest quarter."""
    if workforce.empty:
        return workforce
    wf = workforce.sort_values("period", kind="stable") if "period" in workforce else workforce
    # A row without a reference cannot be matched across quarters: it stays a person of its own.
    ref = wf["staff_ref"].astype(object).where(wf["staff_ref"].notna(),
                                               "row:" + pd.Series(range(len(wf)), index=wf.index)
                                               .astype(str))
    g = wf.assign(staff_ref=ref, **{f: _flag(wf[f]) for f in _EVENT_FLAGS}) \
        .groupby(["body_code", "staff_ref"], sort=False)
    last = g.last()  # last non-blank of each column
    last[_EVENT_FLAGS] = g[_EVENT_FLAGS].max().astype(bool)
    return last.reset_index()


def _latest_quarter(workforce: pd.DataFrame) -> pd.DataFrame:
    """Each body's rows of its latest period (the snapshot of a year's union)."""
    if "period" not in workforce or workforce.empty:
        return workforce
    latest = workforce.groupby("body_code")["period"].transform("max")
    return workforce[workforce["period"].eq(latest)]


class _Ctx:
    """Each sheet's rows from submitting bodies (`raw`), the same plus a copy labelled ALL
    (`pooled`: every tally then gives ALL from pooled records), and the units: submitting
    bodies in `bodies` order, then ALL."""

    def __init__(self, frames: Mapping[str, pd.DataFrame], submitted: Mapping[str, set[str]],
                 bodies: Sequence[str], annual: bool) -> None:
        self.raw: dict[str, pd.DataFrame] = {}
        self.pooled: dict[str, pd.DataFrame] = {}
        self.units: dict[str, list[str]] = {}
        self.snapshot: pd.DataFrame | None = None
        for sheet in std.DATA_SHEETS:
            # Workforce is a required sheet: every accepted return has it.
            subs = set(submitted.get(sheet.table, bodies if sheet is std.WORKFORCE else ()))
            df = _sheet_frame(frames, sheet.table)
            df = df[df["body_code"].isin(subs & set(bodies))].reset_index(drop=True)
            if sheet is std.WORKFORCE and annual:
                self.snapshot, df = _latest_quarter(df), person_year(df)
            self.raw[sheet.table] = df
            self.units[sheet.table] = [b for b in bodies if b in subs] + [ALL]
            self.pooled[sheet.table] = pd.concat([df, df.assign(body_code=ALL)],
                                                 ignore_index=True)

    def people(self, table: str) -> pd.DataFrame:
        return _people(self.pooled[table])

    @cached_property
    def staff(self) -> pd.DataFrame:
        """Workforce rows with event flags as 0/1 and `left` (not in post at the snapshot)."""
        wf = self.people("workforce")
        return wf.assign(**{f: _flag(wf[f]) for f in _EVENT_FLAGS},
                         left=1 - _flag(wf["in_post_at_snapshot"]))

    @cached_property
    def staff_cells(self) -> pd.DataFrame:
        """W7-W11 share one tally: staff and each event, by characteristic."""
        return _by_characteristic(self.staff, self.units["workforce"], [*_EVENT_FLAGS, "left"])

    def in_post(self) -> pd.DataFrame:
        wf = self.staff[self.staff["left"].eq(0)]
        return wf.assign(**_filled(wf, "job_level", "contract_type"))


# --- The tables -----------------------------------------------------------------------------


def _w1(ctx: _Ctx) -> pd.DataFrame:
    wf = ctx.in_post()
    t = _by_characteristic(wf.assign(fte_m=_micro(wf["fte"])), ctx.units["workforce"], ["fte_m"])
    return _emit(t, {"headcount": _counts(t["n"]), "fte": _pub(_fte, t["fte_m"], t["n"]),
                     "pct_of_headcount": _pcts(t["n"], t["base_n"])})


def _two_way(ctx: _Ctx, df: pd.DataFrame, dim: str, cats: Sequence[str]) -> pd.DataFrame:
    """W2-W4: a dimension by sex, with each cell's share of its row and of its column."""
    t = _crossed(df, ctx.units["workforce"], dim, cats, "sex", std.SEX.values)
    return _emit(t, {"headcount": _counts(t["n"]), f"pct_of_{dim}": _pcts(t["n"], t["row_n"]),
                     "pct_of_sex": _pcts(t["n"], t["col_n"])})


def pay_band(hourly_pay: pd.Series) -> pd.Series:
    """The W3 band of each (positive) hourly pay, compared in exact millionths of a pound."""
    edges = [int(Decimal(lo) * _MICRO) for lo, _ in PAY_BANDS]
    i = np.searchsorted(edges, _micro(hourly_pay).to_numpy(), side="right") - 1
    return pd.Series(np.array([b for _, b in PAY_BANDS], dtype=object)[i], index=hourly_pay.index)


def _w3(ctx: _Ctx) -> pd.DataFrame:
    wf = ctx.in_post()
    wf = wf[_flag(wf["full_pay_relevant"]).eq(1) & _micro(wf["hourly_pay"]).gt(0)]
    return _two_way(ctx, wf.assign(pay_band=pay_band(wf["hourly_pay"])), "pay_band",
                    [b for _, b in PAY_BANDS])


def _w5(ctx: _Ctx) -> pd.DataFrame:
    wf = ctx.in_post()
    wf = wf.assign(ft=_is(wf["working_pattern"], "full_time"),
                   pt=_is(wf["working_pattern"], "part_time"), flex=_flag(wf["flexible_working"]))
    t = _crossed(wf, ctx.units["workforce"], "job_level", _codes(std.JOB_LEVEL.values), "sex",
                 std.SEX.values, ["ft", "pt", "flex"])
    return _emit(t, {
        "headcount": _counts(t["n"]), "headcount_full_time": _counts(t["ft"]),
        "headcount_part_time": _counts(t["pt"]), "headcount_flexible_working": _counts(t["flex"]),
        "pct_full_time": _pcts(t["ft"], t["n"]), "pct_part_time": _pcts(t["pt"], t["n"]),
        "pct_flexible_working": _pcts(t["flex"], t["n"]),
    })


def _w6(ctx: _Ctx) -> pd.DataFrame:
    rc = ctx.people("recruitment")
    rc = rc.assign(ext=_is(rc["applicant_type"], "external"),
                   int_=_is(rc["applicant_type"], "internal"),
                   sl=_flag(rc["shortlisted"]), ap=_flag(rc["appointed"]))
    t = _by_characteristic(rc, ctx.units["recruitment"], ["ext", "int_", "sl", "ap"], _APPLICANTS)
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
    leavers = ctx.staff[ctx.staff["left"].eq(1)]
    reasons = _one(leavers.assign(**_filled(leavers, "leaving_reason")), ctx.units["workforce"],
                   "leaving_reason", _codes(std.LEAVING_REASON.values))
    t = ctx.staff_cells[["body_code", "breakdown", "category", "n", "left"]]
    t = _with_base(pd.concat([t, reasons.assign(left=reasons["n"])], ignore_index=True))
    by_reason = t["breakdown"].eq("leaving_reason")  # leavers only: no staff base
    return _emit(t, {"staff": _where(by_reason, _counts(t["n"])), "leavers": _counts(t["left"]),
                     "pct_leavers": _where(by_reason, _pcts(t["left"], t["n"])),
                     "pct_of_leavers": _pcts(t["left"], t["base_left"])})


def _a1(ctx: _Ctx) -> pd.DataFrame:
    ac = ctx.pooled["actions"]
    dims = {"partnership_objective": std.PARTNERSHIP_OBJECTIVE, "priority": std.PRIORITY,
            "status": std.ACTION_STATUS, "rag": std.RAG}
    ac = ac.assign(complete=_is(ac["status"], "complete"), **_filled(ac, *dims))
    # An action counts under each characteristic it names (their shares may sum past 100).
    named = ac.assign(characteristics=ac["characteristics"].astype(object).fillna("")
                      .str.split(";")).explode("characteristics")
    t = _breakdowns(ac, ctx.units["actions"], {
        **{d: _codes(c.values) for d, c in dims.items()},
        "characteristics": (named, std.ACTION_CHARACTERISTICS.values)}, ["complete"])
    by_status = t["breakdown"].eq("status")
    return _emit(t, {"actions": _counts(t["n"]), "pct_of_actions": _pcts(t["n"], t["base_n"]),
                     "complete": _where(by_status, _counts(t["complete"])),
                     "pct_complete": _where(by_status, _pcts(t["complete"], t["n"]))})


def _e1(ctx: _Ctx) -> pd.DataFrame:
    en = ctx.pooled["engagement"]
    said = en["you_said_we_did"].astype(object).where(en["you_said_we_did"].notna(), "")
    en = en.assign(
        people=pd.to_numeric(en["participants_total"], errors="coerce").fillna(0).astype("int64"),
        co=_flag(en["coproduced"]), said=said.astype(str).str.strip().ne("").astype("int64"),
        **_filled(en, "activity_type", "partnership_objective"))
    t = _breakdowns(en, ctx.units["engagement"], {
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
    pr = ctx.pooled["engagement_profile"]
    pr = pr.assign(people=pd.to_numeric(pr["participants"], errors="coerce").fillna(0)
                   .astype("int64"))
    units, parts = ctx.units["engagement_profile"], []
    for char, codes in _CODES.items():
        rows = pr[pr["characteristic"].eq(char).fillna(False)]
        parts += [_one(rows, units, "category", cats, ["people"], char)
                  for cats in ([TOTAL], codes.values)]
    t = pd.concat(parts, ignore_index=True)
    total = t[t["category"].eq(TOTAL)].set_index(["body_code", "breakdown"])["people"]
    base = total.reindex(pd.MultiIndex.from_frame(t[["body_code", "breakdown"]])).to_numpy()
    return _emit(t, {"participants": _counts(t["people"]),
                     "pct_of_participants": _pcts(t["people"], pd.Series(base, index=t.index))})


def _pr1(ctx: _Ctx) -> pd.DataFrame:
    pc = ctx.pooled["procurement"]
    flags = ("equality_criteria_in_tender", "equality_monitoring_in_contract", "community_benefits")
    pc = pc.assign(
        value_m=_micro(pc["value_gbp"]), contract_category=_filled(pc, "category")["category"],
        **_filled(pc, "supplier_size", "supplier_type", "supplier_in_wales"),
        **{c: pd.Series(np.select([pc[c].eq(True).fillna(False), pc[c].eq(False).fillna(False)],
                                  ["yes", "no"], NOT_KNOWN), index=pc.index) for c in flags})
    t = _breakdowns(pc, ctx.units["procurement"], {
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
    fb = ctx.pooled["feedback"]
    fb = fb.assign(eq=_flag(fb["equality_related"]), change=_flag(fb["led_to_change"]),
                   **_filled(fb, "feedback_type", "outcome", "characteristic"))
    equality = fb[fb["eq"].eq(1)]
    dims = {"feedback_type": (fb, _codes(std.FEEDBACK_TYPE.values)),
            "outcome": (fb, _codes(std.FEEDBACK_OUTCOME.values)),
            "characteristic": (equality, _codes(std.FEEDBACK_CHARACTERISTIC.values))}
    t = _breakdowns(fb, ctx.units["feedback"], dims, ["eq", "change"])
    # Medians are not additive: each cell's sorted list of days, from the case rows.
    lists = []
    for dim, (rows, _) in {TOTAL: (fb.assign(all=TOTAL), None), **dims}.items():
        closed = rows[rows["working_days_to_close"].notna()]
        days = closed.groupby(["body_code", dim])["working_days_to_close"] \
            .agg(lambda v: sorted(int(d) for d in v))
        lists.append(days.rename_axis(["body_code", "category"]).reset_index()
                     .assign(breakdown=dim))
    found = pd.concat(lists, ignore_index=True).set_index(["body_code", "breakdown", "category"]) \
        ["working_days_to_close"].reindex(pd.MultiIndex.from_frame(
            t[["body_code", "breakdown", "category"]]))
    medians = pd.Series([_median_days(d if isinstance(d, list) else []) for d in found],
                        index=t.index, dtype=object)
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
    """Contract rows (value, marker) -> pub, on ALL's cells for every unit. The functions leave
    out a body with no records (an empty sheet): it gets what no people give — [z] for a
    percentage or likelihood, [low] for a pay gap, and the Census share as it is."""
    if rows.empty:  # no workforce rows at all
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in [*CELL, "pub"]})
    rows = rows.assign(pub=[Published(None if m else Decimal(repr(v)), m)
                            for v, m in zip(rows["value"], rows["marker"], strict=True)])
    rows = rows.set_index(CELL)["pub"]
    cells = rows.loc[ALL].index if ALL in rows.index.get_level_values(0) else []
    full = pd.MultiIndex.from_tuples([(u, *c) for u in units for c in cells], names=CELL)
    out = rows.reindex(full).reset_index()
    for i in out.index[out["pub"].isna()]:
        m = out.at[i, "measure"]
        out.at[i, "pub"] = (rows[(ALL, m, out.at[i, "breakdown"], out.at[i, "category"])]
                            if m == "census_pct" else
                            Published(None, LOW if m.endswith("_gap") else Z))
    return out


def _p(ctx: _Ctx) -> pd.DataFrame:
    pg = pay_gap_rows(ctx.raw["workforce"])
    pg = pg.assign(measure=pg["metric"], breakdown=pg["characteristic"],
                   category=pg["reference_group"].astype(str) + "_vs_"
                   + pg["comparison_group"].astype(str))
    out = _external(pg, ctx.units["workforce"])
    return out.assign(table_id=np.where(out["measure"].str.match(r"q\d_"), "P2", "P1"))


def _r1(ctx: _Ctx) -> pd.DataFrame:
    rows = likelihood_rows(ctx.raw["recruitment"], ctx.raw["workforce"], snapshot=ctx.snapshot)
    return _external(rows, ctx.units["workforce"])


_BUILDERS: dict[str, Callable[[_Ctx], pd.DataFrame]] = {
    "W1": _w1,
    "W2": lambda ctx: _two_way(ctx, ctx.in_post(), "job_level", _codes(std.JOB_LEVEL.values)),
    "W3": _w3,
    "W4": lambda ctx: _two_way(ctx, ctx.in_post(), "contract_type",
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
    "D1": lambda ctx: _external(declaration_rows(ctx.raw["workforce"]), ctx.units["workforce"]),
    "C1": lambda ctx: _external(representation_rows(ctx.raw["workforce"]),
                                ctx.units["workforce"]),
    "A1": _a1, "E1": _e1, "E2": _e2, "PR1": _pr1, "F1": _f1,
}


def benchmark_rows(frames: Mapping[str, pd.DataFrame], submitted: Mapping[str, set[str]],
                   bodies: Sequence[str], *, annual: bool = False) -> pd.DataFrame:
    """The `benchmark` contract rows (without period) for every body in `bodies` and ALL.

    frames: standardised tables of one period (annual: the union of a year's four quarters),
    keyed by table name. submitted[table]: bodies whose accepted return included that sheet
    (Workforce, being required, defaults to every body). annual=True gives the event tables only.
    value is a float or None, marker None or one of the markers; never both.
    """
    ctx = _Ctx(frames, submitted, bodies, annual)
    parts = [] if annual else [_p(ctx)]
    parts += [_BUILDERS[t](ctx).assign(table_id=t) for t in TABLE_IDS
              if t in _BUILDERS and (not annual or t in EVENT_TABLES)]
    rows = _not_submitted(pd.concat(parts, ignore_index=True), ctx, bodies)
    order = {t: i for i, t in enumerate(TABLE_IDS)}
    units = {b: i for i, b in enumerate([*bodies, ALL])}
    rows = rows.assign(_t=rows["table_id"].map(order), _b=rows["body_code"].map(units))
    rows = rows.sort_values(["_t", "_b"], kind="stable").reset_index(drop=True)
    cells = [p.cells() for p in rows["pub"]]
    return rows.assign(value=pd.Series([v for v, _ in cells], dtype=object),
                       marker=pd.Series([m for _, m in cells], dtype=object))[COLUMNS]


def _not_submitted(rows: pd.DataFrame, ctx: _Ctx, bodies: Sequence[str]) -> pd.DataFrame:
    """[x] on ALL's cells for every body that did not submit a figure's sheet, and for ALL
    itself when no body did."""
    sheet = pd.Series([source_sheet(t, m) for t, m in zip(rows["table_id"], rows["measure"],
                                                          strict=True)], index=rows.index)
    grid = rows[rows["body_code"].eq(ALL)].assign(sheet=sheet)
    extra = []
    for name, cells in grid.groupby("sheet"):
        have = set(ctx.units[name])
        missing = [b for b in bodies if b not in have] + ([ALL] if have == {ALL} else [])
        extra += [cells.assign(body_code=b) for b in missing]
    if not extra:
        return rows
    x = pd.concat(extra, ignore_index=True).drop(columns="sheet")
    x["pub"] = [Published(None, X)] * len(x)
    key = ["table_id", *CELL]
    keep = ~rows.set_index(key).index.isin(x.set_index(key).index)
    return pd.concat([rows[keep], x], ignore_index=True)
