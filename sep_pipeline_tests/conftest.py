"""Shared pytest configuration."""

from __future__ import annotations

import os

# make test already runs files side by side, one per core: a run's own worker processes
# (SEP_WORKERS, one per core by default) would only compete with them. The tests of the
# parallel paths set SEP_WORKERS themselves (test_workers.py).
os.environ.setdefault("SEP_WORKERS", "1")

# The longest files first (make test runs files side by side, one worker per core, taking the
# next file as each finishes): a long file started last would leave the other cores idle.
LONGEST_FIRST = ["test_kills.py", "test_kills_postgres.py", "test_pipeline.py",
                 "test_postgres.py", "test_figure_store.py", "test_outcomes.py",
                 "test_intake_order.py", "test_backfill.py", "test_samples.py",
                 "test_read_table.py", "test_bench_smoke.py", "test_revisions_postgres.py",
                 "test_revisions.py", "test_intake_folder.py", "test_ui_browser.py",
                 "test_ui.py", "test_pack.py", "test_validate_columns.py", "test_tables.py",
                 "test_safe_read_fast.py"]


def pytest_collection_modifyitems(items: list) -> None:  # noqa: ANN001
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable within a file
