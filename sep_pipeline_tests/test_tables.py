"""Benchmark tables: small hand-built standardised frames, figures worked out by hand."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.methodology.rounding import ALL, MARKERS, X
from sep_pipeline.methodology.tables import (
    CATEGORICAL,
    COLUMNS,
    EVENT_TABLES,
    benchmark_rows,
    measure_places,
    pay_band,
    person_year,
    source_sheet,
)

SHEETS = ("workforce", "recruitment", "engagement", "engagement_profile", "procurement",
          "feedback", "actions")


def person(body: str, ref: str, **over: Any) -> dict[str, Any]:
    return {"body_code": body, "staff_ref": ref, "in_post_at_snapshot": True, "sex": "female",
            "fte": 1.0, "hourly_pay": 15.0, "full_pay_relevant": True} | over


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def cell(rows: pd.DataFrame, body: str, table: str, measure: str, breakdown: str = "all",
         category: str = "all") -> tuple[float | None, str | None]:
    hit = rows[(rows["body_code"] == body) & (rows["table_id"] == table)
               & (rows["measure"] == measure) & (rows["breakdown"] == breakdown)
               & (rows["category"] == category)]
    assert len(hit) == 1, (body, table, measure, breakdown, category, len(hit))
    return hit["value"].iloc[0], hit["marker"].iloc[0]


def run(frames: dict[str, pd.DataFrame], bodies: list[str],
        submitted: dict[str, set[str]] | None = None, **kw: Any) -> pd.DataFrame:
    sub = submitted if submitted is not None else {t: set(bodies) for t in frames}
    return benchmark_rows(frames, sub, bodies, **kw)


# --- W1 ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def w1() -> pd.DataFrame:
    rows = (
        # A: 12 women (FTE 11 x 1.0 + 1.5 = 12.5), 6 men (5 x 1.0 + 0.5 = 5.5), 2 Prefer not to
        # say (2.0), and two leavers who are not in post at the snapshot (not counted).
        [person("A", f"f{i}", fte=1.5 if i == 0 else 1.0) for i in range(12)]
        + [person("A", f"m{i}", sex="male", fte=0.5 if i == 0 else 1.0) for i in range(6)]
        + [person("A", f"p{i}", sex="prefer_not_to_say") for i in range(2)]
        + [person("A", "l1", in_post_at_snapshot=False, leave_date="2025-05-01"),
           person("A", "l2", sex="male", in_post_at_snapshot=False, leave_date="2025-05-01")]
        # B: 3 women in post.
        + [person("B", f"b{i}") for i in range(3)]
    )
    return run({"workforce": frame(rows)}, ["A", "B"])


@pytest.mark.parametrize(("body", "measure", "category", "expected"), [
    # headcount: 20 -> 20; 12 women -> 10; 6 men -> 5; 2 PNTS -> [c]; 0 Not known -> 0.
    ("A", "headcount", "all", (20.0, None)),
    ("A", "headcount", "female", (10.0, None)),
    ("A", "headcount", "male", (5.0, None)),
    ("A", "headcount", "prefer_not_to_say", (None, "[c]")),
    ("A", "headcount", "not_known", (0.0, None)),
    # FTE to the nearest 5, half away from zero: 12.5 / 5 = 2.5 -> 3 -> 15 (half-even: 10);
    # 5.5 -> 5; 20.0 -> 20; the 2 PNTS people are [c] like their headcount.
    ("A", "fte", "female", (15.0, None)),
    ("A", "fte", "male", (5.0, None)),
    ("A", "fte", "all", (20.0, None)),
    ("A", "fte", "prefer_not_to_say", (None, "[c]")),
    ("A", "fte", "not_known", (0.0, None)),
    # pct_of_headcount from unrounded counts: 12/20 = 60.0; 6/20 = 30.0; 2/20 [c]; 0/20 = 0.0.
    ("A", "pct_of_headcount", "female", (60.0, None)),
    ("A", "pct_of_headcount", "male", (30.0, None)),
    ("A", "pct_of_headcount", "prefer_not_to_say", (None, "[c]")),
    ("A", "pct_of_headcount", "not_known", (0.0, None)),
    # B: 3 people: every figure [c] (the % is of fewer than 10).
    ("B", "headcount", "female", (None, "[c]")),
    ("B", "pct_of_headcount", "female", (None, "[c]")),
    # ALL pools 23 people: 23 -> 25; 15 women -> 15, 15/23 = 65.217 -> 65.2; 6/23 = 26.09 -> 26.1.
    (ALL, "headcount", "female", (15.0, None)),
    (ALL, "pct_of_headcount", "female", (65.2, None)),
    (ALL, "pct_of_headcount", "male", (26.1, None)),
])
def test_w1_headcount_fte_and_share_by_sex(w1, body, measure, category, expected):
    breakdown = "all" if category == "all" else "sex"
    assert cell(w1, body, "W1", measure, breakdown, category) == expected


def test_w1_totals_and_every_characteristic(w1):
    assert cell(w1, ALL, "W1", "headcount") == (25.0, None)  # 23 -> 25, not a sum of cells
    assert cell(w1, "A", "W1", "pct_of_headcount") == (100.0, None)
    # Blank characteristics are Not known; ethnicity_group sits beside ethnicity.
    assert cell(w1, "A", "W1", "headcount", "ethnicity_group", "not_known") == (20.0, None)
    assert cell(w1, "A", "W1", "headcount", "ethnicity", "white_british") == (0.0, None)
    assert list(w1.columns) == COLUMNS


# --- Not submitted vs submitted empty ------------------------------------------------------


def test_missing_sheet_is_x_and_empty_sheet_is_zero():
    wf = frame([person(b, f"{b}{i}") for b in "ABC" for i in range(12)])
    rec = frame([{"body_code": "A", "application_ref": f"a{i}", "applicant_type": "external",
                  "sex": "female", "shortlisted": i < 6, "appointed": i < 2} for i in range(12)])
    rows = run({"workforce": wf, "recruitment": rec}, ["A", "B", "C"],
               {"workforce": {"A", "B", "C"}, "recruitment": {"A", "B"}})  # B: sheet, no rows
    w6 = rows[rows["table_id"] == "W6"]
    # C did not send Recruitment: every W6 figure is [x], never 0.
    c = w6[w6["body_code"] == "C"]
    assert len(c) > 0 and c["marker"].eq(X).all() and c["value"].isna().all()
    # B sent the sheet with headers and no rows: a true 0 (and a % of nobody is [z]).
    assert cell(rows, "B", "W6", "applicants") == (0.0, None)
    assert cell(rows, "B", "W6", "applicants", "sex", "female") == (0.0, None)
    assert cell(rows, "B", "W6", "pct_shortlisted") == (None, "[z]")
    # A: 12 -> 10 applicants; 6 shortlisted -> 5; 2 appointed [c]; 6/12 = 50.0%.
    assert cell(rows, "A", "W6", "applicants") == (10.0, None)
    assert cell(rows, "A", "W6", "pct_shortlisted") == (50.0, None)
    assert cell(rows, "A", "W6", "appointed") == (None, "[c]")
    # Every body has the same W6 cells; ALL pools the submitting bodies only.
    assert w6.groupby("body_code").size().nunique() == 1
    assert cell(rows, ALL, "W6", "applicants") == (10.0, None)
    # R1 mixes sheets: C's recruitment likelihoods are [x], its workforce ones are not.
    cat = "male_vs_female"
    assert cell(rows, "C", "R1", "shortlisted_from_applied", "sex", cat) == (None, X)
    assert cell(rows, "C", "R1", "entering_disciplinary", "sex", cat)[1] != X
    # Workforce tables are unaffected; a sheet nobody sent is [x] for ALL too.
    assert cell(rows, "C", "W1", "headcount") == (10.0, None)
    assert cell(rows, ALL, "PR1", "contracts") == (None, X)


# --- W3 band edges --------------------------------------------------------------------------


def test_pay_band_edges():
    pay = pd.Series([0.01, 12.59, 12.599999, 12.60, 14.99, 14.999, 15.0, 39.99, 40.0, 999.0])
    assert pay_band(pay).tolist() == [
        "under_12_60", "under_12_60", "under_12_60", "12_60_to_14_99", "12_60_to_14_99",
        "12_60_to_14_99", "15_00_to_19_99", "30_00_to_39_99", "40_00_and_over", "40_00_and_over"]


def test_w3_counts_people_at_the_edges_in_the_upper_band():
    wf = frame([person("A", f"a{i}", hourly_pay=12.60) for i in range(5)]
               + [person("A", f"b{i}", hourly_pay=40.00) for i in range(5)]
               + [person("A", "c", hourly_pay=12.0, full_pay_relevant=False)])  # not in W3
    rows = run({"workforce": wf}, ["A"])
    assert cell(rows, "A", "W3", "headcount", "pay_band/sex", "12_60_to_14_99/female") == (5, None)
    assert cell(rows, "A", "W3", "headcount", "pay_band/sex", "under_12_60/female") == (0, None)
    assert cell(rows, "A", "W3", "headcount", "pay_band/sex", "40_00_and_over/all") == (5, None)
    # 5 of the 10 women are in £40+: 50.0% of the sex; all of the band is female: 100.0.
    assert cell(rows, "A", "W3", "pct_of_sex", "pay_band/sex", "40_00_and_over/female") \
        == (50.0, None)
    assert cell(rows, "A", "W3", "pct_of_pay_band", "pay_band/sex", "40_00_and_over/female") \
        == (None, "[c]")  # 5 of 5: a percentage of fewer than 10 people


# --- A1, F1, PR1 ----------------------------------------------------------------------------


def test_a1_pct_complete():
    # 16 actions, 5 complete: 5/16 = 31.25% -> 31.3 half away from zero (half-even: 31.2).
    ac = frame([{"body_code": "A", "action_ref": f"1.{i}", "partnership_objective": "1",
                 "priority": "1", "status": "complete" if i < 5 else "in_progress",
                 "rag": "green", "action": "x"} for i in range(16)])
    rows = run({"workforce": frame([person("A", "a")]), "actions": ac}, ["A"])
    assert cell(rows, "A", "A1", "actions") == (15.0, None)
    assert cell(rows, "A", "A1", "complete") == (5.0, None)
    assert cell(rows, "A", "A1", "pct_complete") == (31.3, None)
    assert cell(rows, "A", "A1", "pct_complete", "partnership_objective", "1") == (31.3, None)
    assert cell(rows, "A", "A1", "pct_complete", "status", "complete") == (None, "[z]")


def test_f1_median_days_even_count_rounds_half_up():
    days = [1, 2, 2, 3, 8, 9]  # six closed cases: median (2 + 3) / 2 = 2.5 -> 3 (half-even: 2)
    fb = frame([{"body_code": "A", "case_ref": f"c{i}", "feedback_type": "complaint",
                 "outcome": "upheld", "working_days_to_close": d, "equality_related": False,
                 "led_to_change": False} for i, d in enumerate(days)]
               + [{"body_code": "A", "case_ref": "open", "feedback_type": "complaint",
                   "outcome": "open", "working_days_to_close": None}]
               + [{"body_code": "B", "case_ref": f"b{i}", "feedback_type": "concern",
                   "outcome": "upheld", "working_days_to_close": 4} for i in range(3)])
    wf = frame([person("A", "a"), person("B", "b")])
    rows = run({"workforce": wf, "feedback": fb}, ["A", "B"])
    assert cell(rows, "A", "F1", "median_days_to_close") == (3.0, None)
    assert cell(rows, "A", "F1", "cases") == (5.0, None)  # 7 -> 5
    assert cell(rows, "A", "F1", "median_days_to_close", "outcome", "open") == (None, "[z]")
    assert cell(rows, "B", "F1", "median_days_to_close") == (None, "[c]")  # only 3 cases
    # ALL pools 9 closed cases: 1 2 2 3 4 4 4 8 9 -> 4.
    assert cell(rows, ALL, "F1", "median_days_to_close") == (4.0, None)


def test_pr1_value_to_the_penny():
    # 1000.125 + 2000.00 + 10.10 + 20.20 + 30.20 = 3060.625 -> 3060.63 (half-even: 3060.62;
    # float addition: 3060.6249999...).
    values = [1000.125, 2000.00, 10.10, 20.20, 30.20]
    pc = frame([{"body_code": "A", "contract_ref": f"k{i}", "value_gbp": v, "category": "goods",
                 "supplier_size": "small", "supplier_in_wales": "yes",
                 "equality_criteria_in_tender": True} for i, v in enumerate(values)])
    rows = run({"workforce": frame([person("A", "a")]), "procurement": pc}, ["A"])
    assert cell(rows, "A", "PR1", "value_gbp") == (3060.63, None)
    assert cell(rows, "A", "PR1", "value_gbp", "supplier_size", "small") == (3060.63, None)
    assert cell(rows, "A", "PR1", "value_gbp", "supplier_size", "micro") == (0.0, None)
    assert cell(rows, "A", "PR1", "contracts", "equality_criteria_in_tender", "yes") == (5, None)
    assert cell(rows, "A", "PR1", "contracts", "equality_monitoring_in_contract", "not_known") \
        == (5.0, None)


# --- Annual --------------------------------------------------------------------------------


def test_annual_counts_people_once_and_gives_event_tables_only():
    # Six people, each in Q1 and Q2, applying for training in both: 6 people -> 5 (not 12 -> 10).
    wf = frame([person("A", f"a{i}", period=q, applied_for_training=True)
                for q in ("2025-26 Q1", "2025-26 Q2") for i in range(6)])
    rows = run({"workforce": wf}, ["A"], annual=True)
    assert set(rows["table_id"]) <= EVENT_TABLES and "R1" in set(rows["table_id"])
    assert cell(rows, "A", "W8", "applied_for_training") == (5.0, None)
    assert cell(rows, "A", "W8", "staff") == (5.0, None)


# --- Properties ----------------------------------------------------------------------------

SEXES = ("female", "male", "prefer_not_to_say", "not_known")
ETHNICITIES = ("white_british", "white_other", "asian_indian", "black_african",
               "prefer_not_to_say", "not_known")


@st.composite
def returns(draw) -> tuple[dict[str, pd.DataFrame], dict[str, set[str]], list[str]]:
    """Random small standardised frames for 2-3 bodies, some optional sheets not submitted."""
    bodies = ["A", "B", "C"][: draw(st.integers(2, 3))]
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in SHEETS}
    for b in bodies:
        for i in range(draw(st.integers(0, 14))):
            in_post = draw(st.booleans())
            rows["workforce"].append(person(
                b, f"{b}{i}", in_post_at_snapshot=in_post, sex=draw(st.sampled_from(SEXES)),
                ethnicity=draw(st.sampled_from(ETHNICITIES)),
                disability=draw(st.sampled_from(("disabled", "not_disabled", None))),
                job_level=draw(st.sampled_from(("operational", "middle_manager", None))),
                fte=draw(st.sampled_from((0.5, 1.0, None))),
                hourly_pay=draw(st.sampled_from((10.0, 12.6, 19.99, 40.0))),
                leaving_reason=None if in_post else draw(st.sampled_from(("resignation", None))),
                applied_for_training=draw(st.booleans()), disciplinary=draw(st.booleans())))
        for i in range(draw(st.integers(0, 12))):
            sl = draw(st.booleans())
            rows["recruitment"].append({
                "body_code": b, "application_ref": f"{b}{i}", "sex": draw(st.sampled_from(SEXES)),
                "applicant_type": draw(st.sampled_from(("external", "internal"))),
                "shortlisted": sl, "appointed": sl and draw(st.booleans())})
        for i in range(draw(st.integers(0, 8))):
            rows["feedback"].append({
                "body_code": b, "case_ref": f"{b}{i}",
                "feedback_type": draw(st.sampled_from(("complaint", "compliment"))),
                "outcome": "upheld", "working_days_to_close": draw(st.integers(0, 30)),
                "equality_related": True, "characteristic": "race"})
        for i in range(draw(st.integers(0, 8))):
            rows["procurement"].append({
                "body_code": b, "contract_ref": f"{b}{i}",
                "value_gbp": draw(st.sampled_from((99.995, 1000.0, 12.5))),
                "supplier_size": draw(st.sampled_from(("small", "large")))})
        for i in range(draw(st.integers(0, 8))):
            rows["actions"].append({
                "body_code": b, "action_ref": f"{i}",
                "status": draw(st.sampled_from(("complete", "in_progress"))),
                "characteristics": draw(st.sampled_from(("race;sex", "age", None)))})
        for i in range(draw(st.integers(0, 3))):
            rows["engagement"].append({"body_code": b, "activity_ref": f"{b}{i}",
                                       "participants_total": draw(st.integers(0, 40)),
                                       "coproduced": draw(st.booleans())})
            rows["engagement_profile"].append({
                "body_code": b, "activity_ref": f"{b}{i}", "characteristic": "sex",
                "category": draw(st.sampled_from(SEXES)), "participants": draw(st.integers(0, 9))})
    submitted = {t: {b for b in bodies if t == "workforce" or draw(st.booleans())}
                 for t in SHEETS}
    frames = {t: pd.DataFrame(r) for t, r in rows.items() if r}
    frames = {t: df[df["body_code"].isin(submitted[t])] for t, df in frames.items()}
    return frames, submitted, bodies


PROPERTY = settings(max_examples=6, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(returns())
def test_all_is_the_table_of_the_pooled_records(case):
    frames, submitted, bodies = case
    rows = benchmark_rows(frames, submitted, bodies)
    pooled = benchmark_rows({t: df.assign(body_code="POOL") for t, df in frames.items()},
                            {t: {"POOL"} if subs else set() for t, subs in submitted.items()},
                            ["POOL"])
    key = ["table_id", "measure", "breakdown", "category"]
    got = rows[rows["body_code"] == ALL].drop(columns="body_code").reset_index(drop=True)
    want = pooled[pooled["body_code"] == "POOL"].drop(columns="body_code").reset_index(drop=True)
    pd.testing.assert_frame_equal(got.sort_values(key, kind="stable").reset_index(drop=True),
                                  want.sort_values(key, kind="stable").reset_index(drop=True))


def _is_count(table: str, measure: str) -> bool:
    return (table not in ("P1", "P2", "R1", "D1", "C1") and measure_places(table, measure) == 0
            and measure != "median_days_to_close")


@PROPERTY
@given(returns())
def test_published_rows_obey_the_disclosure_rules(case):
    frames, submitted, bodies = case
    rows = benchmark_rows(frames, submitted, bodies)
    # No row has both a value and a marker, nor neither; markers are the GSS ones.
    assert (rows["value"].isna() != rows["marker"].isna()).all()
    assert rows["marker"].dropna().isin(MARKERS).all()
    # No published count is 1-4: 0, or a multiple of 5 from 5 up.
    counts = rows[[_is_count(t, m) for t, m in zip(rows["table_id"], rows["measure"],
                                                   strict=True)]]
    values = counts["value"].dropna().astype(float)
    assert ((values == 0) | ((values >= 5) & (values % 5 == 0))).all(), values.tolist()
    # Every unit has the same cells in every table; [x] exactly where the sheet is missing.
    sizes = rows.groupby(["table_id", "body_code"]).size().groupby("table_id").nunique()
    assert (sizes == 1).all()
    for b in bodies:
        mine = rows[rows["body_code"] == b]
        sheets = [source_sheet(t, m) for t, m in zip(mine["table_id"], mine["measure"],
                                                     strict=True)]
        sent = pd.Series([b in submitted[s] for s in sheets], index=mine.index, dtype=bool)
        assert (mine["marker"].eq(X) == ~sent).all()


@PROPERTY
@given(returns())
def test_each_body_is_the_table_of_its_own_records(case):
    # Every body is tallied at once (no loop over bodies): a body's rows must still be those of
    # a run on its records alone.
    frames, submitted, bodies = case
    rows = benchmark_rows(frames, submitted, bodies)
    key = ["table_id", "measure", "breakdown", "category"]
    for b in bodies:
        alone = benchmark_rows({t: df[df["body_code"] == b] for t, df in frames.items()},
                               {t: subs & {b} for t, subs in submitted.items()}, [b])
        got, want = rows[rows["body_code"] == b], alone[alone["body_code"] == b]
        if not (frames.get("workforce", pd.DataFrame(columns=["body_code"]))["body_code"]
                == b).any():
            # No one at all: the measures that take ALL's cells have none alone.
            got = got[~got["table_id"].isin(["P1", "P2", "R1", "D1", "C1"])]
            want = want[~want["table_id"].isin(["P1", "P2", "R1", "D1", "C1"])]
        # (values: a run where no one has a row at all types its text columns as object)
        pd.testing.assert_frame_equal(got.sort_values(key).reset_index(drop=True),
                                      want.sort_values(key).reset_index(drop=True),
                                      check_dtype=False)


@PROPERTY
@given(returns())
def test_some_tables_are_those_tables_of_all(case):
    frames, submitted, bodies = case
    rows = benchmark_rows(frames, submitted, bodies)
    some = {"W1", "P2", "R1", "F1"}
    pd.testing.assert_frame_equal(
        benchmark_rows(frames, submitted, bodies, tables=some),
        rows[rows["table_id"].isin(some)].reset_index(drop=True))


EVENT_FLAGS = ["maternity_in_period", "applied_for_position_change", "position_change_successful",
               "applied_for_training", "training_approved", "completed_training",
               "grievance_raised", "grievance_subject", "disciplinary"]


def _person_year_by_groupby(workforce: pd.DataFrame) -> pd.DataFrame:
    """person_year as a pandas groupby: the definition person_year computes without one."""
    wf = workforce.sort_values("period", kind="stable")
    ref = wf["staff_ref"].astype(object).where(wf["staff_ref"].notna(),
                                               "row:" + pd.Series(range(len(wf)), index=wf.index)
                                               .astype(str))
    flags = [f for f in EVENT_FLAGS if f in wf]
    g = wf.assign(staff_ref=ref, **{f: wf[f].eq(True).fillna(False).astype(int) for f in flags}) \
        .groupby(["body_code", "staff_ref"], sort=False)
    last = g.last()  # last non-blank of each column
    last[flags] = g[flags].max().astype(bool)
    return last.reset_index()


@settings(max_examples=40, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "body_code": st.sampled_from(["A", "B", None]),
    "staff_ref": st.sampled_from(["s1", "s2", "s3", "s4", None]),
    "period": st.sampled_from(["2025-26 Q1", "2025-26 Q2", "2025-26 Q4", None]),
    "sex": st.sampled_from(["female", "male", None]),
    "leaving_reason": st.sampled_from(["resignation", None]),
    "in_post_at_snapshot": st.booleans(),
    "fte": st.sampled_from([0.5, 1.0, None]),
    "disciplinary": st.sampled_from([True, False, None]),
    "training_approved": st.booleans(),
}), max_size=40))
def test_person_year_is_the_groupby_definition(rows):
    wf = pd.DataFrame(rows, columns=["body_code", "staff_ref", "period", "sex", "leaving_reason",
                                     "in_post_at_snapshot", "fte", "disciplinary",
                                     "training_approved"])
    got, want = person_year(wf), _person_year_by_groupby(wf)
    if want.empty:
        assert got.empty
        return

    def plain(df: pd.DataFrame) -> list[tuple]:
        return sorted(tuple(None if pd.isna(v) else v for v in r)
                      for r in df[list(want.columns)].itertuples(index=False))

    assert list(got.columns) == list(want.columns)
    assert plain(got) == plain(want)
    # People come in order of first appearance, quarters in period order.
    assert list(zip(got["body_code"], got["staff_ref"], strict=True)) == \
        list(zip(want["body_code"], want["staff_ref"], strict=True))


def test_a_true_count_of_4_is_suppressed_and_5_is_published():
    """The disclosure boundary at table level, with counts that are exactly 4 and 5 (rounded
    counts alone could never show a published 1-4). Body C, 14 people in post:
      disability: 4 disabled -> [c]; 10 not disabled -> 10, but its share 10/14 is [c] (its
        complement is 4); disabled share: numerator 4 -> [c];
      sexual orientation: 5 bisexual -> 5, share 5/14 = 35.714.. -> 35.7; 9 heterosexual ->
        10 (9 rounded to the nearest 5), share 9/14 = 64.285.. -> 64.3."""
    rows = ([person("C", f"d{i}", disability="disabled",
                    sexual_orientation="bisexual" if i < 2 else "heterosexual_or_straight")
             for i in range(4)]
            + [person("C", f"n{i}", disability="not_disabled",
                      sexual_orientation="bisexual" if i < 3 else "heterosexual_or_straight")
               for i in range(10)])
    out = run({"workforce": frame(rows)}, ["C"])
    assert cell(out, "C", "W1", "headcount", "disability", "disabled") == (None, "[c]")
    assert cell(out, "C", "W1", "pct_of_headcount", "disability", "disabled") == (None, "[c]")
    assert cell(out, "C", "W1", "headcount", "disability", "not_disabled") == (10.0, None)
    assert cell(out, "C", "W1", "pct_of_headcount", "disability", "not_disabled") == (
        None, "[c]")
    assert cell(out, "C", "W1", "headcount", "sexual_orientation", "bisexual") == (5.0, None)
    assert cell(out, "C", "W1", "pct_of_headcount", "sexual_orientation", "bisexual") == (
        35.7, None)
    assert cell(out, "C", "W1", "headcount", "sexual_orientation",
                "heterosexual_or_straight") == (10.0, None)
    assert cell(out, "C", "W1", "pct_of_headcount", "sexual_orientation",
                "heterosexual_or_straight") == (64.3, None)
    # ALL is the pooled records of the one body: the same cells.
    assert cell(out, ALL, "W1", "headcount", "disability", "disabled") == (None, "[c]")


def _as_categoricals(df: pd.DataFrame) -> pd.DataFrame:
    """The code columns as categoricals, as the figure store reads them, here with unused
    categories and in no particular order: a categorical's codes stand for its values."""
    cols = {c: pd.Categorical(df[c], categories=sorted(
                {*df[c].dropna(), "zz_unused", "aa_unused"}, reverse=True))
            for c in df.columns if c in CATEGORICAL and df[c].notna().any()}
    return df.assign(**cols)


@PROPERTY
@given(returns())
def test_categorical_columns_give_the_figures_of_their_text(case):
    frames, submitted, bodies = case
    coded = {t: _as_categoricals(df) for t, df in frames.items()}
    # P1 and P2 included: pay_gap_rows of the workforce, its categoricals as they are
    pd.testing.assert_frame_equal(benchmark_rows(coded, submitted, bodies),
                                  benchmark_rows(frames, submitted, bodies))
