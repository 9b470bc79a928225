"""A quarter's figures after resubmissions, from kept inputs and kept figures
(`figure_store`, `publish.publish_quarter`), are the figures computed afresh, row for row; and
whatever the store holds, it never makes a figure wrong."""

from __future__ import annotations

import os
import pickle
import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sep_pipeline.common import durable
from sep_pipeline.intake.safe_read import read_workbook
from sep_pipeline.intake.standardise import standardise
from sep_pipeline.intake.validate import validate_workbook
from sep_pipeline.methodology.counts import Counts
from sep_pipeline.methodology.series import series_rows
from sep_pipeline.publish import figure_store, series_store
from sep_pipeline.publish import figures as publish
from sep_pipeline.publish.published import in_published_order
from sep_pipeline.warehouse import tables as warehouse
from sep_pipeline.warehouse.migrations import upgrade

ROOT = Path(__file__).resolve().parents[1]
PERIOD = "2025-26 Q1"
BODIES = ("AAFRS", "BMCHT", "CLCT", "CSEN", "MGNPA", "TCG")
OPTIONAL = ("recruitment", "engagement", "engagement_profile", "procurement", "feedback",
            "actions")


@pytest.fixture(scope="module")
def returns() -> dict[str, dict[str, pd.DataFrame]]:
    """Each sample body's Q1 return, validated and standardised (as the pipeline loads it)."""
    out = {}
    for body in BODIES:
        path = ROOT / "data_raw" / body / f"{body}_2025-26_Q1.xlsx"
        result = validate_workbook(read_workbook(path), file_name=path.name, expected_body=body)
        assert result.status == "accepted", result.issues
        out[body] = standardise(result.tables, body=body, key="test key")
    return out


def load(engine, body: str, tables: dict[str, pd.DataFrame]) -> None:
    with engine.begin() as conn:
        warehouse.replace_current(conn, body=body, period=PERIOD, file_name=f"{body}.xlsx",
                                  sha256="0" * 64, archive_path="-", issues=[], late=False,
                                  tables=tables, template_version=None)


def fresh(engine) -> publish.Figures:
    with engine.connect() as conn:
        return publish.figures(publish.current_returns(conn, [PERIOD]))


def assert_same(a: publish.Figures, b: publish.Figures) -> None:
    for name in ("pay_gap", "benchmark", "position"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def warehouse_in(folder: Path):
    url = f"sqlite:///{folder / 'warehouse.sqlite'}"
    upgrade(url)
    return warehouse.engine(url)


def loaded(folder: Path, returns: dict[str, dict[str, pd.DataFrame]]):
    """A warehouse in `folder` holding every sample body's return."""
    engine = warehouse_in(folder)
    for body in BODIES:
        load(engine, body, returns[body])
    return engine


def corrected(tables: dict[str, pd.DataFrame], seed: int, drop_sheet: str | None
              ) -> dict[str, pd.DataFrame]:
    """A resubmission: some pay raised, some staff gone, perhaps one optional sheet left out."""
    rng = np.random.default_rng(seed)
    wf = tables["workforce"].copy()
    raise_ = rng.random(len(wf)) < 0.2
    wf.loc[raise_, "hourly_pay"] = wf.loc[raise_, "hourly_pay"] * 1.07
    wf = wf[rng.random(len(wf)) > 0.1].reset_index(drop=True)
    out = {**tables, "workforce": wf}
    if drop_sheet is not None:
        out.pop(drop_sheet, None)
    return out


def test_the_first_publication_is_the_fresh_figures_and_the_warehouse_holds_them(
        tmp_path, returns):
    engine = loaded(tmp_path, returns)
    done = publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))
    with engine.connect() as conn:
        stored = warehouse.read_table(conn, "benchmark", PERIOD)
        kept = figure_store.load_published(conn, tmp_path / "store", PERIOD)
    assert kept is not None and kept.submissions.keys() == set(BODIES)
    key = ["body_code", "table_id", "measure", "breakdown", "category"]
    ours = done.figures.benchmark.astype({"value": float, "marker": "str"})
    pd.testing.assert_frame_equal(
        stored.drop(columns="period").sort_values(key, ignore_index=True),
        ours.sort_values(key, ignore_index=True))


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(resubmit=st.lists(st.sampled_from(BODIES), min_size=1, max_size=3, unique=True),
       seed=st.integers(0, 2**16), drop=st.sampled_from([None, *OPTIONAL]),
       absent=st.sampled_from([None, *OPTIONAL]), later=st.booleans())
