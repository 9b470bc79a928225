# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run ui up down pack-preview test lint docs samples template migration clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	$(BIN)/pip check
	$(BIN)/python -m sep_pipeline.tools.env_check
	touch $(STAMP)

# The whole pipeline on the committed sample returns (SQLite warehouse and Dagster storage in var/).
run: $(STAMP)
	$(BIN)/sep-pipeline run --intake data_raw

ui: $(STAMP)
	$(BIN)/sep-pipeline ui

# The shared deployment (needs DAGSTER_PG_URL, SEP_WAREHOUSE_URL, SEP_PSEUDONYM_KEY: deploy/README.md).
up: $(STAMP)
	$(BIN)/sep-pipeline serve start

down: $(STAMP)
	$(BIN)/sep-pipeline serve stop

# pytest exits 5 when it collects no tests: that is not a failure. The files run side by side,
# one worker per core (pytest-xdist; a file's tests stay together: they share its fixtures).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n auto --dist loadfile; status=$$?; [ $$status -eq 5 ] && exit 0; exit $$status

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

docs: $(STAMP)
	$(BIN)/sep-pipeline docs --out docs/standard.md

samples: $(STAMP)
	$(BIN)/sep-pipeline samples --out data_raw

template: $(STAMP)
	$(BIN)/sep-pipeline template --lang en --out out/sep_return_template_en.xlsx
	$(BIN)/sep-pipeline template --lang cy --out out/sep_return_template_cy.xlsx

# Render the pack to PNG to look at it (after `make run`; needs Debian's libreoffice-calc-nogui,
# poppler-utils and fonts-crosextra-carlito).
pack-preview: $(STAMP)
	$(BIN)/python -m sep_pipeline.publish.pack.preview --period "2025-26 Q4" --out out/pack_preview --first

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .import_linter_cache .hypothesis out

# After changing the standard: write the warehouse migration, then read and commit it.
#   make migration MSG="add field x"
migration: $(STAMP)
	@test -n "$(MSG)" || { echo 'usage: make migration MSG="add field x"' >&2; exit 2; }
	rm -f var/migration_scratch.sqlite var/migration_scratch.sqlite-wal var/migration_scratch.sqlite-shm
	$(BIN)/python -m sep_pipeline.warehouse.migrations autogenerate "$(MSG)" --url sqlite:///var/migration_scratch.sqlite

# Performance benchmark (docs/performance.md, issue 21): the pipeline against calamine alone and
# against the naive ingest (pandas.read_excel(openpyxl) + validation + to_sql), on national-scale
# synthetic returns (generated once, cached in benchmarks/.cache/); its last line is
# `bench: rows=N ingest_vs_floor=x ingest_vs_naive=x e2e_vs_floor=x resubmit_vs_floor=x peak_mb=N
# copy_vs_to_sql=x`. `make bench SIZE=small` runs the same at a tenth of the size;
# `make bench SIZE=x10` at ten times (600 bodies; ~13 min to generate once; no naive or pg phase).
.PHONY: bench
SIZE ?= full
bench: $(STAMP)
	$(BIN)/python -m benchmarks.run --size $(SIZE)
