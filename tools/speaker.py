"""The simulated speaker: type what you would say, hear what the skill answers.

    python -m tools.speaker [--locale en-GB] [--voice] [--screen] [--api-endpoint URL]

Each line is resolved against the committed interaction model (``tools.nlu``),
wrapped in a real request envelope (``tools.envelopes``) and passed through
the real ``lambda_handler``; the session is carried between turns as Alexa
carries it, and the reply is shown as words with its pauses, its reprompt on a
line of its own, and one line per directive. Invocation works as on a device:
"Alexa, ask back spasm coach what helps", "open back spasm coach". Words that
name no skill, with no session open, go the name-free way: Alexa first asks
the skill with a CanFulfillIntentRequest, and sends them only on YES.

From code (tests, other tools)::

    speaker = Speaker(locale="en-GB")
    exchange = speaker.hear("open back spasm coach")
    exchange.text, exchange.reprompt, exchange.ended

Extending: ``DIRECTIVE_RENDERERS`` (or ``speaker.on_directive``) maps a
directive type to ``func(speaker, directive) -> line or None``; a renderer may
simulate what Alexa does next with ``speaker.follow_up(build)`` (a request sent
right after this response, e.g. a Connections.Response) or
``speaker.intercept_next(func)`` (Alexa itself answers the next utterance, e.g.
a permission question). The command line imports every ``tools/speaker_*.py``
plug-in: it may add options (``add_arguments(parser)``), set up the speaker
(``setup(speaker, args)``, then ``ready(speaker, args)`` once every plug-in is set
up) and register renderers, without editing this file.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Dict, List, Optional

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if os.path.join(ROOT, "lambda") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "lambda"))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from back_spasm_coach import speech  # noqa: E402
from tools import envelopes, nlu  # noqa: E402
from tools.envelopes import Device, Session  # noqa: E402

#: What Alexa says itself when no skill takes words that named none.
ALEXA_DOES_NOT_KNOW = "(Alexa) Sorry, I don't know that one."
PROMPT = "you> "
REPLY = "alexa> "
INDENT = " " * len(REPLY)
QUIT_WORDS = {"quit", "exit", ":q"}

#: directive type -> func(speaker, directive) -> one summary line (or None to show nothing).
DirectiveRenderer = Callable[["Speaker", dict], Optional[str]]
DIRECTIVE_RENDERERS: Dict[str, DirectiveRenderer] = {}


def directive_renderer(directive_type: str):
    """Register how every speaker shows (and simulates) one directive type."""
    def register(func: DirectiveRenderer) -> DirectiveRenderer:
        DIRECTIVE_RENDERERS[directive_type] = func
        return func
    return register


def default_directive_line(speaker: "Speaker", directive: dict) -> str:
    """One line for a directive nobody registered: its type and what names it."""
    details = [str(directive[key]) for key in ("name", "token", "uri") if directive.get(key)]
    return "[{}{}]".format(directive.get("type", "directive"),
                           (" " + " ".join(details)) if details else "")


@directive_renderer("Alexa.Presentation.APL.RenderDocument")
def _apl_line(speaker: "Speaker", directive: dict) -> str:
    if not speaker.device.screen:
        return "[APL document sent to a device without a screen: Alexa would reject it]"
    return "[screen: APL document{}]".format(
        " " + directive["token"] if directive.get("token") else "")


@dataclass
class Exchange:
    """One turn: what was said, what was sent, what came back."""
    utterance: str
    routed: bool = True
    intent: Optional[str] = None  # the intent name, or the request type when not an intent
    slots: dict = field(default_factory=dict)  # slot name -> resolved id or spoken value
    request: Optional[dict] = None
    response: Optional[dict] = None
    ssml: str = ""
    text: str = ""
    reprompt: str = ""
    ended: bool = False
    directives: List[str] = field(default_factory=list)
    note: str = ""
    follow_ups: List["Exchange"] = field(default_factory=list)
    #: the CanFulfillIntentRequest Alexa sent first, when the words named no skill
    probe: Optional["Exchange"] = None
    #: how Alexa routed words that named no skill (shown with --verbose)
    route: str = ""

    @property
    def verdict(self) -> Optional[str]:
        """A name-free question's answer: YES, NO or MAYBE (None for anything else)."""
        body = (self.response or {}).get("response") or {}
        return (body.get("canFulfillIntent") or {}).get("canFulfill")

    @property
    def request_type(self) -> Optional[str]:
        return (self.request or {}).get("request", {}).get("type")

    def lines(self, show_intent: bool = False) -> List[str]:
        """The reply as the transcript shows it (without the "you>" line)."""
        out = []
        if show_intent and self.route:
            out.append(INDENT + self.route)
        if self.note:
            out.append(self.note)
        if self.routed and self.request is not None:
            if show_intent:
                out.append(INDENT + "({}{})".format(
                    self.intent, " " + str(self.slots) if self.slots else ""))
            out.append(REPLY + (self.text or "(no speech)"))
            if self.reprompt:
                out.append(INDENT + "reprompt: " + self.reprompt)
            out.extend(INDENT + line for line in self.directives)
            if self.ended:
                out.append(INDENT + "(session ended)")
        for follow_up in self.follow_ups:
            out.extend(follow_up.lines(show_intent))
        return out

    def all(self) -> List["Exchange"]:
        """This exchange and every follow-up, in order."""
        out = [self]
        for follow_up in self.follow_ups:
            out.extend(follow_up.all())
        return out


@lru_cache(maxsize=None)
def ingress_phrases(locale: str) -> tuple:
    """(skill launch phrases, {intent launch phrase: intent}) of a locale's NFI toolkit block."""
    with open(nlu.model_path(locale), encoding="utf-8") as f:
        points = json.load(f)["interactionModel"].get("_nameFreeInteraction", {}).get("ingressPoints", [])
    launch, intents = set(), {}
    for point in points:
        for utterance in point.get("sampleUtterances", []):
            phrase = nlu.normalise(utterance.get("value", ""))
            if point.get("type") == "LAUNCH":
                launch.add(phrase)
            elif point.get("type") == "INTENT":
                intents[phrase] = point.get("name")
    return frozenset(launch), intents


def default_handler():
    """The skill's real entry point (imported on first use: it builds the skill)."""
    from lambda_function import lambda_handler
    return lambda_handler


def _speech(output_speech: Optional[dict]) -> tuple:
    """(ssml, readable text) of an outputSpeech."""
    if not output_speech:
        return "", ""
    if output_speech.get("type") == "PlainText":
        return "", output_speech.get("text", "")
    ssml = output_speech.get("ssml", "")
    return ssml, speech.to_text(ssml, show_pauses=True)


class Speaker:
    """An Alexa device with one skill: words in, the skill's answers out."""

    def __init__(self, locale: str = "en-US", device: Optional[Device] = None,
                 handler: Optional[Callable] = None, model: Optional[nlu.Model] = None):
        self.locale = locale
        self.device = device or Device()
        self._handler = handler
        self.model = model or nlu.load(locale)
        self.session: Optional[Session] = None  # the open skill session, if any
        self.on_directive: Dict[str, DirectiveRenderer] = {}
        self.history: List[Exchange] = []
        self._follow_ups: List[Callable[["Speaker"], dict]] = []
        self._intercept: Optional[Callable[["Speaker", str], object]] = None

    # --- extension points ---------------------------------------------------
    @property
    def handler(self) -> Callable:
        if self._handler is None:
            self._handler = default_handler()
        return self._handler

    @property
    def session_open(self) -> bool:
        return self.session is not None

    def follow_up(self, build: Callable[["Speaker"], dict]) -> None:
        """Send ``build(speaker)`` (a request envelope) right after the current response."""
        self._follow_ups.append(build)

    def intercept_next(self, func: Callable[["Speaker", str], object]) -> None:
        """Let ``func(speaker, text)`` take the next utterance instead of the skill.

        It returns a request envelope to send, or a note (str) when Alexa
        answers by itself and nothing reaches the skill.
        """
        self._intercept = func

    def session_for_request(self, new: bool = False) -> Session:
        """The open session, or a fresh one (``new`` says whether Alexa marks it new)."""
        return self.session if self.session is not None and not new else Session(new=True)

    # --- turns --------------------------------------------------------------
    def hear(self, text: str) -> Exchange:
        """Everything a person might say, as Alexa handles it."""
        if self._intercept is not None:
            func, self._intercept = self._intercept, None
            result = func(self, text)
            if isinstance(result, dict):
                return self.send(result, utterance=text)
            return self._not_sent(text, str(result or ""))
        heard = nlu.invocation(text, self.model.invocation_name)
        if heard.kind in ("launch", "one_shot"):
            self.leave()  # "Alexa, ask ..." mid-session: Alexa closes the open session first
        if heard.kind == "launch":
            return self.launch(utterance=text)
        if heard.kind == "one_shot":
            resolution = self.model.resolve(heard.utterance)
            if heard.unstripped != heard.utterance and nlu.is_catch_all(resolution.intent):
                # "ask ... whether I should rest": the words with their connector may match better.
                with_connector = self.model.resolve(heard.unstripped)
                if not nlu.is_catch_all(with_connector.intent):
                    resolution = with_connector
            return self._send_resolution(text, resolution, Session(new=True))
        if not heard.utterance:
            return self._not_sent(text, "")
        if self.session is None:
            return self.name_free(text, heard.utterance)
        return self._send_resolution(text, self.model.resolve(heard.utterance), self.session)

    def name_free(self, text: str, words: str) -> Exchange:
        """Words that name no skill, with no session open, as Alexa handles them.

        A skill launch phrase of the model's NFI toolkit block opens the skill
        (a LaunchRequest). Otherwise the intent the words resolve to (an intent
        launch phrase, or the samples) is first offered to the skill as a
        ``CanFulfillIntentRequest``; only on YES is it sent, as an
        IntentRequest in a new session. Anything else gets Alexa's own answer.
        """
        launch, intents = ingress_phrases(self.locale)
        if words in launch:
            exchange = self.launch(utterance=text)
            exchange.route = "(name-free: a skill launch phrase)"
            return exchange
        if words in intents:
            # An intent launch phrase has no slots: the intent arrives with its slots empty.
            empty = {slot["name"]: {"name": slot["name"], "confirmationStatus": "NONE"}
                     for slot in self.model.intents.get(intents[words], {}).get("slots", [])}
            resolution = nlu.Resolution(intents[words], empty, words)
        else:
            resolution = self.model.resolve(words)
        if resolution.intent in (None, nlu.FALLBACK):
            exchange = self._not_sent(text, ALEXA_DOES_NOT_KNOW)
            exchange.route = "(name-free: no intent of the model matches)"
            return exchange
        values = {name: slot["value"] for name, slot in resolution.slots.items() if slot.get("value")}
        question = envelopes.can_fulfill_intent(resolution.intent, values, self.locale, self.device)
        probe = Exchange(utterance=text, routed=False, intent=resolution.intent, slots=values,
                         request=question, response=self.handler(question, None))
        if probe.verdict == "YES":
            exchange = self._send_resolution(text, resolution, Session(new=True))
        else:
            exchange = self._not_sent(text, ALEXA_DOES_NOT_KNOW)
        exchange.probe = probe
        exchange.route = "(name-free: CanFulfillIntentRequest {}{} -> {})".format(
            resolution.intent, " " + str(values) if values else "", probe.verdict)
        return exchange

    def leave(self, reason: str = "USER_INITIATED") -> Optional[Exchange]:
        """The person is gone ("quit", the end of input, a new invocation): like Alexa,
        close an open session with a SessionEndedRequest, which the skill cannot answer aloud."""
        if self.session is None:
            return None
        return self.send(envelopes.session_ended(reason, locale=self.locale, session=self.session,
                                                 device=self.device), utterance="")

    def launch(self, utterance: str = "open") -> Exchange:
        return self.send(envelopes.launch(self.locale, Session(new=True), self.device),
                         utterance=utterance)

    def intent(self, name: str, slots: Optional[dict] = None, new_session: bool = False) -> Exchange:
        """Send an intent directly (no language understanding)."""
        session = self.session_for_request(new=new_session)
        return self.send(envelopes.intent(name, slots, self.locale, session, self.device),
                         utterance=name)

    def send(self, envelope: dict, utterance: str = "") -> Exchange:
        """Pass one request envelope through the skill and carry its session on."""
        session = self._adopt_session(envelope)
        response = self.handler(envelope, None)
        body = response.get("response") or {}
        ended = True
        if session is not None and envelope["request"].get("type") != "SessionEndedRequest":
            session.absorb(response)
            end = body.get("shouldEndSession")
            # Alexa: absent shouldEndSession keeps the session only on a device with a screen.
            ended = end is True or (end is None and not self.device.screen)
        self.session = None if ended else session
        request = envelope["request"]
        intent = request.get("intent", {})
        ssml, text = _speech(body.get("outputSpeech"))
        _, reprompt = _speech((body.get("reprompt") or {}).get("outputSpeech"))
        exchange = Exchange(
            utterance=utterance, intent=intent.get("name") or request.get("type"),
            slots=nlu.Resolution(intent.get("name"), intent.get("slots") or {}).values(),
            request=envelope, response=response, ssml=ssml, text=text, reprompt=reprompt,
            ended=ended)
        card = body.get("card")
        if card:
            exchange.directives.append("[card: {}]".format(card.get("title") or card.get("type")))
        for directive in body.get("directives") or []:
            render = (self.on_directive.get(directive.get("type"))
                      or DIRECTIVE_RENDERERS.get(directive.get("type"))
                      or default_directive_line)
            line = render(self, directive)
            if line:
                exchange.directives.append(line)
        self.history.append(exchange)
        while self._follow_ups:
            build = self._follow_ups.pop(0)
            exchange.follow_ups.append(self.send(build(self), utterance=""))
        return exchange

    # --- helpers ------------------------------------------------------------
    def _send_resolution(self, text: str, resolution: nlu.Resolution, session: Session) -> Exchange:
        if resolution.intent is None:
            return self._not_sent(text, "(Alexa could not match that to anything in the model.)")
        envelope = envelopes.intent(resolution.intent, resolution.slots, self.locale, session,
                                    self.device)
        return self.send(envelope, utterance=text)

    def _adopt_session(self, envelope: dict) -> Optional[Session]:
        part = envelope.get("session")
        if part is None:
            return None
        if self.session is not None and self.session.session_id == part.get("sessionId"):
            return self.session
        return Session(session_id=part["sessionId"], attributes=dict(part.get("attributes") or {}),
                       new=bool(part.get("new")))

    def _not_sent(self, text: str, note: str) -> Exchange:
        exchange = Exchange(utterance=text, routed=False, note=note)
        self.history.append(exchange)
        return exchange


# --- the command line -------------------------------------------------------------

BANNER = ('Simulated Alexa speaker ({locale}). Say "open {name}" or "ask {name} what helps a '
          'back spasm"; "quit" leaves.')


#: Plug-ins: modules ``tools/speaker_*.py``, found and imported by the command line.
#: Each may define ``add_arguments(parser)``, ``setup(speaker, args)`` and ``ready(speaker, args)``, and
#: register directive renderers with ``@directive_renderer`` when imported.
PLUGIN_PREFIX = "speaker_"


def plugins() -> list:
    import importlib
    import pkgutil

    tools_dir = os.path.dirname(os.path.abspath(__file__))
    return [importlib.import_module("tools." + info.name)
            for info in sorted(pkgutil.iter_modules([tools_dir]), key=lambda i: i.name)
            if info.name.startswith(PLUGIN_PREFIX)]


def build_parser(extensions=()) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tools.speaker", description=__doc__.split("\n")[0])
    parser.add_argument("--locale", default="en-US", choices=nlu_locales(),
                        help="the device's locale (default en-US)")
    parser.add_argument("--voice", action="store_true", help="speak replies with espeak-ng")
    parser.add_argument("--screen", action="store_true", help="a device with a screen (APL)")
    parser.add_argument("--api-endpoint", default=None,
                        help="the Alexa API endpoint the skill calls (e.g. a local Timers API)")
    parser.add_argument("--verbose", action="store_true",
                        help="show the resolved intent; the skill's INFO log on stderr")
    for extension in extensions:
        if hasattr(extension, "add_arguments"):
            extension.add_arguments(parser)
    return parser


