"""Scaling out: two web-service instances (gunicorn processes, as `make serve` runs them) share
one DynamoDB table (dynalite), and a routine begun on one is continued on the other.

Requests are signed and verified as Amazon's would be (test CA); persistence is chosen by
the standard variables alone: DYNAMODB_PERSISTENCE_TABLE_NAME, AWS_ENDPOINT_URL_DYNAMODB.
"""
from __future__ import annotations

import http.client
import json

from back_spasm_coach import routine, speech
from back_spasm_coach.content import load
from tools import envelopes
from tools.loadtest import Server
from tools.signing import TestPKI, signed_request

CONTENT = load("en-US")
GENTLE = [s.id for s in routine.routines()[routine.GENTLE]]


def ask(server: Server, key, event: dict) -> dict:
    body, headers = signed_request(event, key)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        connection.request("POST", "/", body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
    finally:
        connection.close()
    assert response.status == 200, data[:300]
    return json.loads(data)


def test_a_routine_begun_on_one_instance_is_continued_on_another(dynalite, dynamodb_table, tmp_path):
    pki = TestPKI()
    pki.write(str(tmp_path))
    table_env = dynalite.environ(dynamodb_table)
    a = Server(str(tmp_path), str(tmp_path / "a-unused.sqlite3"), workers=1,
               log_path=str(tmp_path / "a.log"), extra_env=table_env)
    b = Server(str(tmp_path), str(tmp_path / "b-unused.sqlite3"), workers=1,
               log_path=str(tmp_path / "b.log"), extra_env=table_env)
    with a, b:
        session = envelopes.Session()
        for intent in ("StartStretchesIntent", "AMAZON.NextIntent", "AMAZON.StopIntent"):
            session.absorb(ask(a, pki.signing_key, envelopes.intent(intent, session=session)))
        later = ask(b, pki.signing_key, envelopes.intent("ContinueStretchesIntent"))
        said = speech.to_text(later["response"]["outputSpeech"]["ssml"])
        name = CONTENT.text("stretches.{}.name".format(GENTLE[1]))
        assert CONTENT.text("routine.resume", name=name) in said, said
        assert CONTENT.text("stretches.{}.name".format(GENTLE[2])) in said
    # Neither instance fell back to a file of its own.
    assert not (tmp_path / "a-unused.sqlite3").exists() and not (tmp_path / "b-unused.sqlite3").exists()
    stored = dynalite.resource().Table(dynamodb_table).get_item(Key={"id": envelopes.USER_ID})["Item"]
    assert stored["attributes"]["stretch_routine"]["routine"] == "gentle"


def test_make_dynamodb_table_creates_the_table_once(dynalite, tmp_path):
    import os
    import subprocess
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, **dynalite.environ("bsc-made-by-make"))
    runs = [subprocess.run([sys.executable, "-m", "tools.dynamodb_table"], cwd=root, env=env,
                           capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "created" in runs[0].stdout and "already exists" in runs[1].stdout
    described = dynalite.resource().meta.client.describe_table(TableName="bsc-made-by-make")["Table"]
    assert described["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
