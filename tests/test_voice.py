"""One breath, then an offer: how long the skill talks, in every locale, over every phrasing.

- the launch: at most 30 words; each main answer (the overview, each strategy,
  professional help): at most 50, its offer included; every reprompt: at most 20,
  its short closing included. Checked two ways: every combination of phrasings
  from content (the longest possible), and real responses through lambda_handler.
- detail comes on request: "tell me more" says the rest, then the same offer;
- the fallback (new session and mid-conversation), help and the error answer carry
  the emergency number: never the bare "I can't help with that";
- no number is ever read as a quantity: digits only ever appear inside <sub>.
"""
import ast
import functools
import itertools
import os
import random
import re

import pytest

from back_spasm_coach import speech
from back_spasm_coach.content import load
from back_spasm_coach.handlers.strategies import STRATEGIES
from lambda_function import lambda_handler
from skill_io import LOCALES, every_line, model, reprompt_of, slot_values, speech_of, text_of
from tools import envelopes

LAUNCH_WORDS, ANSWER_WORDS, REPROMPT_WORDS = 30, 50, 20
NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}
PACKAGE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lambda",
                       "back_spasm_coach")
#: Heat timer lengths an offer may name: every half minute from five to twenty minutes.
LENGTHS = [speech.spoken_duration(s) for s in range(300, 1201, 30)]

#: A main answer: the lines said in order, then its offer.
MAIN_ANSWERS = {intent: ([topic + ".answer"], offer) for intent, (topic, offer) in STRATEGIES.items()}
MAIN_ANSWERS["OverviewIntent"] = (["conversation.sympathy", "overview.answer"], "choose")


def words(ssml: str) -> int:
    return len(speech.to_text(ssml).split())


def longest(locale: str, key: str) -> int:
    """The most words any phrasing of a line can take (placeholders at their longest)."""
    content = load(locale)
    counts = [words(line) for line in content.all_lines(key)] if "{length}" not in str(content.raw(key)) \
        else [words(line) for length in LENGTHS for line in content.all_lines(key, length=length)]
    return max(counts)


def _sent(event):
    return lambda_handler(event, None)


# ------------------------------------------------------------------ the limits, from content

@pytest.mark.parametrize("locale", LOCALES)
def test_the_launch_fits_in_thirty_words_whatever_the_phrasing(locale):
    total = sum(longest(locale, key) for key in
                ("conversation.welcome", "conversation.sympathy", "conversation.menu"))
    assert total <= LAUNCH_WORDS, total


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("intent", sorted(MAIN_ANSWERS))
def test_each_main_answer_fits_in_fifty_words_with_its_offer(locale, intent):
    keys, offer = MAIN_ANSWERS[intent]
    total = sum(longest(locale, key) for key in keys) + longest(locale, "offers.{}.question".format(offer))
    assert total <= ANSWER_WORDS, (intent, total)


@functools.lru_cache(maxsize=None)
def reprompt_keys() -> frozenset:
    """Every line the code can use as a reprompt: the second key of each ``ask(question, reprompt)``
    call in the package, and every offer's reprompt."""
    keys = set()
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    tree = ast.parse(f.read())
                for node in ast.walk(tree):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr == "ask" and len(node.args) == 2
                            and all(isinstance(a, ast.Constant) for a in node.args)):
                        keys.add(node.args[1].value)
    keys |= {k for k in load("en-US").lines if k.startswith("offers.") and k.endswith(".reprompt")}
    return frozenset(keys)


def test_the_reprompt_scan_sees_the_reprompts():
    assert {"conversation.menu_reprompt", "routine.next_reprompt", "offers.heat_timer.reprompt"} <= reprompt_keys()


@pytest.mark.parametrize("locale", LOCALES)
def test_every_reprompt_with_its_short_closing_fits_in_twenty_words(locale):
    closing = longest(locale, "conversation.closing_on_silence")
    too_long = {key: longest(locale, key) + closing for key in sorted(reprompt_keys())
                if longest(locale, key) + closing > REPROMPT_WORDS}
    assert not too_long, too_long


# ------------------------------------------------------------------ the limits, as heard

@pytest.mark.parametrize("locale", LOCALES)
def test_what_is_heard_keeps_to_the_limits(locale):
    for seed in range(8):
        random.seed(seed)
        launch = _sent(envelopes.launch(locale))
        assert words(speech_of(launch)) <= LAUNCH_WORDS
        assert words(reprompt_of(launch)) <= REPROMPT_WORDS
        for intent in MAIN_ANSWERS:
            response = _sent(envelopes.intent(intent, locale=locale))
            assert words(speech_of(response)) <= ANSWER_WORDS, (intent, text_of(response))
            assert words(reprompt_of(response)) <= REPROMPT_WORDS, (intent, reprompt_of(response))


def _slots_for(intent: dict, locale: str) -> dict:
    values = slot_values(locale)
    out = {}
    for spec in intent.get("slots", []):
        spoken, value, resolved = values[spec["type"]]
        out[spec["name"]] = envelopes.slot(spec["name"], spoken if resolved else value, resolved,
                                           authority=spec["type"])
    return out


