"""Fuzzing every entry point: random and broken envelopes never crash the skill.

Entry points: ``lambda_handler`` (single requests and whole multi-turn sessions) and
the web service's Flask app with verification off (never a 500; 200 for every
envelope the SDK can read, a 4xx for anything else).

For any envelope (see fuzz_envelopes.py): no exception escapes; the answer is a
response envelope the SDK can read back; any speech is well-formed SSML under
Alexa's limits; a session left open has a reprompt; a session that ends carries
the closing advice in the request's locale; nothing is said in reply to a
SessionEndedRequest or to Alexa's name-free question (CanFulfillIntentRequest). `make test` runs a few examples ("ci" profile);
`make fuzz` runs many ("fuzz" profile, FUZZ_EXAMPLES to change how many).
"""
import functools
import json
import logging

from ask_sdk_core.serialize import DefaultSerializer
from ask_sdk_model import RequestEnvelope, ResponseEnvelope
import hypothesis
from hypothesis import example, given
from hypothesis import strategies as st

from back_spasm_coach.content import resolve_locale
from back_spasm_coach.speech import to_text
from fuzz_envelopes import (REQUEST_KINDS, envelopes, json_values, mutated, persistent_attributes,
                            red_flags_in_new_envelopes)
from lambda_function import lambda_handler
from skill_io import check_ssml, closing_lines
from test_invariants import LEAKS
from tools import envelopes as env

_SERIALIZER = DefaultSerializer()


def _request_part(event):
    request = event.get("request") if isinstance(event, dict) else None
    return request if isinstance(request, dict) else {}


def expected_locale(event) -> str:
    locale = _request_part(event).get("locale")
    return resolve_locale(locale if isinstance(locale, str) else None)


def assert_valid_answer(event, response_envelope):
    """What every answer to every envelope must be, whatever came in."""
    assert isinstance(response_envelope, dict), response_envelope
    # What Lambda or the web service sends back: strict JSON (a NaN or Infinity is not JSON).
    body = json.dumps(response_envelope, allow_nan=False)
    parsed = _SERIALIZER.deserialize(body, ResponseEnvelope)
    assert parsed.version == "1.0"
    response = response_envelope.get("response")
    assert isinstance(response, dict), response_envelope
    speech = response.get("outputSpeech")
    ssml = ""
    if speech is not None:
        assert speech.get("type") == "SSML", speech
        ssml = speech["ssml"]
        check_ssml(ssml)
        assert not LEAKS.search(to_text(ssml)), to_text(ssml)
    reprompt = (response.get("reprompt") or {}).get("outputSpeech")
    if reprompt is not None:
        check_ssml(reprompt["ssml"])
        assert not LEAKS.search(to_text(reprompt["ssml"])), to_text(reprompt["ssml"])
    request_type = _request_part(event).get("type")
    if request_type == "SessionEndedRequest":
        assert speech is None and reprompt is None, "speech in reply to a SessionEndedRequest"
    if request_type == "CanFulfillIntentRequest":  # Amazon: no observable interaction at all
        assert speech is None and reprompt is None and not response.get("directives") \
            and response.get("card") is None and response.get("shouldEndSession") is None, response
    ends = response.get("shouldEndSession")
    hypothesis.event("{} -> {}".format(request_type if isinstance(request_type, str) and len(request_type) < 40 else "odd type",
                            {True: "ends", False: "open", None: "silent" if speech is None else "speaks"}.get(ends)))
    if ends is True:
        locale = expected_locale(event)
        assert any(line in ssml for line in closing_lines(locale)), \
            "session ended without the {} closing advice: {}".format(locale, ssml[:300])
    elif ends is False:
        assert reprompt is not None, "session left open with no reprompt"


class _Recorder(logging.Handler):
    def __init__(self, start: str):
        super().__init__(logging.ERROR)
        self.start = start
        self.records = []

    def emit(self, record):
        if str(record.msg).startswith(self.start):
            self.records.append(record)


#: The SDK failed before any handler ran.
_ENTRY_ERRORS = _Recorder("could not handle")
logging.getLogger("back_spasm_coach.entry").addHandler(_ENTRY_ERRORS)
#: A handler raised, and the catch-all answered for it.
_HANDLER_ERRORS = _Recorder("handler failed")
logging.getLogger("back_spasm_coach.handlers.errors").addHandler(_HANDLER_ERRORS)


def _sdk_reads(event) -> bool:
    try:
        _SERIALIZER.deserialize(json.dumps(event), RequestEnvelope)
    except Exception:
        return False
    return True