def test_after_resubmissions_the_figures_are_those_computed_afresh(returns, resubmit, seed,
                                                                   drop, absent, later):
    """Whichever bodies resubmit, whatever they change (pay, leavers, a sheet left out), whether
    the bodies kept sent a sheet at all, and whether a body joins only now: only the changed
    bodies are computed, and every row equals a fresh run."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = warehouse_in(folder)
        first = [b for b in BODIES if not (later and b == BODIES[-1])]
        for body in first:
            tables = returns[body]
            if absent is not None and body not in resubmit:  # no kept body sent this sheet
                tables = {k: v for k, v in tables.items() if k != absent}
            load(engine, body, tables)
        publish.publish_quarter(engine, PERIOD, folder / "store")
        for i, body in enumerate(resubmit):
            load(engine, body, corrected(returns[body], seed + i, drop))
        if later:
            load(engine, BODIES[-1], returns[BODIES[-1]])
        expected = set(resubmit) | ({BODIES[-1]} if later else set())
        with mock.patch.object(publish, "benchmark_rows", wraps=publish.benchmark_rows) as spy:
            done = publish.publish_quarter(engine, PERIOD, folder / "store")
        assert set(done.computed) == expected
        # only the changed bodies' records were counted: the kept bodies' counts were reused
        assert [c.args[2] for c in spy.call_args_list] == [[*sorted(expected), publish.OTHERS]]
        assert_same(done.figures, fresh(engine))
        assert_series_fresh(engine)
        # and again: the counts kept by an update are right for the next one
        again = next(b for b in BODIES if b not in expected)
        load(engine, again, corrected(returns[again], seed + 7, None))
        done = publish.publish_quarter(engine, PERIOD, folder / "store")
        assert done.computed == [again]
        assert_same(done.figures, fresh(engine))
        assert_series_fresh(engine)
        engine.dispose()


def assert_series_fresh(engine) -> None:  # noqa: ANN001
    """The warehouse's series rows (an update rewrites only the changed bodies', ALL's and the
    spread's) are those computed afresh from every published figure."""
    with engine.connect() as conn:
        stored = warehouse.read_table(conn, "series", PERIOD)
        bench = warehouse.read_table(conn, "benchmark", PERIOD)
    expected = series_rows(bench, [PERIOD])
    assert len(stored) == len(expected) > 0
    assert series_store._same(stored, expected)


def test_figures_kept_from_another_publication_are_not_used(tmp_path, returns):
    """When the warehouse's figures were written by someone else since (another stamp), the
    kept ones are ignored: everything is computed again."""
    engine = loaded(tmp_path, returns)
    publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    load(engine, "CLCT", corrected(returns["CLCT"], 1, None))
    with engine.begin() as conn:  # e.g. a run on another machine, with its own store
        publish.write_figures(conn, PERIOD, fresh(engine))
    done = publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))


def test_kept_counts_that_do_not_fit_cost_a_recount_not_a_wrong_figure(tmp_path, returns):
    """Counts kept by other code (one count fewer, or a count of another shape) are not used:
    every record is counted again, and the figures are the fresh ones."""
    engine = loaded(tmp_path, returns)
    before = fresh(engine)
    load(engine, "MGNPA", corrected(returns["MGNPA"], 4, None))
    with engine.connect() as conn:
        now = publish.current_returns(conn, [PERIOD])
    keep = set(BODIES) - {"MGNPA"}
    taken = before.counts.taken
    codes, rows = taken[3]
    for counts in (Counts(taken[:-1]), Counts((*taken[:3], (codes, rows[:, 1:]), *taken[4:]))):
        with mock.patch.object(publish, "benchmark_rows", wraps=publish.benchmark_rows) as spy:
            figs = publish.figures(now, previous=replace(before, counts=counts), keep=keep)
        assert spy.call_args_list[-1].args[2] == list(BODIES)  # counted afresh, every body
        assert_same(figs, fresh(engine))


