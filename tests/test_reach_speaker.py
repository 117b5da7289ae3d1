"""Reminders in the simulated speaker, in every locale, and through `make run`.

The speaker plays Alexa's part: Alexa asks the reminders permission itself; a
reminder rings on the stand-in's accelerated clock.
"""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from back_spasm_coach.alexa_api import CA_BUNDLE_ENV
from back_spasm_coach.content import load
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from back_spasm_coach.speech import to_text
from skill_io import LOCALES
from timers_fixtures import api, make_client  # noqa: F401 (fixture)
from tools import speaker_reminders, speaker_timers
from tools.speaker import Speaker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def stand_in(api):  # noqa: F811 (the Timers stand-in of timers_fixtures, frozen clock)
    return api


def make_speaker(stand_in, tmp_path, locale, granted=False):
    handler = build_skill_builder(
        api_client=make_client(stand_in),
        persistence_adapter=SQLitePersistenceAdapter(str(tmp_path / (locale + ".sqlite3")))).lambda_handler()
    device = Speaker(locale=locale, handler=handler)
    heard = []
    speaker_timers.attach(device, stand_in, out=heard.append, granted=True)
    speaker_reminders.attach(device, stand_in, out=heard.append, granted=granted)
    device.heard = heard
    return device


def says(text, locale, key, **values):
    return any(to_text(line) in text for line in load(locale).all_lines(key, **values))


def run(script, *args, tmp_path):
    env = dict(os.environ, BACK_SPASM_COACH_DB=str(tmp_path / "a.sqlite3"))
    env.pop(CA_BUNDLE_ENV, None)
    return subprocess.run([sys.executable, "-m", "tools.speaker", *args], input=script,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=90)


# ------------------------------------------------------------------ reminders, every locale
@pytest.mark.parametrize("locale", LOCALES)
def test_a_daily_reminder_by_voice_permission_and_ringing(stand_in, tmp_path, locale):
    speaker = make_speaker(stand_in, tmp_path, locale)
    asked = speaker.hear("ask back spasm coach to remind me to do my stretches every morning at nine")
    assert asked.intent == "StretchReminderIntent"
    assert asked.directives == ["[Alexa asks] " + speaker_reminders.PERMISSION_QUESTION]
    done = speaker.hear("I approve")
    assert done.request_type == "Connections.Response" and "nine in the morning" in done.text
    stand_in.advance(24 * 3600)
    rings = [line for line in speaker.heard if line.startswith("[reminder rings")]
    assert len(rings) == 1 and rings[0].endswith("09:00 {}]".format(stand_in.reminders.zone))
    assert "alexa> Here's your reminder: " + load(locale).text("reminders.text.stretch") in speaker.heard
    stopped = speaker.hear("ask back spasm coach to stop my stretch reminder")
    assert says(stopped.text, locale, "reminders.cancelled.stretch") and stand_in.reminders.active() == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_check_in_by_name_refused_permission_gets_a_card(stand_in, tmp_path, locale):
    speaker = make_speaker(stand_in, tmp_path, locale)
    speaker.hear("ask back spasm coach to check in with me in two weeks")
    refused = speaker.hear("no")
    assert refused.request["request"]["payload"]["permissionScope"] == speaker_reminders.PERMISSION_SCOPE
    assert says(refused.text, locale, "reminders.permission.denied") and "[card: " in refused.directives[0]
    assert stand_in.reminders.active() == []


def test_make_run_sets_a_reminder_and_with_fast_hears_it_ring(tmp_path):
    script = "ask back spasm coach to remind me to do my stretches every morning at nine\ni approve\nno\n"
    out = run(script, "--fast", "86400", "--wait-for-reminders", "--locale", "en-GB", tmp_path=tmp_path)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    lines = out.stdout.splitlines()
    assert any("permission to create and edit your reminders" in line for line in lines)
    assert any("every day at nine in the morning" in line for line in lines)
    rings = [line for line in lines if line.startswith("[reminder rings")]
    assert rings and rings[0].endswith("09:00 Europe/London]"), out.stdout
    assert ("alexa> Here's your reminder: It's time for your back stretches. To start them, say: "
            "Alexa, ask Back Spasm Coach to read me a stretch.") in lines
