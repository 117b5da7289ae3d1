"""A routine spoken through real envelopes: navigation, resume in a new session from a real
SQLite file, and the Echo Show view exactly when there is a screen."""
import json
import re
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from back_spasm_coach import apl, routine, speech
from back_spasm_coach.content import load
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import envelopes

CONTENT = load("en-US")
GENTLE = [s.id for s in routine.routines()[routine.GENTLE]]


class Speaker:
    """One person talking to the skill: a session carried from turn to turn."""

    def __init__(self, db_path, screen=False):
        self.handler = build_skill_builder(
            persistence_adapter=SQLitePersistenceAdapter(str(db_path))).lambda_handler()
        self.device = envelopes.Device(screen=screen)
        self.session = envelopes.Session()

    def say(self, intent, **slots):
        envelope = envelopes.intent(intent, slots=slots, session=self.session, device=self.device)
        out = self.handler(envelope, None)
        self.open = self.session.absorb(out)
        self.response = out["response"]
        self.ssml = self.response["outputSpeech"]["ssml"]
        ET.fromstring(self.ssml)  # every answer is well-formed SSML
        assert len(self.ssml) < 8000
        assert all(b <= 10 for b in speech.break_seconds(self.ssml))
        return self

    @property
    def text(self):
        return speech.to_text(self.ssml)

    @property
    def position(self):
        return routine.Position.from_dict(self.session.attributes.get("stretch_routine"))


def name_of(stretch_id):
    return CONTENT.text("stretches.{}.name".format(stretch_id))


def reading(speaker, stretch_id):
    """True when the last answer read this stretch (its name, its moves) and waits for "next"."""
    return (name_of(stretch_id) in speaker.text
            and CONTENT.raw("stretches.{}.move".format(stretch_id)).split("{")[0][:12] in speaker.text
            and speaker.open and speaker.response.get("reprompt") is not None)


def stretch_slot(value, stretch_id=None):
    return envelopes.slot("stretch", value, resolved_id=stretch_id, authority="STRETCH_NAME")


