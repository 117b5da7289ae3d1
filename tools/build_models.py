"""Build interaction-model/<locale>.json from the one source in interaction-model/source/.

Each source file holds some intents and slot types. Samples, and slot values
and synonyms, are written compactly and expanded here:

- ``(a|b|)`` is an alternation: "a", "b" or nothing;
- ``<name>`` is a named phrase from any source file's ``"phrases"`` block (itself
  an alternation, possibly using other names), so a family of phrasings ("a back
  spasm", "my lower back" ...) is written once and used everywhere.

Run ``make models`` after editing a source file; a test checks the committed
models match the source. The builder refuses a sample that belongs to two
intents, and a spoken value that belongs to two slot types used in the same
place, so Alexa is never handed an ambiguous model.

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

#: Amazon's interaction-model limits (docs/understanding.md has the sources), and our own budget:
#: two thirds of the 1.5 MB a model may take, so a locale can grow without a surprise at deploy time.
MAX_INTENTS, MAX_INTENTS_AND_TYPES, MAX_VALUE_CHARS = 250, 350, 140
MODEL_BUDGET_BYTES = 1_000_000

_NAME = re.compile(r"<([a-z_]+)>")
_ALLOWED = re.compile(r"^[a-z' .{}_]+$")  # numbers are written in words, as Alexa expects


def _with_phrases(pattern: str, phrases: dict, seen=()) -> str:
    """``pattern`` with every ``<name>`` replaced by its alternation group."""
    def replace(match):
        name = match.group(1)
        if name not in phrases:
            raise ValueError("no phrase named <{}> (in {!r})".format(name, pattern))
        if name in seen:
            raise ValueError("phrase <{}> refers to itself".format(name))
        return "(" + "|".join(_with_phrases(p, phrases, seen + (name,)) for p in phrases[name]) + ")"
    return _NAME.sub(replace, pattern)


def _alternatives(pattern: str, start: int = 0, inside: bool = False):
    """(list of texts, index after) for pattern[start:], up to the ")" closing a group."""
    options, current, i = [], [""], start
    while i < len(pattern):
        char = pattern[i]
        if char == "(":
            group, i = _alternatives(pattern, i + 1, inside=True)
            current = [text + option for text in current for option in group]
            continue
        if char == "|" and inside:
            options.extend(current)
            current, i = [""], i + 1
            continue
        if char == ")" and inside:
            return options + current, i + 1
        current = [text + char for text in current]
        i += 1
    if inside:
        raise ValueError("unclosed ( in {!r}".format(pattern))
    return options + current, i


def expand(pattern: str, phrases: dict | None = None) -> list:
    """Every sentence a pattern stands for, in order: ``(a|b|)`` groups (which may nest)
    and ``<name>`` phrases expanded, spaces tidied, duplicates dropped."""
    if phrases is not None:
        pattern = _with_phrases(pattern, phrases)
    if pattern.count("(") != pattern.count(")"):
        raise ValueError("unbalanced brackets in {!r}".format(pattern))
    out = []
    for text in _alternatives(pattern)[0]:
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


def _phrases(sources) -> dict:
    phrases = {}
    for name, source in sources:
        for key, options in source.get("phrases", {}).items():
            if key in phrases:
                raise ValueError("{} names the phrase <{}> again".format(name, key))
            phrases[key] = options
    return phrases


def build(locale: str, sources=None) -> dict:
    """The ASK CLI interaction model for one locale."""
    sources = sources if sources is not None else load_sources()
    phrases = _phrases(sources)
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
                samples.extend(s for s in expand(pattern, phrases) if s not in samples)
            declared = {slot["name"] for slot in spec.get("slots", [])}
            for sample in samples:
                if not _ALLOWED.match(sample) or re.search(r"(^| )'|'( |$)", sample):
                    raise ValueError("{}: bad characters in {!r}".format(intent, sample))
                if sample in owner and owner[sample] != intent:
                    raise ValueError("{!r} is in both {} and {}".format(
                        sample, owner[sample], intent))
                undeclared = set(re.findall(r"\{([^}]+)\}", sample)) - declared
                if undeclared:
                    raise ValueError("{}: {!r} uses undeclared slots {}".format(intent, sample, undeclared))
                owner[sample] = intent
            entry = {"name": intent}
            if spec.get("slots"):
                entry["slots"] = spec["slots"]
            entry["samples"] = samples
            intents[intent] = entry
        for type_name, values in source.get("types", {}).items():
            if type_name in types:
                raise ValueError("{} defines the type {} again".format(name, type_name))
            entries, value_of = [], {}
            for value_id, patterns in values.items():
                words = []
                for pattern in patterns:
                    words.extend(w for w in expand(pattern, phrases) if w not in words)
                for word in words:
                    if value_of.setdefault(word, value_id) != value_id:
                        raise ValueError("{}: {!r} is a synonym of both {} and {}".format(
                            type_name, word, value_of[word], value_id))
                entries.append({"id": value_id, "name": {"value": words[0], "synonyms": words[1:]}})
            types[type_name] = {"name": type_name, "values": entries}
    if invocation is None:
        raise ValueError("no source sets invocationName")
    for intent in intents.values():
        for slot in intent.get("slots", []):
            if not slot["type"].startswith("AMAZON.") and slot["type"] not in types:
                raise ValueError("{} slot {} has an undefined type {}".format(intent["name"], slot["name"], slot["type"]))
    _refuse_ambiguity(intents, types)
    _refuse_bare_phrase_slots(intents)
    _refuse_over_limits(intents, types)
    model = {"interactionModel": {"languageModel": {
        "invocationName": invocation,
        "intents": list(intents.values()),
        "types": list(types.values()),
    }}}
    name_free = name_free_model.name_free_block(locale, sources, intents)  # NFI toolkit phrases
    if name_free is not None:
        model["interactionModel"][name_free_model.KEY] = name_free
    return model


def size_of(model: dict) -> int:
    """A model's size as sent to Amazon, without layout whitespace (UTF-8 bytes)."""
    return len(json.dumps(model, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def _refuse_over_limits(intents: dict, types: dict) -> None:
    if len(intents) > MAX_INTENTS or len(intents) + len(types) > MAX_INTENTS_AND_TYPES:
        raise ValueError("{} intents and {} slot types: over Amazon's limits".format(len(intents), len(types)))
    for type_spec in types.values():
        for word in _spoken(type_spec):
            if len(word) > MAX_VALUE_CHARS:
                raise ValueError("{}: {!r} is longer than {} characters".format(type_spec["name"], word,
                                                                             MAX_VALUE_CHARS))
    size = size_of({"intents": list(intents.values()), "types": list(types.values())})
    if size > MODEL_BUDGET_BYTES:
        raise ValueError("the model takes {:,} bytes, over our budget of {:,} (Amazon's limit is 1.5 MB): "
                         "prefer a slot synonym or a carrier phrase to more samples".format(size, MODEL_BUDGET_BYTES))


def _refuse_bare_phrase_slots(intents: dict) -> None:
    """Amazon's rules for a phrase slot (``AMAZON.SearchQuery``): a carrier phrase
    in every sample (build error ``MissingCarrierPhraseWithPhraseSlot``), one such
    slot per intent, and no other slot beside it in a sample."""
    for intent in intents.values():
        phrase_slots = {s["name"] for s in intent.get("slots", []) if s["type"] == "AMAZON.SearchQuery"}
        if len(phrase_slots) > 1:
            raise ValueError("{} has {} AMAZON.SearchQuery slots; Amazon allows one".format(
                intent["name"], len(phrase_slots)))
        for sample in intent["samples"] if phrase_slots else ():
            slots = re.findall(r"\{([^}]+)\}", sample)
            if not phrase_slots & set(slots):
                continue
            if len(slots) > 1:
                raise ValueError("{!r} ({}): an AMAZON.SearchQuery slot cannot share a sample with "
                                 "another slot".format(sample, intent["name"]))
            if not re.sub(r"\{[^}]+\}", "", sample).strip():
                raise ValueError("{!r} ({}) needs a carrier phrase: Amazon refuses a phrase slot "
                                 "on its own".format(sample, intent["name"]))


def _spoken(type_spec: dict) -> set:
    return {w for v in type_spec["values"] for w in [v["name"]["value"]] + v["name"]["synonyms"]}


_NUMBERISH = re.compile(r"\b(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
                        r"half|quarter|minutes?|hours?|seconds?|o'clock|am|pm|noon|midnight)\b")
_MEASURES = ("AMAZON.DURATION", "AMAZON.NUMBER", "AMAZON.TIME", "AMAZON.DATE")


def _may_share(type_a: str, type_b: str, spoken: dict) -> bool:
    """Could the same words fill a slot of ``type_a`` and one of ``type_b``?"""
    if type_a in spoken and type_b in spoken:
        return bool(spoken[type_a] & spoken[type_b])
    custom = spoken.get(type_a) or spoken.get(type_b)
    if custom is not None and (type_a in _MEASURES or type_b in _MEASURES):
        return any(_NUMBERISH.search(words) for words in custom)  # a time or number said in words
    return True


def _refuse_ambiguity(intents: dict, types: dict) -> None:
    """Refuse two intents whose samples read the same once slots are filled.

    Samples of two intents with the same words around their slots ("should i
    {activity}" and "should i {sport}") are ambiguous when, slot by slot, the
    same words could fill both: a built-in slot fills anything of its kind, a
    custom slot only its values. A free phrase (``AMAZON.SearchQuery``) is the
    exception by design: it is the net under the typed samples, and triage
    reads its words to the same answer the typed sample gives.
    """
    spoken = {name: _spoken(spec) for name, spec in types.items()}
    shapes = {}
    for intent in intents.values():
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for sample in intent["samples"]:
            slots = re.findall(r"\{([^}]+)\}", sample)
            if not slots:
                continue
            shape = re.sub(r"\{[^}]+\}", "{}", sample)
            shapes.setdefault(shape, []).append((intent["name"], [slot_types[s] for s in slots], sample))
    for shape, uses in shapes.items():
        for i, (intent_a, types_a, sample_a) in enumerate(uses):
            for intent_b, types_b, sample_b in uses[i + 1:]:
                if intent_a == intent_b:
                    continue
                if "AMAZON.SearchQuery" in types_a + types_b:
                    continue
                if all(_may_share(a, b, spoken) for a, b in zip(types_a, types_b)):
                    shared = [sorted(spoken[a] & spoken[b])[:5] for a, b in zip(types_a, types_b)
                              if a in spoken and b in spoken]
                    raise ValueError("{!r} ({}) and {!r} ({}) can be the same words: {}".format(
                        sample_a, intent_a, sample_b, intent_b, shared))


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    sources = load_sources()
    models = {locale: build(locale, sources) for locale in LOCALES}  # all or nothing
    for locale, model in models.items():
        path = os.path.join(MODEL_DIR, locale + ".json")
        text = render(model)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print("wrote {} ({:,} bytes as sent, {:,} samples)".format(
            os.path.relpath(path, ROOT), size_of(model),
            sum(len(i.get("samples", [])) for i in model["interactionModel"]["languageModel"]["intents"])))
    # What CanFulfillIntentRequest answers from at run time (the Lambda has no models).
    path = name_free_model.write_intent_table([m["interactionModel"]["languageModel"] for m in models.values()])
    print("wrote", os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
