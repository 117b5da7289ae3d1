"""Red flags: the action first (with how soon, from the tier table), then the reason.

An emergency ends on the emergency: the session ends with the closing made for
it, never a pointer to routine care. Urgent care ends the session too; "see a
doctor soon" (pain down one leg) names the emergency signs and carries on.
"""
from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name

from .. import safety
from ..conversation import EMERGENCY_CARE, URGENT_CARE, Turn, offer_action
from ..interceptors import RED_FLAG


class RedFlagHandler(AbstractRequestHandler):
    """Runs before every other handler whenever a red flag was heard."""

    def can_handle(self, handler_input):
        return RED_FLAG in handler_input.attributes_manager.request_attributes

    def handle(self, handler_input):
        red_flag = handler_input.attributes_manager.request_attributes[RED_FLAG]
        turn = Turn(handler_input)
        if red_flag.tier == safety.EMERGENCY:
            return turn.say("red_flags.emergency_action").say("red_flags.reason." + red_flag.symptom) \
                .end(closing=EMERGENCY_CARE)
        if red_flag.tier == safety.URGENT:
            return turn.say("red_flags.urgent_action").say("red_flags.reason." + red_flag.symptom) \
                .say("red_flags.escalate").end(closing=URGENT_CARE)
        if red_flag.tier == safety.SOON:
            return turn.say("red_flags.soon_action").say("red_flags.reason." + red_flag.symptom) \
                .say("red_flags.escalate").offer("more")
        return turn.say("red_flags.warning_signs").end(closing=URGENT_CARE)


class WarningSignsHandler(AbstractRequestHandler):
    """"What are the warning signs": every red flag, emergency ones first."""

    def can_handle(self, handler_input):
        return is_intent_name("WarningSignsIntent")(handler_input)

    def handle(self, handler_input):
        return warning_signs(handler_input)


@offer_action("warning_signs")
def warning_signs(handler_input):
    return Turn(handler_input).say("red_flags.warning_signs") \
        .detail("red_flags.warning_signs_detail", "more").offer("more")
