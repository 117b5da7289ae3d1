"""A local stand-in for the Alexa Timers REST API, over HTTPS on loopback.

It serves the same paths and JSON shapes as ``{apiEndpoint}/v1/alerts/timers``
(see shared/reference/alexa-platform.md section 1) so the skill's real API
client can talk to it exactly as it talks to Alexa:

  POST   /v1/alerts/timers              create (TimerRequest -> TimerResponse)
  GET    /v1/alerts/timers              list   ({"timers", "totalCount", "nextToken"})
  DELETE /v1/alerts/timers              cancel all of the skill's timers
  GET    /v1/alerts/timers/{id}         one timer (404 when unknown)
  DELETE /v1/alerts/timers/{id}         cancel one
  POST   /v1/alerts/timers/{id}/pause   pause  (400 when not running)
  POST   /v1/alerts/timers/{id}/resume  resume (400 when not paused)

Like the real API it checks the bearer token (401 without one, or when the
token is marked as lacking the timers permission), refuses an 11th timer
(counting the person's own timers, ``personal_timers``), a timer longer than
two hours and a duplicate label, each with a 400 and ``{"code", "message"}``.
The error ``code`` strings are this stand-in's own: Amazon's are not documented.

For tests and the simulated speaker it adds what the real one cannot:
  - a throwaway self-signed certificate made at start (``ca_file`` to trust it);
  - a ``Clock`` that runs ``fast`` times faster than real time and can be
    ``advance``d, so a one-hour program can be heard in a minute, or a test can
    jump ten minutes without sleeping;
  - ``inject(...)``: answer the next N matching calls with a status, or hang;
  - ``on_fire`` callbacks and an ``announcements`` queue with the announce
    text of every timer that ends, in order.

Times in responses (``triggerTime``...) are shown on the wall clock as if the
remaining virtual time were real time, so a client that compares them with
its own clock sees the same time left the stand-in's clock does.

Run alone: ``python -m tools.timers_api --fast 60`` prints its URL and CA file.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import queue
import re
import socket
import ssl
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Optional

MAX_TIMERS = 10
MAX_SECONDS = 2 * 60 * 60
MAX_LABEL = 256
PERMISSION_SCOPE = "alexa::alerts:timers:skill:readwrite"

_DURATION = re.compile(r"^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
                       r"(?:(\d+(?:\.\d+)?)S)?)?$")


def parse_iso_duration(text: str) -> Optional[float]:
    """Seconds in an ISO-8601 duration like PT15M or PT1H2M3S; None when malformed."""
    match = _DURATION.match(text or "")
    if not match or text in ("P", "PT") or text.endswith("T"):
        return None
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def iso_duration(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = "PT"
    if hours:
        out += "{}H".format(hours)
    if minutes:
        out += "{}M".format(minutes)
    if secs or out == "PT":
        out += "{}S".format(secs)
    return out


class Clock:
    """Virtual seconds: ``fast`` times real time (0 = frozen), plus whatever was ``advance``d."""

    def __init__(self, fast: float = 1.0):
        self.fast = float(fast)
        self._real0 = time.monotonic()
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return (time.monotonic() - self._real0) * self.fast + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += float(seconds)


@dataclass
class Timer:
    id: str
    label: Optional[str]
    duration: float
    created: float          # virtual seconds
    trigger: float          # virtual seconds when ON
    body: dict
    status: str = "ON"
    remaining_when_paused: float = 0.0
    updated: float = 0.0

    def announce_text(self) -> str:
        operation = (self.body.get("triggeringBehavior") or {}).get("operation") or {}
        texts = operation.get("textToAnnounce") or []
        return " ".join(t.get("text", "") for t in texts if isinstance(t, dict))


@dataclass
class Fault:
    status: Optional[int] = None     # answer with this status...
    hang: bool = False               # ...or never answer (until released)
    count: int = 1
    method: Optional[str] = None     # only calls with this method
    path_prefix: Optional[str] = None  # only paths starting with this
    after: int = 0                   # let this many matching calls through first
    body: Optional[dict] = None

    def matches(self, method: str, path: str) -> bool:
        return ((self.method is None or self.method == method)
                and (self.path_prefix is None or path.startswith(self.path_prefix)))


@dataclass
class Fired:
    label: Optional[str]
    text: str
    timer_id: str
    at: float  # virtual seconds


def _wall(seconds_from_now: float) -> str:
    when = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=seconds_from_now)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "{:03d}Z".format(when.microsecond // 1000)


class TimersApi:
    """The stand-in's state and behaviour; ``serve()`` puts it on HTTPS."""

    def __init__(self, clock: Clock | None = None, personal_timers: int = 0):
        self.clock = clock or Clock(fast=1.0)
        self.personal_timers = personal_timers
        self.lacking_permission: set = set()
        self.timers: dict = {}
        self.requests: list = []           # (method, path, headers, body) of every call
        self.fired: list = []
        self.announcements: "queue.Queue[Fired]" = queue.Queue()
        self.on_fire: list = []
        self.hang_seconds = 30.0
        # A network between skill and API: every call waits ``latency`` seconds before it is
        # answered (0: loopback speed). Calls wait side by side, as on a real network;
        # ``peak_in_flight`` is the most calls that were ever waiting at once.
        self.latency = 0.0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._faults: list = []
        self._release = threading.Event()
        self._lock = threading.RLock()
        self._server = None
        self._threads: list = []
        self._stop = threading.Event()
        self._tmpdir = None
        self.ca_file = None
        self.url = None
        self.mounts: list = []  # other Alexa APIs served here (mount(); tools/reminders_api.py)

    # ---------------------------------------------------------------- test controls
    def inject(self, status: int | None = None, hang: bool = False, count: int = 1,
               method: str | None = None, path_prefix: str | None = None, after: int = 0,
               body: dict | None = None) -> None:
        """Answer the next ``count`` matching calls with ``status`` (or hang), after ``after`` pass."""
        with self._lock:
            self._faults.append(Fault(status, hang, count, method, path_prefix, after, body))

    def deny(self, token: str) -> None:
        """Calls with this token get 401, as when the person hasn't granted the permission."""
        self.lacking_permission.add(token)

    def grant(self, token: str) -> None:
        self.lacking_permission.discard(token)

    def release(self) -> None:
        """Let every hung call go (they answer 504)."""
        self._release.set()

    def advance(self, seconds: float) -> list:
        """Move virtual time on and fire what is due; returns what fired."""
        self.clock.advance(seconds)
        return self.tick()

    def active(self) -> list:
        with self._lock:
            return sorted(self.timers.values(), key=lambda t: (t.created, t.id))

    def tick(self) -> list:
        """Fire every running timer whose time has come, earliest first."""
        now = self.clock.now()
        with self._lock:
            due = sorted((t for t in self.timers.values() if t.status == "ON" and t.trigger <= now),
                         key=lambda t: (t.trigger, t.created))
            fired = []
            for timer in due:
                del self.timers[timer.id]
                event = Fired(timer.label, timer.announce_text(), timer.id, timer.trigger)
                self.fired.append(event)
                fired.append(event)
        for event in fired:
            self.announcements.put(event)
            for callback in list(self.on_fire):
                try:
                    callback(event)
                except Exception:  # a listener's bug must not stop the clock
                    pass
        for mounted in self.mounts:
            mounted.tick()
        return fired

    # ---------------------------------------------------------------- other APIs on this server
    def mount(self, api) -> None:
        """Serve another stand-in here: ``api.handles(path)``, ``api.handle(method, path, token,
        body)`` and ``api.tick()``; faults injected here apply to its calls too."""
        self.mounts.append(api)

    # ---------------------------------------------------------------- the REST API
    def handle(self, method: str, path: str, headers: dict, body_text: str):
        """One call: returns (status, json body or None), ``latency`` seconds later."""
        if not self.latency:
            return self._answer(method, path, headers, body_text)
        with self._lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            time.sleep(self.latency)
            return self._answer(method, path, headers, body_text)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _answer(self, method: str, path: str, headers: dict, body_text: str):
        path = path.split("?", 1)[0].rstrip("/")
        body = None
        if body_text:
            try:
                body = json.loads(body_text)
            except ValueError:
                body = None
        with self._lock:
            self.requests.append((method, path, dict(headers), body))
        fault = self._take_fault(method, path)
        if fault is not None:
            if fault.hang:
                self._release.wait(self.hang_seconds)
                return 504, {"code": "TIMEOUT", "message": "The stand-in was told to hang."}
            return fault.status, fault.body or {"code": "INJECTED_FAULT",
                                                "message": "Fault injected by the test."}
        auth = headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not auth[7:].strip():
            return 401, {"code": "UNAUTHORIZED", "message": "Missing bearer token."}
        for mounted in self.mounts:  # each mounted API checks its own permission
            if mounted.handles(path):
                return mounted.handle(method, path, auth[7:].strip(), body)
        if auth[7:].strip() in self.lacking_permission:
            return 401, {"code": "UNAUTHORIZED",
                         "message": "The user has not granted " + PERMISSION_SCOPE + "."}
        self.tick()
        parts = path.split("/")[1:]  # v1 alerts timers [id [action]]
        if parts[:3] != ["v1", "alerts", "timers"] or len(parts) > 5:
            return 404, {"code": "NOT_FOUND", "message": "No such resource."}
        timer_id = parts[3] if len(parts) > 3 else None
        action = parts[4] if len(parts) > 4 else None
        with self._lock:
            if timer_id is None:
                if method == "POST":
                    return self._create(body)
                if method == "GET":
                    timers = [self._json(t) for t in self.active()]
                    return 200, {"timers": timers, "totalCount": len(timers), "nextToken": None}
                if method == "DELETE":
                    self.timers.clear()
                    return 200, None
                return 405, {"code": "METHOD_NOT_ALLOWED", "message": method}
            timer = self.timers.get(timer_id)
            if timer is None:
                return 404, {"code": "TIMER_NOT_FOUND", "message": "Timer not found."}
            now = self.clock.now()
            if action is None and method == "GET":
                return 200, self._json(timer)
            if action is None and method == "DELETE":
                del self.timers[timer_id]
                return 200, None
            if action == "pause" and method == "POST":
                if timer.status != "ON":
                    return 400, {"code": "INVALID_STATE", "message": "Timer is not running."}
                timer.status, timer.remaining_when_paused = "PAUSED", max(0.0, timer.trigger - now)
                timer.updated = now
                return 200, None
            if action == "resume" and method == "POST":
                if timer.status != "PAUSED":
                    return 400, {"code": "INVALID_STATE", "message": "Timer is not paused."}
                timer.status, timer.trigger = "ON", now + timer.remaining_when_paused
                timer.updated = now
                return 200, None
            return 405, {"code": "METHOD_NOT_ALLOWED", "message": method}

    def _take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.matches(method, path):
                    if fault.after > 0:
                        fault.after -= 1
                        return None
                    fault.count -= 1
                    return fault
        return None

    def _create(self, body):
        if not isinstance(body, dict):
            return 400, {"code": "INVALID_REQUEST", "message": "Body must be a JSON object."}
        seconds = parse_iso_duration(body.get("duration") or "")
        if seconds is None or seconds <= 0:
            return 400, {"code": "INVALID_DURATION", "message": "duration must be ISO-8601, above zero."}
        if seconds > MAX_SECONDS:
            return 400, {"code": "INVALID_DURATION", "message": "A timer can't be longer than two hours."}
        for required in ("creationBehavior", "triggeringBehavior"):
            if not isinstance(body.get(required), dict):
                return 400, {"code": "INVALID_REQUEST", "message": required + " is required."}
        operation = body["triggeringBehavior"].get("operation") or {}
        if operation.get("type") not in ("ANNOUNCE", "NOTIFY_ONLY", "LAUNCH_TASK"):
            return 400, {"code": "INVALID_REQUEST", "message": "Unknown operation type."}
        label = body.get("timerLabel")
        if label is not None:
            if not isinstance(label, str) or len(label) > MAX_LABEL:
                return 400, {"code": "INVALID_LABEL", "message": "timerLabel is too long."}
            if any(t.label == label for t in self.timers.values()):
                return 400, {"code": "DUPLICATE_LABEL", "message": "A timer with this label exists."}
        if len(self.timers) + self.personal_timers >= MAX_TIMERS:
            return 400, {"code": "MAX_TIMERS_EXCEEDED",
                         "message": "There can be at most ten timers at a time."}
        now = self.clock.now()
        timer = Timer(id=str(uuid.uuid4()), label=label, duration=seconds, created=now,
                      trigger=now + seconds, body=body, updated=now)
        self.timers[timer.id] = timer
        return 200, self._json(timer)

    def _json(self, timer: Timer) -> dict:
        now = self.clock.now()
        remaining = timer.remaining_when_paused if timer.status == "PAUSED" else timer.trigger - now
        out = {
            "id": timer.id,
            "status": timer.status,
            "duration": iso_duration(timer.duration),
            "triggerTime": _wall(remaining),
            "createdTime": _wall(timer.created - now),
            "updatedTime": _wall(timer.updated - now),
        }
        if timer.label is not None:
            out["timerLabel"] = timer.label
        if timer.status == "PAUSED":
            out["remainingTimeWhenPaused"] = iso_duration(timer.remaining_when_paused)
        return out

    # ---------------------------------------------------------------- serving
    def serve(self, host: str = "127.0.0.1", port: int = 0, tick_every: float = 0.05) -> str:
        """Start HTTPS on loopback (and the clock's ticker); returns the base URL."""
        self._tmpdir = tempfile.mkdtemp(prefix="timers-api-")
        self.ca_file, key_file = make_certificate(self._tmpdir, host)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.ca_file, key_file)
        api = self

        class Handler(_Handler):
            pass
        Handler.api = api
        server = _Server((host, port), Handler)
        # The handshake happens in each connection's own thread, never in the accept loop.
        server.socket = context.wrap_socket(server.socket, server_side=True,
                                            do_handshake_on_connect=False)
        self._server = server
        self.url = "https://{}:{}".format(host, server.server_address[1])
        serving = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1},
                                   name="timers-api", daemon=True)
        serving.start()
        self._threads.append(serving)
        if tick_every:
            ticking = threading.Thread(target=self._tick_loop, args=(tick_every,),
                                       name="timers-api-clock", daemon=True)
            ticking.start()
            self._threads.append(ticking)
        return self.url

    def _tick_loop(self, every: float) -> None:
        while not self._stop.wait(every):
            self.tick()

    def close(self) -> None:
        self._stop.set()
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._tmpdir:
            for name in os.listdir(self._tmpdir):
                os.unlink(os.path.join(self._tmpdir, name))
            os.rmdir(self._tmpdir)
            self._tmpdir = None

    def __enter__(self):
        if self._server is None:
            self.serve()
        return self

    def __exit__(self, *exc):
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # A whole program's timers are created at once, each on a new connection at first:
    # the default backlog of 5 drops some of them, which then wait a second to connect again.
    request_queue_size = 64


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the skill's session expects
    api: TimersApi = None

    def log_message(self, format, *args):  # quiet: tests and the speaker print what matters
        pass

    def _serve(self):
        length = int(self.headers.get("Content-Length") or 0)
        body_text = self.rfile.read(length).decode("utf-8") if length else ""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, payload = self.api.handle(self.command, self.path, headers, body_text)
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            if payload is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True  # the client gave up waiting (a hang test)

    do_GET = do_POST = do_DELETE = do_PUT = _serve

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm and
        # delayed ACKs add ~40 ms to every keep-alive call.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def handle(self):
        try:
            super().handle()
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError, TimeoutError, OSError):
            pass


