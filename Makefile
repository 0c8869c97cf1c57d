# Two commands set everything up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install postgres system-deps bench clean

run: install
	$(BIN)/lienthong up

test: install postgres system-deps
	$(BIN)/python -m pytest -n 2 --dist loadgroup -q

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# The PostgreSQL tests need a running server (CI machines have one installed, maybe stopped).
postgres:
	@if command -v pg_lsclusters >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		echo "starting PostgreSQL"; \
		pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for i in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi

# Independent verifiers used by the tests: xmlsec1 (the command-line tool); headless
# Chromium for the console's browser tests (tests/e2e/test_console.py).
system-deps:
	@command -v xmlsec1 >/dev/null 2>&1 || { \
		echo "installing xmlsec1 (Debian)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1) >/dev/null; }
	@command -v jq >/dev/null 2>&1 || { \
		echo "installing jq (Debian)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jq) >/dev/null; }
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing chromium (Debian)"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null; }

# Every benchmark, one after the other (several minutes); figures go to docs/performance.md.
bench: install postgres
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache
