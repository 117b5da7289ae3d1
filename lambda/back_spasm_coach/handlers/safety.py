"""Red flags: the emergency action first, then the reason; the session then ends."""
from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name

from .. import safety
from ..conversation import Turn, offer_action
from ..interceptors import RED_FLAG


class RedFlagHandler(AbstractRequestHandler):
    """Runs before every other handler whenever a red flag was heard."""

    def can_handle(self, handler_input):
        return RED_FLAG in handler_input.attributes_manager.request_attributes

    def handle(self, handler_input):
        red_flag = handler_input.attributes_manager.request_attributes[RED_FLAG]
        turn = Turn(handler_input)
        if red_flag.tier == safety.EMERGENCY:
            turn.say("red_flags.emergency_action")
            turn.say("red_flags.reason." + red_flag.symptom)
            turn.say("red_flags.cant_call")
        elif red_flag.tier == safety.URGENT:
            turn.say("red_flags.urgent_action")
            turn.say("red_flags.reason." + red_flag.symptom)
            turn.say("red_flags.escalate")
        else:
            turn.say("red_flags.warning_signs")
            turn.say("red_flags.cant_call")
        return turn.end()


class WarningSignsHandler(AbstractRequestHandler):
    """"What are the warning signs": every red flag, emergency ones first."""

    def can_handle(self, handler_input):
        return is_intent_name("WarningSignsIntent")(handler_input)

    def handle(self, handler_input):
        return warning_signs(handler_input)


@offer_action("warning_signs")
def warning_signs(handler_input):
    return Turn(handler_input).say("red_flags.warning_signs").offer("more")
