"""Fuzzing the web service over real HTTP: framing, nesting and headers a stranger chooses.

tests/test_fuzz.py sends broken envelopes through the Flask app; here the bytes go
over a socket to ``python -m webservice`` (gunicorn, verification on), so the HTTP
parser, the body reader and the worker are in the path too. Hypothesis builds
requests from a real envelope: nested junk of any depth at any place, bodies that
are chunked (sometimes with a corrupted chunk-size line or terminator) or not, odd
content types and signature headers, signed with the trusted test key or not.

Every request must get an answer, and never a 5xx; a well-framed, signed envelope
nested no deeper than an envelope can be must get a 200. `make test` runs a few
examples ("ci" profile); `make fuzz` runs many.
"""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tools import envelopes, hostile
from tools.loadtest import Server
from tools.signing import CHAIN_URL, TestPKI, sign
from webservice.body import MAX_JSON_DEPTH


@pytest.fixture(scope="module")
def pki():
    return TestPKI()


@pytest.fixture(scope="module")
def server(pki, tmp_path_factory):
    directory = str(tmp_path_factory.mktemp("fuzz-http"))
    pki.write(directory)
    with Server(directory, os.path.join(directory, "attributes.sqlite3"), workers=2) as running:
        yield running
        log = running.log(tail=None)
    assert "Traceback" not in log, log[-3000:]


PLACES = {"top": [], "request": ["request"], "session attributes": ["session", "attributes"],
          "context": ["context"]}


def bracket_depth(text: bytes) -> int:
    """How deeply lists and objects nest in JSON text, counted without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in text:
        if in_string:
            escaped = not escaped and byte == 0x5C  # backslash
            in_string = escaped or byte != 0x22  # quote
        elif byte == 0x22:
            in_string = True
        elif byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


@st.composite
def bodies(draw):
    """A real envelope's JSON with junk nested ``depth`` deep at some place in it."""
    envelope = draw(st.sampled_from([envelopes.launch(), envelopes.intent("RestIntent"),
                                     envelopes.intent("StartStretchesIntent")]))
    depth = draw(st.one_of(st.integers(0, MAX_JSON_DEPTH + 5), st.integers(MAX_JSON_DEPTH, 6_000)))
    target = envelope
    for key in PLACES[draw(st.sampled_from(sorted(PLACES)))]:
        target = target[key]
    target["junk"] = "@NESTED@"
    opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
    # written out as text: json.dumps itself would recurse
    text = json.dumps(envelope, separators=(",", ":")).replace('"@NESTED@"', opening * depth + "1" + closing * depth)
    return text.encode()


@st.composite
def framings(draw, body: bytes):
    """(raw chunked body or None, whether the framing is well formed)."""
    kind = draw(st.sampled_from(["length", "chunked", "broken chunked"]))
    if kind == "length":
        return None, True
    size = draw(st.integers(1, 2048))
    raw = hostile.chunked(body, size)
    if kind == "chunked":
        return raw, True
    lines = raw.split(b"\r\n")
    index = draw(st.integers(0, len(lines) - 2)) // 2 * 2  # a chunk-size line
    lines[index] = draw(st.sampled_from([b"zz", b"-1", b"0x10", b" ", b"1;ext=\x01", b"g" * 20]))
    return b"\r\n".join(lines), False


@given(data=st.data())
def test_no_request_gets_a_5xx_and_good_ones_are_answered(server, pki, data):
    body = data.draw(bodies())
    depth = bracket_depth(body)
    chunked_raw, well_framed = data.draw(framings(body))
    signed = data.draw(st.booleans())
    content_type = data.draw(st.sampled_from(["application/json", "application/json; charset=utf-8", "text/plain"]))
    headers = {"Content-Type": content_type}
    if signed:
        headers.update({"SignatureCertChainUrl": CHAIN_URL, "Signature-256": sign(body, pki.signing_key)})
    else:
        headers.update(data.draw(st.sampled_from([
            {}, {"SignatureCertChainUrl": CHAIN_URL, "Signature-256": "AAAA"},
            {"SignatureCertChainUrl": "https://s3.amazonaws.com/echo.api/../x.pem", "Signature-256": "!"}])))
    status, answer = hostile.exchange(server.port, hostile.post_bytes(body, headers, chunked_raw=chunked_raw))
    assert status is not None, "no answer: {!r}".format(answer[:200])
    assert status < 500, answer[:300]
    assert b"Traceback" not in answer
    if content_type == "text/plain":
        assert status == 415
    elif not well_framed or depth > MAX_JSON_DEPTH:
        assert status == 400, (depth, well_framed, answer[:300])
    elif signed:
        assert status == 200, (depth, answer[:300])
