"""The stretch routine: where a person is in it, and how one stretch is read aloud.

Pure logic, no Alexa objects: handlers pass a ``Position`` and the request's
``Content`` and get back a ``Rendered`` stretch (SSML, its estimated length,
and when each hold starts, for the screen's countdown).

How a stretch is timed and which stretches make a routine is data, in
``stretch_data.json``; the words for each stretch are content, in
``content/en/stretches.json`` under the same id; the words of the flow
itself ("hold", "and relax", "say next") are in ``content/en/routine.json``.

One stretch is one response, so it must stay inside Alexa's limits: each
<break> at most 10 seconds (a longer hold is several breaks with a word
between them), and the whole response under 240 seconds of audio and 8000
characters. ``render_stretch`` estimates its own length and, when a stretch
would not fit, speaks fewer repetitions and tells the person to do the rest
at their own pace.
"""
from __future__ import annotations

import json
import math
import os
import random
from dataclasses import dataclass, field
from functools import lru_cache

from . import speech

DATA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stretch_data.json")

GENTLE = "gentle"
STRENGTHENING = "strengthening"
NORMAL = "normal"
SLOWER = "slower"

#: Alexa speaks about 150 words a minute at its normal rate.
WORDS_PER_SECOND = 2.5
#: Alexa's limits are 240 s of audio and 8000 characters; the margin covers
#: the error of the estimate and the question that ends the response.
AUDIO_BUDGET_SECONDS = 200.0
CHAR_BUDGET = 7000
#: The last seconds of every hold are counted aloud, one a second.
COUNTED_SECONDS = 3


@dataclass(frozen=True)
class Pace:
    rate: str          # prosody rate for instructions
    rest: float        # silence between repetitions, seconds
    step_gap: float    # silence after each step of getting into position


PACES = {
    NORMAL: Pace(rate="90%", rest=2.0, step_gap=1.0),
    SLOWER: Pace(rate="75%", rest=4.0, step_gap=2.0),
}


@dataclass(frozen=True)
class Stretch:
    id: str
    hold_seconds: float
    repetitions: int
    sides: tuple = ()
    alternate_sides: bool = False
    strengthening: bool = False
    optional: bool = False


@lru_cache(maxsize=None)
def _catalogue() -> tuple:
    with open(DATA_FILE, encoding="utf-8") as f:
        data = json.load(f)
    stretches = {}
    for stretch_id, spec in data["stretches"].items():
        stretches[stretch_id] = Stretch(
            id=stretch_id, hold_seconds=float(spec["hold_seconds"]),
            repetitions=int(spec["repetitions"]), sides=tuple(spec.get("sides", ())),
            alternate_sides=bool(spec.get("alternate_sides")),
            strengthening=bool(spec.get("strengthening")), optional=bool(spec.get("optional")))
    routines = {name: tuple(stretches[i] for i in ids) for name, ids in data["routines"].items()}
    return stretches, routines


def stretches() -> dict:
    """Every stretch by id."""
    return dict(_catalogue()[0])


def routines() -> dict:
    """Every routine: name -> the stretches in order."""
    return dict(_catalogue()[1])


def routine_of(stretch_id: str) -> str | None:
    """The first routine a stretch belongs to."""
    for name, members in _catalogue()[1].items():
        if any(s.id == stretch_id for s in members):
            return name
    return None


@dataclass
class Position:
    """Where a person is in a routine: the only thing ever stored (no health data)."""
    routine: str = GENTLE
    index: int = 0
    pace: str = NORMAL

    @property
    def members(self) -> tuple:
        return _catalogue()[1][self.routine]

    @property
    def stretch(self) -> Stretch:
        return self.members[self.index]

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def total(self) -> int:
        return len(self.members)

    @property
    def is_last(self) -> bool:
        return self.index == self.total - 1

    def to_dict(self) -> dict:
        return {"routine": self.routine, "index": self.index, "pace": self.pace}

    @classmethod
    def from_dict(cls, value) -> "Position | None":
        """A stored position, or None when it is missing or no longer makes sense."""
        if not isinstance(value, dict):
            return None
        routine, index, pace = value.get("routine"), value.get("index"), value.get("pace", NORMAL)
        members = _catalogue()[1].get(routine) if isinstance(routine, str) else None
        if members is None or not isinstance(index, int) or isinstance(index, bool) \
                or not 0 <= index < len(members):
            return None
        return cls(routine, index, pace if pace in PACES else NORMAL)


@dataclass
class Hold:
    """One timed hold: its SSML, its length, and when it starts in the response."""
    ssml: str
    seconds: float
    start: float
    label: str


