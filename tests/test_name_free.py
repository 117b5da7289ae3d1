"""Name-free: Alexa's CanFulfillIntentRequest answered over every intent, and the NFI toolkit phrases.

Amazon's rules (implement-canfulfillintentrequest-for-name-free-interaction.html):
YES, NO or MAYBE for the intent and each slot; no speech or any other
observable interaction, no change of state; and (third-party reports) an answer
even without a session or a user id. Ours: YES for our intents with slots we
understand, NO for Amazon's built-ins, the in-conversation ones and anyone
else's; no Alexa API call and no stored attribute touched, whatever is asked.
"""
from __future__ import annotations

import json
import logging

import pytest

from back_spasm_coach import name_free
from back_spasm_coach.alexa_api import TimeoutApiClient
from back_spasm_coach.handlers.name_free import probe_skill
from back_spasm_coach.skill import build_skill_builder
from lambda_function import lambda_handler
from skill_io import LOCALES, model, slot_values
from tools import build_models, envelopes, name_free_model, nlu
from tools.timers_api import Clock, TimersApi

#: Words for a free phrase (AMAZON.SearchQuery): a red flag in a person's own words.
PHRASE = "my legs are numb and i can't pee"


@pytest.fixture(scope="module")
def stand_in():
    api = TimersApi(Clock(fast=0))
    api.serve(tick_every=0)
    yield api
    api.close()


class SpyAdapter:
    """A persistence adapter that only records being asked anything."""

    def __init__(self):
        self.calls = []

    def get_attributes(self, request_envelope):
        self.calls.append("get")
        return {}

    def save_attributes(self, request_envelope, attributes):
        self.calls.append("save")

    def delete_attributes(self, request_envelope):
        self.calls.append("delete")


def _filled(locale, intent) -> dict:
    """Every slot of an intent, with a value the model knows (or a phrase for a free one)."""
    values = slot_values(locale)
    return {spec["name"]: PHRASE if spec["type"] == name_free.SEARCH_QUERY else values[spec["type"]][1]
            for spec in intent.get("slots", [])}


def expected(intent: dict, filled: bool) -> str:
    """What the model and the small tables say the answer must be."""
    name = intent["name"]
    if name.startswith("AMAZON.") or name in name_free.BY_NAME_ONLY:
        return "NO"
    if filled or not intent.get("slots") or name in name_free.ANSWERS_EMPTY:
        return "YES"
    samples = intent.get("samples", [])
    needed = [s["name"] for s in intent["slots"] if samples and all("{" + s["name"] + "}" in x for x in samples)]
    return "MAYBE" if needed else "YES"


def _cases():
    for locale in LOCALES:
        for intent in model(locale)["intents"]:
            for filled in (True, False) if intent.get("slots") else (False,):
                yield pytest.param(locale, intent, filled, id="{}-{}-{}".format(
                    locale, intent["name"], "slots" if filled else "empty"))


def assert_silent(response_envelope, event=None) -> dict:
    """Nothing observable: no speech, reprompt, card, directive or session decision, and a
    session's attributes (if the question came in one) handed back as they came."""
    response = response_envelope["response"]
    assert set(response) == {"canFulfillIntent"}, response
    if "sessionAttributes" in response_envelope:
        assert event is not None and response_envelope["sessionAttributes"] == event["session"]["attributes"]
    return response["canFulfillIntent"]


# ------------------------------------------------------------------ every intent, every locale
@pytest.mark.parametrize("locale,intent,filled", list(_cases()))
def test_every_intent_gets_the_answer_the_model_implies(locale, intent, filled, stand_in):
    device = envelopes.Device(api_endpoint=stand_in.url)
    slots = _filled(locale, intent) if filled else {}
    before = len(stand_in.requests)
    answer = assert_silent(lambda_handler(
        envelopes.can_fulfill_intent(intent["name"], slots, locale, device, user=False), None))
    assert answer["canFulfill"] == expected(intent, filled)
    if intent["name"] in name_free.table()["intents"] and answer["canFulfill"] != "NO":
        assert set(answer.get("slots", {})) == set(slots)  # an answer for each slot with words
    if answer["canFulfill"] == "YES":
        assert all(s == {"canUnderstand": "YES", "canFulfill": "YES"} for s in answer.get("slots", {}).values())
    assert len(stand_in.requests) == before, "an Alexa API call in reply to a name-free question"


