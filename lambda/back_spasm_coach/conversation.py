"""How one turn of conversation is put together, and what "yes" means next.

A handler builds its reply with ``Turn``: lines from content, then either one
offer (a question with its reprompt, remembered so Yes and No can answer it)
or the end of the session. The closing advice is not added here: the
``ClosingAdviceInterceptor`` adds it to every response that ends a session.
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
CONTENT = "content"  # request attribute: this request's Content

#: What "yes" does after each offer: name -> function(handler_input) -> Response.
#: Flow modules register their own (the heat timer, the stretch routine).
OFFER_ACTIONS: Dict[str, Callable] = {}


def offer_action(name: str):
    """Register what "yes" does after the offer ``name``."""
    def register(func):
        OFFER_ACTIONS[name] = func
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
        self._session[OFFER] = name
        question = self.content.line("offers.{}.question".format(name), rng=self.rng)
        reprompt = self.content.line("offers.{}.reprompt".format(name), rng=self.rng)
        return self._respond(speech.join(*self.parts, question), reprompt)

    def end(self):
        """End the session (the closing advice is appended by the interceptor)."""
        self._session.pop(OFFER, None)
        builder = self.handler_input.response_builder
        builder.speak(speech.join(*self.parts))
        builder.set_should_end_session(True)
        return builder.response

    def _respond(self, ssml: str, reprompt: str):
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
