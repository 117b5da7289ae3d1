"""Hypothesis strategies for Alexa request envelopes: real ones, odd ones, and broken ones.

``envelopes()`` builds an envelope of any request type Alexa sends (and some
it never will), with every intent of every locale's model plus unknown ones,
slots of any shape, odd locales, session attributes of any shape, and the
session or context sometimes missing. ``mutated(envelopes())`` then breaks it
further: a field deleted, or replaced by a value of another type, a huge or an
empty string. Shared by tests/test_fuzz.py (Lambda) and the web-service fuzzing.
"""
from __future__ import annotations

import copy

from hypothesis import strategies as st

from back_spasm_coach import conversation, safety, state
from back_spasm_coach.content import SUPPORTED_LOCALES, load
from skill_io import model
from tools import envelopes as env

# ---------------------------------------------------------------- building blocks

HUGE_SIZES = (1_000, 8_000, 100_000)

#: Text of any kind, including SSML/XML specials, placeholders, and the occasional huge one.
texts = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "<", "&", "</speak>", "<speak>", "{doctor}", "{}", "{0}", "%s", "\x00",
                     "]]>", "<break time=\"100s\"/>", "null", "None", "true", "ẞ🙂", "\u202e"]),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["a", "<", "& ", "é"]), st.sampled_from(HUGE_SIZES)),
)

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                    texts)

#: Any JSON value, nested to any (small) depth.
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


def _model_facts():
    intents, slots, slot_ids = set(), {}, {}
    for locale in SUPPORTED_LOCALES:
        language_model = model(locale)
        for intent in language_model["intents"]:
            intents.add(intent["name"])
            for spec in intent.get("slots", []):
                slots.setdefault(intent["name"], {})[spec["name"]] = spec["type"]
        for slot_type in language_model.get("types", []):
            for value in slot_type["values"]:
                slot_ids.setdefault(slot_type["name"], set()).add(value.get("id") or value["name"]["value"])
    return sorted(intents), slots, {k: sorted(v) for k, v in slot_ids.items()}


MODEL_INTENTS, MODEL_SLOTS, SLOT_IDS = _model_facts()
UNKNOWN_INTENTS = ["AMAZON.PauseIntent", "AMAZON.ResumeIntent", "AMAZON.StartOverIntent",
                   "AMAZON.ScrollDownIntent", "HelloWorldIntent", "", "amazon.yesintent", "RedFlag"]
intent_names = st.one_of(st.sampled_from(MODEL_INTENTS), st.sampled_from(UNKNOWN_INTENTS), texts)

locales = st.one_of(
    st.sampled_from(SUPPORTED_LOCALES),
    st.sampled_from(["fr-FR", "de-DE", "en", "EN-gb", " en-AU ", "en_US", "en-ZA", "", "??-??"]),
    st.none(), texts,
)

#: Enum values Alexa may add tomorrow: the SDK refuses them, and the skill must still listen.
NEW_ENUM = st.sampled_from(["SOMETHING_NEW", "PARTLY_CONFIRMED", "ER_SUCCESS_PARTIAL", "HOLOGRAM", "TRIANGLE",
                            "Composite", "lowercase"])
ER_CODES = ["ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT", "ER_ERROR_EXCEPTION", "BOGUS",
            "ER_SUCCESS_PARTIAL"]
CONFIRMATION = st.one_of(st.sampled_from(["NONE", "CONFIRMED", "DENIED"]), NEW_ENUM)
DIALOG_STATES = st.one_of(st.sampled_from(["STARTED", "IN_PROGRESS", "COMPLETED"]), NEW_ENUM)
all_ids = sorted({i for ids in SLOT_IDS.values() for i in ids} | set(safety.TIERS))
slot_ids = st.one_of(st.sampled_from(all_ids), texts, st.none())


@st.composite
def resolutions(draw):
    authorities = []
    for _ in range(draw(st.integers(0, 2))):
        authority = {"authority": draw(st.one_of(st.just("amzn1.er-authority.echo-sdk.x.RED_FLAG_SYMPTOM"),
                                                 texts)),
                     "status": {"code": draw(st.sampled_from(ER_CODES))}}
        if draw(st.booleans()):
            authority["values"] = [{"value": {"name": draw(texts), "id": draw(slot_ids)}}
                                   for _ in range(draw(st.integers(0, 3)))]
        authorities.append(authority)
    return {"resolutionsPerAuthority": authorities}