def test_an_unreadable_store_costs_a_recompute_not_a_wrong_figure(tmp_path, returns):
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    publish.publish_quarter(engine, PERIOD, store)
    for path in store.rglob("*.npz"):
        path.write_bytes(b"not an npz")
    load(engine, "TCG", corrected(returns["TCG"], 2, "procurement"))
    done = publish.publish_quarter(engine, PERIOD, store)
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))
    # and the store is whole again: the next resubmission computes only its body
    load(engine, "CSEN", corrected(returns["CSEN"], 3, None))
    done = publish.publish_quarter(engine, PERIOD, store)
    assert done.computed == ["CSEN"]
    assert_same(done.figures, fresh(engine))


def test_inputs_are_read_from_the_warehouse_only_for_returns_not_kept(tmp_path, returns,
                                                                     monkeypatch):
    engine = loaded(tmp_path, returns)
    publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    load(engine, "BMCHT", corrected(returns["BMCHT"], 4, None))
    read = []
    real = figure_store.read_compact
    monkeypatch.setattr(figure_store, "read_compact",
                        lambda conn, name, periods, columns, body=None: read.append(body)
                        or real(conn, name, periods, columns, body))
    publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    assert set(read) == {"BMCHT"}
    read.clear()
    publish.publish_quarter(engine, PERIOD, tmp_path / "store")  # nothing new: nothing read
    assert read == []
    kept = list((tmp_path / "store" / "2025-26_Q1").glob("inputs-*.npz"))
    assert len(kept) == 1  # one file, this code's


def test_kept_inputs_are_the_warehouse_rows(tmp_path, returns):
    """What the figures take from the store is what reading the quarter gives, value for
    value (the tallied columns as categoricals, other text in its own dtype), after updates."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    with engine.connect() as conn:
        publish.quarter_returns(conn, PERIOD, store)
    load(engine, "TCG", corrected(returns["TCG"], 10, "engagement"))
    with engine.connect() as conn:
        kept = publish.quarter_returns(conn, PERIOD, store)[0].frames
        whole = publish.current_returns(conn, [PERIOD]).frames
    for name, df in kept.items():
        want = whole[name][list(df.columns)]
        if not len(df):
            assert want.empty
            continue
        for c in df.columns:
            if c in figure_store.CATEGORICAL:
                assert isinstance(df[c].dtype, pd.CategoricalDtype), (name, c)
                assert list(df[c].cat.categories) == sorted(df[c].cat.categories)
        got = df.astype({c: want[c].dtype for c in df.columns})
        # the same rows, bodies in any order (the kept ones first)
        got = got.sort_values("body_code", kind="stable", ignore_index=True)
        want = want.sort_values("body_code", kind="stable", ignore_index=True)
        pd.testing.assert_frame_equal(got, want)


def test_when_the_last_body_with_a_sheet_leaves_it_out_the_partnership_figure_is_x(
        tmp_path, returns):
    """Only CLCT sent procurement; it resubmits without it. The kept bodies stand in as one
    unit for ALL: that unit sent no procurement either, so ALL's PR1 is [x], as afresh."""
    engine = warehouse_in(tmp_path)
    for body in BODIES:
        tables = returns[body]
        load(engine, body, tables if body == "CLCT" else
             {k: v for k, v in tables.items() if k != "procurement"})
    publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    load(engine, "CLCT", corrected(returns["CLCT"], 5, "procurement"))
    done = publish.publish_quarter(engine, PERIOD, tmp_path / "store")
    assert done.computed == ["CLCT"]
    bench = done.figures.benchmark
    pr1 = bench[(bench["table_id"] == "PR1") & (bench["body_code"] == "ALL")]
    assert len(pr1) > 0 and (pr1["marker"] == "[x]").all()
    assert_same(done.figures, fresh(engine))


