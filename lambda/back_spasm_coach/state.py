"""Stored state is input too: every record the skill keeps is read back through one schema.

Session attributes come back with every request, and persistent attributes come
back from SQLite or DynamoDB; either may hold what no code of ours wrote (a
value from an older release, a NaN, a string where a number was, an unknown
key). Each record has one schema here: its keys, their types, their ranges.
Whatever does not fit is dropped and logged, and the conversation goes on
without it. Only ints are stored as numbers, so every number read back is
finite and within its range.

Session attributes are cleaned by ``SessionStateInterceptor`` before any
handler runs; persistent attributes by ``persistence.CheckedAdapter`` on every
read and write. A new stored attribute needs a line in ``SESSION`` or
``PERSISTENT`` below, or it is dropped (the log says so).

This module is light on purpose (no flow is imported): it runs on every request.
"""
from __future__ import annotations

import logging
import re

from ask_sdk_core.dispatch_components import AbstractRequestInterceptor
from ask_sdk_core.exceptions import AttributesManagerException

log = logging.getLogger(__name__)


class Invalid(ValueError):
    """A stored value that does not fit its schema (the message says why, never the value)."""


def _at(path) -> str:
    """Where a value sits, for a message. Paths are kept as (parent, template, key...) while
    all is well and written out only when something is wrong: most reads find nothing wrong."""
    if isinstance(path, tuple):
        return path[1].format(_at(path[0]), *path[2:])
    return path


# ------------------------------------------------------------------ field types
class Int:
    """An int (not a bool) from ``low`` to ``high``."""

    def __init__(self, low: int, high: int):
        self.low, self.high = low, high

    def clean(self, value, path):
        if type(value) is not int:
            raise Invalid("{}: expected an int, got {}".format(_at(path), type(value).__name__))
        if not self.low <= value <= self.high:
            raise Invalid("{}: out of range {}..{}".format(_at(path), self.low, self.high))
        return value


class Bool:
    def clean(self, value, path):
        if not isinstance(value, bool):
            raise Invalid("{}: expected true or false, got {}".format(_at(path), type(value).__name__))
        return value


class Choice:
    """One of a fixed set of strings."""

    def __init__(self, *choices: str):
        self.choices = frozenset(choices)

    def clean(self, value, path):
        if not isinstance(value, str) or value not in self.choices:
            raise Invalid("{}: not one of {}".format(_at(path), sorted(self.choices)))
        return value


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Text:
    """A string of at most ``max_length`` characters, no control characters, matching
    ``pattern`` in full when one is given, and matching nothing in ``refuse``."""

    def __init__(self, max_length: int, pattern: str | None = None, refuse: str | None = None):
        self.max_length = max_length
        self.pattern = re.compile(pattern) if pattern else None
        self.refuse = re.compile(refuse) if refuse else None

    def clean(self, value, path):
        if not isinstance(value, str):
            raise Invalid("{}: expected a string, got {}".format(_at(path), type(value).__name__))
        if len(value) > self.max_length:
            raise Invalid("{}: longer than {} characters".format(_at(path), self.max_length))
        if _CONTROL.search(value):
            raise Invalid("{}: control characters".format(_at(path)))
        if self.pattern is not None and not self.pattern.fullmatch(value):
            raise Invalid("{}: not in the expected form".format(_at(path)))
        if self.refuse is not None and self.refuse.search(value):
            raise Invalid("{}: not something to say aloud".format(_at(path)))
        return value


class AnyOf:
    """The first of several field types that accepts the value."""

    def __init__(self, *fields):
        self.fields = fields

    def clean(self, value, path):
        reasons = []
        for field in self.fields:
            try:
                return field.clean(value, path)
            except Invalid as reason:
                reasons.append(str(reason))
        raise Invalid("; ".join(reasons))


