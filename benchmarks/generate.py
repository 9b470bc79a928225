"""National-scale SYNTHETIC returns for the benchmarks: 60 fictional Welsh public bodies, a quarter.

    python -m benchmarks.generate --size full|small|smoke|x10 [--seed N]

Sizes:
- full: 60 bodies from 20 to 25,000 staff (health boards, councils, police, fire, national parks,
  sponsored bodies, inspectorates, commissioners): ~330,000 Workforce rows in total;
- small: the same 60 bodies at a tenth of their staff (~33,000 Workforce rows);
- smoke: one of them, a council of 3,600 staff: ~5,000 rows (3,754 Workforce), for the test;
- x10: ten times the national size, the size of a UK-wide collection: the 60 bodies and nine
  more bodies like each of them (the same sector, staff, template and style; codes numbered on
  by hundreds, HB01 -> HB101 ... HB901), 600 bodies and ~3.3 million Workforce rows. Each
  body's rows come from random streams seeded by its code, so the copies are distinct bodies
  with their own people, not repeated files; the first 60 are the full size's bodies. It is
  generated like the others (~13 minutes on 2 cores, once: then cached).

`--bodies N` (for trying a size quickly) keeps N of its bodies spread over the size
distribution (`subset`); the cache entry then says so in its name.

The rows come from `sep_pipeline.tools.samples` (its workforce simulation, recruitment, engagement,
procurement, feedback and action rows, and its `Writer`, which renders a body's writing style:
English labels, field-name headers, synonyms, or a Welsh return with title rows, shuffled columns,
text dates and "£" amounts). So the returns are what the sample returns are, and the validator
accepts them. What differs: each body borrows the distributions of one sample body (`template`)
and the writing style of another (`style`); its contracts and feedback cases per quarter scale
with its staff; and the workbook is written in xlsxwriter's constant_memory mode (each row
streamed to disk as it is finished, strings written inline rather than in a shared-strings table).

Besides one return per body (`intake/<BODY>/<BODY>_2024-25_Q1.xlsx`), two bodies get a
resubmission of the same quarter (`resubmit/<BODY>/..._resubmitted.xlsx`: a correction, one
employee in 50 with a 1 % higher hourly pay, and a new note on the About sheet): the median-sized
body and the largest (at the smoke size only the largest). A registry of the bodies
(`bodies.csv`, the columns of `sep_pipeline/reference/bodies.csv`) and a `manifest.json` (rows
per body and sheet) go beside them.

Everything is cached under `benchmarks/.cache/<size>-seed<seed>-<digest>/`, the digest covering
this file and the sample/standard modules the rows come from; a cache entry is written to a
temporary folder and renamed into place, so an interrupted generation is never reused.
Bodies are generated in parallel, one process per core.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import json
import multiprocessing
import os
import shutil
import time
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sep_pipeline.standard import sep_return as std
from sep_pipeline.standard.periods import Period
from sep_pipeline.tools import samples

ROOT = Path(__file__).resolve().parents[1]
CACHE = Path(__file__).resolve().parent / ".cache"
DEFAULT_SEED = 2026
PERIOD: Period = samples.PERIODS[0]  # the samples' first quarter: every body's return is for it
SIZES = ("full", "small", "smoke", "x10")


@dataclass(frozen=True)
class NationalBody:
    code: str
    sector: str  # a key of SECTORS
    staff: int  # at the full size
    template: str  # the sample body whose distributions (levels, pay, characteristics) it uses
    style: str  # the sample body whose way of writing a return it uses


# sector -> (English, Welsh) for the fictional names and the registry
SECTORS: dict[str, tuple[str, str]] = {
    "health_board": ("Health Board", "Bwrdd Iechyd"),
    "nhs_trust": ("NHS Trust", "Ymddiriedolaeth GIG"),
    "council": ("County Council", "Cyngor Sir"),
    "government": ("Government", "Llywodraeth"),
    "police": ("Police", "Heddlu"),
    "fire": ("Fire and Rescue Service", "Gwasanaeth Tân ac Achub"),
    "sponsored": ("Sponsored Body", "Corff a Noddir"),
    "park": ("National Park Authority", "Awdurdod Parc Cenedlaethol"),
    "inspectorate": ("Inspectorate", "Arolygiaeth"),
    "commissioner": ("Commissioner", "Comisiynydd"),
}


def _bodies() -> tuple[NationalBody, ...]:
    """The 60 bodies at full size: ~321,000 staff, ~330,000 Workforce rows with the quarter's
    leavers and starters. Four in ten councils are big; a handful of bodies write in Welsh."""
    out: list[NationalBody] = []

    def add(prefix: str, sector: str, sizes: Sequence[int], template: str,
            styles: Sequence[str]) -> None:
        for i, staff in enumerate(sizes, start=1):
            out.append(NationalBody(f"{prefix}{i:02d}", sector, staff, template,
                                    styles[(i - 1) % len(styles)]))

    add("HB", "health_board", (25000, 19500, 17500, 14500, 12500, 11000, 4200), "BMCHT",
        ("BMCHT", "CSEN", "AAFRS", "BMCHT"))
    add("NT", "nhs_trust", (4800, 2600, 1900, 1500), "BMCHT", ("BMCHT", "CSEN"))
    add("LA", "council",
        (18000, 14000, 11000, 10200, 9500, 9000, 8600, 8200, 7800, 7400, 7000, 6700, 6400, 6100,
         5800, 5500, 5200, 4900, 4600, 4300, 4000, 3600),
        "CSEN", ("CSEN", "AAFRS", "TCG", "CSEN", "MGNPA", "BMCHT", "CSEN"))
    add("WG", "government", (5700,), "CSEN", ("BMCHT",))
    add("PF", "police", (7000, 4500, 3400, 2600), "AAFRS", ("AAFRS", "CSEN"))
    add("FR", "fire", (1800, 1400, 1000), "AAFRS", ("AAFRS", "TCG", "CSEN"))
    add("SB", "sponsored", (3300, 2300, 800, 700, 550, 480, 330, 320, 270), "CSEN",
        ("CSEN", "BMCHT", "MGNPA", "AAFRS", "TCG"))
    add("NP", "park", (270, 200, 160), "MGNPA", ("MGNPA", "TCG", "CSEN"))
    add("IN", "inspectorate", (330, 170), "MGNPA", ("BMCHT", "CSEN"))
    add("CM", "commissioner", (115, 45, 35, 30, 20), "CLCT", ("CLCT", "TCG", "CSEN"))
    return tuple(out)


NATIONAL: tuple[NationalBody, ...] = _bodies()
SMOKE_CODES = ("LA22",)
X10_COPIES = 10


def _copies(bodies: Sequence[NationalBody], n: int) -> list[NationalBody]:
    """The bodies and n - 1 more like each: copy k of HB01 is HB{k}01 (HB101, ..., HB901)."""
    return [*bodies, *(dataclasses.replace(nb, code=f"{nb.code[:2]}{k}{nb.code[2:]}")
                       for k in range(1, n) for nb in bodies)]


def size_bodies(size: str) -> tuple[list[NationalBody], float]:
    """The bodies of a size and the factor on their staff."""
    if size == "full":
        return list(NATIONAL), 1.0
    if size == "small":
        return list(NATIONAL), 0.1
    if size == "smoke":
        return [b for b in NATIONAL if b.code in SMOKE_CODES], 1.0
    if size == "x10":
        return _copies(NATIONAL, X10_COPIES), 1.0
    raise ValueError(f"size must be one of {', '.join(SIZES)}, not {size!r}")


def subset(codes_by_staff: Sequence[tuple[str, int]], n: int) -> list[str]:
    """n bodies spread evenly over the size distribution (1: the median body), for the
    1-to-60 growth curve."""
    ranked = [c for c, _ in sorted(codes_by_staff, key=lambda cs: (cs[1], cs[0]))]
    if n >= len(ranked):
        return ranked
    if n == 1:
        return [ranked[len(ranked) // 2]]
    picks = np.unique(np.round(np.linspace(0, len(ranked) - 1, n)).astype(int))
    return [ranked[int(i)] for i in picks]


# --- One body's return ---------------------------------------------------------------------------


def _names(nb: NationalBody) -> tuple[str, str]:
    en, cy = SECTORS[nb.sector]
    n = int(nb.code[2:])
    return f"Synthetic {en} {n} ({nb.code})", f"{cy} Synthetig {n} ({nb.code})"


def sample_body(nb: NationalBody, scale: float) -> samples.Body:
    """The `samples.Body` that generates this body's rows: the template's distributions, the
    style body's way of writing, counts in proportion to staff."""
    t, s = samples.body(nb.template), samples.body(nb.style)
    staff = max(12, round(nb.staff * scale))
    ratio = staff / t.staff
    name, name_cy = _names(nb)
    return dataclasses.replace(
        t, code=nb.code, name=name, name_cy=name_cy, staff=staff,
        procurement=max(1, round(t.procurement * ratio)) if t.procurement else 0,
        feedback=max(1, round(t.feedback * ratio)),
        ref_format=nb.code + "-{n:06d}", ref_start=100000,
        style=s.style, notes="", summary="",
    )


