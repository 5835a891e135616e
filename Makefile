# Every target bootstraps .venv from the exact pins in requirements-dev.txt; a fresh machine
# needs only python3, make and git.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8080
DB ?= sandbox.db
WORKERS ?= 1

# HPL_TEST_CLOCK_SHIFT=+400d make test (or contract, mutants, bench): every Python process these
# targets start runs with its wall clock moved, through tools/clockshift/sitecustomize.py.
ifneq ($(strip $(HPL_TEST_CLOCK_SHIFT)),)
export PYTHONPATH := $(CURDIR)/tools/clockshift$(if $(PYTHONPATH),:$(PYTHONPATH))
endif

.DEFAULT_GOAL := help
.PHONY: help install lint-spec generate check-generated lint typecheck test contract mutants sandbox bench clean

help:
	@echo "make contract         check a server against the spec (the sandbox, or BASE_URL=...)"
	@echo "make test             every test: spec, generated client, sandbox, client layer"
	@echo "make generate         regenerate generated/hpl_client from openapi/"
	@echo "make check-generated  fail when generated/ is not what the spec produces"
	@echo "make lint-spec | lint | typecheck | sandbox | mutants | bench | clean"

$(STAMP): requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e . \
	  || $(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

lint-spec: $(STAMP)
	$(BIN)/openapi-spec-validator openapi/hpl-device-reports.yaml

generate: lint-spec
	$(BIN)/python tools/generate.py

check-generated: $(STAMP)
	$(BIN)/python tools/generate.py --check

lint: $(STAMP)
	$(BIN)/ruff check src tools tests benchmarks conftest.py
	$(BIN)/ruff format --check src tools tests benchmarks conftest.py

typecheck: $(STAMP)
	$(BIN)/mypy --strict generated/hpl_client
	$(BIN)/mypy --strict src tools tests benchmarks conftest.py

test: $(STAMP)
	$(BIN)/pytest

# A thin call of the packaged command (src/hpl_contract/cli.py): the embedded sandbox by default;
# BASE_URL=https://.../api/hyper-precise/v1 (and HPL_* credentials) checks a live server, where a broken
# decision is a divergence unless HPL_CONTRACT_STRICT=1. PROFILE=nightly draws many more examples.
# ARGS='--seed 7 --max-examples 10 -- -k rules' passes options on. Reports land in reports/.
contract: $(STAMP)
	$(BIN)/hpl-contract --report-dir reports $(ARGS)

# The whole contract suite against the true sandbox and each broken variant in tests/contract/mutants/.
mutants: $(STAMP)
	$(BIN)/python -m tests.contract.mutants.run

sandbox: $(STAMP)
	$(BIN)/hpl-sandbox serve --host 127.0.0.1 --port $(PORT) --db $(DB) --workers $(WORKERS)

# QUICK=1: a smoke run of a few seconds (no wrk, Prism or vendor SDK), written outside the tree.
bench: $(STAMP)
ifeq ($(QUICK),1)
	$(BIN)/python -m benchmarks.run --quick
else
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r benchmarks/requirements.txt
	$(BIN)/python -m benchmarks.run
endif

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis reports
