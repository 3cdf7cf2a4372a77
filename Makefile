# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
WORKERS ?= 2

.PHONY: run test test-fast install install-dev translations messages lint serve seed clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations
install-dev: $(VENV)/.installed-dev translations

# Compile the message catalogues (the .mo files are build output, not committed).
translations: $(VENV)/.installed
	$(BIN)/pybabel compile --domain messages --directory timebank/translations --statistics 2>&1 | tail -n 1

# Re-extract every gettext string into the catalogue after changing user-facing text.
messages: $(VENV)/.installed
	$(BIN)/pybabel extract --mapping babel.cfg --keywords _l --output timebank/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update --input-file timebank/translations/messages.pot --output-dir timebank/translations --no-fuzzy-matching

# Migrate, seed the demo community on the first run, print the logins, and serve with gunicorn
# beside a task worker (mail, auto-confirm, purges). Ctrl-C, or gunicorn stopping, stops both:
# the trap ends the worker, which a non-interactive shell starts deaf to Ctrl-C.
run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	@echo "Serving on http://127.0.0.1:$(PORT) with a task worker (Ctrl-C stops both)"
	@$(FLASK) tasks worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' INT TERM EXIT; \
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --access-logfile - --logger-class timebank.access_log.RedactingLogger wsgi:app

# ruff for style and imports; bandit for security smells (medium and high findings fail).
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive timebank --severity-level medium

# Two test processes (pytest-xdist) on the 2-core machines CI runs on; PYTEST_WORKERS=0 runs in one.
PYTEST_WORKERS ?= 2
test: install-dev lint
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile

# The quick loop while working: the unit and integration tests on SQLite only (`make test` runs
# everything: both databases, the pages and the browser).
test-fast: install-dev lint
	$(BIN)/pytest tests/unit tests/integration --backend sqlite

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