def test_kept_published_tables_are_what_the_warehouse_reads(tmp_path, returns):
    """The pack can take the published tables from the store: the same frames, row order
    included, as reading them back from the warehouse, after a full write and after updates
    (which rewrite only some bodies' rows); and that order is the one a fresh full write gives."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    for resubmit in (None, "MGNPA", "AAFRS"):
        if resubmit:
            load(engine, resubmit, corrected(returns[resubmit], 6, "feedback"))
        publish.publish_quarter(engine, PERIOD, store)
        with engine.connect() as conn:
            kept = figure_store.published_frames(conn, store, PERIOD)
            assert kept is not None
            read = {name: in_published_order(name, warehouse.read_table(conn, name,
                                                                                PERIOD))
                    for name in kept}
        for name, frame in kept.items():
            pd.testing.assert_frame_equal(frame, read[name])
    again = warehouse_in(tmp_path / "again")  # the same returns, written afresh
    for body in BODIES:
        load(again, body, returns[body] if body not in ("MGNPA", "AAFRS") else
             corrected(returns[body], 6, "feedback"))
    with again.begin() as conn:
        publish.write_figures(conn, PERIOD, fresh(again))
    with again.connect() as conn, engine.connect() as updated:
        for name, frame in read.items():
            afresh = warehouse.read_table(conn, name, PERIOD)
            # a full write is read in this order already; an updated one is put back in it
            pd.testing.assert_frame_equal(in_published_order(name, afresh), afresh)
            pd.testing.assert_frame_equal(afresh, frame)
            if name == "benchmark":
                assert not afresh.equals(warehouse.read_table(updated, name, PERIOD))
    # so the pack shows the updated figures exactly as it would have shown them written afresh
    from sep_pipeline.publish.pack import _load as pack_data

    ours, theirs = pack_data(engine, PERIOD), pack_data(again, PERIOD)
    for name in ("benchmark", "pay_gap", "position"):
        pd.testing.assert_frame_equal(getattr(ours, name), getattr(theirs, name))
    with engine.begin() as conn:  # another write: the kept tables are no longer offered
        publish.write_figures(conn, PERIOD, fresh(engine))
    with engine.connect() as conn:
        assert figure_store.published_frames(conn, store, PERIOD) is None


def test_updates_on_postgresql_give_the_fresh_figures(tmp_path, returns):
    """The shared warehouse: the stamp and the store on PostgreSQL. Every pay-gap and
    benchmark row is rewritten there (it keeps rows in no order, so an update cannot add rows
    at the end), the series only of the resubmitting body and ALL (the other bodies' keep their
    stamps, so the pack keeps their part of series.csv), and the rows read back, the series and
    the store's tables are those of a fresh publication."""
    from sep_pipeline_tests.postgres import throwaway_database

    changed = {"CSEN": 7, "AAFRS": 8}
    with throwaway_database() as url, throwaway_database() as url_again:
        upgrade(url)
        engine = warehouse.engine(url)
        for body in BODIES:
            load(engine, body, returns[body])
        store = tmp_path / "store"
        publish.publish_quarter(engine, PERIOD, store)
        for body, seed in changed.items():
            with engine.connect() as conn:
                stamps = warehouse.series_stamps_of(conn, PERIOD)
            load(engine, body, corrected(returns[body], seed, None))
            done = publish.publish_quarter(engine, PERIOD, store)
            assert done.computed == [body]
            assert done.written["benchmark_rows"] == len(done.figures.benchmark)
            assert_same(done.figures, fresh(engine))
            with engine.connect() as conn:
                restamped = warehouse.series_stamps_of(conn, PERIOD)
            assert sorted(restamped) == sorted([*BODIES, "ALL"])
            assert {b for b in restamped if restamped[b] != stamps[b]} == {body, "ALL"}
        upgrade(url_again)
        again = warehouse.engine(url_again)
        for body in BODIES:
            load(again, body, corrected(returns[body], changed[body], None)
                 if body in changed else returns[body])
        publish.publish_quarter(again, PERIOD, tmp_path / "store_again")
        with engine.connect() as conn, again.connect() as other:
            ours = figure_store.published_frames(conn, store, PERIOD)
            theirs = figure_store.published_frames(other, tmp_path / "store_again", PERIOD)
            pd.testing.assert_frame_equal(*(series_store.in_series_order(
                warehouse.read_table(c, "series", PERIOD)) for c in (conn, other)))
            for name in ("benchmark", "pay_gap", "benchmark_position"):
                pd.testing.assert_frame_equal(ours[name], theirs[name])
                key = [c for c in ours[name].columns if c not in ("value", "marker",
                                                                  "position")]
                pd.testing.assert_frame_equal(  # the warehouse holds the same rows
                    warehouse.read_table(conn, name, PERIOD).sort_values(key, ignore_index=True),
                    ours[name].sort_values(key, ignore_index=True))
        engine.dispose()
        again.dispose()


