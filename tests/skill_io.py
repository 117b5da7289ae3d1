"""Helpers the tests share: the committed models, and what a response says."""
import json
import os
import string
import xml.etree.ElementTree as ET

from back_spasm_coach import speech
from back_spasm_coach.content import SUPPORTED_LOCALES, load

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = SUPPORTED_LOCALES
#: An Alexa API address where nothing listens: any API call fails at once, offline.
DEAD_API = "https://127.0.0.1:9"


def model(locale: str) -> dict:
    with open(os.path.join(ROOT, "interaction-model", locale + ".json"), encoding="utf-8") as f:
        return json.load(f)["interactionModel"]["languageModel"]


def manifest() -> dict:
    with open(os.path.join(ROOT, "skill.json"), encoding="utf-8") as f:
        return json.load(f)


def slot_values(locale: str) -> dict:
    """A valid spoken value and its id for every slot type in the model."""
    values = {"AMAZON.DURATION": ("fifteen minutes", "PT15M", None),
              "AMAZON.NUMBER": ("two", "2", None),
              "AMAZON.SearchQuery": ("it hurts when i bend", "it hurts when i bend", None),
              "AMAZON.TIME": ("nine", "09:00", None)}
    for slot_type in model(locale).get("types", []):
        first = slot_type["values"][0]
        values[slot_type["name"]] = (first["name"]["value"], first["name"]["value"], first["id"])
    return values


def speech_of(response_envelope: dict) -> str:
    speech_part = (response_envelope.get("response") or {}).get("outputSpeech") or {}
    return speech_part.get("ssml", "")


def reprompt_of(response_envelope: dict) -> str:
    reprompt = (response_envelope.get("response") or {}).get("reprompt") or {}
    return (reprompt.get("outputSpeech") or {}).get("ssml", "")


def text_of(response_envelope: dict) -> str:
    return speech.to_text(speech_of(response_envelope))


def check_ssml(ssml: str) -> None:
    """Well-formed <speak> SSML within Alexa's limits, or AssertionError."""
    assert len(ssml) < speech.MAX_SSML_CHARS, "SSML of {} characters".format(len(ssml))
    root = ET.fromstring(ssml)
    assert root.tag == "speak"
    for seconds in speech.break_seconds(ssml):
        assert seconds <= speech.MAX_BREAK_SECONDS


def closing_lines(locale: str) -> list:
    """Every closing a session may end with: routine, urgent care, and an emergency's own."""
    from back_spasm_coach.conversation import CLOSINGS
    return [line for key in CLOSINGS.values() for line in load(locale).all_lines(key)]


def has_closing(ssml: str, locale: str) -> bool:
    return any(line in ssml for line in closing_lines(locale))


#: What a run-time placeholder ({name}, {number}, {duration} ...) is filled with when
#: every line is checked: a number word, so a line that could read as a dose is caught.
SAMPLE_VALUE = "two"


def every_line(content):
    """(key, phrasing) for every phrasing of every spoken line of a locale, rendered.

    Placeholders that are not locale vars are filled at run time by a flow
    (a stretch's name, a count, a duration); here they get ``SAMPLE_VALUE``.
    """
    for key in content.lines:
        if isinstance(content.raw(key), (bool, int, float)):
            continue
        for template in content.variants(key):
            fields = {field for _, field, _, _ in string.Formatter().parse(template) if field}
            values = {field: SAMPLE_VALUE for field in fields
                      if field not in content.vars and field not in speech.PAUSES}
            yield key, speech.render(template, {**content.vars, **values})
