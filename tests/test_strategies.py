"""Each self-care answer says what current guidance says, in the locale's words."""
import re

import pytest

from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import LOCALES, text_of
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
        text = text_of(_answer("PainReliefIntent", locale))
        assert "ibuprofen" in text and PLAIN_PAINKILLER[locale] in text
        assert "pharmacist" in text and "label" in text
        other = {"acetaminophen", "paracetamol"} - {PLAIN_PAINKILLER[locale]}
        assert not any(name in text for name in other)
        assert not DOSE.search(text), text


@pytest.mark.parametrize("locale", LOCALES)
def test_no_line_anywhere_gives_a_dose(locale):
    content = load(locale)
    for key in content.lines:
        if isinstance(content.raw(key), (str, list)):
            for line in content.all_lines(key):
                assert not DOSE.search(line), (key, line)


def test_rest_means_keep_moving_not_bed_rest():
    text = text_of(_answer("RestIntent"))
    assert "keep moving" in text and "bed" in text and "slows recovery" in text


def test_heat_and_cold_carry_every_safety_rule():
    text = text_of(_answer("HeatColdIntent"))
    for rule in ("cloth", "medium", "fifteen to twenty minutes", "numb", "fall asleep", "heat then cold",
                 "best evidence"):
        assert rule in text, rule


def test_stretching_gives_the_stop_rule_and_waits_for_strengthening():
    text = text_of(_answer("ExerciseAdviceIntent"))
    assert "stop if the pain gets worse" in text and "settled" in text


def test_posture_promises_no_cure():
    text = text_of(_answer("PostureIntent"))
    assert "won't cure" in text and "pillow" in text and "bend your knees" in text


@pytest.mark.parametrize("locale", LOCALES)
def test_professional_help_says_when(locale):
    text = text_of(_answer("ProfessionalHelpIntent", locale))
    for sign in ("two weeks", "severe", "down a leg", "worse at night"):
        assert sign in text
    assert load(locale).vars["physio"] in text


def test_overview_covers_the_six_strategies_then_offers_one_choice():
    response = _answer("OverviewIntent")
    text = text_of(response)
    for idea in ("mov", "heat", "stretches", "anti-inflammatory", "posture", "see a doctor"):
        assert idea in text, idea
    assert text.endswith("I can explain heat, start a heat timer, or read you a stretch. Which would you like?")
    assert response["response"]["shouldEndSession"] is False


ANSWER_KEYS = ("overview.answer", "rest.answer", "heat_cold.answer", "exercise.answer",
               "pain_relief.answer", "posture.answer", "professional_help.answer")


@pytest.mark.parametrize("locale", LOCALES)
def test_each_answer_stays_within_one_breath(locale):
    """About 80 words is what a person in pain takes in by ear without losing the thread."""
    content = load(locale)
    for key in ANSWER_KEYS:
        for line in content.all_lines(key):
            assert len(line.split()) <= 80, (key, len(line.split()))
