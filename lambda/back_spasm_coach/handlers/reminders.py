"""Reminders: a daily stretch reminder, a two-week check-in, and stopping them.

Thin: times, bodies and API calls live in ``reminders`` (the flow); these
handlers read the request, keep the reminder ids (nothing else), and choose
words. Amazon asks for two agreements: the person's request or "yes" to an
offer that names the time and how often, and the reminders permission, asked
by voice with a ``Connections.SendRequest`` AskFor directive when the API says
401. The request rides in the directive's token, so "I approve" completes it.
"""
from __future__ import annotations

import logging

from ask_sdk_core.dispatch_components import AbstractRequestHandler
from ask_sdk_core.utils import is_intent_name, is_request_type
from ask_sdk_model.ui import AskForPermissionsConsentCard

from ..conversation import Turn, ask_for_permission, content_of, offer_action, session_of
from ..lazy import lazy_module
from ..slots import value_and_id

flow = lazy_module("back_spasm_coach.reminders")  # loaded by the first request about reminders

log = logging.getLogger(__name__)

PERMISSION_SCOPE = "alexa::alerts:reminders:skill:readwrite"
STRETCH_OFFER = "stretch_reminder"
CHECK_IN_OFFER = "check_in"


# ------------------------------------------------------------------ the remembered ids
def remembered(handler_input) -> dict:
    """kind -> alertToken of the reminders this skill made; {} when nothing (or nothing readable)."""
    try:
        stored = handler_input.attributes_manager.persistent_attributes.get(flow.STORED)
    except Exception as exc:  # no store, or it failed: carry on as if none were set
        log.warning("reminder ids unavailable: %s", exc)
        return {}
    if not isinstance(stored, dict):
        return {}
    return {kind: token for kind, token in stored.items()
            if kind in flow.KINDS and isinstance(token, str) and token}


def remember(handler_input, ids: dict) -> None:
    try:
        manager = handler_input.attributes_manager
        manager.persistent_attributes[flow.STORED] = dict(ids)
        manager.save_persistent_attributes()
    except Exception as exc:
        log.error("could not keep the reminder ids: %s", exc)


def _services(handler_input):
    factory = handler_input.service_client_factory
    return factory.get_reminder_management_service(), factory.get_ups_service()


def _device_id(handler_input):
    system = getattr(handler_input.request_envelope.context, "system", None)
    return getattr(getattr(system, "device", None), "device_id", None)


# ------------------------------------------------------------------ setting one
def set_reminder(handler_input, ask, may_ask_permission: bool = True):
    """Create (or replace) the reminder, or ask for the permission, or say what went wrong."""
    content = content_of(handler_input)
    ids = remembered(handler_input)
    reminders, settings = _services(handler_input)
    try:
        created = flow.create(reminders, settings, _device_id(handler_input), ask, content.locale,
                              content.text("reminders.text." + ask.kind), previous=ids.get(ask.kind))
    except flow.ReminderError as error:
        if error.reason == "permission" and may_ask_permission:
            return ask_permission(handler_input, ask)
        return failure(handler_input, error, ask.kind)
    ids[ask.kind] = created.token
    remember(handler_input, ids)
    session_of(handler_input).pop(flow.PENDING, None)
    turn = Turn(handler_input)
    if ask.kind == flow.STRETCH:
        turn.say("reminders.set.stretch", time=flow.spoken_time(content, ask.hour, ask.minute))
        if flow.CHECK_IN not in ids:
            return turn.offer(CHECK_IN_OFFER)
        return turn.end()
    # Until then, the signs that should not wait two weeks.
    return turn.say("reminders.set.check_in", day=flow.weekday(content, created.rings)).offer("warning_signs")


def ask_permission(handler_input, ask):
    """Alexa asks for the reminders permission by voice; the request rides in the token."""
    session_of(handler_input)[flow.PENDING] = ask.token()
    return ask_for_permission(handler_input, "reminders.permission.intro", PERMISSION_SCOPE, ask.token())


def failure(handler_input, error, kind=None):
    """What happened, and what to do instead (``kind``: what was being set; None when
    cancelling); the log has the detail already."""
    turn = Turn(handler_input).say("reminders.errors." + error.reason)
    if error.reason == "permission":
        handler_input.response_builder.set_card(AskForPermissionsConsentCard(permissions=[PERMISSION_SCOPE]))
        turn.say("reminders.permission.card_sent")
    return turn.say("reminders.errors.fallback." + kind if kind else "reminders.errors.cancel_fallback").end()