class ListOf:
    """A list of at most ``max_items``; items that do not fit are dropped one by one,
    or, when the list only makes sense ``whole``, the list with them."""

    def __init__(self, item, max_items: int, whole: bool = False):
        self.item, self.max_items, self.whole = item, max_items, whole

    def clean(self, value, path):
        if not isinstance(value, list):
            raise Invalid("{}: expected a list, got {}".format(_at(path), type(value).__name__))
        if len(value) > self.max_items:
            raise Invalid("{}: more than {} items".format(_at(path), self.max_items))
        kept = []
        for index, item in enumerate(value):
            try:
                kept.append(self.item.clean(item, (path, "{}[{}]", index)))
            except Invalid as reason:
                if self.whole:
                    raise
                _dropped(reason)
        return kept


class MapOf:
    """A dict of at most ``max_items`` whose keys and values each fit a field type;
    entries that do not fit are dropped one by one (or, ``whole``, the dict with them)."""

    def __init__(self, key, value, max_items: int, whole: bool = False):
        self.key, self.value, self.max_items, self.whole = key, value, max_items, whole

    def clean(self, value, path):
        if not isinstance(value, dict):
            raise Invalid("{}: expected an object, got {}".format(_at(path), type(value).__name__))
        if len(value) > self.max_items:
            raise Invalid("{}: more than {} entries".format(_at(path), self.max_items))
        kept = {}
        for key, item in value.items():
            try:
                key = self.key.clean(key, (path, "{} key"))
                kept[key] = self.value.clean(item, (path, "{}.{}", key))
            except Invalid as reason:
                if self.whole:
                    raise
                _dropped(reason)
        return kept


class Record:
    """A dict with known keys. An unknown key, or a bad optional one, is dropped; a bad
    ``required`` key makes the whole record unusable (its parent drops it), and so does
    any unknown or bad key of a record that only makes sense ``whole``."""

    def __init__(self, fields: dict, required=(), whole: bool = False):
        self.fields = fields
        self.required = frozenset(required)
        self.whole = whole

    def clean(self, value, path="") -> dict:
        if not isinstance(value, dict):
            raise Invalid("{}: expected an object, got {}".format(_at(path) or "record", type(value).__name__))
        kept = {}
        for key, item in value.items():
            where = (path, "{}.{}", key) if path else str(key)
            field = self.fields.get(key)
            try:
                if field is None:
                    raise Invalid("{}: unknown key".format(_short(_at(where))))
                kept[key] = field.clean(item, where)
            except Invalid as reason:
                if self.whole or key in self.required:
                    raise
                _dropped(reason)
        missing = self.required - set(kept)
        if missing:
            raise Invalid("{}: missing {}".format(_at(path) or "record", ", ".join(sorted(missing))))
        return kept


def _short(text: str, limit: int = 60) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[:limit] + "..."


def _dropped(reason: Invalid) -> None:
    log.warning("stored state dropped: %s", _short(str(reason), 200))


# ------------------------------------------------------------------ the records
#: A name in code: an offer, a routine, a placeholder.
NAME = Text(40, pattern=r"[A-Za-z_][A-Za-z0-9_]*")
#: Anything a person should never hear: markup, placeholders, Python's own words.
UNSPEAKABLE = r"[{}<>\[\]\\]|Traceback|Exception|\bNone\b|\bnull\b|\bNaN\b|\bInfinity\b|object at 0x|Error:"

#: Where a person is in a stretch routine (routine.Position). The routine's own data
#: says whether the index is inside that routine; this says it is a small whole number.
POSITION = Record({"routine": NAME, "index": Int(0, 99), "pace": Choice("normal", "slower")},
                  required=("routine", "index"))

#: The heat program's bounds (heat_program.py): five to twenty minutes a phase, at most
#: ten timers, no timer ending more than two hours away.
PROGRAM_KINDS = Choice("heat", "cold", "alternate")
LENGTH = Int(5 * 60, 20 * 60)

#: A heat program waiting for agreement or for the timers permission (heat_program.Plan).
PLAN = Record({"kind": PROGRAM_KINDS, "seconds": LENGTH, "rounds": Int(1, 10), "chosen": Bool()},
              required=("kind", "seconds", "rounds"))

