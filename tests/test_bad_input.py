"""Bad input gets a clear, kind answer and a log line; nothing raises."""
import logging

import pytest

from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import check_ssml, has_closing, speech_of, text_of
from tools import envelopes


def _kind_and_open(response):
    ssml = speech_of(response)
    check_ssml(ssml)
    assert response["response"]["shouldEndSession"] is False
    assert text_of(response).rstrip().endswith("?")  # never a dead end: it asks what would help


def test_an_unknown_intent_gets_the_menu_and_a_log_line(caplog):
    with caplog.at_level(logging.WARNING):
        response = lambda_handler(envelopes.intent("TotallyMadeUpIntent"), None)
    _kind_and_open(response)
    assert "TotallyMadeUpIntent" in caplog.text


@pytest.mark.parametrize("slots", [
    {},
    {"symptom": {"name": "symptom"}},                       # slot present, no value
    {"symptom": envelopes.slot("symptom", "")},             # empty value
    {"symptom": envelopes.slot("symptom", "zxqv blorp")},  # garbled, no resolution match
    {"symptom": envelopes.slot("symptom", "x" * 5000)},    # huge
])
def test_odd_red_flag_slots_still_get_the_warning_signs(slots):
    response = lambda_handler(envelopes.intent("RedFlagIntent", slots), None)
    assert text_of(response).startswith("Call 911")
    assert has_closing(speech_of(response), "en-US")


def test_a_session_ended_with_an_error_is_logged_not_raised(caplog):
    event = envelopes.session_ended("ERROR", {"type": "INVALID_RESPONSE", "message": "bad SSML"})
    with caplog.at_level(logging.ERROR):
        response = lambda_handler(event, None)
    assert "outputSpeech" not in response["response"]
    assert "bad SSML" in caplog.text


def test_an_unknown_locale_is_answered_in_us_english():
    response = lambda_handler(envelopes.intent("PainReliefIntent", locale="fr-FR"), None)
    assert "acetaminophen" in text_of(response)


@pytest.mark.parametrize("attributes", [
    {"offer": 42}, {"offer": "no-such-offer"}, {"offer": None}, {"last_speech": 5, "last_reprompt": []},
])
def test_odd_session_attributes_are_survived(attributes):
    for intent in ("AMAZON.YesIntent", "AMAZON.RepeatIntent", "AMAZON.NoIntent"):
        session = envelopes.Session(attributes=dict(attributes), new=False)
        response = lambda_handler(envelopes.intent(intent, session=session), None)
        check_ssml(speech_of(response))


def test_an_intent_with_no_session_is_answered():
    event = envelopes.intent("HeatColdIntent")
    del event["session"]
    response = lambda_handler(event, None)
    assert "heat" in text_of(response).lower()


def test_an_unknown_request_type_is_acknowledged_quietly():
    event = envelopes.launch()
    event["request"] = {"type": "Some.FutureRequest", "requestId": "r1",
                        "timestamp": "2026-01-01T00:00:00Z", "locale": "en-US"}
    response = lambda_handler(event, None)
    assert "outputSpeech" not in response.get("response", {})


def test_a_failing_handler_becomes_a_kind_answer(monkeypatch, caplog):
    from back_spasm_coach.handlers import strategies

    def broken(handler_input, intent_name):
        raise RuntimeError("content store exploded")

    monkeypatch.setattr(strategies, "answer", broken)
    with caplog.at_level(logging.ERROR):
        response = lambda_handler(envelopes.intent("RestIntent"), None)
    _kind_and_open(response)
    assert "content store exploded" in caplog.text
    assert "exploded" not in text_of(response)


@pytest.mark.parametrize("mangle", [
    lambda e: e["request"]["intent"].__setitem__("slots", "not a dict"),
    lambda e: e["request"].__setitem__("dialogState", {"wrong": "type"}),
    lambda e: e.__setitem__("session", ["a", "list"]),
    lambda e: e["request"]["intent"].__setitem__("confirmationStatus", "SOMETIMES"),
])
def test_a_malformed_intent_request_gets_a_kind_answer(mangle, caplog):
    event = envelopes.intent("RestIntent")
    mangle(event)
    with caplog.at_level(logging.ERROR):
        response = lambda_handler(event, None)
    check_ssml(speech_of(response))
    assert response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("event", [None, "text", [], {}, {"request": "x"}, {"request": {"type": 7}}])
def test_an_event_that_is_not_an_envelope_gets_an_empty_response(event):
    assert lambda_handler(event, None) == {"version": "1.0", "response": {}}


@pytest.mark.parametrize("context", [None, {}, {"System": None}])
def test_an_intent_with_no_context_is_answered_by_its_own_handler(context):
    """Found by fuzzing: with an API client configured, the SDK read context.System before
    any handler ran, so a missing context turned every question into the fallback (or a 500)."""
    from ask_sdk_core.api_client import DefaultApiClient
    from back_spasm_coach.entry import safe_lambda_handler
    from back_spasm_coach.skill import build_skill_builder

    handler = safe_lambda_handler(build_skill_builder(api_client=DefaultApiClient()))
    event = envelopes.intent("HeatColdIntent")
    if context is None:
        del event["context"]
    else:
        event["context"] = context
    response = handler(event, None)
    assert any(line in speech_of(response) for line in load("en-US").all_lines("heat_cold.answer"))
    assert response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("stored", ["<", "<speak>unclosed", "<speak>" + "a" * 9000 + "</speak>", 5, ["x"],
                                    '<speak><break time="30s"/></speak>'])
def test_repeat_never_replays_speech_alexa_would_refuse(stored):
    """Found by fuzzing: session attributes come back from outside; repeat replayed them raw."""
    session = envelopes.Session(attributes={"last_speech": stored, "last_reprompt": "<speak>ok</speak>"},
                                new=False)
    response = lambda_handler(envelopes.intent("AMAZON.RepeatIntent", session=session), None)
    check_ssml(speech_of(response))
    assert "haven't said anything" in text_of(response)


def test_repeat_still_replays_what_was_said():
    session = envelopes.Session()
    first = lambda_handler(envelopes.intent("RestIntent", session=session), None)
    session.absorb(first)
    again = lambda_handler(envelopes.intent("AMAZON.RepeatIntent", session=session), None)
    assert speech_of(again) == speech_of(first)
