# Two commands: `make run` (the visualizer: prints its address) and `make test` (the whole
# suite). Both create the virtual environment in .venv on first use, with the exact versions
# of constraints.txt: `make run` the core and the visualizer (extra `viz`), `make test`
# everything (`viz`, `dask`, `ema`, `dev`).
# `make run SCENARIO=efficiency_kpi PORT=8766` opens another scenario or port;
# `make summary` prints the baseline firm's ten-year summary in the terminal.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PIP_FLAGS := --disable-pip-version-check --quiet
CONSTRAINTS := constraints.txt
INSTALL := $(BIN)/python -m pip install $(PIP_FLAGS) -c $(CONSTRAINTS)
# The distribution's former name, removed from a .venv made before the rename.
FORMER_NAME := aligned

SCENARIO ?=
PORT ?= 8765

.PHONY: run summary test browser lint wheel newest constraints bench reference verdicts claims-test clean

$(BIN)/python:
	@py=$$(scripts/find_python.sh) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	@$(BIN)/python -m pip uninstall $(PIP_FLAGS) -y $(FORMER_NAME) 2>/dev/null || true
	$(INSTALL) -e '.[viz]'
	@touch $@

$(VENV)/.installed-dev: $(BIN)/python pyproject.toml $(CONSTRAINTS)
	@$(BIN)/python -m pip uninstall $(PIP_FLAGS) -y $(FORMER_NAME) 2>/dev/null || true
	$(INSTALL) -e '.[viz,dask,ema,dev]'
	@touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/aligned viz $(SCENARIO) --port $(PORT)

summary: $(VENV)/.installed
	$(BIN)/aligned run baseline

# The wheel and newest-NumPy checks (under a minute) run before the suite, whose summary line
# is then the last one printed. The suite runs on two workers (pytest-xdist); tests that
# share a server, a browser or a saved batch run on one worker (tests/conftest.py).
test: $(VENV)/.installed-dev browser
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory wheel newest
	@mkdir -p .scratch
	$(BIN)/python -m pytest -n 2 --dist loadgroup --basetemp=.scratch/pytest

# The package as a researcher gets it: build the sdist and the wheel from it, install the
# wheel with the core dependencies alone into a new virtual environment outside the
# checkout, and run `aligned run baseline` and `aligned scenarios` there.
wheel: $(VENV)/.installed-dev
	scripts/check_wheel.sh $(BIN)/python $(CONSTRAINTS)

# The suite's fast part against the newest NumPy and pandas that pyproject.toml allows.
newest: $(VENV)/.installed-dev
	scripts/check_newest.sh $(BIN)/python $(CONSTRAINTS)

# Record the exact versions of .venv (after a deliberate upgrade, with `make test` passing).
constraints: $(VENV)/.installed-dev
	scripts/write_constraints.sh $(BIN)/python $(CONSTRAINTS)

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

# Every claim's verdict against the record (make test checks a sample of three pairs; this
# checks all of them, about 330 runs: some 7 minutes on 2 cores)
claims-test: $(VENV)/.installed-dev
	@mkdir -p .scratch
	ALIGNED_ALL_CLAIMS=1 $(BIN)/python -m pytest --basetemp=.scratch/pytest tests/test_claims_library.py

clean:
	rm -rf $(VENV) .scratch build dist *.egg-info
