# Two commands for everyone: `make run` and `make test` (see README.md).
# Everything else here is a shortcut for developers.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
MODEL_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)
export RASA_TELEMETRY_ENABLED := false

.PHONY: run test train browser lint validate pytest conversations crossval clean \
  datastores test-scale bench

# The virtual environment, rebuilt when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	@python=$$(PYTHON="$(PYTHON)" scripts/find-python) || exit 1; \
	  echo "Using $$python"; \
	  [ -x $(BIN)/python ] || "$$python" -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --editable '.[dev]'
	@touch $@

# axe-core for the accessibility tests of the widget (the widget needs no build).
node_modules/.installed: package.json
	npm install --no-audit --no-fund --silent
	@touch $@

# The widget tests drive Debian's Chromium; Playwright never downloads a browser.
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

run: $(BIN)/.installed
	$(BIN)/bot run

train: $(BIN)/.installed
	$(BIN)/bot train

test: $(BIN)/.installed node_modules/.installed browser datastores train lint validate pytest \
  conversations

# Rasa's data validation and the content checks, each problem with file:line.
validate: $(BIN)/.installed
	$(BIN)/bot validate

lint: $(BIN)/.installed
	$(BIN)/ruff check bot actions tests
	$(BIN)/ruff format --check bot actions tests

# Unit tests of the actions, data validation, and end-to-end tests against the
# real servers (started by the tests themselves on free ports).
pytest: $(BIN)/.installed
	$(BIN)/pytest

# Conversation tests: every prediction in tests/conversations.yml must be right.
conversations: $(BIN)/.installed train
	$(BIN)/rasa test core --stories tests/conversations.yml --model models \
	  --fail-on-prediction-errors --out reports/conversations

# PostgreSQL, Redis and nginx (Debian's packages) for the benchmark (part of `make test`)
# and the scale-out tests. The tests start throwaway servers of their own, on free
# ports; the system's services are not used.
datastores:
	@{ ls /usr/lib/postgresql/*/bin/initdb && command -v redis-server && command -v nginx; } \
	  >/dev/null 2>&1 || { \
	  echo "Installing Debian's PostgreSQL, Redis and nginx"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq postgresql redis-server nginx >/dev/null; }

# Scale-out: nginx in front of two Rasa servers sharing PostgreSQL and Redis (docs/scaling.md).
test-scale: $(BIN)/.installed datastores train
	$(BIN)/pytest -m scale

# The benchmark of docs/benchmarks.md: over an hour on a quiet machine.
bench: $(BIN)/.installed datastores
	$(BIN)/bot bench

crossval: $(BIN)/.installed
	$(BIN)/rasa test nlu --nlu data/nlu --config config.yml --cross-validation --folds 5 \
	  --out reports/crossval

clean:
	rm -rf models reports var .pytest_cache node_modules
