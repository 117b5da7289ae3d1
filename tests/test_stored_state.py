"""Stored state is input: session attributes read through one schema per record (state.py),
and "repeat" says the last reply again from content keys, never from stored SSML.

(Persistent attributes go through the same schemas on both stores: test_persistence.py.
Random and broken stored state of every record: test_fuzz.py.)
"""
import json
import logging

import pytest

from back_spasm_coach import state
from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import DEAD_API, check_ssml, reprompt_of, speech_of, text_of
from tools import envelopes

DEVICE = envelopes.Device(api_endpoint=DEAD_API)
NAN, INF = float("nan"), float("inf")


def ask(intent, attributes, **slots):
    session = envelopes.Session(attributes=attributes, new=False)
    return lambda_handler(envelopes.intent(intent, slots=slots, session=session, device=DEVICE), None)


def strict_json(response) -> dict:
    return json.loads(json.dumps(response, allow_nan=False))


# ------------------------------------------------------------------ the schemas

@pytest.mark.parametrize("record,value,kept", [
    (state.POSITION, {"routine": "gentle", "index": 2, "pace": "slower"}, "same"),
    (state.POSITION, {"routine": "gentle", "index": 2, "pace": "warp"}, {"routine": "gentle", "index": 2}),
    (state.POSITION, {"routine": "gentle", "index": 2, "extra": NAN}, {"routine": "gentle", "index": 2}),
    (state.POSITION, {"routine": "gentle", "index": NAN}, None),
    (state.POSITION, {"routine": "gentle", "index": True}, None),
    (state.POSITION, {"routine": "gentle", "index": 2.0}, None),
    (state.POSITION, {"routine": "gentle", "index": 10 ** 400}, None),
    (state.POSITION, {"routine": "gen<tle", "index": 1}, None),
    (state.PLAN, {"kind": "heat", "seconds": 900, "rounds": 1, "chosen": True}, "same"),
    (state.PLAN, {"kind": "heat", "seconds": INF, "rounds": 1}, None),
    (state.PLAN, {"kind": "heat", "seconds": 60, "rounds": 1}, None),
    (state.LENGTHS, {"heat": 900, "lava": 900, "cold": -INF}, {"heat": 900}),
    (state.SAID, {"speech": [{"key": "rest.answer"}], "reprompt": [{"key": "offers.more.reprompt"}]}, "same"),
    (state.SAID, {"speech": [{"key": "rest.answer"}, {"key": "<speak>"}],
                  "reprompt": [{"key": "offers.more.reprompt"}]}, None),  # partly unreadable: all of it
    (state.SAID, {"speech": [{"key": "routine.resume", "values": {"name": "Traceback (most recent"}}],
                  "reprompt": []}, None),
    (state.SAID, {"speech": [{"key": "rest.answer", "i": 2 ** 70}], "reprompt": []}, None),
])
def test_each_record_keeps_what_fits_and_drops_the_rest(record, value, kept, caplog):
    wrapper = state.Record({"r": record})
    with caplog.at_level(logging.WARNING, logger="back_spasm_coach.state"):
        cleaned = state.clean(wrapper, {"r": value}, "test")
    expected = value if kept == "same" else kept
    assert cleaned == ({} if expected is None else {"r": expected})
    assert (kept == "same") == ("dropped" not in caplog.text)


def test_the_log_says_where_the_dropped_value_was_and_never_the_value(caplog):
    program = {"kind": "heat", "phases": [
        {"kind": "heat", "seconds": 900, "timer_id": "a1"},
        {"kind": "heat", "seconds": 10 ** 9, "timer_id": "secret-looking"}]}
    lengths = {"heat": 900, "lava": 900}
    with caplog.at_level(logging.WARNING, logger="back_spasm_coach.state"):
        state.clean(state.PERSISTENT, {"heat_program": program, "heat_program_lengths": lengths}, "stored")
    assert "stored.heat_program.phases[1].seconds: out of range" in caplog.text
    assert "stored.heat_program_lengths key: not one of" in caplog.text
    assert str(10 ** 9) not in caplog.text


def test_a_session_that_is_not_an_object_is_dropped_whole():
    assert state.clean(state.SESSION, ["not", "a", "dict"], "session") == {}


