"""Name-free questions: whether the skill can fulfil an intent Alexa heard without our name.

Alexa sends a ``CanFulfillIntentRequest`` before routing a name-free request
("Alexa, what helps a back spasm") to a skill; the answer is YES, NO or MAYBE
for the intent, and for each slot whether we understand it and can fulfil it.
Pure: no SDK, no I/O beyond reading the intent table once.

The answer is data. ``intent_table.json`` is generated from the interaction
models by ``make models`` (the Lambda bundle has no models): every intent, its
slots and their types, the slots every sample uses, and each custom type's
words. The small tables below say what the models cannot: which intents are
for inside a conversation only. So an intent added to the model is answered
the day it is built, with no change here.

Rules (Amazon: YES only when every slot is understood and the whole request
can be fulfilled; MAYBE when more data could make it work):
- Amazon's built-in intents and ``BY_NAME_ONLY`` intents: NO;
- an intent not in the model: NO;
- a slot with words: a custom type's value (or Alexa's entity resolution
  match), a free phrase (``AMAZON.SearchQuery``) with words, a duration,
  number or time Alexa filled: YES; anything else: NO, and the intent NO;
- a slot every sample needs, left empty: MAYBE (more words would do it),
  except where ``ANSWERS_EMPTY`` says the intent answers well without it;
- a red flag's words we cannot place still get YES: the skill answers any
  worrying words with every warning sign, emergency first, so a person who
  names a danger sign without our name still hears the emergency action;
- a free phrase (the symptom reports and questions behind a carrier) is YES
  only when triage reads a red flag or one of our topics in its words: "what
  is the capital of Peru" is not ours to claim.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from . import triage, understanding

YES, NO, MAYBE = "YES", "NO", "MAYBE"

TABLE_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "intent_table.json")

#: Intents for inside a conversation, or by name only: they control something already
#: running, or take something away. Said without our name, they belong to Alexa's own
#: timers and reminders, or to whatever the person is doing.
BY_NAME_ONLY = frozenset({
    "TimeLeftIntent", "CancelProgramIntent", "SlowerIntent", "WhichStretchIntent",
    "CancelReminderIntent",
})
#: Intents that answer well with their slot empty: a red flag Alexa heard but could not
#: fill still gets every warning sign, emergency first.
ANSWERS_EMPTY = frozenset({"RedFlagIntent"})
#: Slot types whose words we act on whatever they are (a placed red flag, or every warning sign).
ANY_WORDS_TYPES = frozenset({"RED_FLAG_SYMPTOM"})

SEARCH_QUERY = "AMAZON.SearchQuery"
_DURATION = re.compile(r"^P(?=\d|T\d)(?:\d+(?:\.\d+)?[YMWD])*(?:T(?:\d+(?:\.\d+)?[HMS])+)?$")
_TIME = re.compile(r"^(?:[01]\d|2[0-3]):[0-5]\d$|^(?:MO|AF|EV|NI)$")


@dataclass(frozen=True)
class SlotAnswer:
    understand: str  # YES | NO | MAYBE
    fulfil: str      # YES | NO


@dataclass
class Answer:
    verdict: str
    slots: dict = field(default_factory=dict)  # slot name -> SlotAnswer (only slots that had words)


@lru_cache(maxsize=1)
def table() -> dict:
    with open(TABLE_PATH, encoding="utf-8") as f:
        return json.load(f)


def _slot(slot_type: str, value: str, resolved: list, words_of: dict) -> SlotAnswer:
    """Whether we understand and can act on one filled slot."""
    if slot_type in words_of:  # a custom type: its words, or Alexa's entity resolution
        if resolved or value.lower() in words_of[slot_type]:
            return SlotAnswer(YES, YES)
        if slot_type in ANY_WORDS_TYPES:
            return SlotAnswer(MAYBE, YES)
        return SlotAnswer(NO, NO)
    if slot_type == SEARCH_QUERY:
        return SlotAnswer(YES, YES)
    if slot_type == "AMAZON.DURATION":
        return SlotAnswer(YES, YES) if _DURATION.match(value) else SlotAnswer(NO, NO)
    if slot_type == "AMAZON.NUMBER":
        return SlotAnswer(YES, YES) if value.isdigit() else SlotAnswer(NO, NO)
    if slot_type == "AMAZON.TIME":
        return SlotAnswer(YES, YES) if _TIME.match(value) else SlotAnswer(NO, NO)
    return SlotAnswer(MAYBE, NO)  # a built-in type we do not read: we cannot promise


def _free_words(intent: str, slots: dict, out: dict) -> str:
    """YES when the words name a red flag or a topic we answer; otherwise NO, for that slot too."""
    request_slots = {name: {"name": name, "value": value} for name, (value, _) in slots.items()}
    if understanding.red_flag(intent, request_slots) is not None:
        return YES
    topic, _ = triage.topic_of(" ".join(understanding.heard_words(intent, request_slots)))
    if topic is not None and not topic.startswith("AMAZON.") and topic not in BY_NAME_ONLY:
        return YES
    for name in out:
        out[name] = SlotAnswer(NO, NO)
    return NO


def answer(intent: str, slots: dict, intents_table: dict | None = None) -> Answer:
    """The CanFulfill answer for ``intent`` with ``slots`` (name -> (value, resolved ids))."""
    data = intents_table if intents_table is not None else table()
    declared = data["intents"].get(intent)
    if declared is None or intent.startswith("AMAZON.") or intent in BY_NAME_ONLY:
        return Answer(NO)
    out, verdict = {}, YES
    for name, (value, resolved) in slots.items():
        value = (value or "").strip()
        if not value:
            continue
        if name not in declared:  # a slot the model does not have: Alexa's mistake, not ours
            out[name] = SlotAnswer(NO, NO)
            verdict = NO
            continue
        out[name] = _slot(declared[name], value, resolved, data["types"])
        if out[name].understand == NO:
            verdict = NO
        elif out[name].fulfil == NO and verdict == YES:
            verdict = MAYBE
    if intent in understanding.FREE_WORDS and verdict == YES and out:
        verdict = _free_words(intent, slots, out)
    missing = [s for s in data["required"].get(intent, []) if s not in out]
    if missing and verdict == YES and intent not in ANSWERS_EMPTY:
        verdict = MAYBE
    return Answer(verdict, out)
