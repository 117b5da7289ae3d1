"""Alexa's name-free question, CanFulfillIntentRequest, answered by a skill that can do nothing else.

Amazon: the answer must cause no observable interaction and change no state.
So the question never reaches the conversational skill: ``probe_skill`` is a
second skill built with this one handler, no interceptors, no Alexa API client
and no persistence adapter. It cannot speak, call an API or write a stored
attribute even by mistake, and it needs no session and no user id. What it
answers is decided by ``name_free.answer`` from the intent table.
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.skill_builder import SkillBuilder
from ask_sdk_core.utils import is_request_type
from ask_sdk_model.canfulfill import (
    CanFulfillIntent, CanFulfillIntentValues, CanFulfillSlot, CanFulfillSlotValues, CanUnderstandSlotValues)

from .. import name_free
from ..slots import resolved_ids

log = logging.getLogger(__name__)

REQUEST_TYPE = "CanFulfillIntentRequest"


def is_probe(request_envelope) -> bool:
    """Whether an envelope is Alexa's name-free question rather than a conversation turn."""
    return getattr(request_envelope.request, "object_type", None) == REQUEST_TYPE


def _response(handler_input, verdict: str, slots: dict):
    handler_input.response_builder.set_can_fulfill_intent(CanFulfillIntent(
        can_fulfill=CanFulfillIntentValues(verdict),
        slots={name: CanFulfillSlot(can_understand=CanUnderstandSlotValues(a.understand),
                                    can_fulfill=CanFulfillSlotValues(a.fulfil))
               for name, a in slots.items()} or None))
    return handler_input.response_builder.response


class CanFulfillIntentHandler(AbstractRequestHandler):
    """YES, NO or MAYBE for the intent and each slot with words; nothing said, nothing done."""

    def can_handle(self, handler_input):
        return is_request_type(REQUEST_TYPE)(handler_input)

    def handle(self, handler_input):
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        name = getattr(intent, "name", None) or ""
        slots = {slot_name: (getattr(slot, "value", None), resolved_ids(slot))
                 for slot_name, slot in (getattr(intent, "slots", None) or {}).items() if slot is not None}
        result = name_free.answer(name, slots)
        log.info("name-free question for %s: %s", name or "?", result.verdict)
        return _response(handler_input, result.verdict, result.slots)


class AnswerNoOnError(AbstractExceptionHandler):
    """Whatever goes wrong, the honest answer is NO (and still nothing said)."""

    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.error("name-free question failed: %s", exception, exc_info=exception)
        return _response(handler_input, "NO", {})


class AnyOtherRequest(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        return handler_input.response_builder.response


def probe_skill(skill_id=None):
    """The skill that answers CanFulfillIntentRequest: no API client, no persistence, no interceptors."""
    builder = SkillBuilder()
    builder.skill_id = skill_id
    builder.add_request_handler(CanFulfillIntentHandler())
    builder.add_request_handler(AnyOtherRequest())
    builder.add_exception_handler(AnswerNoOnError())
    return builder.create()
