"""Typed words to an intent and slots, against the committed interaction model.

A small, deterministic stand-in for Alexa's language understanding, for the
simulated speaker and its tests. It reads ``interaction-model/<locale>.json``
(the files Alexa gets, not the source they are built from).

Matching is sample matching, scored as bespoken's virtual-alexa scores it
(virtual-core ``Utterance``): every sample utterance is an anchored pattern
whose slots take words; a custom slot only takes one of its type's values or
synonyms; ``AMAZON.SearchQuery`` takes any words; of all the samples that
match, the one with the most literal characters wins, and on a tie the one
with more typed slots. Nothing matches -> ``AMAZON.FallbackIntent``.

``strict=True`` is virtual-alexa exactly: its few phrases for built-in intents,
its punctuation stripping and no other normalisation, ``AMAZON.DURATION`` as
any words. It is how an outside judge resolves a corpus against our models,
so the phrasebook tests gate on it.

The default adds what Alexa itself does and virtual-alexa does not:
- the input is transcribed as Alexa would hear it: lower case, numbers as
  words, no punctuation but apostrophes;
- Alexa knows many phrasings of its built-in intents (``BUILTIN_PHRASES``);
- ``AMAZON.DURATION`` and ``AMAZON.NUMBER`` slots take only spoken durations
  and numbers, and arrive as Alexa fills them ("PT15M", "2");
- custom slots are open, as on Alexa: when no sample matches, a sample whose
  custom slot is framed by at least two literal words takes any words there,
  with entity resolution ``ER_SUCCESS_NO_MATCH``.
Real Alexa generalises beyond its samples with a trained model; this does not,
so what it understands is a lower bound of what Alexa would.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache

from tools import envelopes, spoken_time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL_DIR = os.path.join(ROOT, "interaction-model")

FALLBACK = "AMAZON.FallbackIntent"

#: What people say for Amazon's built-in intents (Alexa knows these without samples).
BUILTIN_PHRASES = {
    "AMAZON.StopIntent": ["stop", "stop it", "stop please", "please stop", "off", "shut up",
                          "be quiet", "enough", "that's enough", "that's all", "goodbye", "bye"],
    "AMAZON.CancelIntent": ["cancel", "cancel that", "never mind", "nevermind", "forget it"],
    "AMAZON.HelpIntent": ["help", "help me", "help please", "what can i say", "what can you do",
                          "what can i ask", "how does this work", "i need help"],
    "AMAZON.YesIntent": ["yes", "yes please", "yeah", "yep", "yup", "sure", "ok", "okay",
                         "alright", "all right", "go ahead", "please do", "sounds good",
                         "of course", "yes i would", "i would", "do it"],
    "AMAZON.NoIntent": ["no", "no thanks", "no thank you", "nope", "nah", "not now",
                        "no i'm fine", "i'm fine", "i'm good", "no i wouldn't"],
    "AMAZON.RepeatIntent": ["repeat", "repeat that", "repeat please", "please repeat",
                            "say that again", "say it again", "can you say that again",
                            "what did you say", "pardon", "come again", "again", "one more time"],
    "AMAZON.NavigateHomeIntent": ["go home", "home", "main menu", "go to the main menu"],
    "AMAZON.PauseIntent": ["pause", "pause that", "hold on", "wait"],
    "AMAZON.ResumeIntent": ["resume", "continue", "carry on", "keep going", "go on"],
    "AMAZON.NextIntent": ["next", "next one", "skip", "skip it", "skip that"],
    "AMAZON.PreviousIntent": ["previous", "go back", "back", "the last one", "previous one"],
    "AMAZON.StartOverIntent": ["start over", "start again", "restart", "begin again",
                               "from the top", "start from the beginning"],
    "AMAZON.MoreIntent": ["more", "tell me more", "more please"],
}

# --- numbers ------------------------------------------------------------------

_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
         "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
         "seventeen", "eighteen", "nineteen"]
_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_SMALL = {word: n for n, word in enumerate(_ONES)}
_TENS_VALUE = {word: 20 + 10 * i for i, word in enumerate(_TENS)}

_UNIT_RE = "(?:one|two|three|four|five|six|seven|eight|nine)"
_BELOW_100_RE = "(?:(?:{tens})(?: {unit})?|{small})".format(
    tens="|".join(_TENS), unit=_UNIT_RE,
    small="|".join(sorted(_ONES, key=len, reverse=True)))
NUMBER_RE = "(?:(?:a|{unit}) hundred(?: (?:and )?{below})?|{below})".format(
    unit=_UNIT_RE, below=_BELOW_100_RE)


def number_words(n: int) -> str:
    """0..999 as the words people say ("twenty five")."""
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens - 2] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))


def parse_number(words: str) -> int | None:
    """The value of spoken number words ("one hundred and five" -> 105), or None."""
    total, current = 0, 0
    tokens = words.split()
    if not tokens:
        return None
    for token in tokens:
        if token in _SMALL:
            current += _SMALL[token]
        elif token in _TENS_VALUE:
            current += _TENS_VALUE[token]
        elif token == "hundred":
            current = (current or 1) * 100
        elif token in ("and", "a"):
            continue
        else:
            return None
    return total + current


# --- durations ----------------------------------------------------------------

_DURATION_UNITS = {"hour": 3600, "hours": 3600, "hr": 3600, "hrs": 3600,
                   "minute": 60, "minutes": 60, "min": 60, "mins": 60,
                   "second": 1, "seconds": 1, "sec": 1, "secs": 1}
_UNIT_WORD_RE = "(?:hours?|hrs?|minutes?|mins?|seconds?|secs?)"
_AMOUNT_RE = ("(?:{n} and a half|{n}|half an?|a half|a quarter of an?|a quarter|"
              "an? couple of|a few|an?)").format(n=NUMBER_RE)
_PART_RE = "{amount} {unit}(?: and a half)?".format(amount=_AMOUNT_RE, unit=_UNIT_WORD_RE)
DURATION_RE = "(?:{part}(?:(?: and)? {part})*)".format(part=_PART_RE)
_PART = re.compile(r"(?P<amount>.*?) ?(?P<unit>\b{})(?P<half> and a half)?$".format(_UNIT_WORD_RE))


def parse_duration(words: str) -> int | None:
    """Seconds in a spoken duration ("an hour and a half" -> 5400), or None."""
    parts = re.findall("{amount} {unit}(?: and a half)?".format(
        amount="(?:" + _AMOUNT_RE + ")", unit=_UNIT_WORD_RE), words)
    if not parts or not re.fullmatch(DURATION_RE, words):
        return None
    total = 0.0
    for part in parts:
        match = _PART.match(part)
        amount_words, unit = match.group("amount"), _DURATION_UNITS[match.group("unit")]
        if amount_words in ("a", "an"):
            amount = 1.0
        elif amount_words.startswith("half"):
            amount = 0.5
        elif amount_words.startswith("a quarter"):
            amount = 0.25
        elif amount_words.endswith("couple of"):
            amount = 2.0
        elif amount_words == "a few":
            amount = 3.0
        else:
            half = amount_words.endswith(" and a half")
            number = parse_number(amount_words[:-len(" and a half")] if half else amount_words)
            if number is None:
                return None
            amount = number + (0.5 if half else 0)
        if match.group("half"):
            amount += 0.5
        total += amount * unit
    return int(round(total))


def iso_duration(seconds: int) -> str:
    """ISO-8601 as Alexa fills AMAZON.DURATION: 900 -> "PT15M", 5400 -> "PT1H30M"."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT" + ("{}H".format(hours) if hours else "") + ("{}M".format(minutes) if minutes else "")
    if secs or text == "PT":
        text += "{}S".format(secs)
    return text


