"""Preferences persist on both stores the skill runs on, each configured as deployed:
SQLite (the embedded default) and DynamoDB through the ASK SDK's DynamoDbAdapter (dynalite).

Every test taking ``store`` runs once per store. Whole conversations run on each: a
routine continued by another process, remembered heat lengths, and a heat program's
timer ids read back by another process.
"""
import json
import logging
import sqlite3
import threading
from decimal import Decimal

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope

from back_spasm_coach import routine, speech
from back_spasm_coach.content import load
from back_spasm_coach.persistence import CheckedAdapter, SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from timers_fixtures import Conversation, api, kind  # noqa: F401
from tools import envelopes

CONTENT = load("en-US")
GENTLE = [s.id for s in routine.routines()[routine.GENTLE]]
MIN = 60
#: Everything the skill stores, as it stores it.
EVERYTHING = {
    "stretch_routine": {"routine": "gentle", "index": 2, "pace": "slower"},
    "heat_program_lengths": {"heat": 18 * MIN, "cold": 10 * MIN},
    "heat_program_pending": {"kind": "alternate", "seconds": 15 * MIN, "rounds": 2, "chosen": False},
    "heat_program": {"kind": "heat", "locale": "en-GB", "phases": [
        {"kind": "heat", "seconds": 15 * MIN, "timer_id": "a1", "label": "Heat 1 of 3"},
        {"kind": "rest", "seconds": 15 * MIN, "timer_id": "a2", "label": "Rest 2 of 3"}]},
}


def _envelope(user_id="amzn1.ask.account.A"):
    event = envelopes.launch(device=envelopes.Device(user_id=user_id))
    return DefaultSerializer().deserialize(json.dumps(event), RequestEnvelope)


def _types(value):
    """The Python types in a stored value, all the way down."""
    if isinstance(value, dict):
        return set().union(*(_types(v) for v in value.values())) if value else {dict}
    if isinstance(value, list):
        return set().union(*(_types(v) for v in value)) if value else {list}
    return {type(value)}


# ------------------------------------------------------------------ the stores themselves

def test_each_person_is_kept_apart_and_survives_a_new_process(store):
    store().save_attributes(_envelope("A"), {"stretch_routine": {"routine": "gentle", "index": 1}})
    store().save_attributes(_envelope("B"), {"heat_program_lengths": {"heat": 20 * MIN}})
    fresh = store()
    assert fresh.get_attributes(_envelope("A")) == {"stretch_routine": {"routine": "gentle", "index": 1}}
    assert fresh.get_attributes(_envelope("B")) == {"heat_program_lengths": {"heat": 20 * MIN}}
    fresh.delete_attributes(_envelope("A"))
    assert store().get_attributes(_envelope("A")) == {}
    assert store().get_attributes(_envelope("B")) != {}


def test_values_come_back_as_the_types_the_code_expects(store):
    store().save_attributes(_envelope(), EVERYTHING)
    back = store().get_attributes(_envelope())
    assert back == EVERYTHING
    assert _types(back) <= {int, str, bool}
    if store.kind == "dynamodb":  # the conversion is needed: DynamoDB itself hands back Decimals
        raw = store().store.get_attributes(_envelope())
        assert isinstance(raw["stretch_routine"]["index"], Decimal)


def test_what_does_not_fit_is_dropped_and_logged_and_the_rest_kept(store, caplog):
    odd = Decimal("1.5") if store.kind == "dynamodb" else float("nan")
    store.plant("amzn1.ask.account.A", {
        "stretch_routine": {"routine": "gentle", "index": odd},           # a required field: record gone
        "heat_program_lengths": {"heat": 18 * MIN, "cold": "ten minutes"},  # one entry gone
        "heat_program": {"kind": "heat", "phases": [
            {"kind": "heat", "seconds": 900, "timer_id": "a1"},
            {"kind": "heat", "seconds": 10 ** 30, "timer_id": "a2"}]},     # one phase gone
        "someone_elses": {"x": 1},                                        # unknown: gone
    })
    with caplog.at_level(logging.WARNING, logger="back_spasm_coach.state"):
        back = store().get_attributes(_envelope())
    assert back == {"heat_program_lengths": {"heat": 18 * MIN},
                    "heat_program": {"kind": "heat", "phases": [{"kind": "heat", "seconds": 900,
                                                                 "timer_id": "a1"}]}}
    for reason in ("stored.stretch_routine.index", "stored.heat_program_lengths.cold",
                   "stored.heat_program.phases[1].seconds", "stored.someone_elses: unknown key"):
        assert reason in caplog.text, caplog.text


def test_only_known_records_are_written(store):
    store().save_attributes(_envelope(), {"stretch_routine": {"routine": "gentle", "index": 0},
                                          "health": "anything at all", "ratio": float("inf")})
    assert store().store.get_attributes(_envelope()) == {"stretch_routine": {"routine": "gentle", "index": 0}}


