"""The web service: real signed requests through the Flask app, and every way to fail.

A certificate authority made here (trusted only by these tests) issues an
echo-api.amazon.com signing certificate; envelopes are signed with its key exactly
as Alexa signs them and posted to the real app built by ``create_app``.
"""
from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta, timezone

import pytest
from ask_sdk_core.dispatch_components import AbstractRequestInterceptor

from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import envelopes
from tools.signing import CHAIN_URL, Authority, TestPKI, pem, sign, signed_request
from webservice.app import create_app, env_flag
from webservice.body import MAX_JSON_DEPTH, nesting_depth
from webservice.verify import (SignatureVerifier, VerificationException, check_cert_chain_url,
                               default_trust_roots)

NORMALISED_URL = check_cert_chain_url(CHAIN_URL)


@pytest.fixture(scope="session")
def pki():
    return TestPKI()


class Recorder(AbstractRequestInterceptor):
    """Sees every request the skill dispatches."""

    def __init__(self):
        self.seen = []

    def process(self, handler_input):
        self.seen.append(handler_input.request_envelope.request.object_type)


class Server:
    """The app with its own CA, a chain fetcher that serves chains by URL, and a recorder."""

    def __init__(self, pki, tmp_path, environ=None, chains=None):
        self.pki = pki
        self.recorder = Recorder()
        builder = build_skill_builder(
            persistence_adapter=SQLitePersistenceAdapter(str(tmp_path / "attributes.sqlite3")))
        builder.add_global_request_interceptor(self.recorder)
        self.chains = dict(chains or {NORMALISED_URL: pki.chain()})
        self.fetched = []
        self.app = create_app(builder.create(), trust_roots=pki.roots, fetch=self.fetch,
                              environ=environ or {})
        self.client = self.app.test_client()

    def fetch(self, url):
        self.fetched.append(url)
        if url not in self.chains:
            raise VerificationException("no chain at " + url)
        return self.chains[url]

    def post(self, envelope=None, *, key=None, url=CHAIN_URL, body=None, headers=None, drop=()):
        envelope = envelope or envelopes.launch()
        signed_body, signed_headers = signed_request(envelope, key or self.pki.signing_key, url)
        signed_headers.update(headers or {})
        for name in drop:
            signed_headers.pop(name)
        return self.client.post("/", data=signed_body if body is None else body, headers=signed_headers)


@pytest.fixture
def server(pki, tmp_path):
    return Server(pki, tmp_path)


def speech(response) -> str:
    return json.loads(response.data)["response"]["outputSpeech"]["ssml"]


def assert_rejected(server, response):
    assert response.status_code == 400, response.data
    assert response.mimetype == "text/plain"
    assert b"Traceback" not in response.data
    assert server.recorder.seen == [], "a rejected request must not reach the skill"


# --- accepted ----------------------------------------------------------------------------

def test_a_correctly_signed_request_is_answered(server):
    response = server.post()
    assert response.status_code == 200
    assert "Back Spasm Coach" in speech(response)
    assert server.recorder.seen == ["LaunchRequest"]


def test_the_chain_is_fetched_once_then_a_request_costs_one_signature_check(server):
    for _ in range(5):
        assert server.post().status_code == 200
    assert server.fetched == [NORMALISED_URL]


@pytest.mark.parametrize("url", [
    "HTTPS://S3.AMAZONAWS.COM/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:443/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/../echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com/echo.api/../echo.api/./echo-api-cert-test.pem",
])
def test_amazon_url_variants_that_normalise_to_the_rule_are_accepted(server, url):
    assert server.post(url=url).status_code == 200
    assert server.fetched == [NORMALISED_URL]


def test_a_skill_event_an_hour_old_is_still_fresh(server):
    envelope = envelopes.launch()
    when = datetime.now(timezone.utc) - timedelta(minutes=50)
    envelope["request"] = {"type": "AlexaSkillEvent.SkillEnabled", "requestId": "amzn1.echo-api.request.1",
                           "timestamp": envelopes.timestamp(when), "eventCreationTime": envelopes.timestamp(when)}
    envelope.pop("session")
    assert server.post(envelope).status_code == 200


