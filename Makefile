# Everything a fresh machine with only python3 and make needs: `make test` builds the
# virtual environment from pyproject.toml, pinned by constraints.txt (what CI tested).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MYPY_PATH := $(VENV)/mypy-path
export LITELLM_LOCAL_MODEL_COST_MAP := True
# The folders that exist on this checkout (benchmarks/ comes with the benchmark work).
LINT_PATHS := $(wildcard src tests benchmarks examples scripts)

.PHONY: redis-server chromium install test test-unit test-matrix constraints lint format demo serve bench record-fixtures clean

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[dev,proxy,redis]"
	touch $(STAMP)

test: $(STAMP) redis-server chromium
	$(BIN)/python -m pytest -q --cov=litellm_codex_oauth_provider --cov-report= tests
	@echo "coverage: $$($(BIN)/coverage report --format=total)% of the package's lines (details: .venv/bin/coverage report)"

# Everything but tests/e2e (which starts the real LiteLLM proxy): the quick loop while working.
.PHONY: test-fast
test-fast: $(STAMP) redis-server
	$(BIN)/python -m pytest -q tests --ignore=tests/e2e

# The Redis token store's tests run against a real redis-server (Debian's package).
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq redis-server >/dev/null; \
	} || echo "redis-server could not be installed: the Redis tests will be skipped"

# The browser sign-in test drives a real headless Chromium (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq chromium >/dev/null; \
	} || echo "chromium could not be installed: the browser sign-in test will be skipped"

test-unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

# Both ends of the supported LiteLLM range (pyproject.toml): the unit, contract, end-to-end and
# packaging tests in a venv that holds that LiteLLM and its proxy first, then the built wheel.
LITELLM_OLDEST := 1.106.2
LITELLM_NEWEST := 1.110.2
test-matrix: redis-server chromium
	$(PYTHON) scripts/test_matrix.py $(LITELLM_OLDEST) $(LITELLM_NEWEST)

# Rewrites constraints.txt with the newest set that installs with every extra (review, then commit).
constraints:
	$(PYTHON) scripts/lock_constraints.py

lint: $(STAMP) $(MYPY_PATH)/litellm_codex_oauth_provider
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/mypy src
	MYPYPATH=$(MYPY_PATH) $(BIN)/mypy tests
	$(BIN)/lint-imports

# mypy finds the package the tests import by its name through this link: the editable
# install's import hook, which maps the name to src/, is invisible to it.
$(MYPY_PATH)/litellm_codex_oauth_provider: | $(STAMP)
	mkdir -p $(MYPY_PATH)
	ln -sfn $(CURDIR)/src $@

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
	rm -rf $(VENV) .matrix build .pytest_cache .mypy_cache .ruff_cache .coverage
