"""Work every request and response needs, done once here and nowhere else."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import (
    AbstractRequestInterceptor, AbstractResponseInterceptor)
from ask_sdk_model import Intent, IntentConfirmationStatus, Slot, SlotConfirmationStatus
from ask_sdk_model.slu.entityresolution import (
    Resolution, Resolutions, Status, StatusCode, Value, ValueWrapper)
from ask_sdk_model.ui import SsmlOutputSpeech

from . import conversation, speech, understanding
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
    """Look for a red-flag symptom in every request, so none is ever missed.

    Resolved symptom values and every word Alexa could not place (free phrases,
    unmatched slot values) are read, whatever the intent: a symptom said
    mid-stretch or mid-program is still heard first.
    """

    def process(self, handler_input):
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        if intent is None:
            return
        red_flag = understanding.red_flag(intent.name, intent.slots)
        if red_flag is not None:
            log.info("red flag heard: tier=%s", red_flag.tier)
            handler_input.attributes_manager.request_attributes[RED_FLAG] = red_flag


class FreeWordsRoutingInterceptor(AbstractRequestInterceptor):
    """A question in a person's own words is answered as the intent it is about.

    "is it ok to sit in a recliner with this" arrives as QuestionIntent with free
    words; triage finds its topic (posture) and the request is handed on as
    PostureIntent, so the same handler answers it as if Alexa had matched a sample.
    A red flag always wins: nothing is re-routed when one was heard.
    """

    def process(self, handler_input):
        request = handler_input.request_envelope.request
        intent = getattr(request, "intent", None)
        if intent is None or RED_FLAG in handler_input.attributes_manager.request_attributes:
            return
        reading = understanding.topic(intent.name, intent.slots)
        free = understanding.FREE_WORDS.get(intent.name)
        if free is not None and free.otherwise in ("AMAZON.YesIntent", "AMAZON.NoIntent") \
                and conversation.session_of(handler_input).get(conversation.OFFER):
            # "no, I just want to lie here": with a question pending, a yes or a no answers it.
            reading = understanding.triage.Reading(topic=free.otherwise)
        if reading is None:
            return
        log.info("free words from %s answered as %s", intent.name, reading.topic)
        request.intent = Intent(name=reading.topic, confirmation_status=IntentConfirmationStatus.NONE,
                                slots={name: _resolved_slot(name, value) for name, value in reading.slots.items()})


def _resolved_slot(name: str, value_id: str) -> Slot:
    """A slot filled as entity resolution would fill it with one of our value ids."""
    resolution = Resolution(authority="triage", status=Status(code=StatusCode.ER_SUCCESS_MATCH),
                            values=[ValueWrapper(value=Value(name=value_id, id=value_id))])
    return Slot(name=name, value=value_id, confirmation_status=SlotConfirmationStatus.NONE,
                resolutions=Resolutions(resolutions_per_authority=[resolution]))


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
