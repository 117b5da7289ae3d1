"""All the words the skill speaks, per language, with per-locale overrides.

Layout:
  en/<topic>.json        the English text, one file per topic; a key ``x`` in
                         ``rest.json`` is addressed as ``rest.x``
  locales/<locale>.json  ``vars`` (emergency number, drug names, ...) filled
                         into every line, and ``overrides`` replacing whole keys;
                         ``numbers`` are phone numbers only that locale's vars
                         and overrides name

A phone number is written ``{"written": "000", "said": "triple zero"}`` and
spoken as people say it (never read as a quantity); a var may name a number,
as in ``"call NHS {nhs_111} or your GP"``.

A value is a string, or a list of strings of which one is picked at random
(lines people hear often have several phrasings). ``{name}`` fills in a locale
var or a value passed by the caller; ``{pause}`` and friends are pauses.
"""
from __future__ import annotations

import json
import os
import random
from functools import lru_cache

from .. import speech

_HERE = os.path.dirname(os.path.abspath(__file__))

DEFAULT_LOCALE = "en-US"
SUPPORTED_LOCALES = ("en-US", "en-GB", "en-CA", "en-AU", "en-IN")


def resolve_locale(locale: str | None) -> str:
    """The supported locale to use for a request's locale (unknown ones get en-US)."""
    if isinstance(locale, str):
        for supported in SUPPORTED_LOCALES:
            if supported.lower() == locale.strip().lower():
                return supported
    return DEFAULT_LOCALE


def _flatten(prefix: str, tree: dict, out: dict) -> None:
    for key, value in tree.items():
        name = prefix + "." + key if prefix else key
        if isinstance(value, dict):
            _flatten(name, value, out)
        else:
            out[name] = value


def _load_json(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


@lru_cache(maxsize=None)
def _language_lines(language: str) -> dict:
    folder = os.path.join(_HERE, language)
    lines: dict = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            _flatten(name[:-5], _load_json(os.path.join(folder, name)), lines)
    return lines


@lru_cache(maxsize=None)
def load(locale: str) -> "Content":
    """The content for a locale: the base language merged with the locale's overrides."""
    locale = resolve_locale(locale)
    local = _load_json(os.path.join(_HERE, "locales", locale + ".json"))
    lines = dict(_language_lines(locale.split("-")[0]))
    for key, value in local.get("overrides", {}).items():
        if key not in lines:
            raise KeyError("{} overrides unknown key {!r}".format(locale, key))
        lines[key] = value
    return Content(locale, lines, locale_vars(local))


def _spoken(value):
    """A var as it is filled in: a phone number becomes SSML that says it as people do."""
    if isinstance(value, dict):
        return speech.spoken_as(value["written"], value["said"])
    return value


def locale_vars(local: dict) -> dict:
    """A locale file's vars, ready to fill in: numbers spoken as people say them, and vars
    that name a number (``"call NHS {nhs_111} or your GP"``) rendered with it."""
    numbers = {name: _spoken(value) for name, value in local.get("numbers", {}).items()}
    plain = {name: _spoken(value) for name, value in local.get("vars", {}).items()}
    scope = {**numbers, **plain}
    rendered = {name: speech.Markup(speech.render(value, scope))
                if isinstance(value, str) and "{" in value else value
                for name, value in plain.items()}
    return {**numbers, **rendered}


class Content:
    """One locale's lines, rendered to escaped SSML fragments."""

    def __init__(self, locale: str, lines: dict, variables: dict):
        self.locale = locale
        self.lines = lines
        self.vars = variables
        # Lines with nothing filled in at run time render the same every time:
        # render each once (a stretch alone reads some sixty lines).
        self._rendered: dict = {}
        self._texts: dict = {}

    def __contains__(self, key: str) -> bool:
        return key in self.lines

    def raw(self, key: str):
        """The stored value (string, list or number) of a key, unrendered."""
        return self.lines[key]

    def variants(self, key: str) -> list:
        value = self.lines[key]
        return list(value) if isinstance(value, list) else [value]

    def line(self, key: str, rng: random.Random | None = None, **values) -> str:
        """One phrasing of a line, as an SSML fragment."""
        if values:
            template = (rng or random).choice(self.variants(key))
            return speech.render(template, {**self.vars, **values})
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self.all_lines(key)
        return rendered[0] if len(rendered) == 1 else (rng or random).choice(rendered)

    def choose(self, key: str, rng: random.Random | None = None) -> int:
        """Which phrasing of a line to say (an index for ``line_at``)."""
        count = len(self.lines[key]) if isinstance(self.lines[key], list) else 1
        return 0 if count == 1 else (rng or random).randrange(count)

    def line_at(self, key: str, index: int, **values) -> str:
        """Phrasing ``index`` of a line, as an SSML fragment (IndexError when there is none)."""
        count = len(self.lines[key]) if isinstance(self.lines[key], list) else 1
        if not 0 <= index < count:
            raise IndexError("{} has no phrasing {}".format(key, index))
        if values:
            return speech.render(self.variants(key)[index], {**self.vars, **values})
        rendered = self._rendered.get(key)
        if rendered is None:
            rendered = self._rendered[key] = self.all_lines(key)
        return rendered[index]

    def all_lines(self, key: str, **values) -> list:
        """Every phrasing of a line, rendered (for tests and tools)."""
        return [speech.render(t, {**self.vars, **values}) for t in self.variants(key)]

    def text(self, key: str, **values) -> str:
        """A line as plain text (cards, timer announcements)."""
        if values or isinstance(self.lines[key], list):
            return speech.to_text(self.line(key, **values))
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = speech.to_text(self.line(key))
        return text