class StreamingWriter(samples.Writer):
    """`samples.Writer` on a constant_memory workbook: rows go to disk as they are written."""

    MODE = {"constant_memory": True}
    MARK, COMPANY = "SYNTHETIC benchmark data", "SYNTHETIC benchmark data"


def _sheets(b: samples.Body, nb: NationalBody, seed: int) -> dict[str, list[dict[str, Any]]]:
    """The quarter's rows per sheet, as `samples._body_returns` makes them for its first quarter."""
    rngs = samples._rngs(seed, b)
    wf = samples.Workforce(b, rngs["workforce"], 1.0)
    wf.simulate(quarters=1)  # the first quarter only: its rows are those of a full run
    people = wf.rows[0]
    starters = sum(1 for p, _ in people if p.start >= PERIOD.start)
    rows = [r for _, r in people]
    if b.style.sort_rows:
        rows.sort(key=lambda r: r["staff_ref"])
    else:
        rows = [rows[int(i)] for i in rngs["style"].permutation(len(rows))]
    data: dict[str, list[dict[str, Any]]] = {"Workforce": rows}
    if "Recruitment" in b.sheets:
        data["Recruitment"] = samples.recruitment_rows(b, rngs["recruitment"], 0, starters)
    activities, profile = samples.engagement_rows(b, rngs["engagement"], 0, 1.0)
    if "Engagement" in b.sheets:
        data["Engagement"] = activities
    if "EngagementProfile" in b.sheets:
        data["EngagementProfile"] = profile
    if "Procurement" in b.sheets:
        data["Procurement"] = samples.procurement_rows(b, rngs["procurement"], 0, 1.0)
    if "Feedback" in b.sheets:
        data["Feedback"] = samples.feedback_rows(b, rngs["feedback"], 0, 1.0)
    if "Actions" in b.sheets:
        # The action texts are keyed by sample body; a Welsh return takes the Welsh body's.
        specs = "TCG" if b.style.lang == "cy" else nb.template
        data["Actions"] = samples.action_rows(dataclasses.replace(b, code=specs),
                                              rngs["actions"])[0]
    return data


