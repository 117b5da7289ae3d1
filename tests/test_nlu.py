"""The simulated speaker's language understanding, against the committed interaction models."""
import json

import pytest

from back_spasm_coach import understanding
from tools import build_models, nlu

LOCALES = build_models.LOCALES

#: What a slot of each type is filled with when a sample is turned back into words.
BUILTIN_FILLERS = {"AMAZON.DURATION": "fifteen minutes", "AMAZON.NUMBER": "two", "AMAZON.TIME": "nine"}


def committed(locale):
    with open(nlu.model_path(locale), encoding="utf-8") as f:
        return json.load(f)["interactionModel"]["languageModel"]


def fill(sample, intent, types):
    """A sample utterance with each slot replaced by the first value of its type."""
    slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
    for name, slot_type in slot_types.items():
        if slot_type in types:
            words = types[slot_type]["values"][0]["name"]["value"]
        else:
            words = BUILTIN_FILLERS.get(slot_type, "something")
        sample = sample.replace("{" + name + "}", words)
    return sample


def _same_answer(resolution, intent_name, locale) -> bool:
    """The resolution is the intent itself, or a free-phrase intent whose words triage reads
    to the same answer (the same red flag, or that intent as the topic)."""
    if resolution.intent == intent_name:
        return True
    if resolution.intent not in understanding.FREE_WORDS:
        return False
    if intent_name in understanding.FREE_WORDS:  # one net for another: the words must read the same
        free = understanding.FREE_WORDS[intent_name]
        meant = {free.slot: {"name": free.slot, "value": BUILTIN_FILLERS.get("AMAZON.SearchQuery", "something")}}
        return (understanding.red_flag(intent_name, meant) == understanding.red_flag(resolution.intent, resolution.slots)
                and understanding.topic(intent_name, meant) == understanding.topic(resolution.intent, resolution.slots))
    if intent_name == "RedFlagIntent":
        return understanding.red_flag(resolution.intent, resolution.slots) is not None
    reading = understanding.topic(resolution.intent, resolution.slots)
    return reading is not None and reading.topic == intent_name


@pytest.mark.parametrize("locale", LOCALES)
def test_every_sample_of_every_custom_intent_reaches_its_answer(locale):
    """Every sample, filled, reaches its intent's answer: in en-US every one of them; in the
    other locales (the same grammar, with locale additions) every intent, every fifth sample."""
    language = committed(locale)
    types = {t["name"]: t for t in language.get("types", [])}
    model = nlu.load(locale)
    wrong = []
    checked = 0
    for intent in language["intents"]:
        if intent["name"].startswith("AMAZON."):
            continue
        for sample in intent["samples"][::1 if locale == "en-US" else 5]:
            words = fill(sample, intent, types)
            for strict in (False, True):
                checked += 1
                if not _same_answer(model.resolve(words, strict=strict), intent["name"], locale):
                    wrong.append((words, intent["name"], model.resolve(words, strict=strict).intent, strict))
    assert checked > 2000
    assert wrong == []


@pytest.mark.parametrize("locale", LOCALES)
def test_every_synonym_of_every_custom_type_resolves_to_its_value(locale):
    language = committed(locale)
    model = nlu.load(locale)
    for slot_type in language.get("types", []):
        intent, slot_name, sample = _carrier(language, slot_type["name"])
        for value in slot_type["values"]:
            for words in [value["name"]["value"]] + value["name"]["synonyms"]:
                resolution = model.resolve(sample.replace("{" + slot_name + "}", words))
                assert resolution.intent == intent["name"], (sample, words)
                assert resolution.values()[slot_name] == value["id"], (sample, words)


def _carrier(language, type_name):
    """(intent, slot name, sample) that carries a slot of this type with words around it
    ("i have {symptom}", "do the {stretch} stretch"): the one with the most literal words."""
    found = []
    for intent in language["intents"]:
        for slot in intent.get("slots", []):
            if slot["type"] != type_name:
                continue
            marker = "{" + slot["name"] + "}"
            found.extend((len(sample.replace(marker, "")), intent, slot["name"], sample)
                         for sample in intent["samples"]
                         if marker in sample and sample.count("{") == 1 and sample != marker)
    assert found, "no sample carries a {} slot with words around it".format(type_name)
    _, intent, slot_name, sample = max(found, key=lambda entry: entry[0])
    return intent, slot_name, sample