# --- normalising ---------------------------------------------------------------

_DECIMAL_HALF = re.compile(r"\b(\d+)\.5\b")
_DIGITS = re.compile(r"\b\d+\b")


def normalise(text: str) -> str:
    """Lower case, apostrophes kept, other punctuation gone, numbers as words."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    text = _DECIMAL_HALF.sub(lambda m: m.group(1) + " and a half", text)
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    text = re.sub(r"(?<![a-z])'|'(?![a-z])", " ", text)  # quotes, not apostrophes
    text = _DIGITS.sub(lambda m: number_words(int(m.group())) if int(m.group()) < 1000
                       else m.group(), text)
    return re.sub(r"\s+", " ", text).strip()


# --- the model -----------------------------------------------------------------

#: virtual-alexa's phrases for the built-in intents (model/BuiltinUtterances.ts), added
#: to a declared built-in intent's own samples in strict mode.
STRICT_BUILTIN_PHRASES = {
    "AMAZON.CancelIntent": ["cancel", "never mind"], "AMAZON.HelpIntent": ["help", "help me"],
    "AMAZON.MoreIntent": ["more"], "AMAZON.NavigateHomeIntent": ["home", "go home"],
    "AMAZON.NextIntent": ["next", "skip", "skip forward"], "AMAZON.NoIntent": ["no", "no thanks"],
    "AMAZON.PauseIntent": ["pause", "pause that"],
    "AMAZON.PreviousIntent": ["go back", "previous", "skip back", "back up"],
    "AMAZON.RepeatIntent": ["repeat", "say that again", "repeat that"],
    "AMAZON.ResumeIntent": ["resume", "continue", "keep going"],
    "AMAZON.StartOverIntent": ["start over", "restart", "start again"],
    "AMAZON.StopIntent": ["stop", "off", "shut up"], "AMAZON.YesIntent": ["yes", "yes please", "sure"],
}
#: What virtual-core strips from an utterance before matching (SamplePhraseTest).
_STRICT_STRIP = re.compile(r"[!\"\u00bf?|#$%/()=+\-_<>*{}\u00b7\u00a1\[\].,;:]")
SEARCH_QUERY = "AMAZON.SearchQuery"


@dataclass
class Resolution:
    """What Alexa understood: an intent and its slots (slot name -> request slot dict)."""
    intent: str | None
    slots: dict = field(default_factory=dict)
    sample: str | None = None  # the sample utterance that matched, for debugging

    def values(self) -> dict:
        """Slot name -> (resolved id or spoken value), for filled slots."""
        out = {}
        for name, slot in self.slots.items():
            if "value" not in slot:
                continue
            ids = [v["value"]["id"]
                   for authority in slot.get("resolutions", {}).get("resolutionsPerAuthority", [])
                   if authority["status"]["code"] == "ER_SUCCESS_MATCH"
                   for v in authority.get("values", [])]
            out[name] = ids[0] if ids else slot["value"]
        return out


@dataclass
class _Sample:
    intent: str
    text: str
    regex: re.Pattern
    slots: list  # [(slot name, slot type)] in order
    pieces: list = field(default_factory=list)  # lower-case literal words, and (slot name, slot type)

    @property
    def first_word(self) -> str:
        """The first literal word, lower case; "" when the sample starts with a slot."""
        literal = self.text.split("{", 1)[0].strip().lower()
        return literal.split()[0] if literal else ""


@dataclass
class _Match:
    sample: _Sample
    slots: dict  # slot name -> request slot dict
    score: int
    typed: int


class Model:
    """One locale's interaction model, ready to resolve utterances."""

    def __init__(self, model: dict):
        language = model["interactionModel"]["languageModel"]
        self.invocation_name = normalise(language["invocationName"])
        self.intents = {i["name"]: i for i in language["intents"]}
        self.types = {}  # type name -> {lower-case phrase: (id, canonical name)}
        for type_spec in language.get("types", []):
            phrases = {}
            for value in type_spec["values"]:
                name = value["name"]["value"]
                for phrase in [name] + list(value["name"].get("synonyms", [])):
                    phrases.setdefault(phrase.strip().lower(), (value.get("id") or name, name))
            self.types[type_spec["name"]] = phrases
        # strict? -> first literal word -> samples, in model order (the order breaks ties).
        self._samples = {False: {}, True: {}}
        for intent in language["intents"]:
            slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
            for strict, extra in ((False, BUILTIN_PHRASES), (True, STRICT_BUILTIN_PHRASES)):
                for text in list(intent.get("samples", [])) + list(extra.get(intent["name"], [])):
                    sample = self._compile(intent["name"], text, slot_types)
                    self._samples[strict].setdefault(sample.first_word, []).append(sample)

    @staticmethod
    def _compile(intent: str, text: str, slot_types: dict) -> _Sample:
        """virtual-core's phraseToRegex: each {slot} becomes (.*), the spaces around it trimmed."""
        regex, slots, rest = "", [], text
        while "{" in rest:
            start, end = rest.index("{"), rest.index("}")
            name = rest[start + 1:end]
            slots.append((name, slot_types.get(name, SEARCH_QUERY)))
            regex += re.escape(rest[:start].strip()) + "(.*)"
            rest = rest[end + 1:].strip()
        regex += re.escape(rest)
        pieces = [(p[1:-1], slot_types.get(p[1:-1], SEARCH_QUERY)) if p.startswith("{") else p.lower()
                  for p in re.findall(r"\{[^}]+\}|[^\s{}]+", text)]
        return _Sample(intent, text, re.compile("^" + regex + "$", re.IGNORECASE), slots, pieces)

    # -- slots --

    def _custom(self, slot_name: str, slot_type: str, words: str, open_slots: bool) -> dict | None:
        found = self.types[slot_type].get(words.strip().lower())
        if found is not None:
            return envelopes.slot(slot_name, words.strip(), found[0], found[1], authority=slot_type)
        if open_slots and words.strip():
            return envelopes.slot(slot_name, words.strip(), None, authority=slot_type)
        return None

    def _slot(self, slot_name: str, slot_type: str, words: str, strict: bool, open_slots: bool):
        """(request slot dict, typed?) for the words a slot took, or None when the type refuses them."""
        if slot_type in self.types:
            slot = self._custom(slot_name, slot_type, words, open_slots)
            return None if slot is None else (slot, True)
        if slot_type == "AMAZON.NUMBER":
            value = words.strip()
            if strict:  # virtual-alexa: digits, or the words one to twenty, sent as said
                known = re.fullmatch(r"[0-9]*", value) or value.lower() in _ONES[1:] + ["twenty"]
                return (_plain_slot(slot_name, value), True) if known else None
            number = parse_number(value)
            return None if number is None else (_plain_slot(slot_name, str(number)), True)
        if slot_type == "AMAZON.DURATION" and not strict:
            seconds = parse_duration(words.strip())
            return None if seconds is None else (_plain_slot(slot_name, iso_duration(seconds)), True)
        if slot_type == "AMAZON.TIME" and not strict:  # "nine thirty pm" -> "21:30", as Alexa fills it
            value = spoken_time.alexa_time(words.strip())
            return None if value is None else (_plain_slot(slot_name, value), True)
        if slot_type == SEARCH_QUERY and not strict and not words.strip():
            return None  # Alexa never sends an empty phrase slot
        return _plain_slot(slot_name, words.strip()), False

    # -- matching --

    def _try(self, sample: _Sample, text: str, strict: bool, open_slots: bool) -> _Match | None:
        if not strict:  # (the regex is a quick superset: words in place, any slot any length)
            return self._try_words(sample, text.split(), open_slots) if sample.regex.match(text) else None
        match = sample.regex.match(text)
        if match is None:
            return None
        slots, typed, slot_chars = self._empty_slots(sample.intent), 0, 0
        for (slot_name, slot_type), words in zip(sample.slots, match.groups()):
            # virtual-core: a slot that is not the whole input is set off by a space.
            if words != text and words.strip() and not (words.startswith(" ") or words.endswith(" ")):
                return None
            taken = self._slot(slot_name, slot_type, words, strict, open_slots)
            if taken is None:
                return None
            slots[slot_name], is_typed = taken
            typed += is_typed
            # Scored as virtual-core does: a typed value counts trimmed, free words as taken.
            slot_chars += len(words.strip()) if is_typed else len(words)
        return _Match(sample, slots, len(match.group(0)) - slot_chars, typed)

    def _try_words(self, sample: _Sample, words: list, open_slots: bool) -> _Match | None:
        """As Alexa matches a sample: literal words in place, each slot taking the words its type
        accepts, however many (two slots side by side are split wherever both accept their part)."""
        def match(piece: int, word: int):
            if piece == len(sample.pieces):
                return [] if word == len(words) else None
            current = sample.pieces[piece]
            if isinstance(current, str):
                if word < len(words) and words[word] == current:
                    return match(piece + 1, word + 1)
                return None
            slot_name, slot_type = current
            for end in range(len(words), word, -1):  # the longest phrase first, as a greedy (.*)
                taken = self._slot(slot_name, slot_type, " ".join(words[word:end]), False, open_slots)
                if taken is None:
                    continue
                rest = match(piece + 1, end)
                if rest is not None:
                    return [(slot_name, taken, " ".join(words[word:end]))] + rest
            return None

        found = match(0, 0)
        if found is None:
            return None
        slots, typed, slot_chars = self._empty_slots(sample.intent), 0, 0
        for slot_name, (slot, is_typed), phrase in found:
            slots[slot_name] = slot
            typed += is_typed
            slot_chars += len(phrase) + (0 if is_typed else 1)  # free words count their space, as in virtual-core
        return _Match(sample, slots, len(" ".join(words)) - slot_chars, typed)

    def _best(self, text: str, strict: bool, open_slots: bool) -> _Match | None:
        best = None
        words = text.split()
        index = self._samples[strict]
        candidates = index.get(words[0].lower(), []) + index.get("", []) if words else index.get("", [])
        for sample in candidates:
            found = self._try(sample, text, strict, open_slots)
            if found is None:
                continue
            if best is None or found.score > best.score or \
                    (found.score == best.score and found.typed > best.typed):
                best = found
        return best

    def _empty_slots(self, intent_name: str) -> dict:
        return {s["name"]: {"name": s["name"], "confirmationStatus": "NONE"}
                for s in self.intents.get(intent_name, {}).get("slots", [])}

    def resolve(self, utterance: str, strict: bool = False) -> Resolution:
        text = _STRICT_STRIP.sub("", utterance) if strict else normalise(utterance)
        best = self._best(text, strict, open_slots=False)
        if best is None and not strict:
            best = self._best(text, strict, open_slots=True)
            literal = re.sub(r"\{[^}]+\}", " ", best.sample.text).split() if best is not None else []
            if best is not None and best.sample.slots and len(literal) < 2:
                best = None  # a slot with a word or none around it never takes just any words
        if best is not None:
            return Resolution(best.sample.intent, best.slots, best.sample.text)
        if FALLBACK in self.intents:
            return Resolution(FALLBACK, {})
        return Resolution(None, {})


