"""README's layout is the package's tree: every top-level module and package, and every module
of the packages it lists one by one, is named there; and no more than eight modules stand at the
top beside the packages (the folders, not a flat list, say where things are)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "sep_pipeline"
# Packages whose modules README lists one by one (the others it summarises in a line).
LISTED = ("standard", "common", "warehouse", "intake", "publish", "tools", "defs")


def layout_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Layout\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```", 2)[1]


def test_at_most_eight_modules_at_the_top():
    modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(modules) <= 8, modules


def test_readme_layout_names_every_module_and_package():
    named = set(re.findall(r"[\w.]+(?:/|\.py)", layout_block()))
    top = {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    packages = {p.name + "/" for p in PACKAGE.iterdir()
                if p.is_dir() and (p / "__init__.py").exists()}
    inner = {p.name for name in LISTED for p in (PACKAGE / name).glob("*.py")
             if p.name != "__init__.py"}
    assert top | packages | inner <= named, sorted((top | packages | inner) - named)
