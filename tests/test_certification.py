"""Amazon's certification rules, checked on the manifest and the interaction models."""
import json
import re

import pytest
from ask_sdk_model_runtime.serializer import DefaultSerializer
from ask_smapi_model.v1.skill.manifest.interface_type import InterfaceType
from ask_smapi_model.v1.skill.manifest.permission_name import PermissionName

from skill_io import LOCALES, manifest, model
from tools import build_models

REQUIRED_BUILT_INS = {"AMAZON.HelpIntent", "AMAZON.StopIntent", "AMAZON.CancelIntent",
                      "AMAZON.FallbackIntent", "AMAZON.NavigateHomeIntent"}
LAUNCH_WORDS = {"launch", "ask", "tell", "load", "begin", "open", "start", "play", "resume", "run", "use"}
FORBIDDEN_WORDS = {"alexa", "amazon", "echo", "computer", "skill", "app"}
EMERGENCY_NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}


def _publishing(locale):
    return manifest()["manifest"]["publishingInformation"]["locales"][locale]


#: Interfaces SMAPI's schema knows (InterfaceType) but ask-smapi-model 1.36.0 has no class for,
#: so its deserializer cannot read them; they are checked against the enum instead.
CLASSLESS_INTERFACES = {"CAN_FULFILL_INTENT_REQUEST"}


def test_manifest_loads_as_a_smapi_manifest():
    document = manifest()
    interfaces = document["manifest"]["apis"]["custom"]["interfaces"]
    known = {t.value for t in InterfaceType}
    assert {i["type"] for i in interfaces} <= known
    assert {"type": "CAN_FULFILL_INTENT_REQUEST"} in interfaces  # name-free questions (handlers/name_free.py)
    document["manifest"]["apis"]["custom"]["interfaces"] = [
        i for i in interfaces if i["type"] not in CLASSLESS_INTERFACES]
    envelope = DefaultSerializer().deserialize(
        json.dumps(document), "ask_smapi_model.v1.skill.manifest.skill_manifest_envelope.SkillManifestEnvelope")
    skill = envelope.manifest
    assert set(skill.publishing_information.locales) == set(LOCALES)
    privacy = skill.privacy_and_compliance
    assert (privacy.uses_personal_info, privacy.is_child_directed, privacy.contains_ads,
            privacy.allows_purchases, privacy.uses_health_info) == (False, False, False, False, False)
    names = [getattr(p.name, "value", p.name) for p in skill.permissions]
    assert PermissionName.alexa_alerts_timers_skill_readwrite.value in names
    assert PermissionName.alexa_alerts_reminders_skill_readwrite.value in names
    assert skill.apis.custom.endpoint.uri


@pytest.mark.parametrize("locale", LOCALES)
def test_invocation_name_follows_the_rules(locale):
    name = model(locale)["invocationName"]
    words = name.split()
    assert name == "back spasm coach"
    assert re.fullmatch(r"[a-z][a-z .']{1,49}", name)
    assert len(words) >= 2
    assert not set(words) & (LAUNCH_WORDS | FORBIDDEN_WORDS)
    assert not re.search(r"\d", name)


@pytest.mark.parametrize("locale", LOCALES)
def test_required_built_in_intents_are_present(locale):
    names = {intent["name"] for intent in model(locale)["intents"]}
    assert REQUIRED_BUILT_INS <= names


@pytest.mark.parametrize("locale", LOCALES)
def test_every_custom_intent_has_twenty_varied_samples(locale):
    for intent in model(locale)["intents"]:
        if not intent["name"].startswith("AMAZON."):
            assert len(set(intent["samples"])) >= 20, intent["name"]


@pytest.mark.parametrize("locale", LOCALES)
def test_no_sample_utterance_belongs_to_two_intents(locale):
    owner = {}
    for intent in model(locale)["intents"]:
        for sample in intent["samples"]:
            normal = " ".join(sample.lower().split())
            assert owner.setdefault(normal, intent["name"]) == intent["name"], \
                "{!r} in {} and {}".format(sample, owner[normal], intent["name"])


