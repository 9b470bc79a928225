"""series.csv's kept parts (`publish.pack.series_parts`): whatever happened to the warehouse's
series since the parts were kept (a unit's rows rewritten, a quarter finalised, a figure
revised, a kept file damaged, other code), the file written with them is byte for byte the one
written without them; and a unit whose rows, markers and code did not change is not read again.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.publish.pack import series_csv, series_parts
from sep_pipeline.publish.pack.series_csv import write_series_csv
from sep_pipeline.publish.pack.workbook import PackData
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline_tests.test_series import _series_history

ROWS = _series_history()  # 4 quarters x (TCG, AAFRS, CLCT, ALL)
PERIODS = sorted(ROWS["period"].unique())
UNITS = sorted(ROWS["body_code"].unique())
EMPTY = pd.DataFrame()
SERIES_TABLE = series_csv.series_table


class Reads:
    """Counts the units series_parts reads from the warehouse."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.units: list[tuple[str, str]] = []
        real = series_parts.unit_series

        def counted(conn, period, unit, state):
            self.units.append((period, unit))
            return real(conn, period, unit, state)

        monkeypatch.setattr(series_parts, "unit_series", counted)

    def take(self) -> list[tuple[str, str]]:
        units, self.units = self.units, []
        return units


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A warehouse holding ROWS, made once (migrations take a second): each test copies it."""
    path = tmp_path_factory.mktemp("template") / "w.sqlite"
    engine = warehouse.create_all(f"sqlite:///{path}")
    with engine.begin() as conn:
        for p in PERIODS:
            warehouse.replace_period(conn, warehouse.series, p,
                                     ROWS[ROWS["period"] == p].drop(columns="period"))
    engine.dispose()
    return path


def _warehouse(folder: Path, template: Path) -> sa.Engine:
    shutil.copyfile(template, folder / "w.sqlite")
    return warehouse.engine(f"sqlite:///{folder / 'w.sqlite'}")


def _write(conn, folder, kept=None) -> bytes:
    folder.mkdir(parents=True, exist_ok=True)
    data = PackData(PERIODS[-1], EMPTY, EMPTY, EMPTY, EMPTY, EMPTY,
                    series_periods=tuple(PERIODS))
    path, _ = write_series_csv(data, folder, conn, kept)
    return path.read_bytes()


def test_kept_parts_are_reused_and_rewritten_only_where_the_rows_changed(tmp_path, monkeypatch,
                                                                        template):
    engine = _warehouse(tmp_path, template)
    kept = tmp_path / "kept"
    reads = Reads(monkeypatch)
    with engine.connect() as conn:
        first = _write(conn, tmp_path / "a", kept)
        assert len(reads.take()) == 16  # every unit of every period, once
        assert _write(conn, tmp_path / "b", kept) == first
        assert reads.take() == []  # nothing changed: nothing read
        assert _write(conn, tmp_path / "c") == first and len(reads.take()) == 16
    # One body resubmits Q3: its rows (and ALL's) are rewritten, the others' are not.
    q3 = PERIODS[-1]
    new = ROWS[(ROWS["period"] == q3) & ROWS["body_code"].isin(["CLCT", "ALL"])].copy()
    new["value"] = new["value"].fillna(0) + 1.5
    with engine.begin() as conn:
        warehouse.replace_period(conn, warehouse.series, q3, new.drop(columns="period"),
                                 units={"CLCT", "ALL"})
    with engine.connect() as conn:
        after = _write(conn, tmp_path / "d", kept)
        assert sorted(reads.take()) == [(q3, "ALL"), (q3, "CLCT")]
        assert after != first and after == _write(conn, tmp_path / "e")
        reads.take()
    # Each unit keeps one part: the older ones of a rewritten unit are gone.
    assert len(list((kept / q3.replace(" ", "_")).glob("CLCT.*"))) == 1
    assert len(list(kept.rglob("*.*"))) == 16
    # Finalising Q3 changes every Q3 row's marker ([p] to ''); a revision then marks one cell
    # of one body [r], and another of the same table the same body's again.
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(sa.insert(warehouse.finalised_periods).values(
            period=q3, finalised_at=now, finalised_by="command"))
    with engine.connect() as conn:
        final = _write(conn, tmp_path / "f", kept)
        assert sorted(reads.take()) == [(q3, u) for u in UNITS]
        assert b"[p]" in final and final == _write(conn, tmp_path / "g")
        reads.take()
    cells = ROWS[(ROWS["period"] == q3) & (ROWS["body_code"] == "TCG")
                 & (ROWS["table_id"] == "W10")]
    for n, (_, cell) in enumerate(cells.iterrows(), start=1):
        with engine.begin() as conn:
            conn.execute(sa.insert(warehouse.revisions).values(
                period=q3, body_code="TCG", revised_at=now, old_value=1.0, new_value=2.0,
                **{k: cell[k] for k in ("table_id", "breakdown", "category", "measure")}))
        with engine.connect() as conn:
            revised = _write(conn, tmp_path / f"r{n}", kept)
            assert reads.take() == [(q3, "TCG")]
            assert revised.count(b"[r]") == n and revised == _write(conn, tmp_path / f"s{n}")
            reads.take()


def test_a_part_cut_short_by_a_kill_is_removed_when_its_unit_is_kept_again(
        tmp_path, monkeypatch, template):
    """A kill between writing a part beside its place and renaming it leaves the temporary
    file; when the unit's rows have changed again by the next pack (so the part has another
    name), the unit's new part removes it, and nothing of another unit."""
    engine = _warehouse(tmp_path, template)
    kept = tmp_path / "kept"
    q3 = PERIODS[-1]
    folder = kept / q3.replace(" ", "_")
    renamed = series_parts.os.replace

    def killed(src, dst):  # the kill lands after the write, before the rename
        raise SystemExit("killed")

    def resubmit(step: float) -> None:
        new = ROWS[(ROWS["period"] == q3) & (ROWS["body_code"] == "CLCT")].copy()
        new["value"] = new["value"].fillna(0) + step
        with engine.begin() as conn:
            warehouse.replace_period(conn, warehouse.series, q3, new.drop(columns="period"),
                                     units={"CLCT"})

    with engine.connect() as conn:
        _write(conn, tmp_path / "a", kept)
    resubmit(2.5)
    monkeypatch.setattr(series_parts.os, "replace", killed)
    with engine.connect() as conn, pytest.raises(SystemExit):
        _write(conn, tmp_path / "killed", kept)
    monkeypatch.setattr(series_parts.os, "replace", renamed)
    assert [f.name.split(".")[1] for f in folder.glob(".*.tmp")] == ["CLCT"]
    resubmit(5.0)
    with engine.connect() as conn:
        after = _write(conn, tmp_path / "b", kept)
        assert after == _write(conn, tmp_path / "c")
    assert list(folder.glob(".*")) == []
    assert sorted(f.name.split(".")[0] for f in folder.iterdir()) == UNITS