@st.composite
def slot(draw, name):
    entry = {"name": name, "confirmationStatus": draw(CONFIRMATION)}
    if draw(st.booleans()):
        entry["value"] = draw(st.one_of(texts, st.none()))
    if draw(st.booleans()):
        entry["resolutions"] = draw(resolutions())
    if draw(st.integers(0, 4)) == 4:  # the newer multi-value shape
        entry["slotValue"] = draw(st.one_of(
            st.builds(lambda v: {"type": "Simple", "value": v}, texts),
            st.builds(lambda vs: {"type": "List", "values": [{"type": "Simple", "value": v} for v in vs]},
                      st.lists(texts, max_size=3)),
            st.builds(lambda t, v: {"type": t, "value": v}, NEW_ENUM, texts)))
    return entry


@st.composite
def slots_for(draw, intent_name):
    names = list(MODEL_SLOTS.get(intent_name, {}))
    names += draw(st.lists(st.sampled_from(["symptom", "duration", "stretch", "side", "x"]) | texts,
                           max_size=2))
    chosen = draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))) if names else []
    return {name: draw(slot(name)) for name in chosen}


# ---------------------------------------------------------------- stored state
#
# Session attributes come back with every request; persistent attributes come back
# from SQLite or DynamoDB. Each is built from the skill's own schemas (state.py): a
# record that fits, then often broken: a value swapped for NaN, infinity, a huge
# number, a huge string, another type; a key deleted; an unknown key added.

NAN, INF = float("nan"), float("inf")
#: Numbers JSON (as Python reads and writes it) can carry and no schema allows.
ODD_NUMBERS = [NAN, INF, -INF, 10 ** 400, -(10 ** 400), 1e308, 2 ** 63, -1, 0, 1.5, 900.0, True, False]
odd_values = st.one_of(st.sampled_from(ODD_NUMBERS), json_values, texts)
CONTENT_KEYS = sorted(load("en-US").lines)
#: Names the code uses (routines, placeholders), and some it does not.
NAMES = ["gentle", "strengthening", "name", "count", "duration", "x", "A"]


def from_schema(field):
    """Values that fit a state.py field type."""
    if isinstance(field, state.Int):
        return st.integers(field.low, field.high)
    if isinstance(field, state.Bool):
        return st.booleans()
    if isinstance(field, state.Choice):
        return st.sampled_from(sorted(field.choices))
    if field is state.SAID_LINE.fields["key"]:
        return st.sampled_from(CONTENT_KEYS)  # real lines, each with or without its placeholders
    if isinstance(field, state.Text):
        return st.text(max_size=min(field.max_length, 20)).filter(lambda t: _fits(field, t)) \
            if field.pattern is None else st.sampled_from(NAMES + sorted(conversation.OFFER_ACTIONS))
    if isinstance(field, state.AnyOf):
        return st.one_of(*(from_schema(f) for f in field.fields))
    if isinstance(field, state.ListOf):
        return st.lists(from_schema(field.item), max_size=min(field.max_items, 4))
    if isinstance(field, state.MapOf):
        return st.dictionaries(from_schema(field.key), from_schema(field.value), max_size=min(field.max_items, 3))
    if isinstance(field, state.Record):
        optional = {k: from_schema(f) for k, f in field.fields.items() if k not in field.required}
        return st.fixed_dictionaries({k: from_schema(field.fields[k]) for k in field.required}, optional=optional)
    raise TypeError(field)


def _fits(field, value) -> bool:
    try:
        field.clean(value, "")
    except state.Invalid:
        return False
    return True


@st.composite
def broken(draw, base):
    """A stored value broken in one to three places (or left whole, half the time)."""
    value = copy.deepcopy(draw(base))
    if draw(st.booleans()):
        return value
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(value))
        containers = [p for p in paths if isinstance(_at(value, p), dict)]
        choice = draw(st.integers(0, 4))
        if choice == 0 and isinstance(value, dict):  # an unknown key, anywhere a dict is
            target = _at(value, draw(st.sampled_from(containers))) if containers and draw(st.booleans()) else value
            target[draw(st.text(max_size=12))] = draw(odd_values)
        elif not paths:
            return draw(odd_values)
        else:
            path = draw(st.sampled_from(paths))
            parent = _at(value, path[:-1])
            if choice == 1:
                del parent[path[-1]]
            else:
                parent[path[-1]] = draw(odd_values)
    return value


