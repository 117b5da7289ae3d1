"""Hostile HTTP clients for the web service, over raw sockets on loopback only.

Used by tests/test_webservice_hostile.py and by ``make load`` (tools.loadtest), against
``python -m webservice`` started by them (tools.loadtest.Server). Every client here is
bounded in count and time, and closes what it opened.

- ``exchange``: one request written as raw bytes, the status read back.
- ``deep_json_body``: an envelope with a value nested thousands deep.
- ``BAD_CHUNKED``: a chunked body whose chunk size is not hexadecimal.
- ``Hold``: many connections held open while something else happens: idle ones that
  never send a byte, or slow ones that send their headers (or body) a byte at a time.
- ``probe``: a normal signed request on a new connection, with its latency.
- ``ChainHost``: Amazon's certificate host stood in for on loopback HTTPS; any path with
  "stall" in it answers nothing for a while (a stalling host).
"""
from __future__ import annotations

import http.client
import json
import os
import socket
import ssl
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from cryptography.hazmat.primitives import serialization

from tools import envelopes
from tools.signing import CHAIN_URL, TestPKI, pem, sign, signed_request

HOST = "127.0.0.1"


def read_status(sock: socket.socket, deadline: float) -> tuple[int | None, bytes]:
    """The status code of the first response on ``sock`` (None if it closed or went quiet), and what was read."""
    data = b""
    while b"\r\n" not in data:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, data
        sock.settimeout(remaining)
        try:
            chunk = sock.recv(4096)
        except OSError:
            return None, data
        if not chunk:
            break
        data += chunk
    line = data.split(b"\r\n", 1)[0].split()
    if len(line) >= 2 and line[0].startswith(b"HTTP/") and line[1].isdigit():
        # read on briefly for the body (a short plain-text reason), never past the deadline
        sock.settimeout(max(0.01, min(0.5, deadline - time.monotonic())))
        try:
            while len(data) < 64 * 1024 and not _complete(data):
                chunk = sock.recv(4096)
                if not chunk:
                    break
                data += chunk
        except OSError:
            pass
        return int(line[1]), data
    return None, data


def _complete(data: bytes) -> bool:
    """Whether ``data`` holds a response's whole head and as much body as it declared."""
    if b"\r\n\r\n" not in data:
        return False
    head, _, body = data.partition(b"\r\n\r\n")
    for header in head.split(b"\r\n")[1:]:
        name, _, value = header.partition(b":")
        if name.strip().lower() == b"content-length" and value.strip().isdigit():
            return len(body) >= int(value.strip())
    return True


def exchange(port: int, raw: bytes, timeout: float = 10.0) -> tuple[int | None, bytes]:
    """Send ``raw`` on a new connection; the response's status and bytes."""
    deadline = time.monotonic() + timeout
    with socket.create_connection((HOST, port), timeout=timeout) as sock:
        sock.sendall(raw)
        return read_status(sock, deadline)


def post_bytes(body: bytes, headers: dict | None = None, *, chunked_raw: bytes | None = None) -> bytes:
    """A raw HTTP/1.1 POST / (Connection: close) with ``body``, or with a raw chunked body instead."""
    fields = {"Host": HOST, "Connection": "close", "Content-Type": "application/json", **(headers or {})}
    if chunked_raw is None:
        fields["Content-Length"] = str(len(body))
    else:
        fields["Transfer-Encoding"] = "chunked"
        body = chunked_raw
    head = "POST / HTTP/1.1\r\n" + "".join("{}: {}\r\n".format(name, value) for name, value in fields.items())
    return head.encode("latin-1") + b"\r\n" + body


def deep_json_body(depth: int, shape: str = "list") -> bytes:
    """A launch envelope with ``depth`` nested lists (or objects) inside it."""
    envelope = json.dumps(envelopes.launch())
    opening, closing = ("[", "]") if shape == "list" else ('{"a":', "}")
    nested = opening * depth + "1" + closing * depth
    return (envelope[:-1] + ', "deep": ' + nested + "}").encode()


#: A chunked body whose first chunk size is not hexadecimal.
BAD_CHUNKED = b"zz\r\n{}\r\n0\r\n\r\n"


def probe(port: int, key, timeout: float = 10.0, envelope: dict | None = None) -> tuple[int | None, float]:
    """A normal signed request on a new connection: its status (None on a time-out or error) and latency."""
    body, headers = signed_request(envelope or envelopes.launch(), key)
    began = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - began
    except (OSError, http.client.HTTPException):
        return None, time.perf_counter() - began
    finally:
        connection.close()


