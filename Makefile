# Two commands for a newcomer: `make run` (the whole platform) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-fast bench bench-parse bench-indicators migrate clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

## Start gateway + task service + indicator service on SQLite, seed plans loaded, admin login printed.
run: $(STAMP)
	$(BIN)/dudao run

## The whole suite on a real PostgreSQL (TEST_DATABASE_URL, else testcontainers, else pgserver).
test: $(STAMP)
	$(BIN)/python -m pytest

migrate: $(STAMP)
	$(BIN)/dudao migrate

## Gateway benchmark: direct vs through-gateway requests/s, measured in one run.
bench: $(STAMP)
	$(BIN)/python bench/bench_gateway.py

bench-parse: $(STAMP)
	$(BIN)/python bench/bench_parse.py

bench-indicators: $(STAMP)
	$(BIN)/python bench/bench_indicators.py

clean:
	rm -rf $(VENV) var