def is_catch_all(intent: str | None) -> bool:
    """The fallback, or a free-phrase intent (AMAZON.SearchQuery behind a carrier): a net,
    not a specific match."""
    if intent in (None, FALLBACK):
        return True
    from back_spasm_coach.understanding import FREE_WORDS
    return intent in FREE_WORDS


def normalise_sample(sample: str) -> str:
    """A sample utterance normalised like input, its {slot} references kept."""
    return " ".join(piece if piece.startswith("{") else normalise(piece)
                    for piece in re.split(r"(\{[^}]+\})", sample) if piece.strip())


def _plain_slot(name: str, value: str) -> dict:
    """A built-in type's slot: a value, and no entity resolution (as Alexa sends it)."""
    return {"name": name, "value": value, "confirmationStatus": "NONE"}


def model_path(locale: str) -> str:
    return os.path.join(MODEL_DIR, locale + ".json")


@lru_cache(maxsize=None)
def load(locale: str = "en-US") -> Model:
    """The committed interaction model of a locale."""
    with open(model_path(locale), encoding="utf-8") as f:
        return Model(json.load(f))


def resolve(utterance: str, locale: str = "en-US") -> Resolution:
    return load(locale).resolve(utterance)


# --- invocation ------------------------------------------------------------------

#: How a person starts a skill by name ("Alexa, ask ... to ...", "open ...").
_LAUNCH_VERBS = "open|launch|start|begin|load|run|use|play"
_ASK_VERBS = "ask|tell"
_CONNECTORS = "to|about|for|if|whether|that"


