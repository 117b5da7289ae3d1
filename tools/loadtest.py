"""A bounded load run, then hostile clients, against the real server under gunicorn on loopback.

    python -m tools.loadtest --requests 5000 --concurrency 16      (make load)

Makes its own CA (tools.signing), starts ``python -m webservice`` with the app that
trusts only that CA, pre-signs every request (distinct envelopes, fresh timestamps),
sends them over keep-alive connections from ``concurrency`` threads, and stops by
itself after ``--time-limit`` seconds whatever happens. Every response must be a 200
with speech in it. The access log names the worker that answered each request, so
the figures include each worker's share.

Then (unless ``--no-hostile``) a fresh server meets tools.hostile's clients: a burst of
first requests, deeply nested JSON, broken chunked bodies, a stalled upload, 200 idle
and 20 slow connections, and requests naming chains on a stalling host, with normal
requests timed all the while. Prints the figures; exits 1 if anything was mishandled.
About 40 s in all.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from tools import envelopes
from tools.signing import TestPKI, signed_request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIX = ["launch", "OverviewIntent", "HeatColdIntent", "RestIntent", "AMAZON.HelpIntent", "PostureIntent"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """``python -m webservice`` trusting a test CA, in its own process group."""

    def __init__(self, pki_dir: str, db_path: str, port: int | None = None, workers: int | None = None,
                 log_path: str | None = None, extra_env: dict | None = None,
                 access_log: str | None = None, args=()):
        self.port = port or free_port()
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), WEB_APP="tools.signing:app_trusting_test_ca()",
                   SIGNING_PKI_DIR=pki_dir, BACK_SPASM_COACH_DB=db_path, SKILL_ID=envelopes.SKILL_ID,
                   PYTHONPATH=ROOT, **(extra_env or {}))
        if workers:
            env["WEB_WORKERS"] = str(workers)
        self.log_path = log_path or os.path.join(pki_dir, "server.log")
        self.access_log = access_log
        argv = list(args)
        if access_log:  # one line per request: the answering worker's pid and the status
            argv += ["--access-logfile", access_log, "--access-logformat", "%(p)s %(s)s"]
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "webservice", *argv], cwd=ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("server exited: " + self.log())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("server did not start in {} s: {}".format(timeout, self.log()))

    def log(self, tail: int | None = 4000) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as handle:
            text = handle.read().decode("utf-8", "replace")
        return text[-tail:] if tail else text

    def access_lines(self) -> list[str]:
        if not self.access_log or not os.path.exists(self.access_log):
            return []
        with open(self.access_log, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # our own process group only
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log.close()

    def __enter__(self):
        self.wait_ready()
        return self

    def __exit__(self, *exc):
        self.stop()


def envelope_for(n: int) -> dict:
    kind = MIX[n % len(MIX)]
    device = envelopes.Device(user_id="amzn1.ask.account.LOAD{}".format(n % 50))
    return envelopes.launch(device=device) if kind == "launch" else envelopes.intent(kind, device=device)


def run_load(port: int, key, requests: int, concurrency: int, time_limit: float) -> dict:
    """Send ``requests`` signed requests from ``concurrency`` threads; figures as a dict."""
    started_signing = time.perf_counter()
    prepared = [signed_request(envelope_for(n), key) for n in range(requests)]
    signing_seconds = time.perf_counter() - started_signing
    latencies: list[float] = []
    errors: list[str] = []
    next_index = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + time_limit

    def worker():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= requests or time.monotonic() > deadline:
                break
            body, headers = prepared[index]
            began = time.perf_counter()
            try:
                connection.request("POST", "/", body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - began
                if response.status != 200 or "outputSpeech" not in json.loads(data)["response"]:
                    with lock:
                        errors.append("HTTP {}: {!r}".format(response.status, data[:120]))
                    continue
                with lock:
                    latencies.append(elapsed)
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            except (OSError, http.client.HTTPException, ValueError, KeyError) as error:
                with lock:
                    errors.append("{}: {}".format(type(error).__name__, error))
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.close()

    began = time.perf_counter()
    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()) + 15)
    wall = time.perf_counter() - began
    done = len(latencies)
    ordered = sorted(latencies) or [0.0]

    def percentile(p):
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    return {
        "requests": requests, "concurrency": concurrency, "ok": done, "errors": len(errors),
        "not_sent": requests - done - len(errors), "error_samples": errors[:5],
        "wall_seconds": round(wall, 2), "requests_per_second": round(done / wall, 1) if wall else 0.0,
        "latency_ms": {"mean": round(statistics.fmean(ordered) * 1000, 2), "p50": round(percentile(50), 2),
                       "p95": round(percentile(95), 2), "p99": round(percentile(99), 2),
                       "max": round(ordered[-1] * 1000, 2)},
        "client_signing_seconds": round(signing_seconds, 2),
    }


def worker_share(lines: list[str]) -> dict:
    """Requests per worker pid, from access-log lines ("<pid> status"), largest first."""
    counts: dict[str, int] = {}
    for line in lines:
        pid = line.split(" ", 1)[0].strip("<>")
        counts[pid] = counts.get(pid, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: -item[1]))


def hostile_run(key, directory: str, pki, workers) -> dict:
    """Hostile clients against a fresh server fetching chains from a loopback host that can stall."""
    from tools import hostile

    figures = {}
    with hostile.ChainHost(pki, stall=10.0) as host, \
            Server(directory, os.path.join(directory, "hostile.sqlite3"), workers=workers,
                   log_path=os.path.join(directory, "hostile.log"),
                   extra_env={"SIGNING_CHAIN_ORIGIN": host.origin}) as server:
        figures["first_burst"] = hostile.first_burst(server.port, key)
        figures["first_burst"]["handler_failures"] = server.log(tail=None).count("handler failed")
        figures["deep_json"] = hostile.deep_json_statuses(server.port, key)
        figures["bad_chunked"] = hostile.bad_chunk_statuses(server.port)
        began = time.monotonic()
        status, _ = hostile.exchange(server.port, hostile.post_bytes(b"", chunked_raw=hostile.HUGE_CHUNK_THEN_SILENCE),
                                     timeout=30)
        figures["stalled chunked upload"] = {"status": status, "seconds": round(time.monotonic() - began, 1)}
        figures["control"] = hostile.probe_figures(server.port, key)
        for kind, count in (("idle", 200), ("slow", 20), ("slow-body", 20)):
            figures["{} x{}".format(kind, count)] = hostile.held_figures(server.port, key, kind, count,
                                                                        until_closed=True)
        figures["stalling chain host"] = hostile.stalling_chain_figures(server.port, key, host)
        figures["server_500s"] = server.log(tail=None).count("500 Internal Server Error")
    return figures


def hostile_failures(figures: dict) -> list[str]:
    """What the hostile run found wrong (empty when everything held up)."""
    wrong = []
    burst = figures["first_burst"]
    if burst["ok"] != burst["sent"] or burst["handler_failures"]:
        wrong.append("first burst: {}".format(burst))
    for group in ("deep_json", "bad_chunked"):
        wrong += ["{} {}: {}".format(group, case, status) for case, status in figures[group].items() if status != 400]
    if figures["stalled chunked upload"]["status"] != 408:
        wrong.append("stalled chunked upload: {}".format(figures["stalled chunked upload"]))
    for name, held in figures.items():
        probes = held.get("probes", held) if isinstance(held, dict) else None
        if name in ("control", "first_burst", "deep_json", "bad_chunked", "stalled chunked upload") \
                or not isinstance(probes, dict):
            continue
        if probes["answered"] != probes["of"] or probes["max_ms"] > 1000:
            wrong.append("{}: normal requests {}".format(name, probes))
    stall = figures["stalling chain host"]
    if stall["fetches_for_cheap_failures"] or stall["cheap"]["max_ms"] > 1000:
        wrong.append("stalling chain host: {}".format(stall))
    return wrong


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-limit", type=float, default=180.0, help="stop after this many seconds")
    parser.add_argument("--workers", type=int, help="default: the server's own (WEB_WORKERS)")
    parser.add_argument("--no-hostile", action="store_true", help="only the load run")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bsc-load-") as directory:
        pki = TestPKI()
        pki.write(directory)
        with Server(directory, os.path.join(directory, "attributes.sqlite3"), workers=args.workers,
                    access_log=os.path.join(directory, "access.log")) as server:
            run_load(server.port, pki.signing_key, 64, 4, 30)  # warm-up, not counted
            time.sleep(0.5)
            seen = len(server.access_lines())
            figures = run_load(server.port, pki.signing_key, args.requests, args.concurrency, args.time_limit)
            time.sleep(0.5)  # the access log is written after each response
            figures["per_worker"] = worker_share(server.access_lines()[seen:])
        print(json.dumps(figures, indent=2), flush=True)
        wrong = [] if figures["errors"] == 0 and figures["not_sent"] == 0 else ["load: errors"]
        if not args.no_hostile:
            hostile = hostile_run(pki.signing_key, directory, pki, args.workers)
            print(json.dumps({"hostile": hostile}, indent=2))
            wrong += hostile_failures(hostile)
    print("\n".join(["", "per worker: " + ", ".join("{:.0%}".format(n / max(1, figures["ok"]))
                                                   for n in figures["per_worker"].values())]
                    + (["MISHANDLED: " + line for line in wrong] or ["every case held up"])))
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
