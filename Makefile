# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: rehearsal test bench lint

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

rehearsal: $(STAMP)
	$(BIN)/aks-wizard --rehearsal

test: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n 4

bench: $(STAMP)
	$(BIN)/python tests/bench/run.py
