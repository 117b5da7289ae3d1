"""Content, code and interaction models agree, in every locale.

- every content key the code uses exists in every locale;
- every locale's overrides replace real keys, with lines of the same shape;
- every {placeholder} of every line renders, in every locale, to well-formed SSML;
- every locale defines the same vars;
- no content key is left unused by code;
- every intent of every model reaches a handler of its own, and nothing fails on the way.

"Used by code" is found two ways, so keys built at run time count too:
statically (string literals in the package's code that name a key, and the
offers named in ``.offer("x")`` / ``@offer_action("x")``), and by recording
every key read while a conversation walker tries every intent (with every slot
value) in every locale, from every conversation state it reaches. Key families
that are only ever read by a computed name are listed in DYNAMIC_FAMILIES with
the id table they must match exactly.
"""
from __future__ import annotations

import ast
import contextlib
import functools
import itertools
import json
import logging
import os
import string
import warnings
from collections import deque
from xml.etree import ElementTree

import pytest

from back_spasm_coach import content as content_module
from back_spasm_coach import safety, speech
from back_spasm_coach.content import SUPPORTED_LOCALES, Content, load
from back_spasm_coach.conversation import LAST_SAID, OFFER_ACTIONS
from lambda_function import lambda_handler
from skill_io import DEAD_API, model
from tools import envelopes

PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(content_module.__file__)))
CONTENT_DIR = os.path.dirname(os.path.abspath(content_module.__file__))

#: Key families read only by a computed name: prefix -> the ids the suffixes must be, exactly.
DYNAMIC_FAMILIES = {
    "red_flags.reason.": lambda: set(safety.TIERS),
    "reminders.weekdays.": lambda: {str(day) for day in range(7)},  # datetime.weekday()
}

#: Keys written ahead of the code that will read them: key -> who reads it. Keep this short.
PENDING: dict = {}

#: Failures the walker found that belong to work in progress elsewhere: what was asked -> the bug.
#: Reported as a warning, not a failure, until fixed; then delete the entry (and its PENDING keys).
KNOWN_BUGS: dict = {}

#: Where the skill's API clients look for a CA file to trust (the stand-in's own certificate).
CA_ENV = ("ALEXA_API_CA_BUNDLE", "REQUESTS_CA_BUNDLE")

#: Methods of Turn / Content whose string arguments are content keys.
KEY_METHODS = {"say", "slowly", "ask", "line", "text", "all_lines", "variants", "raw"}
#: Walker limits: every state of today's flows in the first locale, the first turn in the others
#: (they share the language's keys; their own lines are all rendered by the placeholder test).
MAX_DEPTH = 4
OTHER_LOCALES_DEPTH = 1
MAX_REQUESTS_PER_LOCALE = 3000
MAX_SLOT_COMBINATIONS = 60


def _lines(locale) -> dict:
    return load(locale).lines


def all_keys() -> set:
    keys = set()
    for locale in SUPPORTED_LOCALES:
        keys |= set(_lines(locale))
    return keys


# ---------------------------------------------------------------- static use

def _package_sources():
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                with open(path, encoding="utf-8") as f:
                    yield path, ast.parse(f.read(), path)


