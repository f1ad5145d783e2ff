# The two commands of the contract: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo lab bench simulate clean

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

bench: $(STAMP)
	$(BIN)/python -m benchmarks

simulate: $(STAMP)
	$(BIN)/cloudstack-magic simulate

clean:
	rm -rf $(VENV) build .pytest_cache
