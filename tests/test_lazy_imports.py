"""Cold start stays lean: what only some requests need is imported when first needed.

A fresh interpreter imports ``lambda_function`` and answers the requests most
sessions are made of; the heavy modules must still be unloaded afterwards.
(bench/run.py measures what this saves; these tests check what is loaded, and that
threads making the first requests at once never see a module half-run.)
"""
import json
import os
import subprocess
import sys

from skill_io import ROOT

#: Loaded only by the requests that need them: the HTTP client for Alexa APIs,
#: persistence, the web service and its verification, AWS.
HEAVY = ("requests", "urllib3", "ssl", "http.client", "sqlite3", "boto3", "botocore",
         "flask", "werkzeug", "cryptography", "flask_ask_sdk", "ask_sdk_webservice_support",
         "ask_sdk_core.api_client")
#: Module prefixes no common request needs: APL directive models, the web service.
HEAVY_PREFIXES = ("ask_sdk_model.interfaces.alexa.presentation.apl", "back_spasm_coach.web",
                  "back_spasm_coach.verify", "webservice")

CHILD = r"""
import json, sys
opened = []
sys.addaudithook(lambda event, args: opened.append(args[0]) if event == "open" and isinstance(args[0], str)
                 and args[0].endswith(".json") else None)
from lambda_function import lambda_handler
from tools import envelopes
events = [envelopes.launch(), envelopes.intent("OverviewIntent"), envelopes.intent("RestIntent"),
          envelopes.intent("AMAZON.StopIntent")]
for event in events:
    assert lambda_handler(event, None)["response"]["outputSpeech"]
from back_spasm_coach import triage
compiled = [p.source[:40] for p in vars(triage).values() if isinstance(p, triage._Pattern) and p._compiled is not None]
compiled += [p.source[:40] for ps in triage._SIGN_PATTERNS.values() for p in ps if p._compiled is not None]
compiled += [p.source[:40] for rules in triage._TOPIC_PATTERNS.values() for _, p in rules if p._compiled is not None]
print(json.dumps({"modules": sorted(sys.modules), "json_files": opened, "compiled": compiled}))
"""


def _modules_after_common_requests():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lambda"), ROOT]))
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_heavy_modules_wait_until_a_request_needs_them():
    loaded = set(_modules_after_common_requests()["modules"])
    eager = [m for m in HEAVY if m in loaded] + [m for m in loaded if m.startswith(HEAVY_PREFIXES)]
    assert not eager, "imported at cold start though no request needed them: {}".format(eager)


def test_only_content_is_read_for_the_common_requests():
    """APL documents and flow data are read when a request first needs them."""
    content = os.path.join("back_spasm_coach", "content") + os.sep
    read = _modules_after_common_requests()["json_files"]
    assert read, "the audit hook saw no content being read"
    others = [path for path in read if content not in path]
    assert not others, "read at cold start though no request needed them: {}".format(others)


FLOW_CHILD = r"""
import json, sys
from lambda_function import lambda_handler
from tools import envelopes
for event in (envelopes.launch(), envelopes.intent("OverviewIntent"), envelopes.intent("RestIntent")):
    lambda_handler(event, None)
print(json.dumps(sorted(name for name in sys.modules if name.startswith("back_spasm_coach."))))
"""

#: Flow modules only their own requests need (loaded through back_spasm_coach.lazy).
FLOWS = ("back_spasm_coach.routine", "back_spasm_coach.heat_program", "back_spasm_coach.reminders",
         "back_spasm_coach.name_free", "back_spasm_coach.handlers.name_free")


def test_flows_wait_for_their_own_requests():
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lambda"), ROOT]))
    out = subprocess.run([sys.executable, "-c", FLOW_CHILD], env=env, cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    executed = set(json.loads(out.strip().splitlines()[-1]))
    assert "back_spasm_coach.skill" in executed  # the probe sees real modules
    assert not executed & set(FLOWS), "run at cold start for a launch or an answer: {}".format(
        sorted(executed & set(FLOWS)))


RACE_CHILD = r"""
import json, logging, sys, threading
failures = []
class Failures(logging.Handler):  # the catch-all handler logs every exception it turns into an apology
    def emit(self, record):
        failures.append(record.getMessage())
logging.getLogger().addHandler(Failures(logging.ERROR))
logging.getLogger().setLevel(logging.ERROR)
sys.setswitchinterval(1e-5)  # switch threads often, so a half-run module would be seen
from lambda_function import lambda_handler
from tools import envelopes
names = ["StartStretchesIntent", "StartHeatProgramIntent", "StrengthenIntent"]
events = [envelopes.intent(names[i % len(names)]) for i in range(int(sys.argv[1]))]
start = threading.Barrier(len(events))
answers = [None] * len(events)
def first_request(i):
    start.wait()
    answers[i] = lambda_handler(events[i], None)["response"]["outputSpeech"]["ssml"]
threads = [threading.Thread(target=first_request, args=(i,)) for i in range(len(events))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"answers": answers, "failures": failures}))
"""


def test_concurrent_first_requests_never_see_a_half_loaded_flow(tmp_path):
    """Many threads make the first request of fresh interpreters at once (a web server's first burst).

    With importlib's LazyLoader on Python 3.11 most such runs answered some of them
    "something went wrong": a thread read the flow module while another was still running it.
    """
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.join(ROOT, "lambda"), ROOT]),
               BACK_SPASM_COACH_DB=str(tmp_path / "attributes.sqlite3"))
    runs = [subprocess.Popen([sys.executable, "-c", RACE_CHILD, "24"], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    answered, failures = 0, []
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]
        result = json.loads(out.strip().splitlines()[-1])
        answered += sum(1 for answer in result["answers"] if answer)
        failures += result["failures"]
    assert answered == 6 * 24
    assert not failures, "{} of {} first requests failed, e.g. {}".format(len(failures), answered, failures[0])


def test_the_stand_in_runs_the_module_once_and_forwards_to_it(tmp_path, monkeypatch):
    from back_spasm_coach.lazy import LazyModule, lazy_module

    (tmp_path / "lazy_probe_flow.py").write_text("RUNS = []\nRUNS.append(1)\nVALUE = 'real'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lazy_probe_flow", raising=False)
    stand_in = lazy_module("lazy_probe_flow")
    assert isinstance(stand_in, LazyModule) and "lazy_probe_flow" not in sys.modules  # nothing has run
    assert stand_in.VALUE == "real" and stand_in.RUNS == [1]
    stand_in.VALUE = "patched"  # a patch through the stand-in reaches the module itself
    assert sys.modules["lazy_probe_flow"].VALUE == "patched" and stand_in.RUNS == [1]
    assert lazy_module("lazy_probe_flow") is sys.modules.pop("lazy_probe_flow")


def test_a_misspelt_flow_fails_at_import_not_at_a_request():
    import pytest

    from back_spasm_coach.lazy import lazy_module

    with pytest.raises(ModuleNotFoundError):
        lazy_module("back_spasm_coach.no_such_flow")


def test_no_triage_pattern_is_compiled_until_free_words_arrive():
    """Compiling every red-flag and topic pattern takes tens of milliseconds; requests
    without free words (most of them) must not pay it at cold start."""
    assert _modules_after_common_requests()["compiled"] == []
