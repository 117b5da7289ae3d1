"""Reminders that bring the person back: a daily stretch reminder, and a check-in in two weeks.

Pure logic, no Flask or Lambda: it reads the time a person asked for, works
out the local date and time the reminder rings, builds the Alexa Reminders
API bodies, and calls the API through the service clients the handler passes
in (``ReminderManagementServiceClient``, and the settings client for the
device's time zone).

The bodies follow Amazon's Reminders API reference: ``SCHEDULED_ABSOLUTE``
triggers in local time with no zone suffix ("2026-05-01T09:00:00.000") and
the device's ``timeZoneId``; the daily one with a recurrence rule
("FREQ=DAILY;BYHOUR=9;..."); the text in the request's locale. Reminder texts
name nothing about anyone's health beyond "your back stretches": Amazon shows
them in the Alexa app.

Failures come back as ``ReminderError`` with a ``reason`` the handler turns
into words (content ``reminders.errors.*``); every call runs inside the same
time budget as the heat program's timers.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Optional

from ask_sdk_model.services import ServiceException
from ask_sdk_model.services.reminder_management import (
    AlertInfo, PushNotification, PushNotificationStatus, Recurrence, ReminderRequest, SpokenInfo, SpokenText,
    Trigger, TriggerType)

from . import alexa_api, speech

log = logging.getLogger(__name__)

STRETCH = "stretch"
CHECK_IN = "check_in"
KINDS = (STRETCH, CHECK_IN)

DEFAULT_HOUR, DEFAULT_MINUTE = 9, 0
#: A part of the day said without a time ("every evening"), and Alexa's codes for one (AMAZON.TIME).
PART_HOURS = {"morning": 9, "afternoon": 14, "evening": 19, "night": 21}
TIME_CODES = {"MO": "morning", "AF": "afternoon", "EV": "evening", "NI": "night"}
#: About two weeks, as NHS and NICE say: see a GP or physio if it is no better by then.
CHECK_IN_DAYS = 14
CHECK_IN_HOUR = 10

#: The same budget as the heat program: all calls within 2.4 s, the time-zone look-up within
#: 0.8 s of it (without it the reminder still goes in, in the device's own zone).
CREATE_BUDGET = 2.4
ZONE_BUDGET = 0.8

# Attribute names. Persistent: only the ids of the reminders this skill created.
STORED = "reminder_ids"            # {"stretch": alertToken, "check_in": alertToken}
PENDING = "reminder_pending"       # session only: the request waiting for the permission
TOKEN_PREFIX = "reminders:"


# ------------------------------------------------------------------ what was asked
@dataclass(frozen=True)
class Ask:
    """One reminder someone asked for: its kind, and (daily) the local time of day."""
    kind: str
    hour: int = DEFAULT_HOUR
    minute: int = DEFAULT_MINUTE

    def token(self) -> str:
        """The request in a Connections token, so "I approve" can complete it."""
        return "{}{}:{:02d}{:02d}".format(TOKEN_PREFIX, self.kind, self.hour, self.minute)

    @classmethod
    def from_token(cls, token) -> Optional["Ask"]:
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX):
            return None
        match = re.fullmatch(r"([a-z_]+):([01]\d|2[0-3])([0-5]\d)", token[len(TOKEN_PREFIX):])
        if not match or match.group(1) not in KINDS:
            return None
        return cls(match.group(1), int(match.group(2)), int(match.group(3)))


def is_token(token) -> bool:
    return isinstance(token, str) and token.startswith(TOKEN_PREFIX)


def read_time(value, part_id) -> tuple:
    """(hour, minute, heard) from an AMAZON.TIME value and a DAY_PART id; heard is False
    when a time was said that could not be read (the default time is used then)."""
    part = part_id if part_id in PART_HOURS else None
    value = (value or "").strip().upper() if isinstance(value, str) else ""
    if value in TIME_CODES:
        return PART_HOURS[TIME_CODES[value]], 0, True
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if part in ("afternoon", "evening", "night") and hour < 12:
            hour += 12  # "every evening at seven": Alexa heard "07:00"
        elif part == "morning" and hour == 12:
            hour = 0
        return hour, minute, True
    if part is not None:
        return PART_HOURS[part], 0, not value
    return DEFAULT_HOUR, DEFAULT_MINUTE, not value


# ------------------------------------------------------------------ when it rings
def local_now(utc_now: dt.datetime, zone: Optional[str]) -> dt.datetime:
    """The device's wall-clock time now (naive); UTC when the zone is unknown."""
    utc_now = utc_now if utc_now.tzinfo else utc_now.replace(tzinfo=dt.timezone.utc)
    if zone:
        try:
            from zoneinfo import ZoneInfo  # only reminders need the zone database

            return utc_now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        except Exception as exc:  # unknown zone, or no zone data on this host
            log.warning("time zone %r unusable (%s): using UTC", zone, exc)
    return utc_now.replace(tzinfo=None)


def next_time(now: dt.datetime, hour: int, minute: int) -> dt.datetime:
    """The next wall-clock time at hour:minute after ``now`` (today, or else tomorrow)."""
    at = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > now else at + dt.timedelta(days=1)


def check_in_time(now: dt.datetime) -> dt.datetime:
    return (now + dt.timedelta(days=CHECK_IN_DAYS)).replace(hour=CHECK_IN_HOUR, minute=0, second=0,
                                                            microsecond=0)