def test_custom_slot_carries_alexa_style_entity_resolution():
    resolution = nlu.resolve("Incontinence!")
    assert resolution.intent == "RedFlagIntent"
    slot = resolution.slots["symptom"]
    assert slot["value"] == "incontinence"
    authority = slot["resolutions"]["resolutionsPerAuthority"][0]
    assert authority["status"]["code"] == "ER_SUCCESS_MATCH"
    assert authority["authority"].endswith(".RED_FLAG_SYMPTOM")
    assert authority["values"][0]["value"]["id"] == "bladder_bowel"


def _red_flag(words):
    resolution = nlu.resolve(words)
    flag = understanding.red_flag(resolution.intent, resolution.slots)
    return flag.symptom if flag else None


def test_a_sign_that_extends_another_is_read_as_its_own():
    # "pins and needles in both legs" is an emergency; "... in my leg" is not: never mix them up,
    # whether a symptom value or free words carry them.
    assert _red_flag("i have pins and needles in both legs") == "both_legs"
    assert _red_flag("i have pins and needles in my leg") == "one_leg"
    assert _red_flag("pins and needles in both legs") == "both_legs"
    assert _red_flag("my legs are numb") == "both_legs"
    assert _red_flag("my leg is numb") == "one_leg"


def test_the_sample_with_more_literal_characters_is_preferred():
    # "what helps {condition}" (ten literal characters) beats "what {question}" (four).
    resolution = nlu.resolve("what helps a back spasm")
    assert resolution.intent == "OverviewIntent"
    assert nlu.load("en-US").resolve("what helps a back spasm", strict=True).intent == "OverviewIntent"


@pytest.mark.parametrize("typed, expected", [
    ("Alexa, What HELPS a back-spasm?!", "alexa what helps a back spasm"),
    ("I\u2019ve pulled my back.", "i've pulled my back"),
    ("'heat' or \"ice\"", "heat or ice"),
    ("15 minutes", "fifteen minutes"),
    ("1.5 minutes", "one and a half minutes"),
    ("2 hours", "two hours"),
    ("125", "one hundred and twenty five"),
])
def test_normalise(typed, expected):
    assert nlu.normalise(typed) == expected


@pytest.mark.parametrize("spoken, iso", [
    ("fifteen minutes", "PT15M"),
    ("15 minutes", "PT15M"),
    ("twenty minute", "PT20M"),
    ("twenty five minutes", "PT25M"),
    ("a minute", "PT1M"),
    ("an hour", "PT1H"),
    ("half an hour", "PT30M"),
    ("an hour and a half", "PT1H30M"),
    ("one and a half minutes", "PT1M30S"),
    ("1.5 minutes", "PT1M30S"),
    ("ninety seconds", "PT1M30S"),
    ("thirty seconds", "PT30S"),
    ("two hours and ten minutes", "PT2H10M"),
    ("a quarter of an hour", "PT15M"),
    ("a couple of minutes", "PT2M"),
])
def test_spoken_durations_become_iso_8601(spoken, iso):
    seconds = nlu.parse_duration(nlu.normalise(spoken))
    assert seconds is not None, spoken
    assert nlu.iso_duration(seconds) == iso


@pytest.mark.parametrize("words", ["fifteen", "minutes", "fifteen bananas", "a"])
def test_non_durations_are_refused(words):
    assert nlu.parse_duration(words) is None


@pytest.mark.parametrize("words, number", [("two", 2), ("twenty", 20), ("twenty two", 22),
                                           ("a hundred", 100), ("one hundred and five", 105),
                                           ("zero", 0), ("two bananas", None)])
def test_spoken_numbers(words, number):
    assert nlu.parse_number(words) == number


#: A small model with built-in slot types (the core model has none yet).
TYPED_MODEL = {"interactionModel": {"languageModel": {
    "invocationName": "back spasm coach",
    "intents": [
        {"name": "TimerIntent", "slots": [{"name": "length", "type": "AMAZON.DURATION"}],
         "samples": ["set a timer for {length}", "{length} timer", "time {length}", "set a timer"]},
        {"name": "RepsIntent", "slots": [{"name": "count", "type": "AMAZON.NUMBER"}],
         "samples": ["do {count} reps", "{count} times"]},
        {"name": "AMAZON.FallbackIntent", "samples": []},
        {"name": "AMAZON.StopIntent", "samples": []},
    ],
    "types": []}}}


