"""Amazon's built-in intents and the requests every skill must answer."""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type

from ..conversation import DECLINE_ACTIONS, LAST_SAID, OFFER, OFFER_ACTIONS, Turn, session_of

log = logging.getLogger(__name__)


def _asked_before(handler_input) -> bool:
    """True once this session has said something: every open session ends on a question."""
    session = handler_input.request_envelope.session
    return session is not None and session.new is False


class HelpHandler(AbstractRequestHandler):
    """What to ask, and what to do in an emergency: the emergency number, not "tell me"."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.HelpIntent")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).say("conversation.help").say("red_flags.if_emergency") \
            .ask("conversation.help_question", "conversation.menu_reprompt")


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
        return Turn(handler_input).ask("conversation.menu", "conversation.menu_reprompt")


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
        return Turn(handler_input).say("conversation.nothing_to_repeat") \
            .ask("conversation.menu", "conversation.menu_reprompt")


def _offer_answered(handler_input, actions: dict):
    """(the last offer's name, what to do about it or None), the offer forgotten once answered."""
    offer = session_of(handler_input).get(OFFER)
    action = actions.get(offer) if isinstance(offer, str) else None
    if offer is not None and offer not in OFFER_ACTIONS:
        log.warning("answer to an unknown offer: %r", offer)
        offer = None
    session_of(handler_input).pop(OFFER, None)
    return offer, action


class YesHandler(AbstractRequestHandler):
    """Yes answers the last offer; to an open question ("What would you like?") it names the choices."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.YesIntent")(handler_input)

    def handle(self, handler_input):
        offer, action = _offer_answered(handler_input, OFFER_ACTIONS)
        if action is not None:
            return action(handler_input)
        if _asked_before(handler_input):
            return Turn(handler_input).ask("conversation.yes_to_menu", "conversation.menu_reprompt")
        return Turn(handler_input).say("conversation.no_question") \
            .ask("conversation.menu", "conversation.menu_reprompt")


class NoHandler(AbstractRequestHandler):
    """No declines the last offer (goodbye, unless the offer has its own answer to no).
    To an open question ("What would you like?") it means "nothing, thanks": goodbye too."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.NoIntent")(handler_input)

    def handle(self, handler_input):
        offer, action = _offer_answered(handler_input, DECLINE_ACTIONS)
        if action is not None:
            return action(handler_input)
        if offer is None and not _asked_before(handler_input):
            return Turn(handler_input).say("conversation.no_question") \
                .ask("conversation.menu", "conversation.menu_reprompt")
        return Turn(handler_input).say("conversation.goodbye").end()


class FallbackHandler(AbstractRequestHandler):
    """Fallback, and any intent this code does not know: say what it can do."""

    def can_handle(self, handler_input):
        return is_request_type("IntentRequest")(handler_input)

    def handle(self, handler_input):
        name = getattr(handler_input.request_envelope.request.intent, "name", None)
        if name != "AMAZON.FallbackIntent":
            log.warning("no handler for intent %r", name)
        # Alexa sends no words with a fallback: whatever was said, the emergency line is there.
        return Turn(handler_input).say("conversation.fallback").say("red_flags.if_emergency") \
            .ask("conversation.menu", "conversation.menu_reprompt")


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
