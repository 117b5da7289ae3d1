"""Amazon's built-in intents and the requests every skill must answer."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type

from ..conversation import LAST_SAID, OFFER, OFFER_ACTIONS, Turn, session_of

log = logging.getLogger(__name__)


class HelpHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).ask("conversation.help", "conversation.menu_reprompt")


class StopHandler(AbstractRequestHandler):
    """Stop and Cancel end the session; the closing advice is added on the way out."""

    def can_handle(self, handler_input):
        return (is_intent_name("AMAZON.StopIntent")(handler_input)
                or is_intent_name("AMAZON.CancelIntent")(handler_input))

    def handle(self, handler_input):
        return Turn(handler_input).say("conversation.goodbye").end()


class NavigateHomeHandler(AbstractRequestHandler):
    """Back to the start: the menu again, without the introduction."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.NavigateHomeIntent")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).ask("conversation.welcome_back", "conversation.menu_reprompt")


class RepeatHandler(AbstractRequestHandler):
    """Say the last reply again: the same lines, rendered afresh from content."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.RepeatIntent")(handler_input)

    def handle(self, handler_input):
        said = session_of(handler_input).get(LAST_SAID)  # already read through state.SESSION
        if said is not None:
            try:
                return Turn(handler_input).again(said)
            except (KeyError, IndexError, ValueError) as error:
                log.warning("could not say the last reply again: %s", error)
        return Turn(handler_input).ask("conversation.nothing_to_repeat", "conversation.menu_reprompt")


class YesHandler(AbstractRequestHandler):
    """Yes answers the last offer, whatever it was."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.YesIntent")(handler_input)

    def handle(self, handler_input):
        offer = session_of(handler_input).get(OFFER)
        action = OFFER_ACTIONS.get(offer) if isinstance(offer, str) else None
        if action is None:
            if offer is not None:
                log.warning("yes to an offer with no action: %r", offer)
            return Turn(handler_input).ask("conversation.no_question", "conversation.menu_reprompt")
        session_of(handler_input).pop(OFFER, None)
        return action(handler_input)


class NoHandler(AbstractRequestHandler):
    """No declines the last offer and says goodbye; with no offer it re-offers the menu."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.NoIntent")(handler_input)

    def handle(self, handler_input):
        if session_of(handler_input).get(OFFER) is None:
            return Turn(handler_input).ask("conversation.no_question", "conversation.menu_reprompt")
        return Turn(handler_input).say("conversation.goodbye").end()


class FallbackHandler(AbstractRequestHandler):
    """Fallback, and any intent this code does not know: say what it can do."""

    def can_handle(self, handler_input):
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input):
        name = getattr(handler_input.request_envelope.request.intent, "name", None)
        if name != "AMAZON.FallbackIntent":
            log.warning("no handler for intent %r", name)
        return Turn(handler_input).ask("conversation.fallback", "conversation.menu_reprompt")


class SessionEndedHandler(AbstractRequestHandler):
    """Alexa closed the session: log why; no speech is allowed in reply."""

    def can_handle(self, handler_input):
        return is_request_type("SessionEndedRequest")(handler_input)

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        if error is not None:
            log.error("session ended with error %s: %s",
                      getattr(error, "object_type", None), getattr(error, "message", None))
        else:
            log.info("session ended: %s", getattr(request, "reason", None))
        return handler_input.response_builder.response


class OtherRequestHandler(AbstractRequestHandler):
    """Any other request type (system events, exceptions reports): acknowledge quietly."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        log.info("ignored request type %s", getattr(request, "object_type", type(request).__name__))
        return handler_input.response_builder.response
