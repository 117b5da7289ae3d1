"""The web service under gunicorn on loopback: full verification against verification off.

Two servers run side by side (the same app; one with ASK_SDK_VERIFY_SIGNATURE and
_TIMESTAMP false), each ``python -m webservice`` with its default workers (gevent,
one per core), trusting a throwaway CA (tools.signing). The load alternates between
them in rounds, so both see the same machine; every request is signed by the
client before timing starts. Bounded: a fixed count per round and a time limit
per round, loopback only (tools.loadtest).
"""
from __future__ import annotations

import os
import statistics
import tempfile

ROUNDS = 6  # alternating verified / unverified


def run(notes: list, seconds: float = 20.0, count: int = 3000, concurrency: int = 8) -> dict | None:
    from tools.loadtest import Server, run_load
    from tools.signing import TestPKI

    per_round = max(50, count // ROUNDS)
    limit = max(2.0, seconds / ROUNDS)
    results = {"verified": [], "unverified": []}
    with tempfile.TemporaryDirectory(prefix="bsc-bench-web-") as directory:
        pki = TestPKI()
        pki.write(directory)
        off = {"ASK_SDK_VERIFY_SIGNATURE": "false", "ASK_SDK_VERIFY_TIMESTAMP": "false"}
        with Server(directory, os.path.join(directory, "verified.sqlite3"),
                    log_path=os.path.join(directory, "verified.log")) as verified, \
                Server(directory, os.path.join(directory, "unverified.sqlite3"), extra_env=off,
                       log_path=os.path.join(directory, "unverified.log")) as unverified:
            servers = [("verified", verified), ("unverified", unverified)]
            run_load(verified.port, pki.signing_key, 40, concurrency, limit)  # warm both up
            run_load(unverified.port, pki.signing_key, 40, concurrency, limit)
            for n in range(ROUNDS):
                mode, server = servers[n % 2] if (n // 2) % 2 == 0 else servers[1 - n % 2]
                results[mode].append(run_load(server.port, pki.signing_key, per_round, concurrency, limit))
    modes = []
    for mode, runs in results.items():
        ok = sum(r["ok"] for r in runs)
        wall = sum(r["wall_seconds"] for r in runs)
        modes.append({"mode": mode, "requests": ok, "rps": ok / wall if wall else 0.0,
                      "median": statistics.median(r["latency_ms"]["p50"] for r in runs),
                      "p99": max(r["latency_ms"]["p99"] for r in runs),
                      "errors": sum(r["errors"] + r["not_sent"] for r in runs)})
        for r in runs:
            if r["error_samples"]:
                notes.append("web {}: errors such as {}".format(mode, r["error_samples"][0]))
                break
    by_mode = {m["mode"]: m for m in modes}
    ratio = by_mode["verified"]["rps"] / by_mode["unverified"]["rps"] if by_mode["unverified"]["rps"] else 0.0
    return {"modes": modes, "ratio": ratio, "description": (
        "gunicorn (`python -m webservice`, its default gevent workers) on 127.0.0.1; {} client threads; "
        "{} rounds of {} signed requests alternating between the two servers (launch, overview, heat, rest, "
        "help, posture); median = median of the rounds' medians, p99 = worst round's p99.".format(
            concurrency, ROUNDS, per_round))}