@pytest.mark.parametrize("locale", LOCALES)
def test_every_reprompt_heard_fits_in_twenty_words(locale):
    """Every intent, in a new session and after the launch, with and without its slots."""
    for intent in model(locale)["intents"]:
        for slots, mid in itertools.product(({}, _slots_for(intent, locale)), (False, True)):
            session = envelopes.Session()
            if mid:
                session.absorb(_sent(envelopes.launch(locale, session)))
            response = _sent(envelopes.intent(intent["name"], slots, locale=locale, session=session))
            reprompt = reprompt_of(response)
            assert not reprompt or words(reprompt) <= REPROMPT_WORDS, (intent["name"], speech.to_text(reprompt))


# ------------------------------------------------------------------ detail on request

@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("intent", sorted(MAIN_ANSWERS))
def test_tell_me_more_says_the_detail_then_the_same_offer(locale, intent):
    session = envelopes.Session()
    answer = _sent(envelopes.intent(intent, locale=locale, session=session))
    session.absorb(answer)
    offer = session.attributes["offer"]
    more = _sent(envelopes.intent("AMAZON.MoreIntent", locale=locale, session=session))
    session.absorb(more)
    detail = [line for line in load(locale).all_lines(MAIN_ANSWERS[intent][0][-1].replace(".answer", ".detail"))]
    assert any(line in speech_of(more) for line in detail)
    assert session.attributes["offer"] == offer  # the same offer again
    again = _sent(envelopes.intent("AMAZON.MoreIntent", locale=locale, session=session))
    assert any(line in speech_of(again) for line in load(locale).all_lines("conversation.no_more"))
    assert not any(line in speech_of(again) for line in detail)


@pytest.mark.parametrize("attributes", [{}, {"detail": "rest.detail"}, {"detail": {"key": "conversation.welcome",
                                                                                    "offer": "stretch"}},
                                        {"detail": {"key": "rest.detail", "offer": "no_such_offer"}}])
def test_tell_me_more_with_nothing_to_add_offers_the_menu(attributes):
    session = envelopes.Session(attributes=attributes, new=not attributes)
    response = _sent(envelopes.intent("AMAZON.MoreIntent", session=session))
    assert any(line in speech_of(response) for line in load("en-US").all_lines("conversation.no_more"))
    assert response["response"]["shouldEndSession"] is False


# ------------------------------------------------------------------ the emergency line is never missing

def _emergency_line_in(response, locale):
    text = text_of(response)
    assert NUMBERS[locale] in text and "call {} now".format(NUMBERS[locale]) in text, text
    assert "can't help with that" not in text


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("intent", ["AMAZON.FallbackIntent", "AMAZON.HelpIntent"])
@pytest.mark.parametrize("mid_conversation", [False, True])
def test_fallback_and_help_carry_the_emergency_number(locale, intent, mid_conversation):
    for seed in range(4):  # every phrasing
        random.seed(seed)
        session = envelopes.Session()
        if mid_conversation:
            session.absorb(_sent(envelopes.launch(locale, session)))
            session.absorb(_sent(envelopes.intent("HeatColdIntent", locale=locale, session=session)))
        response = _sent(envelopes.intent(intent, locale=locale, session=session))
        _emergency_line_in(response, locale)
        assert response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("locale", LOCALES)
def test_an_envelope_the_sdk_cannot_read_still_gets_the_emergency_line(locale):
    """An intent that cannot be read at all gets the fallback, which carries the emergency line.
    (A readable intent with an unreadable part is answered as itself: tests/test_forward_compat.py.)"""
    event = envelopes.intent("OverviewIntent", locale=locale)
    event["request"]["intent"] = "not an intent"  # the SDK cannot deserialize this
    _emergency_line_in(_sent(event), locale)


# ------------------------------------------------------------------ numbers said as people say them

_SPOKEN_FORMS = re.compile(r"<sub [^>]*>.*?</sub>|<say-as [^>]*>.*?</say-as>")


@pytest.mark.parametrize("locale", LOCALES)
def test_no_number_is_ever_read_as_a_quantity(locale):
    """Digits appear only inside <sub alias> (or <say-as>): "999" is "nine nine nine", never
    "nine hundred and ninety-nine"; en-AU says "triple zero"."""
    for key, ssml in every_line(load(locale)):
        bare = re.sub(r"<[^>]+>", " ", _SPOKEN_FORMS.sub("", ssml))  # words said as written
        assert not re.search(r"\d", bare), (key, ssml)


def test_each_locale_says_its_numbers_as_people_do():
    said = {locale: speech_of(_sent(envelopes.intent(
        "RedFlagIntent", {"symptom": envelopes.slot("symptom", "fever", "fever")}, locale=locale)))
        for locale in LOCALES}
    assert '<sub alias="triple zero">000</sub>' in said["en-AU"]
    assert '<sub alias="one eight hundred, oh two two, two two two">1800 022 222</sub>' in said["en-AU"]
    assert '<sub alias="one one one">111</sub>' in said["en-GB"]
    assert '<sub alias="nine nine nine">999</sub>' in said["en-GB"]
    assert '<sub alias="nine one one">911</sub>' in said["en-US"] and "nine one one" in said["en-CA"]
    assert '<sub alias="one one two">112</sub>' in said["en-IN"]
    emergency = speech_of(_sent(envelopes.intent(
        "RedFlagIntent", {"symptom": envelopes.slot("symptom", "legs", "both_legs")}, locale="en-IN")))
    assert '<sub alias="one zero eight">108</sub> for an ambulance' in emergency