def _at(value, path):
    for key in path:
        value = value[key]
    return value


@st.composite
def stored_state(draw, schema):
    """Attributes as a store or a session hands them back: the skill's own records, often broken."""
    attributes = {}
    for key, field in schema.fields.items():
        if draw(st.booleans()):
            attributes[key] = draw(broken(from_schema(field)))
    if draw(st.integers(0, 3)) == 3:
        attributes.update(draw(st.dictionaries(st.text(max_size=12), odd_values, max_size=2)))
    return attributes


def session_attributes():
    return stored_state(state.SESSION)


def persistent_attributes():
    return stored_state(state.PERSISTENT)


# ---------------------------------------------------------------- requests

SESSION_END_REASONS = ["USER_INITIATED", "ERROR", "EXCEEDED_MAX_REPROMPTS", "BOGUS"]
SESSION_ERRORS = ["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR", "INTERNAL_SERVICE_ERROR",
                  "ENDPOINT_TIMEOUT", "SOMETHING_NEW"]
UNKNOWN_TYPES = ["Some.FutureRequest", "AudioPlayer.PlaybackStarted", "PlaybackController.PlayCommandIssued",
                 "Alexa.Presentation.APL.RuntimeError", "Messaging.MessageReceived", "SessionResumedRequest", ""]


def _launch(draw):
    request = {"type": "LaunchRequest"}
    if draw(st.integers(0, 5)) == 5:  # launched by a timer's task
        request["task"] = {"name": draw(texts), "version": draw(texts), "input": draw(json_values)}
    return request


def _intent(draw):
    name = draw(intent_names)
    return {"type": "IntentRequest",
            "dialogState": draw(DIALOG_STATES),
            "intent": {"name": name, "confirmationStatus": draw(CONFIRMATION), "slots": draw(slots_for(name))}}


def _session_ended(draw):
    request = {"type": "SessionEndedRequest", "reason": draw(st.sampled_from(SESSION_END_REASONS))}
    if draw(st.booleans()):
        request["error"] = {"type": draw(st.sampled_from(SESSION_ERRORS)), "message": draw(texts)}
    return request


def _connections_response(draw):
    return {"type": "Connections.Response", "name": draw(st.sampled_from(["AskFor", "Buy", "Unknown"]) | texts),
            "token": draw(texts),
            "status": {"code": draw(st.sampled_from(["200", "400", "500"]) | texts), "message": draw(texts)},
            "payload": {"status": draw(st.sampled_from(["ACCEPTED", "DENIED", "NOT_ANSWERED"]) | texts),
                        "isCardThrown": draw(st.booleans()),
                        "permissionScope": "alexa::alerts:timers:skill:readwrite"}}


def _can_fulfill(draw):
    name = draw(intent_names)
    return {"type": "CanFulfillIntentRequest",
            "intent": {"name": name, "confirmationStatus": "NONE", "slots": draw(slots_for(name))}}


def _exception_encountered(draw):
    return {"type": "System.ExceptionEncountered",
            "error": {"type": draw(st.sampled_from(["INVALID_RESPONSE", "DEVICE_COMMUNICATION_ERROR"])),
                      "message": draw(texts)},
            "cause": {"requestId": draw(texts)}}


def _apl_user_event(draw):
    return {"type": "Alexa.Presentation.APL.UserEvent", "token": draw(texts),
            "arguments": draw(st.lists(json_values, max_size=3)),
            "source": {"type": "TouchWrapper", "handler": "Press", "id": draw(texts)}}


def _unknown(draw):
    return {"type": draw(st.sampled_from(UNKNOWN_TYPES) | texts), "extra": draw(json_values)}


REQUEST_KINDS = {
    "LaunchRequest": _launch, "IntentRequest": _intent, "SessionEndedRequest": _session_ended,
    "Connections.Response": _connections_response, "CanFulfillIntentRequest": _can_fulfill,
    "System.ExceptionEncountered": _exception_encountered,
    "Alexa.Presentation.APL.UserEvent": _apl_user_event, "unknown": _unknown,
}