def _matches_a_sample(utterance, locale):
    types = {t["name"]: t for t in model(locale).get("types", [])}
    for intent in model(locale)["intents"]:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            pattern = re.escape(sample)
            for slot_name, slot_type in slot_types.items():
                spoken = [v["name"]["value"] for v in types[slot_type]["values"]] if slot_type in types else []
                choices = "|".join(re.escape(v) for v in spoken) or ".+"
                pattern = pattern.replace(re.escape("{" + slot_name + "}"), "(?:" + choices + ")")
            if re.fullmatch(pattern, utterance):
                return True
    return False


@pytest.mark.parametrize("locale", LOCALES)
def test_example_phrases_come_from_the_sample_utterances(locale):
    phrases = _publishing(locale)["examplePhrases"]
    assert 1 <= len(phrases) <= 3
    invocation = model(locale)["invocationName"]
    assert phrases[0].lower() in ("alexa, open " + invocation, "alexa, launch " + invocation)
    for phrase in phrases[1:]:
        match = re.fullmatch(r"alexa, (?:ask|tell) {} (?:to |about |for |if |whether )?(.+)".format(
            re.escape(invocation)), phrase.lower())
        assert match, phrase
        assert _matches_a_sample(match.group(1).rstrip("?.!"), locale), phrase


@pytest.mark.parametrize("locale", LOCALES)
def test_every_description_carries_the_disclaimer(locale):
    description = _publishing(locale)["description"]
    assert "does not provide medical advice" in description
    assert "not a substitute for professional medical advice" in description
    assert "emergency" in description and EMERGENCY_NUMBERS[locale] in description
    assert len(description) <= 4000 and len(_publishing(locale)["summary"]) <= 160


@pytest.mark.parametrize("locale", LOCALES)
def test_committed_models_match_their_source(locale):
    built = build_models.render(build_models.build(locale))
    with open("{}/interaction-model/{}.json".format(build_models.ROOT, locale), encoding="utf-8") as f:
        assert f.read() == built, "run `make models` and commit interaction-model/"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_model_stays_within_amazons_limits_and_our_budget(locale):
    language_model = model(locale)
    assert len(language_model["intents"]) <= build_models.MAX_INTENTS
    assert len(language_model["intents"]) + len(language_model.get("types", [])) <= build_models.MAX_INTENTS_AND_TYPES
    for slot_type in language_model.get("types", []):
        for value in slot_type["values"]:
            for word in [value["name"]["value"]] + value["name"].get("synonyms", []):
                assert len(word) <= build_models.MAX_VALUE_CHARS, word
    assert build_models.size_of({"interactionModel": {"languageModel": language_model}}) \
        <= build_models.MODEL_BUDGET_BYTES


def test_the_builder_refuses_a_model_over_its_budget(monkeypatch):
    monkeypatch.setattr(build_models, "MODEL_BUDGET_BYTES", 1000)
    with pytest.raises(ValueError, match="budget"):
        build_models.build("en-US")


@pytest.mark.parametrize("locale", LOCALES)
def test_every_free_phrase_sample_follows_amazons_phrase_slot_rules(locale):
    """A carrier phrase beside every AMAZON.SearchQuery slot, one such slot per intent, alone in its sample."""
    for intent in model(locale)["intents"]:
        phrase_slots = {s["name"] for s in intent.get("slots", []) if s["type"] == "AMAZON.SearchQuery"}
        assert len(phrase_slots) <= 1, intent["name"]
        for sample in intent.get("samples", []):
            slots = set(re.findall(r"\{([^}]+)\}", sample))
            if phrase_slots & slots:
                assert slots == phrase_slots, sample
                assert re.sub(r"\{[^}]+\}", "", sample).strip(), sample


@pytest.mark.parametrize("bad_sample, complaint", [
    ("{question}", "carrier phrase"),
    ("what about {question} for {minutes}", "share a sample"),
])
def test_the_builder_refuses_a_phrase_slot_amazon_would_refuse(bad_sample, complaint):
    sources = build_models.load_sources()
    question = next(s["intents"]["QuestionIntent"] for _, s in sources if "QuestionIntent" in s.get("intents", {}))
    question["samples"] = list(question["samples"]) + [bad_sample]
    if "{minutes}" in bad_sample:
        question["slots"] = list(question["slots"]) + [{"name": "minutes", "type": "AMAZON.DURATION"}]
    with pytest.raises(ValueError, match=complaint):
        build_models.build("en-US", sources)