@pytest.mark.parametrize("locale", LOCALES)
def test_no_api_call_no_stored_attribute_and_no_interceptor_for_any_intent(locale, stand_in, caplog):
    spy = SpyAdapter()
    handler = build_skill_builder(api_client=TimeoutApiClient(ca_bundle=stand_in.ca_file),
                                  persistence_adapter=spy).lambda_handler()
    device = envelopes.Device(api_endpoint=stand_in.url)
    before = len(stand_in.requests)
    with caplog.at_level(logging.INFO, logger="back_spasm_coach"):
        for intent in model(locale)["intents"]:
            for slots in ({}, _filled(locale, intent)):
                event = envelopes.can_fulfill_intent(intent["name"], slots, locale, device)
                # Even inside a session: its attributes come back untouched.
                event["session"] = envelopes.Session(attributes={"offer": "stretch"}).envelope_part(device)
                assert_silent(handler(event, None), event)
    assert spy.calls == [] and len(stand_in.requests) == before
    # The conversation's interceptors never saw them: no red flag was acted on.
    assert "red flag heard" not in caplog.text and "name-free question for RedFlagIntent: YES" in caplog.text


def test_a_red_flag_named_without_our_name_is_ours():
    yes = assert_silent(lambda_handler(envelopes.can_fulfill_intent(
        "RedFlagIntent", {"symptom": "legs are numb"}, "en-GB", user=False), None))
    assert yes == {"canFulfill": "YES", "slots": {"symptom": {"canUnderstand": "YES", "canFulfill": "YES"}}}
    # Words we cannot place still get every warning sign, emergency first: still ours.
    unplaced = assert_silent(lambda_handler(envelopes.can_fulfill_intent(
        "RedFlagIntent", {"symptom": "my foot has gone a funny colour"}, "en-GB"), None))
    assert unplaced == {"canFulfill": "YES",
                        "slots": {"symptom": {"canUnderstand": "MAYBE", "canFulfill": "YES"}}}


@pytest.mark.parametrize("intent, slots, verdict, slot_answer", [
    ("PlaySoundIntent", {}, "NO", None),                               # someone else's intent
    ("StartStretchesIntent", {"stretch": "headstand"}, "NO", ("NO", "NO")),  # not a stretch we know
    ("StartStretchesIntent", {"stretch": "knee to chest"}, "YES", ("YES", "YES")),
    ("StartHeatProgramIntent", {"length": "PT20M"}, "YES", ("YES", "YES")),
    ("StartHeatProgramIntent", {"length": "twenty"}, "NO", ("NO", "NO")),  # not a duration Alexa fills
    ("StartHeatProgramIntent", {"kind": "lava"}, "NO", ("NO", "NO")),
    ("StretchReminderIntent", {"time": "21:30"}, "YES", ("YES", "YES")),
    ("StretchReminderIntent", {"time": "EV"}, "YES", ("YES", "YES")),
    ("StretchReminderIntent", {"time": "half nine"}, "NO", ("NO", "NO")),
    ("CheckInReminderIntent", {}, "YES", None),
    ("CancelReminderIntent", {"reminder": "stretch"}, "NO", ("YES", "YES")),  # by name only
    ("TimeLeftIntent", {}, "NO", None),
    ("AMAZON.StopIntent", {}, "NO", None),
])
def test_answers_follow_amazons_rules(intent, slots, verdict, slot_answer):
    answer = assert_silent(lambda_handler(envelopes.can_fulfill_intent(intent, slots, "en-US"), None))
    assert answer["canFulfill"] == verdict
    if slot_answer is not None and intent not in name_free.BY_NAME_ONLY:
        (only,) = answer["slots"].values()
        assert (only["canUnderstand"], only["canFulfill"]) == slot_answer


def test_a_slot_the_intent_does_not_have_is_no():
    answer = assert_silent(lambda_handler(envelopes.can_fulfill_intent(
        "OverviewIntent", {"sound": "crickets"}, "en-US"), None))
    assert answer == {"canFulfill": "NO", "slots": {"sound": {"canUnderstand": "NO", "canFulfill": "NO"}}}


#: The lead's free-words intents (issue 9), as the model declares them: a phrase in every sample.
FREE_WORDS = {"intents": {"SymptomReportIntent": {"report": name_free.SEARCH_QUERY},
                          "QuestionIntent": {"question": name_free.SEARCH_QUERY}},
              "required": {"SymptomReportIntent": ["report"], "QuestionIntent": ["question"]},
              "types": {}}


