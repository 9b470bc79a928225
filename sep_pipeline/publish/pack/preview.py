"""Render a pack's sheets and charts to PNG, to look at them the way a reader will.

LibreOffice (headless) prints each workbook to PDF with the sheets' own print settings, then
`pdftoppm` turns pages into PNGs named after their sheet (the page header carries the sheet
name, `&A`, which `pdftotext` reads back):

    python -m sep_pipeline.publish.pack.preview out/pack/*.xlsx --out out/pack_preview
    python -m sep_pipeline.publish.pack.preview --period "2025-26 Q4" --out out/pack_preview

The second form first writes the period's pack from the warehouse (`SEP_WAREHOUSE_URL`) into
`<out>/pack`. `--sheet P1 --sheet C1` keeps only those sheets, `--first` only each sheet's
first page.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from openpyxl import load_workbook

_UNSAFE = re.compile(r"[^\w.-]+")


def _pdf(xlsx: Path, tmp: Path) -> Path:
    # A private profile: a second LibreOffice (or a desktop one) would otherwise block on a lock.
    profile = (tmp / "lo_profile").as_uri()
    subprocess.run(["soffice", f"-env:UserInstallation={profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp), str(xlsx)],
                   check=True, capture_output=True, timeout=300)
    return tmp / f"{xlsx.stem}.pdf"


def _page_sheets(pdf: Path, sheets: Sequence[str]) -> list[str | None]:
    """The sheet each page belongs to, from the header line printed at its top."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    found: list[str | None] = []
    by_length = sorted(sheets, key=len, reverse=True)  # "W1" must not claim "W10"'s pages
    for page in text.split("\f")[:-1]:
        first = next((line.strip() for line in page.splitlines() if line.strip()), "")
        found.append(next((s for s in by_length if first == s or first.startswith(s + " ")),
                          found[-1] if found else None))
    return found


def render(xlsx: Path, out: Path, dpi: int = 72, sheets: Sequence[str] | None = None,
           first_only: bool = False) -> list[Path]:
    """PNG pages of one workbook into `out`: `<workbook>__<sheet>_<page>.png`."""
    out.mkdir(parents=True, exist_ok=True)
    names = load_workbook(xlsx, read_only=True).sheetnames
    written = []
    with tempfile.TemporaryDirectory() as d:
        pdf = _pdf(Path(xlsx).resolve(), Path(d))
        seen: dict[str, int] = {}
        for page, sheet in enumerate(_page_sheets(pdf, names), start=1):
            key = sheet or "page"
            seen[key] = seen.get(key, 0) + 1
            if (sheets and sheet not in sheets) or (first_only and seen[key] > 1):
                continue
            stem = out / _UNSAFE.sub("_", f"{xlsx.stem}__{key}_{seen[key]}")
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-f", str(page), "-l", str(page),
                            "-singlefile", str(pdf), str(stem)], check=True, timeout=120)
            written.append(stem.with_suffix(".png"))
    return written


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m sep_pipeline.publish.pack.preview",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("workbooks", nargs="*", type=Path)
    ap.add_argument("--period", help="write this period's pack from the warehouse first")
    ap.add_argument("--lang", default="both", choices=("en", "cy", "both"))
    ap.add_argument("--out", type=Path, default=Path("out/pack_preview"))
    ap.add_argument("--dpi", type=int, default=72)
    ap.add_argument("--sheet", action="append", dest="sheets",
                    help="a sheet to keep (repeat for more; default: every sheet)")
    ap.add_argument("--first", action="store_true", help="only the first page of each sheet")
    args = ap.parse_args(argv)
    for tool in ("soffice", "pdftoppm", "pdftotext"):
        if shutil.which(tool) is None:
            print(f"{tool} not found: install LibreOffice Calc and poppler-utils",
                  file=sys.stderr)
            return 2
    books = list(args.workbooks)
    if args.period:
        from ...common.config import settings
        from ...warehouse.tables import engine
        from . import write_pack

        written = write_pack(engine(settings().warehouse_url), args.period, args.out / "pack",
                             args.lang)
        books += [p for p in written if p.suffix == ".xlsx"]
    if not books:
        ap.error("give workbooks or --period")
    for book in books:
        for png in render(book, args.out, args.dpi, args.sheets, args.first):
            print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
