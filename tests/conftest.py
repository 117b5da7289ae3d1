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
