"""Typed words to an intent and slots, against the committed interaction model.

A small, deterministic stand-in for Alexa's language understanding, for the
simulated speaker and its tests. It reads ``interaction-model/<locale>.json``
(the files Alexa gets, not the source they are built from) and resolves an
utterance in this order:

1. an exact match of a sample utterance without slots;
2. a phrase Alexa recognises for a built-in ``AMAZON.*`` intent the model
   declares (built-ins have no samples in the model; ``BUILTIN_PHRASES``);
3. the sample utterances with slots, as anchored patterns, the ones with more
   literal words first: custom slot types match their values and synonyms
   (closed: nothing else), ``AMAZON.DURATION`` spoken durations (ISO-8601
   value), ``AMAZON.NUMBER`` numbers (digits value), other types any words;
4. ``AMAZON.FallbackIntent`` when the model has it, else no intent.

Input is normalised as Alexa's transcription would be: lower case, no
punctuation but apostrophes, numbers as words ("15" and "fifteen" are one).
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
class _Pattern:
    intent: str
    sample: str
    regex: re.Pattern
    slot_types: dict  # group name -> (slot name, slot type)
    literal_words: int


class Model:
    """One locale's interaction model, ready to resolve utterances."""

    def __init__(self, model: dict):
        language = model["interactionModel"]["languageModel"]
        self.invocation_name = normalise(language["invocationName"])
        self.intents = {i["name"]: i for i in language["intents"]}
        self.types = {}  # type name -> [(normalised phrase, id, canonical name)], longest first
        for type_spec in language.get("types", []):
            phrases = []
            for value in type_spec["values"]:
                name = value["name"]["value"]
                for phrase in [name] + list(value["name"].get("synonyms", [])):
                    phrases.append((normalise(phrase), value.get("id") or name, name))
            phrases.sort(key=lambda p: -len(p[0]))
            self.types[type_spec["name"]] = phrases
        self.exact = {}
        self.patterns = []
        for order, intent in enumerate(language["intents"]):
            for sample in intent.get("samples", []):
                if "{" in sample:
                    self.patterns.append(self._compile(intent, sample))
                else:
                    self.exact.setdefault(normalise(sample), intent["name"])
        for name, phrases in BUILTIN_PHRASES.items():
            if name in self.intents:
                for phrase in phrases:
                    self.exact.setdefault(normalise(phrase), name)
        # More literal words first; Python's sort is stable, so ties keep model order.
        self.patterns.sort(key=lambda p: -p.literal_words)

    def _type_regex(self, slot_type: str) -> str:
        if slot_type in self.types:
            return "(?:" + "|".join(re.escape(p) for p, _, _ in self.types[slot_type]) + ")"
        if slot_type == "AMAZON.DURATION":
            return DURATION_RE
        if slot_type == "AMAZON.NUMBER":
            return NUMBER_RE
        return ".+?"

    def _compile(self, intent: dict, sample: str) -> _Pattern:
        slot_types = {s["name"]: s["type"] for s in intent.get("slots", [])}
        regex, groups, literal_words = "", {}, 0
        for piece in re.split(r"(\{[^}]+\})", normalise_sample(sample)):
            if piece.startswith("{"):
                slot_name = piece[1:-1]
                group = "s{}".format(len(groups))
                groups[group] = (slot_name, slot_types.get(slot_name, "AMAZON.SearchQuery"))
                regex += "(?P<{}>{})".format(group, self._type_regex(groups[group][1]))
            else:
                literal_words += len(piece.split())
                regex += re.escape(piece)
        return _Pattern(intent["name"], sample, re.compile(regex), groups, literal_words)

    def _slot(self, slot_name: str, slot_type: str, words: str) -> dict | None:
        if slot_type in self.types:
            for phrase, value_id, canonical in self.types[slot_type]:
                if phrase == words:
                    return envelopes.slot(slot_name, words, value_id, canonical,
                                          authority=slot_type)
            return None
        if slot_type == "AMAZON.DURATION":
            seconds = parse_duration(words)
            return None if seconds is None else _plain_slot(slot_name, iso_duration(seconds))
        if slot_type == "AMAZON.NUMBER":
            number = parse_number(words)
            return None if number is None else _plain_slot(slot_name, str(number))
        if slot_type == "AMAZON.TIME":  # "nine thirty pm" -> "21:30", as Alexa fills it
            value = spoken_time.alexa_time(words)
            return None if value is None else _plain_slot(slot_name, value)
        return _plain_slot(slot_name, words)

    def _empty_slots(self, intent_name: str) -> dict:
        return {s["name"]: {"name": s["name"], "confirmationStatus": "NONE"}
                for s in self.intents.get(intent_name, {}).get("slots", [])}

    def resolve(self, utterance: str) -> Resolution:
        words = normalise(utterance)
        if words in self.exact:
            name = self.exact[words]
            return Resolution(name, self._empty_slots(name), words)
        for pattern in self.patterns:
            match = pattern.regex.fullmatch(words)
            if not match:
                continue
            slots = self._empty_slots(pattern.intent)
            for group, (slot_name, slot_type) in pattern.slot_types.items():
                slot = self._slot(slot_name, slot_type, match.group(group))
                if slot is None:
                    break
                slots[slot_name] = slot
            else:
                return Resolution(pattern.intent, slots, pattern.sample)
        if FALLBACK in self.intents:
            return Resolution(FALLBACK, {})
        return Resolution(None, {})


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
