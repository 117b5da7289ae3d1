"""Preferences persist in a real SQLite file by default, in DynamoDB when a table is set."""
import sqlite3

from back_spasm_coach import persistence
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope
from tools import envelopes


def _envelope(user_id="amzn1.ask.account.A"):
    event = envelopes.launch(device=envelopes.Device(user_id=user_id))
    return DefaultSerializer().deserialize(__import__("json").dumps(event), RequestEnvelope)


def test_sqlite_keeps_each_person_apart_and_survives_a_new_adapter(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    SQLitePersistenceAdapter(path).save_attributes(_envelope("A"), {"heat_minutes": 20})
    SQLitePersistenceAdapter(path).save_attributes(_envelope("B"), {"heat_minutes": 10})
    fresh = SQLitePersistenceAdapter(path)
    assert fresh.get_attributes(_envelope("A")) == {"heat_minutes": 20}
    assert fresh.get_attributes(_envelope("B")) == {"heat_minutes": 10}
    fresh.delete_attributes(_envelope("A"))
    assert fresh.get_attributes(_envelope("A")) == {}
    rows = sqlite3.connect(path).execute("SELECT COUNT(*) FROM attributes").fetchone()
    assert rows == (1,)


def test_an_unreadable_row_starts_afresh(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    adapter = SQLitePersistenceAdapter(path)
    adapter.save_attributes(_envelope("A"), {"x": 1})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE attributes SET data = 'not json'")
    assert adapter.get_attributes(_envelope("A")) == {}


def test_the_adapter_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv(persistence.DYNAMODB_TABLE_ENV, raising=False)
    monkeypatch.setenv(persistence.SQLITE_PATH_ENV, str(tmp_path / "a.sqlite3"))
    assert isinstance(persistence.default_adapter(), SQLitePersistenceAdapter)
    monkeypatch.setenv(persistence.DYNAMODB_TABLE_ENV, "back-spasm-coach")
    monkeypatch.setenv(persistence.DYNAMODB_REGION_ENV, "us-east-1")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")  # as every Lambda sets it
    from ask_sdk_dynamodb.adapter import DynamoDbAdapter
    adapter = persistence.default_adapter()
    assert isinstance(adapter, DynamoDbAdapter) and adapter.table_name == "back-spasm-coach"


def test_threads_share_one_file_through_their_own_connections(tmp_path):
    """The web service answers on several threads: each gets its own connection, all see one store."""
    import threading

    adapter = SQLitePersistenceAdapter(str(tmp_path / "state.sqlite3"))
    errors = []

    def person(n):
        try:
            for minutes in range(5):
                adapter.save_attributes(_envelope("T{}".format(n)), {"heat_minutes": minutes})
            assert adapter.get_attributes(_envelope("T{}".format(n))) == {"heat_minutes": 4}
        except Exception as error:  # reported below, with the thread's own failure
            errors.append(error)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert all(adapter.get_attributes(_envelope("T{}".format(n))) == {"heat_minutes": 4} for n in range(6))
