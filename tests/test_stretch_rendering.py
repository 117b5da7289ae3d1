"""Every stretch of every routine, read aloud inside Alexa's limits, with its holds timed and counted."""
import random
import xml.etree.ElementTree as ET

import pytest

from back_spasm_coach import routine, speech
from back_spasm_coach.content import SUPPORTED_LOCALES, load

#: Alexa's own limits for one response (the renderer aims lower, see routine.py).
ALEXA_AUDIO_SECONDS = 240
ALEXA_CHARS = 8000

CASES = [(name, index, pace)
         for name, members in routine.routines().items()
         for index in range(len(members))
         for pace in routine.PACES]


def well_formed(ssml: str):
    return ET.fromstring("<speak>{}</speak>".format(ssml))


def count_words(hold_seconds: float) -> list:
    counted = min(routine.COUNTED_SECONDS, int(hold_seconds))
    return [speech.number_words(n) for n in range(counted, 0, -1)]


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
@pytest.mark.parametrize("name,index,pace", CASES)
def test_every_stretch_is_timed_counted_and_within_limits(locale, name, index, pace):
    content = load(locale)
    position = routine.Position(name, index, pace)
    stretch = position.stretch
    for seed in range(3):  # different phrasings of the varied lines
        rendered = routine.render_stretch(content, position, rng=random.Random(seed))
        well_formed(rendered.ssml)
        assert max(speech.break_seconds(rendered.ssml)) <= speech.MAX_BREAK_SECONDS
        # Every repetition of every side is spoken: the evidence-based plan fits the budget.
        sides = len(stretch.sides) or 1
        assert rendered.repetitions_spoken == stretch.repetitions
        assert len(rendered.holds) == stretch.repetitions * sides
        for hold in rendered.holds:
            assert hold.ssml in rendered.ssml
            assert sum(speech.break_seconds(hold.ssml)) == pytest.approx(stretch.hold_seconds)
            text = speech.to_text(hold.ssml)
            counting = ", ".join(count_words(stretch.hold_seconds))
            assert counting in text, text
            assert text.endswith("relax.")
        # The stop rule, before the first hold.
        stop_rules = content.all_lines("routine.stop_rule")
        assert any(rule in rendered.ssml for rule in stop_rules)
        first_stop = min(rendered.ssml.find(r) for r in stop_rules if r in rendered.ssml)
        assert first_stop < rendered.ssml.find(rendered.holds[0].ssml)
        # No long description before the counting starts.
        assert rendered.holds[0].start < 45
        # Inside the renderer's budget, measured independently of its running total.
        assert routine.estimate_seconds(rendered.ssml) == pytest.approx(rendered.seconds)
        assert rendered.seconds <= routine.AUDIO_BUDGET_SECONDS < ALEXA_AUDIO_SECONDS
        assert len(rendered.ssml) <= routine.CHAR_BUDGET < ALEXA_CHARS


def test_slower_pace_speaks_more_slowly_with_longer_rests():
    content = load("en-US")
    normal = routine.render_stretch(content, routine.Position("gentle", 2, routine.NORMAL),
                                    rng=random.Random(0))
    slower = routine.render_stretch(content, routine.Position("gentle", 2, routine.SLOWER),
                                    rng=random.Random(0))
    assert 'rate="75%"' in slower.ssml and 'rate="75%"' not in normal.ssml
    assert slower.seconds > normal.seconds
    # The holds themselves stay as long as the evidence says.
    assert [h.seconds for h in slower.holds] == [h.seconds for h in normal.holds]


def _with_stretch(monkeypatch, **overrides):
    """The catalogue with knee_to_chest changed (to test the budget on an extreme plan)."""
    stretches, routines = routine._catalogue()
    changed = routine.Stretch(**{**stretches["knee_to_chest"].__dict__, **overrides})
    stretches = {**stretches, "knee_to_chest": changed}
    routines = {name: tuple(changed if s.id == changed.id else s for s in members)
                for name, members in routines.items()}
    monkeypatch.setattr(routine, "_catalogue", lambda: (stretches, routines))
    return changed


