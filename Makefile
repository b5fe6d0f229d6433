# Two commands for a new user: `make run` and `make test`. Both go through `make install`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
STATIC := static/vendor/govuk/.version
# The optional insightface backend, tested in CI. Installed without its dependencies: it declares
# opencv-python, which would overwrite the pinned opencv-python-headless. The `insightface` extra
# (part of `dev`) holds what it imports.
INSIGHTFACE := insightface==2.1
# The browser journey's accessibility engine (tests/e2e, docs/e2e.md), from the npm registry into
# var/e2e/ (ignored by git). The browser is the system's chromium: never a Playwright download.
AXE_CORE := axe-core@4.14.1
AXE := var/e2e/node_modules/axe-core/axe.min.js
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test e2e e2e-deps lint format worker beat clean

install: $(STAMP) $(STATIC)

$(STAMP): pyproject.toml Makefile
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m pip install --quiet --no-deps "$(INSIGHTFACE)"
	@touch $(STAMP)

$(STATIC): scripts/fetch_govuk_frontend.py | $(STAMP)
	$(BIN)/python scripts/fetch_govuk_frontend.py

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo "Serving on http://$(HOST):$(PORT)/ (sign in with a demo login above)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The browser journey and its accessibility checks alone; `make test` runs them too, and skips
# them (saying why) where chromium or axe-core is missing.
e2e: install e2e-deps
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

e2e-deps: $(AXE)

$(AXE):
	npm install --no-save --no-audit --no-fund --prefix var/e2e $(AXE_CORE)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# With DATABASE_URL and CELERY_BROKER_URL set (see README):
worker: install
	$(BIN)/celery -A config worker --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info

clean:
	rm -rf $(VENV) static/vendor staticfiles var .pytest_cache .ruff_cache
