# Senim: the two commands are `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed-$(shell cat setup.cfg | cksum | cut -d' ' -f1)
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard casework/translations/*/LC_MESSAGES/messages.po))

# serve: production-style (gunicorn) against the configured databases, see docs/operations.md.
.PHONY: run serve test lint typecheck bench translations-extract translations-update clean install \
	screenshots

$(STAMP): setup.cfg
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP) $(CATALOGUES)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@

run: install
	SENIM_DEMO=1 $(FLASK) senim init
	SENIM_DEMO=1 $(FLASK) senim demo
	SENIM_DEMO=1 $(FLASK) senim serve --host 127.0.0.1 --port 5000

serve: install
	$(FLASK) senim init
	$(BIN)/gunicorn --config deploy/gunicorn.conf.py casework.wsgi:app

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not e2e" $(PYTEST_ARGS)
	$(BIN)/python -m pytest -m e2e $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check casework crypto mou tests bench wsgi.py setup.py deploy
	$(BIN)/lint-imports
	$(BIN)/mypy casework crypto mou

# Issue 13: main pages of every role, desktop 1366x768 and phone 390x844, kk/ru/en, into
# screenshots/ (git-ignored) for a reviewer; Debian's Chromium, no download.
screenshots: install
	rm -rf screenshots
	SENIM_SCREENSHOTS=$(CURDIR)/screenshots $(BIN)/python -m pytest -m e2e \
		tests/e2e/test_screenshots.py $(PYTEST_ARGS)
	@echo "Screenshots in $(CURDIR)/screenshots/<language>/<size>/"

# bench: crypto micro-benchmarks, the page benchmark against a plaintext control (1,000 and
# 10,000 people; `$(BIN)/python bench/pages.py --sizes 100000` for the large size, see its
# docstring) and the import's people per second. Prints `name=value unit` lines.
BENCH_SIZES ?= 1000,10000
bench: install
	$(BIN)/python bench/crypto.py
	$(BIN)/python bench/audit.py
	$(BIN)/python bench/pages.py --sizes $(BENCH_SIZES)
	$(BIN)/python bench/import.py

translations-extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o casework/translations/messages.pot --no-location --sort-output .

translations-update: translations-extract
	$(BIN)/pybabel update -i casework/translations/messages.pot -d casework/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) build *.egg-info
