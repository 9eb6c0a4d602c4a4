# SUTASOMA - the two commands: `make run` and `make test`. Everything else is set up on demand.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13: pyenv's install if there is one (its python3.13 shim refuses without
# PYENV_VERSION), else whatever python3.13 is on PATH, else let uv find or fetch one.
PY313 := $(shell for p in "$$(pyenv root 2>/dev/null)"/versions/3.13*/bin/python3.13 "$$(command -v python3.13 2>/dev/null)"; do \
            if [ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 13))' 2>/dev/null; then echo "$$p"; break; fi; done)
UV_PYTHON := $(if $(PY313),$(PY313),3.13)
UV := $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
TOOL_BIN := $(HOME)/.local/bin
SAM := $(TOOL_BIN)/sam
VENV := .venv
STAMP := $(VENV)/.synced

# Nothing here may reach real AWS.
export UV_PYTHON
export AWS_EC2_METADATA_DISABLED := true
export SAM_CLI_TELEMETRY := 0
export AWS_DEFAULT_REGION ?= ap-southeast-3
export PATH := $(TOOL_BIN):$(dir $(PY313)):$(PATH)

.PHONY: help run redrive test lint typecheck contracts validate scan unit integration e2e local fuzz bench build clean
help:
	@echo "make run    - start the local stack (API on http://127.0.0.1:3000, Swagger UI at /docs)"
	@echo "make test   - lint, type-check, validate the template, run every test"
	@echo "make unit | integration | e2e | local - one test folder (tests/unit in seconds)"
	@echo "make bench  - print the benchmark figures, a summary table and the monthly AWS cost"
	@echo "make report PERIOD=YYYY-MM - the scheduled monthly report against a running make run"
	@echo "make sample-import - .local/sample-import-10750.xlsx: 10,750 members to import (docs/imports.md)"
	@echo "make fuzz   - schemathesis against /openapi.json on a local stack, many examples"
	@echo "make build  - sam build (Python 3.13 on PATH)"
	@echo "make sam-env [HOST=host.docker.internal] - the --env-vars file for sam local against a running make run"
	@echo "make web    - the field app's generated files (reference data, service worker shell) and its size"
	@echo "make lighthouse - Lighthouse (mobile) on the field app of a local stack (docs/web.md)"
	@echo "make web-deploy STACK=name - upload web/ and its config.json to a deployed stack (docs/web.md)"

$(UV):
	python3 -m pip install --user --quiet uv || python3 -m pip install --quiet uv

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode
	@touch $@

$(SAM): | $(UV)
	$(UV) tool install --quiet aws-sam-cli

SAMPLE_IMPORT := .local/sample-import-10750.xlsx

run: $(STAMP) $(SAMPLE_IMPORT)
	$(VENV)/bin/python -m local

# A member file of 10,750 generated existing participants to import through the API (docs/imports.md);
# `make run` writes it when it is missing.
.PHONY: sample-import
sample-import: $(STAMP)
	$(VENV)/bin/python -m local.sample_import

$(SAMPLE_IMPORT): | $(STAMP)
	$(VENV)/bin/python -m local.sample_import --out $@

redrive: $(STAMP)
	$(VENV)/bin/python -m local.invoke DlqRedriveFunction

# The --env-vars file (.local/sam-env.json) that points `sam local invoke` and `sam local start-api`
# at a running `make run`: each function's resolved variables, moto as the endpoint. HOST: this
# machine as SAM's container sees it (127.0.0.1 with --docker-network host; host.docker.internal
# with Docker Desktop or Finch). docs/local-stack.md "sam local against make run".
.PHONY: sam-env
sam-env: $(STAMP)
	$(VENV)/bin/python -m local.sam_env $(if $(HOST),--host $(HOST))

# The monthly report of PERIOD (default: last month) as the 5th-of-month schedule makes it, against
# a running `make run`: python -m local.invoke ReportFunction for the 5th of the next month, 08:00
# WITA; then where its files are in S3 (moto), and .local/report-PERIOD.html through the API as admin.
.PHONY: report
report: $(STAMP)
	$(VENV)/bin/python -m local.report $(PERIOD)

test: lint typecheck contracts validate scan web-test chromium
	$(VENV)/bin/pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: $(STAMP)
	$(VENV)/bin/mypy layers/common/sutasoma functions bench local

# The layers of DESIGN.md, as import contracts (pyproject.toml [tool.importlinter]).
contracts: $(STAMP)
	PYTHONPATH=layers/common:. $(VENV)/bin/lint-imports --no-cache

validate: $(SAM)
	$(SAM) validate --lint --template template.yaml

# Outside scanners, as a reviewer runs them (docs/security.md "Scanners"): checkov (CloudFormation)
# and cfn-lint with AWS's serverless rules on the template, bandit on the code. Every accepted
# finding is skipped where it is, with its reason (checkov and cfn-lint in the resource's
# Metadata, `# nosec BXXX # - reason` in the code) and listed in docs/security.md
# (tests/unit/test_scanners.py checks both); any other finding fails the run. bandit's notes on
# a multi-line literal whose nosec is on another line of it are dropped from the output.
scan: $(STAMP)
	$(VENV)/bin/checkov -f template.yaml --framework cloudformation --quiet --compact --skip-download
	$(VENV)/bin/cfn-lint -a cfn_lint_serverless.rules -- template.yaml
	set -o pipefail; $(VENV)/bin/bandit -r layers functions local -q 2>&1 | sed '/nosec encountered/d'

