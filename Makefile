# The two set-up commands in the README: `make demo` and `make test`. Each makes or reuses .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint golden schema readme bench perf-docs clean krew fuzz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	@echo "== the seed example (samples/intents/seed.yaml) as vanilla NetworkPolicy, Cilium and Calico"
	$(BIN)/netpolx translate --engine kubernetes -f samples/intents/seed.yaml
	$(BIN)/netpolx translate --engine cilium -f samples/intents/seed.yaml
	$(BIN)/netpolx translate --engine calico -f samples/intents/seed.yaml
	@echo "== the same, checked against its source with the evaluator (announced divergences are info)"
	$(BIN)/netpolx translate --engine cilium -f samples/intents/seed.yaml --verify --output-dir out/seed-cilium --prune
	@echo "== what Azure NPM on Windows would silently skip"
	$(BIN)/netpolx check --engine azure-npm-windows -f samples/intents/named-ports.yaml || true
	@echo "== the seed article's policies as written: lint finds its mistakes"
	$(BIN)/netpolx lint -f samples/seed/ || true
	@echo "== Azure NPM -> Cilium migration bundle in out/npm-migration/"
	$(BIN)/netpolx migrate --from azure-npm --to cilium --platform aks -f samples/migration/npm-cluster/policies.yaml \
		--services samples/migration/npm-cluster/services.yaml --cluster samples/migration/npm-cluster/cluster.yaml \
		--output-dir out/npm-migration --prune || true
	$(BIN)/netpolx engines

test: $(STAMP)
	$(BIN)/ruff check translator backends netpolx tests benchmarks tools
	$(BIN)/mypy
	$(BIN)/python -m pytest

golden: $(STAMP)
	$(BIN)/python -m pytest tests/test_golden.py tests/test_migration.py tests/test_explain.py tests/test_lint.py \
		tests/test_wild_corpus.py --update-golden

schema: $(STAMP)
	$(BIN)/netpolx schema > schemas/intent.schema.json
	$(BIN)/python -c "from translator.cli.config import schema_text; print(schema_text(), end='')" > schemas/config.schema.json

bench: $(STAMP)
	$(BIN)/python benchmarks/translate.py
	$(BIN)/python benchmarks/reach.py

# docs/performance.md and its plot: every workload at 4 sizes (a few minutes; matplotlib comes from the `bench`
# extra, not a runtime dependency). `make perf-docs NCA=/path/to/nca` adds network-config-analyzer's times.
perf-docs: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,bench]'
	$(BIN)/python benchmarks/curves.py $(if $(NCA),--nca $(NCA))

clean:
	rm -rf $(VENV) build *.egg-info

readme: $(STAMP)
	$(BIN)/python tools/update_readme.py
	$(BIN)/python -c "from translator.output.rulehelp import codes_markdown; print(codes_markdown(), end='')" > docs/codes.md

krew: $(STAMP)
	$(BIN)/python tools/krew_manifest.py

fuzz: $(STAMP)
	$(BIN)/python -m tests.fuzz.fuzzer --count 10000 --failures fuzz-failures.txt