@dataclass
class Invocation:
    """How an utterance reaches the skill.

    ``kind`` is "launch" (open the skill: a LaunchRequest), "one_shot" (start
    the skill with ``utterance`` as its first request), or "plain" (no
    invocation: only an open session receives it).
    """
    kind: str
    utterance: str = ""
    #: the words with the connector kept ("if i should rest"), tried second
    unstripped: str = ""


def invocation(text: str, invocation_name: str) -> Invocation:
    """Split a wake word and an invocation from what a person said."""
    words = normalise(text)
    words = re.sub(r"^(?:hey |ok |okay )?alexa\b ?", "", words)
    name = re.escape(normalise(invocation_name))
    if re.fullmatch("(?:(?:{}|{}) )?{}".format(_ASK_VERBS, _LAUNCH_VERBS, name), words) \
            and words != normalise(invocation_name):
        return Invocation("launch")
    match = re.fullmatch(r"(?:{}) {} (?P<full>(?:(?:{}) )?(?P<rest>.+))".format(
        _ASK_VERBS, name, _CONNECTORS), words) \
        or re.fullmatch(r"(?:{}) {}(?: and| to)? (?P<rest>.+)".format(_LAUNCH_VERBS, name), words) \
        or re.fullmatch(r"(?P<rest>.+?) (?:using|with|on|from) {}".format(name), words)
    if match:
        groups = match.groupdict()
        return Invocation("one_shot", groups["rest"], groups.get("full") or groups["rest"])
    return Invocation("plain", words)