def answer(event, well_formed=True, handler=lambda_handler):
    """The answer to an event; an envelope the SDK can read must reach the skill's own
    handlers, not the entry point's last-resort fallback; and a well-formed one (whatever
    its stored state) must be answered by them without raising into the catch-all."""
    _ENTRY_ERRORS.records.clear()
    _HANDLER_ERRORS.records.clear()
    response = handler(event, None)
    if _ENTRY_ERRORS.records and _sdk_reads(event):
        raise AssertionError("a readable envelope failed before any handler ran: "
                             + _ENTRY_ERRORS.records[0].getMessage())
    if _HANDLER_ERRORS.records and well_formed:
        record = _HANDLER_ERRORS.records[0]
        raise AssertionError("a handler raised, and the catch-all hid it: {!r}".format(
            record.exc_info[1] if record.exc_info else record.getMessage()))
    return response


#: An Alexa API address on loopback where nothing listens: API calls fail at once, offline.
DEAD_DEVICE = env.Device(api_endpoint="https://127.0.0.1:9")


def _with_session(intent, attributes):
    return env.intent(intent, session=env.Session(attributes=attributes, new=False), device=DEAD_DEVICE)


@given(envelopes())
@example(_with_session("AMAZON.RepeatIntent", {"last_speech": "<!DOCTYPE speak><speak>Traceback</speak>"}))
@example(_with_session("AMAZON.RepeatIntent", {"last_said": {
    "speech": [{"key": "rest.answer", "i": 99}], "reprompt": [{"key": "offers.more.reprompt"}]}}))
@example(_with_session("AMAZON.RepeatIntent", {"last_said": {
    "speech": [{"key": "routine.resume", "values": {"name": "None"}}],
    "reprompt": [{"key": "offers.more.reprompt"}]}}))
@example(_with_session("AMAZON.RepeatIntent", {"last_said": {
    "speech": [{"key": "overview.answer"}] * 16, "reprompt": [{"key": "offers.more.reprompt"}]}}))
@example(_with_session("AMAZON.NextIntent", {"stretch_routine": {"routine": "gentle", "index": float("nan")}}))
@example(_with_session("AMAZON.YesIntent", {"offer": "heat_program_start", "heat_program_pending": {
    "kind": "heat", "seconds": float("inf"), "rounds": 1}}))
@example(_with_session("AMAZON.HelpIntent", {"stuff": [float("-inf"), {"x": 10 ** 400}]}))
def test_any_well_formed_envelope_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event))


@given(mutated())
def test_any_broken_envelope_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event, well_formed=False))


@given(envelopes(kinds=("IntentRequest",)))
def test_any_intent_with_any_slots_and_attributes_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event))


@given(red_flags_in_new_envelopes())
def test_an_emergency_is_answered_first_whatever_values_alexa_adds(locale_and_event):
    """Enum values newer than the SDK (a dialog state, a slot-value type, a viewport shape...) or a
    timestamp written another way make the SDK refuse the envelope; the emergency still comes first."""
    from tools import understand
    locale, event = locale_and_event
    response = answer(event, well_formed=False)
    assert_valid_answer(event, response)
    said = to_text(response["response"]["outputSpeech"]["ssml"])
    ok, why = understand.judge("emergency", response, said, {}, locale)
    assert ok, why


@given(st.lists(envelopes(kinds=("LaunchRequest", "IntentRequest", "Connections.Response")), min_size=2,
                max_size=6))
def test_any_conversation_gets_valid_answers_turn_after_turn(turns):
    """Several turns of one session, attributes carried as Alexa carries them."""
    session = env.Session()
    for event in turns:
        event["session"] = session.envelope_part(env.Device())
        event["context"] = {"System": env.Device(api_endpoint="https://127.0.0.1:9",
                                                 permissions_granted=True).system()}
        response = answer(event)
        assert_valid_answer(event, response)
        if not session.absorb(response):
            session = env.Session()


# ---------------------------------------------------------------- persistent attributes

def plant(attributes: dict, user_id: str = env.USER_ID) -> None:
    """Put ``attributes`` in the SQLite store lambda_handler reads, as they are: NaN and all."""
    import os
    import sqlite3

    from back_spasm_coach.persistence import SQLITE_PATH_ENV

    with sqlite3.connect(os.environ[SQLITE_PATH_ENV]) as db:
        db.execute("CREATE TABLE IF NOT EXISTS attributes (user_id TEXT PRIMARY KEY, data TEXT NOT NULL)")
        db.execute("INSERT OR REPLACE INTO attributes (user_id, data) VALUES (?, ?)",
                   (user_id, json.dumps(attributes)))


@given(persistent_attributes(), envelopes(kinds=("LaunchRequest", "IntentRequest", "Connections.Response")))
@example({"stretch_routine": {"routine": "gentle", "index": float("inf")}},
         env.intent("ContinueStretchesIntent", device=DEAD_DEVICE))
@example({"heat_program": {"kind": "heat", "phases": [{"kind": "heat", "seconds": float("nan"), "timer_id": "t"}]},
          "heat_program_lengths": {"heat": 10 ** 400}}, env.intent("TimeLeftIntent", device=DEAD_DEVICE))