class Hold:
    """``count`` connections held open: "idle" (nothing sent), "slow" (headers a byte at a time),
    or "slow-body" (headers at once, then the body a byte at a time). Stops within ``limit`` s."""

    def __init__(self, port: int, count: int, kind: str = "idle", interval: float = 0.2, limit: float = 60.0):
        if kind not in ("idle", "slow", "slow-body"):
            raise ValueError(kind)
        self.port, self.count, self.kind, self.interval = port, count, kind, interval
        self.limit = limit
        self.sockets: list[socket.socket] = []
        self.dropped = 0  # connections the server closed while we held them
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _payload(self) -> bytes:
        body = b'{"version": "1.0"}' + b" " * 4000
        return post_bytes(body)

    def __enter__(self):
        for _ in range(self.count):
            try:
                sock = socket.create_connection((HOST, self.port), timeout=5)
            except OSError:
                break
            sock.setblocking(False)
            self.sockets.append(sock)
        if self.kind != "idle":
            self._thread = threading.Thread(target=self._dribble, daemon=True)
            self._thread.start()
        return self

    def _dribble(self):
        payload = self._payload()
        head_end = payload.index(b"\r\n\r\n") + 4
        sent = {id(sock): (0 if self.kind == "slow" else head_end) for sock in self.sockets}
        if self.kind == "slow-body":
            for sock in self.sockets:
                self._send(sock, payload[:head_end])
        deadline = time.monotonic() + self.limit
        while not self._stop.wait(self.interval) and time.monotonic() < deadline:
            for sock in list(self.sockets):
                position = sent[id(sock)]
                if position < len(payload) - 1:  # never the last byte: the request stays incomplete
                    if self._send(sock, payload[position:position + 1]):
                        sent[id(sock)] = position + 1

    def _send(self, sock, data: bytes) -> bool:
        try:
            sock.send(data)
            return True
        except BlockingIOError:
            return False
        except OSError:
            self.sockets.remove(sock)
            self.dropped += 1
            sock.close()
            return False

    def still_open(self) -> int:
        """How many held connections the server has neither answered nor closed."""
        count = 0
        for sock in self.sockets:
            try:
                sock.recv(1, socket.MSG_PEEK)  # data (a 408) or b"" (closed): the server is done with it
            except BlockingIOError:
                count += 1
            except OSError:
                pass
        return count

    def seconds_until_closed(self, limit: float = 20.0) -> float | None:
        """How long (from now) until the server has let go of every held connection; None if not within ``limit``."""
        began = time.monotonic()
        while time.monotonic() - began < limit:
            if self.still_open() == 0:
                return round(time.monotonic() - began, 1)
            time.sleep(0.25)
        return None

    def __exit__(self, *exc):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        for sock in self.sockets:
            sock.close()
        self.sockets.clear()


class _ChainHandler(BaseHTTPRequestHandler):
    chain = b""
    stall = 10.0
    hits: list

    def do_GET(self):
        self.hits.append(self.path)
        if "stall" in self.path:
            time.sleep(self.stall)  # a host that accepts and then says nothing
        self.send_response(200)
        self.send_header("Content-Type", "application/x-pem-file")
        self.send_header("Content-Length", str(len(self.chain)))
        self.end_headers()
        self.wfile.write(self.chain)

    def log_message(self, *args):
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that gave up on a stall


class ChainHost:
    """Loopback HTTPS serving the test chain (for SIGNING_CHAIN_ORIGIN); "stall" paths stall ``stall`` s."""

    def __init__(self, pki: TestPKI, stall: float = 10.0):
        self.hits: list[str] = []
        handler = type("Handler", (_ChainHandler,), {"chain": pki.chain(), "stall": stall, "hits": self.hits})
        self.server = _QuietServer((HOST, 0), handler)
        key = pki.signing_key  # any key of ours will do for the host
        certificate = pki.intermediate.issue(key.public_key(), dns_names=("localhost",), ip_addresses=(HOST,))
        with tempfile.TemporaryDirectory(prefix="bsc-chain-host-") as directory:
            cert_path, key_path = os.path.join(directory, "host.pem"), os.path.join(directory, "host.key")
            with open(cert_path, "wb") as handle:
                handle.write(pem(certificate, pki.intermediate.certificate))
            with open(key_path, "wb") as handle:
                handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(cert_path, key_path)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.origin = "https://{}:{}".format(HOST, self.server.server_address[1])
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


# --- scenarios: what `make load` reports and the tests assert ------------------------------

