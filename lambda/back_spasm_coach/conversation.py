"""How one turn of conversation is put together, and what "yes" means next.

A handler builds its reply with ``Turn``: lines from content, then either one
offer (a question with its reprompt, remembered so Yes and No can answer it)
or the end of the session. The closing advice is not added here: the
``ClosingAdviceInterceptor`` adds it to every response that ends a session,
the closing ``Turn.end`` names (an emergency gets one made for it).

A turn may also leave detail for "tell me more" (``Turn.detail``), and says
"I'm sorry your back hurts" once a session at most (``Turn.sympathise``).
"""
from __future__ import annotations

import logging
import random
from typing import Callable, Dict

from ask_sdk_core.exceptions import AttributesManagerException

from . import speech
from .content import Content, load
from .prebuilt import Prebuilt

log = logging.getLogger(__name__)

# Session attribute names (nothing about anyone's health is ever stored).
OFFER = "offer"
LAST_SAID = "last_said"  # what was last said, as content keys and values (for "repeat")
DETAIL = "detail"            # what "tell me more" says next: {"key": content key, "offer": offer name}
SYMPATHISED = "sympathised"  # "I'm sorry your back hurts" was said this session
SAID = "said"  # request attribute: what this response says, as content keys and values
CONTENT = "content"  # request attribute: this request's Content
CLOSING = "closing"  # request attribute: which closing ends this response (a key of CLOSINGS)

#: The closing advice the ClosingAdviceInterceptor adds when a session ends, per kind of answer.
#: An emergency ends on the emergency: its closing points to no routine care.
ROUTINE, URGENT_CARE, EMERGENCY_CARE = "routine", "urgent", "emergency"
CLOSINGS = {ROUTINE: "conversation.closing",
            URGENT_CARE: "conversation.closing_urgent",
            EMERGENCY_CARE: "conversation.closing_emergency"}

#: What "yes" does after each offer: name -> function(handler_input) -> Response.
#: Flow modules register their own (the heat timer, the stretch routine).
OFFER_ACTIONS: Dict[str, Callable] = {}
#: What "no" does after an offer, where it is more than goodbye: name -> function(handler_input).
DECLINE_ACTIONS: Dict[str, Callable] = {}
#: Values an offer's question names (the length of the timer it will set): name -> function.
OFFER_WORDS: Dict[str, Callable] = {}


def offer_action(name: str):
    """Register what "yes" does after the offer ``name``."""
    def register(func):
        OFFER_ACTIONS[name] = func
        return func
    return register


def decline_action(name: str):
    """Register what "no" does after the offer ``name`` (by default, goodbye)."""
    def register(func):
        DECLINE_ACTIONS[name] = func
        return func
    return register


def offer_words(name: str):
    """Register a function(handler_input) -> dict of the values the offer ``name`` says:
    an offer that names exactly what yes will do makes that yes a real agreement."""
    def register(func):
        OFFER_WORDS[name] = func
        return func
    return register


def content_of(handler_input) -> Content:
    """This request's content (set once by the LocaleContentInterceptor)."""
    attrs = handler_input.attributes_manager.request_attributes
    if CONTENT not in attrs:
        locale = getattr(handler_input.request_envelope.request, "locale", None)
        attrs[CONTENT] = load(locale)
    return attrs[CONTENT]


def session_of(handler_input) -> dict:
    """Session attributes, or a throwaway dict for a request outside any session."""
    try:
        return handler_input.attributes_manager.session_attributes
    except AttributesManagerException:
        return {}


#: "Repeat" leaves room for the reprompt's closing words within Alexa's 8000 characters.
REPEAT_BUDGET = speech.MAX_SSML_CHARS - 1000


