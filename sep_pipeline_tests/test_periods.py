from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sep_pipeline.standard.periods import FIRST, Period


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


def _registry(tmp_path, monkeypatch, **expected_from: str) -> None:
    """The committed registry with some bodies' first expected quarter changed."""
    import csv

    from sep_pipeline.warehouse import registry

    with registry.path().open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["expected_from"] = expected_from.get(row["body_code"], row["expected_from"])
    path = tmp_path / "bodies.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    monkeypatch.setenv("SEP_BODY_REGISTRY", str(path))


def test_the_period_partitions_start_at_the_first_quarter_a_body_is_expected(tmp_path,
                                                                             monkeypatch):
    """Not at the standard's first quarter (2020-21 Q1): the picker would open on twenty empty
    quarters. They end at the current quarter, one more as each quarter starts."""
    from sep_pipeline.defs.partitions import known_periods, known_years
    from sep_pipeline.warehouse import registry

    first = min(b.expected_from for b in registry.load().values())
    got = known_periods(date(2026, 12, 6))
    assert got[0] == first.label and first > FIRST and got[-1] == "2026-27 Q3"
    assert known_periods(date(2027, 1, 1))[-1] == "2026-27 Q4"
    assert known_years(date(2027, 4, 1))[-2:] == ["2026-27", "2027-28"]
    # a body expected earlier moves the start back
    _registry(tmp_path, monkeypatch, CLCT=first.previous().previous().label)
    assert known_periods(date(2026, 12, 6))[0] == first.previous().previous().label


def test_a_return_for_a_quarter_the_pipeline_does_not_take_is_rejected_saying_why(
        tmp_path, monkeypatch):
    """A quarter before any body is expected (or not yet started): a valid return for it is
    rejected with the reason. It was recorded as rejected with no error at all."""
    import shutil

    import sqlalchemy as sa

    from sep_pipeline.defs.partitions import known_periods
    from sep_pipeline.runner import run_pending
    from sep_pipeline.warehouse import registry
    from sep_pipeline.warehouse import tables as warehouse
    from sep_pipeline_tests.isolation import isolate

    cfg = isolate(monkeypatch, tmp_path)
    _registry(tmp_path, monkeypatch, **{b: "2025-26 Q2" for b in registry.load()})
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
        f"(it takes 2025-26 Q2 to {known_periods()[-1]})")
    assert "Mae'r ffurflen hon ar gyfer 2025-26 Q1" in issues[0].message_cy
    assert loaded == 0
