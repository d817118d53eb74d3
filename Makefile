# Every target is idempotent. `make run` and `make test` set up whatever is missing.
SHELL := /bin/bash
PY := .venv/bin/python
RASA := $(PY) -m bot.runtime.rasa_main
export PYTHONHASHSEED := 0
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: run-scaled setup install db model run test check lint validate pytest story-test bench-catalog bench-nlu bench-load bench-zalo clean

setup: install check db model

install:
	@scripts/install.sh
	@scripts/install_web.sh

check: install
	@$(PY) -m bot check

db: install
	@echo "[setup] upgrading the database schema and importing the catalogue (data/catalog)"
	@$(PY) -m bot db upgrade
	@if [ -d data/catalog ] && ls data/catalog/*.yml >/dev/null 2>&1; then $(PY) -m bot catalog import data/catalog; fi

model: install
	@$(PY) scripts/train.py

run: setup
	@echo "[run] starting action server (:5055), Rasa server (:5005), web app (:8000); Ctrl-C stops all"
	@echo "[run]   chat page:      http://localhost:8000/"
	@echo "[run]   console:        http://localhost:8000/console"
	@echo "[run]   REST channel:   http://localhost:5005/webhooks/rest/webhook"
	@exec .venv/bin/honcho start -f Procfile

lint: install
	@echo "[test] ruff check + ruff format --check (pyproject.toml)"
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .

validate: install
	@echo "[test] rasa data validate"
	@$(RASA) data validate --fail-on-warnings

pytest: setup
	@echo "[test] pytest"
	@$(PY) -m pytest -q

story-test: model
	@echo "[test] rasa test core on tests/test_stories.yml (--fail-on-prediction-errors)"
	@$(RASA) test core --model models/assistant.tar.gz --stories tests/test_stories.yml \
	  --fail-on-prediction-errors --out results/stories

test: setup lint validate pytest story-test
	@echo "[test] all green"

bench-catalog: setup
	@$(PY) bench/catalog.py

bench-nlu: install
	@$(PY) bench/nlu.py

bench-load: setup
	@$(PY) bench/load.py

bench-zalo: setup
	@$(PY) bench/zalo_webhook.py

clean:
	rm -rf models results test-artifacts var

# Scaled profile on one machine: PostgreSQL + Redis + nginx, 2 Rasa replicas, 2 action servers.
SCALED_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/assistant
SCALED_REDIS_URL ?= redis://127.0.0.1:6379/1
run-scaled: export DATABASE_URL := $(SCALED_DATABASE_URL)
run-scaled: export REDIS_URL := $(SCALED_REDIS_URL)
run-scaled: install model
	@$(PY) -m bot db create-if-missing
	@$(PY) -m bot check
	@$(MAKE) --no-print-directory db DATABASE_URL=$(SCALED_DATABASE_URL)
	@exec $(PY) -m bot.scaled
