"""Issue 4's phrases typed into the simulated speaker: a routine followed by words alone,
and on a screen device the stretch view shown by the speaker plug-in."""
import os
import subprocess
import sys

from back_spasm_coach import routine
from back_spasm_coach.content import load
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import speaker_stretches
from tools.envelopes import Device
from tools.speaker import Speaker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONTENT = load("en-US")
GENTLE = [s.id for s in routine.routines()[routine.GENTLE]]


def name_of(stretch_id):
    return CONTENT.text("stretches.{}.name".format(stretch_id))


def make_speaker(tmp_path, screen=False):
    handler = build_skill_builder(persistence_adapter=SQLitePersistenceAdapter(
        str(tmp_path / "attributes.sqlite3"))).lambda_handler()
    speaker = Speaker(locale="en-US", device=Device(screen=screen), handler=handler)
    speaker_stretches.setup(speaker, None)
    return speaker


def test_issue_phrases_reach_the_routine(tmp_path):
    speaker = make_speaker(tmp_path)
    steps = [
        ("alexa ask back spasm coach to guide me through my stretches", "StartStretchesIntent", GENTLE[0]),
        ("next", "AMAZON.NextIntent", GENTLE[1]),
        ("previous", "AMAZON.PreviousIntent", GENTLE[0]),
        ("repeat", "AMAZON.RepeatIntent", GENTLE[0]),
        ("slower", "SlowerIntent", GENTLE[0]),
        ("which stretch is this", "WhichStretchIntent", GENTLE[0]),
        ("do the knee rolls stretch", "StartStretchesIntent", "knee_rolls"),
        ("start over", "AMAZON.StartOverIntent", GENTLE[0]),
        ("what's a good stretch for a back spasm", "StartStretchesIntent", GENTLE[0]),
        ("stretch", "StartStretchesIntent", GENTLE[0]),
    ]
    for words, intent, stretch_id in steps:
        exchange = speaker.hear(words)
        assert exchange.intent == intent, words
        assert name_of(stretch_id) in exchange.text, words
        assert not exchange.ended
    exchange = speaker.hear("stop")
    assert exchange.ended
    exchange = speaker.hear("alexa ask back spasm coach to continue my stretches")
    assert exchange.intent == "ContinueStretchesIntent" and name_of(GENTLE[1]) in exchange.text
    exchange = speaker.hear("how can i strengthen my back")
    assert exchange.intent == "StrengthenIntent" and "once the spasm has settled" in exchange.text


def test_a_person_who_went_quiet_picks_up_where_they_stopped_in_their_own_words(tmp_path):
    """No "stop": the session closes as Alexa closes it, and a new one names no intent the model has."""
    speaker = make_speaker(tmp_path)
    speaker.hear("alexa ask back spasm coach to read me a stretch")
    speaker.hear("next")
    speaker.leave("EXCEEDED_MAX_REPROMPTS")
    exchange = speaker.hear("alexa ask back spasm coach to pick up where we stopped yesterday")
    assert name_of(GENTLE[2]) in exchange.text, exchange.text


def test_the_screen_line_shows_the_stretch_and_its_countdown(tmp_path):
    exchange = make_speaker(tmp_path, screen=True).hear("alexa ask back spasm coach to read me a stretch")
    (line,) = exchange.directives
    first = routine.stretches()[GENTLE[0]]
    holds = first.repetitions * max(1, len(first.sides))
    assert name_of(GENTLE[0]) in line
    assert "countdown: {} holds of {:g} s".format(holds, first.hold_seconds) in line
    assert make_speaker(tmp_path, screen=False).hear(
        "alexa ask back spasm coach to read me a stretch").directives == []


def test_the_command_line_loads_the_plug_in(tmp_path):
    env = dict(os.environ, BACK_SPASM_COACH_DB=str(tmp_path / "db.sqlite3"))
    run = subprocess.run([sys.executable, "-m", "tools.speaker", "--screen"],
                         input="alexa ask back spasm coach to read me a stretch\n", text=True,
                         capture_output=True, timeout=60, cwd=ROOT, env=env)
    assert "[screen: Stretch 1 of {} - {}".format(len(GENTLE), name_of(GENTLE[0])) in run.stdout, run.stderr
