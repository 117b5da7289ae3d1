# Two commands set everything up on first use: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test models clean

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

## make models: rebuild interaction-model/<locale>.json from interaction-model/source/
models: $(STAMP)
	$(PY) -m tools.build_models

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