def offer_after_routine(handler_input) -> str:
    """The offer at the end of a routine: a daily reminder, then the check-in, then the menu."""
    ids = remembered(handler_input)
    if flow.STRETCH not in ids:
        return STRETCH_OFFER
    return CHECK_IN_OFFER if flow.CHECK_IN not in ids else "more"


@offer_action(STRETCH_OFFER)
def _yes_to_a_daily_reminder(handler_input):
    return set_reminder(handler_input, flow.Ask(flow.STRETCH))


@offer_action(CHECK_IN_OFFER)
def _yes_to_a_check_in(handler_input):
    return set_reminder(handler_input, flow.Ask(flow.CHECK_IN))


# ------------------------------------------------------------------ handlers
class StretchReminderHandler(AbstractRequestHandler):
    """"remind me to do my stretches every morning at nine"."""

    def can_handle(self, handler_input):
        return is_intent_name("StretchReminderIntent")(handler_input)

    def handle(self, handler_input):
        time_value, _ = value_and_id(handler_input, "time")
        _, part = value_and_id(handler_input, "part")
        hour, minute, heard = flow.read_time(time_value, part)
        if not heard:
            log.info("a reminder time that could not be read: the default is used")
        return set_reminder(handler_input, flow.Ask(flow.STRETCH, hour, minute))


class CheckInReminderHandler(AbstractRequestHandler):
    """"check in with me in two weeks"."""

    def can_handle(self, handler_input):
        return is_intent_name("CheckInReminderIntent")(handler_input)

    def handle(self, handler_input):
        return set_reminder(handler_input, flow.Ask(flow.CHECK_IN))


class CancelReminderHandler(AbstractRequestHandler):
    """"stop my stretch reminder", "cancel my reminders"."""

    def can_handle(self, handler_input):
        return is_intent_name("CancelReminderIntent")(handler_input)

    def handle(self, handler_input):
        _, kind = value_and_id(handler_input, "reminder")
        kinds = [kind] if kind in flow.KINDS else list(flow.KINDS)
        ids = remembered(handler_input)
        gone = [k for k in kinds if k in ids]
        if not gone:
            return Turn(handler_input).say("reminders.none").end()
        reminders, _ = _services(handler_input)
        try:
            flow.delete(reminders, [ids[k] for k in gone])
        except flow.ReminderError as error:
            return failure(handler_input, error)
        remember(handler_input, {k: v for k, v in ids.items() if k not in gone})
        return Turn(handler_input).say("reminders.cancelled." + (gone[0] if len(gone) == 1 else "all")).end()


class ReminderPermissionHandler(AbstractRequestHandler):
    """Alexa's answer to the reminders AskFor (the timers' answer goes to the heat program)."""

    def can_handle(self, handler_input):
        request = handler_input.request_envelope.request
        if not (is_request_type("Connections.Response")(handler_input) and getattr(request, "name", None) == "AskFor"):
            return False
        payload = request.payload if isinstance(request.payload, dict) else {}
        return flow.is_token(request.token) or payload.get("permissionScope") == PERMISSION_SCOPE

    def handle(self, handler_input):
        request = handler_input.request_envelope.request
        payload = request.payload if isinstance(request.payload, dict) else {}
        answer = payload.get("status")
        code = str(getattr(getattr(request, "status", None), "code", None) or "200")
        ask = flow.Ask.from_token(request.token) or flow.Ask.from_token(session_of(handler_input).get(flow.PENDING))
        log.info("reminders permission answer: %s (code %s, request remembered: %s)", answer, code, ask is not None)
        if answer == "ACCEPTED" and code == "200":
            if ask is None:
                return Turn(handler_input).say("reminders.permission.granted").offer(STRETCH_OFFER)
            return set_reminder(handler_input, ask, may_ask_permission=False)
        if code != "200":
            log.error("AskFor failed with code %s: is the reminders permission in skill.json?", code)
        session_of(handler_input).pop(flow.PENDING, None)
        if not payload.get("isCardThrown"):
            handler_input.response_builder.set_card(AskForPermissionsConsentCard(permissions=[PERMISSION_SCOPE]))
        key = "denied" if answer == "DENIED" else "not_answered"
        return Turn(handler_input).say("reminders.permission." + key).end()


def handlers() -> list:
    """This area's handlers, in order; before the heat program's, whose permission answer takes any AskFor."""
    return [StretchReminderHandler(), CheckInReminderHandler(), CancelReminderHandler(),
            ReminderPermissionHandler()]
