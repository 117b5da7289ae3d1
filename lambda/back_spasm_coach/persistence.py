"""Where a person's preferences live between sessions (never anything about their health).

By default an embedded SQLite file; when a table is configured (Alexa-hosted,
Lambda, or several web-service hosts sharing one store) the ASK SDK's own
DynamoDB adapter. Connections open on first use, so a request that never
touches persistent attributes pays nothing for them.

Whatever the store, the skill sees it through ``CheckedAdapter``: values come
back as the types the code expects (DynamoDB hands every number back as a
``Decimal``), and every record is read and written through its schema in
``state``, so a bad stored value is dropped and logged, never acted on.
"""
from __future__ import annotations

import json
import logging
import os
import threading
from decimal import Decimal

from ask_sdk_core.attributes_manager import AbstractPersistenceAdapter

from . import state

log = logging.getLogger(__name__)

#: Alexa-hosted skills set these; a Lambda deployment may set them too.
DYNAMODB_TABLE_ENV = "DYNAMODB_PERSISTENCE_TABLE_NAME"
DYNAMODB_REGION_ENV = "DYNAMODB_PERSISTENCE_REGION"
SQLITE_PATH_ENV = "BACK_SPASM_COACH_DB"
#: The item layout the ASK SDK's DynamoDbAdapter reads and writes (its defaults):
#: one item per Alexa user id, under the string hash key "id", the attributes as one map.
PARTITION_KEY = "id"
ATTRIBUTES_NAME = "attributes"


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
            # An upsert, not INSERT OR REPLACE: it updates the row in place (a third of the cost).
            connection.execute("INSERT INTO attributes (user_id, data) VALUES (?, ?) "
                               "ON CONFLICT(user_id) DO UPDATE SET data = excluded.data",
                               (_user_id(request_envelope), json.dumps(attributes, sort_keys=True)))

    def delete_attributes(self, request_envelope) -> None:
        connection = self._connect()
        with connection:
            connection.execute("DELETE FROM attributes WHERE user_id = ?", (_user_id(request_envelope),))


def plain(value):
    """A stored value with the store's own types undone: a DynamoDB ``Decimal`` becomes
    the int (or float) it was, a set becomes a list; everything else is as JSON has it."""
    if isinstance(value, Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        return float(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return [plain(item) for item in sorted(value, key=repr)]
    return value


class CheckedAdapter(AbstractPersistenceAdapter):
    """Any store, read and written through ``state.PERSISTENT``: what the code gets back
    has the types and ranges it expects, and what it writes is only what it knows."""

    def __init__(self, store: AbstractPersistenceAdapter):
        self.store = store
        self._plain = plain if not isinstance(store, SQLitePersistenceAdapter) else (lambda value: value)

    def get_attributes(self, request_envelope) -> dict:
        return state.clean(state.PERSISTENT, self._plain(self.store.get_attributes(request_envelope)), "stored")

    def save_attributes(self, request_envelope, attributes) -> None:
        self.store.save_attributes(request_envelope, state.clean(state.PERSISTENT, attributes, "to store"))

    def delete_attributes(self, request_envelope) -> None:
        self.store.delete_attributes(request_envelope)


def checked(adapter: AbstractPersistenceAdapter | None) -> CheckedAdapter | None:
    """``adapter`` behind a CheckedAdapter (once)."""
    if adapter is None or isinstance(adapter, CheckedAdapter):
        return adapter
    return CheckedAdapter(adapter)


def dynamodb_resource(environ=os.environ):
    """boto3's DynamoDB resource as every deployment gets it: the region from
    DYNAMODB_PERSISTENCE_REGION (else AWS_REGION / AWS_DEFAULT_REGION), and the standard
    AWS variables for the rest (credentials; AWS_ENDPOINT_URL_DYNAMODB for a local store)."""
    import boto3

    return boto3.resource("dynamodb", region_name=environ.get(DYNAMODB_REGION_ENV) or None)


def default_adapter() -> CheckedAdapter:
    """DynamoDB when a table is configured (ask-sdk-dynamodb-persistence-adapter), else SQLite."""
    table = os.environ.get(DYNAMODB_TABLE_ENV)
    if table:
        region = os.environ.get(DYNAMODB_REGION_ENV)
        if region:
            # The SDK module builds a default boto3 resource when it is imported, which
            # needs a region even though ours is passed in: give it the table's.
            os.environ.setdefault("AWS_DEFAULT_REGION", region)
        try:
            from ask_sdk_dynamodb.adapter import DynamoDbAdapter
        except Exception as error:  # not installed, or boto3 finds no region
            # Keep answering: preferences then last only as long as this container.
            log.error("DynamoDB table %s is set but its adapter cannot load (%s); using SQLite", table, error)
            return CheckedAdapter(SQLitePersistenceAdapter())
        return CheckedAdapter(DynamoDbAdapter(table_name=table, partition_key_name=PARTITION_KEY,
                                              attribute_name=ATTRIBUTES_NAME, create_table=False,
                                              dynamodb_resource=dynamodb_resource()))
    return CheckedAdapter(SQLitePersistenceAdapter())


def create_table_if_missing(table: str, resource=None) -> bool:
    """Create the DynamoDB table the skill's adapter expects (on-demand billing); True when
    it was created, False when it was there already. For deployment tools, never at run time."""
    resource = resource or dynamodb_resource()
    client = resource.meta.client
    try:
        client.create_table(
            TableName=table,
            KeySchema=[{"AttributeName": PARTITION_KEY, "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": PARTITION_KEY, "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST")
    except client.exceptions.ResourceInUseException:
        return False
    client.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
    return True
