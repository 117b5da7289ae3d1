"""make bench: Back Spasm Coach measured against a bare ASK SDK skill, side by side.

One run, interleaved (the two skills alternate request by request, the order
flipping every round), so both see the same machine state. Reports, never
pass/fail: the figures and ratios are printed and appended to bench/RESULTS.md.

  warm     per-request cost of a realistic mix, median and p99 per request type,
           against the hello-world skill answering the same envelope
  cold     a fresh interpreter importing the entry point and answering one launch
  web      the web service under gunicorn on loopback, verified against unverified
  package  the Lambda zip and what it unpacks to

Parts whose code has not landed yet are reported as "not measured" with why.
Options: --quick (fewer rounds), --no-write (do not touch RESULTS.md),
--note "what changed" (added to the RESULTS section), --only warm,cold,...
"""
from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, "bench")
LAMBDA = os.path.join(ROOT, "lambda")
RESULTS = os.path.join(BENCH, "RESULTS.md")
for _path in (LAMBDA, ROOT, BENCH):
    if _path not in sys.path:
        sys.path.insert(0, _path)

# Targets from issue 6 (reported, never asserted).
WARM_TARGET = 1.5
COLD_TARGET = 1.3
WEB_TARGET = 0.8


# ---------------------------------------------------------------- the machine

def machine() -> dict:
    model = platform.processor() or "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                                capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               text=True, capture_output=True).stdout.strip()
        commit += " (uncommitted changes)" if dirty else ""
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = float("nan")
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "commit": commit, "load": load}


def stats(samples_ns: list) -> dict:
    ms = sorted(s / 1e6 for s in samples_ns)
    p99 = ms[min(len(ms) - 1, int(round(0.99 * (len(ms) - 1))))]
    return {"n": len(ms), "median": statistics.median(ms), "p99": p99}