def make_speaker(args: argparse.Namespace, extensions=()) -> Speaker:
    """The speaker the command line talks to, set up by every plug-in."""
    device = Device(screen=args.screen)
    if args.api_endpoint:
        device.api_endpoint = args.api_endpoint
    speaker = Speaker(locale=args.locale, device=device)
    for extension in extensions:
        if hasattr(extension, "setup"):
            extension.setup(speaker, args)
    for extension in extensions:  # after every setup: a plug-in may build on another's
        if hasattr(extension, "ready"):
            extension.ready(speaker, args)
    return speaker


def nlu_locales() -> list:
    return sorted(name[:-5] for name in os.listdir(nlu.MODEL_DIR) if name.endswith(".json"))


def _configure_logging(verbose: bool) -> None:
    level = logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.setLevel(level)


def _lines(stream, interactive: bool):
    while True:
        if interactive:
            try:
                line = input(PROMPT)
            except EOFError:
                print()
                return
        else:
            line = stream.readline()
            if not line:
                return
            line = line.rstrip("\n")
            if line.strip() and not line.lstrip().startswith("#"):
                print(PROMPT + line)
        yield line


def _voice(locale: str):
    """A function that speaks SSML aloud, or None (after a one-line note) without espeak-ng."""
    from tools import voice
    if not voice.available():
        print("(--voice: espeak-ng is not installed, so replies are shown but not spoken)")
        return None
    return lambda ssml: voice.speak(ssml, locale)


