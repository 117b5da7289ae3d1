"""The web service under hostile clients: real HTTP against ``python -m webservice`` on loopback.

Each test starts the real server (gunicorn, its own worker model and settings) trusting
a test CA, fetching certificate chains over HTTPS from a loopback host that can stall
(tools.hostile.ChainHost). The clients are raw sockets where HTTP libraries would
refuse to misbehave (chunked framing, idle and slow connections). Nothing judges
wall-clock speed tightly: a normal request must be *answered* while the hostile ones
go on, within bounds far above its usual few milliseconds.
"""
from __future__ import annotations

import json
import os
import threading

import pytest

from tools import envelopes, hostile
from tools.loadtest import Server, run_load, worker_share
from tools.signing import CHAIN_URL, TestPKI, sign, signed_request

#: A normal request's usual answer takes milliseconds; these bounds only catch starvation.
ANSWERED_WITHIN = 5.0


@pytest.fixture(scope="module")
def pki():
    return TestPKI()


@pytest.fixture(scope="module")
def chain_host(pki):
    with hostile.ChainHost(pki, stall=10.0) as host:
        yield host


@pytest.fixture(scope="module")
def server(pki, chain_host, tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("hostile"))
    pki.write(directory)
    with Server(directory, os.path.join(directory, "attributes.sqlite3"), workers=2,
                access_log=os.path.join(directory, "access.log"),
                extra_env={"SIGNING_CHAIN_ORIGIN": chain_host.origin}) as running:
        yield running
        log = running.log(tail=None)
    assert "Traceback" not in log and "Internal Server Error" not in log, log[-3000:]


def assert_normal_requests_answered(server, pki, count=5):
    figures = hostile.probe_figures(server.port, pki.signing_key, count)
    assert figures["answered"] == count, figures
    assert figures["max_ms"] < ANSWERED_WITHIN * 1000, figures


def test_concurrent_first_requests_to_a_fresh_server_are_all_answered(pki, tmp_path):
    """32 stretch and heat-program requests at once, the first a fresh server sees.

    SWITCH_INTERVAL makes the server's threads switch often, so a module another thread
    has not finished loading would be seen (on gthread workers with importlib's
    LazyLoader, every such server answered some of these "something went wrong")."""
    pki.write(str(tmp_path))
    with Server(str(tmp_path), str(tmp_path / "attributes.sqlite3"), workers=2,
                extra_env={"SWITCH_INTERVAL": "0.00001"}) as fresh:
        burst = hostile.first_burst(fresh.port, pki.signing_key, count=32)
        log = fresh.log(tail=None)
    assert burst["ok"] == burst["sent"] == 32, burst
    assert "handler failed" not in log, log[-3000:]


@pytest.mark.parametrize("depth", [2_000, 20_000])
@pytest.mark.parametrize("shape", ["list", "object"])
@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_deeply_nested_json_is_a_400(server, pki, depth, shape, signed):
    body = hostile.deep_json_body(depth, shape)
    headers = {}
    if signed:
        headers = {"SignatureCertChainUrl": CHAIN_URL, "Signature-256": sign(body, pki.signing_key)}
    status, data = hostile.exchange(server.port, hostile.post_bytes(body, headers))
    assert status == 400, data[:300]
    assert b"Traceback" not in data


@pytest.mark.parametrize("case", sorted(hostile.BAD_CHUNKS))
def test_a_broken_chunked_body_is_a_400_and_the_connection_closes(server, case):
    status, data = hostile.exchange(server.port, hostile.post_bytes(b"", chunked_raw=hostile.BAD_CHUNKS[case]))
    assert status == 400, data[:300]
    assert b"connection: close" in data.lower()


def test_a_well_formed_chunked_request_is_answered(server, pki):
    """The control for the broken ones: chunked framing itself is fine."""
    body, headers = signed_request(envelopes.launch(), pki.signing_key)
    status, data = hostile.exchange(server.port, hostile.post_bytes(b"", headers, chunked_raw=hostile.chunked(body)))
    assert status == 200, data[:300]
    assert b"outputSpeech" in data


@pytest.mark.parametrize("kind, count", [("idle", 200), ("slow", 20), ("slow-body", 20)])
def test_idle_and_slow_clients_do_not_starve_normal_requests(server, pki, kind, count):
    with hostile.Hold(server.port, count, kind) as held:
        threading.Event().wait(0.5)  # the server has accepted them
        assert len(held.sockets) == count
        assert_normal_requests_answered(server, pki)
        assert held.still_open() > count // 2  # they really were held while the others were answered


def test_a_stalling_certificate_host_delays_no_one(server, pki, chain_host):
    """Unsigned requests naming chains on a host that stalls: the fresh ones for our skill
    are refused once the short fetch time-out passes, the stale or foreign ones before any
    fetch, and normal requests are answered all the while."""
    figures = hostile.stalling_chain_figures(server.port, pki.signing_key, chain_host, count=12, probes=5)
    assert figures["probes"]["answered"] == 5 and figures["probes"]["max_ms"] < ANSWERED_WITHIN * 1000, figures
    assert figures["fetched"]["statuses"] == [400] and figures["cheap"]["statuses"] == [400], figures
    assert figures["fetches_for_cheap_failures"] == 0, figures
    assert figures["fetched"]["max_ms"] < 8000, figures  # well inside the host's 10 s stall


def test_keep_alive_load_reaches_every_worker(server, pki):
    """Each worker listens on its own SO_REUSEPORT socket, so 16 kept-alive connections spread."""
    before = len(server.access_lines())
    figures = run_load(server.port, pki.signing_key, requests=400, concurrency=16, time_limit=60)
    assert figures["errors"] == 0 and figures["ok"] == 400, figures
    threading.Event().wait(0.3)  # access lines are written after each response
    share = worker_share(server.access_lines()[before:])
    assert len(share) == 2, share


def test_the_server_answers_in_json_after_all_that(server, pki):
    body, headers = signed_request(envelopes.intent("AMAZON.HelpIntent"), pki.signing_key)
    status, data = hostile.exchange(server.port, hostile.post_bytes(body, headers))
    assert status == 200
    assert json.loads(data.split(b"\r\n\r\n", 1)[1])["response"]["outputSpeech"]