def test_the_schema_bounds_are_the_flows_own():
    from back_spasm_coach import heat_program

    assert (state.LENGTH.low, state.LENGTH.high) == (heat_program.MIN_SECONDS, heat_program.MAX_SECONDS)
    assert state.PROGRAM.fields["phases"].max_items == heat_program.MAX_TIMERS
    assert state.PHASE.fields["seconds"].high == heat_program.MAX_PROGRAM_SECONDS
    assert state.PROGRAM_KINDS.choices == set(heat_program.KINDS)
    assert set(state.PERSISTENT.fields) >= {heat_program.PROGRAM, heat_program.LENGTHS, heat_program.PENDING}


# ------------------------------------------------------------------ through the skill

@pytest.mark.parametrize("attributes", [
    {"unknown": NAN},
    {"offer": "stretch", "deep": [{"x": INF}, -INF]},
    {"stretch_routine": {"routine": "gentle", "index": 1, "note": NAN}},
    {"heat_program_pending": {"kind": "heat", "seconds": 900, "rounds": 1, "x": INF}},
])
def test_no_nan_or_infinity_is_ever_echoed_back(attributes):
    for intent in ("AMAZON.HelpIntent", "AMAZON.NextIntent", "AMAZON.YesIntent"):
        response = strict_json(ask(intent, dict(attributes)))
        check_ssml(speech_of(response))


def test_what_fits_is_kept_and_used():
    response = ask("AMAZON.NextIntent", {"stretch_routine": {"routine": "gentle", "index": 0}, "junk": 1})
    assert response["sessionAttributes"]["stretch_routine"]["index"] == 1
    assert "junk" not in response["sessionAttributes"]


def _without(ssml, lines):
    for line in lines:
        ssml = ssml.replace(line, "")
    return ssml


def test_repeat_says_the_same_words_again_from_content():
    session = envelopes.Session()
    first = lambda_handler(envelopes.intent("OverviewIntent", session=session, device=DEVICE), None)
    session.absorb(first)
    said = session.attributes["last_said"]
    assert all(set(line) <= {"key", "i", "values", "slow"} for line in said["speech"] + said["reprompt"])
    assert "<speak>" not in json.dumps(said)  # keys and values, no SSML
    again = lambda_handler(envelopes.intent("AMAZON.RepeatIntent", session=session, device=DEVICE), None)
    assert speech_of(again) == speech_of(first)
    # The reprompt's short closing is picked afresh each time; what comes before it is the same.
    closings = load("en-US").all_lines("conversation.closing_on_silence")
    assert _without(reprompt_of(again), closings) == _without(reprompt_of(first), closings)
    session.absorb(again)
    # The offer still stands: "yes" answers it.
    yes = lambda_handler(envelopes.intent("AMAZON.YesIntent", session=session, device=DEVICE), None)
    assert "haven't" not in text_of(yes) and "no question" not in text_of(yes).lower()


@pytest.mark.parametrize("said", [
    {"speech": [{"key": "no.such.key"}], "reprompt": [{"key": "offers.more.reprompt"}]},
    {"speech": [{"key": "rest.answer", "i": 40}], "reprompt": [{"key": "offers.more.reprompt"}]},
    {"speech": [{"key": "routine.resume"}], "reprompt": [{"key": "offers.more.reprompt"}]},  # {name} unfilled
    {"speech": [{"key": "overview.answer"}] * 16, "reprompt": [{"key": "offers.more.reprompt"}]},  # too long
    {"speech": [], "reprompt": []},
])
def test_repeat_of_something_that_no_longer_renders_says_so_kindly(said, monkeypatch):
    from back_spasm_coach import conversation

    monkeypatch.setattr(conversation, "REPEAT_BUDGET", 2000)  # (the check, whatever the real lines weigh)
    response = strict_json(ask("AMAZON.RepeatIntent", {"last_said": said}))
    check_ssml(speech_of(response))
    check_ssml(reprompt_of(response))
    assert "haven't said anything" in text_of(response)


def test_a_stretch_is_repeated_by_the_routine_itself():
    session = envelopes.Session()
    session.absorb(lambda_handler(envelopes.intent("StartStretchesIntent", session=session, device=DEVICE), None))
    assert "last_said" not in session.attributes  # built by the routine: not re-rendered from keys
    again = lambda_handler(envelopes.intent("AMAZON.RepeatIntent", session=session, device=DEVICE), None)
    assert session.attributes["stretch_routine"] == again["sessionAttributes"]["stretch_routine"]
    assert "haven't said anything" not in text_of(again)
