"""Pay gaps, bonus measures and quartiles (METHODOLOGY.md, "Pay gaps")."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.methodology.pay_gaps import (
    COLUMNS,
    COMPARISONS,
    flag,
    groups,
    pay_gap_rows,
    quartile_counts,
    quartile_shares,
)
from sep_pipeline.methodology.rounding import (
    ALL,
    LOW,
    C,
    Z,
    bodies,
    publish_gap,
    publish_pct,
    publish_pct_pair,
    rows_frame,
    to_decimal,
)

F = Fraction


def person(sex: str = "female", pay: float | None = 15.0, *, body: str = "B1",
           in_post: bool = True, full_pay: bool | None = True, bonus: float | None = 0.0,
           ethnicity: str = "white_british", disability: str = "not_disabled") -> dict:
    """One standardised workforce row (the columns pay_gap_rows reads)."""
    return {"body_code": body, "period": "2025-26 Q4", "submission_id": 1,
            "in_post_at_snapshot": in_post, "full_pay_relevant": full_pay, "hourly_pay": pay,
            "bonus_pay_12m": bonus, "sex": sex, "ethnicity": ethnicity, "disability": disability}


def cell(rows: pd.DataFrame, metric: str, group: str = "female", body: str = "B1"):
    """(value, marker) of one pay_gap row."""
    hit = rows[(rows.body_code == body) & (rows.comparison_group == group)
               & (rows.metric == metric)]
    assert len(hit) == 1, (body, group, metric)
    return hit.value.iloc[0], hit.marker.iloc[0]


# --- Quartiles with ties ---------------------------------------------------------------------


def test_tie_block_straddling_a_boundary_is_shared_evenly():
    # 8 people, pays 10, 11, 12, 12, 12, 12, 13, 14; groups A B A A A B B A.
    # Boundaries b_k = round_half_up(k x 8 / 4) = 2, 4, 6. The four 12s hold ranks 3..6: two of
    # their positions fall in q2 (3, 4), two in q3 (5, 6), so q2 and q3 each take half the block
    # and half of each group in it: A 3/2, B 1/2.
    #   q1 = {10 A, 11 B}        -> A 1,   B 1   -> 1/2, 1/2
    #   q2 = half of {A, A, A, B} -> A 3/2, B 1/2 -> 3/4, 1/4
    #   q3 = the other half      -> 3/4, 1/4
    #   q4 = {13 B, 14 A}        -> 1/2, 1/2
    pay = [14, 12, 10, 12, 13, 12, 11, 12]  # order of input does not matter
    grp = ["A", "A", "A", "A", "B", "B", "B", "A"]
    in_a, in_b = [g == "A" for g in grp], [g == "B" for g in grp]
    assert quartile_counts(pay, in_a, in_b) == [(1, 1), (F(3, 2), F(1, 2)), (F(3, 2), F(1, 2)),
                                                (1, 1)]
    assert quartile_shares(pay, in_a, in_b) == [(F(1, 2), F(1, 2)), (F(3, 4), F(1, 4)),
                                                (F(3, 4), F(1, 4)), (F(1, 2), F(1, 2))]


def test_tie_block_shared_unevenly():
    # 10 people, pays 10, 11, 12, 12, 12, 13, 14, 15, 16, 17 with groups
    # A B | A B B | A A B B A. Boundaries: round_half_up(2.5, 5, 7.5) = 3, 5, 8.
    # The 12s hold ranks 3..5: q1 takes 1 of their 3 positions, q2 the other 2.
    #   q1 = {10 A, 11 B} + 1/3 of {A, B, B}: A 1 + 1/3 = 4/3, B 1 + 2/3 = 5/3 (3 people)
    #        shares 4/9, 5/9
    #   q2 = 2/3 of {A, B, B}: A 2/3, B 4/3 (2 people) -> 1/3, 2/3
    #   q3 = ranks 6..8 {13 A, 14 A, 15 B} -> 2/3, 1/3
    #   q4 = ranks 9, 10 {16 B, 17 A} -> 1/2, 1/2
    pay = [10, 11, 12, 12, 12, 13, 14, 15, 16, 17]
    grp = "ABABBAABBA"
    in_a, in_b = [g == "A" for g in grp], [g == "B" for g in grp]
    assert quartile_counts(pay, in_a, in_b) == [(F(4, 3), F(5, 3)), (F(2, 3), F(4, 3)),
                                                (2, 1), (1, 1)]
    assert quartile_shares(pay, in_a, in_b) == [(F(4, 9), F(5, 9)), (F(1, 3), F(2, 3)),
                                                (F(2, 3), F(1, 3)), (F(1, 2), F(1, 2))]


def test_quartiles_rank_the_whole_population_and_count_only_a_and_b():
    # Pays 10, 20, 30, 40: one person per quartile. The 30 is in neither group (e.g. Prefer not
    # to say): they hold their rank, so the quartiles stay the body's own pay quartiles, but
    # count for no one: q3 has no A or B, and its shares are (0, 0).
    pay, in_a, in_b = [10, 20, 30, 40], [True, False, False, False], [False, True, False, True]
    assert quartile_counts(pay, in_a, in_b) == [(1, 0), (0, 1), (0, 0), (0, 1)]
    assert quartile_shares(pay, in_a, in_b)[2] == (0, 0)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1000, 1012), st.sampled_from("ABN")), max_size=300))
def test_published_quartile_percentages_sum_to_100(people):
    # Pays in pennies from a narrow range, so ties straddle boundaries all the time.
    pay = [F(p, 100) for p, _ in people]
    in_a, in_b = [g == "A" for _, g in people], [g == "B" for _, g in people]
    counts = quartile_counts(pay, in_a, in_b)
    # Every A and B person is counted once, shared or not; each quartile holds its ranks.
    assert sum(a for a, _ in counts) == sum(in_a) and sum(b for _, b in counts) == sum(in_b)
    for ca, cb in counts:
        pa, pb = publish_pct_pair(ca, cb)
        assert (pa.value is None) == (pb.value is None)
        if pa.value is not None:
            assert pa.value + pb.value == Decimal("100.0")


# --- The pay_gap table -------------------------------------------------------------------------


def test_gov_uk_style_gender_pay_gap_example():
    """A small employer, worked the way the GOV.UK gender pay gap service expects.

    Full-pay relevant employees (hourly pay, £):
      men   (12): 11.50 12.00 12.00 13.25 14.75 16.00 18.40 20.00 22.10 25.00 31.60 48.00
      women (12): 10.90 11.50 12.00 12.00 12.60 13.25 14.00 15.30 16.00 18.40 21.75 29.10
    plus a woman on maternity leave on reduced pay (not full-pay relevant: out of hourly pay,
    in the bonus measures) and a man who left before the snapshot (out of everything).

    Mean hourly:   men 244.60 / 12, women 186.80 / 12
                   gap = (244.60 - 186.80) / 244.60 x 100 = 57.80 / 244.60 x 100 = 23.63.. -> 23.6
    Median hourly: men (16.00 + 18.40) / 2 = 17.20, women (13.25 + 14.00) / 2 = 13.625
                   gap = (17.20 - 13.625) / 17.20 x 100 = 3.575 / 17.2 x 100 = 20.78.. -> 20.8
    Bonus: all 12 men: 100 150 200 250 300 350 400 450 500 600 800 1200 (sum 5300)
           10 of 13 women: 50 100 100 150 200 250 300 (maternity) 350 400 600 (sum 2500)
      mean   men 5300/12, women 250: gap = (5300/12 - 250) / (5300/12) = 2300 / 5300
             = 43.39..% -> 43.4
      median men (350 + 400)/2 = 375, women (200 + 250)/2 = 225: gap = 150 / 375 = 40.0
      % receiving: men 12 of 12 = 100.0; women 10 of 13 = 76.9 on GOV.UK, but here [c]: the
      3 women without a bonus are a complement of 1-4.
    Quartiles: N = 24, boundaries 6, 12, 18. Ranked:
      1 W10.90 | 2-3 M11.50 W11.50 | 4-7 M12.00 M12.00 W12.00 W12.00 | 8 W12.60 | 9-10 M13.25
      W13.25 | 11 W14.00 | 12 M14.75 | 13 W15.30 | 14-15 M16 W16 | 16-17 M18.40 W18.40 | 18 M20
      | 19 W21.75 | 20 M22.10 | 21 M25 | 22 W29.10 | 23 M31.60 | 24 M48
      The 12.00 block (ranks 4-7) straddles boundary 6: 3/4 of it in q1, 1/4 in q2.
      q1: men 1 + 3/4 x 2 = 2.5, women 1 + 1 + 3/4 x 2 = 3.5 -> 41.7% / 58.3%
      q2: men 1/4 x 2 + 1 + 1 = 2.5, women 1/4 x 2 + 1 + 1 + 1 = 3.5 -> 41.7% / 58.3%
      q3: men 3, women 3 -> 50.0% / 50.0%
      q4: men 4 (22.10, 25, 31.60, 48), women 2 -> 66.7% / 33.3%
      GOV.UK publishes these; here each quartile has 6 people (< 10), so all are [c].
    """
    men = [11.50, 12.00, 12.00, 13.25, 14.75, 16.00, 18.40, 20.00, 22.10, 25.00, 31.60, 48.00]
    men_bonus = [100, 150, 200, 250, 300, 350, 400, 450, 500, 600, 800, 1200]
    women = [10.90, 11.50, 12.00, 12.00, 12.60, 13.25, 14.00, 15.30, 16.00, 18.40, 21.75, 29.10]
    women_bonus = [50, 100, 0, 100, 150, 200, 0, 250, 0, 350, 400, 600]
    rows = (
        [person("male", p, bonus=b) for p, b in zip(men, men_bonus, strict=True)]
        + [person("female", p, bonus=b) for p, b in zip(women, women_bonus, strict=True)]
        + [person("female", 17.00, full_pay=False, bonus=300.0),  # maternity, reduced pay
           person("male", 50.00, in_post=False, full_pay=None, bonus=5000.0)]  # a leaver
    )
    wf = pd.DataFrame(rows)
    # The exact quartile shares first, as GOV.UK would publish them.
    paid = wf[wf.full_pay_relevant.eq(True) & wf.in_post_at_snapshot]
    shares = quartile_shares(paid.hourly_pay.tolist(), (paid.sex == "male").tolist(),
                             (paid.sex == "female").tolist())
    assert shares == [(F(5, 12), F(7, 12)), (F(5, 12), F(7, 12)), (F(1, 2), F(1, 2)),
                      (F(2, 3), F(1, 3))]

    out = pay_gap_rows(wf)
    assert cell(out, "mean_hourly_gap") == (23.6, None)
    assert cell(out, "median_hourly_gap") == (20.8, None)
    assert cell(out, "mean_bonus_gap") == (43.4, None)
    assert cell(out, "median_bonus_gap") == (40.0, None)
    assert cell(out, "bonus_pct_reference") == (100.0, None)
    assert cell(out, "bonus_pct_group") == (None, C)
    for k in (1, 2, 3, 4):
        assert cell(out, f"q{k}_pct_reference") == (None, C)
        assert cell(out, f"q{k}_pct_group") == (None, C)
    # One body: the partnership figures are the same.
    assert out[out.body_code == ALL].drop(columns="body_code").reset_index(drop=True).equals(
        out[out.body_code == "B1"].drop(columns="body_code").reset_index(drop=True))


def test_published_quartiles():
    # 80 people paid 10.01 .. 10.80 (all different), so each quartile is 20 consecutive ranks:
    #   q1: 5 men, 15 women -> 25.0 / 75.0     q2: 10 / 10 -> 50.0 / 50.0
    #   q3: 12 / 8 -> 60.0 / 40.0              q4: 13 / 7 -> 65.0 / 35.0
    men_per_quartile = [5, 10, 12, 13]
    rows = []
    for q, m in enumerate(men_per_quartile):
        for i in range(20):
            rows.append(person("male" if i < m else "female", 10 + (20 * q + i + 1) / 100))
    out = pay_gap_rows(pd.DataFrame(rows))
    for k, (ref, grp) in enumerate([(25.0, 75.0), (50.0, 50.0), (60.0, 40.0), (65.0, 35.0)], 1):
        assert cell(out, f"q{k}_pct_reference") == (ref, None)
        assert cell(out, f"q{k}_pct_group") == (grp, None)


def test_gap_of_exactly_12_25_through_the_table():
    # 10 men on 20.00 and 10 women on 17.55: (20 - 17.55) / 20 x 100 = 12.25 -> 12.3.
    wf = pd.DataFrame([person("male", 20.00)] * 10 + [person("female", 17.55)] * 10)
    out = pay_gap_rows(wf)
    assert cell(out, "mean_hourly_gap") == (12.3, None)
    assert cell(out, "median_hourly_gap") == (12.3, None)


def test_groups_of_9_and_10():
    # 10 men on 20.00; women on 16.00: gap (20 - 16) / 20 x 100 = 20.0 with 10 women, [low]
    # with 9. No bonuses: bonus gaps [low] (0 receivers), bonus % 0 of 10 -> 0.0, 0 of 9 -> [c].
    men = [person("male", 20.00)] * 10
    nine = pay_gap_rows(pd.DataFrame(men + [person("female", 16.00)] * 9))
    ten = pay_gap_rows(pd.DataFrame(men + [person("female", 16.00)] * 10))
    assert cell(nine, "mean_hourly_gap") == (None, LOW)
    assert cell(nine, "median_hourly_gap") == (None, LOW)
    assert cell(ten, "mean_hourly_gap") == (20.0, None)
    assert cell(ten, "median_hourly_gap") == (20.0, None)
    assert cell(ten, "mean_bonus_gap") == (None, LOW)
    assert cell(ten, "bonus_pct_group") == (0.0, None)
    assert cell(nine, "bonus_pct_group") == (None, C)


def test_bonus_gap_needs_10_receivers_in_each_group():
    # 12 men and 12 women in post; 10 men and 9 women receive a bonus: the bonus gaps are [low]
    # even though each group has 12 people.
    rows = ([person("male", 20.0, bonus=100.0 if i < 10 else 0.0) for i in range(12)]
            + [person("female", 20.0, bonus=80.0 if i < 9 else 0.0) for i in range(12)])
    out = pay_gap_rows(pd.DataFrame(rows))
    assert cell(out, "mean_bonus_gap") == (None, LOW)
    assert cell(out, "median_bonus_gap") == (None, LOW)


def test_who_is_in_the_population():
    # Out of the hourly gap: not in post, not full-pay relevant, no or zero pay; Prefer not to
    # say and Not known are in neither group. 10 men on 20.00 and 10 women on 15.00 -> 25.0.
    rows = ([person("male", 20.0)] * 10 + [person("female", 15.0)] * 10
            + [person("female", 1.0, in_post=False, full_pay=None),
               person("female", 1.0, full_pay=False),
               person("female", 1.0, full_pay=None),
               person("prefer_not_to_say", 1.0),
               person("not_known", 1.0)])
    out = pay_gap_rows(pd.DataFrame(rows))
    assert cell(out, "mean_hourly_gap") == (25.0, None)


def test_ethnicity_comparisons():
    # 10 White on 20.00; 6 Asian on 15.00 and 5 Black on 10.00 (11 ethnic minority); 3 Prefer
    # not to say, in neither group.
    # White vs ethnic minority: mean (6 x 15 + 5 x 10) / 11 = 140 / 11;
    #   gap = (20 - 140/11) / 20 x 100 = (80/11) / 20 x 100 = 36.36.. -> 36.4
    #   median: 6th of 11 sorted (10 x 5, 15 x 6) = 15 -> (20 - 15) / 20 = 25.0
    # White vs Asian (6) and White vs Black (5): [low]. No one is Mixed: [low].
    rows = ([person(ethnicity="white_irish", pay=20.0)] * 10
            + [person(ethnicity="asian_indian", pay=15.0)] * 6
            + [person(ethnicity="black_african", pay=10.0)] * 5
            + [person(ethnicity="prefer_not_to_say", pay=1.0)] * 3)
    out = pay_gap_rows(pd.DataFrame(rows))
    assert cell(out, "mean_hourly_gap", "ethnic_minority") == (36.4, None)
    assert cell(out, "median_hourly_gap", "ethnic_minority") == (25.0, None)
    for g in ("asian", "black", "mixed", "other"):
        assert cell(out, "mean_hourly_gap", g) == (None, LOW)
    # Quartiles only for the headline comparisons.
    assert set(out[out.comparison_group == "asian"].metric) == {
        "mean_hourly_gap", "median_hourly_gap", "mean_bonus_gap", "median_bonus_gap",
        "bonus_pct_reference", "bonus_pct_group"}
    assert len(out[(out.comparison_group == "ethnic_minority") & (out.body_code == "B1")]) == 14


def test_table_shape_and_cells():
    out = pay_gap_rows(pd.DataFrame([person("male", 20.0), person("female", 15.0, body="B2")]))
    assert list(out.columns) == ["body_code", "characteristic", "reference_group",
                                 "comparison_group", "metric", "value", "marker"]
    assert sorted(out.body_code.unique()) == [ALL, "B1", "B2"]
    # 6 comparisons x 6 metrics, and 3 headline ones x 8 quartile metrics, per body.
    assert len(out) == 3 * (len(COMPARISONS) * 6 + 3 * 8)
    for v, m in zip(out.value, out.marker, strict=True):
        assert (v is None) != (m is None)  # a value or a marker, never both, never NaN
        assert v is None or isinstance(v, float)
    assert {m for m in out.marker if m} <= {LOW, C, Z}
    assert pay_gap_rows(pd.DataFrame([person()]).iloc[:0]).empty


# --- Pooled ALL --------------------------------------------------------------------------------

SEXES = ["male", "female", "prefer_not_to_say", "not_known"]
ETHNICITIES = ["white_british", "white_other", "asian_indian", "black_african", "mixed_other",
               "other_arab", "prefer_not_to_say", "not_known"]
workforce_rows = st.lists(
    st.builds(
        person,
        sex=st.sampled_from(SEXES),
        pay=st.sampled_from([10.90, 11.0, 12.5, 12.5, 15.25, 20.0, 33.33]),
        body=st.sampled_from(["B1", "B2", "B3"]),
        in_post=st.booleans(),
        full_pay=st.sampled_from([True, True, True, False, None]),
        bonus=st.sampled_from([0.0, 0.0, 50.0, 120.5, 999.99, None]),
        ethnicity=st.sampled_from(ETHNICITIES),
        disability=st.sampled_from(["disabled", "not_disabled", "not_known"]),
    ),
    min_size=1, max_size=120,
)


@settings(max_examples=40, deadline=None)
@given(workforce_rows)
def test_all_is_the_measure_of_the_pooled_records(rows):
    wf = pd.DataFrame(rows)
    out = pay_gap_rows(wf)
    pooled = pay_gap_rows(wf.assign(body_code="POOLED"))
    pooled = pooled[pooled.body_code == ALL]
    mine = out[out.body_code == ALL]
    assert mine.reset_index(drop=True).equals(pooled.reset_index(drop=True))
    # ... and it is the pooled records, not an average of the bodies: with one body, ALL is
    # that body.
    one = wf[wf.body_code == wf.body_code.iloc[0]]
    single = pay_gap_rows(one)
    a = single[single.body_code == ALL].drop(columns="body_code").reset_index(drop=True)
    b = single[single.body_code != ALL].drop(columns="body_code").reset_index(drop=True)
    assert a.equals(b)


# --- The vectorised table against the per-body definition -------------------------------------


def _reference_rows(workforce: pd.DataFrame) -> pd.DataFrame:
    """pay_gap_rows the slow, obvious way: each body's rows (then all of them, as ALL) on their
    own, through the reference functions (publish_gap on lists of exact values,
    quartile_counts). pay_gap_rows computes every body at once; it must agree exactly."""
    rows = []
    for body, df in bodies(workforce):
        in_post = df[flag(df["in_post_at_snapshot"])]
        pay = in_post["hourly_pay"].astype(float)
        paid = in_post[flag(in_post["full_pay_relevant"]) & (pay > 0)]
        ranked = paid["hourly_pay"].to_numpy(float)
        hourly = np.array([to_decimal(v) for v in ranked], dtype=object)
        bonus_pay = in_post["bonus_pay_12m"].astype(float).fillna(0.0).to_numpy()
        receives = bonus_pay > 0
        bonus = np.array([to_decimal(v) if v > 0 else None for v in bonus_pay], dtype=object)
        for comp in COMPARISONS:
            pa, pb = groups(paid[comp.characteristic], comp)
            sa, sb = groups(in_post[comp.characteristic], comp)
            ra, rb = sa & receives, sb & receives
            figures = [
                ("mean_hourly_gap", publish_gap(hourly[pa], hourly[pb], "mean")),
                ("median_hourly_gap", publish_gap(hourly[pa], hourly[pb], "median")),
                ("mean_bonus_gap", publish_gap(bonus[ra], bonus[rb], "mean")),
                ("median_bonus_gap", publish_gap(bonus[ra], bonus[rb], "median")),
                ("bonus_pct_reference", publish_pct(int(ra.sum()), int(sa.sum()))),
                ("bonus_pct_group", publish_pct(int(rb.sum()), int(sb.sum()))),
            ]
            if comp.headline:
                for k, (ca, cb) in enumerate(quartile_counts(ranked, pa, pb), start=1):
                    qa, qb = publish_pct_pair(ca, cb)
                    figures += [(f"q{k}_pct_reference", qa), (f"q{k}_pct_group", qb)]
            key = (body, comp.characteristic, comp.reference_group, comp.comparison_group)
            rows += [(*key, metric, p) for metric, p in figures]
    return rows_frame(COLUMNS, rows)


# Many bodies, narrow pay (ties straddling quartile boundaries), blanks everywhere.
many_bodies = st.lists(
    st.builds(
        person,
        sex=st.sampled_from(SEXES + [None]),
        pay=st.one_of(st.sampled_from([10.0, 10.01, 10.02, 17.55, 0.0, None]),
                      st.integers(1000, 4000).map(lambda pence: pence / 100)),
        body=st.sampled_from(["B1", "B2", "B3", "B4"]),
        in_post=st.sampled_from([True, True, True, False]),
        full_pay=st.sampled_from([True, True, True, False, None]),
        bonus=st.one_of(st.sampled_from([0.0, 0.0, 120.5, None]),
                        st.integers(1, 100_000).map(lambda pence: pence / 100)),
        ethnicity=st.sampled_from(ETHNICITIES + [None]),
        disability=st.sampled_from(["disabled", "not_disabled", "not_known", None]),
    ),
    min_size=80, max_size=300,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_bodies)
def test_every_body_at_once_equals_each_body_on_its_own(rows):
    wf = pd.DataFrame(rows, columns=list(person()))
    got = pay_gap_rows(wf)
    pd.testing.assert_frame_equal(got, _reference_rows(wf))
    # The invariant behind it: a body's rows are ALL's figures of a frame holding only its rows.
    for body in wf["body_code"].unique():
        alone = pay_gap_rows(wf[wf["body_code"] == body])
        pd.testing.assert_frame_equal(
            got[got.body_code == body].drop(columns="body_code").reset_index(drop=True),
            alone[alone.body_code == ALL].drop(columns="body_code").reset_index(drop=True))


def test_gap_from_pay_with_many_decimals_is_exact():
    # Pay that is not in pence still counts exactly as the decimal it is written as: 10 men on
    # 20.000001 and 10 women on 17.550001: gap (2.45 / 20.000001) x 100 = 12.2499993... -> 12.2
    # (a float gap of 12.25 would round to 12.3).
    wf = pd.DataFrame([person("male", 20.000001)] * 10 + [person("female", 17.550001)] * 10)
    assert cell(pay_gap_rows(wf), "mean_hourly_gap") == (12.2, None)
    pd.testing.assert_frame_equal(pay_gap_rows(wf), _reference_rows(wf))


def test_disability_pay_gap_worked_by_hand():
    """Not disabled (reference, 12): 10 12 14 16 18 20 22 24 26 28 30 32 -> mean 252/12 = 21,
    median (20 + 22)/2 = 21. Disabled (10): 9 11 13 15 16 18 21 23 25 29 -> mean 180/10 = 18,
    median (16 + 18)/2 = 17. Also in the pay population, in neither group: Prefer not to say on
    8.00 and two Not known on 50.00.
      mean gap   (21 - 18) / 21 x 100 = 14.285.. -> 14.3
      median gap (21 - 17) / 21 x 100 = 19.047.. -> 19.0
      no bonuses: bonus gaps [low] (no receivers), 0 of 12 and 0 of 10 receive one -> 0.0
    Quartiles: N = 25 (everyone in the pay population), boundaries round_half_up(6.25, 12.5,
    18.75) = 6, 13, 19. Ranked: 8X 9B 10A 11B 12A 13B | 14A 15B 16A 16B 18A 18B 20A | 21B 22A
    23B 24A 25B 26A | 28A 29B 30A 32A 50X 50X (the ties sit inside quartiles)
      q1: A 2, B 3 -> 2/5, 3/5     q2: A 4, B 3 -> 4/7, 3/7
      q3: A 3, B 3 -> 1/2, 1/2     q4: A 3, B 1 -> 3/4, 1/4
    published: [c] (each quartile has fewer than 10 A and B people)."""
    a = [10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32]
    b = [9, 11, 13, 15, 16, 18, 21, 23, 25, 29]
    rows = ([person("female", float(p), disability="not_disabled") for p in a]
            + [person("male", float(p), disability="disabled") for p in b]
            + [person("female", 8.0, disability="prefer_not_to_say"),
               person("male", 50.0, disability="not_known"),
               person("female", 50.0, disability="not_known")])
    wf = pd.DataFrame(rows)
    shares = quartile_shares(wf.hourly_pay.tolist(), (wf.disability == "not_disabled").tolist(),
                             (wf.disability == "disabled").tolist())
    assert shares == [(F(2, 5), F(3, 5)), (F(4, 7), F(3, 7)), (F(1, 2), F(1, 2)),
                      (F(3, 4), F(1, 4))]
    out = pay_gap_rows(wf)
    assert cell(out, "mean_hourly_gap", "disabled") == (14.3, None)
    assert cell(out, "median_hourly_gap", "disabled") == (19.0, None)
    assert cell(out, "mean_bonus_gap", "disabled") == (None, LOW)
    assert cell(out, "bonus_pct_reference", "disabled") == (0.0, None)
    assert cell(out, "bonus_pct_group", "disabled") == (0.0, None)
    for k in (1, 2, 3, 4):
        assert cell(out, f"q{k}_pct_group", "disabled") == (None, C)
    (row,) = out[(out.body_code == "B1") & (out.comparison_group == "disabled")
                 & (out.metric == "mean_hourly_gap")].itertuples()
    assert (row.characteristic, row.reference_group) == ("disability", "not_disabled")
