"""Red flags: the emergency action first, with the locale's number, at any point."""
import pytest

from back_spasm_coach import safety, speech
from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import LOCALES, every_line, has_closing, speech_of, text_of
from tools import envelopes

NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}
#: How each number is said (never as a quantity): the SSML carries it in a <sub alias>.
SAID = {"en-US": "nine one one", "en-CA": "nine one one", "en-GB": "nine nine nine",
        "en-AU": "triple zero", "en-IN": "one one two"}
EMERGENCY = sorted(s for s, tier in safety.TIERS.items() if tier == safety.EMERGENCY)
URGENT = sorted(s for s, tier in safety.TIERS.items() if tier == safety.URGENT)
SOON = sorted(s for s, tier in safety.TIERS.items() if tier == safety.SOON)


def routine_care_words(locale):
    """Words that point to routine care: none may follow "call 999 now" in an emergency."""
    local = load(locale).vars
    return {speech.to_text(local["doctor"]), speech.to_text(local["physio"]), "doctor", "GP", "physio",
            "pharmacist", "isn't easing", "few weeks", "tips", "medical advice", "check your back"}


def _after_the_number(response, locale):
    text = text_of(response)
    return text[text.index(NUMBERS[locale]) + len(NUMBERS[locale]):]


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
@pytest.mark.parametrize("symptom", EMERGENCY)
@pytest.mark.parametrize("mid_conversation", [False, True])
def test_every_emergency_answer_ends_on_the_emergency(locale, symptom, mid_conversation):
    """The number in the first sentence, said as people say it; no routine care after it;
    the closing is the one made for an emergency, which repeats the number."""
    session = None
    if mid_conversation:
        session = envelopes.Session()
        session.absorb(lambda_handler(envelopes.launch(locale, session), None))
    for _ in range(3):  # every phrasing of the closing
        response = _red_flag(symptom, locale, session=session)
        assert NUMBERS[locale] in _first_sentence(response)
        assert '<sub alias="{}">{}</sub>'.format(SAID[locale], NUMBERS[locale]) in speech_of(response)
        after = _after_the_number(response, locale)
        assert not [w for w in routine_care_words(locale) if w in after], after
        assert text_of(response).endswith(tuple(speech.to_text(line) for line in
                                                load(locale).all_lines("conversation.closing_emergency")))


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("symptom", URGENT)
def test_urgent_answers_name_the_emergency_signs_and_do_not_drift_to_routine_care(locale, symptom):
    for _ in range(3):
        response = _red_flag(symptom, locale)
        assert "today" in _first_sentence(response)
        escalate = speech.to_text(load(locale).all_lines("red_flags.escalate")[0])
        assert escalate in text_of(response)
        after = _after_the_number(response, locale)
        assert not [w for w in routine_care_words(locale) if w in after], after
        assert response["response"]["shouldEndSession"] is True


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("symptom", SOON)
def test_pain_down_one_leg_is_see_a_doctor_soon_and_the_conversation_carries_on(locale, symptom):
    response = _red_flag(symptom, locale)
    first = _first_sentence(response)
    assert "next few days" in first and "today" not in first and NUMBERS[locale] not in first
    assert NUMBERS[locale] in text_of(response)  # the emergency signs, named
    assert response["response"]["shouldEndSession"] is False
    assert response["response"]["reprompt"]


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
    assert text.startswith("Call 911 now")
    assert text.index("911") < text.index("fever")
    assert response["response"]["shouldEndSession"] is True
    assert "sexual" in text  # new sexual problems are an emergency sign too
    assert not [w for w in ("pharmacist", "physical therapist", "few weeks", "tips") if w in text]


def test_the_skill_never_claims_to_call_anyone():
    for locale in LOCALES:
        for key, line in every_line(load(locale)):
            lowered = line.lower()
            assert "i'll call" not in lowered and "i will call" not in lowered
            assert "calling " not in lowered, key
