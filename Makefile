# Quick start:  make demo  (install, compare the reference team with an outside coach)
#               make test  (install test extras and run lint, types and the whole suite)
#               make test-fast  (the quick lane while editing)
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: fast plain demo test test-fast install install-test lint typecheck pytest bench schema docs screenshots validate-model derive-improvement fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test

DEMO_OUT := outputs/compare-reference-vs-outside_coach

# The reference team against an outside coach (in person and virtual), every input with a
# published range drawn over it: 256 quasi-random draws, one run each (about a minute on two
# cores). Where a C compiler is present the engine is compiled first (once; same numbers).
demo: install
	@if ! command -v cc >/dev/null 2>&1; then \
		echo "No C compiler: running plain Python (the same numbers, slower)."; \
	elif ! $(BIN)/python -W ignore -c "import sys; from sim.compiled import current; sys.exit(not current())"; then \
		echo "Compiling the engine (about a minute, once; the same numbers as plain Python)..."; \
		$(MAKE) --no-print-directory fast || echo "The compiled build failed: running plain Python."; \
	fi
	$(BIN)/coachsim compare scenarios/reference.yaml scenarios/outside_coach_evidence.yaml \
		scenarios/outside_coach_virtual_evidence.yaml --uncertainty 256 -n 1 -o $(DEMO_OUT) --force
	@echo "Open $(DEMO_OUT)/report.html in a browser."

lint: install-test
	$(BIN)/ruff format --check sim cli.py tests benchmarks validation docs
	$(BIN)/ruff check sim cli.py tests benchmarks validation docs

typecheck: install-test
	$(BIN)/mypy

pytest: install-test
	$(BIN)/python -m pytest

test: lint typecheck pytest

# Unit, simulation and command-line tests without the slow ones (claims, many processes, long
# property runs): under a minute, for the edit-test loop. `make test` runs everything.
test-fast: install-test
	$(BIN)/python -m pytest -q -m "not slow" tests/unit tests/sim tests/cli

# Thousands of mutated scenario files (the test suite checks a fixed sample of 300) and CRM
# exports (the suite checks 40); failures are kept in outputs/fuzz and outputs/fuzz-crm with the
# commands that reproduce them.
fuzz: install-test
	$(BIN)/python -m tests.fuzz --count 5000 --out outputs/fuzz
	$(BIN)/python -m tests.fuzz.crm_main --count 2000 --out outputs/fuzz-crm

# Optional: compile the engine's hot modules with mypyc (needs a C compiler and the Python
# headers; about a minute). Same numbers, less CPU; see sim/compiled.py. `make plain` undoes it.
fast: install
	$(BIN)/python -m pip install --quiet 'mypy>=1.10'
	$(BIN)/python -W ignore::UserWarning -c "from sim.compiled import build; build()"

plain: install
	$(BIN)/python -W ignore::UserWarning -c "from sim.compiled import clean; clean()"

bench: install
	$(BIN)/python benchmarks/engine.py

schema: install
	$(BIN)/coachsim schema > scenarios/scenario.schema.json

# The model against published results: writes docs/validation.md and docs/dose-response.html.
validate-model: install
	$(BIN)/python validation/run.py

# Re-derive skill.improvement, the one default calibrated rather than read from a source.
derive-improvement: install
	$(BIN)/python validation/improvement.py

# The generated files: docs/evidence.md, docs/cli.md (every command's --help),
# scenarios/reference.yaml, the JSON schema (tests check each is current).
docs: install
	$(BIN)/python docs/generate.py

# The README's screenshots of the make demo report, in headless Chromium (look at them).
screenshots: install-test
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis sim/compiled.json
	find sim -name '*.so' -delete
