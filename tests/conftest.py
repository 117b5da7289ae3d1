"""Shared set-up: the real lambda_handler with real request envelopes.

Persistent attributes go to a throwaway SQLite file, never the developer's own.
"""
import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for path in (os.path.join(ROOT, "lambda"), ROOT):
    if path not in sys.path:
        sys.path.insert(0, path)

os.environ.setdefault(
    "BACK_SPASM_COACH_DB",
    os.path.join(tempfile.mkdtemp(prefix="bsc-tests-"), "attributes.sqlite3"))

# Hypothesis profiles (tests/test_fuzz.py): "ci" is small and repeatable for `make test`;
# `make fuzz` loads "fuzz". No deadline: tests never judge wall-clock time.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile("ci", max_examples=30, deadline=None, derandomize=True, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1500")), deadline=None,
                          print_blob=True, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Both stores (SQLite, and DynamoDB on dynalite), shared by every test module; one dynalite per run.
from store_fixtures import dynalite, dynamodb_table, store  # noqa: E402,F401
