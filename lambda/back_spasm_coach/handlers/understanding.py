"""Free words no topic could be found in: never a dead end.

Red flags in free words are answered by the safety handler, and a question
about a topic is re-routed to that topic before dispatch (interceptors.py);
what reaches here is words triage could not place.
"""
from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler

from .. import understanding
from ..conversation import Turn, offer_action
from .strategies import overview


class FreeWordsHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        intent = getattr(handler_input.request_envelope.request, "intent", None)
        return getattr(intent, "name", None) in understanding.FREE_WORDS

    def handle(self, handler_input):
        if understanding.FREE_WORDS[handler_input.request_envelope.request.intent.name].report:
            # Something about how they feel that names no sign and no topic: what helps, kindly.
            return Turn(handler_input).say("understanding.heard_report").say("overview.answer").offer("choose")
        return Turn(handler_input).say("understanding.unplaced_question").offer("overview")


@offer_action("overview")
def _overview(handler_input):
    return overview(handler_input)