def main(argv=None, stdin=None) -> int:
    extensions = plugins()
    args = build_parser(extensions).parse_args(argv)
    _configure_logging(args.verbose)
    speaker = make_speaker(args, extensions)
    return converse(speaker, stdin or sys.stdin, args)


def converse(speaker: Speaker, stdin, args: argparse.Namespace) -> int:
    """The main loop: one utterance a line (or a prompt on a terminal), until quit or EOF."""
    interactive = stdin.isatty()
    if interactive:
        print(BANNER.format(locale=speaker.locale, name=speaker.model.invocation_name))
    speak = _voice(speaker.locale) if args.voice else None
    for line in _lines(stdin, interactive):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if text.lower().strip(" .!") in QUIT_WORDS:
            break
        exchange = speaker.hear(text)
        for out in exchange.lines(show_intent=args.verbose):
            print(out)
        sys.stdout.flush()
        if speak is not None:
            for turn in exchange.all():
                if turn.ssml:
                    note = speak(turn.ssml)
                    if note:
                        print(note)
    speaker.leave()
    return 0


if __name__ == "__main__":
    # Run the copy plug-ins import (tools.speaker), not this __main__ one, so what
    # they register at import time (e.g. @directive_renderer) is what the loop uses.
    from tools import speaker as _speaker

    sys.exit(_speaker.main())
