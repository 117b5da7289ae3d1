"""Fixtures for persistence: both stores the skill runs on, each as a deployment configures it.

- SQLite, the embedded default: a file named by BACK_SPASM_COACH_DB.
- DynamoDB through the ASK SDK's DynamoDbAdapter, exactly as ``persistence.default_adapter``
  builds it from DYNAMODB_PERSISTENCE_TABLE_NAME, with boto3 sent to dynalite (npm) by the
  standard AWS_ENDPOINT_URL_DYNAMODB and dummy credentials. One dynalite serves the whole
  test session; each test gets its own table. Without node or npm these tests skip, saying why.
"""
from __future__ import annotations

import uuid

import pytest

from back_spasm_coach import persistence
from tools import node_packages

STORES = ("sqlite", "dynamodb")


@pytest.fixture(scope="session")
def dynalite():
    from tools.dynalite import Dynalite

    try:
        server = Dynalite()
    except node_packages.Unavailable as why:
        pytest.skip("DynamoDB tests need dynalite from npm: {}".format(why))
    yield server
    server.stop()


@pytest.fixture
def dynamodb_table(dynalite, monkeypatch) -> str:
    """A fresh table, created as `make dynamodb-table` does, and the environment pointing at it."""
    table = "bsc-test-" + uuid.uuid4().hex[:12]
    assert dynalite.create_table(table)
    for key, value in dynalite.environ(table).items():
        monkeypatch.setenv(key, value)
    return table


class Store:
    """One of the stores, as a deployment configures it; calling it makes the adapter
    a fresh process of the skill would make (call again for "another process")."""

    def __init__(self, kind: str):
        self.kind = kind

    def __call__(self) -> persistence.CheckedAdapter:
        return persistence.default_adapter()

    def plant(self, user_id: str, attributes: dict) -> None:
        """Put attributes in the store as they are, past every check (as an older release,
        a hand edit or a bug might): JSON with NaN for SQLite, any DynamoDB types for DynamoDB."""
        store = self().store
        if self.kind == "sqlite":
            import json
            import sqlite3

            with sqlite3.connect(store.path) as db:
                db.execute("CREATE TABLE IF NOT EXISTS attributes (user_id TEXT PRIMARY KEY, data TEXT NOT NULL)")
                db.execute("INSERT OR REPLACE INTO attributes (user_id, data) VALUES (?, ?)",
                           (user_id, json.dumps(attributes)))
        else:
            store.dynamodb.Table(store.table_name).put_item(
                Item={persistence.PARTITION_KEY: user_id, persistence.ATTRIBUTES_NAME: attributes})


@pytest.fixture(params=STORES)
def store(request, tmp_path, monkeypatch) -> Store:
    """Each test using it runs twice: on SQLite, and on DynamoDB (dynalite)."""
    if request.param == "sqlite":
        monkeypatch.delenv(persistence.DYNAMODB_TABLE_ENV, raising=False)
        monkeypatch.setenv(persistence.SQLITE_PATH_ENV, str(tmp_path / "attributes.sqlite3"))
    else:
        request.getfixturevalue("dynamodb_table")
    return Store(request.param)
