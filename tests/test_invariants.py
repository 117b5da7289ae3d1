"""What must hold for every intent in every locale, in a new session and mid-conversation.

- a valid response; well-formed SSML under Alexa's limits;
- closing advice whenever the session ends; a reprompt whenever it stays open, which
  carries the closing advice too (silence after it ends the session);
- no stack traces, Python reprs or unfilled placeholders in anything spoken.
"""
import re

import pytest

from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import (DEAD_API, LOCALES, check_ssml, has_closing, model, reprompt_of,
                      slot_values, speech_of, text_of)
from tools import envelopes

LEAKS = re.compile(r"Traceback|Exception|\bNone\b|\{|\}|object at 0x|Error:")


def _slots(locale, intent, filled):
    if not filled:
        return {}
    values = slot_values(locale)
    slots = {}
    for spec in intent.get("slots", []):
        spoken, value, value_id = values[spec["type"]]
        slots[spec["name"]] = envelopes.slot(spec["name"], value, value_id, spoken, spec["type"])
    return slots


def _cases():
    for locale in LOCALES:
        for intent in model(locale)["intents"]:
            for filled in (True, False) if intent.get("slots") else (True,):
                for mid_conversation in (False, True):
                    yield pytest.param(locale, intent, filled, mid_conversation, id="{}-{}-{}-{}".format(
                        locale, intent["name"], "slots" if filled else "empty",
                        "mid" if mid_conversation else "new"))


def _conversation(locale, device):
    """A session already under way: launched, then the overview with its offer pending."""
    session = envelopes.Session()
    session.absorb(lambda_handler(envelopes.launch(locale, session, device), None))
    session.absorb(lambda_handler(envelopes.intent("OverviewIntent", locale=locale,
                                                   session=session, device=device), None))
    return session


def assert_sound(response_envelope, locale):
    response = response_envelope["response"]
    ssml = speech_of(response_envelope)
    directives = [d.get("type") for d in response.get("directives") or []]
    if ssml:
        check_ssml(ssml)
        assert not LEAKS.search(text_of(response_envelope)), text_of(response_envelope)
    ends = response.get("shouldEndSession")
    if ends is True:
        assert has_closing(ssml, locale), "session ended without the closing advice: " + ssml
    elif ends is False:
        reprompt = reprompt_of(response_envelope)
        assert reprompt, "session left open with no reprompt"
        check_ssml(reprompt)
        # The reprompt is the last thing heard before a silent session times out.
        assert any(line in reprompt for line in load(locale).all_lines("conversation.closing_on_silence"))
    else:
        # Only a hand-over to Alexa (a permission question) may leave it unsaid.
        assert "Connections.SendRequest" in directives, response


@pytest.mark.parametrize("locale,intent,filled,mid_conversation", list(_cases()))
def test_every_intent_answers_soundly(locale, intent, filled, mid_conversation):
    device = envelopes.Device(api_endpoint=DEAD_API)
    session = _conversation(locale, device) if mid_conversation else envelopes.Session()
    event = envelopes.intent(intent["name"], _slots(locale, intent, filled), locale=locale,
                             session=session, device=device)
    assert_sound(lambda_handler(event, None), locale)


@pytest.mark.parametrize("locale", LOCALES)
def test_launch_and_session_end_are_sound(locale):
    device = envelopes.Device(api_endpoint=DEAD_API)
    assert_sound(lambda_handler(envelopes.launch(locale, device=device), None), locale)
    ended = lambda_handler(envelopes.session_ended("EXCEEDED_MAX_REPROMPTS", locale=locale), None)
    # Alexa allows no speech in reply to a SessionEndedRequest.
    assert "outputSpeech" not in ended["response"]