def test_a_long_hold_is_several_breaks_with_words_between(monkeypatch):
    stretch = _with_stretch(monkeypatch, hold_seconds=30, repetitions=1)
    content = load("en-US")
    rendered = routine.render_stretch(content, routine.Position("gentle", 0), rng=random.Random(0))
    for hold in rendered.holds:
        breaks = speech.break_seconds(hold.ssml)
        assert max(breaks) <= speech.MAX_BREAK_SECONDS
        assert sum(breaks) == pytest.approx(stretch.hold_seconds)
        assert any(line in hold.ssml for line in content.all_lines("routine.keep_holding"))


def test_a_stretch_too_long_for_one_response_speaks_fewer_repetitions_and_says_so(monkeypatch):
    stretch = _with_stretch(monkeypatch, hold_seconds=30, repetitions=10)
    content = load("en-US")
    rendered = routine.render_stretch(content, routine.Position("gentle", 0, routine.SLOWER),
                                      rng=random.Random(0))
    assert 1 <= rendered.repetitions_spoken < stretch.repetitions
    assert rendered.within_budget
    left = speech.number_words(stretch.repetitions - rendered.repetitions_spoken)
    assert content.line("routine.own_pace_sides", count=left) in rendered.ssml
    assert len(rendered.holds) == rendered.repetitions_spoken * len(stretch.sides)


def test_estimate_counts_words_breaks_and_prosody():
    assert routine.estimate_seconds('<break time="10s"/><break time="2500ms"/>') == pytest.approx(12.5)
    five_words = "one two three four five"
    plain = routine.estimate_seconds(five_words)
    assert plain == pytest.approx(5 / routine.WORDS_PER_SECOND)
    assert routine.estimate_seconds(speech.slow(five_words, "50%")) == pytest.approx(2 * plain)


def test_every_stretch_has_its_words_and_every_word_file_entry_its_data():
    content = load("en-US")
    data = routine.stretches()
    worded = {key.split(".")[1] for key in content.lines if key.startswith("stretches.")}
    assert worded == set(data)
    for stretch_id, stretch in data.items():
        for key in ("name", "helps", "move"):
            assert "stretches.{}.{}".format(stretch_id, key) in content
        assert 2 <= len(routine.steps_text(content, stretch_id)) <= 3
        assert stretch.hold_seconds > 0 and stretch.repetitions > 0
    assert all(s.strengthening for s in routine.routines()[routine.STRENGTHENING])
    assert not any(s.strengthening for s in routine.routines()[routine.GENTLE])


def test_the_plan_follows_the_evidence():
    """Holds as the sources give them; a first routine starts with no more repetitions than they do."""
    data = routine.stretches()
    assert (data["knee_to_chest"].hold_seconds, data["knee_to_chest"].sides) == (5, ("left", "right"))
    assert 3 <= data["knee_to_chest"].repetitions <= 5
    assert data["knee_rolls"].hold_seconds == 10 and 2 <= data["knee_rolls"].repetitions <= 3
    assert data["pelvic_tilt"].hold_seconds == 5 and 3 <= data["pelvic_tilt"].repetitions <= 5
    assert data["cat_cow"].optional
    assert "cat_cow" not in [s.id for s in routine.routines()[routine.GENTLE]]


def test_the_gentle_routine_takes_about_five_minutes():
    seconds = routine.routine_seconds(load("en-US"), routine.GENTLE)
    assert 4 * 60 <= seconds <= 7 * 60, seconds
    content = load("en-US")
    assert "knee" in content.text("stretches.bottom_to_heels.caution")


@pytest.mark.parametrize("stored", [None, "x", {}, {"routine": "gentle", "index": 99},
                                    {"routine": "nope", "index": 0}, {"routine": "gentle", "index": True},
                                    {"routine": "gentle", "index": "1"}])
def test_odd_stored_positions_are_ignored(stored):
    assert routine.Position.from_dict(stored) is None


def test_a_stored_position_round_trips_and_odd_pace_becomes_normal():
    position = routine.Position("strengthening", 1, routine.SLOWER)
    assert routine.Position.from_dict(position.to_dict()) == position
    assert routine.Position.from_dict({"routine": "gentle", "index": 0, "pace": "warp"}).pace == routine.NORMAL
