"""Over real sockets: the chain fetched from a loopback HTTPS server, and the app under gunicorn
(signed requests, bad ones refused, and the Timers API reached from its gevent worker)."""
from __future__ import annotations

import http.client
import json
import os
import ssl
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization

from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import envelopes
from tools.loadtest import Server, run_load
from tools.signing import CHAIN_URL, TestPKI, pem, signed_request
from webservice.app import create_app
from webservice.verify import VerificationException, fetch_chain


@pytest.fixture(scope="module")
def pki():
    return TestPKI()


class ChainHandler(BaseHTTPRequestHandler):
    chain = b""

    def do_GET(self):
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/echo.api/echo-api-cert-test.pem")
            self.end_headers()
            return
        body = {"/big": b"A" * (100 * 1024), "/big-undeclared": b"A" * (100 * 1024)}.get(self.path, self.chain)
        self.send_response(200 if self.path != "/missing" else 404)
        self.send_header("Content-Type", "application/x-pem-file")
        if self.path != "/big-undeclared":
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that give up (time-out tests, refused TLS) are expected here


@pytest.fixture(scope="module")
def https_server(pki, tmp_path_factory):
    """A real HTTPS server on loopback with a certificate from the test CA, serving the chain."""
    directory = tmp_path_factory.mktemp("tls")
    key = pki.signing_key  # any key of ours will do for the server
    certificate = pki.intermediate.issue(key.public_key(), dns_names=("localhost",), ip_addresses=("127.0.0.1",))
    (directory / "server.pem").write_bytes(pem(certificate, pki.intermediate.certificate))
    (directory / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    handler = type("Handler", (ChainHandler,), {"chain": pki.chain()})
    server = QuietServer(("127.0.0.1", 0), handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(directory / "server.pem"), str(directory / "server.key"))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cadata=pem(*pki.roots).decode())
    yield "https://127.0.0.1:{}".format(server.server_address[1]), client_context
    server.shutdown()
    server.server_close()


def test_a_request_is_verified_with_the_chain_fetched_over_real_https(pki, https_server, tmp_path):
    base, context = https_server
    fetched = []

    def fetch(url):  # the URL rules were applied to Amazon's URL; only the host is swapped here
        fetched.append(url)
        return fetch_chain(url.replace("https://s3.amazonaws.com", base), ssl_context=context)

    skill = build_skill_builder(persistence_adapter=SQLitePersistenceAdapter(str(tmp_path / "a.sqlite3"))).create()
    client = create_app(skill, trust_roots=pki.roots, fetch=fetch, environ={}).test_client()
    body, headers = signed_request(envelopes.launch(), pki.signing_key)
    response = client.post("/", data=body, headers=headers)
    assert response.status_code == 200
    assert fetched == [CHAIN_URL]


@pytest.mark.parametrize("path, reason", [
    ("/big", "larger than"), ("/big-undeclared", "larger than"), ("/slow", "could not be fetched"),
    ("/redirect", "could not be fetched"), ("/missing", "could not be fetched"),
])
def test_chain_fetches_are_bounded_in_size_and_time_and_never_follow_redirects(https_server, path, reason):
    base, context = https_server
    with pytest.raises(VerificationException, match=reason):
        fetch_chain(base + path, ssl_context=context, timeout=0.5, max_bytes=64 * 1024)


def test_a_chain_server_we_do_not_trust_is_refused(https_server):
    base, _ = https_server
    with pytest.raises(VerificationException, match="could not be fetched"):
        fetch_chain(base + "/echo.api/echo-api-cert-test.pem", timeout=2)  # system roots: not our CA


def post(port, body, headers, method="POST"):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, "/", body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_under_gunicorn_signed_requests_are_answered_and_bad_ones_refused(pki, tmp_path):
    pki.write(str(tmp_path))
    with Server(str(tmp_path), str(tmp_path / "attributes.sqlite3"), workers=2) as server:
        body, headers = signed_request(envelopes.launch(), pki.signing_key)
        status, data = post(server.port, body, headers)
        assert status == 200 and "Back Spasm Coach" in json.loads(data)["response"]["outputSpeech"]["ssml"]
        assert post(server.port, body.replace(b"Launch", b"Lunch"), headers)[0] == 400
        assert post(server.port, json.dumps(envelopes.launch()), {"Content-Type": "application/json"})[0] == 400
        assert post(server.port, "", {}, method="GET")[0] == 405
        status, data = post(server.port, "{oops", {"Content-Type": "application/json"})
        assert status == 400 and b"Traceback" not in data
        figures = run_load(server.port, pki.signing_key, requests=200, concurrency=8, time_limit=60)
        assert figures["errors"] == 0 and figures["ok"] == 200, figures
        log = server.log()
    assert "NOT CHECKED" not in log  # verification was on


def test_under_gunicorn_the_timers_api_is_reached_and_a_hung_one_holds_up_no_one_else(pki, tmp_path):
    """The gevent worker interleaves the skill's own outbound HTTPS (requests, with its time-outs)."""
    from tools.timers_api import Clock, TimersApi

    pki.write(str(tmp_path))
    with TimersApi(Clock(fast=0)) as api, \
            Server(str(tmp_path), str(tmp_path / "attributes.sqlite3"), workers=1,
                   extra_env={"ALEXA_API_CA_BUNDLE": api.ca_file}) as server:
        device = envelopes.Device(api_endpoint=api.url)
        session = envelopes.Session()

        def say(name, **extra):
            body, headers = signed_request(envelopes.intent(name, session=session, device=device), pki.signing_key)
            status, data = post(server.port, body, headers)
            assert status == 200, data[:300]
            session.absorb(json.loads(data))
            return json.loads(data)["response"]["outputSpeech"]["ssml"]

        say("StartHeatProgramIntent")
        say("AMAZON.YesIntent")
        assert len(api.active()) == 1  # one heat timer, created over HTTPS from the worker

        api.inject(hang=True, method="POST")
        session, hung_for = envelopes.Session(), []
        say("StartHeatProgramIntent")

        def agree_while_the_api_hangs():
            began = time.monotonic()
            say("AMAZON.YesIntent")  # answered with a fault sentence once the skill's own budget runs out
            hung_for.append(time.monotonic() - began)

        hung = threading.Thread(target=agree_while_the_api_hangs)
        hung.start()
        time.sleep(0.5)  # its timer call is hanging now
        body, headers = signed_request(envelopes.intent("RestIntent"), pki.signing_key)
        began = time.monotonic()
        assert post(server.port, body, headers)[0] == 200
        waited = time.monotonic() - began
        hung.join(15)
        api.release()
    assert hung_for, "the program start with a hung Timers API got no answer"
    assert waited < hung_for[0] / 2, "a normal request waited {:.1f} s behind a hung Timers API call ({:.1f} s)".format(
        waited, hung_for[0])
