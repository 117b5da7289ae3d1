"""Name-free words and reminders in the simulated speaker, in every locale, and through `make run`.

The speaker plays Alexa's part: with no session open, words without our name
are first put to the skill as a CanFulfillIntentRequest and sent only on YES;
Alexa asks the reminders permission itself; a reminder rings on the stand-in's
accelerated clock.
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
from tools.speaker import ALEXA_DOES_NOT_KNOW, Speaker, ingress_phrases

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EMERGENCY = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}


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


# ------------------------------------------------------------------ name-free, every locale
@pytest.mark.parametrize("locale", LOCALES)
def test_what_helps_a_back_spasm_without_our_name(stand_in, tmp_path, monkeypatch, locale):
    monkeypatch.delenv(CA_BUNDLE_ENV, raising=False)
    speaker = make_speaker(stand_in, tmp_path, locale)
    reply = speaker.hear("Alexa, what helps a back spasm")
    assert reply.probe.request["request"]["type"] == "CanFulfillIntentRequest"
    assert "session" not in reply.probe.request and reply.probe.verdict == "YES"
    assert reply.intent == "OverviewIntent" and reply.request["session"]["new"] is True
    assert says(reply.text, locale, "overview.answer")
    assert not stand_in.requests  # the question called no API


@pytest.mark.parametrize("locale", LOCALES)
def test_a_red_flag_without_our_name_still_gets_the_emergency_action_first(stand_in, tmp_path, locale):
    speaker = make_speaker(stand_in, tmp_path, locale)
    reply = speaker.hear("my legs are numb")
    assert reply.probe.verdict == "YES"  # a symptom value or free words: either way, ours
    assert EMERGENCY[locale] in reply.text.split(".")[0] and reply.ended


@pytest.mark.parametrize("locale", LOCALES)
def test_every_nfi_phrase_reaches_the_skill_without_our_name(stand_in, tmp_path, locale):
    launch, intents = ingress_phrases(locale)
    assert launch and intents
    for phrase in sorted(launch):
        speaker = make_speaker(stand_in, tmp_path, locale)
        reply = speaker.hear(phrase)
        assert reply.request_type == "LaunchRequest" and reply.probe is None, phrase
    for phrase, intent in sorted(intents.items()):
        speaker = make_speaker(stand_in, tmp_path, locale)
        reply = speaker.hear("Alexa, " + phrase)
        assert reply.probe.verdict == "YES" and reply.intent == intent and reply.routed, phrase


def test_what_is_not_ours_gets_alexas_own_answer(stand_in, tmp_path):
    speaker = make_speaker(stand_in, tmp_path, "en-US")
    stop_reminder = speaker.hear("stop my stretch reminder")  # ours, but only by name
    assert stop_reminder.probe.verdict == "NO" and not stop_reminder.routed
    assert stop_reminder.lines() == [ALEXA_DOES_NOT_KNOW]
    unknown = speaker.hear("play some jazz")
    assert unknown.probe is None and unknown.lines() == [ALEXA_DOES_NOT_KNOW]


def run(script, *args, tmp_path):
    env = dict(os.environ, BACK_SPASM_COACH_DB=str(tmp_path / "a.sqlite3"))
    env.pop(CA_BUNDLE_ENV, None)
    return subprocess.run([sys.executable, "-m", "tools.speaker", *args], input=script,
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=90)


def test_make_run_answers_what_helps_a_back_spasm_name_free(tmp_path):
    """`printf 'what helps a back spasm\\nstop\\n' | make run`"""
    out = run("what helps a back spasm\nstop\n", tmp_path=tmp_path)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr
    replies = [line for line in out.stdout.splitlines() if line.startswith("alexa> ")]
    assert len(replies) == 2 and says(replies[0], "en-US", "overview.answer")
    answer = replies[0].lower()
    assert "heat" in answer and "stretch" in answer and "anti-inflammatory" in answer
    assert says(replies[1], "en-US", "conversation.closing")


def test_verbose_shows_both_steps(tmp_path):
    out = run("what helps a back spasm\nstop\nhow much time is left\n", "--verbose", tmp_path=tmp_path)
    lines = out.stdout.splitlines()
    first = lines.index("you> what helps a back spasm")
    assert lines[first + 1] == "       (name-free: CanFulfillIntentRequest OverviewIntent -> YES)"
    assert lines[first + 2] == "       (OverviewIntent)"
    last = lines.index("you> how much time is left")
    assert lines[last + 1:] == ["       (name-free: CanFulfillIntentRequest TimeLeftIntent -> NO)",
                                ALEXA_DOES_NOT_KNOW]
    assert "name-free question for OverviewIntent: YES" in out.stderr  # the skill's own log


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
