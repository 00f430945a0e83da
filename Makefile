# Two commands: `make run` (the visualizer: prints its address) and `make test` (the whole
# suite). Both create the virtual environment in .venv on first use.
# `make run SCENARIO=efficiency_kpi PORT=8766` opens another scenario or port;
# `make summary` prints the baseline firm's ten-year summary in the terminal.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PIP_FLAGS := --disable-pip-version-check --quiet

SCENARIO ?=
PORT ?= 8765

.PHONY: run summary test browser lint bench reference verdicts clean

$(BIN)/python:
	@py=$$(scripts/find_python.sh) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install $(PIP_FLAGS) -e .
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/aligned viz $(SCENARIO) --port $(PORT)

summary: $(VENV)/.installed
	$(BIN)/aligned run baseline

test: $(VENV)/.installed-dev browser
	$(BIN)/ruff check .
	@mkdir -p .scratch
	$(BIN)/python -m pytest --basetemp=.scratch/pytest

browser:
	@scripts/ensure_chromium.sh

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .

bench: $(VENV)/.installed
	$(BIN)/python experiments/benchmark.py

# Regenerate the reference time series that tests/test_reference.py compares against (only
# after a deliberate change of the model's results; commit the new file on its own).
reference: $(VENV)/.installed-dev
	$(BIN)/python -m tests.reference

# Record the verdict of every claim in scenarios/ that tests/test_claims_library.py compares
# with (after a deliberate change of the model's behaviour; commit the record on its own).
verdicts: $(VENV)/.installed-dev
	$(BIN)/python -m tests.claim_verdicts

clean:
	rm -rf $(VENV) .scratch build *.egg-info
