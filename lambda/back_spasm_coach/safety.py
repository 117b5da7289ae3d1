"""Red flags: symptoms that need a professional now, whatever else is going on.

Pure logic over the request envelope; the interceptor in ``interceptors.py``
runs it on every request and the handler in ``handlers/safety.py`` speaks.
"""
from __future__ import annotations

from dataclasses import dataclass

from .slots import resolved_ids

EMERGENCY = "emergency"
URGENT = "urgent"
#: A worrying symptom we could not place: the person hears every warning sign.
UNPLACED = "unplaced"

#: Slot-value ids of the RED_FLAG_SYMPTOM type, and how soon each needs care
#: (tiers from NHS, Mayo Clinic and the cauda equina cards; see care-evidence.md).
TIERS = {
    "saddle_numbness": EMERGENCY,
    "bladder_bowel": EMERGENCY,
    "both_legs": EMERGENCY,
    "sexual_dysfunction": EMERGENCY,
    "chest_pain": EMERGENCY,
    "fall_injury": EMERGENCY,
    "fever": URGENT,
    "weight_loss": URGENT,
    "night_pain": URGENT,
    "lump_swelling": URGENT,
    "one_leg": URGENT,
    "worsening": URGENT,
}

RED_FLAG_INTENT = "RedFlagIntent"
SYMPTOM_SLOT_TYPE = "RED_FLAG_SYMPTOM"


@dataclass(frozen=True)
class RedFlag:
    symptom: str  # an id of TIERS, or "unplaced" when none was understood
    tier: str


def _most_serious(ids: list) -> str | None:
    known = [i for i in ids if i in TIERS]
    for symptom in known:
        if TIERS[symptom] == EMERGENCY:
            return symptom
    return known[0] if known else None


def most_serious(symptoms) -> RedFlag | None:
    """The most serious of some symptom ids (emergency first), as a RedFlag; None for none."""
    symptom = _most_serious(list(symptoms))
    return RedFlag(symptom, TIERS[symptom]) if symptom else None


def find_red_flag(request) -> RedFlag | None:
    """The red flag an IntentRequest mentions, if any.

    Any slot of any intent whose value resolves to a red-flag symptom counts,
    so a symptom is never missed because it arrived inside another intent.
    """
    intent = getattr(request, "intent", None)
    if intent is None:
        return None
    ids = []
    for slot in (intent.slots or {}).values():
        ids.extend(resolved_ids(slot))
    symptom = _most_serious(ids)
    if symptom:
        return RedFlag(symptom, TIERS[symptom])
    if intent.name == RED_FLAG_INTENT:
        # Something worrying we could not place: list every sign, emergency first.
        return RedFlag(UNPLACED, UNPLACED)
    return None
