from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sep_pipeline.periods import FIRST, Period


@pytest.mark.parametrize(
    ("text", "label", "start", "end"),
    [
        ("2025-26 Q1", "2025-26 Q1", date(2025, 4, 1), date(2025, 6, 30)),
        ("2025/26 q2", "2025-26 Q2", date(2025, 7, 1), date(2025, 9, 30)),
        ("Q3 2025-26", "2025-26 Q3", date(2025, 10, 1), date(2025, 12, 31)),
        ("Ch4 2025-2026", "2025-26 Q4", date(2026, 1, 1), date(2026, 3, 31)),
        ("2099-00 Q4", "2099-00 Q4", date(2100, 1, 1), date(2100, 3, 31)),
    ],
)
def test_parse_and_dates(text, label, start, end):
    p = Period.parse(text)
    assert (p.label, p.start, p.end) == (label, start, end)


@pytest.mark.parametrize(
    "text", ["2025 Q2", "2025-27 Q1", "2025-26", "2025-26 Q5", "Q1 2025-26 Q1"]
)
def test_not_periods(text):
    with pytest.raises(ValueError):
        Period.parse(text)


def test_quarter_ends_the_day_before_the_next_one_starts():
    p = Period(2025, 4)
    assert p.has_ended(date(2026, 4, 1)) and not p.has_ended(date(2026, 3, 31))
    assert FIRST.label == "2020-21 Q1"


@given(st.integers(2000, 2200), st.integers(1, 4))
def test_label_round_trip_and_quarters_tile_the_year(year, quarter):
    p = Period(year, quarter)
    assert Period.parse(p.label) == p
    assert p.next().start == date.fromordinal(p.end.toordinal() + 1)
    assert p.next().previous() == p


def test_the_period_partitions_start_at_the_first_quarter_a_body_is_expected(tmp_path,
                                                                             monkeypatch):
    """Not at the standard's first quarter (2020-21 Q1): the picker would open on twenty empty
    quarters. They end at the current quarter, one more as each quarter starts."""
    from sep_pipeline import registry
    from sep_pipeline.definitions import known_periods

    first = min(b.expected_from for b in registry.load().values())
    got = known_periods(date(2026, 12, 6))
    assert got[0] == first.label == "2025-26 Q1" and got[-1] == "2026-27 Q3"
    assert known_periods(date(2027, 1, 1))[-1] == "2026-27 Q4"
    # a body expected earlier moves the start back
    earlier = tmp_path / "bodies.csv"
    text = registry.path().read_text(encoding="utf-8").splitlines()
    text[1] = text[1].replace("2025-26 Q1", "2024-25 Q3", 1)
    earlier.write_text("\n".join(text) + "\n", encoding="utf-8")
    monkeypatch.setenv("SEP_BODY_REGISTRY", str(earlier))
    assert known_periods(date(2026, 12, 6))[0] == "2024-25 Q3"


def test_a_return_for_a_quarter_the_partitions_do_not_hold_is_rejected_saying_why(
        tmp_path, monkeypatch):
    """A deployment whose partitions lack a quarter (loaded before it, or a quarter no body is
    expected for): a valid return for it is rejected with the reason. It was recorded as
    rejected with no error at all."""
    import shutil

    import dagster as dg
    import sqlalchemy as sa

    from sep_pipeline import definitions, warehouse
    from sep_pipeline.runner import run_pending
    from sep_pipeline_tests.isolation import isolate

    cfg = isolate(monkeypatch, tmp_path)
    monkeypatch.setattr(definitions, "PERIODS", dg.StaticPartitionsDefinition(
        ["2025-26 Q2", "2025-26 Q3"]))
    (cfg.intake_dir / "CLCT").mkdir(parents=True)
    shutil.copyfile("data_raw/CLCT/CLCT_2025-26_Q1.xlsx",
                    cfg.intake_dir / "CLCT" / "CLCT_2025-26_Q1.xlsx")
    assert [r.status for r in run_pending()] == ["rejected"]
    with warehouse.engine(cfg.warehouse_url).connect() as conn:
        issues = conn.execute(sa.text(
            "select severity, code, message, message_cy from validation_issues")).all()
        loaded = conn.execute(sa.text("select count(*) from workforce")).scalar_one()
    # the reason first, then what validation found (CLCT sent Procurement with headers only)
    assert [(i.severity, i.code) for i in issues] == [("error", "intake.period_not_open"),
                                                      ("warning", "sheet.headers_only")]
    assert issues[0].message.startswith(
        "This return is for 2025-26 Q1, a quarter the pipeline does not take returns for yet "
        "(it takes 2025-26 Q2 to 2025-26 Q3)")
    assert "Mae'r ffurflen hon ar gyfer 2025-26 Q1" in issues[0].message_cy
    assert loaded == 0