@pytest.mark.parametrize("intent, slot", [("SymptomReportIntent", "report"), ("QuestionIntent", "question")])
def test_free_words_intents_are_ours_whenever_their_phrase_has_words(intent, slot):
    said = name_free.answer(intent, {slot: (PHRASE, [])}, FREE_WORDS)
    assert said.verdict == "YES" and said.slots[slot] == name_free.SlotAnswer("YES", "YES")
    assert name_free.answer(intent, {slot: ("  ", [])}, FREE_WORDS).verdict == "MAYBE"
    assert name_free.answer(intent, {}, FREE_WORDS).verdict == "MAYBE"


def test_the_question_is_answered_without_any_session_user_or_context():
    event = envelopes.can_fulfill_intent("OverviewIntent", {}, "en-IN", user=False)
    del event["context"]
    assert assert_silent(lambda_handler(event, None)) == {"canFulfill": "YES"}


def test_a_failure_while_answering_is_a_silent_no(monkeypatch):
    monkeypatch.setattr(name_free, "answer", lambda *a, **k: 1 / 0)
    skill = probe_skill()
    from ask_sdk_core.serialize import DefaultSerializer
    from ask_sdk_model import RequestEnvelope
    envelope = DefaultSerializer().deserialize(
        json.dumps(envelopes.can_fulfill_intent("OverviewIntent")), RequestEnvelope)
    response = DefaultSerializer().serialize(skill.invoke(envelope, None))
    assert response["response"] == {"canFulfillIntent": {"canFulfill": "NO"}}


def test_the_intent_table_is_the_committed_models():
    """``make models`` writes it; the Lambda answers from it (it has no models)."""
    built = name_free_model.intent_table([model(locale) for locale in LOCALES])
    with open(name_free_model.INTENT_TABLE, encoding="utf-8") as f:
        assert f.read() == name_free_model.render_table(built), "run make models"
    assert set(name_free.table()["intents"]) == {i["name"] for i in model("en-US")["intents"]}


# ------------------------------------------------------------------ NFI toolkit phrases
def _ingress(locale):
    with open(nlu.model_path(locale), encoding="utf-8") as f:
        return json.load(f)["interactionModel"][name_free_model.KEY]["ingressPoints"]


@pytest.mark.parametrize("locale", LOCALES)
def test_nfi_phrases_keep_amazons_rules(locale):
    points = _ingress(locale)
    launch = [p for p in points if p["type"] == "LAUNCH"]
    assert len(launch) == 1 and "name" not in launch[0]
    assert 1 <= len(launch[0]["sampleUtterances"]) <= name_free_model.MAX_LAUNCH_PHRASES
    custom = {i["name"] for i in model(locale)["intents"] if not i["name"].startswith("AMAZON.")}
    seen = []
    for point in points:
        phrases = point["sampleUtterances"]
        assert all(u["format"] == "RAW_TEXT" and "{" not in u["value"] for u in phrases)
        seen += [u["value"] for u in phrases]
        if point["type"] == "INTENT":
            assert point["name"] in custom and point["name"] not in name_free.BY_NAME_ONLY
            assert 1 <= len(phrases) <= name_free_model.MAX_INTENT_PHRASES
    assert len(seen) == len(set(seen))


@pytest.mark.parametrize("locale", LOCALES)
def test_each_intent_phrase_is_understood_as_its_intent_and_launch_phrases_as_no_sample(locale):
    resolver = nlu.load(locale)
    samples = {s for i in model(locale)["intents"] for s in i["samples"]}
    for point in _ingress(locale):
        for utterance in point["sampleUtterances"]:
            if point["type"] == "INTENT":
                assert resolver.resolve(utterance["value"]).intent == point["name"], utterance
            else:
                assert utterance["value"] not in samples, utterance


@pytest.mark.parametrize("spec, problem", [
    ({"launch": ["a b", "c d", "e f", "g h", "i j", "k l"]}, "Amazon allows 5"),
    ({"launch": ["help"], "intents": {"OverviewIntent": ["what helps {symptom}"]}}, "without slots"),
    ({"launch": ["help"], "intents": {"NoSuchIntent": ["hello there"]}}, "no custom intent"),
    ({"launch": ["help"], "intents": {"AMAZON.HelpIntent": ["hello there"]}}, "no custom intent"),
    ({"launch": ["help"], "intents": {"OverviewIntent": ["help"]}}, "two ingress points"),
    ({"launch": []}, "no phrases"),
])
def test_the_builder_refuses_what_amazon_refuses(spec, problem):
    sources = build_models.load_sources()
    sources = [(n, {k: v for k, v in s.items() if k != "nameFree"}) for n, s in sources] + [("x.json", {"nameFree": spec})]
    with pytest.raises(ValueError, match=problem):
        build_models.build("en-US", sources)
