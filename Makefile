# The two commands of the README: `make run` and `make test`. Everything else serves them.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
# The suite runs on every core (pytest-xdist); each worker has its own databases.
JOBS   ?= auto
# The JS verifier of the Open Badges tests (tests/credentials_js): installed when node is here.
JS_DIR := tests/credentials_js

.PHONY: run test test-fast bench install translations js-verifier extract-messages update-translations lint clean

run: export LMS_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install translations  ## Set up, migrate, load the demo, serve http://127.0.0.1:5000 and run a worker
	@$(FLASK) db upgrade >$(VENV)/setup.log 2>&1 || { cat $(VENV)/setup.log; exit 1; }
	@$(FLASK) seed-demo >$(VENV)/demo.txt 2>>$(VENV)/setup.log || { cat $(VENV)/setup.log; exit 1; }
	@echo
	@echo "================================================================================"
	@sed -n '/^Demo certificates/,$$p' $(VENV)/demo.txt
	@echo
	@sed -n '2,/^Each account/p' $(VENV)/demo.txt
	@echo
	@echo " Open $(LMS_PUBLIC_URL)   (another port: make run PORT=8000)"
	@echo " A background worker runs beside the site. Ctrl+C stops both."
	@echo "================================================================================"
	@echo
	@PATH="$(abspath $(BIN)):$$PATH" HOST=$(HOST) $(BIN)/honcho start -f Procfile -p $(PORT)

test: install translations js-verifier  ## Run the whole suite (browser tests too, where chromium is)
	$(BIN)/python -m pytest -n $(JOBS) $(PYTEST_ARGS)

test-fast: install translations js-verifier  ## The suite without the browser tests (about a minute)
	$(BIN)/python -m pytest -n $(JOBS) -m "not e2e" $(PYTEST_ARGS)

bench: install translations $(VENV)/.bench-installed  ## Benchmark against a minimal Flask page (BENCH_SCALE=0.01 for a quick run; docs/performance.md)
	$(BIN)/python bench/run.py

# The benchmark serves the site as production does: gunicorn (the `production` extra).
$(VENV)/.bench-installed: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,redis,production]'
	touch $@

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (found " + sys.version.split()[0] + "); set PYTHON=python3.11")'
	@echo "Setting up .venv (the first time takes a minute or two; details in $(VENV)/install.log)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,postgres,redis]' >$(VENV)/install.log 2>&1 \
		|| { tail -n 40 $(VENV)/install.log; echo "Installing failed: see $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)

# `npm ci` once per lock file; without node the JS tests skip, saying why.
js-verifier:
	@if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory $(JS_DIR)/node_modules/.installed; \
	else \
		echo "node not found: the JS verifier tests (tests/credentials_js) will be skipped"; \
	fi

$(JS_DIR)/node_modules/.installed: $(JS_DIR)/package-lock.json $(JS_DIR)/package.json
	@cd $(JS_DIR) && npm ci --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1 \
		|| { cat npm-ci.log; echo "npm ci failed in $(JS_DIR)"; exit 1; }
	@rm -f $(JS_DIR)/npm-ci.log
	@touch $@

translations: install  ## Compile the .po catalogues into .mo files
	@$(BIN)/pybabel compile -d lms/translations >$(VENV)/translations.log 2>&1 \
		|| { cat $(VENV)/translations.log; exit 1; }

extract-messages: install  ## Refresh messages.pot and merge it into every catalogue
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output lms courses seminars quizzes assessments certificates
	$(BIN)/pybabel update -N --ignore-obsolete -i lms/translations/messages.pot -d lms/translations

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache $(JS_DIR)/node_modules
