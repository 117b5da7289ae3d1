"""A bounded load run: signed requests against the real server under gunicorn on loopback.

    python -m tools.loadtest --requests 5000 --concurrency 16      (make load)

Makes its own CA (tools.signing), starts ``python -m webservice`` with the app that
trusts only that CA, pre-signs every request (distinct envelopes, fresh timestamps),
sends them over keep-alive connections from ``concurrency`` threads, and stops by
itself after ``--time-limit`` seconds whatever happens. Prints the figures; exits 1 on
any error. Every response must be a 200 with speech in it.
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

    def __init__(self, pki_dir: str, db_path: str, port: int | None = None, workers: int = 2, threads: int = 8,
                 log_path: str | None = None, extra_env: dict | None = None):
        self.port = port or free_port()
        env = dict(os.environ, HOST="127.0.0.1", PORT=str(self.port), WEB_WORKERS=str(workers),
                   WEB_THREADS=str(threads), WEB_APP="tools.signing:app_trusting_test_ca()",
                   SIGNING_PKI_DIR=pki_dir, BACK_SPASM_COACH_DB=db_path, SKILL_ID=envelopes.SKILL_ID,
                   PYTHONPATH=ROOT, **(extra_env or {}))
        self.log_path = log_path or os.path.join(pki_dir, "server.log")
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([sys.executable, "-m", "webservice"], cwd=ROOT, env=env,
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

    def log(self) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")[-4000:]

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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--time-limit", type=float, default=180.0, help="stop after this many seconds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bsc-load-") as directory:
        pki = TestPKI()
        pki.write(directory)
        with Server(directory, os.path.join(directory, "attributes.sqlite3"),
                    workers=args.workers, threads=args.threads) as server:
            figures = run_load(server.port, pki.signing_key, args.requests, args.concurrency, args.time_limit)
            figures.update(workers=args.workers, threads=args.threads)
    print(json.dumps(figures, indent=2))
    return 0 if figures["errors"] == 0 and figures["not_sent"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