#: A running heat program: its phases and their Alexa timer ids (heat_program._program).
PHASE = Record({"kind": Choice("heat", "cold", "rest"), "seconds": Int(1, 2 * 60 * 60),
                "timer_id": Text(200), "label": Text(256)},
               required=("kind", "seconds", "timer_id"))
PROGRAM = Record({"kind": PROGRAM_KINDS, "locale": Text(16), "phases": ListOf(PHASE, 10)},
                 required=("kind", "phases"))

#: An Alexa reminder's alertToken (reminders.STORED keeps one per kind of reminder).
ALERT_TOKEN = Text(200, pattern=r"[A-Za-z0-9._:/+=-]+")

#: The length a person chose for each kind of program, in seconds.
LENGTHS = MapOf(PROGRAM_KINDS, LENGTH, 3)

#: One line said, as its content key, which phrasing, and the values filled in
#: (conversation.Turn); "repeat" renders it again, so nothing stored is spoken raw.
SAID_LINE = Record({"key": Text(100, pattern=r"[a-z0-9_]+(\.[A-Za-z0-9_]+)+"),
                    "i": Int(0, 50),
                    "values": MapOf(NAME, AnyOf(Int(-10 ** 6, 10 ** 6), Text(120, refuse=UNSPEAKABLE)), 8,
                                    whole=True),
                    "slow": Bool()},
                   required=("key",), whole=True)
SAID = Record({"speech": ListOf(SAID_LINE, 16, whole=True), "reprompt": ListOf(SAID_LINE, 4, whole=True)},
              required=("speech", "reprompt"))

#: Every session attribute the skill keeps (attribute names as in the modules that keep them).
SESSION = Record({
    "offer": NAME,                       # conversation.OFFER: what "yes" answers
    "last_said": SAID,                   # conversation.LAST_SAID: for "repeat"
    "stretch_routine": POSITION,         # handlers.stretches.ROUTINE
    "stretch_pace": Choice("normal", "slower"),  # handlers.stretches.PACE
    "heat_program_pending": PLAN,        # heat_program.PENDING
    "detail": Record({"key": Text(80, pattern=r"[a-z_]+(?:\.[a-z_]+)+"), "offer": NAME},
                     required=("key", "offer")),  # conversation.DETAIL: what "tell me more" says next
    "sympathised": Bool(),               # conversation.SYMPATHISED: sorry said once a session
    "strengthen_from": Int(0, 99),       # handlers.stretches.STRENGTHEN_FROM: strengthening waits for a yes
    "reminder_pending": Text(40, pattern=r"reminders:[a-z_]+:(?:[01]\d|2[0-3])[0-5]\d"),  # reminders.PENDING
})

#: Every persistent attribute (preferences, timer and reminder ids; never anything about health).
PERSISTENT = Record({
    "stretch_routine": POSITION,         # handlers.stretches.ROUTINE: "continue my stretches"
    "heat_program": PROGRAM,             # heat_program.PROGRAM
    "heat_program_lengths": LENGTHS,     # heat_program.LENGTHS
    "heat_program_pending": PLAN,        # heat_program.PENDING
    "reminder_ids": Record({"stretch": ALERT_TOKEN, "check_in": ALERT_TOKEN}),  # reminders.STORED
})


def clean(schema: Record, attributes, where: str) -> dict:
    """``attributes`` with everything that does not fit ``schema`` dropped (and logged)."""
    try:
        return schema.clean(attributes, where)
    except Invalid as reason:
        _dropped(reason)
        return {}


class SessionStateInterceptor(AbstractRequestInterceptor):
    """Session attributes come back from outside: read them through SESSION before any
    handler does, so nothing stored can break a reply or be echoed back (a NaN would
    make the whole response invalid JSON)."""

    def process(self, handler_input):
        manager = handler_input.attributes_manager
        try:
            attributes = manager.session_attributes
        except AttributesManagerException:
            return  # a request outside any session
        if attributes is None or isinstance(attributes, dict) and not attributes:
            return
        manager.session_attributes = clean(SESSION, attributes, "session")
