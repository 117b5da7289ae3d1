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
from fuzz_envelopes import REQUEST_KINDS, envelopes, json_values, mutated
from lambda_function import lambda_handler
from skill_io import check_ssml, closing_lines
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
    body = json.dumps(response_envelope)  # what Lambda or the web service sends back
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
    reprompt = (response.get("reprompt") or {}).get("outputSpeech")
    if reprompt is not None:
        check_ssml(reprompt["ssml"])
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
    def __init__(self):
        super().__init__(logging.ERROR)
        self.records = []

    def emit(self, record):
        if record.msg.startswith("could not handle"):  # the SDK failed before any handler
            self.records.append(record)


_ENTRY_ERRORS = _Recorder()
logging.getLogger("back_spasm_coach.entry").addHandler(_ENTRY_ERRORS)


def _sdk_reads(event) -> bool:
    try:
        _SERIALIZER.deserialize(json.dumps(event), RequestEnvelope)
    except Exception:
        return False
    return True


def answer(event):
    """The answer to an event; an envelope the SDK can read must reach the skill's own
    handlers, not the entry point's last-resort fallback."""
    _ENTRY_ERRORS.records.clear()
    response = lambda_handler(event, None)
    if _ENTRY_ERRORS.records and _sdk_reads(event):
        raise AssertionError("a readable envelope failed before any handler ran: "
                             + _ENTRY_ERRORS.records[0].getMessage())
    return response


@given(envelopes())
@example(env.intent("AMAZON.RepeatIntent", session=env.Session(
    attributes={"last_speech": "<", "last_reprompt": "<speak>ok</speak>"}, new=False)))
@example(env.intent("AMAZON.RepeatIntent", session=env.Session(
    attributes={"last_speech": "<speak>" + "a" * 9000 + "</speak>", "last_reprompt": "<speak>ok</speak>"},
    new=False)))
def test_any_well_formed_envelope_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event))


@given(mutated())
def test_any_broken_envelope_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event))


@given(envelopes(kinds=("IntentRequest",)))
def test_any_intent_with_any_slots_and_attributes_gets_a_valid_answer(event):
    assert_valid_answer(event, answer(event))


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
