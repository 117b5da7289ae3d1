"""What a person said, read from any request: the raw words of its slots, through triage.

Alexa resolves most of what people say to an intent and slot values of ours.
What it cannot place still arrives as words: a free phrase behind a carrier
(``AMAZON.SearchQuery``), or a custom-slot value that matched none of ours
(``ER_SUCCESS_NO_MATCH``). Those words are read here, so a symptom said in
any request, inside any intent, is heard; and a free question is answered as
the intent it is about.

Pure: it reads request models (or plain dicts) and knows nothing of handlers.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import safety, triage

@dataclass(frozen=True)
class FreeWords:
    """An intent whose one slot is a free phrase (``AMAZON.SearchQuery``) behind a carrier."""
    slot: str
    #: What the carrier phrase has already said: "numb {where}" arrives as
    #: where="down there", which means "numb down there".
    carried: str = ""
    #: The intent that answers it when triage finds no topic in the words
    #: ("no, not now" declines; "yeah go on" agrees). None: FreeWordsHandler answers.
    otherwise: str | None = None
    #: True when the person tells us something rather than asks.
    report: bool = False


QUESTION = "QuestionIntent"

FREE_WORDS = {
    "SymptomReportIntent": FreeWords("report", report=True),
    "NumbnessReportIntent": FreeWords("where", "numb", report=True),
    "DifficultyReportIntent": FreeWords("what", "can't", report=True),
    "FallReportIntent": FreeWords("how", "fell", report=True),
    "PainReportIntent": FreeWords("where", "pain", report=True),
    "BladderReportIntent": FreeWords("when", "wet myself", report=True),
    "FeverReportIntent": FreeWords("how", "fever", report=True),
    "WeaknessReportIntent": FreeWords("where", "weak legs", report=True),
    "LegsReportIntent": FreeWords("how", "legs", report=True),
    "ChestReportIntent": FreeWords("how", "chest", report=True),
    "SaddleReportIntent": FreeWords("how", "down there", report=True),
    "StopRequestIntent": FreeWords("what", "stop", otherwise="AMAZON.StopIntent"),
    "StartRequestIntent": FreeWords("what", "start"),
    "ReminderRequestIntent": FreeWords("what", "remind me"),
    "LossReportIntent": FreeWords("what", "lost", report=True),
    "ContinueRequestIntent": FreeWords("what", "continue"),
    "NegativeStatementIntent": FreeWords("rest", "not", otherwise="AMAZON.NoIntent"),
    "AffirmativeStatementIntent": FreeWords("rest", otherwise="AMAZON.YesIntent"),
    "QuestionIntent": FreeWords("question"),
}


def _attr(obj, name):
    return obj.get(name) if isinstance(obj, dict) else getattr(obj, name, None)


def _status(authority):
    code = _attr(_attr(authority, "status"), "code")
    return getattr(code, "value", code)


def _authorities(slot) -> list:
    resolutions = _attr(slot, "resolutions")
    found = _attr(resolutions, "resolutions_per_authority") or _attr(resolutions, "resolutionsPerAuthority")
    return found if isinstance(found, list) else []


def resolved_ids(slot) -> list:
    """The value ids entity resolution matched for a slot (SDK model or plain dict)."""
    ids = []
    for authority in _authorities(slot):
        if _status(authority) != "ER_SUCCESS_MATCH":
            continue
        for wrapper in _attr(authority, "values") or []:
            value_id = _attr(_attr(wrapper, "value"), "id")
            if isinstance(value_id, str) and value_id:
                ids.append(value_id)
    return ids


def _unresolved(slot) -> bool:
    """True when Alexa matched none of our values for this slot (or it has no values to match)."""
    return not any(_status(a) == "ER_SUCCESS_MATCH" for a in _authorities(slot))


def heard_words(intent_name, slots) -> list:
    """The words of every slot Alexa could not resolve to one of our values.

    A free-phrase intent's words come with what its carrier phrase said.
    ``slots`` is the request's slot mapping (SDK models or plain dicts).
    """
    free = FREE_WORDS.get(intent_name)
    free_slot, carried = (free.slot, free.carried) if free else (None, "")
    words = []
    for name, slot in (slots or {}).items():
        value = _attr(slot, "value")
        if not isinstance(value, str) or not (value.strip() or name == free_slot):
            continue
        if name == free_slot:
            words.append((carried + " " + value).strip())
        elif _unresolved(slot) and any(c.isalpha() for c in value):
            words.append(value)
    return words


def red_flag(intent_name, slots):
    """The most serious red flag in a request's slots: resolved symptom values and raw words alike."""
    symptoms = [i for slot in (slots or {}).values() for i in resolved_ids(slot) if safety.tier_of(i)]
    heard = heard_words(intent_name, slots)
    for words in heard:
        symptoms.extend(triage.signs_in(words))
    symptom = safety.most_serious(symptoms)
    flag = safety.RedFlag(symptom, safety.tier_of(symptom)) if symptom else None
    if flag is not None and intent_name == QUESTION and any(map(triage.asks_about_signs, heard)):
        # "What if my legs go numb?": every warning sign, emergency first, answers the question.
        return safety.RedFlag(safety.UNPLACED, safety.UNPLACED)
    if flag is None and (intent_name == safety.RED_FLAG_INTENT or any(map(triage.unplaced_worry, heard))):
        # Something worrying we could not place: every warning sign, emergency first.
        return safety.RedFlag(safety.UNPLACED, safety.UNPLACED)
    return flag


def topic(intent_name, slots) -> triage.Reading | None:
    """The intent that answers a free-phrase request (and its slot values), or None."""
    free = FREE_WORDS.get(intent_name)
    if free is None:
        return None
    name, values = triage.topic_of(" ".join(heard_words(intent_name, slots)))
    if name is None and free.otherwise:
        name = free.otherwise
    return triage.Reading(topic=name, slots=values) if name else None