@dataclass
class Rendered:
    ssml: str
    seconds: float
    holds: list = field(default_factory=list)
    repetitions_spoken: int = 0

    @property
    def within_budget(self) -> bool:
        return self.seconds <= AUDIO_BUDGET_SECONDS and len(self.ssml) <= CHAR_BUDGET


# --- estimating how long SSML takes to say -------------------------------------------------

def _rate(value: str | None, current: float) -> float:
    if value and value.endswith("%"):
        try:
            return current * float(value[:-1]) / 100.0
        except ValueError:
            return current
    return current


def _words(text: str | None) -> int:
    return len(text.split()) if text else 0


def _walk(element, rate: float) -> float:
    seconds = 0.0
    if element.tag == "break":
        seconds += sum(speech.break_seconds('<break time="{}"/>'.format(element.get("time", "0ms"))))
    if element.tag == "prosody":
        rate = _rate(element.get("rate"), rate)
    seconds += _words(element.text) / (WORDS_PER_SECOND * rate)
    for child in element:
        seconds += _walk(child, rate)
        seconds += _words(child.tail) / (WORDS_PER_SECOND * rate)
    return seconds


@lru_cache(maxsize=2048)
def estimate_seconds(ssml: str) -> float:
    """How long Alexa takes to say some SSML: words at ~150 a minute, slower inside
    <prosody rate>, plus every <break>. Cached: a stretch adds ~90 fragments, mostly the
    same counts and pauses, and parsing each one was half the cost of a stretch request."""
    import xml.etree.ElementTree as ET  # only stretch requests pay for the XML parser

    body = ssml.strip()
    if not body.startswith("<speak>"):
        body = "<speak>" + body + "</speak>"
    return _walk(ET.fromstring(body), 1.0)


# --- reading one stretch -------------------------------------------------------------------

class _Script:
    """SSML fragments in order, with a running estimate of when each is heard."""

    def __init__(self, content, pace: Pace, rng):
        self.content, self.pace, self.rng = content, pace, rng
        self.parts: list = []
        self.seconds = 0.0

    def add(self, fragment: str) -> None:
        self.parts.append(fragment)
        self.seconds += estimate_seconds(fragment)

    def say(self, key: str, **values) -> None:
        self.add(self.content.line(key, rng=self.rng, **values))

    def slowly(self, key: str, **values) -> None:
        self.add(speech.slow(self.content.line(key, rng=self.rng, **values), self.pace.rate))

    def pause(self, seconds: float) -> None:
        self.add(speech.pause(seconds))

    def ssml(self, start: int = 0) -> str:
        return speech.join(*self.parts[start:])


def _hold(script: _Script, stretch: Stretch, label: str) -> Hold:
    """The hold: a cue, silence in breaks of at most 10 s, the last seconds counted
    aloud ("three, two, one"), then "and relax"."""
    first = len(script.parts)
    cue = "stretches.{}.hold".format(stretch.id)
    script.say(cue if cue in script.content else "routine.hold")
    start = script.seconds
    counted = min(COUNTED_SECONDS, int(stretch.hold_seconds))
    silent = stretch.hold_seconds - counted
    chunks = math.ceil(silent / speech.MAX_BREAK_SECONDS) if silent > 0 else 0
    for chunk in range(chunks):
        if chunk:
            script.say("routine.keep_holding")
        script.pause(silent / chunks)
    for number in range(counted, 0, -1):
        script.add(speech.escape(speech.number_words(number)) + ",")
        script.pause(1)
    script.say("routine.relax")
    return Hold(ssml=script.ssml(first), seconds=stretch.hold_seconds, start=start, label=label)


def _repetition(script: _Script, stretch: Stretch, side: str | None, first: bool, label: str) -> Hold:
    """One repetition: the movement (in full the first time, a short cue after
    that, so the count is not buried in words), the hold, and the way back."""
    def key(name):
        again = "stretches.{}.{}_again".format(stretch.id, name)
        full = "stretches.{}.{}".format(stretch.id, name)
        if not first:
            return again if again in script.content else (full if name == "move" else None)
        return full if full in script.content else None

    values = {"side": script.content.text("routine.side." + side)} if side else {}
    script.slowly(key("move"), **values)
    hold = _hold(script, stretch, label)
    if key("release"):
        script.slowly(key("release"))
    return hold


def _label(content, side: str | None, number: int, total: int) -> str:
    if side:
        return content.text("routine.screen.rep_side", number=number, total=total,
                            side=content.text("routine.side." + side))
    return content.text("routine.screen.rep", number=number, total=total)