def test_a_migrated_warehouse_stamps_the_units_it_has(tmp_path):
    """Migration 0011 gives the series rows already stored a stamp per unit, so their parts are
    kept from the first pack after the upgrade."""
    from sep_pipeline.warehouse import migrations

    url = f"sqlite:///{tmp_path / 'w.sqlite'}"
    migrations.upgrade(url, "0010")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        df = ROWS.astype(object).where(ROWS.notna(), None)
        conn.execute(sa.insert(warehouse.series), df.to_dict("records"))
    migrations.upgrade(url)
    with engine.connect() as conn:
        stamps = {p: warehouse.series_stamps_of(conn, p) for p in PERIODS}
    engine.dispose()
    assert all(sorted(s) == UNITS for s in stamps.values())
    assert len({v for s in stamps.values() for v in s.values()}) == 1


# What can happen between two packs; after each, the kept parts must give the uncached file.
_STEPS = st.lists(st.one_of(
    st.tuples(st.just("rewrite"), st.sampled_from(PERIODS), st.sets(st.sampled_from(UNITS),
                                                                    min_size=1)),
    st.tuples(st.just("finalise"), st.sampled_from(PERIODS)),
    st.tuples(st.just("revise"), st.sampled_from(PERIODS), st.sampled_from(UNITS)),
    st.tuples(st.just("damage"), st.integers(0, 15)),
    st.tuples(st.just("code"), st.text("abc", min_size=1, max_size=3)),
), min_size=1, max_size=6)


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=_STEPS, seed=st.integers(0, 10_000))
def test_kept_parts_never_give_another_file_than_a_fresh_write(tmp_path_factory, monkeypatch,
                                                                  template, steps, seed):
    tmp = tmp_path_factory.mktemp("parts")
    engine = _warehouse(tmp, template)
    kept = tmp / "kept"
    with engine.connect() as conn:
        _write(conn, tmp / "first", kept)
    for i, step in enumerate(steps):
        with engine.begin() as conn:
            if step[0] == "rewrite":
                _, period, units = step
                part = ROWS[(ROWS["period"] == period) & ROWS["body_code"].isin(units)]
                part = part.sample(frac=0.8, random_state=seed + i).copy()  # some rows go
                part["value"] = part["value"] * 2 + 1
                warehouse.replace_period(conn, warehouse.series, period,
                                         part.drop(columns="period"), units=units)
            elif step[0] == "finalise":
                conn.execute(sa.delete(warehouse.finalised_periods)
                             .where(warehouse.finalised_periods.c.period == step[1]))
                conn.execute(sa.insert(warehouse.finalised_periods).values(
                    period=step[1], finalised_at=datetime.now(UTC), finalised_by="command"))
            elif step[0] == "revise":
                _, period, unit = step
                r = ROWS[(ROWS["period"] == period) & (ROWS["body_code"] == unit)].iloc[
                    seed % 6]
                conn.execute(sa.insert(warehouse.revisions).values(
                    period=period, table_id=r["table_id"], body_code=unit,
                    breakdown=r["breakdown"], category=r["category"], measure=r["measure"],
                    old_value=1.0, new_value=2.0, revised_at=datetime.now(UTC)))
            elif step[0] == "damage":
                files = sorted(kept.rglob("*.*"))
                if files:
                    f = files[step[1] % len(files)]
                    raw = bytearray(f.read_bytes())
                    raw[len(raw) // 2] ^= 0x20
                    f.write_bytes(bytes(raw))
            else:  # other code: it writes the measures otherwise
                monkeypatch.setattr(series_parts, "code_version", lambda v=step[1]: v)
                monkeypatch.setattr(series_csv, "series_table", lambda rows, v=step[1]: (
                    lambda t: t.assign(measure=t["measure"] + v))(SERIES_TABLE(rows)))
        with engine.connect() as conn:
            got = _write(conn, tmp / f"kept{i}", kept)
            fresh = _write(conn, tmp / f"fresh{i}")
        assert got == fresh, step
    engine.dispose()