def _write(path: Path, b: samples.Body, data: dict[str, list[dict[str, Any]]], seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # its own stream, so a resubmission renders its cells exactly as the original did
    rng = np.random.default_rng([seed, zlib.crc32(b.code.encode()), 7])
    w = StreamingWriter(path, b, PERIOD, rng)
    w.about(PERIOD)
    for sheet in std.DATA_SHEETS:
        if sheet.name in data:
            extra = b.extra_column[0] if b.extra_column and sheet is std.WORKFORCE else None
            w.sheet(sheet, data[sheet.name], PERIOD, extra)
    w.close()


def corrected(data: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """What a resubmission corrects: one employee in 50 had their hourly pay understated by 1 %,
    so the body's and the partnership's pay figures change, as after a real correction."""
    workforce = [dict(r) for r in data["Workforce"]]
    for r in workforce[::50]:
        if isinstance(r.get("hourly_pay"), float):
            r["hourly_pay"] = round(r["hourly_pay"] * 1.01, 2)
    return {**data, "Workforce": workforce}


def return_name(code: str, resubmitted: bool = False) -> str:
    tail = "_resubmitted" if resubmitted else ""
    return f"{code}_{PERIOD.year_label}_Q{PERIOD.quarter}{tail}.xlsx"


def _generate_body(nb: NationalBody, scale: float, seed: int, root: str,
                   resubmit: bool) -> dict[str, Any]:
    """Worker: one body's return (and its resubmission); rows per sheet."""
    started = time.perf_counter()
    b = sample_body(nb, scale)
    data = _sheets(b, nb, seed)
    path = Path(root) / "intake" / nb.code / return_name(nb.code)
    _write(path, b, data, seed)
    out: dict[str, Any] = {
        "code": nb.code, "name": b.name, "name_cy": b.name_cy, "sector": nb.sector,
        "staff": b.staff, "template": nb.template, "style": nb.style, "language": b.style.lang,
        "file": str(path.relative_to(root)), "bytes": path.stat().st_size,
        "rows": {name: len(rows) for name, rows in data.items()},
    }
    if resubmit:
        again = Path(root) / "resubmit" / nb.code / return_name(nb.code, resubmitted=True)
        note = (f"Resubmitted on {PERIOD.end + timedelta(days=40):%d/%m/%Y}: corrected return "
                "replacing the one sent earlier.")
        _write(again, dataclasses.replace(b, notes=note), corrected(data), seed)
        out["resubmission"] = str(again.relative_to(root))
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


# --- The cached data set -------------------------------------------------------------------------


@dataclass(frozen=True)
class Dataset:
    root: Path
    manifest: dict[str, Any]

    @property
    def intake(self) -> Path:
        return self.root / "intake"

    @property
    def registry(self) -> Path:
        return self.root / "bodies.csv"

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return self.manifest["bodies"]

    def body(self, code: str) -> dict[str, Any]:
        return next(b for b in self.bodies if b["code"] == code)

    def path(self, code: str) -> Path:
        return self.root / self.body(code)["file"]

    def resubmission(self, role: str) -> tuple[str, Path]:
        """("median" or "largest") -> the body and its resubmitted file."""
        code = self.manifest["resubmitters"][role]
        return code, self.root / self.body(code)["resubmission"]

    def rows(self, codes: Sequence[str] | None = None) -> dict[str, int]:
        """Data rows per sheet over some bodies (default all)."""
        out: dict[str, int] = {}
        for b in self.bodies:
            if codes is None or b["code"] in codes:
                for name, n in b["rows"].items():
                    out[name] = out.get(name, 0) + n
        return out


def _digest() -> str:
    h = hashlib.sha256()
    for p in (Path(__file__), Path(samples.__file__), Path(std.__file__)):
        h.update(p.read_bytes())
    return h.hexdigest()[:10]


def cache_key(size: str, seed: int, bodies: int | None = None) -> str:
    some = f"-{bodies}bodies" if bodies else ""
    return f"{size}{some}-seed{seed}-{_digest()}"


def _size_band(staff: int) -> str:
    for lo, hi in ((1, 49), (50, 249), (250, 499), (500, 999), (1000, 4999)):
        if staff <= hi:
            return f"{lo}-{hi}"
    return "5000+"


def _write_registry(path: Path, bodies: Sequence[dict[str, Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["body_code", "name_en", "name_cy", "sector", "size_band", "contact_email",
                    "language", "expected_from", "expected_until"])
        for b in bodies:
            w.writerow([b["code"], b["name"], b["name_cy"], SECTORS[b["sector"]][0],
                        _size_band(b["staff"]), f"equality@{b['code'].lower()}.example",
                        b["language"], PERIOD.label, ""])


def generate(size: str = "full", seed: int = DEFAULT_SEED, cache_dir: Path = CACHE,
             workers: int | None = None, log: Callable[[str], None] = print,
             bodies_limit: int | None = None) -> Dataset:
    """The data set of a size (only `bodies_limit` of its bodies, spread over the sizes, when
    given), from the cache or generated into it."""
    bodies, scale = size_bodies(size)
    if bodies_limit and bodies_limit < len(bodies):
        keep = set(subset([(nb.code, nb.staff) for nb in bodies], bodies_limit))
        bodies = [nb for nb in bodies if nb.code in keep]
    else:
        bodies_limit = None
    root = Path(cache_dir) / cache_key(size, seed, bodies_limit)
    manifest_path = root / "manifest.json"
    if manifest_path.exists():
        return Dataset(root, json.loads(manifest_path.read_text("utf-8")))
    staff = {nb.code: max(12, round(nb.staff * scale)) for nb in bodies}
    ranked = sorted(staff, key=lambda c: (staff[c], c))
    resubmitters = {"median": ranked[len(ranked) // 2], "largest": ranked[-1]}
    if size == "smoke":  # one resubmission is enough to exercise the harness
        del resubmitters["median"]
    tmp = root.with_name(f"{root.name}.partial-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    workers = workers or min(len(bodies), os.cpu_count() or 1)
    log(f"generating {size} returns ({len(bodies)} bodies, {sum(staff.values()):,} staff) "
        f"with {workers} worker(s) into {root} ...")
    started = time.perf_counter()
    jobs = sorted(bodies, key=lambda nb: -staff[nb.code])  # largest first: even load
    args = [(nb, scale, seed, str(tmp), nb.code in resubmitters.values()) for nb in jobs]
    if workers == 1:
        results = [_generate_body(*a) for a in args]
    else:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            results = list(pool.map(_generate_body, *zip(*args, strict=True)))
    order = {nb.code: i for i, nb in enumerate(bodies)}
    results.sort(key=lambda r: order[r["code"]])
    _write_registry(tmp / "bodies.csv", results)
    rows: dict[str, int] = {}
    for r in results:
        for name, n in r["rows"].items():
            rows[name] = rows.get(name, 0) + n
    manifest = {
        "size": size, "seed": seed, "period": PERIOD.label, "scale": scale,
        "bodies_limit": bodies_limit,
        "key": root.name, "generated_at": datetime.now().isoformat(timespec="seconds"),
        "generated_seconds": round(time.perf_counter() - started, 1), "workers": workers,
        "writer": "xlsxwriter constant_memory (inline strings)",
        "resubmitters": resubmitters, "rows": rows, "data_rows": sum(rows.values()),
        "staff": sum(staff.values()), "bytes": sum(r["bytes"] for r in results),
        "bodies": results,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    try:
        tmp.rename(root)
    except OSError:  # another process finished the same entry first: use theirs
        shutil.rmtree(tmp, ignore_errors=True)
    log(f"generated {manifest['data_rows']:,} rows ({rows.get('Workforce', 0):,} Workforce) "
        f"in {manifest['generated_seconds']} s")
    return Dataset(root, json.loads(manifest_path.read_text("utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=SIZES, default="full")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--cache", type=Path, default=CACHE)
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--bodies", type=int, default=None,
                    help="only this many of the size's bodies, spread over the sizes")
    a = ap.parse_args(argv)
    ds = generate(a.size, a.seed, a.cache, a.workers, bodies_limit=a.bodies)
    print(ds.root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
