"""The tier table is written once, with its evidence, and every answer agrees with it.

``red_flag_tiers.json`` says how soon each red flag needs care. The red-flag
answers follow it (tests/test_safety.py); here, every other answer that names a
sign (professional help, the warning signs, help, the fallback line, the
escalation line) must give that sign the same tier, in every locale.
"""
import re

import pytest

from back_spasm_coach import safety, speech
from back_spasm_coach.content import load
from skill_io import LOCALES

NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}

#: The symptom ids the lead's triage module returns: they must stay.
KNOWN_IDS = {"saddle_numbness", "bladder_bowel", "both_legs", "sexual_dysfunction", "chest_pain",
             "fall_injury", "fever", "weight_loss", "night_pain", "lump_swelling", "one_leg"}

#: How the skill's answers name each sign (so a sentence naming it can be found).
SIGN_WORDS = {
    "saddle_numbness": ("numbness between your legs", "around your bottom", "genitals"),
    "bladder_bowel": ("trouble peeing", "controlling your bowels", "bladder"),
    "both_legs": ("both legs",),
    "sexual_dysfunction": ("sexual",),
    "chest_pain": ("chest pain",),
    "fall_injury": ("bad fall", "accident"),
    "fever": ("fever",),
    "weight_loss": ("weight loss",),
    "night_pain": ("worse at night",),
    "lump_swelling": ("lump",),
    "cough_sneeze": ("cough or sneeze",),
    "upper_back": ("shoulder blades",),
    "cancer_history": ("cancer",),
    "one_leg": ("one leg",),
    "worsening": ("getting worse",),
}

#: Answers that name signs and how soon to act on them.
ANSWERS = ("professional_help.answer", "professional_help.detail", "red_flags.warning_signs",
           "red_flags.warning_signs_detail", "red_flags.if_emergency", "red_flags.escalate",
           "conversation.help")


def _tier_said(clause: str, locale: str):
    """Which tier a clause sends the person to, by its words."""
    if NUMBERS[locale] in clause:
        return safety.EMERGENCY
    if "same day" in clause or "today" in clause:
        return safety.URGENT
    if "few days" in clause:
        return safety.SOON
    return None


def test_every_row_has_a_known_tier_and_a_source():
    rows = safety.table()
    assert KNOWN_IDS <= set(rows)
    for symptom, row in rows.items():
        assert row["tier"] in safety.TIER_ORDER, symptom
        assert row["sources"] and all(isinstance(s, str) and len(s) > 20 for s in row["sources"]), symptom


def test_the_api_the_triage_module_builds_on():
    assert safety.tier_of("saddle_numbness") == safety.EMERGENCY == "emergency"
    assert safety.tier_of("fever") == safety.URGENT == "urgent"
    assert safety.tier_of("one_leg") == safety.SOON
    assert safety.tier_of("no_such_sign") is None and safety.tier_of(None) is None
    assert safety.TIERS == {s: row["tier"] for s, row in safety.table().items()}
    assert safety.most_serious(["one_leg", "fever", "both_legs"]) == "both_legs"
    assert safety.most_serious(["one_leg", "fever"]) == "fever"
    assert safety.most_serious(["heat", "knee_to_chest"]) is None
    flag = safety.RedFlag("chest_pain", safety.tier_of("chest_pain"))
    assert (flag.symptom, flag.tier) == ("chest_pain", safety.EMERGENCY)


def test_pain_down_one_leg_is_see_a_doctor_soon():
    assert safety.tier_of("one_leg") == safety.SOON
    assert safety.tier_of("both_legs") == safety.EMERGENCY


def test_every_sign_has_the_words_the_answers_use():
    assert set(SIGN_WORDS) == set(safety.table()), "add the words for a new tier-table row here"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_answer_gives_each_sign_its_tier(locale):
    content = load(locale)
    named = set()
    for key in ANSWERS:
        for line in content.all_lines(key):
            for clause in re.split(r"[.;]\s", speech.to_text(line)):
                for symptom, words in SIGN_WORDS.items():
                    if any(word in clause for word in words):
                        named.add(symptom)
                        assert _tier_said(clause, locale) == safety.tier_of(symptom), (
                            "{}: {!r} names {} ({}) but says {}".format(
                                key, clause, symptom, safety.tier_of(symptom), _tier_said(clause, locale)))
    assert named == set(safety.table()), "signs no answer names: {}".format(set(safety.table()) - named)


@pytest.mark.parametrize("locale", LOCALES)
def test_professional_help_names_every_tier(locale):
    """The professional-help answer and the red-flag tiers say the same thing: routine, soon,
    same day, and (in its detail) the emergency."""
    content = load(locale)
    text = " ".join(speech.to_text(line) for key in ("professional_help.answer", "professional_help.detail")
                    for line in content.all_lines(key))
    said = {_tier_said(clause, locale) for clause in re.split(r"[.;]\s", text)}
    assert {safety.EMERGENCY, safety.URGENT, safety.SOON} <= said
    assert "two weeks" in text  # routine care