def test_the_skill_id_is_checked_when_configured(pki, tmp_path):
    mine = Server(pki, tmp_path, environ={"SKILL_ID": envelopes.SKILL_ID})
    assert mine.post().status_code == 200
    theirs = Server(pki, tmp_path, environ={"SKILL_ID": "amzn1.ask.skill.someone-else"})
    assert_rejected(theirs, theirs.post())


# --- the SignatureCertChainUrl rules -------------------------------------------------------

@pytest.mark.parametrize("url", [
    "http://s3.amazonaws.com/echo.api/echo-api-cert-test.pem",          # not https
    "https://notamazon.com/echo.api/echo-api-cert-test.pem",            # other host
    "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-test.pem",
    "https://s3.amazonaws.com:563/echo.api/echo-api-cert-test.pem",     # other port
    "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-test.pem",         # path is case-sensitive
    "https://s3.amazonaws.com/invalid.path/echo-api-cert-test.pem",     # other path
    "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-test.pem",  # escapes after normalising
    "https://evil.example@s3.amazonaws.com/echo.api/echo-api-cert-test.pem",     # credentials
    "https://s3.amazonaws.com:notaport/echo.api/echo-api-cert-test.pem",
    "s3.amazonaws.com/echo.api/echo-api-cert-test.pem",
])
def test_each_broken_url_rule_is_rejected_before_anything_is_fetched(server, url):
    # The fetcher would happily serve the chain for any URL; the rules must stop it first.
    server.chains = {u: server.pki.chain() for u in (url, NORMALISED_URL)}
    assert_rejected(server, server.post(url=url))
    assert server.fetched == []


def test_a_url_that_fails_is_refused_even_after_a_good_one_was_cached(server):
    assert server.post().status_code == 200
    server.recorder.seen.clear()
    assert_rejected(server, server.post(url="https://s3.amazonaws.com:8443/echo.api/echo-api-cert-test.pem"))


# --- the certificate chain ------------------------------------------------------------------

def chain_with(pki, **issue):
    leaf = pki.intermediate.issue(pki.signing_key.public_key(), **issue)
    return pki.chain(leaf)


@pytest.mark.parametrize("case", ["expired", "not yet valid", "wrong name", "wildcard name", "no name"])
def test_a_signing_certificate_with_the_wrong_dates_or_name_is_rejected(pki, tmp_path, case):
    now = datetime.now(timezone.utc)
    issue = {
        "expired": dict(not_before=now - timedelta(days=30), not_after=now - timedelta(minutes=5)),
        "not yet valid": dict(not_before=now + timedelta(minutes=5), not_after=now + timedelta(days=30)),
        "wrong name": dict(dns_names=("echo-api.amazon.com.evil.example", "evil.example")),
        "wildcard name": dict(dns_names=("*.amazon.com",)),
        "no name": dict(dns_names=(), ip_addresses=("127.0.0.1",)),
    }[case]
    server = Server(pki, tmp_path, chains={NORMALISED_URL: chain_with(pki, **issue)})
    assert_rejected(server, server.post())


def test_a_chain_from_an_untrusted_authority_is_rejected(pki, tmp_path):
    rogue_root = Authority("Rogue Root CA")
    rogue = Authority("Rogue Intermediate", parent=rogue_root)
    leaf = rogue.issue(pki.signing_key.public_key())
    server = Server(pki, tmp_path, chains={NORMALISED_URL: pem(leaf, rogue.certificate, rogue_root.certificate)})
    assert_rejected(server, server.post())


def test_a_chain_missing_its_intermediate_is_rejected(pki, tmp_path):
    server = Server(pki, tmp_path, chains={NORMALISED_URL: pem(pki.signing_certificate)})
    assert_rejected(server, server.post())


def test_a_chain_that_is_not_pem_is_rejected(pki, tmp_path):
    server = Server(pki, tmp_path, chains={NORMALISED_URL: b"<html>Access denied</html>"})
    assert_rejected(server, server.post())


# --- the signature and the body ----------------------------------------------------------------

def test_a_tampered_body_is_rejected(server):
    body, headers = signed_request(envelopes.launch(), server.pki.signing_key)
    tampered = body.replace(b'"LaunchRequest"', b'"LaunchRequest" ')
    response = server.client.post("/", data=tampered, headers=headers)
    assert_rejected(server, response)


