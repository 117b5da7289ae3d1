"""The last line of defence: any exception becomes a kind answer and a log entry."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractExceptionHandler

from ..conversation import Turn

log = logging.getLogger(__name__)

#: Requests Alexa allows no speech in reply to.
_SILENT = {"SessionEndedRequest", "System.ExceptionEncountered"}


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        log.error("handler failed: %s", exception, exc_info=exception)
        request = handler_input.request_envelope.request
        if getattr(request, "object_type", None) in _SILENT:
            return handler_input.response_builder.response
        try:
            # A failure may have cut off a red-flag answer: the emergency line is always there.
            return Turn(handler_input).say("conversation.error").say("red_flags.if_emergency") \
                .ask("conversation.menu", "conversation.menu_reprompt")
        except Exception:  # the content itself failed: still answer
            log.exception("error answer failed")
            builder = handler_input.response_builder
            return builder.speak("Sorry, something went wrong.").set_should_end_session(True).response
