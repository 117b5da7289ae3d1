"""Red flags: symptoms that need a professional, and how soon, whatever else is going on.

How soon each symptom needs care is the tier table, ``red_flag_tiers.json``,
with the evidence for each row; it is read on first use (most requests name
no symptom). Which symptom a request mentions is read by ``understanding.py``
(resolved slot values, and free words through ``triage.py``); the handler in
``handlers/safety.py`` speaks.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import lru_cache

EMERGENCY = "emergency"   # call the emergency number now
URGENT = "urgent"         # care the same day
SOON = "soon"             # see a doctor within a few days; the conversation carries on
#: Most serious first.
TIER_ORDER = (EMERGENCY, URGENT, SOON)
#: A worrying symptom we could not place: the person hears every warning sign.
UNPLACED = "unplaced"

TABLE_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "red_flag_tiers.json")

RED_FLAG_INTENT = "RedFlagIntent"
SYMPTOM_SLOT_TYPE = "RED_FLAG_SYMPTOM"


@lru_cache(maxsize=None)
def table() -> dict:
    """symptom id -> its row of the tier table ({"tier": ..., "sources": [...]})."""
    with open(TABLE_FILE, encoding="utf-8") as f:
        rows = json.load(f)["symptoms"]
    for symptom, row in rows.items():
        if row.get("tier") not in TIER_ORDER or not row.get("sources"):
            raise ValueError("tier table row {!r} needs a known tier and a source".format(symptom))
    return rows


def tiers() -> dict:
    """symptom id -> tier."""
    return {symptom: row["tier"] for symptom, row in table().items()}


def tier_of(symptom) -> str | None:
    """How soon a symptom needs care (EMERGENCY, URGENT or SOON), or None for an unknown id."""
    row = table().get(symptom) if isinstance(symptom, str) else None
    return row["tier"] if row else None


def most_serious(symptoms) -> str | None:
    """The symptom of the highest tier among ids (unknown ids ignored); the first on a tie."""
    known = [s for s in symptoms if tier_of(s)]
    if not known:
        return None
    return min(known, key=lambda s: TIER_ORDER.index(tier_of(s)))


def __getattr__(name):
    # ``safety.TIERS`` (symptom id -> tier), read from the table on first use.
    if name == "TIERS":
        return tiers()
    raise AttributeError(name)


@dataclass(frozen=True)
class RedFlag:
    symptom: str  # an id of the tier table, or "unplaced" when none was understood
    tier: str
