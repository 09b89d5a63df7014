# Two commands do everything on a fresh machine:
#   make run    set up, then start the web app on http://127.0.0.1:7860
#   make test   set up (with test extras, axe-core, Debian's chromium, PostgreSQL and Redis),
#               then run the tests
PYTHON ?= python3
PIP = $(PYTHON) -m pip

.PHONY: install install-test browser engines run test eval bench

install:
	$(PIP) install torch==2.13.0
	$(PIP) install -e .

AXE_VERSION = 4.14.1

install-test: install
	$(PIP) install -e '.[test]'
	# axe-core, injected by the browser tests to check accessibility (pinned; into build/axe)
	@command -v npm >/dev/null || (apt-get update && apt-get install -y nodejs npm)
	npm install --prefix build/axe --no-save --no-audit --no-fund axe-core@$(AXE_VERSION)

browser:
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

# the real engines of the scale-out tests (tests/engines.py starts its own servers from them)
engines:
	@(command -v redis-server >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1) \
		|| (apt-get update && apt-get install -y redis-server postgresql)

run: install
	$(PYTHON) app.py

test: install-test browser engines
	$(PYTHON) -m pytest

eval: install
	assistant eval --baseline naive --gate

bench: install
	$(PYTHON) -m benchmarks
