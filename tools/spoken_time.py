"""Spoken times as Alexa fills an ``AMAZON.TIME`` slot, for the simulated speaker.

Alexa sends a time of day as 24-hour ``"HH:MM"`` ("nine thirty pm" -> "21:30")
and a part of the day as a code: ``MO`` (morning), ``AF`` (afternoon), ``EV``
(evening), ``NI`` (night). A bare hour ("nine") comes as the morning hour.
Input is already normalised by ``tools.nlu`` (lower case, numbers as words).
"""
from __future__ import annotations

import re

_HOURS = {w: n for n, w in enumerate(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
     "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
     "nineteen", "twenty", "twenty one", "twenty two", "twenty three"])}
_WORDS = {n: w for w, n in _HOURS.items()}
_MINUTE_WORDS = {"oh five": 5, "oh one": 1, "oh two": 2, "oh three": 3, "oh four": 4, "oh six": 6,
                 "oh seven": 7, "oh eight": 8, "oh nine": 9, "zero zero": 0, "hundred": 0,
                 "zero": 0, "o'clock": 0}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50}
_TEENS = {w: n for w, n in _HOURS.items() if 10 <= n <= 19}
_PARTS = {"morning": "MO", "the morning": "MO", "afternoon": "AF", "the afternoon": "AF",
          "evening": "EV", "the evening": "EV", "night": "NI", "tonight": "NI", "bedtime": "NI"}
_AFTER_NOON = {"pm", "p m", "in the afternoon", "in the evening", "at night", "tonight"}
_BEFORE_NOON = {"am", "a m", "in the morning"}
_PERIOD = re.compile(r"^(?P<rest>.*?)\s*(?P<period>a ?m|p ?m|in the morning|in the afternoon|"
                     r"in the evening|at night|tonight)$")


def _minutes(words: str) -> int | None:
    if not words:
        return 0
    if words in _MINUTE_WORDS:
        return _MINUTE_WORDS[words]
    if words in _TEENS:
        return _TEENS[words]
    parts = words.split()
    if parts[0] in _TENS and len(parts) <= 2:
        ones = _HOURS.get(parts[1], None) if len(parts) == 2 else 0
        if ones is not None and ones < 10:
            return _TENS[parts[0]] + ones
    return None


def _clock(words: str) -> tuple | None:
    """(hour, minute) of "nine", "nine thirty", "half past nine", "quarter to ten"."""
    words = words.replace(" o'clock", "").strip()
    match = re.fullmatch(r"(half|a quarter|quarter|(?P<n>[a-z ]+?)(?: minutes?)?) (?P<dir>past|after|to) (?P<h>[a-z ]+)",
                         words)
    if match:
        hour = _HOURS.get(match.group("h"))
        amount = {"half": 30, "a quarter": 15, "quarter": 15}.get(match.group(1))
        if amount is None:
            amount = _minutes(match.group("n") or "")
        if hour is None or amount is None or not 0 < amount < 60:
            return None
        if match.group("dir") == "to":
            return (hour - 1) % 24, 60 - amount
        return hour, amount
    for split in range(len(words.split()), 0, -1):
        head, tail = " ".join(words.split()[:split]), " ".join(words.split()[split:])
        if head in _HOURS:
            minute = _minutes(tail)
            if minute is not None and minute < 60:
                return _HOURS[head], minute
    return None


def alexa_time(words: str) -> str | None:
    """The AMAZON.TIME value Alexa would send for these words, or None."""
    words = re.sub(r"\b(\w+?)(am|pm)\b", r"\1 \2", " ".join((words or "").lower().split()))
    words = re.sub(r"\b(1?[0-9]|2[0-3])\b", lambda m: _WORDS[int(m.group())], words.replace("oclock", "o'clock"))
    words = re.sub(r"^(at|about|around) ", "", words)
    if words in _PARTS:
        return _PARTS[words]
    if words in ("noon", "midday", "twelve noon", "lunchtime"):
        return "12:00"
    if words == "midnight":
        return "00:00"
    period = None
    match = _PERIOD.match(words)
    if match:
        words, period = match.group("rest"), match.group("period")
    clock = _clock(words)
    if clock is None:
        return None
    hour, minute = clock
    if period in _AFTER_NOON or (period and period.replace(" ", "") == "pm"):
        if hour > 12:
            return None
        hour = hour % 12 + 12
    elif period in _BEFORE_NOON or (period and period.replace(" ", "") == "am"):
        if hour > 12:
            return None
        hour = hour % 12
    return "{:02d}:{:02d}".format(hour, minute)
