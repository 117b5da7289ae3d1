"""Guided stretches: start, next, previous, repeat, slower, start over, which one, continue later.

Thin: where the person is in the routine is a ``routine.Position``, kept in
the session and, so "continue my stretches" works another day, stored in the
persistent attributes when the session ends. Only the routine, the stretch
number and the pace are stored, never anything about the person's back. The words and the timing are
built by ``routine.render_stretch``; the Echo Show view by ``apl``.
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler, AbstractResponseInterceptor
from ask_sdk_core.utils import get_slot, is_intent_name

from .. import apl, speech
from . import heat_program, reminders
from ..conversation import OFFER, Turn, decline_action, offer_action, session_of
from ..slots import resolved_ids
from ..lazy import lazy_module

routine = lazy_module("back_spasm_coach.routine")  # the routine's data and renderer, loaded by the first stretch

log = logging.getLogger(__name__)

#: Session and persistent attribute holding a Position's dict.
ROUTINE = "stretch_routine"
#: Session attribute: "slower" said before any routine started.
PACE = "stretch_pace"
#: Session attribute: where the strengthening set starts once the person says the spasm has settled.
STRENGTHEN_FROM = "strengthen_from"
SLOT = "stretch"


# --- where the person is ---------------------------------------------------------------

def current(handler_input) -> routine.Position | None:
    return routine.Position.from_dict(session_of(handler_input).get(ROUTINE))


def saved(handler_input) -> routine.Position | None:
    try:
        stored = handler_input.attributes_manager.persistent_attributes.get(ROUTINE)
    except Exception as error:  # no adapter, storage down: carry on without it
        log.warning("could not read the saved routine: %s", error)
        return None
    return routine.Position.from_dict(stored)


def remember(handler_input, position: routine.Position | None) -> None:
    """Keep the position in the session (None forgets it).

    The position is stored for next time when the session ends (``StoreRoutineWhenSessionEnds``),
    not at every stretch: one write per session, not a read and a write per step.
    Forgetting is stored at once, so a finished routine is never offered again.
    """
    session = session_of(handler_input)
    if position is None:
        session.pop(ROUTINE, None)
        _store(handler_input, None)
    else:
        session[ROUTINE] = position.to_dict()


def _store(handler_input, position: routine.Position | None) -> None:
    try:
        manager = handler_input.attributes_manager
        attributes = manager.persistent_attributes
        if position is None:
            if ROUTINE not in attributes:
                return
            attributes.pop(ROUTINE, None)
        else:
            attributes[ROUTINE] = position.to_dict()
        manager.save_persistent_attributes()
    except Exception as error:  # no adapter, storage down: the session goes on
        log.warning("could not save the routine position: %s", error)


class StoreRoutineWhenSessionEnds(AbstractResponseInterceptor):
    """Store where the person is in a routine when the session ends, for "continue my stretches".

    A session ends with our own reply ("stop", the last answer) or with Alexa's
    SessionEndedRequest (the person went quiet, said "exit", or an error); both
    come here, and the session attributes hold the position either way.
    """

    def process(self, handler_input, response):
        envelope = handler_input.request_envelope
        ending = getattr(envelope.request, "object_type", None) == "SessionEndedRequest" \
            or (response is not None and response.should_end_session is True)
        if ending and envelope.session is not None:
            position = current(handler_input)
            if position is not None:
                _store(handler_input, position)


def _pace(handler_input) -> str:
    position = current(handler_input)
    if position is not None:
        return position.pace
    pace = session_of(handler_input).get(PACE)
    return pace if pace in routine.PACES else routine.NORMAL


# --- what is said ----------------------------------------------------------------------

def read(handler_input, position: routine.Position, lead_in=()):
    """One stretch in one response, then "say next when you're ready" (a routine of one
    stretch, asked for by name, is finished there and then: nothing to say "next" to)."""
    turn = Turn(handler_input)
    rendered = routine.render_stretch(turn.content, position, lead_in=list(lead_in))
    remember(handler_input, None if position.total == 1 else position)
    if apl.has_screen(handler_input):
        handler_input.response_builder.add_directive(
            apl.stretch_directive(turn.content, position, rendered))
    turn.say_ssml(rendered.ssml)
    if position.total == 1:
        return turn.say("routine.finished." + position.routine).offer("more")
    if position.is_last:
        return turn.ask("routine.say_next_last", "routine.next_reprompt")
    return turn.ask("routine.say_next", "routine.next_reprompt")


def start(handler_input, name: str | None = None, lead_in=()):
    """A routine (the gentle one unless named) from its first stretch, introduced."""
    name = name or routine.GENTLE
    turn_content = Turn(handler_input).content
    position = routine.Position(name, 0, _pace(handler_input))
    if name == routine.GENTLE:
        duration = speech.spoken_duration(routine.routine_seconds(turn_content, name, position.pace))
        intro = turn_content.line("routine.start.gentle", duration=duration)
    else:
        intro = turn_content.line("routine.start.settled")
    return read(handler_input, position, list(lead_in) + [intro])


def finish(handler_input, position: routine.Position):
    """After the last stretch: a kind wrap-up, and the position forgotten."""
    remember(handler_input, None)
    return Turn(handler_input).say("routine.finished." + position.routine).offer(
        reminders.offer_after_routine(handler_input))


def not_started(handler_input):
    return Turn(handler_input).say("routine.not_started").offer("stretch")


def advance(handler_input, position: routine.Position, lead_in=()):
    if position.is_last:
        return finish(handler_input, position)
    return read(handler_input, routine.Position(position.routine, position.index + 1, position.pace),
                lead_in)


@offer_action("stretch")
def _yes_to_a_stretch(handler_input):
    return start(handler_input)


def ask_if_settled(handler_input, index: int = 0):
    """The strengthening set is for once the spasm has settled: ask before starting it."""
    session_of(handler_input)[STRENGTHEN_FROM] = index
    return Turn(handler_input).say("routine.start.strengthening").offer("strengthening")


@offer_action("strengthening")
def _settled(handler_input):
    index = session_of(handler_input).pop(STRENGTHEN_FROM, 0)
    members = routine.routines()[routine.STRENGTHENING]
    if not isinstance(index, int) or not 0 < index < len(members):
        return start(handler_input, routine.STRENGTHENING)
    lead = [Turn(handler_input).content.line("routine.start.one")]
    return read(handler_input, routine.Position(routine.STRENGTHENING, index, _pace(handler_input)), lead)


@decline_action("strengthening")
def _not_settled(handler_input):
    session_of(handler_input).pop(STRENGTHEN_FROM, None)
    return Turn(handler_input).say("routine.start.not_settled").offer("stretch")


def _named_stretch(handler_input):
    """(stretch id or None, whether a name was said that we do not know)."""
    slot = get_slot(handler_input, SLOT)
    if slot is None or not slot.value:
        return None, False
    for stretch_id in resolved_ids(slot):
        if stretch_id in routine.stretches():
            return stretch_id, False
    log.info("unknown stretch name heard")
    return None, True


# --- handlers --------------------------------------------------------------------------

def _intent(*names):
    return lambda handler_input: any(is_intent_name(n)(handler_input) for n in names)


class StartStretchesHandler(AbstractRequestHandler):
    """"Read me a stretch", "guide me through my stretches", "do the knee to chest stretch"."""

    def can_handle(self, handler_input):
        return is_intent_name("StartStretchesIntent")(handler_input)

    def handle(self, handler_input):
        stretch_id, unknown = _named_stretch(handler_input)
        if stretch_id is None:
            lead = [Turn(handler_input).content.line("routine.unknown_stretch")] if unknown else []
            return start(handler_input, routine.GENTLE, lead)
        name = routine.routine_of(stretch_id)
        index = [s.id for s in routine.routines()[name]].index(stretch_id)
        if name == routine.STRENGTHENING:
            return ask_if_settled(handler_input, index)
        lead = [Turn(handler_input).content.line("routine.start.one")]
        return read(handler_input, routine.Position(name, index, _pace(handler_input)), lead)


class StrengthenHandler(AbstractRequestHandler):
    """"How can I strengthen my back": the strengthening set, once the person says the spasm has settled."""

    def can_handle(self, handler_input):
        return is_intent_name("StrengthenIntent")(handler_input)

    def handle(self, handler_input):
        return ask_if_settled(handler_input)


class NextStretchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.NextIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        if position is None:
            return not_started(handler_input)
        return advance(handler_input, position)


class PreviousStretchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.PreviousIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        if position is None:
            return not_started(handler_input)
        if position.index == 0:
            return read(handler_input, position, [Turn(handler_input).content.line("routine.first_already")])
        return read(handler_input, routine.Position(position.routine, position.index - 1, position.pace))


class RepeatStretchHandler(AbstractRequestHandler):
    """During a routine, "repeat" reads the current stretch again (before the core's repeat)."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.RepeatIntent")(handler_input) and current(handler_input) is not None

    def handle(self, handler_input):
        return read(handler_input, current(handler_input))


class SlowerHandler(AbstractRequestHandler):
    """Longer pauses and slower speech for the rest of the routine."""

    def can_handle(self, handler_input):
        return is_intent_name("SlowerIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        turn = Turn(handler_input)
        if position is None:
            session_of(handler_input)[PACE] = routine.SLOWER
            return turn.say("routine.slower").offer("stretch")
        position.pace = routine.SLOWER
        return read(handler_input, position, [turn.content.line("routine.slower")])


class StartOverHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.StartOverIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        if position is None:
            return start(handler_input)
        return read(handler_input, routine.Position(position.routine, 0, position.pace),
                    [Turn(handler_input).content.line("routine.from_top")])


class WhichStretchHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("WhichStretchIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        if position is None:
            return not_started(handler_input)
        turn = Turn(handler_input)
        name = turn.content.text("stretches.{}.name".format(position.stretch.id))
        return turn.say("routine.which", name=name, number=speech.number_words(position.number),
                        total=speech.number_words(position.total)) \
            .ask("routine.which_question", "routine.next_reprompt")


class ContinueStretchesHandler(AbstractRequestHandler):
    """"Continue my stretches": on from the last stretch read, in this session or another.

    Alexa's own "continue", "resume" and "keep going" (AMAZON.ResumeIntent) mean the same
    when there is a routine to go on with and no heat program to resume."""

    def can_handle(self, handler_input):
        if is_intent_name("AMAZON.ResumeIntent")(handler_input):
            return (current(handler_input) is not None or saved(handler_input) is not None) \
                and heat_program.running_program(handler_input) is None
        return is_intent_name("ContinueStretchesIntent")(handler_input)

    def handle(self, handler_input):
        position = current(handler_input)
        if position is not None:
            return advance(handler_input, position)
        position = saved(handler_input)
        if position is None:
            return start(handler_input, routine.GENTLE,
                         [Turn(handler_input).content.line("routine.resume_nothing")])
        content = Turn(handler_input).content
        name = content.text("stretches.{}.name".format(position.stretch.id))
        return advance(handler_input, position, [content.line("routine.resume", name=name)])


class StopStretchesHandler(AbstractRequestHandler):
    """Stop during a routine: say how to pick up later; the closing advice follows as always."""

    def can_handle(self, handler_input):
        return _intent("AMAZON.StopIntent", "AMAZON.CancelIntent")(handler_input) \
            and current(handler_input) is not None

    def handle(self, handler_input):
        return Turn(handler_input).say("routine.stopped").end()



class PauseRoutineHandler(AbstractRequestHandler):
    """"Pause" mid-routine with no heat program running, or "no" to "say next when you're
    ready": the routine already waits for "next"."""

    def can_handle(self, handler_input):
        if is_intent_name("AMAZON.NoIntent")(handler_input):
            return session_of(handler_input).get(OFFER) is None and current(handler_input) is not None
        return (is_intent_name("AMAZON.PauseIntent")(handler_input)
                and current(handler_input) is not None
                and heat_program.running_program(handler_input) is None)

    def handle(self, handler_input):
        return Turn(handler_input).ask("routine.paused", "routine.next_reprompt")


class RoutineHelpHandler(AbstractRequestHandler):
    """Help during a routine: the words that work while stretching."""

    def can_handle(self, handler_input):
        return is_intent_name("AMAZON.HelpIntent")(handler_input) and current(handler_input) is not None

    def handle(self, handler_input):
        return Turn(handler_input).say("routine.help").ask("routine.help_question", "routine.next_reprompt")
