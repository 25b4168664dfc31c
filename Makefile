# Two entry points: `make run` (dashboard on the bundled demo corpus) and `make test`.
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB ?= data/events.duckdb
PORT ?= 8501

.PHONY: run test install lock bench gazetteer

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

run: install
	$(BIN)/protestmap ingest seeds/ --db $(DB) --quiet
	$(BIN)/protestmap serve --db $(DB) --port $(PORT)

test: install
	$(BIN)/python -m pytest -q

gazetteer: install
	$(BIN)/python -m gazetteer.build

bench: install
	$(BIN)/python bench/geocode.py
	$(BIN)/python bench/extract.py
	$(BIN)/python bench/dashboard.py

lock:
	$(BIN)/pip freeze --exclude-editable > requirements.lock