def test_a_signature_by_another_key_is_rejected(server):
    other = Authority("not the signing key")  # any RSA key will do
    assert_rejected(server, server.post(key=other.key))


def test_the_old_sha1_header_alone_is_not_enough(server):
    body, headers = signed_request(envelopes.launch(), server.pki.signing_key)
    headers["Signature"] = headers.pop("Signature-256")
    assert_rejected(server, server.client.post("/", data=body, headers=headers))


@pytest.mark.parametrize("value", ["not base64 at all!", "", "AAAA"])
def test_a_malformed_signature_is_rejected(server, value):
    assert_rejected(server, server.post(headers={"Signature-256": value}))


@pytest.mark.parametrize("missing", [("SignatureCertChainUrl",), ("Signature-256",),
                                     ("SignatureCertChainUrl", "Signature-256")])
def test_missing_headers_are_rejected(server, missing):
    assert_rejected(server, server.post(drop=missing))


def test_header_names_are_case_insensitive(server):
    body, headers = signed_request(envelopes.launch(), server.pki.signing_key)
    headers = {name.lower(): value for name, value in headers.items()}
    assert server.client.post("/", data=body, headers=headers).status_code == 200


# --- the timestamp ------------------------------------------------------------------------------

@pytest.mark.parametrize("offset", [timedelta(seconds=-200), timedelta(seconds=200), timedelta(hours=-2)])
def test_a_stale_or_future_timestamp_is_rejected(server, offset):
    envelope = envelopes.launch()
    envelope["request"]["timestamp"] = envelopes.timestamp(datetime.now(timezone.utc) + offset)
    assert_rejected(server, server.post(envelope))


def test_a_skill_event_older_than_an_hour_is_rejected(server):
    envelope = envelopes.launch()
    when = datetime.now(timezone.utc) - timedelta(minutes=70)
    envelope["request"] = {"type": "AlexaSkillEvent.SkillDisabled", "requestId": "amzn1.echo-api.request.2",
                           "timestamp": envelopes.timestamp(when), "eventCreationTime": envelopes.timestamp(when)}
    assert_rejected(server, server.post(envelope))


def test_a_request_without_a_timestamp_is_rejected(server):
    envelope = envelopes.launch()
    del envelope["request"]["timestamp"]
    assert_rejected(server, server.post(envelope))


# --- cheap checks before any fetch --------------------------------------------------------------

@pytest.mark.parametrize("case", ["stale", "another skill"])
def test_a_stale_or_foreign_request_is_refused_before_its_chain_is_fetched(pki, tmp_path, case):
    """Timestamp and skill id are checked first, so naming a new chain URL costs the server nothing."""
    server = Server(pki, tmp_path, environ={"SKILL_ID": envelopes.SKILL_ID})
    envelope = envelopes.launch()
    if case == "stale":
        envelope["request"]["timestamp"] = envelopes.timestamp(datetime.now(timezone.utc) - timedelta(hours=1))
    else:
        envelope["context"]["System"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    assert_rejected(server, server.post(envelope, url="https://s3.amazonaws.com/echo.api/new-chain.pem"))
    assert server.fetched == []


def test_a_burst_for_one_new_chain_url_fetches_it_once(pki):
    import threading

    calls, release = [], threading.Event()

    def slow_fetch(url):
        calls.append(url)
        release.wait(5)
        return pki.chain()

    verifier = SignatureVerifier(pki.roots, fetch=slow_fetch)
    keys = []
    threads = [threading.Thread(target=lambda: keys.append(verifier.trusted_key(CHAIN_URL))) for _ in range(8)]
    for thread in threads:
        thread.start()
    threading.Event().wait(0.2)
    release.set()
    for thread in threads:
        thread.join(10)
    assert calls == [NORMALISED_URL] and len(keys) == 8


def test_only_a_few_chain_urls_are_fetched_at_once(pki):
    import threading

    release = threading.Event()
    verifier = SignatureVerifier(pki.roots, fetch=lambda url: release.wait(5) and pki.chain(), max_fetches=2)
    busy = [threading.Thread(target=verifier.trusted_key, args=("https://s3.amazonaws.com/echo.api/{}.pem".format(n),),
                             daemon=True) for n in range(2)]
    for thread in busy:
        thread.start()
    threading.Event().wait(0.2)
    with pytest.raises(VerificationException, match="too many"):
        verifier.trusted_key("https://s3.amazonaws.com/echo.api/third.pem")
    release.set()
    for thread in busy:
        thread.join(10)
    assert verifier.trusted_key("https://s3.amazonaws.com/echo.api/third.pem")  # a slot is free again


# --- nesting -------------------------------------------------------------------------------------

@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 500, 5_000])
def test_a_body_nested_deeper_than_any_envelope_is_a_400(server, depth):
    body = b'{"version": "1.0", "request": {"type": "LaunchRequest"}, "x": ' + b"[" * depth + b"]" * depth + b"}"
    response = server.client.post("/", data=body, content_type="application/json")
    assert response.status_code == 400 and b"Traceback" not in response.data
    assert server.recorder.seen == []