def test_any_stored_preferences_get_a_valid_answer(stored, event):
    """Persistent attributes come back from a store: whatever is there, the answer is sound."""
    plant(stored)
    assert_valid_answer(event, answer(event))


def dynamodb_form(value):
    """A stored value as DynamoDB holds it and hands it back: every number a Decimal (38 digits
    at most, no NaN or infinity: those become the largest or smallest it allows), a list of
    distinct strings a string set, no empty map key."""
    from decimal import Decimal

    if isinstance(value, (bool, str, Decimal, set)) or value is None:
        return value
    if isinstance(value, (int, float)):
        if value != value or value in (float("inf"), float("-inf")) or abs(value) >= 1e125:
            return Decimal("-9.9E+125") if value != value or value < 0 else Decimal("9.9E+125")
        if isinstance(value, float) and value and abs(value) < 1e-129:
            return Decimal("1E-129")
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, list):
        if value and all(isinstance(v, str) and v for v in value) and len(set(value)) == len(value):
            return set(value)
        return [dynamodb_form(v) for v in value]
    return {(key or "_"): dynamodb_form(item) for key, item in value.items()}


def test_any_stored_preferences_in_dynamodb_get_a_valid_answer(dynalite, dynamodb_table):
    """The same, from DynamoDB (dynalite) through the ASK SDK adapter as the skill configures it."""
    from decimal import Decimal

    from botocore.exceptions import ClientError

    from back_spasm_coach import persistence
    from back_spasm_coach.entry import safe_lambda_handler
    from back_spasm_coach.skill import build_skill_builder

    handler = safe_lambda_handler(build_skill_builder(persistence_adapter=persistence.default_adapter()))
    table = dynalite.resource().Table(dynamodb_table)

    @given(persistent_attributes(), envelopes(kinds=("LaunchRequest", "IntentRequest", "Connections.Response")))
    @example({"stretch_routine": {"routine": "gentle", "index": Decimal("1.5")},
              "heat_program_lengths": {"heat": {"sneaky"}}}, env.intent("ContinueStretchesIntent", device=DEAD_DEVICE))
    def check(stored, event):
        try:
            table.put_item(Item={"id": env.USER_ID, "attributes": dynamodb_form(stored)})
        except ClientError:  # more than DynamoDB holds in one item (400 KB): not a case
            hypothesis.reject()
        assert_valid_answer(event, answer(event, handler=handler))

    check()


# ---------------------------------------------------------------- the web service (Flask app)

@functools.lru_cache(maxsize=None)
def web_client():
    """The real Flask app with verification off (as `make serve` would run it for local clients)."""
    from webservice.app import create_app

    app = create_app(environ={"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false"})
    return app.test_client()


def post(body: bytes, content_type: str = "application/json"):
    return web_client().post("/", data=body, headers={"Content-Type": content_type})


@given(st.one_of(envelopes(), mutated()))
def test_the_web_service_answers_any_envelope_without_a_500(event):
    from webservice.app import MAX_BODY_BYTES

    body = json.dumps(event).encode("utf-8")
    reply = post(body)
    if len(body) > MAX_BODY_BYTES:
        assert reply.status_code == 413, (reply.status_code, reply.data[:200])
        return
    assert reply.status_code in (200, 400), (reply.status_code, reply.data[:200])
    readable = isinstance(_request_part(event).get("type"), str) and _sdk_reads(event)
    if readable:
        assert reply.status_code == 200, reply.data[:200]
    if reply.status_code == 200:
        assert_valid_answer(event, json.loads(reply.data))


@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8")),
                 json_values.map(lambda v: json.dumps(v).encode("utf-8"))),
       st.sampled_from(["application/json", "text/plain", "application/json; charset=latin-1", ""]))
def test_the_web_service_refuses_any_other_body_with_a_4xx(body, content_type):
    reply = post(body, content_type)
    assert 400 <= reply.status_code < 500 or reply.status_code == 200, (reply.status_code, reply.data[:200])
    if reply.status_code == 200:  # only a body that is, by chance, a readable envelope
        assert_valid_answer(json.loads(body), json.loads(reply.data))


@given(st.text())
def test_ssml_escaping_matches_the_standard_library(text):
    import html

    from back_spasm_coach import speech
    assert speech.escape(text) == html.escape(text, quote=False)


def test_the_strategies_cover_every_request_type():
    """The fuzzer is only as good as its reach: every kind of request is built."""
    assert {"LaunchRequest", "IntentRequest", "SessionEndedRequest", "Connections.Response",
            "CanFulfillIntentRequest", "System.ExceptionEncountered",
            "Alexa.Presentation.APL.UserEvent", "unknown"} <= set(REQUEST_KINDS)
