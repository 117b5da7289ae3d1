"""Work every request and response needs, done once here and nowhere else."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor, AbstractResponseInterceptor)
from ask_sdk_model.ui import SsmlOutputSpeech

from . import conversation, safety, speech
from .content import load

log = logging.getLogger(__name__)

RED_FLAG = "red_flag"  # request attribute: the RedFlag this request mentions


def _session_ends(handler_input, response) -> bool:
    if response is None:
        return False
    request = handler_input.request_envelope.request
    if getattr(request, "object_type", None) == "SessionEndedRequest":
        return False  # Alexa accepts no speech in reply to a SessionEndedRequest.
    return response.should_end_session is True


class LocaleContentInterceptor(AbstractRequestInterceptor):
    """Load the request's locale content once; unknown locales get en-US."""

    def process(self, handler_input):
        request = handler_input.request_envelope.request
        handler_input.attributes_manager.request_attributes[conversation.CONTENT] = \
            load(getattr(request, "locale", None))


class RedFlagInterceptor(AbstractRequestInterceptor):
    """Look for a red-flag symptom in every request, so none is ever missed."""

    def process(self, handler_input):
        red_flag = safety.find_red_flag(handler_input.request_envelope.request)
        if red_flag is not None:
            log.info("red flag heard: tier=%s", red_flag.tier)
            handler_input.attributes_manager.request_attributes[RED_FLAG] = red_flag


class RequestLogInterceptor(AbstractRequestInterceptor):
    """Log what kind of request came in (never what the person said)."""

    def process(self, handler_input):
        request = handler_input.request_envelope.request
        intent = getattr(getattr(request, "intent", None), "name", None)
        log.info("request %s %s %s", getattr(request, "object_type", "?"), intent or "",
                 getattr(request, "locale", ""))


def _with_line(ssml: str, line: str) -> str:
    body = (ssml or "").strip()
    if body.startswith("<speak>") and body.endswith("</speak>"):
        body = body[7:-8]
    return "<speak>{}</speak>".format(speech.join(body, line))


class ClosingAdviceInterceptor(AbstractResponseInterceptor):
    """The one place the closing advice is added.

    Every response that ends the session gets it: the closing its handler named
    (``Turn.end(closing=...)``), so an emergency ends on the emergency, with no
    pointer to routine care after "call 999 now". So does every reprompt, in a
    short form: a reprompt is heard only when the person has gone quiet, and
    the next silence ends the session with no chance to speak (Alexa allows no
    speech in reply to the SessionEndedRequest that follows).
    """

    def process(self, handler_input, response):
        if response is None:
            return
        content = conversation.content_of(handler_input)
        if _session_ends(handler_input, response):
            kind = handler_input.attributes_manager.request_attributes.get(conversation.CLOSING)
            key = conversation.CLOSINGS.get(kind, conversation.CLOSINGS[conversation.ROUTINE])
            current = response.output_speech.ssml if response.output_speech is not None else ""
            response.output_speech = SsmlOutputSpeech(ssml=_with_line(current, content.line(key)))
        elif response.should_end_session is False and response.reprompt is not None \
                and response.reprompt.output_speech is not None:
            reprompt = response.reprompt.output_speech
            response.reprompt.output_speech = SsmlOutputSpeech(
                ssml=_with_line(reprompt.ssml, content.line("conversation.closing_on_silence")),
                play_behavior=reprompt.play_behavior)


class RememberForRepeatInterceptor(AbstractResponseInterceptor):
    """Keep what was just said, as content keys and values, so "repeat" can say it again.

    A reply that keeps the session open remembers the lines its ``Turn`` said
    (``conversation.SAID``); one that was not put together from content lines alone
    forgets the last, so "repeat" never says something older.
    """

    def process(self, handler_input, response):
        if response is None or response.should_end_session is not False:
            return
        session = conversation.session_of(handler_input)
        said = handler_input.attributes_manager.request_attributes.get(conversation.SAID)
        if said is None:
            session.pop(conversation.LAST_SAID, None)
        else:
            session[conversation.LAST_SAID] = said
