"""The hands-free heat and cold program: start (after agreement), time left, pause, resume, cancel.

Thin: the plan and the Timers API calls live in ``heat_program`` (the flow);
these handlers read the request, keep the person's choices, and choose words.
Amazon's timer rules need two agreements: the person's "yes" to this program
and the timers permission, asked by voice with a ``Connections.SendRequest``
AskFor directive when the API says 401. One yes is enough: an offer that names
the timer ("Shall I set a heat timer for fifteen minutes?", the ``heat_timer``
offer) is that agreement; a program asked for in words ("alternate heat and
cold") is said once, plan and safety, and asked once (``heat_program_start``).
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model.ui import AskForPermissionsConsentCard

from .. import speech
from ..conversation import Turn, ask_for_permission, content_of, offer_action, offer_words, session_of
from ..lazy import lazy_module
from ..slots import value_and_id

flow = lazy_module("back_spasm_coach.heat_program")  # the program's logic, loaded by the first request that needs it

log = logging.getLogger(__name__)

PERMISSION_SCOPE = "alexa::alerts:timers:skill:readwrite"
START_OFFER = "heat_program_start"


# ------------------------------------------------------------------ helpers
def _stored(handler_input) -> dict:
    """Persistent attributes (preferences and timer ids); an empty dict if the store fails."""
    try:
        return handler_input.attributes_manager.persistent_attributes
    except Exception as exc:  # a broken store must not stop the timers
        log.error("persistent attributes unavailable: %s", exc)
        return {}


def _save(handler_input) -> None:
    try:
        handler_input.attributes_manager.save_persistent_attributes()
    except Exception as exc:
        log.error("could not save persistent attributes: %s", exc)


def _timers(handler_input):
    """The Timers API client; ProgramError("unavailable") when the request names no Alexa API
    (a request without ``context.System``, answered as one from a device without API access)."""
    system = handler_input.request_envelope.context.system
    if not getattr(system, "api_endpoint", None):
        raise flow.ProgramError("unavailable", detail="the request names no Alexa API endpoint")
    return handler_input.service_client_factory.get_timer_management_service()


def _locale(handler_input) -> str:
    return getattr(handler_input.request_envelope.request, "locale", None) or content_of(handler_input).locale


def _remembered_lengths(handler_input) -> dict:
    lengths = _stored(handler_input).get(flow.LENGTHS)
    return lengths if isinstance(lengths, dict) else {}


# ------------------------------------------------------------------ proposing and starting
def propose(handler_input, plan: flow.Plan):
    """Say the plan and one safety line, then ask once for agreement."""
    session_of(handler_input)[flow.PENDING] = plan.to_dict()
    turn = Turn(handler_input)
    for note in plan.notes:
        turn.say(note.key, **note.values)
    turn.say(flow.plan_key(plan), **flow.plan_values(plan))
    turn.say("heat_cold.safety." + plan.kind)
    return turn.offer(START_OFFER)


def start_program(handler_input, plan: flow.Plan, may_ask_permission: bool = True):
    """Create the program's timers, or ask for the permission, or say what went wrong."""
    stored = _stored(handler_input)
    try:
        program, notes = flow.start(_timers(handler_input), plan, content_of(handler_input),
                                    _locale(handler_input), previous=stored.get(flow.PROGRAM))
    except flow.ProgramError as error:
        if error.reason == "permission" and error.created == 0 and may_ask_permission:
            return ask_permission(handler_input, plan)
        if error.left:  # half a program is still running: remember it, so it can be cancelled
            stored[flow.PROGRAM] = error.left
            _save(handler_input)
        return failure(handler_input, error, starting=True)
    stored[flow.PROGRAM] = program
    stored.pop(flow.PENDING, None)
    if plan.chosen:
        lengths = _remembered_lengths(handler_input)
        lengths[plan.kind] = plan.seconds
        stored[flow.LENGTHS] = lengths
    _save(handler_input)
    session_of(handler_input).pop(flow.PENDING, None)
    turn = Turn(handler_input)
    for note in notes:
        turn.say(note.key, **note.values)
    phases = program["phases"]
    once = "_once" if len(phases) == 1 else ""  # one session: "I'll tell you when to take it off"
    return turn.say("heat_program.started." + phases[0]["kind"] + once).end()


