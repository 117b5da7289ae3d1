"""Red flags: the emergency action first, with the locale's number, at any point."""
import pytest

from back_spasm_coach import safety
from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import LOCALES, has_closing, speech_of, text_of
from tools import envelopes

NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}
EMERGENCY = sorted(s for s, tier in safety.TIERS.items() if tier == safety.EMERGENCY)
URGENT = sorted(s for s, tier in safety.TIERS.items() if tier == safety.URGENT)


def _red_flag(symptom_id, locale, session=None, spoken="something"):
    slot = envelopes.slot("symptom", spoken, symptom_id)
    return lambda_handler(envelopes.intent("RedFlagIntent", {"symptom": slot}, locale=locale,
                                           session=session), None)


def _first_sentence(response):
    return text_of(response).split(". ")[0]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("symptom", EMERGENCY)
def test_emergency_symptoms_lead_with_the_local_number(locale, symptom):
    response = _red_flag(symptom, locale)
    first = _first_sentence(response)
    assert first.startswith("Please call " + NUMBERS[locale]), first
    reason = load(locale).all_lines("red_flags.reason." + symptom)[0]
    assert speech_of(response).index(reason) > speech_of(response).index(NUMBERS[locale])
    assert "can't make calls" in text_of(response)
    assert response["response"]["shouldEndSession"] is True
    assert has_closing(speech_of(response), locale)


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("symptom", URGENT)
def test_urgent_symptoms_lead_with_same_day_care_and_name_the_number(locale, symptom):
    response = _red_flag(symptom, locale)
    assert _first_sentence(response).startswith("Please ")
    assert "today" in _first_sentence(response)
    assert NUMBERS[locale] in text_of(response)


@pytest.mark.parametrize("locale", LOCALES)
def test_a_red_flag_mid_conversation_still_comes_first(locale):
    session = envelopes.Session()
    session.absorb(lambda_handler(envelopes.launch(locale, session), None))
    session.absorb(lambda_handler(envelopes.intent("HeatColdIntent", locale=locale, session=session), None))
    response = _red_flag("bladder_bowel", locale, session=session)
    assert _first_sentence(response).startswith("Please call " + NUMBERS[locale])


def test_a_red_flag_inside_any_intent_is_caught():
    """The interceptor looks at every slot of every intent, not only RedFlagIntent's."""
    slot = envelopes.slot("anything", "numbness in my groin", "saddle_numbness")
    response = lambda_handler(envelopes.intent("HeatColdIntent", {"anything": slot}), None)
    assert _first_sentence(response).startswith("Please call 911")


def test_an_unplaced_worry_hears_every_warning_sign_emergency_first():
    slot = envelopes.slot("symptom", "a funny feeling")  # no entity-resolution match
    response = lambda_handler(envelopes.intent("RedFlagIntent", {"symptom": slot}), None)
    text = text_of(response)
    assert text.startswith("Call 911 straight away")
    assert text.index("911") < text.index("fever")
    assert response["response"]["shouldEndSession"] is True


def test_the_skill_never_claims_to_call_anyone():
    for locale in LOCALES:
        content = load(locale)
        for key in content.lines:
            for line in content.all_lines(key) if not isinstance(content.raw(key), (int, float)) else []:
                lowered = line.lower()
                assert "i'll call" not in lowered and "i will call" not in lowered
                assert "calling " not in lowered, key
