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

log = logging.getLogger(__name__)

# Session attribute names (nothing about anyone's health is ever stored).
OFFER = "offer"
LAST_SPEECH = "last_speech"
LAST_REPROMPT = "last_reprompt"
DETAIL = "detail"            # what "tell me more" says next: {"key": content key, "offer": offer name}
SYMPATHISED = "sympathised"  # "I'm sorry your back hurts" was said this session
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


class Turn:
    """One response: what to say, then either one question or goodbye."""

    def __init__(self, handler_input, rng: random.Random | None = None):
        self.handler_input = handler_input
        self.content = content_of(handler_input)
        self.rng = rng
        self.parts: list = []
        self._detail = None

    def say(self, key: str, **values) -> "Turn":
        self.parts.append(self.content.line(key, rng=self.rng, **values))
        return self

    def say_ssml(self, ssml: str) -> "Turn":
        """Add an SSML fragment a flow module built (already escaped)."""
        self.parts.append(ssml)
        return self

    def slowly(self, key: str, **values) -> "Turn":
        """A line a person follows with their body: spoken a little slower."""
        self.parts.append(speech.slow(self.content.line(key, rng=self.rng, **values)))
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
        question = self.content.line(question_key, rng=self.rng, **values)
        reprompt = self.content.line(reprompt_key, rng=self.rng, **values)
        return self._respond(speech.join(*self.parts, question), reprompt)

    def offer(self, name: str):
        """End with one offer from ``offers.json``; Yes runs OFFER_ACTIONS[name]."""
        words = OFFER_WORDS.get(name)
        values = words(self.handler_input) if words else {}
        self._session[OFFER] = name
        question = self.content.line("offers.{}.question".format(name), rng=self.rng, **values)
        reprompt = self.content.line("offers.{}.reprompt".format(name), rng=self.rng, **values)
        return self._respond(speech.join(*self.parts, question), reprompt)

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

    def _respond(self, ssml: str, reprompt: str):
        self._keep_detail()
        return self.handler_input.response_builder.speak(ssml).ask(reprompt).response
