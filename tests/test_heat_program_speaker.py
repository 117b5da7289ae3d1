"""The heat program in the simulated speaker: typed words, Alexa's permission question,
and a whole accelerated program heard switch by switch, in order."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from back_spasm_coach.alexa_api import CA_BUNDLE_ENV
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from timers_fixtures import make_client
from tools import speaker_timers
from tools.speaker import Speaker
from tools.timers_api import Clock, TimersApi

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def stand_in():
    api = TimersApi(Clock(fast=0))
    api.serve(tick_every=0)
    yield api
    api.close()


@pytest.fixture
def speaker(stand_in, tmp_path, monkeypatch):
    monkeypatch.delenv(CA_BUNDLE_ENV, raising=False)
    handler = build_skill_builder(
        api_client=make_client(stand_in),
        persistence_adapter=SQLitePersistenceAdapter(str(tmp_path / "a.sqlite3"))).lambda_handler()
    device = Speaker(locale="en-GB", handler=handler)
    heard = []
    speaker_timers.attach(device, stand_in, out=heard.append)
    device.heard = heard
    yield device


def test_a_whole_program_is_heard_switch_by_switch(speaker, stand_in):
    first = speaker.hear("Alexa, ask back spasm coach to do two rounds of heat and cold")
    assert first.intent == "StartHeatProgramIntent" and "Shall I start" in first.text
    asked = speaker.hear("yes")
    assert any("[Alexa asks]" in line for line in asked.directives)
    started = speaker.hear("I approve")
    assert started.request_type == "Connections.Response" and "Put the heat" in started.text
    assert started.ended
    for _ in range(4):
        stand_in.advance(15 * 60)
    said = [line[len("alexa> "):] for line in speaker.heard if line.startswith("alexa> ")]
    assert [line for line in speaker.heard if line.startswith("[timer")] == [
        "[timer ended: Heat 1 of 4]", "[timer ended: Cold 2 of 4]",
        "[timer ended: Heat 3 of 4]", "[timer ended: Cold 4 of 4]"]
    assert said[0] == ("Fifteen minutes of heat are up. Take the heat off and put the cold pack on, "
                       "wrapped in a cloth, for fifteen minutes.")
    assert said[1].startswith("Fifteen minutes of cold are up. Take the cold pack off and put the heat on")
    assert said[3].endswith("please talk to a GP or physiotherapist.")
    assert stand_in.active() == []


def test_time_left_pause_resume_and_cancel_by_voice(speaker, stand_in):
    stand_in.grant(speaker.device.api_access_token)  # granted before: no question this time
    speaker.hear("ask back spasm coach to start a twenty minute heat session")
    speaker.hear("yes")
    stand_in.advance(10.5 * 60)
    left = speaker.hear("ask back spasm coach how much time is left").text.lower()
    assert "nine and a half minutes of heat" in left
    speaker.hear("open back spasm coach")
    assert "paused" in speaker.hear("pause").text
    speaker.hear("open back spasm coach")
    assert "running again" in speaker.hear("resume").text
    assert "cancelled" in speaker.hear("ask back spasm coach to cancel the heat timer").text
    assert stand_in.active() == []


@pytest.mark.parametrize("answer, status", [("no", "DENIED"), ("what", None)])
def test_refusing_or_not_answering_the_permission_question(speaker, stand_in, answer, status):
    speaker.hear("ask back spasm coach to start an ice timer")
    speaker.hear("yes")
    reply = speaker.hear(answer)
    if status is None:  # Alexa asks once more, then gives up
        assert not reply.routed and "permission" in reply.note
        reply = speaker.hear("hmm")
    assert reply.request["request"]["payload"]["status"] == (status or "NOT_ANSWERED")
    assert "set a timer for fifteen minutes" in reply.text and reply.ended
    assert stand_in.active() == []


def test_make_run_hears_a_piped_program_end_to_end(tmp_path):
    script = "ask back spasm coach to alternate heat and cold\nyes\ni approve\n"
    env = dict(os.environ, BACK_SPASM_COACH_DB=str(tmp_path / "a.sqlite3"))
    env.pop(CA_BUNDLE_ENV, None)
    out = subprocess.run([sys.executable, "-m", "tools.speaker", "--fast", "1200", "--wait-for-timers"],
                         input=script, capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    lines = [line for line in out.stdout.splitlines() if line.startswith("[timer ended")]
    assert lines == ["[timer ended: Heat 1 of 4]", "[timer ended: Cold 2 of 4]",
                     "[timer ended: Heat 3 of 4]", "[timer ended: Cold 4 of 4]"], out.stdout + out.stderr
    assert "please talk to a doctor or physical therapist." in out.stdout
