# The two set-up commands in the README: `make demo` and `make test`. Each makes or reuses .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint golden schema readme bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/netpolx translate --engine kubernetes -f samples/seed/
	$(BIN)/netpolx translate --engine cilium -f samples/seed/
	$(BIN)/netpolx check --engine azure-npm-windows -f samples/intents/named-ports.yaml || true
	$(BIN)/netpolx engines

test: $(STAMP)
	$(BIN)/ruff check translator backends tests benchmarks tools
	$(BIN)/python -m pytest

golden: $(STAMP)
	$(BIN)/python -m pytest tests/test_golden.py --update-golden

schema: $(STAMP)
	$(BIN)/netpolx schema > schemas/intent.schema.json

bench: $(STAMP)
	$(BIN)/python benchmarks/translate.py
	$(BIN)/python benchmarks/reach.py

clean:
	rm -rf $(VENV) build *.egg-info

readme: $(STAMP)
	$(BIN)/python tools/update_readme.py
