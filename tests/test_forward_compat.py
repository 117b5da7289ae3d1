"""A red flag is heard first even when Alexa sends something newer than the SDK knows.

Alexa adds fields and enum values over time: a viewport mode or shape, a dialog
state, a confirmation status, an entity-resolution status, a slot-value type, a
timestamp written another way. The ASK SDK refuses any envelope with a value it
cannot deserialize, before a handler runs. ``entry.py`` then answers the
envelope's readable part, keeping the intent and the words of its slots, so the
same triage runs and the emergency number still comes first.

Each forward change below is first shown to break the SDK (otherwise the probe
would prove nothing), then applied to every danger statement of the blind
phrasebooks, resolved against the committed model of a locale as a judge would.
"""
import copy
import logging

import pytest

from lambda_function import lambda_handler
from skill_io import check_ssml, speech_of, text_of
from tools import envelopes, nlu, understand

LOCALES = understand.LOCALES

VIEWPORT = {"experiences": [{"canRotate": False, "canResize": False}], "mode": "HUB", "shape": "RECTANGLE",
            "pixelWidth": 1024, "pixelHeight": 600, "dpi": 160, "currentPixelWidth": 1024,
            "currentPixelHeight": 600, "touch": ["SINGLE"], "keyboard": []}


def _slots(event):
    return event["request"]["intent"].get("slots") or {}


def _new_er_status(event):
    for slot in _slots(event).values():
        slot["resolutions"] = {"resolutionsPerAuthority": [{
            "authority": "amzn1.er-authority.echo-sdk.x.SOMETHING", "status": {"code": "ER_SUCCESS_PARTIAL"},
            "values": [{"value": {"name": slot.get("value", ""), "id": "X"}}]}]}


def _new_slot_value_type(event):
    for slot in _slots(event).values():
        slot["slotValue"] = {"type": "Composite", "value": slot.get("value", ""), "parts": []}


def _new_slot_confirmation(event):
    for slot in _slots(event).values():
        slot["confirmationStatus"] = "PARTLY_CONFIRMED"


#: name -> how Alexa might change an envelope tomorrow (each in place).
FORWARD_CHANGES = {
    "viewport mode": lambda e: e["context"].__setitem__("Viewport", dict(VIEWPORT, mode="HOLOGRAM")),
    "viewport shape": lambda e: e["context"].__setitem__("Viewport", dict(VIEWPORT, shape="TRIANGLE")),
    "dialog state": lambda e: e["request"].__setitem__("dialogState", "SOMETHING_NEW"),
    "intent confirmation status": lambda e: e["request"]["intent"].__setitem__("confirmationStatus",
                                                                               "PARTLY_CONFIRMED"),
    "slot confirmation status": _new_slot_confirmation,
    "entity-resolution status": _new_er_status,
    "slot value type": _new_slot_value_type,
    "numeric timestamp": lambda e: e["request"].__setitem__("timestamp", 1764064800),
    "malformed timestamp": lambda e: e["request"].__setitem__("timestamp", "yesterday at noon"),
    "impossible timestamp": lambda e: e["request"].__setitem__("timestamp", "2026-13-45T99:99:99Z"),
}
SLOT_CHANGES = {"slot confirmation status", "entity-resolution status", "slot value type"}


def _red_flag_event(text, locale):
    resolution = nlu.load(locale).resolve(text, strict=True)
    return envelopes.intent(resolution.intent or nlu.FALLBACK, resolution.slots, locale=locale,
                            device=envelopes.Device(api_endpoint="https://127.0.0.1:9"))


def _emergency_first(response, locale):
    check_ssml(speech_of(response))
    said = text_of(response)
    ok, why = understand.judge("emergency", response, said, {}, locale)
    return ok, why


@pytest.fixture(scope="module")
def danger_phrases():
    phrases = [p for p in understand.load_phrasebooks() if p.label == "emergency"]
    assert len(phrases) >= 100
    return phrases


@pytest.mark.parametrize("change", sorted(FORWARD_CHANGES))
def test_each_forward_change_is_one_the_sdk_itself_refuses(change):
    """Without this the probes below would pass through the ordinary path and prove nothing."""
    from back_spasm_coach.skill import build_skill_builder
    event = _red_flag_event("my legs are numb and i can't pee", "en-GB")
    assert _slots(event), "a red-flag phrase with slot words"
    FORWARD_CHANGES[change](event)
    with pytest.raises(Exception):
        build_skill_builder().lambda_handler()(event, None)


@pytest.mark.parametrize("change", sorted(FORWARD_CHANGES))
def test_every_emergency_statement_is_answered_first_whatever_alexa_adds(change, danger_phrases, caplog):
    """Every blind emergency statement, with the change, in a locale that rotates per phrase."""
    missed = []
    with caplog.at_level(logging.CRITICAL):
        for i, phrase in enumerate(danger_phrases):
            locale = LOCALES[i % len(LOCALES)]
            event = _red_flag_event(phrase.text, locale)
            if change in SLOT_CHANGES and not _slots(event):
                continue
            FORWARD_CHANGES[change](event)
            ok, why = _emergency_first(lambda_handler(copy.deepcopy(event), None), locale)
            if not ok:
                missed.append((locale, phrase.text, why))
    assert missed == []


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("change", sorted(FORWARD_CHANGES))
def test_mid_conversation_the_emergency_is_answered_in_the_persons_locale(change, locale):
    """Mid-routine, in every locale: the emergency number of that locale comes first."""
    session = envelopes.Session(attributes={"stretch_routine": {"name": "gentle", "index": 1}}, new=False)
    resolution = nlu.load(locale).resolve("my legs are numb and i can't pee", strict=True)
    event = envelopes.intent(resolution.intent, resolution.slots, locale=locale, session=session,
                             device=envelopes.Device(api_endpoint="https://127.0.0.1:9"))
    FORWARD_CHANGES[change](event)
    response = lambda_handler(event, None)
    ok, why = _emergency_first(response, locale)
    assert ok, why
    assert text_of(response).count(understand._emergency_number(locale)) >= 1


def test_a_new_request_field_of_a_wrong_type_still_gets_a_kind_answer(caplog):
    """An envelope whose intent cannot be read at all is still answered, with the fallback."""
    event = envelopes.intent("RestIntent")
    event["request"]["intent"] = ["not", "an", "intent"]
    event["request"]["timestamp"] = {"epoch": 1}
    with caplog.at_level(logging.CRITICAL):
        response = lambda_handler(event, None)
    check_ssml(speech_of(response))
    assert response["response"]["shouldEndSession"] is False
