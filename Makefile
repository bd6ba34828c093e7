# Everything a fresh machine with only python3 and make needs: `make test` builds the
# virtual environment from pyproject.toml, pinned by constraints.txt (what CI tested).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export LITELLM_LOCAL_MODEL_COST_MAP := True
# The folders that exist on this checkout (benchmarks/ comes with the benchmark work).
LINT_PATHS := $(wildcard src tests benchmarks examples scripts)

.PHONY: install test test-unit lint format demo serve bench record-fixtures clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,proxy,redis]"
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q tests

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

serve: $(STAMP)
	$(BIN)/codex-litellm serve

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# Maintainers only, never CI: re-records tests/contract/fixtures/recorded-*.sse against the
# real backend with your real login (scrubbed of tokens and account ids). Review the diff.
record-fixtures: $(STAMP)
	$(BIN)/python scripts/record_fixtures.py $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