@st.composite
def envelopes(draw, kinds=tuple(REQUEST_KINDS)):
    """A well-formed envelope (as far as its request type allows) of any kind."""
    request = REQUEST_KINDS[draw(st.sampled_from(kinds))](draw)
    device = env.Device(screen=draw(st.booleans()), api_endpoint="https://127.0.0.1:9",
                        permissions_granted=draw(st.booleans()))
    session = env.Session(attributes=draw(session_attributes()), new=draw(st.booleans()))
    locale = draw(locales)
    event = env._envelope(request, "en-US", session, device)
    event["request"]["locale"] = locale
    if locale is None and draw(st.booleans()):
        del event["request"]["locale"]
    # (Hypothesis favours small integers, so the rare case is the largest.)
    if draw(st.integers(0, 6)) == 6:
        del event["session"]
    if draw(st.integers(0, 8)) == 8:
        del event["context"]
    elif draw(st.integers(0, 4)) == 4:
        event["context"]["Viewport"] = draw(viewports())
    if draw(st.integers(0, 6)) == 6:
        event["request"]["timestamp"] = draw(TIMESTAMPS)
    return event


#: Timestamps as Alexa sends them, and as it might one day (epoch numbers, other formats), and broken.
TIMESTAMPS = st.one_of(st.integers(0, 2 ** 40), st.sampled_from(["2026-11-25T10:00:00.123Z", "2026-11-25",
                                                                  "yesterday", "", "2026-13-45T99:99:99Z"]),
                       texts)


@st.composite
def viewports(draw):
    """A screen's Viewport, sometimes with a mode or shape the SDK does not know yet."""
    return {"experiences": [{"canRotate": False, "canResize": False}],
            "mode": draw(st.sampled_from(["HUB", "TV", "PC", "MOBILE", "AUTO"]) | NEW_ENUM),
            "shape": draw(st.sampled_from(["RECTANGLE", "ROUND"]) | NEW_ENUM),
            "pixelWidth": 1024, "pixelHeight": 600, "dpi": 160, "currentPixelWidth": 1024,
            "currentPixelHeight": 600, "touch": ["SINGLE"], "keyboard": []}


@st.composite
def red_flags_in_new_envelopes(draw):
    """(locale, event): an emergency statement from the blind phrasebooks, heard as a judge hears it
    in a locale, in an envelope with one or more values newer than the SDK (see test_forward_compat.py)."""
    from tools import nlu
    phrase = draw(st.sampled_from(_emergency_phrases()))
    locale = draw(st.sampled_from(SUPPORTED_LOCALES))
    resolution = nlu.load(locale).resolve(phrase, strict=True)
    event = env.intent(resolution.intent or nlu.FALLBACK, resolution.slots, locale=locale,
                       device=env.Device(api_endpoint="https://127.0.0.1:9"),
                       session=env.Session(attributes=draw(session_attributes()), new=draw(st.booleans())))
    request, slots = event["request"], event["request"]["intent"]["slots"]
    changes = draw(st.lists(st.sampled_from(["dialog", "intent", "slot", "er", "slot_value", "viewport",
                                             "timestamp"]), min_size=1, max_size=3, unique=True))
    if "dialog" in changes:
        request["dialogState"] = draw(NEW_ENUM)
    if "intent" in changes:
        request["intent"]["confirmationStatus"] = draw(NEW_ENUM)
    for slot_entry in slots.values():
        if "slot" in changes:
            slot_entry["confirmationStatus"] = draw(NEW_ENUM)
        if "er" in changes:
            slot_entry["resolutions"] = {"resolutionsPerAuthority": [
                {"authority": "amzn1.er-authority.echo-sdk.x.NEW", "status": {"code": draw(NEW_ENUM)}}]}
        if "slot_value" in changes:
            slot_entry["slotValue"] = {"type": draw(NEW_ENUM), "value": slot_entry.get("value")}
    if "viewport" in changes:
        event["context"]["Viewport"] = draw(viewports())
    if "timestamp" in changes:
        request["timestamp"] = draw(TIMESTAMPS)
    return locale, event


_EMERGENCIES = []


def _emergency_phrases():
    if not _EMERGENCIES:
        from tools import understand
        _EMERGENCIES.extend(sorted(p.text for p in understand.load_phrasebooks() if p.label == "emergency"))
    return _EMERGENCIES


def _paths(value, prefix=()):
    """Every (container, key) path in a JSON document."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield prefix + (index,)
            yield from _paths(child, prefix + (index,))


@st.composite
def mutated(draw, base=None):
    """An envelope with one to three fields deleted or replaced by a value of any type."""
    event = copy.deepcopy(draw(base if base is not None else envelopes()))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(event))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.integers(0, 3)) == 3:
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(json_values)
    return event
