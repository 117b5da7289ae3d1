"""Cold start stays lean: what only some requests need is imported when first needed.

A fresh interpreter imports ``lambda_function`` and answers the requests most
sessions are made of; the heavy modules must still be unloaded afterwards.
(bench/run.py measures what this saves; this test only checks what is loaded.)
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
print(json.dumps({"modules": sorted(sys.modules), "json_files": opened}))
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
print(json.dumps(sorted(name for name, module in sys.modules.items()
                        if name.startswith("back_spasm_coach.") and type(module).__name__ != "_LazyModule")))
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
