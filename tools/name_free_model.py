"""The name-free parts of the build: NFI toolkit phrases, and the intent table CanFulfill reads.

1. ``name_free_block(locale, sources, intents)``: the ``_nameFreeInteraction``
   container Amazon's NFI toolkit reads, beside ``languageModel`` in each
   locale's model, from the ``"nameFree"`` key of a source file::

       "nameFree": {"launch": ["phrase", ...],
                    "intents": {"IntentName": ["phrase", ...]},
                    "locales": {"en-GB": {"launch": [...], "intents": {...}}}}

   Amazon's rules (using-nfi-toolkit-smapi.html): a LAUNCH ingress point has no
   ``name``; an INTENT one names an intent of the model; every phrase is
   ``RAW_TEXT``, a complete phrase, with no slots; up to five launch phrases,
   and up to five per intent. The builder refuses anything else.

2. ``intent_table(models)``: what the skill needs at run time to answer
   Alexa's ``CanFulfillIntentRequest`` without the models (they are not in the
   Lambda bundle): each intent's slots and their types, which slots every
   sample uses, and each custom type's spoken words -> value id. Written to
   ``lambda/back_spasm_coach/intent_table.json`` by ``make models``.
"""
from __future__ import annotations

import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INTENT_TABLE = os.path.join(ROOT, "lambda", "back_spasm_coach", "intent_table.json")

KEY = "_nameFreeInteraction"
MAX_LAUNCH_PHRASES = 5
MAX_INTENT_PHRASES = 5
_PHRASE = re.compile(r"^[a-z0-9' .]+$")  # no slots, nothing Alexa's samples refuse


def _phrases(spec: dict, locale: str) -> tuple:
    """(launch phrases, {intent: phrases}) for one locale: the common ones, then its own."""
    own = spec.get("locales", {}).get(locale, {})
    launch = list(spec.get("launch", [])) + [p for p in own.get("launch", []) if p not in spec.get("launch", [])]
    intents = {name: list(phrases) for name, phrases in spec.get("intents", {}).items()}
    for name, phrases in own.get("intents", {}).items():
        intents.setdefault(name, []).extend(p for p in phrases if p not in intents[name])
    return launch, intents


def _check(where: str, phrases: list, most: int) -> None:
    if not phrases:
        raise ValueError("{}: no phrases".format(where))
    if len(phrases) > most:
        raise ValueError("{}: {} phrases, Amazon allows {}".format(where, len(phrases), most))
    for phrase in phrases:
        if not _PHRASE.match(phrase) or phrase != " ".join(phrase.split()):
            raise ValueError("{}: {!r} is not a plain phrase without slots".format(where, phrase))


def name_free_block(locale: str, sources, intents) -> dict | None:
    """The ``_nameFreeInteraction`` container for a locale, or None when no source has one."""
    specs = [(name, source["nameFree"]) for name, source in sources if "nameFree" in source]
    if not specs:
        return None
    if len(specs) > 1:
        raise ValueError("nameFree is in {}: keep it in one source file".format([n for n, _ in specs]))
    launch, by_intent = _phrases(specs[0][1], locale)
    _check("{} launch".format(locale), launch, MAX_LAUNCH_PHRASES)
    points = [{"type": "LAUNCH", "sampleUtterances": [{"format": "RAW_TEXT", "value": p} for p in launch]}]
    seen = set(launch)
    for intent, phrases in by_intent.items():
        if intent not in intents or intent.startswith("AMAZON."):
            raise ValueError("{}: nameFree names {}, which is no custom intent of the model".format(locale, intent))
        _check("{} {}".format(locale, intent), phrases, MAX_INTENT_PHRASES)
        twice = seen.intersection(phrases)
        if twice:
            raise ValueError("{}: {} used for two ingress points".format(locale, sorted(twice)))
        seen.update(phrases)
        points.append({"type": "INTENT", "name": intent,
                       "sampleUtterances": [{"format": "RAW_TEXT", "value": p} for p in phrases]})
    return {"ingressPoints": points}


def intent_table(models) -> dict:
    """The CanFulfill table, merged over every locale's language model (same intents everywhere)."""
    intents, required, types = {}, {}, {}
    for language in models:
        for intent in language["intents"]:
            slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
            intents.setdefault(intent["name"], {}).update(slots)
            samples = intent.get("samples", [])
            always = {s for s in slots if samples and all("{" + s + "}" in sample for sample in samples)}
            required[intent["name"]] = required.get(intent["name"], always) & always
        for type_spec in language.get("types", []):
            words = types.setdefault(type_spec["name"], {})
            for value in type_spec["values"]:
                for spoken in [value["name"]["value"]] + list(value["name"].get("synonyms", [])):
                    words.setdefault(spoken.lower(), value.get("id") or value["name"]["value"])
    return {"intents": {name: dict(sorted(slots.items())) for name, slots in sorted(intents.items())},
            "required": {name: sorted(slots) for name, slots in sorted(required.items()) if slots},
            "types": {name: dict(sorted(words.items())) for name, words in sorted(types.items())}}


def render_table(table: dict) -> str:
    return json.dumps(table, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_intent_table(models) -> str:
    with open(INTENT_TABLE, "w", encoding="utf-8") as f:
        f.write(render_table(intent_table(models)))
    return INTENT_TABLE
