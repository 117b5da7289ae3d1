"""Speaker plug-in: Alexa's timers on loopback, their announcements, and the permission question.

With it, ``make run`` starts the Timers API stand-in (``tools.timers_api``) on
127.0.0.1 over HTTPS, points the device's ``apiEndpoint`` at it and the skill's
API client at its throwaway certificate (``ALEXA_API_CA_BUNDLE``). When a timer
ends, the speaker shows (and with ``--voice`` speaks) its announcement. When
the skill sends a ``Connections.SendRequest`` AskFor directive, the speaker
asks the permission question as Alexa would, and the next thing typed is the
answer ("I approve" / "no"), sent back to the skill as a ``Connections.Response``.

Options: ``--fast N`` runs the timers N times faster (``--fast 60``: an hour in a
minute); ``--timers-permission granted`` skips the first-time question;
``--personal-timers N`` pretends the person already set N timers of their own;
``--wait-for-timers`` keeps a piped script running until every timer has ended.
``--api-endpoint URL`` turns the stand-in off (the skill calls that URL instead).
"""
from __future__ import annotations

import atexit
import os
import sys
import time

from back_spasm_coach import alexa_api, speech
from tools import envelopes
from tools.speaker import REPLY, directive_renderer, default_directive_line
from tools.timers_api import Clock, TimersApi

PERMISSION_QUESTION = ("Do you give Back Spasm Coach permission to use your timers? "
                       "You can say I approve, or no.")
TIMERS_SCOPE = "alexa::alerts:timers:skill:readwrite"
APPROVE = {"yes", "yes please", "i approve", "approve", "yeah", "yep", "sure", "ok", "okay",
           "i do", "allow", "allow it", "yes i approve"}
REFUSE = {"no", "no thanks", "nope", "i don't", "don't", "deny", "i deny", "no i don't"}


def add_arguments(parser) -> None:
    group = parser.add_argument_group("timers (the local Timers API stand-in)")
    group.add_argument("--fast", type=float, default=1.0, metavar="N",
                       help="run timers N times faster (e.g. 60: an hour-long program in a minute)")
    group.add_argument("--timers-permission", choices=("ask", "granted"), default="ask",
                       help="'ask' (default): the first program asks for the timers permission by voice")
    group.add_argument("--personal-timers", type=int, default=0, metavar="N",
                       help="timers the person set themselves (they count towards Alexa's ten)")
    group.add_argument("--wait-for-timers", action="store_true",
                       help="after the last line, wait until every timer has ended (for piped scripts)")


def _grant_timers(speaker) -> None:
    api = getattr(speaker, "timers_api", None)
    if api is not None:
        api.grant(speaker.device.api_access_token)


#: permission scope -> (what Alexa asks, what "I approve" grants); other plug-ins add theirs.
PERMISSIONS = {TIMERS_SCOPE: (PERMISSION_QUESTION, _grant_timers)}


def setup(speaker, args) -> None:
    speaker.on_directive["Connections.SendRequest"] = _ask_for
    if getattr(args, "api_endpoint", None):
        return  # the skill talks to the API the person named
    api = TimersApi(Clock(fast=args.fast), personal_timers=args.personal_timers)
    api.serve()
    say = _voice(speaker.locale) if getattr(args, "voice", False) else None
    attach(speaker, api, speak=say, granted=args.timers_permission == "granted")
    def finish():
        if args.wait_for_timers:
            wait_for_timers(api)
        api.close()
    atexit.register(finish)


def attach(speaker, api: TimersApi, speak=None, granted: bool = False, out=None) -> TimersApi:
    """Point the speaker (and the skill's API client) at a running stand-in; announce timers."""
    out = out or _print
    speaker.device.api_endpoint = api.url
    os.environ[alexa_api.CA_BUNDLE_ENV] = api.ca_file
    if not granted:
        api.deny(speaker.device.api_access_token)
    speaker.timers_api = api
    # Per speaker too: run as ``python -m tools.speaker`` the loop's module is __main__,
    # not the tools.speaker this plug-in registered its renderer with.
    speaker.on_directive["Connections.SendRequest"] = _ask_for

    def announce(event):
        say_unprompted(out, speak, "[timer ended: {}]".format(event.label or "timer"), event.text)
    api.on_fire.append(announce)
    return api


def say_unprompted(out, speak, heading: str, text: str) -> None:
    """What the device says by itself (a timer ends, a reminder rings): printed, and heard with --voice."""
    out(heading)
    out(REPLY + text)
    if speak is not None:
        note = speak("<speak>{}</speak>".format(speech.escape(text)))
        if note:
            out(note)


def wait_for_timers(api: TimersApi, poll: float = 0.05) -> None:
    """Wait (in real time) until no timer is left running; paused ones stop the wait."""
    while api.active():
        if all(t.status == "PAUSED" for t in api.active()):
            return
        time.sleep(poll)


@directive_renderer("Connections.SendRequest")
def _ask_for(speaker, directive: dict):
    """Alexa asks for the permission itself; the next utterance is the person's answer."""
    if directive.get("name") != "AskFor":
        return default_directive_line(speaker, directive)
    speaker.intercept_next(lambda sp, text: _answer(sp, directive, text, tries=1))
    return "[Alexa asks] " + _permission(directive)[0]


def _scope(directive: dict) -> str:
    return (directive.get("payload") or {}).get("permissionScope") or TIMERS_SCOPE


def _permission(directive: dict) -> tuple:
    return PERMISSIONS.get(_scope(directive), PERMISSIONS[TIMERS_SCOPE])


def _answer(speaker, directive: dict, text: str, tries: int):
    words = " ".join(text.lower().replace(",", " ").replace(".", " ").split())
    if words.startswith("alexa "):
        words = words[6:]
    question, grant = _permission(directive)
    if words in APPROVE:
        status = "ACCEPTED"
        grant(speaker)
    elif words in REFUSE:
        status = "DENIED"
    elif tries < 2:  # Alexa asks once more when the answer was unclear
        speaker.intercept_next(lambda sp, again: _answer(sp, directive, again, tries + 1))
        return "(Alexa) Sorry. " + question
    else:
        status = "NOT_ANSWERED"
    return envelopes.connections_response(
        "AskFor", status, token=directive.get("token") or "", locale=speaker.locale,
        session=envelopes.Session(new=True), device=speaker.device, scope=_scope(directive))


def _print(line: str) -> None:
    print(line, flush=True)


def _voice(locale: str):
    from tools import voice
    if not voice.available():
        print("(--voice: espeak-ng is not installed, so timer announcements are shown, not spoken)",
              file=sys.stderr)
        return None
    return lambda ssml: voice.speak(ssml, locale)