class Turn:
    """One response: what to say, then either one question or goodbye.

    Every line is said by content key, and remembered that way (``SAID``): "repeat"
    renders the same phrasings again from content, so nothing said is replayed raw
    from the session. A fragment a flow built itself (``say_ssml``) cannot be
    re-rendered; the flow answers "repeat" itself (the stretch routine does).
    """

    def __init__(self, handler_input, rng: random.Random | None = None):
        self.handler_input = handler_input
        self.content = content_of(handler_input)
        self.rng = rng
        self.parts: list = []
        self.said: list | None = []
        self._detail = None

    def _line(self, key: str, values: dict, said: list | None, slow: bool = False) -> str:
        index = self.content.choose(key, self.rng)
        ssml = self.content.line_at(key, index, **values)
        if said is not None:
            line = {"key": key}
            if index:
                line["i"] = index
            if values:
                line["values"] = dict(values)
            if slow:
                line["slow"] = True
            said.append(line)
        return speech.slow(ssml) if slow else ssml

    def _render(self, line: dict) -> str:
        ssml = self.content.line_at(line["key"], line.get("i", 0), **line.get("values", {}))
        return speech.slow(ssml) if line.get("slow") else ssml

    def say(self, key: str, **values) -> "Turn":
        self.parts.append(self._line(key, values, self.said))
        return self

    def say_ssml(self, ssml: str) -> "Turn":
        """Add an SSML fragment a flow module built (already escaped)."""
        self.parts.append(ssml)
        self.said = None
        return self

    def slowly(self, key: str, **values) -> "Turn":
        """A line a person follows with their body: spoken a little slower."""
        self.parts.append(self._line(key, values, self.said, slow=True))
        return self

    def sympathise(self) -> "Turn":
        """"I'm sorry your back hurts", the first time this session only (never twice in a row)."""
        session = self._session
        if not session.get(SYMPATHISED):
            session[SYMPATHISED] = True
            self.say("conversation.sympathy")
        return self

    def detail(self, key: str, offer: str) -> "Turn":
        """Leave ``key`` for "tell me more", to be followed by the offer ``offer``."""
        self._detail = {"key": key, "offer": offer}
        return self

    @property
    def _session(self) -> dict:
        return session_of(self.handler_input)

    def ask(self, question_key: str, reprompt_key: str, **values):
        """End with a question that is not a yes/no offer."""
        self._session.pop(OFFER, None)
        return self._respond(question_key, reprompt_key, values)

    def offer(self, name: str):
        """End with one offer from ``offers.json``; Yes runs OFFER_ACTIONS[name]."""
        words = OFFER_WORDS.get(name)
        values = words(self.handler_input) if words else {}
        self._session[OFFER] = name
        return self._respond("offers.{}.question".format(name), "offers.{}.reprompt".format(name), values)

    def again(self, said: dict):
        """Say again what a ``LAST_SAID`` record said, each line rendered afresh from content.

        Raises KeyError, IndexError or ValueError when the record no longer renders
        (a key or a phrasing this release does not have), or would be too long."""
        ssml = speech.join(*(self._render(line) for line in said["speech"]))
        reprompt = speech.join(*(self._render(line) for line in said["reprompt"]))
        if not ssml or not reprompt or len(ssml) + len(reprompt) > REPEAT_BUDGET:
            raise ValueError("nothing, or too much, to say again")
        self.handler_input.attributes_manager.request_attributes[SAID] = Prebuilt(said)
        return self.handler_input.response_builder.speak(ssml).ask(reprompt).response

    def end(self, closing: str = ROUTINE):
        """End the session; the interceptor appends the closing named here (a key of CLOSINGS)."""
        self._session.pop(OFFER, None)
        self._keep_detail()
        self.handler_input.attributes_manager.request_attributes[CLOSING] = closing
        builder = self.handler_input.response_builder
        builder.speak(speech.join(*self.parts))
        builder.set_should_end_session(True)
        return builder.response

    def _keep_detail(self):
        if self._detail is None:
            self._session.pop(DETAIL, None)
        else:
            self._session[DETAIL] = self._detail

    def _respond(self, question_key: str, reprompt_key: str, values: dict):
        self._keep_detail()
        question = self._line(question_key, values, self.said)
        reprompt_said: list = []
        reprompt = self._line(reprompt_key, values, reprompt_said)
        if self.said is not None:  # (plain JSON, never changed after: sent as it is)
            self.handler_input.attributes_manager.request_attributes[SAID] = \
                Prebuilt(speech=self.said, reprompt=reprompt_said)
        ssml = speech.join(*self.parts, question)
        return self.handler_input.response_builder.speak(ssml).ask(reprompt).response


def ask_for_permission(handler_input, intro_key: str, scope: str, token: str):
    """Say why, then let Alexa ask for a permission by voice (Connections.SendRequest AskFor).

    ``token`` comes back with Alexa's answer, so what was asked for can be done
    without asking again. shouldEndSession stays unset: Alexa takes over the dialog.
    """
    from ask_sdk_model.interfaces.connections import SendRequestDirective

    builder = handler_input.response_builder
    builder.speak(content_of(handler_input).line(intro_key))
    builder.add_directive(SendRequestDirective(
        name="AskFor",
        payload={"@type": "AskForPermissionsConsentRequest", "@version": "1", "permissionScope": scope},
        token=token))
    return builder.response