def test_a_whole_routine_with_every_navigation_word(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    assert reading(me.say("StartStretchesIntent"), GENTLE[0])
    assert me.position == routine.Position("gentle", 0, "normal")

    assert reading(me.say("AMAZON.NextIntent"), GENTLE[1])
    assert reading(me.say("AMAZON.PreviousIntent"), GENTLE[0])
    assert reading(me.say("AMAZON.PreviousIntent"), GENTLE[0])  # already the first
    assert CONTENT.text("routine.first_already") in me.text
    me.say("AMAZON.NextIntent")

    me.say("WhichStretchIntent")
    assert "This is {}, number two of {}".format(
        name_of(GENTLE[1]), speech.number_words(len(GENTLE))) in me.text
    # "repeat" after another answer still reads the current stretch, not the last words.
    assert reading(me.say("AMAZON.RepeatIntent"), GENTLE[1])

    me.say("SlowerIntent")
    assert reading(me, GENTLE[1]) and 'rate="75%"' in me.ssml
    assert me.position.pace == routine.SLOWER
    assert reading(me.say("AMAZON.NextIntent"), GENTLE[2]) and 'rate="75%"' in me.ssml  # stays slower

    assert reading(me.say("AMAZON.StartOverIntent"), GENTLE[0])
    for stretch_id in GENTLE[1:]:
        assert reading(me.say("AMAZON.NextIntent"), stretch_id)
    assert any(line in me.ssml for line in CONTENT.all_lines("routine.say_next_last"))

    me.say("AMAZON.NextIntent")  # past the last one: a kind wrap-up and one offer
    assert any(line in me.ssml for line in CONTENT.all_lines("routine.finished.gentle"))
    # No reminder set yet: the offer is a daily one (handlers/reminders.offer_after_routine).
    assert me.open and me.session.attributes.get("offer") == "stretch_reminder"
    assert "stretch_routine" not in me.session.attributes

    me.say("AMAZON.NextIntent")  # no routine running any more
    assert CONTENT.text("routine.not_started") in me.text


def test_stop_during_a_routine_ends_with_how_to_resume_and_the_closing_advice(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent").say("AMAZON.StopIntent")
    assert me.response["shouldEndSession"] is True
    assert any(line in me.ssml for line in CONTENT.all_lines("routine.stopped"))
    assert any(line in me.ssml for line in CONTENT.all_lines("conversation.closing"))
    # One acknowledgement, not two: "Okay, we'll stop there" is not followed by "Okay ...".
    assert not any(line in me.ssml for line in CONTENT.all_lines("conversation.goodbye"))


def test_no_to_say_next_waits_rather_than_saying_goodbye(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent").say("AMAZON.NoIntent")
    assert me.open and any(line in me.ssml for line in CONTENT.all_lines("routine.paused"))
    assert reading(me.say("AMAZON.NextIntent"), GENTLE[1])


def test_pause_during_a_routine_waits_for_next(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent").say("AMAZON.PauseIntent")
    assert me.open and any(line in me.ssml for line in CONTENT.all_lines("routine.paused"))
    assert me.position == routine.Position("gentle", 0, "normal")
    assert reading(me.say("AMAZON.NextIntent"), GENTLE[1])


def test_pause_with_no_routine_is_left_to_the_heat_program(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("AMAZON.PauseIntent")
    assert not any(line in me.ssml for line in CONTENT.all_lines("routine.paused"))


def test_continue_in_a_new_session_picks_up_after_the_last_stretch_read(tmp_path):
    db = tmp_path / "attributes.sqlite3"
    first = Speaker(db)
    first.say("StartStretchesIntent").say("AMAZON.NextIntent").say("SlowerIntent").say("AMAZON.StopIntent")

    # What is stored is the routine position and pace, and nothing else.
    with sqlite3.connect(str(db)) as connection:
        (stored,) = connection.execute("SELECT data FROM attributes").fetchone()
    assert json.loads(stored) == {"stretch_routine": {"routine": "gentle", "index": 1, "pace": "slower"}}

    later = Speaker(db)  # a new skill instance and a new session, the same person
    later.say("ContinueStretchesIntent")
    assert CONTENT.text("routine.resume", name=name_of(GENTLE[1])) in later.text
    assert reading(later, GENTLE[2]) and 'rate="75%"' in later.ssml

    # Within a session, "continue" goes on like "next".
    assert reading(later.say("ContinueStretchesIntent"), GENTLE[3])


def test_continue_with_nothing_saved_starts_from_the_beginning(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("ContinueStretchesIntent")
    assert CONTENT.text("routine.resume_nothing") in me.text
    assert reading(me, GENTLE[0])


def test_finishing_the_routine_forgets_the_saved_position(tmp_path):
    db = tmp_path / "a.sqlite3"
    me = Speaker(db)
    me.say("StartStretchesIntent")
    for _ in GENTLE:
        me.say("AMAZON.NextIntent")
    later = Speaker(db)
    later.say("ContinueStretchesIntent")
    assert CONTENT.text("routine.resume_nothing") in later.text


def test_an_unreadable_store_still_gets_a_stretch(tmp_path):
    broken = tmp_path / "not-a-dir"
    broken.write_text("a file where the database folder should be")
    me = Speaker(broken / "db.sqlite3")
    assert reading(me.say("ContinueStretchesIntent"), GENTLE[0])


def test_yes_to_the_core_stretch_offer_starts_the_routine(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("ExerciseAdviceIntent")
    assert me.session.attributes.get("offer") == "stretch"
    assert reading(me.say("AMAZON.YesIntent"), GENTLE[0])


def test_slower_before_any_routine_is_remembered_for_it(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("SlowerIntent")
    assert me.session.attributes.get("offer") == "stretch"
    me.say("AMAZON.YesIntent")
    assert reading(me, GENTLE[0]) and me.position.pace == routine.SLOWER


@pytest.mark.parametrize("intent", ["AMAZON.NextIntent", "AMAZON.PreviousIntent", "WhichStretchIntent"])
def test_navigation_outside_a_routine_offers_one(tmp_path, intent):
    me = Speaker(tmp_path / "a.sqlite3").say(intent)
    assert CONTENT.text("routine.not_started") in me.text
    assert me.session.attributes.get("offer") == "stretch"


def test_a_named_stretch_is_read_first_and_the_routine_goes_on_from_it(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent", stretch=stretch_slot("knee rolls", "knee_rolls"))
    assert reading(me, "knee_rolls") and me.position == routine.Position("gentle", 1)
    assert reading(me.say("AMAZON.NextIntent"), GENTLE[2])


def test_the_optional_stretch_is_read_by_name_then_wraps_up(tmp_path):
    """A routine of one stretch: no "stretch one of one", no "say next", just the wrap-up."""
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent", stretch=stretch_slot("cat cow", "cat_cow"))
    assert name_of("cat_cow") in me.text and " of one" not in me.text and "next" not in me.text
    assert me.text.endswith(tuple(speech.to_text(line) for line in CONTENT.all_lines("offers.more.question")))
    assert CONTENT.text("routine.finished.optional") in me.text and me.open
    assert me.position is None  # nothing left to continue


def test_an_unknown_stretch_name_gets_the_gentle_routine(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent", stretch=stretch_slot("headstand"))
    assert CONTENT.text("routine.unknown_stretch") in me.text
    assert reading(me, GENTLE[0])


def test_strengthening_asks_if_the_spasm_has_settled_before_it_starts(tmp_path):
    condition = CONTENT.text("routine.start.strengthening")
    assert "once the spasm has settled" in condition
    first = routine.routines()[routine.STRENGTHENING][0].id
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StrengthenIntent")
    assert condition in me.text and name_of(first) not in me.text  # asks; starts nothing
    assert me.open and me.session.attributes.get("offer") == "strengthening"
    me.say("AMAZON.YesIntent")
    assert reading(me, first) and condition not in me.text

    me.say("StartStretchesIntent", stretch=stretch_slot("bridge", "bridge"))
    assert condition in me.text and not reading(me, "bridge")
    assert reading(me.say("AMAZON.YesIntent"), "bridge")


def test_no_to_strengthening_offers_the_gentle_stretches_instead(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StrengthenIntent").say("AMAZON.NoIntent")
    assert me.open and CONTENT.text("routine.start.not_settled") in me.text
    assert me.session.attributes.get("offer") == "stretch"
    assert reading(me.say("AMAZON.YesIntent"), GENTLE[0])


# --- Echo Show ---------------------------------------------------------------------------------

def _directives(speaker):
    return [d for d in speaker.response.get("directives") or []
            if d["type"] == "Alexa.Presentation.APL.RenderDocument"]


def test_no_screen_no_view(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3", screen=False)
    me.say("StartStretchesIntent")
    assert me.response.get("directives") in (None, [])


def test_a_screen_gets_the_stretch_with_a_countdown_it_can_bind(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3", screen=True)
    for intent in ("StartStretchesIntent", "AMAZON.NextIntent", "AMAZON.RepeatIntent"):
        me.say(intent)
        (directive,) = _directives(me)
        document, data = directive["document"], directive["datasources"]
        assert directive["token"] == apl.TOKEN
        assert json.loads(json.dumps(document)) == document
        stretch = data["stretch"]
        text = json.dumps(document)
        bound = set(re.findall(r"payload\.stretch\.(\w+)", text))
        assert bound and bound <= set(stretch), bound - set(stretch)
        for nested in re.findall(r"payload\.stretch\.labels\.(\w+)", text):
            assert nested in stretch["labels"]
        for nested in re.findall(r"holds\[holdIndex\]\.(\w+)", text):
            assert all(nested in hold for hold in stretch["holds"])
        assert stretch["name"] in me.text
        assert stretch["steps"] and all(step in me.text for step in stretch["steps"])
        assert stretch["holdCount"] == len(stretch["holds"]) > 0
        starts = [h["startMs"] for h in stretch["holds"]]
        assert starts == sorted(starts)
        assert all(h["endMs"] - h["startMs"] == stretch["holds"][0]["endMs"] - stretch["holds"][0]["startMs"]
                   for h in stretch["holds"])
    # "which stretch is this" changes nothing on screen.
    me.say("WhichStretchIntent")
    assert _directives(me) == []


def test_a_stretch_asked_for_by_name_is_not_numbered_on_screen(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3", screen=True)
    me.say("StartStretchesIntent", stretch=stretch_slot("cat cow", "cat_cow"))
    (directive,) = _directives(me)
    shown = directive["datasources"]["stretch"]["position"]
    assert shown == CONTENT.text("routine.screen.single") and " of " not in shown


def test_the_document_ticks_on_the_device():
    document = apl.document()
    assert document["type"] == "APL"
    view = document["mainTemplate"]["items"][0]
    assert {b["name"] for b in view["bind"]} == {"now", "holdIndex"}
    commands = [c for tick in view["handleTick"] for c in tick["commands"]]
    assert {c["type"] for c in commands} == {"SetValue"}
    assert {c["property"] for c in commands} == {"now", "holdIndex"}


def test_help_during_a_routine_names_the_routine_words_and_keeps_the_place(tmp_path):
    me = Speaker(tmp_path / "a.sqlite3")
    me.say("StartStretchesIntent").say("AMAZON.NextIntent").say("AMAZON.HelpIntent")
    assert CONTENT.text("routine.help") in me.text and me.open
    assert reading(me.say("AMAZON.NextIntent"), GENTLE[2])