@pytest.mark.parametrize("typed, intent, slots", [
    ("set a timer for fifteen minutes", "TimerIntent", {"length": "PT15M"}),
    ("Set a timer for 15 minutes.", "TimerIntent", {"length": "PT15M"}),
    ("half an hour timer", "TimerIntent", {"length": "PT30M"}),
    ("time ninety seconds", "TimerIntent", {"length": "PT1M30S"}),
    ("do two reps", "RepsIntent", {"count": "2"}),
    ("do 2 reps", "RepsIntent", {"count": "2"}),
    ("twelve times", "RepsIntent", {"count": "12"}),
    ("set a timer for bananas", "AMAZON.FallbackIntent", {}),
])
def test_built_in_slot_types(typed, intent, slots):
    resolution = nlu.Model(TYPED_MODEL).resolve(typed)
    assert resolution.intent == intent
    assert resolution.values() == slots


def test_built_in_slot_values_carry_no_entity_resolution():
    slot = nlu.Model(TYPED_MODEL).resolve("set a timer for an hour").slots["length"]
    assert slot == {"name": "length", "value": "PT1H", "confirmationStatus": "NONE"}


def test_an_intent_s_unfilled_slots_are_still_sent_empty():
    model = nlu.Model(TYPED_MODEL)
    resolution = model.resolve("set a timer")
    assert resolution.intent == "TimerIntent"
    assert resolution.slots == {"length": {"name": "length", "confirmationStatus": "NONE"}}
    assert resolution.values() == {}


@pytest.mark.parametrize("typed, intent", [
    ("stop", "AMAZON.StopIntent"), ("Stop!", "AMAZON.StopIntent"), ("shut up", "AMAZON.StopIntent"),
    ("cancel", "AMAZON.CancelIntent"), ("never mind", "AMAZON.CancelIntent"),
    ("help", "AMAZON.HelpIntent"), ("what can I say", "AMAZON.HelpIntent"),
    ("yes", "AMAZON.YesIntent"), ("yeah", "AMAZON.YesIntent"), ("sure", "AMAZON.YesIntent"),
    ("OK", "AMAZON.YesIntent"), ("no", "AMAZON.NoIntent"), ("nope", "AMAZON.NoIntent"),
    ("repeat", "AMAZON.RepeatIntent"), ("say that again", "AMAZON.RepeatIntent"),
    ("go home", "AMAZON.NavigateHomeIntent"),
])
def test_built_in_intents_are_recognised(typed, intent):
    for locale in LOCALES:
        assert nlu.resolve(typed, locale).intent == intent


def test_built_ins_the_model_does_not_declare_are_not_recognised():
    # A model without AMAZON.HelpIntent: "help" falls back, as it would on Alexa.
    assert nlu.Model(TYPED_MODEL).resolve("help").intent == "AMAZON.FallbackIntent"


@pytest.mark.parametrize("typed", ["what's the weather", "play some music", "blah blah", ""])
def test_anything_else_falls_back(typed):
    assert nlu.is_catch_all(nlu.resolve(typed).intent)


def test_without_a_fallback_intent_nothing_matches():
    model = json.loads(json.dumps(TYPED_MODEL))
    model["interactionModel"]["languageModel"]["intents"].pop(2)
    assert nlu.Model(model).resolve("what's the weather").intent is None


@pytest.mark.parametrize("said, kind, words", [
    ("Alexa, ask back spasm coach what helps a back spasm", "one_shot", "what helps a back spasm"),
    ("ask back spasm coach about heat", "one_shot", "heat"),
    ("ask back spasm coach for help", "one_shot", "help"),
    ("tell back spasm coach to stop", "one_shot", "stop"),
    ("tell back spasm coach I fell and hurt my back", "one_shot", "i fell and hurt my back"),
    ("open back spasm coach and tell me about heat", "one_shot", "tell me about heat"),
    ("what helps a back spasm using back spasm coach", "one_shot", "what helps a back spasm"),
    ("Alexa, open Back Spasm Coach.", "launch", ""),
    ("launch back spasm coach", "launch", ""),
    ("start back spasm coach", "launch", ""),
    ("ask back spasm coach", "launch", ""),
    ("alexa, stop", "plain", "stop"),
    ("what helps a back spasm", "plain", "what helps a back spasm"),
])
def test_invocation_as_alexa_routes_it(said, kind, words):
    heard = nlu.invocation(said, "back spasm coach")
    assert (heard.kind, heard.utterance) == (kind, words)


def test_one_shot_keeps_the_connector_for_a_second_try():
    heard = nlu.invocation("ask back spasm coach if I should rest", "back spasm coach")
    assert (heard.utterance, heard.unstripped) == ("i should rest", "if i should rest")
