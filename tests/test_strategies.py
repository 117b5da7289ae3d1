"""Each self-care answer says what current guidance says, in the locale's words."""
import re

import pytest

from back_spasm_coach import speech
from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import LOCALES, every_line, text_of
from tools import envelopes

PLAIN_PAINKILLER = {"en-US": "acetaminophen", "en-CA": "acetaminophen", "en-GB": "paracetamol",
                    "en-AU": "paracetamol", "en-IN": "paracetamol"}
DOSE = re.compile(r"\b\d+\s*(mg|milligrams?|ml|g)\b|\bmilligram|\btablets? (a|per|every)\b|"
                  r"\b(once|twice|three times|four times) (a|per) day\b|\bevery (four|six|eight|\d+) hours\b|"
                  r"\bdos(e|age)\b", re.I)


def _answer(intent, locale="en-US"):
    return lambda_handler(envelopes.intent(intent, locale=locale), None)


@pytest.mark.parametrize("locale", LOCALES)
def test_pain_relief_names_the_local_drug_and_never_a_dose(locale):
    for _ in range(3):
        text = text_of(_answer("PainReliefIntent", locale)).lower()
        assert "ibuprofen" in text and PLAIN_PAINKILLER[locale] in text
        assert "pharmacist" in text and "label" in text
        other = {"acetaminophen", "paracetamol"} - {PLAIN_PAINKILLER[locale]}
        assert not any(name in text for name in other)
        assert not DOSE.search(text), text


@pytest.mark.parametrize("locale", LOCALES)
def test_no_line_anywhere_gives_a_dose(locale):
    for key, line in every_line(load(locale)):
        assert not DOSE.search(line), (key, line)


def _detail(intent, locale="en-US"):
    """The answer, then "tell me more" in the same session."""
    session = envelopes.Session()
    session.absorb(lambda_handler(envelopes.intent(intent, locale=locale, session=session), None))
    return lambda_handler(envelopes.intent("AMAZON.MoreIntent", locale=locale, session=session), None)


def test_rest_means_keep_moving_not_bed_rest_and_answers_can_i_go_to_work():
    text = text_of(_answer("RestIntent"))
    assert "keep gently moving" in text and "bed rest slows recovery" in text
    # NHS: you don't need to be pain-free to go back to work ("can I go to work?" reaches RestIntent).
    assert "don't need to be pain-free to go back to work" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_one_move_every_interval_everywhere(locale):
    intervals = set()
    for key, line in every_line(load(locale)):
        intervals |= set(re.findall(r"every (half an hour|half hour|hour|\w+ minutes)", line))
    assert len(intervals) <= 1, intervals


def test_heat_says_what_the_evidence_says_with_every_safety_rule():
    text = text_of(_answer("HeatColdIntent"))
    for rule in ("cloth", "medium", "twenty minutes", "numb", "fall asleep", "moderate", "short-term"):
        assert rule in text, rule
    assert "best evidence" not in text
    more = text_of(_detail("HeatColdIntent"))
    assert "Cold" in more and "less evidence" in more and "no good evidence" in more  # alternating
    assert "straight on your skin" in more


@pytest.mark.parametrize("locale", LOCALES)
def test_no_line_makes_an_unsourced_promise(locale):
    for key, line in every_line(load(locale)):
        lowered = line.lower()
        for claim in ("best evidence", "won't do much", "any shorter", "proven", "cures"):
            assert claim not in lowered, (key, claim)


def test_muscle_relaxants_in_canada_are_not_said_to_need_a_prescription():
    """Some methocarbamol combinations are sold without a prescription in Canada (CPS monograph
    of Robaxacet; Robax Platinum); elsewhere they are prescription-only."""
    canada = text_of(_detail("PainReliefIntent", "en-CA"))
    assert "without a prescription" in canada and "need a prescription" not in canada
    assert "pharmacist" in canada and "drowsy" in canada
    for locale in ("en-US", "en-GB", "en-AU", "en-IN"):
        assert "need a prescription" in text_of(_detail("PainReliefIntent", locale))


def test_stretching_gives_the_stop_rule_and_waits_for_strengthening():
    text = text_of(_answer("ExerciseAdviceIntent"))
    assert "stop if the pain gets worse" in text and "settled" in text


def test_posture_promises_no_cure():
    text = text_of(_answer("PostureIntent"))
    assert "won't cure" in text and "pillow" in text and "Lift with your knees" in text
    assert "no good evidence" in text_of(_detail("PostureIntent"))  # special chairs and supports


@pytest.mark.parametrize("locale", LOCALES)
def test_professional_help_says_when(locale):
    text = text_of(_answer("ProfessionalHelpIntent", locale))
    for sign in ("two weeks", "getting worse", "down one leg", "few days", "fever", "worse at night",
                 "same day"):
        assert sign in text, sign
    assert speech.to_text(load(locale).vars["physio"]) in text
    more = text_of(_detail("ProfessionalHelpIntent", locale))
    assert "worried" in more and speech.to_text(load(locale).vars["emergency_number"]) in more


def test_overview_covers_the_six_strategies_then_offers_one_choice():
    response = _answer("OverviewIntent")
    text = text_of(response) + " " + text_of(_detail("OverviewIntent"))
    for idea in ("mov", "heat", "stretch", "anti-inflammatory", "posture", "warning signs"):
        assert idea in text, idea
    assert text_of(response).endswith(tuple(speech.to_text(q) for q in
                                            load("en-US").all_lines("offers.choose.question")))
    assert response["response"]["shouldEndSession"] is False