@functools.lru_cache(maxsize=None)
def static_use() -> tuple:
    """(keys named at call sites, every string literal, offer names) in the package's code."""
    call_keys, literals, offers = set(), set(), set()
    for path, tree in _package_sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                literals.add(node.value)
            if not isinstance(node, ast.Call) or not isinstance(node.func, (ast.Attribute, ast.Name)):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            strings = [a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
            if name in KEY_METHODS:
                call_keys.update((s, os.path.relpath(path, PACKAGE)) for s in strings if "." in s)
            elif name in ("offer", "offer_action"):
                offers.update(strings)
    return call_keys, literals, offers


# ---------------------------------------------------------------- use at run time

def _slot_choices(locale) -> dict:
    """intent -> slot dicts to try: none, every value of every slot alone, and (when few) every
    combination of values across the intent's slots ("cold, three rounds" needs both)."""
    types = {t["name"]: t["values"] for t in model(locale).get("types", [])}
    builtin_values = {"AMAZON.DURATION": ["PT15M"], "AMAZON.NUMBER": ["1", "2"]}
    choices = {}
    for intent in model(locale)["intents"]:
        per_slot = []
        for spec in intent.get("slots", []):
            values = []
            for value in types.get(spec["type"], []):
                spoken = value["name"]["value"]
                values.append(envelopes.slot(spec["name"], spoken, value.get("id") or spoken, spoken, spec["type"]))
            values += [envelopes.slot(spec["name"], v) for v in builtin_values.get(spec["type"], [])]
            per_slot.append((spec["name"], values))
        options = [{}] + [{name: value} for name, values in per_slot for value in values]
        combinations = 1
        for _, values in per_slot:
            combinations *= len(values) + 1
        if len(per_slot) > 1 and combinations <= MAX_SLOT_COMBINATIONS:
            for combo in itertools.product(*[[None] + values for _, values in per_slot]):
                chosen = {name: value for (name, _), value in zip(per_slot, combo) if value is not None}
                if len(chosen) > 1:
                    options.append(chosen)
        choices[intent["name"]] = options
    return choices


def _state(attributes: dict) -> str:
    return json.dumps({k: v for k, v in attributes.items() if k != LAST_SAID},
                      sort_keys=True, default=str)


class _Problems(logging.Handler):
    """Errors (a handler raised) and intents no handler of their own answered, with what was asked."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.seen = []
        self.asking = ""

    def emit(self, record):
        message = record.getMessage()
        if record.levelno >= logging.ERROR or message.startswith("no handler for intent"):
            if record.exc_info and record.exc_info[1] is not None:
                error = record.exc_info[1]
                message += " ({}: {})".format(type(error).__name__, error)
            self.seen.append("{} -> {}: {}".format(self.asking, record.name, message[:300]))


@functools.lru_cache(maxsize=None)
def walk() -> dict:
    """Every key read, per locale, while trying every intent from every reachable state."""
    used = {locale: set() for locale in SUPPORTED_LOCALES}
    current = {"locale": None}
    originals = {name: getattr(Content, name) for name in ("variants", "raw", "__contains__")}

    def recording(name):
        original = originals[name]

        def wrapper(self, key, *args, **kwargs):
            if name != "__contains__":
                used[current["locale"]].add(key)  # before the lookup, so a missing key is seen
            result = original(self, key, *args, **kwargs)
            if name != "__contains__" or result:  # "is there a step 3?" reads nothing when there is not
                used[current["locale"]].add(key)
            return result
        return wrapper

    problems = _Problems()
    logging.getLogger().addHandler(problems)
    # What a warm process keeps (renders of a stretch, its screen data) would hide the keys
    # they read: start from none.
    from back_spasm_coach import apl, routine
    content_module.load.cache_clear()  # each Content keeps its rendered lines
    routine._renders.clear()
    apl._datasources.clear()
    for name in originals:
        setattr(Content, name, recording(name))
    requests = 0
    try:
        with _alexa_api() as endpoint:
            for n, locale in enumerate(SUPPORTED_LOCALES):
                current["locale"] = locale
                requests += _walk_locale(locale, problems, MAX_DEPTH if n == 0 else OTHER_LOCALES_DEPTH,
                                         endpoint)
    finally:
        for name, original in originals.items():
            setattr(Content, name, original)
        logging.getLogger().removeHandler(problems)
    return {"used": used, "problems": problems.seen, "requests": requests}


@contextlib.contextmanager
def _alexa_api():
    """The Alexa API the walk talks to: the local Timers API stand-in when the project has one
    (so timers really start, and the states after them are walked), else an address where
    nothing listens (every call fails at once)."""
    try:
        from tools.timers_api import Clock, TimersApi
    except ImportError:
        yield DEAD_API
        return
    stand_in = TimersApi(Clock(fast=0))
    stand_in.serve(tick_every=0)
    saved = {name: os.environ.get(name) for name in CA_ENV}
    os.environ.update({name: stand_in.ca_file for name in CA_ENV})
    try:
        yield stand_in.url
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        stand_in.close()


def _walk_locale(locale, problems, max_depth, endpoint) -> int:
    choices = _slot_choices(locale)
    device = envelopes.Device(api_endpoint=endpoint, permissions_granted=True)
    seen = {_state({})}
    queue = deque([({}, 0)])
    count = 0

    def send(event):
        nonlocal count
        count += 1
        request = event["request"]
        intent = request.get("intent") or {}
        slots = ",".join("{}={}".format(n, (v.get("resolutions") or {}).get("resolutionsPerAuthority", [{}])[0]
                                        .get("values", [{}])[0].get("value", {}).get("id", v.get("value")))
                         for n, v in sorted((intent.get("slots") or {}).items()))
        problems.asking = "{} {} {} in state {}".format(locale, intent.get("name", request["type"]), slots,
                                                         _state(event["session"]["attributes"])[:120])
        return lambda_handler(event, None)

    send(envelopes.launch(locale, device=device))
    send(envelopes.session_ended(locale=locale, device=device))
    while queue and count < MAX_REQUESTS_PER_LOCALE:
        attributes, depth = queue.popleft()
        if depth == 0:
            for offer in OFFER_ACTIONS:  # every registered "yes", even if no walk reaches its offer
                for answer in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
                    session = envelopes.Session(attributes={"offer": offer}, new=False)
                    _follow(send(envelopes.intent(answer, locale=locale, session=session, device=device)),
                            session, seen, queue, depth)
        for intent, options in choices.items():
            # Every slot value from the start; further in, no slot and one value are enough.
            for slots in options if depth == 0 else options[:2]:
                session = envelopes.Session(attributes=dict(attributes), new=not attributes)
                response = send(envelopes.intent(intent, slots, locale=locale, session=session, device=device))
                if depth + 1 < max_depth:
                    _follow(response, session, seen, queue, depth)
    return count


def _follow(response, session, seen, queue, depth):
    if session.absorb(response):
        state = _state(session.attributes)
        if state not in seen:
            seen.add(state)
            queue.append((session.attributes, depth + 1))


@functools.lru_cache(maxsize=None)
def used_keys() -> set:
    call_keys, literals, offers = static_use()
    keys = all_keys()
    used = {k for k, _ in call_keys} | (literals & keys)
    for recorded in walk()["used"].values():
        used |= recorded
    for offer in offers | set(OFFER_ACTIONS):
        used |= {"offers.{}.question".format(offer), "offers.{}.reprompt".format(offer)}
    for prefix in DYNAMIC_FAMILIES:
        used |= {k for k in keys if k.startswith(prefix)}
    # A name built from two literals, e.g. "heat_program.errors." + error.reason where the
    # code raises TimersError("too_many"): the key counts when both halves are in the code.
    prefixes = {lit for lit in literals if lit.endswith(".") and any(k.startswith(lit) for k in keys)}
    used |= {k for k in keys for p in prefixes if k.startswith(p) and k[len(p):] in literals}
    return used


# ---------------------------------------------------------------- the tests

def test_every_key_named_in_code_exists_in_every_locale():
    call_keys, _, offers = static_use()
    missing = []
    for locale in SUPPORTED_LOCALES:
        lines = _lines(locale)
        missing += ["{} ({}) in {}".format(key, where, locale) for key, where in sorted(call_keys)
                    if key not in lines]
        for offer in sorted(offers | set(OFFER_ACTIONS)):
            missing += ["offers.{}.{} in {}".format(offer, part, locale) for part in ("question", "reprompt")
                        if "offers.{}.{}".format(offer, part) not in lines]
    assert not missing, "content keys used by code but missing: {}".format(missing)


def test_every_key_read_in_conversation_exists_in_every_locale():
    found = walk()
    missing = ["{} in {}".format(key, locale) for locale, keys in found["used"].items()
               for key in sorted(keys) if key not in _lines(locale)]
    assert not missing, missing


def test_the_walk_reaches_every_handler_without_failures():
    """Every intent of every model is answered by its own handler; nothing raises or fails on the way."""
    found = walk()
    assert found["requests"] > 0
    known = [p for p in found["problems"] if any(bug in p for bug in KNOWN_BUGS)]
    if known:
        warnings.warn("known bugs still present: {}; e.g. {}".format(
            "; ".join(v for k, v in KNOWN_BUGS.items() if any(k in p for p in known)), known[0]))
    problems = sorted(set(found["problems"]) - set(known))
    assert not problems, "\n".join(problems[:20])


@pytest.mark.parametrize("prefix", sorted(DYNAMIC_FAMILIES))
def test_dynamic_key_families_match_their_id_tables(prefix):
    expected = DYNAMIC_FAMILIES[prefix]()
    for locale in SUPPORTED_LOCALES:
        present = {k[len(prefix):] for k in _lines(locale) if k.startswith(prefix)}
        assert present == expected, "{}: {} missing {}, unexpected {}".format(
            locale, prefix, sorted(expected - present), sorted(present - expected))


def test_no_content_key_goes_unused():
    stale = sorted(set(PENDING) & used_keys())
    if stale:
        warnings.warn("content keys now used by code: remove them from PENDING: {}".format(stale))
    unused = sorted(all_keys() - used_keys() - set(PENDING))
    assert not unused, ("content keys no code uses (delete them, or if read by a computed name "
                        "add the family to DYNAMIC_FAMILIES): {}".format(unused))


def _locale_files() -> dict:
    folder = os.path.join(CONTENT_DIR, "locales")
    out = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                out[name[:-5]] = json.load(f)
    return out


def test_every_supported_locale_has_a_locale_file_and_vice_versa():
    assert set(_locale_files()) == set(SUPPORTED_LOCALES)


def test_every_override_replaces_a_real_key_with_a_line_of_the_same_shape():
    for locale, data in _locale_files().items():
        base = content_module._language_lines(locale.split("-")[0])
        for key, value in data.get("overrides", {}).items():
            assert key in base, "{} overrides unknown key {!r}".format(locale, key)
            assert isinstance(value, (str, list)) and value, (locale, key)
            if isinstance(value, list):
                assert all(isinstance(v, str) and v for v in value), (locale, key)
                assert isinstance(base[key], list) or len(value) >= 1, (locale, key)


def test_every_locale_defines_the_same_vars():
    names = {locale: set(data.get("vars", {})) for locale, data in _locale_files().items()}
    union = set().union(*names.values())
    for locale, defined in names.items():
        assert defined == union, "{} lacks vars {}".format(locale, sorted(union - defined))


_FORMATTER = string.Formatter()


def _fields(template: str) -> set:
    return {field for _, field, _, _ in _FORMATTER.parse(template) if field is not None}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_placeholder_of_every_line_renders(locale):
    """Locale vars and pauses fill in; any other placeholder is a value the code passes,
    which must not collide with a var name. Every variant renders to well-formed SSML."""
    content = load(locale)
    problems = []
    for key, value in sorted(content.lines.items()):
        variants = value if isinstance(value, list) else [value]
        for template in variants:
            if not isinstance(template, str):
                continue  # numbers and other data (e.g. durations) are read with raw()
            try:
                fields = _fields(template)
            except ValueError as error:
                problems.append("{}: {} ({!r})".format(key, error, template[:60]))
                continue
            caller_values = {f: "seven" for f in fields if f not in content.vars and f not in speech.PAUSES}
            for field in caller_values:
                if not field.isidentifier():
                    problems.append("{}: odd placeholder {{{}}}".format(key, field))
            try:
                fragment = speech.render(template, {**content.vars, **caller_values})
                ElementTree.fromstring("<speak>{}</speak>".format(fragment))
            except Exception as error:  # any failure is a content bug to report
                problems.append("{}: {}".format(key, error))
    assert not problems, problems


def test_static_scan_sees_the_core_calls():
    """Guard for the scanner itself: it must find keys the core certainly uses."""
    call_keys, _, offers = static_use()
    keys = {k for k, _ in call_keys}
    assert {"conversation.welcome", "conversation.menu_reprompt", "conversation.goodbye"} <= keys
    assert {"more", "heat", "choose"} <= offers
