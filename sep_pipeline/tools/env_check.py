"""Fail the install when pip silently resolved a dependency below the project's floor."""

from __future__ import annotations

import sys
from importlib.metadata import version

# Floors that matter for behaviour, not just for installing (e.g. pandas 3 string dtypes).
FLOORS = {"pandas": (2, 2), "sqlalchemy": (2, 0), "pandera": (0, 24), "dagster": (1, 11)}


def _tuple(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".")[:2] if p.isdigit())


def main() -> int:
    bad = [f"{name} {version(name)} < {'.'.join(map(str, floor))}"
           for name, floor in FLOORS.items() if _tuple(version(name)) < floor]
    for line in bad:
        print(f"dependency below its floor: {line}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
