"""Relative likelihoods, declaration rates and representation (METHODOLOGY.md, "Other measures")."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.methodology.measures import (
    census_members,
    census_reference,
    declaration_rows,
    likelihood_rows,
    relative_likelihood,
    representation_rows,
)
from sep_pipeline.methodology.rounding import ALL, LOW, C, Published, Z
from sep_pipeline.standard import sep_return as std

COLUMNS = ["body_code", "measure", "breakdown", "category", "value", "marker"]


def staff(body: str = "B1", *, in_post: bool = True, disciplinary: bool = False,
          training: bool = False, **chars: str) -> dict:
    row = {"body_code": body, "in_post_at_snapshot": in_post, "disciplinary": disciplinary,
           "training_approved": training}
    return row | {c: chars.get(c, "not_known") for c in std.CHARACTERISTICS}


def applicant(body: str = "B1", *, shortlisted: bool = False, appointed: bool = False,
              **chars: str) -> dict:
    row = {"body_code": body, "applicant_type": "external", "shortlisted": shortlisted,
           "appointed": appointed}
    return row | {c: chars.get(c, "not_known") for c in ("sex", "ethnicity", "disability")}


def cell(rows: pd.DataFrame, measure: str, category: str, body: str = "B1",
         breakdown: str | None = None):
    hit = rows[(rows.body_code == body) & (rows.measure == measure) & (rows.category == category)]
    if breakdown:
        hit = hit[hit.breakdown == breakdown]
    assert len(hit) == 1, (body, measure, category, breakdown)
    return hit.value.iloc[0], hit.marker.iloc[0]


# --- Relative likelihood ------------------------------------------------------------------------


def test_relative_likelihood_worked_examples():
    # Appointed from shortlisting: A 10 of 40 = 0.25, B 5 of 50 = 0.10 -> 0.25 / 0.10 = 2.50.
    assert relative_likelihood(10, 40, 5, 50) == Published(Decimal("2.50"))
    # A 9 of 10 = 0.9, B 8 of 10 = 0.8 -> 1.125 exactly -> 1.13 (half away; round() gives 1.12).
    assert relative_likelihood(9, 10, 8, 10) == Published(Decimal("1.13"))
    # Parity.
    assert relative_likelihood(3, 30, 2, 20) == Published(Decimal("1.00"))


def test_relative_likelihood_markers():
    assert relative_likelihood(5, 9, 5, 10).marker == LOW  # 9 in A's denominator
    assert relative_likelihood(5, 10, 5, 9).marker == LOW
    assert relative_likelihood(5, 10, 5, 10).value == Decimal("1.00")  # 10 is enough
    assert relative_likelihood(5, 10, 0, 10).marker == Z  # B's rate is 0: no ratio
    assert relative_likelihood(0, 0, 5, 10).marker == Z  # no one to compare
    assert relative_likelihood(0, 10, 5, 10).value == Decimal("0.00")


def test_likelihood_rows():
    # Recruitment: 20 men applied, 10 shortlisted, 4 appointed; 20 women applied, 16
    # shortlisted, 4 appointed.
    #   shortlisted_from_applied   = (10/20) / (16/20) = 0.625 -> 0.63 (half away from zero)
    #   appointed_from_shortlisted = (4/10) / (4/16) = 0.4 / 0.25 = 1.60
    rec = ([applicant(sex="male", shortlisted=i < 10, appointed=i < 4) for i in range(20)]
           + [applicant(sex="female", shortlisted=i < 16, appointed=i < 4) for i in range(20)])
    # Workforce: 30 men and 20 women in post; 3 men and 1 woman in post entered disciplinary,
    # and 1 woman who has since left (counted, as WRES counts everyone entering the process).
    #   entering_disciplinary = (3/30) / (2/20) = 0.1 / 0.1 = 1.00
    # Training approved for 15 men and 5 women: (15/30) / (5/20) = 0.5 / 0.25 = 2.00
    wf = ([staff(sex="male", disciplinary=i < 3, training=i < 15) for i in range(30)]
          + [staff(sex="female", disciplinary=i < 1, training=i < 5) for i in range(20)]
          + [staff(sex="female", in_post=False, disciplinary=True)])
    out = likelihood_rows(pd.DataFrame(rec), pd.DataFrame(wf))
    assert list(out.columns) == COLUMNS
    assert cell(out, "shortlisted_from_applied", "male_vs_female") == (0.63, None)
    assert cell(out, "appointed_from_shortlisted", "male_vs_female") == (1.6, None)
    assert cell(out, "entering_disciplinary", "male_vs_female") == (1.0, None)
    assert cell(out, "approved_for_training", "male_vs_female") == (2.0, None)
    # Everyone's ethnicity and disability is Not known: no one in either group.
    assert cell(out, "shortlisted_from_applied", "white_vs_ethnic_minority") == (None, Z)
    assert set(out.breakdown) == {"sex", "ethnicity", "disability"}
    assert set(out.body_code) == {"B1", ALL}


def test_likelihood_annual_snapshot_and_missing_recruitment():
    # A year: events from four quarters, the denominator from the Q4 snapshot only.
    # 10 men and 10 women in post; over the year 4 men and 2 women entered disciplinary.
    # (4/10) / (2/10) = 2.00. Had the four snapshots been used the denominators would be 40.
    q4 = [staff(sex="male") for _ in range(10)] + [staff(sex="female") for _ in range(10)]
    events = pd.DataFrame(q4 * 3 + [staff(sex="male", disciplinary=True)] * 4
                          + [staff(sex="female", disciplinary=True)] * 2)
    out = likelihood_rows(None, events, snapshot=pd.DataFrame(q4))
    assert cell(out, "entering_disciplinary", "male_vs_female") == (2.0, None)
    # No Recruitment sheet: nothing to compare.
    assert cell(out, "shortlisted_from_applied", "male_vs_female") == (None, Z)


# --- Declaration rates --------------------------------------------------------------------------


def test_declaration_rows():
    # 20 in post: ethnicity 12 declared, 3 Prefer not to say, 5 Not known (2 of them blank).
    #   declared 12/20 = 60.0; Prefer not to say 3/20 -> [c] (3 people); Not known 5/20 = 25.0
    # Sex: all 20 declared -> 100.0 (complement 0), 0.0, 0.0. A leaver is not counted.
    eth = ["white_british"] * 12 + ["prefer_not_to_say"] * 3 + ["not_known"] * 3 + [None] * 2
    wf = pd.DataFrame([staff(sex="female", ethnicity=e) for e in eth]
                      + [staff(in_post=False, ethnicity="prefer_not_to_say")])
    out = declaration_rows(wf)
    assert list(out.columns) == COLUMNS
    assert cell(out, "pct_declared", "all", breakdown="ethnicity") == (60.0, None)
    assert cell(out, "pct_prefer_not_to_say", "all", breakdown="ethnicity") == (None, C)
    assert cell(out, "pct_not_known", "all", breakdown="ethnicity") == (25.0, None)
    assert cell(out, "pct_declared", "all", breakdown="sex") == (100.0, None)
    assert cell(out, "pct_prefer_not_to_say", "all", breakdown="sex") == (0.0, None)
    # Welsh language skills have no Prefer not to say option: no such row.
    welsh = out[(out.breakdown == "welsh_language") & (out.body_code == "B1")]
    assert set(welsh.measure) == {"pct_declared", "pct_not_known"}
    # Every characteristic, for the body and for ALL.
    assert set(out.breakdown) == set(std.CHARACTERISTICS)
    assert set(out.body_code) == {"B1", ALL}


def test_declared_complement_suppressed():
    # 50 in post, 46 declared their disability and 4 did not: 92.0% would reveal the 4 -> [c],
    # and so is the 4 / 50 Not known itself.
    wf = pd.DataFrame([staff(disability="disabled")] * 46 + [staff()] * 4)
    out = declaration_rows(wf)
    assert cell(out, "pct_declared", "all", breakdown="disability") == (None, C)
    assert cell(out, "pct_not_known", "all", breakdown="disability") == (None, C)


# --- Representation ----------------------------------------------------------------------------


def test_census_reference_holds_the_methodology_figures():
    census = census_reference()
    assert {"characteristic", "category", "pct", "base", "source", "date"} <= set(census.columns)
    figures = {(r.characteristic, r.category): r.pct for r in census.itertuples()}
    assert figures[("sex", "female")] == 51.1
    assert [figures[("ethnicity", g)] for g in ("white", "asian", "mixed", "black", "other")] == [
        93.8, 2.9, 1.6, 0.9, 0.8]
    assert figures[("disability", "disabled")] == 21.1
    assert figures[("sexual_orientation", "not_answered")] == 7.6
    assert figures[("gender_identity", "no")] == 0.4
    assert figures[("welsh_language", "welsh_speaker")] == 17.8
    assert figures[("religion", "christian")] == 43.6
    assert all(census.source.str.contains("Census 2021")) and set(census.date) == {"2021-03-21"}
    # Every Census category stands for codes of its characteristic.
    for r in census.itertuples():
        members = census_members(r.characteristic, r.category)
        assert members and set(members) <= set(std.CHARACTERISTICS[r.characteristic].values)


def test_representation_rows():
    # 82 in post.
    # Sex: 41 female, 41 male -> 50.0 each; female vs 51.1: -1.1 pp; male vs 48.9: +1.1 pp.
    # Ethnicity (a compulsory Census question: base = the 80 who answered): 75 White, 5 Asian,
    # 2 Not known.
    #   White 75/80 = 93.75% -> 93.8 (half away from zero); vs 93.8: 93.75 - 93.8 = -0.05 -> -0.1
    #   (the difference comes from the unrounded share, and rounds away from zero too).
    #   Asian 5/80 = 6.25% -> 6.3; vs 2.9: 6.25 - 2.9 = 3.35 -> 3.4.
    #   Ethnic minority: the same 6.25 -> 6.3; vs 6.2: +0.05 -> +0.1.  Black 0/80 -> 0.0: -0.9.
    # Gender identity (voluntary: base = all 82): 2 say "no" -> 2/82 is [c], and so is the
    # difference, which would give it away.
    # Sexual orientation (voluntary: base = all 82; non-answers are "not answered"): everyone is
    # Not known -> not answered 100.0 vs 7.6: +92.4; heterosexual 0.0 vs 89.4: -89.4.
    eth = ["white_british"] * 60 + ["white_other"] * 15 + ["asian_chinese"] * 5 + ["not_known"] * 2
    wf = pd.DataFrame([staff(sex="female" if i % 2 else "male", ethnicity=e,
                             gender_identity="no" if i < 2 else "yes")
                       for i, e in enumerate(eth)])
    out = representation_rows(wf)
    assert list(out.columns) == COLUMNS

    def trio(category: str):
        return tuple(cell(out, m, category)
                     for m in ("workforce_pct", "census_pct", "difference_pp"))

    assert trio("female") == ((50.0, None), (51.1, None), (-1.1, None))
    assert trio("male") == ((50.0, None), (48.9, None), (1.1, None))
    assert trio("white") == ((93.8, None), (93.8, None), (-0.1, None))
    assert trio("asian") == ((6.3, None), (2.9, None), (3.4, None))
    assert trio("ethnic_minority") == ((6.3, None), (6.2, None), (0.1, None))
    assert trio("black") == ((0.0, None), (0.9, None), (-0.9, None))
    assert trio("no") == ((None, C), (0.4, None), (None, C))
    assert trio("not_answered") == ((100.0, None), (7.6, None), (92.4, None))
    assert trio("heterosexual_or_straight") == ((0.0, None), (89.4, None), (-89.4, None))


@pytest.mark.parametrize("fn", [declaration_rows, representation_rows])
def test_no_rows_without_records(fn):
    assert fn(pd.DataFrame([staff()]).iloc[:0]).empty


# --- Pooled ALL --------------------------------------------------------------------------------

people = st.lists(
    st.builds(
        staff,
        body=st.sampled_from(["B1", "B2", "B3"]),
        in_post=st.booleans(),
        disciplinary=st.booleans(),
        training=st.booleans(),
        sex=st.sampled_from(std.SEX.values),
        ethnicity=st.sampled_from(["white_british", "asian_indian", "black_other",
                                   "prefer_not_to_say", "not_known"]),
        disability=st.sampled_from(std.DISABILITY.values),
        welsh_language=st.sampled_from(std.WELSH_LANGUAGE.values),
    ),
    min_size=1, max_size=150,
)


@settings(max_examples=25, deadline=None)
@given(people, st.data())
def test_all_equals_the_measure_on_the_concatenated_records(rows, data):
    wf = pd.DataFrame(rows)
    rec = pd.DataFrame([applicant(r["body_code"], shortlisted=data.draw(st.booleans()),
                                  sex=r["sex"], ethnicity=r["ethnicity"],
                                  disability=r["disability"]) for r in rows])
    pooled_wf, pooled_rec = wf.assign(body_code="POOLED"), rec.assign(body_code="POOLED")
    for out, pooled in [
        (declaration_rows(wf), declaration_rows(pooled_wf)),
        (representation_rows(wf), representation_rows(pooled_wf)),
        (likelihood_rows(rec, wf), likelihood_rows(pooled_rec, pooled_wf)),
    ]:
        mine = out[out.body_code == ALL].reset_index(drop=True)
        theirs = pooled[pooled.body_code == "POOLED"].assign(body_code=ALL)
        assert mine.equals(theirs.reset_index(drop=True))


@settings(max_examples=25, deadline=None)
@given(people, st.data())
def test_each_body_is_the_measure_of_its_own_records(rows, data):
    # Every body is computed at once (no loop over bodies): a body's rows must still be ALL's
    # figures of a frame holding that body's records alone.
    wf = pd.DataFrame(rows)
    rec = pd.DataFrame([applicant(r["body_code"], shortlisted=data.draw(st.booleans()),
                                  appointed=data.draw(st.booleans()), sex=r["sex"],
                                  ethnicity=r["ethnicity"], disability=r["disability"])
                        for r in rows if data.draw(st.booleans())],
                       columns=list(applicant()))
    for fn in (declaration_rows, representation_rows,
               lambda w: likelihood_rows(rec[rec.body_code.isin(w.body_code)], w)):
        out = fn(wf)
        for body in wf.body_code.unique():
            alone = fn(wf[wf.body_code == body])
            mine = out[out.body_code == body].drop(columns="body_code").reset_index(drop=True)
            theirs = alone[alone.body_code == ALL].drop(columns="body_code")
            assert mine.equals(theirs.reset_index(drop=True)), body