def test_real_envelopes_nest_far_below_the_limit():
    red_flag = {"symptom": envelopes.slot("symptom", "numb groin", "SADDLE_NUMBNESS")}
    screen = envelopes.Device(screen=True)
    for envelope in (envelopes.launch(device=screen), envelopes.intent("RedFlagIntent", red_flag, device=screen)):
        assert nesting_depth(envelope) < MAX_JSON_DEPTH // 4


# --- the cache ----------------------------------------------------------------------------------

def test_the_cache_is_bounded_and_least_recently_used_goes_first(pki):
    calls = []
    verifier = SignatureVerifier(pki.roots, fetch=lambda url: calls.append(url) or pki.chain(), cache_size=16)
    urls = ["https://s3.amazonaws.com/echo.api/cert-{}.pem".format(n) for n in range(17)]
    for url in urls:
        verifier.trusted_key(url)
    assert len(verifier.cached_urls()) == 16
    assert urls[0] not in verifier.cached_urls()
    verifier.trusted_key(urls[16])
    assert len(calls) == 17  # a cached URL costs no fetch
    verifier.trusted_key(urls[0])
    assert len(calls) == 18  # the evicted one is fetched again


def test_a_cached_chain_is_dropped_once_it_expires(pki):
    now = datetime.now(timezone.utc)
    leaf = pki.intermediate.issue(pki.signing_key.public_key(), not_after=now + timedelta(hours=1))
    clock = [now]
    calls = []
    verifier = SignatureVerifier(pki.roots, fetch=lambda url: calls.append(url) or pki.chain(leaf),
                                 clock=lambda: clock[0])
    body, headers = signed_request(envelopes.launch(), pki.signing_key)
    verifier.verify(headers, body.decode(), None)
    verifier.verify(headers, body.decode(), None)
    assert len(calls) == 1
    clock[0] = now + timedelta(hours=2)
    with pytest.raises(VerificationException, match="expired"):
        verifier.verify(headers, body.decode(), None)
    assert len(calls) == 2


def test_the_default_trust_store_is_the_systems_not_a_pinned_certificate():
    roots = default_trust_roots()
    assert len(roots) > 20


# --- switching checks off, only explicitly ---------------------------------------------------------