def ask_permission(handler_input, plan: flow.Plan):
    """Alexa asks for the timers permission by voice; the plan rides along in the token."""
    stored = _stored(handler_input)
    stored[flow.PENDING] = plan.to_dict()
    _save(handler_input)
    session_of(handler_input)[flow.PENDING] = plan.to_dict()
    return ask_for_permission(handler_input, "heat_program.permission.intro", PERMISSION_SCOPE, plan.token())


def failure(handler_input, error: flow.ProgramError, starting: bool = False):
    """What happened, and what to do instead; the log has the detail already."""
    turn = Turn(handler_input).say("heat_program.errors." + error.reason)
    if error.reason == "permission":
        handler_input.response_builder.set_card(AskForPermissionsConsentCard(permissions=[PERMISSION_SCOPE]))
        turn.say("heat_program.permission.card_sent")
    if error.created:
        count = speech.number_words(error.created)
        turn.say("heat_program.errors.cleaned_up" if error.cleaned else "heat_program.errors.left_behind",
                 created=count)
    if starting and error.reason != "too_many":
        turn.say("heat_program.errors.fallback")
    return turn.end()


@offer_words("heat_timer")
def _name_the_heat_timer(handler_input) -> dict:
    """The offer names the timer it will set, its length included, so one yes agrees to it."""
    plan = flow.make_plan("heat", remembered=_remembered_lengths(handler_input))
    session_of(handler_input)[flow.PENDING] = plan.to_dict()
    return {"length": speech.spoken_duration(plan.seconds)}


@offer_action("heat_timer")
def _offer_heat_timer(handler_input):
    """Yes to "Shall I set a heat timer for fifteen minutes?": that yes is the agreement."""
    plan = flow.Plan.from_dict(session_of(handler_input).get(flow.PENDING))
    if plan is None or plan.kind != "heat" or plan.rounds != 1:
        # The offer's plan was lost: say the plan, and ask once.
        return propose(handler_input, flow.make_plan("heat", remembered=_remembered_lengths(handler_input)))
    return start_program(handler_input, plan)


@offer_action(START_OFFER)
def _agreed(handler_input):
    plan = flow.Plan.from_dict(session_of(handler_input).get(flow.PENDING))
    if plan is None:  # session lost its memory: make the default plan afresh, and ask again
        return propose(handler_input, flow.make_plan("heat", remembered=_remembered_lengths(handler_input)))
    return start_program(handler_input, plan)


class StartProgramHandler(AbstractRequestHandler):
    """"start a twenty minute heat session", "alternate heat and cold", "do two rounds of heat and cold"."""

    def can_handle(self, handler_input):
        return is_intent_name("StartHeatProgramIntent")(handler_input)

    def handle(self, handler_input):
        kind_value, kind_id = value_and_id(handler_input, "kind")
        length, _ = value_and_id(handler_input, "length")
        rounds, _ = value_and_id(handler_input, "rounds")
        plan = flow.make_plan(flow.parse_kind(kind_id, kind_value), length, rounds,
                              remembered=_remembered_lengths(handler_input))
        return propose(handler_input, plan)


class PermissionResponseHandler(AbstractRequestHandler):
    """Alexa's answer to the AskFor permission request."""

    def can_handle(self, handler_input):
        request = handler_input.request_envelope.request
        return (is_request_type("Connections.Response")(handler_input)
                and getattr(request, "name", None) == "AskFor")

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        payload = request.payload or {}
        answer = payload.get("status")
        code = getattr(getattr(request, "status", None), "code", None)
        stored = _stored(handler_input)
        plan = (flow.Plan.from_token(request.token)
                or flow.Plan.from_dict(stored.get(flow.PENDING))
                or flow.Plan.from_dict(session_of(handler_input).get(flow.PENDING)))
        log.info("timers permission answer: %s (code %s, plan remembered: %s)", answer, code, plan is not None)
        if answer == "ACCEPTED" and str(code or "200") == "200":
            if plan is None:
                return propose(handler_input, flow.make_plan(
                    "heat", remembered=_remembered_lengths(handler_input)))
            return start_program(handler_input, plan, may_ask_permission=False)
        if str(code or "200") != "200":
            log.error("AskFor failed with code %s: is the timers permission in skill.json?", code)
        stored.pop(flow.PENDING, None)
        _save(handler_input)
        session_of(handler_input).pop(flow.PENDING, None)
        if not payload.get("isCardThrown"):
            handler_input.response_builder.set_card(
                AskForPermissionsConsentCard(permissions=[PERMISSION_SCOPE]))
        key = "denied" if answer == "DENIED" else "not_answered"
        return Turn(handler_input).say("heat_program.permission." + key).end()


