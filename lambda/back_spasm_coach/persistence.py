"""Where a person's preferences live between sessions (never anything about their health).

By default an embedded SQLite file; on AWS (Alexa-hosted or Lambda with a
table configured) the ASK SDK's own DynamoDB adapter. Both are created lazily,
so a request that never touches persistent attributes pays nothing for them.
"""
from __future__ import annotations

import json
import logging
import os
import threading

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

log = logging.getLogger(__name__)

#: Alexa-hosted skills set these; a Lambda deployment may set them too.
DYNAMODB_TABLE_ENV = "DYNAMODB_PERSISTENCE_TABLE_NAME"
DYNAMODB_REGION_ENV = "DYNAMODB_PERSISTENCE_REGION"
SQLITE_PATH_ENV = "BACK_SPASM_COACH_DB"


def default_sqlite_path() -> str:
    if os.environ.get(SQLITE_PATH_ENV):
        return os.environ[SQLITE_PATH_ENV]
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return "/tmp/back-spasm-coach.sqlite3"  # the only writable place on Lambda
    state = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return os.path.join(state, "back-spasm-coach", "attributes.sqlite3")


def _user_id(request_envelope) -> str:
    system = request_envelope.context.system if request_envelope.context else None
    user = getattr(system, "user", None)
    user_id = getattr(user, "user_id", None)
    if not user_id:
        raise ValueError("request has no user id")
    return user_id


class SQLitePersistenceAdapter(AbstractPersistenceAdapter):
    """Attributes as one JSON document per Alexa user id, in an SQLite file."""

    def __init__(self, path: str | None = None):
        self.path = path or default_sqlite_path()
        self._lock = threading.Lock()
        self._local = threading.local()  # one connection per thread, opened on first use

    def _connect(self):
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        import sqlite3  # only requests that use persistence pay for the import

        if self.path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=2.0)
        with self._lock:
            # Preferences, not ledgers: write-ahead log, synced at checkpoints rather than
            # every commit (a crash may lose the last preference, never corrupt the file).
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS attributes ("
                               "user_id TEXT PRIMARY KEY, data TEXT NOT NULL)")
            connection.commit()
        self._local.connection = connection
        return connection

    def get_attributes(self, request_envelope) -> dict:
        row = self._connect().execute("SELECT data FROM attributes WHERE user_id = ?",
                                      (_user_id(request_envelope),)).fetchone()
        if row is None:
            return {}
        try:
            data = json.loads(row[0])
        except ValueError:
            log.error("unreadable stored attributes; starting afresh")
            return {}
        return data if isinstance(data, dict) else {}

    def save_attributes(self, request_envelope, attributes) -> None:
        connection = self._connect()
        with connection:  # one transaction: committed, or rolled back on error
            connection.execute("INSERT OR REPLACE INTO attributes (user_id, data) VALUES (?, ?)",
                               (_user_id(request_envelope), json.dumps(attributes, sort_keys=True)))

    def delete_attributes(self, request_envelope) -> None:
        connection = self._connect()
        with connection:
            connection.execute("DELETE FROM attributes WHERE user_id = ?", (_user_id(request_envelope),))


def default_adapter() -> AbstractPersistenceAdapter:
    """DynamoDB when a table is configured (ask-sdk-dynamodb-persistence-adapter), else SQLite."""
    table = os.environ.get(DYNAMODB_TABLE_ENV)
    if table:
        try:
            import boto3
            from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        except ImportError as error:
            # Keep answering: preferences then last only as long as this container.
            log.error("DynamoDB table %s is set but its adapter cannot load (%s); using SQLite", table, error)
            return SQLitePersistenceAdapter()
        resource = boto3.resource("dynamodb", region_name=os.environ.get(DYNAMODB_REGION_ENV))
        return DynamoDbAdapter(table_name=table, create_table=False, dynamodb_resource=resource)
    return SQLitePersistenceAdapter()