# The test folders on their own (`make test` runs them all, then the personal-data log scan of
# tests/conftest.py fails the run if any captured output or local-stack log holds a NIK, phone or
# bank account number). unit: the domain and what needs no AWS, in seconds; integration: the
# handlers on moto; e2e: HTTP against `python -m local`; local: the emulator's own tests.
unit: $(STAMP)
	$(VENV)/bin/pytest tests/unit

integration: $(STAMP)
	$(VENV)/bin/pytest tests/integration

e2e: $(STAMP)
	$(VENV)/bin/pytest tests/e2e

local: $(STAMP)
	$(VENV)/bin/pytest tests/local

# The two fuzz tests of `make test`, with many more examples (docs/api.md "Fuzzing"):
# tests/e2e/test_fuzz.py, each operation on its own (make test: 6 examples per operation, as admin),
# here as admin and as an agent; tests/e2e/test_fuzz_stateful.py, calls chained along the OpenAPI
# links (make test: 10 scenarios x 30 steps). -rP prints the stateful test's calls per operation.
FUZZ_EXAMPLES ?= 200
FUZZ_SCENARIOS ?= 100
FUZZ_STEPS ?= 50
fuzz: $(STAMP)
	SUTASOMA_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SUTASOMA_FUZZ_USERS=admin,agen.lalabata \
	SUTASOMA_FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) SUTASOMA_FUZZ_STEPS=$(FUZZ_STEPS) \
	$(VENV)/bin/pytest tests/e2e/test_fuzz.py tests/e2e/test_fuzz_stateful.py --timeout 1800 -rxXsP

# ONLY=cold|calls|queue|report|imports|table runs one benchmark (python -m bench --only ...).
bench: $(STAMP)
	$(VENV)/bin/python -m bench $(if $(ONLY),--only $(ONLY))

build: $(SAM)
	$(SAM) build --template template.yaml

clean:
	rm -rf .aws-sam .local .pytest_cache .mypy_cache .ruff_cache

# The sample reports - made by the product's code from a simulated year (tests/support/report_sample.py)
# - as files in .local/ (report-{meeting,revised,provisional}.csv/.xlsx/.html), and the revised and
# provisional HTML as PNGs (1240x1754, A4 at 150 dpi) through Debian's headless Chromium, installed
# here if missing. docs/img/report-{revised,provisional}.png are copies of them.
.PHONY: report-png
report-png: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "no chromium: apt-get install -y chromium (as root); writing the files without the PNG"; fi; }
	$(VENV)/bin/python -m tests.support.report_preview --out-dir .local

# The whole API's OpenAPI document (every function's routes merged), served by the register
# function at /openapi.json and /docs. tests/unit/test_openapi_document.py fails when it is stale.
.PHONY: openapi
openapi: $(STAMP)
	$(VENV)/bin/python scripts/openapi.py

# ---------------------------------------------------------------- the field app (web/, docs/web.md)
# No build step: web/ is served as it is. `make web` regenerates its two derived pieces
# (js/reference-data.js from the server's data, the shell lines of sw.js) and prints the first
# load's size; tests/unit/test_web_app.py fails when they are stale.
.PHONY: web web-test chromium browser lighthouse screenshots web-config web-deploy
web: $(STAMP)
	$(VENV)/bin/python scripts/web_assets.py
	$(VENV)/bin/python scripts/web_assets.py --size

# The app's unit tests (NIK parser, outbox) with node's own test runner: no npm package needed.
web-test:
	@command -v node >/dev/null 2>&1 || { echo "the app's unit tests need node (20 or later)"; exit 1; }
	node --test --test-reporter=dot web/tests/

# Debian's chromium for the browser tests (tests/e2e/browser), installed when missing (CI runs as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
	  else echo "the browser tests need Debian's chromium: apt-get install -y chromium (as root)"; exit 1; fi; }

browser: $(STAMP) chromium
	$(VENV)/bin/pytest tests/e2e/browser

# Lighthouse 12.2.3 (pinned in web/package-lock.json; 13 needs Node 22) on a local stack's app:
# the login page and, signed in as a demo agent, Beranda. Figures in docs/web.md.
lighthouse: $(STAMP) chromium
	cd web && { [ -d node_modules/lighthouse ] || npm ci --no-audit --no-fund; }
	$(VENV)/bin/python scripts/web_lighthouse.py --out-dir .local/lighthouse

# Screenshots of every screen at 360x640 (docs/screenshots/) against a seeded local stack.
screenshots: $(STAMP) chromium
	$(VENV)/bin/python scripts/web_screenshots.py --out-dir docs/screenshots

# After `sam deploy`: the deployed app's config.json from the stack outputs, and the upload.
web-config: $(STAMP)
	$(VENV)/bin/python scripts/web_deploy.py config --stack $(STACK)

web-deploy: $(STAMP)
	$(VENV)/bin/python scripts/web_deploy.py deploy --stack $(STACK)
