# Every target works on a fresh clone with only Python 3 and make installed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_STAMP := $(VENV)/.demo-installed
# `make pulumi-cli` builds the Pulumi CLI here when none is installed; every target below finds it first.
PULUMI_BIN := $(CURDIR)/.tools/pulumi/bin
export PATH := $(PULUMI_BIN):$(PATH)

.PHONY: install test lint pytest demo bench bench-quick emulator clean pulumi-cli

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The demo needs the package and the offline runner's extra only, not the test and lint tools.
$(DEMO_STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[testing]'
	touch $(DEMO_STAMP)

install: $(STAMP)

# mypy --strict (settings in pyproject.toml) checks provider, tests, bench, scripts and __main__.py in one run.
# The example programs are all __main__.py as well, and one run refuses two modules of the same name, so each
# example gets a run of its own.
lint: $(STAMP)
	$(VENV)/bin/ruff check provider tests examples scripts bench __main__.py
	$(VENV)/bin/ruff format --check provider tests examples scripts bench __main__.py
	$(VENV)/bin/mypy
	@status=0; for program in examples/*/__main__.py; do \
		echo "$(VENV)/bin/mypy $$program"; $(VENV)/bin/mypy "$$program" || status=1; \
	done; exit $$status

# Where Go is, the real-engine tests run on a CLI built here (seconds once built), so they never skip.
pytest: $(STAMP)
	@if command -v go >/dev/null 2>&1; then $(MAKE) --no-print-directory pulumi-cli; fi
	$(PY) -m pytest

# The Pulumi CLI: the one on PATH, or built from its Go modules into .tools/pulumi/bin (scripts/pulumi-cli).
pulumi-cli:
	@bash scripts/pulumi-cli/build.sh

test: lint pytest

# A seeded emulator to try things against: it prints the lines to export in another terminal (pulumi up, aws workmail).
emulator: $(STAMP)
	$(PY) -m workmail_emulator --port 4566 --seed examples/emulator-seed.json --print-env

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .bench

demo: $(DEMO_STAMP)
	$(PY) scripts/demo.py

# Benchmarks (bench/README.md): results in .bench/results.json, hardware in .bench/meta.json.
bench: $(STAMP)
	@test -x $(VENV)/bin/aws || $(PY) -m pip install --quiet 'awscli>=1.30'
	$(PY) -m bench.run

bench-quick: $(STAMP)
	@test -x $(VENV)/bin/aws || $(PY) -m pip install --quiet 'awscli>=1.30'
	$(PY) -m bench.run --quick
