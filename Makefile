# backup-autopilot front door. Every target creates the virtual environment it needs when missing.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYENV_ROOT ?= $(shell pyenv root 2>/dev/null || echo $$HOME/.pyenv)
# a real interpreter, not the pyenv shim (which fails unless pyenv is told the version)
PYTHON313 ?= $(shell ls $(PYENV_ROOT)/versions/3.13*/bin/python3.13 2>/dev/null | tail -1 || true)
ifeq ($(PYTHON313),)
PYTHON313 := $(shell command -v python3.13)
endif
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools
CHECKOV := .venv-checkov
PORT ?= 4566
FUNCTION ?= NotifyFunction
EVENT ?= events/notify/backup_job_failed.json

$(PY): requirements-dev.txt layers/core/requirements.txt functions/report/requirements.txt sandbox/pyproject.toml
	@test -n "$(PYTHON313)" || { echo "python3.13 not found (pyenv install 3.13)"; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	# the sandbox is a package of its own (sandbox/pyproject.toml), installed editable
	$(PY) -m pip install -q --no-deps -e sandbox/
	@touch $(PY)

$(TOOLS)/bin/sam: requirements-tools.txt
	@test -x $(TOOLS)/bin/python || $(PYTHON313) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q -r requirements-tools.txt
	@touch $(TOOLS)/bin/sam

$(CHECKOV)/bin/checkov: requirements-checkov.txt
	@test -x $(CHECKOV)/bin/python || $(PYTHON313) -m venv $(CHECKOV)
	$(CHECKOV)/bin/pip install -q -r requirements-checkov.txt
	@touch $(CHECKOV)/bin/checkov

.PHONY: help venv demo serve invoke test fuzz lint build deploy bench browser report dry-run chaos mutate cost
help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

venv: $(PY) ## create .venv (Python 3.13) with the runtime and dev dependencies

demo: $(PY) ## run the scripted story in the sandbox (no AWS account needed)
	$(PY) -m sandbox demo

serve: $(PY) ## a local AWS endpoint with the stack deployed into it (PORT=4566)
	$(PY) -m sandbox serve --port $(PORT)

invoke: $(PY) ## invoke a handler in the sandbox: make invoke FUNCTION=NotifyFunction EVENT=events/...json
	$(PY) -m sandbox invoke $(FUNCTION) --event $(EVENT)

# .venv-tools too: the template and IAM tests translate the template and run parliament there
test: $(PY) $(TOOLS)/bin/sam browser ## run the test suite (unit + sandbox; integration runs only with AWS_SAM_STACK_NAME), on every core
	$(PY) -m pytest -n auto --dist loadfile

browser: ## Debian's chromium for the report's browser test (apt-get; nothing when installed)
	bash .ci/browser.sh

report: $(PY) ## the operator report from a simulated month in the sandbox (DAYS=30); prints its path and a summary
	$(PY) -m sandbox report --days $${DAYS:-30} --out $${OUT:-build/report.html}

# PARAMS="CopyRetentionDays=40 DrRegion=eu-west-1", TAG/RESOURCE for one resource, FORMAT=json,
# ENDPOINT=http://127.0.0.1:4566 for `make serve`'s sandbox; otherwise your credentials' account
dry-run: $(PY) ## what the stack would protect, copy, restore-test and reject (read-only; exit 1 on a violation)
	$(if $(ENDPOINT),AWS_ENDPOINT_URL=$(ENDPOINT) ,)PYTHONPATH=layers/core $(PY) -m backup_autopilot.dry_run \
		--format $${FORMAT:-table} --params "$(PARAMS)" $(if $(RESOURCE),--resource $(RESOURCE),) $(if $(TAG),--tag $(TAG),)

fuzz: $(PY) ## randomized property-test campaigns (many more examples, a new seed each run); prints what they found
	HYPOTHESIS_PROFILE=fuzz FUZZ_SCALE=$${FUZZ_SCALE:-20} $(PY) -m pytest -p no:cacheprovider -q -m fuzz --hypothesis-show-statistics

lint: $(PY) $(TOOLS)/bin/sam $(CHECKOV)/bin/checkov ## ruff, import contracts, mypy, cfn-lint (+serverless rules), checkov, parliament, detect-secrets, sam validate
	bash .ci/lint

build: $(TOOLS)/bin/sam ## sam build (needs python3.13 on PATH; the venv provides it)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(TOOLS)/bin/sam build

deploy: build ## sam deploy --guided into your AWS account
	$(TOOLS)/bin/sam deploy --guided

bench: $(PY) ## benchmarks: print figures (never pass/fail on time)
	$(PY) -m bench

cost: $(PY) ## the stack's own monthly cost for 100, 1,000 and 10,000 resources (bench/prices.toml, us-east-1)
	$(PY) -m bench.cost

chaos: $(PY) ## reliability report: duplicates, throttling, lost and late events, crashes (figures, never pass/fail on time)
	$(PY) -m bench.chaos

mutate: $(PY) ## mutation testing of logic/, adapters/, inbound.py against tests/unit (MUTATE="logic/copies/*" to scope it)
	$(PY) .ci/mutate.py $(MUTATE)