def test_signature_checks_can_be_switched_off_only_explicitly_and_loudly(pki, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        server = Server(pki, tmp_path, environ={"ASK_SDK_VERIFY_SIGNATURE": "false"})
    assert "SIGNATURES ARE NOT CHECKED" in caplog.text
    response = server.client.post("/", json=envelopes.launch())
    assert response.status_code == 200
    # the timestamp is still checked
    stale = envelopes.launch()
    stale["request"]["timestamp"] = envelopes.timestamp(datetime.now(timezone.utc) - timedelta(hours=1))
    assert server.client.post("/", json=stale).status_code == 400


def test_timestamp_checks_can_be_switched_off_only_explicitly_and_loudly(pki, tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        server = Server(pki, tmp_path, environ={"ASK_SDK_VERIFY_TIMESTAMP": "FALSE"})
    assert "TIMESTAMPS ARE NOT CHECKED" in caplog.text
    stale = envelopes.launch()
    stale["request"]["timestamp"] = envelopes.timestamp(datetime.now(timezone.utc) - timedelta(hours=1))
    assert server.post(stale).status_code == 200
    assert server.client.post("/", json=envelopes.launch()).status_code == 400  # unsigned


def test_unreadable_switch_values_stop_the_server_from_starting():
    assert env_flag("X", {}) is True
    assert env_flag("X", {"X": "true"}) is True
    with pytest.raises(ValueError):
        env_flag("X", {"X": "flase"})


# --- bad input: the right 4xx, short and plain -------------------------------------------------------

@pytest.mark.parametrize("method, kwargs, status", [
    ("get", {}, 405),
    ("put", {"json": {}}, 405),
    ("post", {"data": "hello", "content_type": "text/plain"}, 415),
    ("post", {"data": "{}"}, 415),  # no content type
    ("post", {"data": "{not json", "content_type": "application/json"}, 400),
    ("post", {"data": b"\xff\xfe{}", "content_type": "application/json"}, 400),
    ("post", {"data": "[1, 2]", "content_type": "application/json"}, 400),
    ("post", {"data": '{"request": 5}', "content_type": "application/json"}, 400),
    ("post", {"data": '{"request": {"type": "NoSuchRequest"}}', "content_type": "application/json"}, 400),
    ("post", {"data": '{"request": {"type": "LaunchRequest", "timestamp": "soon"}}',
              "content_type": "application/json"}, 400),
    ("post", {"data": '{"pad": "' + "x" * (300 * 1024) + '"}', "content_type": "application/json"}, 413),
])
def test_bad_input_gets_the_right_4xx_and_a_short_plain_message(server, method, kwargs, status):
    response = getattr(server.client, method)("/", **kwargs)
    assert response.status_code == status
    assert response.mimetype == "text/plain"
    assert len(response.data) < 200 and b"Traceback" not in response.data
    assert server.recorder.seen == []


def test_other_paths_are_404(server):
    response = server.client.post("/admin", json={})
    assert response.status_code == 404 and response.mimetype == "text/plain"


def test_bad_input_with_valid_signature_headers_is_still_a_4xx(server):
    body = b'{"request": {"type": "IntentRequest", "intent": 7}}'
    response = server.client.post("/", data=body, headers={
        "Content-Type": "application/json", "SignatureCertChainUrl": CHAIN_URL,
        "Signature-256": sign(body, server.pki.signing_key)})
    assert response.status_code == 400


def test_the_signature_covers_the_raw_utf8_bytes_exactly(server):
    envelope = envelopes.intent("HeatColdIntent")
    envelope["session"]["attributes"] = {"note": "chaleur douce, s'il vous plaît — 温かい"}
    body = json.dumps(envelope, ensure_ascii=False, indent=1).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8", "SignatureCertChainUrl": CHAIN_URL,
               "Signature-256": sign(body, server.pki.signing_key)}
    assert server.client.post("/", data=body, headers=headers).status_code == 200
    server.recorder.seen.clear()
    escaped = json.dumps(envelope, ensure_ascii=True, indent=1).encode("utf-8")  # same JSON, other bytes
    assert_rejected(server, server.client.post("/", data=escaped, headers=headers))


def test_make_serve_binds_loopback_8080_unless_told_otherwise():
    from webservice.__main__ import gunicorn_argv

    argv = gunicorn_argv(environ={})
    assert argv[argv.index("--bind") + 1] == "127.0.0.1:8080"
    assert argv[-1] == "webservice.app:create_app()"
    argv = gunicorn_argv(environ={"HOST": "0.0.0.0", "PORT": "9000"})
    assert argv[argv.index("--bind") + 1] == "0.0.0.0:9000"


def test_make_serve_uses_the_fair_gevent_worker_on_per_worker_sockets():
    from webservice.__main__ import gunicorn_argv

    argv = gunicorn_argv(environ={})
    assert argv[argv.index("--worker-class") + 1] == "webservice.worker.FairGeventWorker"
    assert "--reuse-port" in argv and argv[argv.index("--keep-alive") + 1] == "5"
    assert gunicorn_argv(["--workers", "4"], environ={})[-3:-1] == ["--workers", "4"]  # ARGS come last and win


def test_make_serve_refuses_a_port_another_server_listens_on():
    """With SO_REUSEPORT two servers could silently share a port; the start-up check stops that."""
    import socket

    from webservice.__main__ import port_taken

    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert port_taken("127.0.0.1", listener.getsockname()[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert not port_taken("127.0.0.1", free)
