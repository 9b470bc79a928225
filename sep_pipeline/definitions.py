"""The Dagster definitions, as workspace.yaml and `[tool.dagster]` load them: the modules of
`defs/`, one per asset group (with its jobs and schedules) plus the partitions, the shared
resource and the intake sensor, merged into one `defs`.

The UI reads like the flow: raw return -> validated return -> standardised tables (one asset per
warehouse table) -> partnership figures per quarter -> packs.

Each module of `defs/` ends with its own `defs` (what it adds: assets, jobs, schedules, sensors,
resources); a new module is added to `MODULES` (a test lists every asset key, job, sensor and
schedule name, so one left out is seen). Not `load_from_defs_folder`: it finds the project by
its pyproject.toml, which an installed package (the container's `pip install .`) does not have.
"""

import dagster as dg

from . import dagster_sqlite
from .defs import coordination, intake, pack, partnership, sensor, shared, warehouse

dagster_sqlite.install()  # runs in this process write Dagster's SQLite events

# defs/partitions.py has nothing of its own to add: the assets carry their partitions.
MODULES = (shared, intake, warehouse, partnership, pack, coordination, sensor)

defs = dg.Definitions.merge(*(m.defs for m in MODULES))
