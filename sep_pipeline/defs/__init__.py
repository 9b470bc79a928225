"""The Dagster definitions, one module per asset group, loaded by `sep_pipeline.definitions`.

- `partitions`, `shared`: the partitions, the `sep` resource, owners and run tags.
- `intake`, `warehouse`, `partnership`, `pack`: the asset groups of the flow, each with its jobs
  (and schedules); `coordination`: reminders; `sensor`: the intake sensor, which starts them.

Nothing outside `defs/`, `definitions.py` and the processes (`runner`, `cli`) imports these.
"""
