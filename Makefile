# send-hub developer commands. `make help` lists them.
# The two set-up commands of the README are `make demo` and `make test`;
# both create the virtual environment and fetch the Kafka jars on first use.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
LOCK   := requirements.lock

.DEFAULT_GOAL := help
.PHONY: help install assets kafka-jars demo test test-unit test-integration test-faults lint typecheck bench bench-peers clean lock

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-18s %s\n", $$1, $$2}'

# Every package comes from the lock, each checked against its recorded hash; the project
# itself is then installed without resolving anything (--no-deps).
$(STAMP): pyproject.toml $(LOCK)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

lock: $(STAMP) ## regenerate requirements.lock (with hashes) after changing a dependency in pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.11 \
		--universal --quiet -o $(LOCK)

NODE_STAMP := node_modules/.package-lock.json

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 18+ (it brings npm), e.g. apt-get install -y nodejs npm" >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

assets: $(NODE_STAMP) ## GOV.UK Frontend, MOJ Frontend and axe-core from npm (npm ci, once)

install: $(STAMP) assets kafka-jars ## create .venv, install packages, web assets and the Kafka broker jars (idempotent)

kafka-jars: $(STAMP) ## resolve Apache Kafka jars from Maven Central into the cache (once)
	$(BIN)/send-hub kafka install

demo: install ## run the whole hub locally: Kafka, worker, web, simulated agencies
	$(BIN)/send-hub demo

test: install browser promtool ## run unit tests, then integration tests against a real Kafka broker
	$(BIN)/pytest -m "not integration" -q
	$(BIN)/pytest -m "integration and not faults" -q

.PHONY: browser
browser: ## Debian's chromium for the browser tests (apt-get, only when /usr/bin/chromium is missing)
	@if [ -x /usr/bin/chromium ]; then \
		echo "chromium: $$(/usr/bin/chromium --version 2>/dev/null | head -1)"; \
	elif [ "$$(id -u)" != "0" ]; then \
		echo "make browser: /usr/bin/chromium is missing; as root run: apt-get update && apt-get install -y chromium" >&2; \
		exit 1; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	fi

.PHONY: promtool
promtool: ## Prometheus's promtool (Debian's prometheus package), which checks infra/prometheus rules
	@if command -v promtool >/dev/null; then \
		echo "promtool: $$(promtool --version 2>&1 | head -1)"; \
	elif [ "$$(id -u)" != "0" ]; then \
		echo "make promtool: promtool is missing; as root run: apt-get update && apt-get install -y prometheus" >&2; \
		exit 1; \
	else \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; \
	fi

test-unit: $(STAMP) assets ## unit tests only (no broker)
	$(BIN)/pytest -m "not integration" -q

test-integration: install browser promtool ## integration tests only (starts a real Kafka broker)
	$(BIN)/pytest -m "integration and not faults" -q

test-faults: install ## the worker's fault suite on a real broker (long; CI runs it)
	$(BIN)/pytest -m faults -q -s

lint: $(STAMP) ## ruff, mypy and the layer contract (import-linter, see pyproject.toml)
	$(BIN)/ruff check .
	$(BIN)/mypy hub streams schemas connectors infra
	$(BIN)/lint-imports

# bench/peer_*.py are jobs that bench/peers.py starts, not benchmarks of their own.
bench: install ## run the benchmark scripts (print figures)
	@for f in bench/*.py; do case $$f in bench/peer_*) continue;; esac; \
		echo "== $$f"; $(BIN)/python $$f || exit 1; done

# Quix Streams 3.28 pins pydantic < 2.14 and confluent-kafka < 2.13, below the lock, so it
# gets a virtualenv of its own; bench/peer_quix.py runs there without the project (fastavro
# decodes). fastavro and confluent-kafka are pinned to the lock's versions.
PEERS_PYTHON ?= python3.11
PEERS_VENV   := .venv-peers
PEERS_STAMP  := $(PEERS_VENV)/.installed
PEERS_PINS   := quixstreams==3.28.1 fastavro==1.13.1 confluent-kafka==2.12.2

$(PEERS_STAMP): Makefile
	$(PEERS_PYTHON) -m venv $(PEERS_VENV)
	$(PEERS_VENV)/bin/pip install --quiet --upgrade pip
	$(PEERS_VENV)/bin/pip install --quiet $(PEERS_PINS)
	touch $(PEERS_STAMP)

bench-peers: install $(PEERS_STAMP) ## .venv-peers (Quix Streams), then Faust, Quix and confluent-kafka against the aiokafka reference
	$(BIN)/python bench/peers.py

clean: ## remove local data (not the venv or the jar cache)
	rm -rf .send-hub .pytest_cache .mypy_cache .ruff_cache test-artefacts
