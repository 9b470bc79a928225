"""Change over time and the direction of travel (methodology.series), worked by hand and checked
for its invariants with hypothesis."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sep_pipeline.methodology.polarity import POLARITY, polarity_of
from sep_pipeline.methodology.series import SERIES_COLUMNS, compared_periods, series_rows

Q4, Q3, Q4_BEFORE = "2025-26 Q4", "2025-26 Q3", "2024-25 Q4"


def fig(period, body, table_id, measure, breakdown, category, value=None, marker=None):
    return {"period": period, "body_code": body, "table_id": table_id, "measure": measure,
            "breakdown": breakdown, "category": category, "value": value, "marker": marker}


def frame(rows):
    return pd.DataFrame(rows).astype({"value": object, "marker": object})


def row(s, period, measure, body="A", category=None):
    sel = s[(s["period"] == period) & (s["measure"] == measure) & (s["body_code"] == body)]
    if category is not None:
        sel = sel[sel["category"] == category]
    assert len(sel) == 1, sel
    return sel.iloc[0]


def test_compared_periods():
    assert compared_periods("2025-26 Q1") == ("2024-25 Q4", "2024-25 Q1")
    assert compared_periods("2025-26 Q3") == ("2025-26 Q2", "2024-25 Q3")
    assert compared_periods("2025-26") == (None, "2024-25")
    assert compared_periods("2000-01") == (None, "1999-00")


def test_changes_and_directions_worked_by_hand():
    gap = ("P1", "median_hourly_gap", "sex", "male_vs_female")
    declared = ("D1", "pct_declared", "ethnicity", "all")
    likely = ("R1", "appointed_from_shortlisted", "ethnicity", "white_vs_ethnic_minority")
    parity = ("R1", "shortlisted_from_applied", "ethnicity", "white_vs_ethnic_minority")
    zero = ("R1", "entering_disciplinary", "sex", "male_vs_female")
    head = ("W1", "headcount", "all", "all")
    female = ("C1", "workforce_pct", "sex", "female")
    census = ("C1", "census_pct", "sex", "female")
    rows = [
        # a gap narrowing: 15.0 a year ago, 12.3 last quarter, 10.1 now
        fig(Q4_BEFORE, "A", *gap, 15.0), fig(Q3, "A", *gap, 12.3), fig(Q4, "A", *gap, 10.1),
        # the partnership's gap went from -2.0 to 2.0: as far from 0, no change
        fig(Q3, "ALL", *gap, -2.0), fig(Q4, "ALL", *gap, 2.0),
        # a declaration rate suppressed last quarter: that change is [c]
        fig(Q4_BEFORE, "A", *declared, 70.0), fig(Q3, "A", *declared, marker="[c]"),
        fig(Q4, "A", *declared, 80.0),
        # likelihoods: 1.60 -> 1.25 is a ratio of 0.78125, published 0.78, nearer parity
        fig(Q4_BEFORE, "A", *likely, 1.6), fig(Q4, "A", *likely, 1.25),
        # 1.25 -> 0.80 is as far from parity either way: ratio 0.64, no change
        fig(Q3, "A", *parity, 1.25), fig(Q4, "A", *parity, 0.8),
        # a ratio from 0.00 is not applicable
        fig(Q3, "A", *zero, 0.0), fig(Q4, "A", *zero, 0.5),
        # counts: a difference in people, no polarity
        fig(Q3, "A", *head, 100.0), fig(Q4, "A", *head, 105.0),
        # representation: 57.0% female then 55.0%, Census 51.1%: closer, better
        fig(Q3, "A", *female, 57.0), fig(Q4, "A", *female, 55.0),
        fig(Q3, "A", *census, 51.1), fig(Q4, "A", *census, 51.1),
        # the spread has no series
        fig(Q4, "MEDIAN", *gap, 9.0),
    ]
    s = series_rows(frame(rows), [Q4])
    assert list(s.columns) == SERIES_COLUMNS
    assert set(s["period"]) == {Q4} and "MEDIAN" not in set(s["body_code"])

    g = row(s, Q4, "median_hourly_gap")
    assert (g["change_unit"], g["previous_period"], g["year_earlier_period"]) == ("pp", Q3,
                                                                                 Q4_BEFORE)
    assert g["change_previous"] == -2.2 and g["direction_previous"] == "better"
    assert g["change_year"] == -4.9 and g["direction_year"] == "better"
    assert g["change_previous_marker"] is None and g["change_year_marker"] is None
    a = row(s, Q4, "median_hourly_gap", body="ALL")
    assert a["change_previous"] == 4.0 and a["direction_previous"] == "no_change"
    # no figures a year earlier: not available, and no direction
    assert a["change_year"] is None and a["change_year_marker"] == "[x]"
    assert a["direction_year"] is None

    d = row(s, Q4, "pct_declared")
    assert d["change_previous"] is None and d["change_previous_marker"] == "[c]"
    assert d["direction_previous"] is None
    assert d["change_year"] == 10.0 and d["direction_year"] == "better"

    r = row(s, Q4, "appointed_from_shortlisted")
    assert r["change_unit"] == "ratio"
    assert r["change_year"] == 0.78 and r["direction_year"] == "better"
    assert r["change_previous_marker"] == "[x]"  # no figure last quarter
    p = row(s, Q4, "shortlisted_from_applied")
    assert p["change_previous"] == 0.64 and p["direction_previous"] == "no_change"
    z = row(s, Q4, "entering_disciplinary")
    assert z["change_previous"] is None and z["change_previous_marker"] == "[z]"

    h = row(s, Q4, "headcount")
    assert (h["change_unit"], h["change_previous"], h["direction_previous"]) == (
        "difference", 5.0, "not_applicable")
    w = row(s, Q4, "workforce_pct")
    assert w["change_previous"] == -2.0 and w["direction_previous"] == "better"
    c = row(s, Q4, "census_pct")
    assert c["change_previous"] == 0.0 and c["direction_previous"] == "not_applicable"


def test_a_year_is_compared_with_the_year_before_only():
    cell = ("D1", "pct_declared", "sex", "all")
    s = series_rows(frame([fig("2024-25", "A", *cell, 90.0), fig("2025-26", "A", *cell, 89.5),
                           fig(Q4, "A", *cell, 99.0)]), ["2025-26"])
    r = row(s, "2025-26", "pct_declared")
    assert r["previous_period"] is None and r["change_previous_marker"] == "[z]"
    assert r["year_earlier_period"] == "2024-25"
    assert r["change_year"] == -0.5 and r["direction_year"] == "worse"


def test_an_earlier_period_not_published_gives_x():
    cell = ("D1", "pct_declared", "sex", "all")
    figures = frame([fig(Q3, "A", *cell, 90.0), fig(Q4, "A", *cell, 91.0)])
    s = series_rows(figures, [Q4], published=[Q4])
    assert row(s, Q4, "pct_declared")["change_previous_marker"] == "[x]"


def test_polarity_is_declared_once_per_cell():
    seen = set()
    for p in POLARITY:
        key = (p.table_id, p.measure, p.breakdown, p.category)
        assert key not in seen, key
        seen.add(key)
    assert polarity_of("W1", "headcount", "all", "all") is None  # counts have none
    assert polarity_of("PR1", "pct_of_contracts", "community_benefits", "yes") == "higher"
    assert polarity_of("PR1", "pct_of_contracts", "community_benefits", "no") is None


# --- Invariants ------------------------------------------------------------------------------

CELLS = [("P1", "mean_hourly_gap", "sex", "male_vs_female"),
         ("D1", "pct_not_known", "sex", "all"),
         ("D1", "pct_declared", "sex", "all"),
         ("R1", "appointed_from_shortlisted", "sex", "male_vs_female"),
         ("W1", "headcount", "all", "all")]
MARKERS = ["[c]", "[low]", "[x]", "[z]"]


def _end(places: int):
    number = st.integers(-20000, 20000).map(lambda n: round(n / 10**places, places))
    return st.one_of(number.map(lambda v: (v, None)),
                     st.sampled_from(MARKERS).map(lambda m: (None, m)))


@st.composite
def _pairs(draw):
    out = []
    for cell in CELLS:
        places = 2 if cell[0] == "R1" else 0 if cell[1] == "headcount" else 1
        then, now = draw(_end(places)), draw(_end(places))
        if cell[0] == "R1":  # likelihoods are never negative
            then, now = ((abs(v) if v is not None else v, m) for v, m in (then, now))
        out.append((cell, then, now))
    return out


@settings(max_examples=150, deadline=None)
@given(_pairs())
def test_change_suppressed_iff_an_end_is_and_direction_follows_polarity(pairs):
    rows = []
    for cell, (v0, m0), (v1, m1) in pairs:
        rows += [fig(Q3, "A", *cell, v0, m0), fig(Q4, "A", *cell, v1, m1)]
    s = series_rows(frame(rows), [Q4]).set_index("measure")
    for (table_id, measure, breakdown, category), (v0, m0), (v1, m1) in pairs:
        r = s.loc[measure]
        suppressed = m0 is not None or m1 is not None
        from_zero = table_id == "R1" and not suppressed and v0 == 0
        assert (r["change_previous"] is None) == (suppressed or from_zero)
        assert (r["change_previous_marker"] is None) != (r["change_previous"] is None)
        if suppressed:
            assert r["change_previous_marker"] in {m0, m1}
            assert r["direction_previous"] is None
            continue
        if from_zero:
            assert r["change_previous_marker"] == "[z]"
            continue
        change, direction = r["change_previous"], r["direction_previous"]
        kind = polarity_of(table_id, measure, breakdown, category)
        if table_id == "R1":
            assert abs(change - v1 / v0) <= 0.005 + 1e-9
        else:
            assert abs(change - (v1 - v0)) < 1e-6
        if kind is None:
            assert direction == "not_applicable"
        elif kind == "higher":
            assert direction == ("better" if v1 > v0 else "worse" if v1 < v0 else "no_change")
        elif kind == "lower":
            assert direction == ("better" if v1 < v0 else "worse" if v1 > v0 else "no_change")
        elif kind == "toward_zero":
            a, b = abs(v1), abs(v0)
            assert direction == ("better" if a < b else "worse" if a > b else "no_change")
        elif kind == "toward_parity":
            def far(x: float) -> float:
                return float("inf") if x == 0 else max(x, 1 / x)
            if abs(far(v1) - far(v0)) > 1e-9:
                assert direction == ("better" if far(v1) < far(v0) else "worse")


# --- The warehouse's series table ------------------------------------------------------------


def _unit_frames(conn, periods) -> list[pd.DataFrame]:
    """The frames series.csv is written from, one unit of one period at a time, as the pack
    reads them (`series_parts`, keeping no parts)."""
    from sep_pipeline.publish.pack.series_parts import series_parts

    frames: list[pd.DataFrame] = []
    for _ in series_parts(conn, periods, lambda df: frames.append(df) or b"", None):
        pass
    return frames


def _figures(period: str, gap: float, marker: str | None = None):
    from sep_pipeline.publish.figures import Figures

    bench = frame([fig(period, "A", "P1", "median_hourly_gap", "sex", "male_vs_female",
                       None if marker else gap, marker),
                   fig(period, "ALL", "P1", "median_hourly_gap", "sex", "male_vs_female", gap),
                   fig(period, "MEDIAN", "P1", "median_hourly_gap", "sex", "male_vs_female",
                       gap)]).drop(columns="period")
    empty = pd.DataFrame({c: [] for c in ["body_code", "characteristic", "reference_group",
                                          "comparison_group", "metric", "value", "marker"]})
    position = bench.iloc[:0].drop(columns=["value", "marker"]).assign(position=[])
    return Figures(empty, bench, position)


def test_publishing_a_period_rewrites_its_series_and_the_later_ones(tmp_path):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from sep_pipeline.publish.figures import write_figures
    from sep_pipeline.publish.series_store import read_series
    from sep_pipeline.warehouse import tables as warehouse

    engine = warehouse.create_all(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for period, gap in ((Q4, 10.1), (Q3, 12.3), (Q4_BEFORE, 15.0)):  # out of order, as a
        with engine.begin() as conn:  # resubmitted earlier quarter would be
            write_figures(conn, period, _figures(period, gap))
    with engine.connect() as conn:
        s = read_series(conn, [Q3, Q4])
    assert set(s["body_code"]) == {"A", "ALL"}  # the spread has none
    a = row(s, Q4, "median_hourly_gap")
    assert (a["change_previous"], a["change_year"]) == (-2.2, -4.9)
    assert row(s, Q3, "median_hourly_gap")["change_previous_marker"] == "[x]"
    pubs = warehouse.publications
    with engine.begin() as conn:  # every pack up to date
        for period in (Q4_BEFORE, Q3, Q4):
            conn.execute(sa.insert(pubs).values(period=period, version=1, figures_version=1,
                                                pack_version=1, changed_at=datetime.now(UTC)))
    with engine.begin() as conn:  # Q3 again, the same: nothing later moves
        write_figures(conn, Q3, _figures(Q3, 12.3))
    with engine.connect() as conn:
        assert warehouse.out_of_date(conn) == []
    with engine.begin() as conn:  # Q3 revised: Q4's change since it follows
        write_figures(conn, Q3, _figures(Q3, 0, "[c]"))
    with engine.connect() as conn:
        a = row(read_series(conn, [Q4], {("P1", "median_hourly_gap", "sex",
                                          "male_vs_female")}), Q4, "median_hourly_gap")
        # Q4's pack shows that change: out of date, its figures still current
        stale = warehouse.out_of_date(conn)
    assert a["change_previous"] is None and a["change_previous_marker"] == "[c]"
    assert a["change_year"] == -4.9
    assert [(s.period, s.figures_current, s.current) for s in stale] == [(Q4, True, False)]


def _bodies_figures(period: str, seed: int, bodies: list[str]):
    """Random figures of `bodies`, ALL and the spread in two cells, some suppressed."""
    import random

    from sep_pipeline.publish.figures import Figures

    rng = random.Random(f"{period}{seed}")
    cells = [("P1", "median_hourly_gap", "sex", "male_vs_female"),
             ("W2", "headcount", "sex", "female")]
    rows = [fig(period, b, *cell, None if rng.random() < 0.2 else round(rng.uniform(-9, 99), 1))
            for b in [*bodies, "ALL", "MEDIAN"] for cell in cells]
    bench = frame(rows).drop(columns="period")
    bench["marker"] = bench["value"].map(lambda v: "[c]" if v is None else None)
    empty = pd.DataFrame({c: [] for c in ["body_code", "characteristic", "reference_group",
                                          "comparison_group", "metric", "value", "marker"]})
    position = bench.iloc[:0].drop(columns=["value", "marker"]).assign(position=[])
    return Figures(empty, bench, position)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_series_written_a_group_of_units_at_a_time_are_those_written_at_once(
        tmp_path, monkeypatch, seed):
    """`refresh_series` makes and writes the rows a few units at a time (`GROUP_ROWS`), so
    that memory does not grow with the number of bodies: the warehouse then holds the same
    rows, whatever the group size, and a later period's pack goes out of date exactly when an
    earlier period published again moves its changes (here a body's figures revised, or a
    body gone from it)."""
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from sep_pipeline.publish import series_store
    from sep_pipeline.publish.figures import write_figures
    from sep_pipeline.publish.series_store import read_series
    from sep_pipeline.warehouse import tables as warehouse

    bodies = ["AAFRS", "CLCT", "TCG", "ZB"]
    rounds = [(Q4_BEFORE, 0, bodies, None), (Q3, 0, bodies, None), (Q4, 0, bodies, None),
              (Q3, seed, bodies, None),  # Q3 again, revised: Q4's changes move
              (Q3, seed, bodies, None),  # the same again: nothing moves
              (Q3, seed + 9, bodies, {"TCG"}),  # only TCG's rewritten, revised: they move
              (Q3, seed + 9, bodies[:-1], {"ZB"})]  # ZB gone: its Q4 changes move
    results = []
    for most in (1, 5, 10**9):  # a unit a group (each has 2 rows a period), a few, all
        monkeypatch.setattr(series_store, "GROUP_ROWS", most)
        engine = warehouse.create_all(f"sqlite:///{tmp_path / f'w{most}.sqlite'}")
        stale = []
        for period, s, who, units in rounds:
            with engine.begin() as conn:
                write_figures(conn, period, _bodies_figures(period, s, who), units,
                              based_on=warehouse.published_stamp(conn, period))
            with engine.begin() as conn:  # what moved, then every pack made up to date
                stale.append([(o.period, o.current) for o in warehouse.out_of_date(conn)])
                for p in (Q4_BEFORE, Q3, Q4):
                    conn.execute(sa.delete(warehouse.publications).where(
                        warehouse.publications.c.period == p))
                    conn.execute(sa.insert(warehouse.publications).values(
                        period=p, version=1, figures_version=1, pack_version=1,
                        changed_at=datetime.now(UTC)))
        with engine.connect() as conn:
            s = read_series(conn, [Q4_BEFORE, Q3, Q4])
            units = {p: set(warehouse.series_stamps_of(conn, p)) for p in (Q3, Q4)}
        engine.dispose()
        results.append((s, stale, units))
    one = results[-1]
    assert len(one[0]) == 2 * 5 * 3 - 2  # 5 units, 2 cells, 3 periods; ZB gone from Q3
    assert one[1][2:] == [[], [(Q4, False)], [], [(Q4, False)], [(Q4, False)]]
    assert one[2] == {Q3: {"ALL", *bodies[:-1]}, Q4: {"ALL", *bodies}}
    for s, stale, units in results[:-1]:
        pd.testing.assert_frame_equal(s, one[0])
        assert (stale, units) == one[1:]


# --- docs/methodology.md ---------------------------------------------------------------------


def test_methodology_page_shows_the_polarity_and_outcomes_and_its_examples():
    from pathlib import Path

    from sep_pipeline.tools.docs_gen import refresh_methodology

    page = (Path(__file__).resolve().parents[1] / "docs" / "methodology.md").read_text(
        encoding="utf-8")
    assert refresh_methodology(page) == page, "run `sep-pipeline docs` and commit the page"
    flat = " ".join(page.split())
    # the worked examples, recomputed
    gap = ("P1", "median_hourly_gap", "sex", "male_vs_female")
    likely = ("R1", "appointed_from_shortlisted", "ethnicity", "white_vs_ethnic_minority")
    declared = ("D1", "pct_declared", "ethnicity", "all")
    s = series_rows(frame([
        fig(Q4_BEFORE, "A", *gap, 15.0), fig(Q3, "A", *gap, 12.3), fig(Q4, "A", *gap, 10.1),
        fig(Q4_BEFORE, "A", *likely, 1.6), fig(Q4, "A", *likely, 1.25),
        fig(Q4_BEFORE, "A", *declared, 70.0), fig(Q3, "A", *declared, marker="[c]"),
        fig(Q4, "A", *declared, 80.0)]), [Q4])
    g, r, d = (row(s, Q4, m) for m in ("median_hourly_gap", "appointed_from_shortlisted",
                                      "pct_declared"))
    assert f"**{g['change_previous']:+.1f} percentage points**".replace("-", "−") in flat
    assert f"**{g['change_year']:+.1f} percentage points**".replace("-", "−") in flat
    assert f"published as **{r['change_year']:.2f}**" in flat
    assert f"is **`{d['change_previous_marker']}`** and has no direction" in flat
    assert f"**{d['change_year']:+.1f} percentage points**, {d['direction_year']}" in flat


def test_pack_series_marks_provisional_and_revised_figures(tmp_path):
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from sep_pipeline.publish.figures import write_figures
    from sep_pipeline.publish.series_store import pack_periods
    from sep_pipeline.warehouse import tables as warehouse

    engine = warehouse.create_all(f"sqlite:///{tmp_path / 'w.sqlite'}")
    for period, gap in ((Q3, 12.3), (Q4, 10.1)):
        with engine.begin() as conn:
            write_figures(conn, period, _figures(period, gap))
    now = datetime.now(UTC)
    with engine.begin() as conn:  # Q3 final, and ALL's gap revised after
        conn.execute(sa.insert(warehouse.finalised_periods).values(
            period=Q3, finalised_at=now, finalised_by="command"))
        conn.execute(sa.insert(warehouse.revisions).values(
            period=Q3, table_id="P1", body_code="ALL", breakdown="sex",
            category="male_vs_female", measure="median_hourly_gap", old_value=12.0,
            new_value=12.3, revised_at=now))
    with engine.connect() as conn:
        s = pd.concat(_unit_frames(conn, pack_periods(conn, Q4)), ignore_index=True)
    keys = zip(s["period"], s["body_code"], strict=True)
    marks = dict(zip(keys, s["revision_marker"], strict=True))
    assert marks == {(Q3, "A"): "", (Q3, "ALL"): "[r]", (Q4, "A"): "[p]", (Q4, "ALL"): "[p]"}


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_series_rows_come_in_one_order_whatever_order_the_warehouse_gives(random):
    """PostgreSQL returns rows in no set order, and a period's rows rewritten fill the space
    others freed: series.csv was once written in another order after a resumed run."""
    from sep_pipeline.publish.series_store import in_series_order

    rows = frame([fig(p, b, t, m, "sex", c, 1.0)
                  for p in ("2025-26 Q1", "2024-25 Q4")
                  for b in ("ALL", "CLCT", "AAFRS")
                  for t in ("W10", "W2", "P1")
                  for m in ("headcount", "fte")
                  for c in ("male", "female")])
    order = list(range(len(rows)))
    random.shuffle(order)
    got = in_series_order(rows.iloc[order].reset_index(drop=True))
    assert got.equals(in_series_order(rows))
    keys = list(zip(got["period"], got["body_code"], got["table_id"], got["measure"],
                    got["category"], strict=True))
    assert keys[0] == ("2024-25 Q4", "AAFRS", "W2", "fte", "female")
    assert keys[-1] == ("2025-26 Q1", "ALL", "P1", "headcount", "male")
    # the bodies by code then ALL; the tables as numbered (W2 before W10)
    assert [k[1] for k in keys[::12]] == ["AAFRS", "CLCT", "ALL"] * 2
    assert [k[2] for k in keys[:12:4]] == ["W2", "W10", "P1"]


def _series_history() -> pd.DataFrame:
    """Four quarters' series of three bodies and ALL, some figures suppressed."""
    import random

    rng = random.Random(21)
    quarters = ["2024-25 Q4", "2025-26 Q1", "2025-26 Q2", "2025-26 Q3"]
    cells = [("W2", "headcount", "sex", c) for c in ("female", "male")] + \
        [("W10", "fte", "ethnicity", c) for c in ("white", "ethnic_minority")] + \
        [("P1", "median_hourly_gap", "sex", "male_vs_female"),
         ("D1", "pct_declared", "disability", "all")]
    figures = [fig(p, b, *cell, None if rng.random() < 0.2 else round(rng.uniform(-9, 99), 1))
               for p in quarters for b in ("TCG", "AAFRS", "CLCT", "ALL") for cell in cells]
    figures = frame(figures)
    figures["marker"] = figures["value"].map(lambda v: "[c]" if v is None else None)
    return series_rows(figures)


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_series_csv_read_a_period_at_a_time_is_the_csv_of_all_rows_sorted_at_once(
        tmp_path, database):
    """The pack writes series.csv a body of a period at a time from the warehouse
    (`pack.series_parts`): byte for byte what one frame of every row, sorted at
    once and written with to_csv, gives, whatever order the warehouse stores the rows in (here
    each period's stored shuffled). A provisional quarter's rows read [p], a final one's
    revised figure [r]."""
    import contextlib
    from datetime import UTC, datetime

    import sqlalchemy as sa

    from sep_pipeline.publish.pack.series_csv import series_table, write_series_csv
    from sep_pipeline.publish.pack.workbook import PackData
    from sep_pipeline.publish.series_store import in_series_order, pack_periods
    from sep_pipeline.warehouse import tables as warehouse
    from sep_pipeline_tests.postgres import throwaway_database

    rows = _series_history()
    periods = sorted(rows["period"].unique())
    final, revised = periods[1], ("W10", "CLCT", "ethnicity", "white", "fte")
    with contextlib.ExitStack() as stack:
        url = (stack.enter_context(throwaway_database()) if database == "postgres"
               else f"sqlite:///{tmp_path / 'w.sqlite'}")
        engine = warehouse.create_all(url)
        stack.callback(engine.dispose)
        with engine.begin() as conn:
            for i, p in enumerate(reversed(periods)):  # stored newest first, each shuffled
                part = rows[rows["period"] == p].sample(frac=1, random_state=i)
                warehouse.replace_period(conn, warehouse.series, p, part.drop(columns="period"))
                warehouse.stamp_published(conn, p)
            now = datetime.now(UTC)
            conn.execute(sa.insert(warehouse.finalised_periods).values(
                period=final, finalised_at=now, finalised_by="command"))
            conn.execute(sa.insert(warehouse.revisions).values(
                period=final, **dict(zip(("table_id", "body_code", "breakdown", "category",
                                          "measure"), revised, strict=True)),
                old_value=1.0, new_value=2.0, revised_at=now))
        empty = pd.DataFrame()
        with engine.connect() as conn:
            assert pack_periods(conn, periods[-1]) == periods
            data = PackData(periods[-1], empty, empty, empty, empty, empty,
                            series_periods=tuple(periods))
            (tmp_path / "parts").mkdir()
            parts_path, _ = write_series_csv(data, tmp_path / "parts", conn)
            parts = _unit_frames(conn, periods)
            one_frame = pd.concat(parts, ignore_index=True)
    # One body (or ALL) of one period at a time: what the pack holds does not grow with the
    # number of bodies.
    units = rows[["period", "body_code"]].drop_duplicates()
    assert len(parts) == len(units) == 16
    assert all(len(part[["period", "body_code"]].drop_duplicates()) == 1 for part in parts)
    expected = in_series_order(rows.sample(frac=1, random_state=99).reset_index(drop=True))
    key = zip(expected["period"], expected["table_id"], expected["body_code"],
              expected["breakdown"], expected["category"], expected["measure"], strict=True)
    expected["revision_marker"] = ["[r]" if (p, *k) == (final, *revised) else
                                   "" if p == final else "[p]" for p, *k in key]
    for folder in ("expected", "one"):
        (tmp_path / folder).mkdir()
    series_table(expected).to_csv(tmp_path / "expected" / "series.csv", index=False,
                                  encoding="utf-8-sig", lineterminator="\r\n")
    want = (tmp_path / "expected" / "series.csv").read_bytes()
    assert want.count(b"[r]") == 1 and want.count(b"\r\n") == len(rows) + 1
    assert parts_path.read_bytes() == want
    path, _ = write_series_csv(PackData(periods[-1], empty, empty, empty, empty, empty,
                                        series=one_frame), tmp_path / "one")
    assert path.read_bytes() == want
