"""Speaker plug-in: Alexa's reminders on loopback, and the moment one rings.

With it, ``make run`` serves the Reminders API stand-in (``tools.reminders_api``)
from the Timers API stand-in's server (``tools/speaker_timers.py`` starts it),
with the device in the locale's usual time zone (Europe/London for en-GB ...).
Alexa's permission question for reminders is asked as for timers, and "I
approve" grants it. When a reminder rings, the speaker shows (and with
``--voice`` speaks) what Alexa says: "Here's your reminder: ...".

Options: ``--reminders-permission granted`` skips the first-time question;
``--wait-for-reminders`` keeps a piped script running until every reminder has
rung once. Time runs at ``--fast`` speed: ``--fast 7200`` is a day in twelve
seconds, so tomorrow morning's stretch reminder rings while you watch.
"""
from __future__ import annotations

import atexit
import sys
import time
from zoneinfo import ZoneInfo

from tools import speaker_timers
from tools.reminders_api import LOCALE_ZONES, PERMISSION_SCOPE, RemindersApi, mount_on

PERMISSION_QUESTION = ("Do you give Back Spasm Coach permission to create and edit your reminders? "
                       "You can say I approve, or no.")


def add_arguments(parser) -> None:
    group = parser.add_argument_group("reminders (the local Reminders API stand-in)")
    group.add_argument("--reminders-permission", choices=("ask", "granted"), default="ask",
                       help="'ask' (default): the first reminder asks for the reminders permission by voice")
    group.add_argument("--wait-for-reminders", action="store_true",
                       help="after the last line, wait until every reminder has rung once (use with --fast)")


def _grant(speaker) -> None:
    reminders = getattr(getattr(speaker, "timers_api", None), "reminders", None)
    if reminders is not None:
        reminders.grant(speaker.device.api_access_token)


def ready(speaker, args) -> None:
    """After the timers plug-in has started the stand-in: serve reminders from it too."""
    speaker_timers.PERMISSIONS[PERMISSION_SCOPE] = (PERMISSION_QUESTION, _grant)
    api = getattr(speaker, "timers_api", None)
    if api is None:
        return  # --api-endpoint: the skill talks to the API the person named
    say = _voice(speaker.locale) if getattr(args, "voice", False) else None
    reminders = attach(speaker, api, speak=say, granted=args.reminders_permission == "granted")
    if args.wait_for_reminders:
        atexit.register(wait_for_reminders, reminders)  # runs before the stand-in closes


def attach(speaker, timers_api, speak=None, granted: bool = False, out=None) -> RemindersApi:
    """Serve reminders from a running Timers API stand-in; show each one that rings."""
    out = out or _print
    reminders = mount_on(timers_api, zone=LOCALE_ZONES.get(speaker.locale, "UTC"))
    speaker_timers.PERMISSIONS[PERMISSION_SCOPE] = (PERMISSION_QUESTION, _grant)
    if not granted:
        reminders.deny(speaker.device.api_access_token)

    def ring(event):
        local = event.at.astimezone(ZoneInfo(reminders.zone))
        speaker_timers.say_unprompted(
            out, speak, "[reminder rings: {:%a %d %b, %H:%M} {}]".format(local, reminders.zone), event.said)
    reminders.on_ring.append(ring)
    return reminders


def wait_for_reminders(reminders: RemindersApi, poll: float = 0.05, limit: float = 120.0) -> None:
    """Wait (in real time, at most ``limit`` seconds) until every reminder has rung once."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline and any(not r.rang for r in reminders.active()):
        time.sleep(poll)


def _voice(locale: str):
    from tools import voice
    return (lambda ssml: voice.speak(ssml, locale)) if voice.available() else None


def _print(line: str) -> None:
    print(line, flush=True)
    sys.stdout.flush()
