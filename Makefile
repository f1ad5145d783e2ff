# The two commands of the contract: `make demo` and `make test`. Both build .venv on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: test demo lab bench soak simulate clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest -q

demo: $(STAMP)
	$(BIN)/python -m cloudstack_magic.demo

lab: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench,lab]'
	$(BIN)/python -m cloudstack_magic.demo --lab

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# a few minutes against a flaky simulator; prints the reliability figures, fails on a missed goal
soak: $(STAMP)
	$(BIN)/python -m benchmarks.soak

simulate: $(STAMP)
	$(BIN)/cloudstack-magic simulate

clean:
	rm -rf $(VENV) build .pytest_cache
