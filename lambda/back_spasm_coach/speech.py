"""SSML building: escaping, pauses, pacing, and spoken durations.

Content is written as plain text. The only markup it may use is a small set
of named pauses (``{pause}``, ``{breath}``); everything else, and every value
filled in at run time, is escaped here so no sentence can break the SSML.
"""
from __future__ import annotations

import re
import string
from functools import lru_cache

#: Named pauses content may use. Alexa caps one <break> at 10 seconds.
PAUSES = {
    "pause": '<break time="400ms"/>',
    "breath": '<break time="1s"/>',
    "beat": '<break time="2s"/>',
}

MAX_BREAK_SECONDS = 10
#: Alexa refuses outputSpeech of 8000 characters or more.
MAX_SSML_CHARS = 8000

_FORMATTER = string.Formatter()


def escape(text: str) -> str:
    """Escape text for use inside SSML (the three XML specials, as html.escape(quote=False)
    does; the html module costs 2 ms of cold start)."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class Markup(str):
    """An SSML fragment built here, already escaped: ``render`` fills it in as it is."""


def spoken_as(written: str, said: str) -> Markup:
    """A number (or any text) written one way and said another: "000" said "triple zero".

    Alexa reads bare digits as a quantity ("nine hundred and ninety-nine"), so every
    phone number goes through here. Cards and logs keep the written form.
    """
    alias = escape(said).replace('"', "&quot;")
    return Markup('<sub alias="{}">{}</sub>'.format(alias, escape(written)))


def render(template: str, values: dict | None = None) -> str:
    """Turn a content template into an SSML fragment.

    The template and every value are escaped (a ``Markup`` value is SSML already);
    named pauses become <break>s. A placeholder with no value is a content bug,
    so it raises KeyError.
    """
    values = values or {}
    out = []
    for literal, field, spec, conversion in _parsed(template):
        out.append(literal)
        if field is None:
            continue
        if field in PAUSES:
            out.append(PAUSES[field])
            continue
        value = values[field]
        if isinstance(value, Markup) and not (conversion or spec):
            out.append(value)
            continue
        if conversion:
            value = _FORMATTER.convert_field(value, conversion)
        out.append(escape(format(value, spec)))
    return "".join(out)


@lru_cache(maxsize=4096)
def _parsed(template: str) -> tuple:
    """A template's pieces, literal text already escaped (templates are content: a few hundred)."""
    return tuple((escape(literal), field, spec, conversion)
                 for literal, field, spec, conversion in _FORMATTER.parse(template))


def is_speakable(ssml) -> bool:
    """True for a whole ``<speak>`` document Alexa will accept: well-formed XML under
    the size limit. For SSML that came back from outside (session attributes)."""
    if not isinstance(ssml, str) or len(ssml) >= MAX_SSML_CHARS:
        return False
    from xml.etree import ElementTree  # only "repeat" needs the XML parser

    try:
        root = ElementTree.fromstring(ssml)
    except ElementTree.ParseError:
        return False
    return root.tag == "speak" and all(s <= MAX_BREAK_SECONDS for s in break_seconds(ssml))


def pause(seconds: float) -> str:
    """One <break>, at most Alexa's 10-second limit."""
    seconds = max(0.0, min(float(seconds), MAX_BREAK_SECONDS))
    return '<break time="{}ms"/>'.format(int(round(seconds * 1000)))


def slow(ssml: str, rate: str = "90%") -> str:
    """Slow down speech a person is following with their body."""
    return '<prosody rate="{}">{}</prosody>'.format(rate, ssml)


def join(*fragments: str) -> str:
    """Join SSML fragments into sentences separated by a space."""
    return " ".join(f.strip() for f in fragments if f and f.strip())


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r'<break\s+time="(\d+(?:\.\d+)?)(ms|s)"\s*/>')


def break_seconds(ssml: str) -> list[float]:
    """The length of every <break> in an SSML string, in seconds."""
    return [float(n) / (1000 if unit == "ms" else 1) for n, unit in _BREAK.findall(ssml)]


def to_text(ssml: str, show_pauses: bool = False) -> str:
    """SSML rendered to readable words (for logs, cards and the simulated speaker)."""
    def _break(match):
        secs = float(match.group(1)) / (1000 if match.group(2) == "ms" else 1)
        if not show_pauses or secs < 1:
            return " "
        return " [pause {:g}s] ".format(secs)

    text = _BREAK.sub(_break, ssml)
    text = _TAG.sub(" ", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return re.sub(r"\s+", " ", text).strip()


_ONES = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
         "nine", "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen",
         "sixteen", "seventeen", "eighteen", "nineteen"]
_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def number_words(n: int) -> str:
    """0..999 as English words ("twenty five"); larger numbers as digits."""
    n = int(n)
    if n < 0 or n > 999:
        return str(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + ("" if ones == 0 else " " + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    return _ONES[hundreds] + " hundred" + ("" if rest == 0 else " and " + number_words(rest))


def spoken_duration(seconds: float) -> str:
    """A length of time as people say it: "fifteen minutes", "nine and a half minutes",
    "one minute", "forty seconds", "one hour and ten minutes"."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return "{} second{}".format(number_words(seconds), "" if seconds == 1 else "s")
    minutes, secs = divmod(seconds, 60)
    # Round to the nearest half minute: nobody wants "nine minutes and thirteen seconds".
    halves = int(round((minutes * 60 + secs) / 30.0))
    minutes, half = divmod(halves, 2)
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append("{} hour{}".format(number_words(hours), "" if hours == 1 else "s"))
    if minutes or half:
        if half and minutes == 0 and not hours:
            parts.append("half a minute")
        elif half:
            parts.append("{} and a half minutes".format(number_words(minutes)))
        else:
            parts.append("{} minute{}".format(number_words(minutes), "" if minutes == 1 else "s"))
    return " and ".join(parts)
