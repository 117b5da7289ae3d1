"""Speak the skill's SSML on this machine with espeak-ng (a rough stand-in for Alexa's voice).

``ssml_to_wav(ssml, path, locale)`` renders one response to a WAV file;
``speak(ssml, locale)`` renders and plays it (aplay, paplay, play or ffplay,
whichever exists) or says where the file is. espeak-ng's SSML mode honours
<break time="3s"/> and <break time="400ms"/>, <prosody rate=...>, <emphasis>,
<say-as>, <s> and <p>; Alexa-only tags are unwrapped to their words here.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile

#: espeak-ng voice per Alexa locale (espeak-ng has no Canadian, Australian or Indian English).
VOICES = {"en-US": "en-us", "en-CA": "en-us", "en-GB": "en-gb", "en-AU": "en-gb", "en-IN": "en-gb"}
PLAYERS = (["aplay", "-q"], ["paplay"], ["play", "-q"], ["ffplay", "-nodisp", "-autoexit", "-loglevel", "quiet"])

#: Tags espeak-ng's SSML mode understands; any other tag is removed and its words kept.
_KEPT_TAGS = {"speak", "break", "prosody", "emphasis", "say-as", "s", "p"}
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:.-]*)([^>]*?)(/?)>")


class VoiceUnavailable(RuntimeError):
    """espeak-ng is not installed."""


def available() -> bool:
    return shutil.which("espeak-ng") is not None


def espeak_ssml(ssml: str) -> str:
    """Alexa SSML as espeak-ng reads it: only tags it knows, always inside <speak>."""
    def keep(match):
        return match.group(0) if match.group(2).lower() in _KEPT_TAGS else " "

    body = _TAG.sub(keep, ssml.strip())
    body = re.sub(r"</?speak[^>]*>", "", body)
    return "<speak>{}</speak>".format(body.strip())


def ssml_to_wav(ssml: str, path: str, locale: str = "en-US") -> str:
    """Render SSML to a WAV file at ``path`` with espeak-ng; returns the path."""
    if not available():
        raise VoiceUnavailable("espeak-ng is not installed (apt-get install espeak-ng)")
    voice = VOICES.get(locale, "en-us")
    subprocess.run(["espeak-ng", "-m", "-v", voice, "-w", path, espeak_ssml(ssml)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
    return path


#: Players that failed here (no sound device, say): not tried again this run.
_FAILED: set = set()


def player() -> list | None:
    for command in PLAYERS:
        if command[0] not in _FAILED and shutil.which(command[0]):
            return command
    return None


def speak(ssml: str, locale: str = "en-US") -> str:
    """Say a response aloud; returns a one-line note when it could not be played."""
    if not available():
        return "(voice: espeak-ng is not installed; apt-get install espeak-ng to hear replies)"
    handle, path = tempfile.mkstemp(prefix="back-spasm-coach-", suffix=".wav")
    os.close(handle)
    ssml_to_wav(ssml, path, locale)
    command = player()
    if command is None:
        return "(voice: no audio player found; the reply is in {})".format(path)
    result = subprocess.run(command + [path], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if result.returncode != 0:
        _FAILED.add(command[0])
        return "(voice: {} could not play it; the reply is in {})".format(command[0], path)
    os.unlink(path)
    return ""