def _log_like_lambda():
    """Lambda sends every log record to CloudWatch: format and write them, here to nowhere."""
    handler = logging.StreamHandler(open(os.devnull, "w", encoding="utf-8"))
    handler.setFormatter(logging.Formatter("[%(levelname)s]\t%(asctime)s\t%(name)s\t%(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)  # the Lambda default; the skill sets its own logger to INFO


# ---------------------------------------------------------------- warm requests

class Case:
    """One request type: the coach's envelope, and the same envelope for the hello skill.

    ``coach`` is a handler of its own when the request needs one (an API client trusting
    the Timers API stand-in); ``after`` runs after each timed request, outside the timing."""

    def __init__(self, name, event, calls_api=False, hello_event=None, coach=None, after=None):
        self.name = name
        self.event = event
        self.calls_api = calls_api
        self.hello_event = hello_event or hello_version(event)
        self.coach = coach
        self.after = after


def hello_version(event: dict) -> dict:
    """The same envelope, byte for byte, except an intent is HelloWorldIntent (so the
    hello skill's intent handler answers and both deserialize the same slots)."""
    event = copy.deepcopy(event)
    if event["request"]["type"] == "IntentRequest":
        event["request"]["intent"]["name"] = "HelloWorldIntent"
    return event


def core_cases() -> list:
    from back_spasm_coach.handlers.strategies import STRATEGIES
    from tools import envelopes

    cases = [Case("launch", envelopes.launch()),
             Case("overview", envelopes.intent("OverviewIntent"))]
    for intent in STRATEGIES:
        cases.append(Case(intent, envelopes.intent(intent)))
    symptom = envelopes.slot("symptom", "numb down there", "saddle_numbness", "saddle numbness")
    cases.append(Case("red flag (emergency)", envelopes.intent("RedFlagIntent", {"symptom": symptom})))
    cases.append(Case("help", envelopes.intent("AMAZON.HelpIntent")))
    cases.append(Case("stop (closing advice)", envelopes.intent("AMAZON.StopIntent")))
    return cases


def optional_cases(notes: list) -> tuple:
    """Request types from work that may not have landed yet: (cases, cleanup functions)."""
    from tools import envelopes

    cases, cleanups = [], []
    model = _model_intents()
    stretch = next((n for n in ("StartStretchesIntent", "StretchIntent", "StartStretchIntent") if n in model), None)
    if stretch:
        cases.append(Case("stretch", envelopes.intent(stretch)))
        cases.append(Case("stretch on a screen (APL)", envelopes.intent(stretch, device=envelopes.Device(screen=True))))
        if "AMAZON.NextIntent" in model:
            session = envelopes.Session(new=False)
            from lambda_function import lambda_handler
            session.absorb(lambda_handler(envelopes.intent(stretch, session=session), None))
            cases.append(Case("next stretch", envelopes.intent("AMAZON.NextIntent", session=session)))
    else:
        notes.append("stretch: no stretch intent in the model yet")
    timer_intent = next((n for n in ("StartHeatProgramIntent", "HeatTimerIntent", "StartHeatTimerIntent")
                         if n in model), None)
    if timer_intent and os.path.exists(os.path.join(ROOT, "tools", "timers_api.py")):
        try:
            case, cleanup = _timer_case(timer_intent)
            cases.append(case)
            cleanups.append(cleanup)
        except Exception as error:  # a report, not a test: say why and go on
            notes.append("timer start: could not run against the Timers API stand-in ({!r})".format(error))
    else:
        notes.append("timer start: tools/timers_api.py or a timer intent has not landed yet")
    return cases, cleanups


def _model_intents() -> set:
    with open(os.path.join(ROOT, "interaction-model", "en-US.json"), encoding="utf-8") as f:
        model = json.load(f)["interactionModel"]["languageModel"]
    return {i["name"] for i in model["intents"]}


def _timer_case(intent: str):
    """"Yes" to the heat program: its timers created over HTTPS on the local Timers API stand-in.

    The skill's own API client (time-outs and all) trusts the stand-in's throwaway
    certificate; the stand-in's timers are cleared after each timed request (it refuses
    an 11th timer, as Alexa does)."""
    from back_spasm_coach import alexa_api
    from back_spasm_coach.entry import safe_lambda_handler
    from back_spasm_coach.skill import build_skill_builder
    from tools import envelopes
    from tools.timers_api import Clock, TimersApi

    stand_in = TimersApi(Clock(fast=0))
    stand_in.serve(tick_every=0)
    try:
        client = alexa_api.TimeoutApiClient(ca_bundle=stand_in.ca_file)
        coach = safe_lambda_handler(build_skill_builder(api_client=client))
        device = envelopes.Device(api_endpoint=stand_in.url, permissions_granted=True)
        session = envelopes.Session()
        session.absorb(coach(envelopes.intent(intent, session=session, device=device), None))
        event = envelopes.intent("AMAZON.YesIntent", session=session, device=device)
        probe = coach(copy.deepcopy(event), None)
        if not stand_in.timers:
            raise RuntimeError("yes to the program created no timer: " + json.dumps(probe)[:300])
    except BaseException:
        stand_in.close()
        raise

    def clear():
        with stand_in._lock:
            stand_in.timers.clear()
            stand_in.requests.clear()

    clear()
    return Case("heat program start (Timers API)", event, calls_api=True, coach=coach, after=clear), \
        stand_in.close


def warm(rounds: int, notes: list) -> list:
    from lambda_function import lambda_handler as coach
    from hello_skill import lambda_handler as hello

    cases = core_cases()
    extra, cleanups = optional_cases(notes)
    cases += extra
    rng = random.Random(6)
    times = {c.name: ([], []) for c in cases}  # CPU time of this thread, per skill
    walls = {c.name: ([], []) for c in cases}  # wall clock, per skill
    try:
        for c in cases:  # warm up both skills on every request type
            for _ in range(20):
                (c.coach or coach)(copy.deepcopy(c.event), None)
                if c.after:
                    c.after()
                hello(copy.deepcopy(c.hello_event), None)
        for r in range(rounds):
            order = list(cases)
            rng.shuffle(order)
            for c in order:
                pair = [(0, c.coach or coach, c.event), (1, hello, c.hello_event)]
                if r % 2:
                    pair.reverse()
                for which, handler, event in pair:
                    event = copy.deepcopy(event)
                    start, cpu = time.perf_counter_ns(), time.thread_time_ns()
                    handler(event, None)
                    times[c.name][which].append(time.thread_time_ns() - cpu)
                    walls[c.name][which].append(time.perf_counter_ns() - start)
                    if c.after and which == 0:
                        c.after()
    finally:
        for cleanup in cleanups:
            cleanup()
    rows = []
    for c in cases:
        mine, theirs = (stats(t) for t in times[c.name])
        wall_mine, wall_theirs = (stats(t) for t in walls[c.name])
        rows.append({"request": c.name, "calls_api": c.calls_api, "coach": mine, "hello": theirs,
                     "coach_wall": wall_mine, "hello_wall": wall_theirs,
                     "ratio_median": mine["median"] / theirs["median"],
                     "ratio_p99": mine["p99"] / theirs["p99"]})
    return rows


# ---------------------------------------------------------------- cold start

COLD_CHILD = r"""
import json, sys, time
event = json.loads(sys.argv[2])
t0 = time.perf_counter()
module = __import__(sys.argv[1])
t1 = time.perf_counter()
response = module.lambda_handler(event, None)
t2 = time.perf_counter()
assert response["response"], response
print(json.dumps({"import_ms": (t1 - t0) * 1e3, "first_ms": (t2 - t1) * 1e3}))
"""


def _child_env(path: str, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONPATH"] = path
    env.update(extra or {})
    return env


def cold(runs: int, coach_dir: str = LAMBDA, hello_dir: str = BENCH, env_extra=None) -> dict:
    """Interleaved fresh interpreters: spawn-to-exit wall time, and import + first answer."""
    from tools import envelopes

    event = json.dumps(envelopes.launch())
    entries = [("coach", "lambda_function", coach_dir), ("hello", "hello_skill", hello_dir)]
    walls = {"coach": [], "hello": []}
    inner = {"coach": [], "hello": []}
    for i in range(runs + 1):
        order = entries if i % 2 == 0 else entries[::-1]
        for name, module, path in order:
            start = time.perf_counter_ns()
            out = subprocess.run([sys.executable, "-c", COLD_CHILD, module, event],
                                 env=_child_env(path, env_extra), cwd=path, capture_output=True,
                                 text=True)
            wall = time.perf_counter_ns() - start
            if out.returncode != 0:
                raise RuntimeError("{} cold start failed: {}".format(name, out.stderr[-500:]))
            if i == 0:
                continue  # the first pair only warms the disk cache
            figures = json.loads(out.stdout.strip().splitlines()[-1])
            walls[name].append(wall)
            inner[name].append(int((figures["import_ms"] + figures["first_ms"]) * 1e6))
    result = {"runs": runs}
    for name in walls:
        result[name] = {"wall": stats(walls[name]), "import_and_first": stats(inner[name])}
    result["ratio_wall"] = result["coach"]["wall"]["median"] / result["hello"]["wall"]["median"]
    result["ratio_inner"] = (result["coach"]["import_and_first"]["median"]
                             / result["hello"]["import_and_first"]["median"])
    return result


def import_costs(limit: int = 8) -> list:
    """The modules the coach imports that the hello skill does not, costliest first (-X importtime)."""
    def modules(module, path):
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import " + module],
                             env=_child_env(path), cwd=path, capture_output=True, text=True).stderr
        found = {}
        for line in err.splitlines():
            if line.startswith("import time:") and "self [us]" not in line:
                self_us, cumulative, name = (p.strip() for p in line[len("import time:"):].split("|"))
                found[name.strip()] = (int(self_us), int(cumulative))
        return found

    coach = modules("lambda_function", LAMBDA)
    hello = modules("hello_skill", BENCH)
    extra = [(name, us[0]) for name, us in coach.items() if name not in hello]
    extra.sort(key=lambda x: -x[1])
    total = sum(us for _, us in extra)
    return [{"module": "(all {} extra modules)".format(len(extra)), "ms": total / 1e3}] + \
        [{"module": name, "ms": us / 1e3} for name, us in extra[:limit]]


# ---------------------------------------------------------------- the Lambda zip

def package(notes: list) -> dict | None:
    import zipfile

    with open(os.path.join(ROOT, "Makefile"), encoding="utf-8") as f:
        if "\npackage:" not in f.read():
            notes.append("package: no `make package` target yet")
            return None
    out = subprocess.run(["make", "-s", "package", "ARGS="], cwd=ROOT, capture_output=True, text=True)
    if out.returncode != 0:
        notes.append("package: `make package` failed: " + out.stderr.strip()[-300:])
        return None
    zips = [os.path.join(d, f) for d in (os.path.join(ROOT, "dist"), os.path.join(ROOT, "build"), ROOT)
            if os.path.isdir(d) for f in os.listdir(d) if f.endswith(".zip")]
    if not zips:
        notes.append("package: `make package` made no .zip in dist/, build/ or the root")
        return None
    path = max(zips, key=os.path.getmtime)
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        names = [i.filename for i in infos]
    by_top: dict = {}
    for info in infos:
        top = info.filename.split("/", 1)[0]
        by_top[top] = by_top.get(top, 0) + info.file_size
    largest = sorted(by_top.items(), key=lambda item: -item[1])[:6]
    return {"zip": os.path.relpath(path, ROOT), "zip_bytes": os.path.getsize(path), "largest": largest,
            "unpacked_bytes": sum(i.file_size for i in infos), "files": len(infos),
            "pyc_files": sum(n.endswith(".pyc") for n in names),
            "has_lambda_function": "lambda_function.py" in names, "path": path}


def cold_from_zip(pkg: dict, runs: int, precompile: bool = False) -> dict:
    """Cold start from the unpacked zip as Lambda runs it: a read-only task dir, no bytecode written.

    With ``precompile``, both copies get __pycache__ first (compileall, unchecked-hash, as a
    zip would ship it): what the bundle would gain by carrying its bytecode."""
    import compileall
    import shutil
    import zipfile

    workdir = tempfile.mkdtemp(prefix="bsc-bench-zip-")
    task = os.path.join(workdir, "task")
    with zipfile.ZipFile(pkg["path"]) as z:
        z.extractall(task)
    hello_dir = os.path.join(workdir, "hello")
    shutil.copytree(task, hello_dir)
    shutil.copy(os.path.join(BENCH, "hello_skill.py"), hello_dir)
    if precompile:
        for folder in (task, hello_dir):
            compileall.compile_dir(folder, quiet=2, workers=1,
                                   invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH)
    try:
        return cold(runs, coach_dir=task, hello_dir=hello_dir, env_extra={"PYTHONDONTWRITEBYTECODE": "1"})
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---------------------------------------------------------------- Alexa API round trips

API_LATENCY = 0.150   # seconds between the skill and the Alexa API (issue 12's figure)
API_TARGET = 2.5      # round trips at most to start a program of any size
#: StartHeatProgramIntent slots for a program of 1, 4 and 10 timers.
PROGRAM_SIZES = ((1, {"kind": "heat"}), (4, {"kind": "alternate"}),
                 (10, {"kind": "alternate", "rounds": "5", "length": "PT10M"}))


def api_round_trips(runs: int) -> list:
    """Wall time of "yes" to a heat program, and of pause, resume and cancel, with the Timers API
    stand-in answering every call API_LATENCY later; in round trips (wall / latency).

    The skill's own API client keeps its connections alive across requests, as in a warm
    container; the first (unmeasured) run of each size opens them."""
    from back_spasm_coach import alexa_api
    from back_spasm_coach.entry import safe_lambda_handler
    from back_spasm_coach.skill import build_skill_builder
    from tools import envelopes
    from tools.timers_api import Clock, TimersApi

    rows = []
    stand_in = TimersApi(Clock(fast=0))
    stand_in.serve(tick_every=0)
    try:
        coach = safe_lambda_handler(build_skill_builder(api_client=alexa_api.TimeoutApiClient(
            ca_bundle=stand_in.ca_file)))
        device = envelopes.Device(api_endpoint=stand_in.url, permissions_granted=True)

        def timed(intent, session, slots=None):
            event = envelopes.intent(intent, slots=slots, session=session, device=device)
            start = time.perf_counter()
            out = coach(event, None)
            return time.perf_counter() - start, out

        for count, slots in PROGRAM_SIZES:
            walls = {"start": [], "pause": [], "resume": [], "cancel": []}
            for run in range(runs + 1):
                stand_in.latency = 0.0
                session = envelopes.Session()
                session.absorb(coach(envelopes.intent("StartHeatProgramIntent", slots=dict(slots),
                                                      session=session, device=device), None))
                stand_in.latency = API_LATENCY
                for step, intent in (("start", "AMAZON.YesIntent"), ("pause", "AMAZON.PauseIntent"),
                                     ("resume", "AMAZON.ResumeIntent"), ("cancel", "CancelProgramIntent")):
                    wall, _ = timed(intent, session if step == "start" else envelopes.Session())
                    if run:  # the first run opens the connections
                        walls[step].append(wall)
                if len(stand_in.fired) or stand_in.timers:
                    raise RuntimeError("cancel left timers behind")
                if run == 0 and stand_in.peak_in_flight == 0:
                    raise RuntimeError("no Alexa API call was made")
            row = {"timers": count}
            for step, values in walls.items():
                row[step] = statistics.median(values)
                row[step + "_trips"] = row[step] / API_LATENCY
            rows.append(row)
    finally:
        stand_in.close()
    return rows


# ---------------------------------------------------------------- the web service

def web(notes: list, seconds: float, requests_per_level: int) -> dict | None:
    if not os.path.isdir(os.path.join(ROOT, "webservice")):
        notes.append("web: webservice/ has not landed yet")
        return None
    try:
        import web_load
    except ImportError as error:
        notes.append("web: bench/web_load.py not available ({})".format(error))
        return None
    return web_load.run(notes, seconds=seconds, count=requests_per_level)


# ---------------------------------------------------------------- the report

def _fmt_ms(x: float) -> str:
    return "{:.3f}".format(x) if x < 10 else "{:.1f}".format(x)


def report(figures: dict) -> str:
    m = figures["machine"]
    lines = ["## {} — commit {}".format(figures["date"], m["commit"]), "",
             "Machine: {} cores, {}, Python {}, {}; load average {:.2f} at the start.".format(
                 m["nproc"], m["cpu"], m["python"], m["platform"], m["load"]), ""]
    if figures.get("changed"):
        lines += ["What changed: " + figures["changed"], ""]
    warm_rows = figures.get("warm")
    if warm_rows:
        lines += ["### Per request (warm, interleaved, {} rounds; ms)".format(warm_rows[0]["coach"]["n"]), "",
                  "CPU time of the answering thread (what the skill costs; immune to other processes on a "
                  "shared machine); wall-clock p99 alongside (CPU p99 excludes waiting on the Alexa API).", "",
                  "| request | coach median | coach p99 | hello median | hello p99 | ratio median | ratio p99 "
                  "| wall p99 coach / hello |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|"]
        for r in warm_rows:
            lines.append("| {}{} | {} | {} | {} | {} | {:.2f}x | {:.2f}x | {} / {} |".format(
                r["request"], " (calls an Alexa API)" if r["calls_api"] else "",
                _fmt_ms(r["coach"]["median"]), _fmt_ms(r["coach"]["p99"]),
                _fmt_ms(r["hello"]["median"]), _fmt_ms(r["hello"]["p99"]),
                r["ratio_median"], r["ratio_p99"],
                _fmt_ms(r["coach_wall"]["p99"]), _fmt_ms(r["hello_wall"]["p99"])))
        local = [r for r in warm_rows if not r["calls_api"]]
        worst = max(local, key=lambda r: r["ratio_median"])
        lines += ["", "Target: within {}x for answers that call no Alexa API. Worst median ratio: "
                  "{:.2f}x ({}) — {}.".format(WARM_TARGET, worst["ratio_median"], worst["request"],
                                              "met" if worst["ratio_median"] <= WARM_TARGET else "MISSED"), ""]
    for key, title in (("cold", "Cold start (fresh interpreter, venv with bytecode; launch request)"),
                       ("cold_zip", "Cold start from the unpacked Lambda zip (no bytecode written, as on Lambda)"),
                       ("cold_zip_pyc", "Cold start from the unpacked zip if it carried __pycache__ "
                                        "(compileall --invalidation-mode unchecked-hash)")):
        c = figures.get(key)
        if not c:
            continue
        lines += ["### " + title, "",
                  "{} runs each, interleaved; ms.".format(c["runs"]), "",
                  "| | coach median | coach p99 | hello median | hello p99 | ratio (median) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for part, label in (("wall", "spawn to exit"), ("import_and_first", "import + first answer")):
            lines.append("| {} | {} | {} | {} | {} | {:.2f}x |".format(
                label, _fmt_ms(c["coach"][part]["median"]), _fmt_ms(c["coach"][part]["p99"]),
                _fmt_ms(c["hello"][part]["median"]), _fmt_ms(c["hello"][part]["p99"]),
                c["ratio_wall"] if part == "wall" else c["ratio_inner"]))
        lines += ["", "Target: within {}x — {} (spawn to exit {:.2f}x, import + first answer {:.2f}x).".format(
            COLD_TARGET, "met" if c["ratio_inner"] <= COLD_TARGET else "MISSED", c["ratio_wall"],
            c["ratio_inner"]), ""]
    if figures.get("imports"):
        lines += ["Imports the coach adds over the hello skill (self time, one -X importtime run): " +
                  ", ".join("{} {:.1f} ms".format(i["module"], i["ms"]) for i in figures["imports"]) + ".", ""]
    trips = figures.get("api")
    if trips:
        lines += ["### Alexa API round trips ({:.0f} ms each way and back, Timers API stand-in)".format(
            API_LATENCY * 1000), "",
            "Wall time of the reply, median of the runs; round trips = wall / latency. Start lists the "
            "timers, then creates the program's; pause and resume list, then act on each timer; cancel "
            "lists, then cancels all.", "",
            "| timers | start s | start trips | pause trips | resume trips | cancel trips |",
            "|---:|---:|---:|---:|---:|---:|"]
        for r in trips:
            lines.append("| {} | {:.3f} | {:.2f} | {:.2f} | {:.2f} | {:.2f} |".format(
                r["timers"], r["start"], r["start_trips"], r["pause_trips"], r["resume_trips"],
                r["cancel_trips"]))
        worst = max(r["start_trips"] for r in trips)
        lines += ["", "Target: program start in at most {} round trips for any count — {:.2f}, {}.".format(
            API_TARGET, worst, "met" if worst <= API_TARGET else "MISSED"), ""]
    w = figures.get("web")
    if w:
        lines += ["### Web service (gunicorn, loopback)", "", w["description"], "",
                  "| mode | requests | req/s | median ms | p99 ms | errors |", "|---|---:|---:|---:|---:|---:|"]
        for mode in w["modes"]:
            lines.append("| {} | {} | {:.0f} | {} | {} | {} |".format(
                mode["mode"], mode["requests"], mode["rps"], _fmt_ms(mode["median"]), _fmt_ms(mode["p99"]),
                mode["errors"]))
        lines += ["", "Target: verified >= {}x of unverified — {:.2f}x, {}.".format(
            WEB_TARGET, w["ratio"], "met" if w["ratio"] >= WEB_TARGET else "MISSED"), ""]
    p = figures.get("package")
    if p:
        lines += ["### Lambda zip", "",
                  "`{}`: {:.1f} KiB zipped, {:.1f} KiB unpacked, {} files ({} .pyc){}.".format(
                      p["zip"], p["zip_bytes"] / 1024, p["unpacked_bytes"] / 1024, p["files"], p["pyc_files"],
                      "" if p["has_lambda_function"] else "; NO lambda_function.py at the top level"),
                  "Largest parts unpacked: " + ", ".join("{} {:.0f} KiB".format(name, size / 1024)
                                                         for name, size in p.get("largest", [])) + ".", ""]
    if figures.get("notes"):
        lines += ["Not measured this run: " + "; ".join(figures["notes"]) + ".", ""]
    lines.append("<!-- bench-figures {} -->".format(json.dumps(_summary(figures), sort_keys=True)))
    return "\n".join(lines) + "\n"


def _summary(figures: dict) -> dict:
    """The headline figures, kept machine-readable so the next run can say what changed."""
    s = {}
    for r in figures.get("warm") or []:
        s["warm:" + r["request"]] = round(r["ratio_median"], 2)
    for key in ("cold", "cold_zip", "cold_zip_pyc"):
        if figures.get(key):
            s[key] = round(figures[key]["ratio_inner"], 2)
    for r in figures.get("api") or []:
        s["api_trips:start {}".format(r["timers"])] = round(r["start_trips"], 2)
    if figures.get("web"):
        s["web"] = round(figures["web"]["ratio"], 2)
    if figures.get("package"):
        s["zip_kib"] = round(figures["package"]["zip_bytes"] / 1024, 1)
    return s


def what_changed(now: dict, note: str | None) -> str:
    previous = None
    if os.path.exists(RESULTS):
        with open(RESULTS, encoding="utf-8") as f:
            for line in f:
                if line.startswith("<!-- bench-figures "):
                    previous = json.loads(line[len("<!-- bench-figures "):-len(" -->\n")])
    parts = [note.rstrip(".") + "."] if note else []
    if previous is None:
        parts.append("first recorded run.")
        return " ".join(parts)
    added = sorted(k for k in now if k not in previous)
    gone = sorted(k for k in previous if k not in now)
    moved = ["{} {}→{}".format(k, previous[k], now[k]) for k in sorted(now)
             if k in previous and abs(now[k] - previous[k]) >= 0.1 * max(abs(previous[k]), 0.01)]
    if added:
        parts.append("Newly measured: " + ", ".join(added) + ".")
    if gone:
        parts.append("No longer measured: " + ", ".join(gone) + ".")
    parts.append(("Ratios that moved by 10% or more since the previous run: " + ", ".join(moved) + ".")
                 if moved else "No headline ratio moved by 10% or more since the previous run.")
    return " ".join(parts)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (a smoke run)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    parser.add_argument("--note", help="a sentence on what changed, for RESULTS.md")
    parser.add_argument("--only", default="warm,api,cold,imports,web,package",
                        help="comma-separated parts to run")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))
    rounds, runs = (40, 3) if args.quick else (1000, 21)

    os.environ.setdefault("BACK_SPASM_COACH_DB",
                          os.path.join(tempfile.mkdtemp(prefix="bsc-bench-"), "attributes.sqlite3"))
    _log_like_lambda()
    notes: list = []
    figures = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "machine": machine()}
    began = time.monotonic()
    if "warm" in parts:
        print("warm requests ({} rounds) ...".format(rounds), flush=True)
        figures["warm"] = warm(rounds, notes)
    if "api" in parts:
        print("Alexa API round trips at {:.0f} ms ...".format(API_LATENCY * 1000), flush=True)
        figures["api"] = api_round_trips(3 if args.quick else 7)
    if "cold" in parts:
        print("cold starts ({} each) ...".format(runs), flush=True)
        figures["cold"] = cold(runs)
    if "imports" in parts:
        figures["imports"] = import_costs()
    if "package" in parts:
        print("lambda zip ...", flush=True)
        pkg = package(notes)
        if pkg:
            figures["package"] = pkg
            if "cold" in parts and not pkg["pyc_files"]:
                print("cold starts from the zip, as shipped and with bytecode ...", flush=True)
                figures["cold_zip"] = cold_from_zip(pkg, runs)
                figures["cold_zip_pyc"] = cold_from_zip(pkg, runs, precompile=True)
            elif "cold" in parts:
                figures["cold_zip"] = cold_from_zip(pkg, runs)
    if "web" in parts:
        print("web service ...", flush=True)
        figures["web"] = web(notes, seconds=5 if args.quick else 60, requests_per_level=300 if args.quick else 6000)
    figures["notes"] = notes
    figures["changed"] = what_changed(_summary(figures), args.note)
    text = report(figures)
    print()
    print(text)
    print("bench took {:.0f} s".format(time.monotonic() - began))
    if not args.no_write:
        new = not os.path.exists(RESULTS)
        with open(RESULTS, "a", encoding="utf-8") as f:
            if new:
                f.write("# Benchmark results\n\nWritten by `make bench` (bench/run.py), newest last. "
                        "Reports, not pass/fail: targets are from issue 6.\n\n")
            f.write(text + "\n")
        print("appended to", os.path.relpath(RESULTS, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