def test_the_pack_takes_the_published_tables_from_the_store(tmp_path, returns, monkeypatch):
    """After the figures step the pack does not read the published tables back: it has them,
    the same frames as reading them would give."""
    from sep_pipeline.common.config import settings as current
    from sep_pipeline.publish.pack import _load as pack_data
    from sep_pipeline.publish.pack.workbook import load_pack_data

    monkeypatch.setenv("SEP_DATA_DIR", str(tmp_path / "var"))
    engine = loaded(tmp_path, returns)
    publish.publish_quarter(engine, PERIOD, figure_store.store_dir(current().data_dir))
    load(engine, "CLCT", corrected(returns["CLCT"], 9, None))
    publish.publish_quarter(engine, PERIOD, figure_store.store_dir(current().data_dir))
    with engine.connect() as conn:
        from_warehouse = load_pack_data(conn, PERIOD)
    read = []
    real = warehouse.read_table
    monkeypatch.setattr(warehouse, "read_table",
                        lambda conn, name, *a, **k: read.append(name) or real(conn, name, *a, **k))
    data = pack_data(engine, PERIOD)
    assert not {"benchmark", "pay_gap", "benchmark_position"} & set(read)
    for name in ("benchmark", "pay_gap", "position"):
        pd.testing.assert_frame_equal(getattr(data, name), getattr(from_warehouse, name))


