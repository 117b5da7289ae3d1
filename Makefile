# Two commands set everything up on first use: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test models serve package load clean bench fuzz understand dynamodb-table

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
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_fuzz.py tests/test_fuzz_http.py $(PYTEST_ARGS)

## make bench: Back Spasm Coach against a bare ASK SDK skill; appends to bench/RESULTS.md (ARGS="--quick --no-write")
bench: $(STAMP)
	$(PY) bench/run.py $(ARGS)

## make understand: how well the skill understands the blind phrasebooks (tests/phrasebook/), per label and locale, with the misses
understand: $(STAMP)
	$(PY) -m tools.understand $(ARGS)

## make models: rebuild interaction-model/<locale>.json from interaction-model/source/
models: $(STAMP)
	$(PY) -m tools.build_models

## make serve: the skill as an HTTPS-ready web service under gunicorn on HOST:PORT (127.0.0.1:8080), POST /
## (put TLS in front of it; SKILL_ID=amzn1.ask.skill... to refuse other skills' requests;
##  DYNAMODB_PERSISTENCE_TABLE_NAME=... to share one DynamoDB table between instances)
serve: $(STAMP)
	$(PY) -m webservice $(ARGS)

## make dynamodb-table: create the DynamoDB table DYNAMODB_PERSISTENCE_TABLE_NAME names, if missing
## (region, credentials and AWS_ENDPOINT_URL_DYNAMODB from the standard AWS variables)
dynamodb-table: $(STAMP)
	$(PY) -m tools.dynamodb_table $(ARGS)

## make package: build/back-spasm-coach-lambda.zip (Lambda bundle) and build/ask/ (ASK CLI project)
## (ARGS="--endpoint https://your.host/" for a self-hosted endpoint; ARGS="--check" to run the zip in a bare venv)
package: $(STAMP)
	$(PY) -m tools.package $(ARGS)

## make load: 5,000 signed requests at concurrency 16 against gunicorn on loopback, each worker's share,
## then hostile clients (nested JSON, broken chunks, idle and slow connections, a stalling chain host); stops by itself
load: $(STAMP)
	$(PY) -m tools.loadtest --requests $${REQUESTS:-5000} --concurrency $${CONCURRENCY:-16} --time-limit 180

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
