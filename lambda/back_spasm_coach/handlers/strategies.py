"""The self-care answers: the overview and one answer per strategy."""
from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type

from ..conversation import Turn, offer_action

#: intent -> (content topic, what to offer next)
STRATEGIES = {
    "RestIntent": ("rest", "stretch"),
    "HeatColdIntent": ("heat_cold", "heat_timer"),
    "ExerciseAdviceIntent": ("exercise", "stretch"),
    "PainReliefIntent": ("pain_relief", "heat"),
    "PostureIntent": ("posture", "stretch"),
    "ProfessionalHelpIntent": ("professional_help", "check_in"),  # a reminder in two weeks
}


def answer(handler_input, intent_name: str):
    topic, next_offer = STRATEGIES[intent_name]
    return Turn(handler_input).say(topic + ".answer").offer(next_offer)


class LaunchHandler(AbstractRequestHandler):
    """"Open back spasm coach": say what it can do, and wait."""

    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).ask("conversation.welcome", "conversation.menu_reprompt")


class OverviewHandler(AbstractRequestHandler):
    """"What helps a back spasm": the six strategies in a breath, then one offer."""

    def can_handle(self, handler_input):
        return is_intent_name("OverviewIntent")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).say("overview.answer").offer("choose")


class StrategyHandler(AbstractRequestHandler):
    """One self-care strategy, explained; each has its own content file."""

    def can_handle(self, handler_input):
        return any(is_intent_name(name)(handler_input) for name in STRATEGIES)

    def handle(self, handler_input):
        return answer(handler_input, handler_input.request_envelope.request.intent.name)


@offer_action("choose")
def _name_the_choices(handler_input):
    return Turn(handler_input).ask("offers.choose.yes", "offers.choose.reprompt")


@offer_action("heat")
def _explain_heat(handler_input):
    return answer(handler_input, "HeatColdIntent")


@offer_action("more")
def _ask_what_else(handler_input):
    return Turn(handler_input).ask("conversation.welcome_back", "conversation.menu_reprompt")
