# Two commands on a fresh machine: `make demo` and `make test` (each creates .venv with pip).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

BENCH_VENV := .venv-bench
BENCH_BIN := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed-bench

.PHONY: install demo test test-fast bench-quick bench gpu-wheels clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

$(BENCH_STAMP): pyproject.toml
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_BIN)/pip install -q -e '.[bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/augan generate examples/data/loans.csv --target default --balance --epochs 150 --seed 0 \
		--out out/synthetic_loans.csv --overwrite
	@echo "--- first synthetic rows (out/synthetic_loans.csv) ---"
	@head -n 6 out/synthetic_loans.csv

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

# A few minutes: every test not marked slow (no subprocess, no training longer than a second or so).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow" -n 2

# Minutes: every benchmark on a small setting; writes the "(partial run)" sections of benchmarks/RESULTS.md.
bench-quick: $(BENCH_STAMP)
	$(BENCH_BIN)/python benchmarks/keel.py --suite all --datasets ecoli1 yeast4 glass crx --folds 2 --ctgan-epochs 10
	$(BENCH_BIN)/python benchmarks/mnist.py --gan-epochs 10 --cnn-epochs 3 --gan-seeds 0 --clf-seeds 0
	$(BENCH_BIN)/python benchmarks/speed.py --sizes 10000 --mixed-rows 10000 --epochs 2 --sample-rows 100000 \
		--profile-rows 10000

# Hours on a CPU (the KEEL suites with CTGAN at 300 epochs dominate): the full protocol of the benchmarks.
bench: $(BENCH_STAMP)
	$(BENCH_BIN)/python benchmarks/keel.py --suite all --jobs 2 --seeds 3
	$(BENCH_BIN)/python benchmarks/mnist.py
	$(BENCH_BIN)/python benchmarks/speed.py

# The packages augan needs that a lent GPU machine's image lacks, as wheels in .whl/ (DEVELOPERS.md, "GPU checks").
gpu-wheels:
	$(PYTHON) -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
		--platform manylinux_2_28_x86_64 --platform manylinux2014_x86_64 -d .whl \
		imbalanced-learn sklearn-compat torch-fidelity

clean:
	rm -rf $(VENV) out .pytest_cache