# ------------------------------------------------------------------ a running program
def _no_program(handler_input):
    return Turn(handler_input).say("heat_program.none_running").offer("heat_timer")


def running_program(handler_input):
    """The program this person has running (a dict), or None."""
    program = _stored(handler_input).get(flow.PROGRAM)
    return program if isinstance(program, dict) and flow.program_timer_ids(program) else None


def _finished(handler_input):
    _stored(handler_input).pop(flow.PROGRAM, None)
    _save(handler_input)
    return _no_program(handler_input)


def _say_progress(handler_input, key_prefix: str, state: flow.Progress, key: str):
    values = flow.progress_values(content_of(handler_input), state)
    return Turn(handler_input).say(key_prefix + key, **values).end()


class TimeLeftHandler(AbstractRequestHandler):
    """"how much time is left": this phase, then what comes next."""

    def can_handle(self, handler_input):
        return is_intent_name("TimeLeftIntent")(handler_input)

    def handle(self, handler_input):
        program = running_program(handler_input)
        if program is None:
            return _no_program(handler_input)
        try:
            state = flow.read_progress(_timers(handler_input), program)
        except flow.ProgramError as error:
            return failure(handler_input, error)
        if state is None:
            return _finished(handler_input)
        key = "paused" if state.paused else ("then" if state.next is not None else "last")
        return _say_progress(handler_input, "heat_program.time_left.", state, key)


class PauseHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.PauseIntent")(handler_input)

    def handle(self, handler_input):
        return _pause_or_resume(handler_input, flow.pause, "paused", "already_paused")


class ResumeHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.ResumeIntent")(handler_input)

    def handle(self, handler_input):
        return _pause_or_resume(handler_input, flow.resume, "resumed", "already_running")


def _pause_or_resume(handler_input, action, done_key: str, already_key: str):
    program = running_program(handler_input)
    if program is None:
        return _no_program(handler_input)
    try:
        before, after = action(_timers(handler_input), program)
    except flow.ProgramError as error:
        return failure(handler_input, error)
    if after is None:
        return _finished(handler_input)
    changed = before is not None and (before.paused != after.paused)
    return _say_progress(handler_input, "heat_program.", after, done_key if changed else already_key)


class CancelProgramHandler(AbstractRequestHandler):
    """"cancel the heat timer", "stop the program" (plain "stop" still just ends the session)."""

    def can_handle(self, handler_input):
        return is_intent_name("CancelProgramIntent")(handler_input)

    def handle(self, handler_input):
        try:
            cancelled = flow.cancel(_timers(handler_input))
        except flow.ProgramError as error:
            turn = Turn(handler_input).say("heat_program.errors." + error.reason)
            return turn.say("heat_program.errors.cancel_failed").end()
        had_program = running_program(handler_input) is not None
        _stored(handler_input).pop(flow.PROGRAM, None)
        _save(handler_input)
        if cancelled or had_program:
            return Turn(handler_input).say("heat_program.cancelled").end()
        return Turn(handler_input).say("heat_program.none_running").end()


def handlers() -> list:
    """This area's handlers, in order, for the "flows" slot of ``handlers.request_handlers``."""
    return [StartProgramHandler(), TimeLeftHandler(), PauseHandler(), ResumeHandler(),
            CancelProgramHandler(), PermissionResponseHandler()]