def test_threads_share_one_store(store):
    """The web service answers on several threads, each reaching the one store."""
    adapter = store()
    errors = []

    def person(n):
        try:
            for index in range(4):
                adapter.save_attributes(_envelope("T{}".format(n)), {"stretch_routine": {"routine": "gentle",
                                                                                          "index": index}})
            assert adapter.get_attributes(_envelope("T{}".format(n)))["stretch_routine"]["index"] == 3
        except Exception as error:  # reported below, with the thread's own failure
            errors.append(error)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert {store().get_attributes(_envelope("T{}".format(n)))["stretch_routine"]["index"]
            for n in range(6)} == {3}


def test_the_adapter_follows_the_environment(store):
    adapter = store()
    assert isinstance(adapter, CheckedAdapter)
    if store.kind == "sqlite":
        assert isinstance(adapter.store, SQLitePersistenceAdapter)
    else:
        from ask_sdk_dynamodb.adapter import DynamoDbAdapter

        assert isinstance(adapter.store, DynamoDbAdapter)
        assert (adapter.store.partition_key_name, adapter.store.attribute_name) == ("id", "attributes")


def test_the_table_has_the_key_schema_the_sdk_adapter_expects(dynalite, dynamodb_table):
    described = dynalite.resource().meta.client.describe_table(TableName=dynamodb_table)["Table"]
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert described["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert dynalite.create_table(dynamodb_table) is False  # already there: left alone


def test_an_unreadable_sqlite_row_starts_afresh(tmp_path):
    path = str(tmp_path / "state.sqlite3")
    adapter = SQLitePersistenceAdapter(path)
    adapter.save_attributes(_envelope("A"), {"x": 1})
    with sqlite3.connect(path) as db:
        db.execute("UPDATE attributes SET data = 'not json'")
    assert adapter.get_attributes(_envelope("A")) == {}


# ------------------------------------------------------------------ whole conversations, per store

class Person:
    """Someone at a speaker; each ``Person`` is a separate process of the skill (its own adapter)."""

    def __init__(self, store):
        self.handler = build_skill_builder(persistence_adapter=store()).lambda_handler()
        self.session = envelopes.Session()

    def say(self, intent, **slots):
        out = self.handler(envelopes.intent(intent, slots=slots, session=self.session), None)
        self.session.absorb(out)
        self.text = speech.to_text(out["response"]["outputSpeech"]["ssml"])
        return self


def _name(stretch_id):
    return CONTENT.text("stretches.{}.name".format(stretch_id))


def test_a_routine_begun_in_one_process_is_continued_in_another(store):
    Person(store).say("StartStretchesIntent").say("AMAZON.NextIntent").say("AMAZON.StopIntent")
    later = Person(store).say("ContinueStretchesIntent")
    assert CONTENT.text("routine.resume", name=_name(GENTLE[1])) in later.text
    assert _name(GENTLE[2]) in later.text
    assert "don't have a routine saved" not in later.text


def test_a_routine_left_in_silence_is_continued_another_day(store):
    """No "stop": the person went quiet, and Alexa closed the session with a SessionEndedRequest."""
    person = Person(store).say("StartStretchesIntent").say("AMAZON.NextIntent")
    person.handler(envelopes.session_ended("EXCEEDED_MAX_REPROMPTS", session=person.session), None)
    later = Person(store).say("ContinueStretchesIntent")
    assert CONTENT.text("routine.resume", name=_name(GENTLE[1])) in later.text
    assert _name(GENTLE[2]) in later.text


class CountingStore:
    """A store that counts how often the skill reads and writes it."""

    def __init__(self, adapter):
        self.adapter, self.reads, self.writes = adapter, 0, 0

    def get_attributes(self, request_envelope):
        self.reads += 1
        return self.adapter.get_attributes(request_envelope)

    def save_attributes(self, request_envelope, attributes):
        self.writes += 1
        self.adapter.save_attributes(request_envelope, attributes)

    def delete_attributes(self, request_envelope):
        self.adapter.delete_attributes(request_envelope)


def test_a_routine_is_stored_once_a_session_not_at_every_stretch(store):
    counting = CountingStore(store())
    person = Person(lambda: counting)
    person.say("StartStretchesIntent").say("AMAZON.NextIntent").say("AMAZON.NextIntent")
    assert (counting.reads, counting.writes) == (0, 0)
    person.say("AMAZON.StopIntent")
    assert counting.writes == 1
    assert Person(store).say("ContinueStretchesIntent").text.count(_name(GENTLE[3])) >= 1


def test_heat_lengths_and_timer_ids_are_read_back_by_another_process(store, api):  # noqa: F811
    first = Conversation(api, persistence_adapter=store())
    first.start({"kind": kind("heat", "heat"), "length": "PT18M"})
    assert len(api.active()) == 1

    second = Conversation(api, persistence_adapter=store())  # another process: the timer ids
    second.intent("TimeLeftIntent")
    assert "eighteen minutes" in second.speech.lower() and "don't have" not in second.speech
    second.intent("AMAZON.PauseIntent")
    assert {t.status for t in api.active()} == {"PAUSED"}

    third = Conversation(api, persistence_adapter=store())  # and the remembered length
    third.intent("StartHeatProgramIntent", {"kind": kind("heat", "heat")})
    assert "eighteen minutes of heat" in third.speech
    third.new_session()
    third.intent("CancelProgramIntent")
    assert "cancelled" in third.speech and api.active() == []
    assert "heat_program" not in store().get_attributes(_envelope(envelopes.USER_ID))
