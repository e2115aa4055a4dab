# Two commands on a fresh machine: `make demo` and `make test` (each creates .venv with pip).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-test

.PHONY: install demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	mkdir -p out
	$(BIN)/augan generate examples/data/loans.csv --target default --balance --epochs 150 --seed 0 \
		--out out/synthetic_loans.csv --overwrite
	@echo "--- first synthetic rows (out/synthetic_loans.csv) ---"
	@head -n 6 out/synthetic_loans.csv

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

clean:
	rm -rf $(VENV) out .pytest_cache
