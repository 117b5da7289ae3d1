# Two commands set everything up on first use: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test models clean bench fuzz

$(STAMP): requirements-dev.txt lambda/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

## make run: the simulated speaker (ARGS="--locale en-GB --voice")
run: $(STAMP)
	$(PY) -m tools.speaker $(ARGS)

## make test: every test
test: $(STAMP)
	$(PY) -m pytest -q $(PYTEST_ARGS)

## make fuzz: the property-based tests with many more examples (FUZZ_EXAMPLES=5000 for longer)
fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py $(PYTEST_ARGS)

## make bench: Back Spasm Coach against a bare ASK SDK skill; appends to bench/RESULTS.md (ARGS="--quick --no-write")
bench: $(STAMP)
	$(PY) bench/run.py $(ARGS)

## make models: rebuild interaction-model/<locale>.json from interaction-model/source/
models: $(STAMP)
	$(PY) -m tools.build_models

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
