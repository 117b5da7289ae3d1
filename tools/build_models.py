"""Build interaction-model/<locale>.json from the one source in interaction-model/source/.

Each source file holds some intents and slot types; their samples may use
alternation groups, ``(a|b|)``, expanded here, so a person can read and edit
the phrasings compactly. Run ``python -m tools.build_models`` after editing a
source file; a test checks the committed models match the source.

A source file may also hold ``"locales": {"en-GB": {"IntentName": [samples]}}``
for phrasings only one locale uses.
"""
from __future__ import annotations

import itertools
import json
import os
import re
import sys

from tools import name_free_model

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "interaction-model")
SOURCE_DIR = os.path.join(MODEL_DIR, "source")
LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")

_GROUP = re.compile(r"\(([^()]*)\)")
_ALLOWED = re.compile(r"^[a-z0-9' .{}_]+$")


def expand(pattern: str) -> list:
    """Every sentence an alternation pattern stands for, in order."""
    pieces = _GROUP.split(pattern)
    literals, groups = pieces[0::2], [g.split("|") for g in pieces[1::2]]
    out = []
    for choice in itertools.product(*groups):
        text = literals[0]
        for option, literal in zip(choice, literals[1:]):
            text += option + literal
        text = re.sub(r"\s+", " ", text).strip()
        if text and text not in out:
            out.append(text)
    return out


def load_sources(source_dir: str = SOURCE_DIR) -> list:
    sources = []
    for name in sorted(os.listdir(source_dir)):
        if name.endswith(".json"):
            with open(os.path.join(source_dir, name), encoding="utf-8") as f:
                sources.append((name, json.load(f)))
    return sources


def build(locale: str, sources=None) -> dict:
    """The ASK CLI interaction model for one locale."""
    sources = sources if sources is not None else load_sources()
    invocation, intents, types, owner = None, {}, {}, {}
    for name, source in sources:
        invocation = source.get("invocationName", invocation)
        for intent, spec in source.get("intents", {}).items():
            if intent in intents:
                raise ValueError("{} defines {} again".format(name, intent))
            samples = []
            patterns = spec.get("samples", []) + \
                source.get("locales", {}).get(locale, {}).get(intent, [])
            for pattern in patterns:
                samples.extend(s for s in expand(pattern) if s not in samples)
            for sample in samples:
                if not _ALLOWED.match(sample):
                    raise ValueError("{}: bad characters in {!r}".format(intent, sample))
                if sample in owner and owner[sample] != intent:
                    raise ValueError("{!r} is in both {} and {}".format(
                        sample, owner[sample], intent))
                owner[sample] = intent
            entry = {"name": intent}
            if spec.get("slots"):
                entry["slots"] = spec["slots"]
            entry["samples"] = samples
            intents[intent] = entry
        for type_name, values in source.get("types", {}).items():
            types[type_name] = {
                "name": type_name,
                "values": [{"id": value_id, "name": {"value": words[0], "synonyms": words[1:]}}
                           for value_id, words in values.items()],
            }
    if invocation is None:
        raise ValueError("no source sets invocationName")
    model = {"interactionModel": {"languageModel": {
        "invocationName": invocation,
        "intents": list(intents.values()),
        "types": list(types.values()),
    }}}
    name_free = name_free_model.name_free_block(locale, sources, intents)  # NFI toolkit phrases
    if name_free is not None:
        model["interactionModel"][name_free_model.KEY] = name_free
    return model


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    sources = load_sources()
    models = []
    for locale in LOCALES:
        path = os.path.join(MODEL_DIR, locale + ".json")
        models.append(build(locale, sources))
        with open(path, "w", encoding="utf-8") as f:
            f.write(render(models[-1]))
        print("wrote", os.path.relpath(path, ROOT))
    # What CanFulfillIntentRequest answers from at run time (the Lambda has no models).
    path = name_free_model.write_intent_table([m["interactionModel"]["languageModel"] for m in models])
    print("wrote", os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
