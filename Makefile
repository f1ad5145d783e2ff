# The two commands of the contract: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo lab bench soak simulate clean e2e

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

# The demo installs only what it runs (the package, a kernel, nbclient/nbconvert, matplotlib) —
# not the test and benchmark tools — and lets pip show its progress: a newcomer's first command.
DEMO_STAMP := $(VENV)/.demo-installed
LAB_STAMP  := $(VENV)/.lab-installed

$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	@echo "installing cloudstack-magic and what the demo needs into $(VENV) (first run only) …"
	$(BIN)/python -m pip install --progress-bar on -e '.[demo]'
	touch $(DEMO_STAMP)

$(LAB_STAMP): $(DEMO_STAMP)
	@echo "installing JupyterLab into $(VENV) (first run only) …"
	$(BIN)/python -m pip install --progress-bar on -e '.[demo,lab]'
	touch $(LAB_STAMP)

demo: $(DEMO_STAMP)
	$(BIN)/python -m cloudstack_magic.demo

lab: $(LAB_STAMP)
	$(BIN)/python -m cloudstack_magic.demo --lab

# Real-browser tests: JupyterLab on 127.0.0.1 driven by headless Chromium (Playwright). Playwright
# cannot download its own browsers here, so Debian's chromium is installed when missing.
SUDO       := $(if $(filter 0,$(shell id -u)),,sudo)
E2E_STAMP  := $(VENV)/.e2e-installed

$(E2E_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench,e2e]'
	touch $(E2E_STAMP)

e2e: $(E2E_STAMP)
	@command -v chromium >/dev/null 2>&1 || { echo "installing Debian's chromium …"; \
		$(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }
	$(BIN)/python -m pytest -q -p no:cacheprovider -o addopts=--import-mode=importlib tests/e2e

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# a few minutes against a flaky simulator; prints the reliability figures, fails on a missed goal
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak

simulate: $(STAMP)
	$(BIN)/cloudstack-magic simulate

clean:
	rm -rf $(VENV) build .pytest_cache