def probe_figures(port: int, key, count: int = 10, envelope: dict | None = None) -> dict:
    """``count`` normal requests one after another, each on a new connection."""
    results = [probe(port, key, envelope=envelope) for _ in range(count)]
    answered = sorted(seconds for status, seconds in results if status == 200)
    return {"answered": len(answered), "of": count,
            "p50_ms": round(answered[len(answered) // 2] * 1000, 1) if answered else None,
            "max_ms": round(max(seconds for _, seconds in results) * 1000, 1)}


def deep_json_statuses(port: int, key, depths=(2_000, 20_000)) -> dict:
    """The status for envelopes nested ``depth`` deep, as lists and objects, signed and unsigned."""
    statuses = {}
    for depth in depths:
        for shape in ("list", "object"):
            body = deep_json_body(depth, shape)
            signed = {"SignatureCertChainUrl": CHAIN_URL, "Signature-256": sign(body, key)}
            statuses["{} {} unsigned".format(shape, depth)] = exchange(port, post_bytes(body))[0]
            statuses["{} {} signed".format(shape, depth)] = exchange(port, post_bytes(body, signed))[0]
    return statuses


#: Chunked bodies that break the framing: sizes that are not hexadecimal, a chunk without its CRLF.
BAD_CHUNKS = {"not hex": BAD_CHUNKED, "negative": b"-5\r\n{}\r\n0\r\n\r\n", "0x prefix": b"0x2\r\n{}\r\n0\r\n\r\n",
              "no terminator": b"2\r\n{}XX0\r\n\r\n"}
#: A valid but enormous chunk size, then nothing: a stalled upload (408 once the body deadline passes).
HUGE_CHUNK_THEN_SILENCE = b"fffffffffffffffffffff\r\n{}"


def bad_chunk_statuses(port: int) -> dict:
    return {name: exchange(port, post_bytes(b"", chunked_raw=raw))[0] for name, raw in BAD_CHUNKS.items()}


def chunked(body: bytes, size: int = 100) -> bytes:
    """``body`` as a valid chunked body, ``size`` bytes a chunk."""
    parts = [body[n:n + size] for n in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts) + b"0\r\n\r\n"


def held_figures(port: int, key, kind: str, count: int, probes: int = 10, until_closed: bool = False) -> dict:
    """Normal requests answered while ``count`` connections of ``kind`` are held open
    (and, with ``until_closed``, how long after they opened the server let them go)."""
    with Hold(port, count, kind) as hold:
        opened = time.monotonic()
        time.sleep(0.5)  # the server has accepted them by now
        figures = probe_figures(port, key, probes)
        figures["held"] = len(hold.sockets)
        if until_closed:
            waited = hold.seconds_until_closed()
            figures["server_let_go_after_s"] = None if waited is None else round(time.monotonic() - opened, 1)
    figures["after"] = probe_figures(port, key, 3)  # and straight after they go
    return figures


def unsigned_with_url(url: str, *, stale: bool = False, skill_id: str | None = None) -> bytes:
    """An unsigned launch naming ``url`` as its chain, with a fresh (or an hour-old) timestamp."""
    when = datetime.now(timezone.utc) - (timedelta(hours=1) if stale else timedelta(0))
    envelope = envelopes.launch()
    envelope["request"]["timestamp"] = envelopes.timestamp(when)
    if skill_id is not None:
        envelope["context"]["System"]["application"]["applicationId"] = skill_id
        envelope["session"]["application"]["applicationId"] = skill_id
    body = json.dumps(envelope).encode()
    return post_bytes(body, {"SignatureCertChainUrl": url, "Signature-256": "AAAA"})


def stalling_chain_figures(port: int, key, host: ChainHost, count: int = 24, probes: int = 10) -> dict:
    """Unsigned requests naming chains on a stalling host, while normal requests go on.

    Half are fresh and for our skill (they reach the fetch, which must give up soon);
    half are an hour old or for another skill (refused before anything is fetched)."""
    stall_url = "https://s3.amazonaws.com/echo.api/stall-{}-{}.pem"
    requests = [("fetched", unsigned_with_url(stall_url.format("fresh", n))) for n in range(count // 2)]
    requests += [("cheap", unsigned_with_url(stall_url.format("stale", n), stale=True)) for n in range(count // 4)]
    requests += [("cheap", unsigned_with_url(stall_url.format("other", n), skill_id="amzn1.ask.skill.other"))
                 for n in range(count - len(requests))]
    outcomes: dict[str, list] = {"fetched": [], "cheap": []}

    def send(kind, raw):
        began = time.perf_counter()
        status, _ = exchange(port, raw, timeout=30)
        outcomes[kind].append((status, time.perf_counter() - began))

    hits_before = len(host.hits)
    senders = [threading.Thread(target=send, args=item, daemon=True) for item in requests]
    for sender in senders:
        sender.start()
    time.sleep(0.2)
    figures = probe_figures(port, key, probes)
    for sender in senders:
        sender.join(35)
    stalled_paths = [path for path in host.hits[hits_before:] if "stall" in path]

    def summary(kind):
        return {"statuses": sorted({status for status, _ in outcomes[kind]}, key=str),
                "max_ms": round(max((s for _, s in outcomes[kind]), default=0) * 1000, 1)}

    return {"probes": figures, "fetched": summary("fetched"), "cheap": summary("cheap"),
            "fetches_for_cheap_failures": sum(1 for path in stalled_paths if "-fresh-" not in path)}


def first_burst(port: int, key, count: int = 32) -> dict:
    """``count`` stretch and heat-program requests at once: a fresh server's first burst."""
    names = ["StartStretchesIntent", "StartHeatProgramIntent", "StrengthenIntent"]
    prepared = [signed_request(envelopes.intent(names[n % len(names)]), key) for n in range(count)]
    start = threading.Barrier(count)
    results: list = [None] * count

    def send(n):
        body, headers = prepared[n]
        start.wait()
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            results[n] = (response.status, json.loads(response.read()))
        except (OSError, http.client.HTTPException, ValueError) as error:
            results[n] = (None, repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return {"sent": count, "ok": sum(1 for result in results if result and result[0] == 200),
            "statuses": sorted({str(result[0]) for result in results if result})}