def _repetitions(script: _Script, stretch: Stretch, spoken: int) -> list:
    holds = []
    content, total = script.content, stretch.repetitions
    sides = list(stretch.sides) or [None]

    def count(n):
        if n == total and total > 1:
            script.say("routine.rep_last")
        else:
            script.say("routine.rep", number=speech.number_words(n), total=speech.number_words(total))

    if stretch.alternate_sides:
        for n in range(1, spoken + 1):
            count(n)
            for i, side in enumerate(sides):
                if i:
                    script.say("routine.then_side", side=content.text("routine.side." + side))
                holds.append(_repetition(script, stretch, side, n == 1, _label(content, side, n, total)))
            script.pause(script.pace.rest)
    else:
        for i, side in enumerate(sides):
            if side:
                key = "routine.side_next" if i else "routine.side_first"
                script.say(key, side=content.text("routine.side." + side))
            for n in range(1, spoken + 1):
                count(n)
                holds.append(_repetition(script, stretch, side, n == 1, _label(content, side, n, total)))
                script.pause(script.pace.rest)
    return holds


def _steps(content, stretch_id: str) -> list:
    """The keys of a stretch's steps, in order (steps.1, steps.2, ...)."""
    keys, n = [], 1
    while "stretches.{}.steps.{}".format(stretch_id, n) in content:
        keys.append("stretches.{}.steps.{}".format(stretch_id, n))
        n += 1
    return keys


def steps_text(content, stretch_id: str) -> list:
    """A stretch's steps as plain text (for the screen)."""
    return [content.text(key) for key in _steps(content, stretch_id)]


def _render(content, position: Position, spoken: int, lead_in, rng) -> Rendered:
    stretch = position.stretch
    script = _Script(content, PACES.get(position.pace, PACES[NORMAL]), rng)
    for fragment in lead_in:
        script.add(fragment)
    name = content.text("stretches.{}.name".format(stretch.id))
    if position.total == 1:  # asked for by name: no "one of one", nothing to skip to
        script.say("routine.announce_only", name=name)
    elif position.is_last:
        script.say("routine.announce_last", name=name)
    else:
        script.say("routine.announce", name=name, number=speech.number_words(position.number),
                   total=speech.number_words(position.total))
    script.say("stretches.{}.helps".format(stretch.id))
    caution = "stretches.{}.caution".format(stretch.id)
    if caution in content:
        script.say(caution)
    for key in _steps(content, stretch.id):
        script.slowly(key)
        script.pause(script.pace.step_gap)
    script.say("routine.stop_rule")
    holds = _repetitions(script, stretch, spoken)
    left = stretch.repetitions - spoken
    if left:
        key = "routine.own_pace_sides" if stretch.sides else "routine.own_pace"
        script.say(key, count=speech.number_words(left))
    script.say("routine.done")
    return Rendered(ssml=script.ssml(), seconds=script.seconds, holds=holds,
                    repetitions_spoken=spoken)


#: Renders kept per (content, stretch, pace, lead-in): enough to keep the phrasing varied,
#: few enough that a warm container stops re-rendering the same sixty lines.
RENDERS_KEPT = 3
_RENDERS_MAX_KEYS = 512
_renders: dict = {}


def render_stretch(content, position: Position, lead_in=(), rng: random.Random | None = None) -> Rendered:
    """One stretch as one response's SSML (without the closing question).

    ``lead_in`` are SSML fragments said first ("Okay, I'll slow down."). When
    every repetition would not fit the budget, fewer are spoken and the person
    is told to do the rest at their own pace; at least one always is.
    Without a given ``rng``, up to RENDERS_KEPT phrasings are kept and reused.
    """
    if rng is not None:
        return _render_within_budget(content, position, lead_in, rng)
    key = (content, position.routine, position.index, position.pace, tuple(lead_in))
    kept = _renders.get(key)
    if kept is None:
        if len(_renders) >= _RENDERS_MAX_KEYS:
            _renders.clear()
        kept = _renders[key] = []
    if len(kept) < RENDERS_KEPT:
        kept.append(_render_within_budget(content, position, lead_in, None))
        return kept[-1]
    return random.choice(kept)


def _render_within_budget(content, position: Position, lead_in, rng) -> Rendered:
    stretch = position.stretch
    rendered = None
    for spoken in range(stretch.repetitions, 0, -1):
        rendered = _render(content, position, spoken, lead_in, rng)
        if rendered.within_budget:
            return rendered
    return rendered


@lru_cache(maxsize=64)
def routine_seconds(content, name: str, pace: str = NORMAL) -> float:
    """About how long a whole routine takes, read at ``pace`` (for "about eight minutes")."""
    members = _catalogue()[1][name]
    return sum(render_stretch(content, Position(name, i, pace), rng=random.Random(0)).seconds
               for i in range(len(members)))