def make_certificate(folder: str, host: str = "127.0.0.1"):
    """A throwaway self-signed certificate for loopback; returns (cert_file, key_file)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "timers-api stand-in")])
    now = dt.datetime.now(dt.timezone.utc)
    alt_names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    try:
        alt_names.append(x509.IPAddress(ipaddress.ip_address(host)))
    except ValueError:
        alt_names.append(x509.DNSName(host))
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName(list(dict.fromkeys(alt_names))), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file = os.path.join(folder, "cert.pem")
    key_file = os.path.join(folder, "key.pem")
    with open(cert_file, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return cert_file, key_file


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fast", type=float, default=1.0, help="run time this many times faster")
    parser.add_argument("--personal-timers", type=int, default=0,
                        help="timers the person already has (they count towards ten)")
    parser.add_argument("--latency-ms", type=float, default=0,
                        help="answer every call this much later, as across a network")
    args = parser.parse_args(argv)
    api = TimersApi(Clock(args.fast), personal_timers=args.personal_timers)
    api.latency = args.latency_ms / 1000.0
    api.on_fire.append(lambda event: print("[timer {}] {}".format(event.label, event.text), flush=True))
    url = api.serve(port=args.port)
    print("Timers API stand-in at {} (CA file {}); Ctrl-C stops it.".format(url, api.ca_file), flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        api.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