def test_an_update_based_on_figures_another_run_has_replaced_writes_every_row(tmp_path, returns):
    """Two runs of the same quarter: this one read the figures of publication A; before it
    writes, another run publishes B from newer returns. Writing only this run's changed bodies
    would leave B's rows of the others beside this run's ALL: it writes all its rows instead."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    publish.publish_quarter(engine, PERIOD, store)
    load(engine, "CLCT", corrected(returns["CLCT"], 11, None))
    with engine.connect() as conn:
        returns_now, submissions = publish.quarter_returns(conn, PERIOD, store)
        last = figure_store.load_published(conn, store, PERIOD)
    keep = {b for b, sid in submissions.items() if last.submissions[b] == sid}
    ours = publish.figures(returns_now, previous=last.figures, keep=keep)
    load(engine, "TCG", corrected(returns["TCG"], 12, None))  # meanwhile, another run
    with engine.begin() as conn:
        publish.write_figures(conn, PERIOD, fresh(engine))
    with engine.begin() as conn:
        written = publish.write_figures(conn, PERIOD, ours, {"CLCT", "ALL", "MEDIAN", "LQ",
                                                             "UQ"}, based_on=last.stamp)
    assert written["benchmark_rows"] == len(ours.benchmark)
    with engine.connect() as conn:
        stored = in_published_order("benchmark",
                                            warehouse.read_table(conn, "benchmark", PERIOD))
    expected = in_published_order("benchmark", ours.benchmark)
    assert stored["body_code"].tolist() == expected["body_code"].tolist()
    pd.testing.assert_series_equal(stored["value"], expected["value"].astype(float))


def test_a_store_that_cannot_be_written_does_not_stop_the_figures(tmp_path, returns,
                                                                 monkeypatch, caplog):
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    publish.publish_quarter(engine, PERIOD, store)
    load(engine, "AAFRS", corrected(returns["AAFRS"], 13, None))

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(durable.os, "replace", full_disk)  # the store writes through durable
    done = publish.publish_quarter(engine, PERIOD, store)
    assert done.computed == ["AAFRS"]
    assert_same(done.figures, fresh(engine))
    assert "could not keep" in caplog.text
    assert not list(store.rglob("*.tmp"))
    monkeypatch.undo()
    load(engine, "CSEN", corrected(returns["CSEN"], 14, None))
    done = publish.publish_quarter(engine, PERIOD, store)  # the kept figures are stale: all
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))


class RunsCode:
    """Unpickled, it touches `marker`: what a pickle planted in the store could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_store_file_that_would_run_code_is_unreadable_and_runs_none(tmp_path, returns):
    """Whoever can write the store folder cannot make the pipeline run code: a file replaced by
    a pickle, an array member holding pickled objects, an old pickle left from before are never
    unpickled; the figures are computed from the warehouse instead, and right."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    publish.publish_quarter(engine, PERIOD, store)
    marker = tmp_path / "ran"
    payload = pickle.dumps(RunsCode(marker))
    files = sorted(store.rglob("*.npz"))
    assert [p.name.split("-")[0] for p in files] == ["inputs", "published"]
    files[0].write_bytes(payload)
    with zipfile.ZipFile(files[1]) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    with zipfile.ZipFile(files[1], "w") as zf:  # its first array: pickled objects
        for name, data in members.items():
            if name != "0.npy":
                zf.writestr(name, data)
                continue
            with zf.open(name, "w") as f:
                np.lib.format.write_array(f, np.array([RunsCode(marker)], dtype=object),
                                          allow_pickle=True)
    old = files[0].with_name("published-0123456789abcdef.pickle")  # an earlier version's
    old.write_bytes(payload)
    with engine.connect() as conn:
        assert figure_store.load_published(conn, store, PERIOD) is None
    load(engine, "TCG", corrected(returns["TCG"], 15, None))
    done = publish.publish_quarter(engine, PERIOD, store)
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))
    assert not marker.exists()
    assert not old.exists()  # removed when the store was written again
    pickle.loads(payload)  # the payload is live: unpickled, it does run
    assert marker.exists()


@pytest.mark.parametrize("damage", ["truncated", "a byte changed"])
def test_a_damaged_store_file_is_recomputed(tmp_path, returns, damage):
    """A file cut short (a full disk, a copy interrupted) or with a byte changed in an array
    (the zip's CRC-32 does not match) is read as no file: everything is computed again."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    publish.publish_quarter(engine, PERIOD, store)
    for path in store.rglob("*.npz"):
        data = bytearray(path.read_bytes())
        if damage == "truncated":
            del data[len(data) // 2:]
        else:
            with zipfile.ZipFile(path) as zf:
                big = max(zf.infolist(), key=lambda i: i.file_size)
            data[big.header_offset + big.file_size // 2] ^= 0x01
        path.write_bytes(bytes(data))
    with engine.connect() as conn:
        assert figure_store.load_published(conn, store, PERIOD) is None
    load(engine, "MGNPA", corrected(returns["MGNPA"], 16, None))
    done = publish.publish_quarter(engine, PERIOD, store)
    assert done.computed == list(BODIES)
    assert_same(done.figures, fresh(engine))


def assert_identical(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """The same frame: values, dtypes, categories in their order, index and labels, and in
    object columns each value's type (None is not NaN, a Python float not a numpy one)."""
    pd.testing.assert_frame_equal(a, b, check_exact=True, check_categorical=True,
                                  check_index_type=True, check_column_type=True)
    assert a.columns.dtype == b.columns.dtype and type(a.index) is type(b.index)
    for i in range(a.shape[1]):
        x, y = a.iloc[:, i], b.iloc[:, i]
        assert x.dtype == y.dtype, (a.columns[i], x.dtype, y.dtype)
        if isinstance(x.dtype, pd.CategoricalDtype):
            assert list(x.cat.categories) == list(y.cat.categories)
            assert x.cat.codes.dtype == y.cat.codes.dtype
        if x.dtype == object:
            assert [type(v) for v in x] == [type(v) for v in y], a.columns[i]


def every_dtype() -> list[pd.DataFrame]:
    n = 7
    cats = pd.Index(["zeta", "alpha", "", "Ŵ ŷ", "unused"], dtype="str")
    df = pd.DataFrame({
        "float": [1.5, np.nan, -0.0, np.inf, 1e-300, 2.0, np.nan],
        "int64": np.arange(n, dtype=np.int64) - 3,
        "int8": np.arange(n, dtype=np.int8),
        "uint16": np.arange(n, dtype=np.uint16),
        "float32": np.linspace(0, 1, n, dtype=np.float32),
        "bool": [True, False, True, True, False, False, True],
        "when": pd.date_range("2025-04-01", periods=n, freq="D").as_unit("us"),
        "str": pd.array(["a", None, "ŵ", "", "\ud800", "a", "long " * 50], dtype="str"),
        "string": pd.array(["x", None, "y", "x", None, "z", "x"], dtype="string"),
        "category": pd.Categorical(["alpha", None, "zeta", "", "Ŵ ŷ", "zeta", None],
                                   categories=cats),
        "ordered": pd.Categorical(["lo", "hi", "lo", "mid", "hi", "lo", "mid"],
                                  categories=["lo", "mid", "hi"], ordered=True),
        "int category": pd.Categorical([3, 1, 2, 3, None, 1, 2], categories=[3, 2, 1]),
        "objects": np.array([None, np.nan, "text", True, 7, 2.5, pd.NA], dtype=object),
        "numpy objects": np.array([np.float64(1.5), np.int64(2), np.bool_(True), None, "s",
                                   np.float64(np.nan), False], dtype=object),
        "float or None": np.array([1.0, None, 2.0, None, np.nan, 0.0, None], dtype=object),
        "str or None": np.array(["[x]", None, "[c]", None, "[x]", "", None], dtype=object),
        "all None": np.array([None] * n, dtype=object),
    }, index=pd.Index([10, 3, 7, 7, 0, -1, 5], name="row"))
    many = pd.DataFrame({"category": pd.Categorical([f"c{i}" for i in range(300)] * 2)})
    return [
        df,
        df.iloc[[4, 0, 2]],  # filtered: a non-contiguous selection
        many,  # codes of int16
        pd.DataFrame(columns=["body_code", "value"]),  # what reading no rows gives
        pd.DataFrame(index=pd.RangeIndex(2, 11, 3)),  # no columns
        pd.DataFrame({"a": [1, 2]}, index=pd.Index(["x", "y"], dtype=object)).set_axis(
            pd.Index(["a"], dtype=object), axis=1),
    ]


def test_every_dtype_the_store_keeps_reads_back_exactly(tmp_path, monkeypatch):
    monkeypatch.setitem(figure_store._ENCODE, "frame", figure_store._put_frame)
    monkeypatch.setitem(figure_store._DECODE, "frame", figure_store._frame)
    for i, df in enumerate(every_dtype()):
        path = tmp_path / f"frame-{i}.npz"
        figure_store._save(path, "frame", df)
        assert_identical(figure_store._load(path, "frame"), df)


def test_what_cannot_be_kept_exactly_is_not_kept(tmp_path, monkeypatch, caplog):
    """A value the files have no exact form for (here a Decimal) is not kept in another form:
    the file is not written, a warning says so, and the next run computes from the warehouse."""
    from decimal import Decimal

    monkeypatch.setitem(figure_store._ENCODE, "frame", figure_store._put_frame)
    path = tmp_path / "frame-x.npz"
    figure_store._save(path, "frame", pd.DataFrame({"a": [Decimal("1.5")]}, dtype=object))
    assert not path.exists() and "could not keep" in caplog.text
    assert figure_store._load(path, "frame") is None


def test_the_kept_inputs_and_figures_read_back_exactly(tmp_path, returns):
    """What the store holds after a publication and an update is what was computed: every
    frame (dtypes, categories, None and NaN, order) and every count."""
    engine = loaded(tmp_path, returns)
    store = tmp_path / "store"
    for body in (None, "CSEN"):
        if body:
            load(engine, body, corrected(returns[body], 17, "actions"))
        done = publish.publish_quarter(engine, PERIOD, store)
        with engine.connect() as conn:
            kept = figure_store.load_published(conn, store, PERIOD)
            inputs = figure_store.quarter_inputs(conn, PERIOD, store, kept.submissions)
        again = figure_store._load(figure_store._inputs_file(store, PERIOD), "inputs")
        assert again.submissions == inputs.submissions and again.text == inputs.text
        for name, df in inputs.frames.items():
            assert_identical(again.frames[name], df)
        for name in ("pay_gap", "benchmark", "position"):
            assert_identical(getattr(kept.figures, name), getattr(done.figures, name))
        ours, theirs = kept.figures.counts.taken, done.figures.counts.taken
        assert len(ours) == len(theirs)
        for (codes, rows), (codes_, rows_) in zip(ours, theirs, strict=True):
            assert codes == codes_ and rows.dtype == rows_.dtype
            np.testing.assert_array_equal(rows, rows_)
