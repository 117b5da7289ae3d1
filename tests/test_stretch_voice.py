"""A stretch rendered to sound by the speaker's voice (espeak-ng), pauses included, lasts at least its holds."""
import random
import wave

import pytest

from back_spasm_coach import routine, speech
from back_spasm_coach.content import load
from tools import voice

pytestmark = pytest.mark.skipif(
    not voice.available(),
    reason="espeak-ng is not installed (apt-get install -y espeak-ng; .ci/run installs it)")


def wav_seconds(path) -> float:
    with wave.open(str(path)) as wav:
        return wav.getnframes() / float(wav.getframerate())


def test_one_stretch_read_aloud_lasts_at_least_its_holds(tmp_path):
    content = load("en-US")
    position = routine.Position(routine.GENTLE, [s.id for s in routine.routines()[routine.GENTLE]]
                                .index("knee_rolls"))
    rendered = routine.render_stretch(content, position, rng=random.Random(0))
    path = tmp_path / "knee_rolls.wav"
    voice.ssml_to_wav(rendered.ssml, str(path), "en-US")  # what `make run ARGS=--voice` plays
    seconds = wav_seconds(path)
    holds = sum(hold.seconds for hold in rendered.holds)
    assert seconds >= holds
    # Every pause is heard, not just the holds: the silence alone is that long.
    assert seconds >= sum(speech.break_seconds(rendered.ssml))
    # And the renderer's estimate is in the right region (espeak speaks a little faster than Alexa).
    assert 0.5 * rendered.seconds <= seconds <= 1.5 * rendered.seconds
