# `make digest`: set up and run the pipeline on seeds/ into outputs/.
# `make test`: set up and run the whole test suite.
PYTHON ?= python3
VENV ?= .venv
# The CPU build of torch. With a CUDA GPU, pick a CUDA build instead, e.g.
#   make digest TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu126"
TORCH ?= torch==2.13.0
# Extra options for `pipeline run`, e.g. ARGS="--model fr=/path/to/opus-mt-fr-en"
ARGS ?=
# The seeds ship with their translation memory (the reference English of every seed sentence),
# so `make digest` needs no model hub: the model translates only what the memory lacks.
MEMORY ?= seeds/seeds_en.tmx

BIN := $(VENV)/bin

.PHONY: digest test lint clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q $(TORCH)
	$(BIN)/pip install -q -e ".[test]"
	touch $@

digest: $(BIN)/.installed
	$(BIN)/pipeline run seeds --out outputs --memory $(MEMORY) $(ARGS)

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

lint: $(BIN)/.installed
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks
	$(BIN)/mypy pipeline

clean:
	rm -rf $(VENV) outputs/*/ outputs/*.json outputs/*.md
