"""The self-care answers: the overview and one answer per strategy, each in one breath,
with its detail kept for "tell me more"."""
from __future__ import annotations

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type

from ..conversation import DETAIL, OFFER_ACTIONS, Turn, offer_action, session_of

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
    """A strategy in one breath (``<topic>.answer``), the rest on request (``<topic>.detail``)."""
    topic, next_offer = STRATEGIES[intent_name]
    return Turn(handler_input).say(topic + ".answer").detail(topic + ".detail", next_offer).offer(next_offer)


class LaunchHandler(AbstractRequestHandler):
    """"Open back spasm coach": who it is, sorry, and what it can do."""

    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        return Turn(handler_input).say("conversation.welcome").sympathise() \
            .ask("conversation.menu", "conversation.menu_reprompt")


class OverviewHandler(AbstractRequestHandler):
    """"What helps a back spasm": the strategies in a breath, then one offer."""

    def can_handle(self, handler_input):
        return is_intent_name("OverviewIntent")(handler_input)

    def handle(self, handler_input):
        return overview(handler_input)


def overview(handler_input):
    return Turn(handler_input).sympathise().say("overview.answer") \
        .detail("overview.detail", "choose").offer("choose")


class StrategyHandler(AbstractRequestHandler):
    """One self-care strategy, explained; each has its own content file."""

    def can_handle(self, handler_input):
        return any(is_intent_name(name)(handler_input) for name in STRATEGIES)

    def handle(self, handler_input):
        return answer(handler_input, handler_input.request_envelope.request.intent.name)


class MoreHandler(AbstractRequestHandler):
    """"Tell me more": the detail the last answer kept, then that answer's offer again."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.MoreIntent")(handler_input)

    def handle(self, handler_input):
        turn = Turn(handler_input)
        detail = session_of(handler_input).get(DETAIL)
        # Session attributes come back from outside: use only a detail this skill could have left.
        key = detail.get("key") if isinstance(detail, dict) else None
        offer = detail.get("offer") if isinstance(detail, dict) else None
        if not (isinstance(key, str) and key.endswith("detail") and key in turn.content
                and offer in OFFER_ACTIONS):
            return turn.say("conversation.no_more").ask("conversation.menu", "conversation.menu_reprompt")
        return turn.say(key).offer(offer)


@offer_action("choose")
def _name_the_choices(handler_input):
    return Turn(handler_input).ask("offers.choose.yes", "offers.choose.reprompt")


@offer_action("heat")
def _explain_heat(handler_input):
    return answer(handler_input, "HeatColdIntent")


@offer_action("more")
def _ask_what_else(handler_input):
    return Turn(handler_input).ask("offers.more.yes", "offers.more.reprompt")