def stamp(when: dt.datetime) -> str:
    """Local time as the Reminders API takes it: no zone suffix, milliseconds."""
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + "{:03d}".format(when.microsecond // 1000)


def daily_rule(hour: int, minute: int) -> str:
    return "FREQ=DAILY;BYHOUR={};BYMINUTE={};BYSECOND=0;INTERVAL=1;".format(hour, minute)


# ------------------------------------------------------------------ the bodies
def body(ask: Ask, now: dt.datetime, zone: Optional[str], locale: str, text: str) -> ReminderRequest:
    """The ReminderRequest for ``ask``, ringing in local time (``now`` is the device's wall clock)."""
    if ask.kind == STRETCH:
        first = next_time(now, ask.hour, ask.minute)
        trigger = Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE, scheduled_time=stamp(first),
                          time_zone_id=zone,
                          recurrence=Recurrence(start_date_time=stamp(first),
                                                recurrence_rules=[daily_rule(ask.hour, ask.minute)]))
    else:
        trigger = Trigger(object_type=TriggerType.SCHEDULED_ABSOLUTE,
                          scheduled_time=stamp(check_in_time(now)), time_zone_id=zone)
    return ReminderRequest(
        request_time=stamp(now), trigger=trigger,
        alert_info=AlertInfo(spoken_info=SpokenInfo(content=[SpokenText(locale=locale, text=text)])),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED))


def first_ring(ask: Ask, now: dt.datetime) -> dt.datetime:
    return next_time(now, ask.hour, ask.minute) if ask.kind == STRETCH else check_in_time(now)


# ------------------------------------------------------------------ API failures
class ReminderError(Exception):
    """A Reminders API call failed; ``reason`` picks the words, the rest goes to the log."""

    def __init__(self, reason: str, status: Optional[int] = None, detail: str = ""):
        super().__init__("{} (status {}): {}".format(reason, status, detail))
        self.reason = reason
        self.status = status


def classify(exc: ServiceException) -> str:
    """What a failed call means for the person."""
    if alexa_api.is_timeout(exc):
        return "timeout"
    status = getattr(exc, "status_code", None)
    return {400: "bad_request", 401: "permission", 403: "forbidden", 404: "not_found",
            429: "busy"}.get(status, "unavailable")


def _error(exc: ServiceException) -> ReminderError:
    body_ = getattr(exc, "body", None)
    detail = "{} {}".format(getattr(body_, "code", "") or "", getattr(body_, "message", body_) or exc)
    error = ReminderError(classify(exc), getattr(exc, "status_code", None), detail.strip())
    log.warning("Reminders API failed: %s", error)
    return error


# ------------------------------------------------------------------ calls
@dataclass
class Created:
    token: str                 # the alertToken: all that is remembered
    rings: dt.datetime         # first ring, device wall clock (for the confirmation)


def device_zone(settings, device_id: Optional[str]) -> Optional[str]:
    """The device's time zone from the Alexa settings API; None when it cannot be had quickly."""
    if settings is None or not device_id:
        return None
    try:
        with alexa_api.time_budget(ZONE_BUDGET):
            zone = settings.get_system_time_zone(device_id)
    except Exception as exc:  # optional: any failure leaves the device's own zone in charge
        log.warning("device time zone unavailable (%s): the device's own zone applies",
                    getattr(exc, "status_code", type(exc).__name__))
        return None
    return zone if isinstance(zone, str) and zone else None


def create(service, settings, device_id: Optional[str], ask: Ask, locale: str, text: str,
           previous: Optional[str] = None, utc_now: Optional[dt.datetime] = None) -> Created:
    """Replace ``previous`` (this kind's reminder, if any) with a new one. Raises ReminderError."""
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            zone = device_zone(settings, device_id)
            now = local_now(utc_now or dt.datetime.now(dt.timezone.utc), zone)
            if previous:
                _delete_quietly(service, previous)
            response = service.create_reminder(body(ask, now, zone, locale, text))
    except ServiceException as exc:
        raise _error(exc) from exc
    token = getattr(response, "alert_token", None)
    if not token:
        raise ReminderError("unavailable", 200, "no alertToken in the answer")
    log.info("%s reminder created", ask.kind)
    return Created(token, first_ring(ask, now))


def delete(service, tokens) -> int:
    """Delete this skill's reminders by id (already gone counts as deleted). Raises ReminderError."""
    try:
        with alexa_api.time_budget(CREATE_BUDGET):
            for token in tokens:
                _delete_quietly(service, token)
    except ServiceException as exc:
        raise _error(exc) from exc
    return len(tokens)


def _delete_quietly(service, token: str) -> None:
    try:
        service.delete_reminder(token)
    except ServiceException as exc:
        if exc.status_code != 404:
            raise


# ------------------------------------------------------------------ words
def spoken_time(content, hour: int, minute: int) -> str:
    """ "nine in the morning", "seven thirty in the evening", "noon" (content ``reminders.clock.*``)."""
    if minute == 0 and hour in (0, 12):
        return content.text("reminders.clock." + ("midnight" if hour == 0 else "noon"))
    clock = speech.number_words(hour % 12 or 12)
    if minute:
        clock += " " + ("oh " + speech.number_words(minute) if minute < 10 else speech.number_words(minute))
    part = "morning" if hour < 12 else "afternoon" if hour < 17 else "evening" if hour < 21 else "night"
    return content.text("reminders.clock." + part, time=clock)


def weekday(content, when: dt.datetime) -> str:
    return content.text("reminders.weekdays.{}".format(when.weekday()))
