"""The pack's CSV folder: one tidy CSV per table (`tidy_csv`), series.csv (`series_csv`) and the
Frictionless `datapackage.json` describing them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..revisions import pay_gap_keys
from .series_csv import write_series_csv
from .tidy_csv import (
    POSITION_COLUMNS,
    _partner_schema,
    _pay_gap_schema,
    _position_schema,
    _resource,
    _tidy_schema,
    partner_text_table,
    pay_gap_table,
    tidy_tables,
    with_revision_marker,
    write_csv,
)
from .workbook import PackData
from .xlsx import paused_gc


def write_tidy_csv(data: PackData, out_dir: Path, conn: sa.Connection | None = None,
                   kept: Path | None = None) -> list[Path]:
    """The CSVs and their datapackage.json in `out_dir`; returns the paths (package last).
    `conn`: the warehouse, which series.csv is read from as it is written (`data` read from it
    has `series_periods`); `kept`: where series.csv's parts are kept between packs
    (`series_parts`; None: nowhere)."""
    with paused_gc():  # millions of cell texts in lists: nothing for it to collect
        return _write_tidy_csv(data, out_dir, conn, kept)


def _write_tidy_csv(data: PackData, out_dir: Path, conn: sa.Connection | None,
                    kept: Path | None) -> list[Path]:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    frames: list[tuple[str, pd.DataFrame, str, dict[str, object]]] = [
        (t, with_revision_marker(df, df, data), f"Benchmark table {t}",
         _tidy_schema(t, df["measure"].tolist()))
        for t, df in tidy_tables(data.benchmark, data.period).items()]
    position = data.position.assign(period=data.period)[POSITION_COLUMNS]
    frames += [
        ("pay_gap", with_revision_marker(pay_gap_table(data.pay_gap, data.period),
                                         pay_gap_keys(data.pay_gap), data),
         "Pay gaps (reg. 11)", _pay_gap_schema()),
        ("benchmark_position", position, "Each body's position in the spread",
         _position_schema()),
        ("partner_text", partner_text_table(data.actions, data.engagement),
         "Actions and 'you said, we did', as published by each body", _partner_schema()),
    ]
    paths, resources = [], []
    for name, df, title, schema in frames:
        path = out_dir / f"{name}.csv"
        # Values are numbers (a negative one is not a formula); every text column is escaped.
        write_csv(df, path, escape=[c for c in df.columns if c != "value"])
        paths.append(path)
        resources.append(_resource(name.lower(), path.name, title, schema))
    path, resource = write_series_csv(data, out_dir, conn, kept)
    paths.append(path)
    resources.append(resource)
    package = {
        "name": "sep-benchmark-" + data.period.lower().replace(" ", "-"),
        "title": f"Wales Public Bodies Equality Partnership: benchmark tables {data.period} / "
                 f"Partneriaeth Cydraddoldeb Cyrff Cyhoeddus Cymru: tablau meincnodi "
                 f"{data.period}",
        "profile": "tabular-data-package",
        "resources": resources,
    }
    pkg = out_dir / "datapackage.json"
    pkg.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return [*paths, pkg]
