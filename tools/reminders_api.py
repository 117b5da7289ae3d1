"""A local stand-in for the Alexa Reminders REST API, mounted into the Timers API stand-in's server.

Same paths and JSON shapes as ``{apiEndpoint}/v1/alerts/reminders`` (Amazon's
Reminders API reference; ask-sdk-model's ``reminder_management`` models), and
the device time-zone setting the skill reads first:

  POST   /v1/alerts/reminders               create (ReminderRequest -> ReminderResponse)
  GET    /v1/alerts/reminders               list   ({"totalCount", "alerts", "links"})
  GET    /v1/alerts/reminders/{alertToken}  one reminder (404 when unknown)
  PUT    /v1/alerts/reminders/{alertToken}  update
  DELETE /v1/alerts/reminders/{alertToken}  delete (404 when unknown)
  GET    /v2/devices/{deviceId}/settings/System.timeZone   the device's zone, a JSON string

It answers 401 until the reminders permission is granted (``deny`` /
``grant`` a token), and refuses what Amazon documents as wrong with a 400 and
``{"code", "message"}``: a trigger type other than ``SCHEDULED_ABSOLUTE`` /
``SCHEDULED_RELATIVE``; an absolute time with a zone suffix ("Z", "+01:00");
an unknown ``timeZoneId``; a recurrence rule it cannot read; no spoken text
(SSML alone is refused); a one-off time already past. Amazon's error ``code``
strings and its per-skill reminder cap are not in what we could read, so the
codes are this stand-in's own and the cap (``max_reminders``) is off unless a
test sets it.

Time is the Timers stand-in's ``Clock``: virtual seconds from the moment this
stand-in was made, mapped onto the wall clock, so ``--fast`` makes tomorrow
morning's reminder ring within seconds. When one rings, ``on_ring`` callbacks
get what Alexa would say ("Here's your reminder: ..."); a daily one is then
scheduled for the next day, a one-off one is COMPLETED.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PREFIX = "/v1/alerts/reminders"
SETTINGS = re.compile(r"^/v2/devices/[^/]+/settings/System\.timeZone$")
PERMISSION_SCOPE = "alexa::alerts:reminders:skill:readwrite"
_LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,3})?$")  # no zone suffix
_RULE = re.compile(r"^FREQ=(DAILY|WEEKLY)(?:;[A-Z]+=[A-Z0-9,+-]*)*;?$")

#: A zone for each locale's typical device, so a scripted run rings at a believable local time.
LOCALE_ZONES = {"en-US": "America/New_York", "en-CA": "America/Toronto", "en-GB": "Europe/London",
                "en-AU": "Australia/Sydney", "en-IN": "Asia/Kolkata"}


def _error(status: int, code: str, message: str):
    return status, {"code": code, "message": message}


def _parse_local(text: str) -> dt.datetime:
    return dt.datetime.strptime(text.split(".")[0], "%Y-%m-%dT%H:%M:%S")


def _utc_stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Rang:
    token: str
    text: str        # the reminder's text in its locale
    said: str        # what Alexa says: "Here's your reminder: ..."
    at: dt.datetime  # the (virtual) moment, UTC


@dataclass
class Reminder:
    token: str
    body: dict
    zone: str
    created: dt.datetime
    due: Optional[dt.datetime]            # next ring, UTC; None when done
    rule: Optional[tuple] = None          # (hour, minute) of a daily rule
    status: str = "ON"
    rang: list = field(default_factory=list)

    def text(self) -> str:
        content = ((self.body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content") or []
        return " ".join(c.get("text", "") for c in content if isinstance(c, dict))

    def locale(self) -> str:
        content = ((self.body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content") or [{}]
        return content[0].get("locale", "")

    def response(self) -> dict:
        stamp = _utc_stamp(self.created)
        return {"alertToken": self.token, "createdTime": stamp, "updatedTime": stamp,
                "status": self.status, "version": "1", "href": PREFIX + "/" + self.token}

    def full(self) -> dict:
        out = dict(self.response())
        out.pop("href")
        out.update({k: self.body.get(k) for k in ("trigger", "alertInfo", "pushNotification")})
        return out


class RemindersApi:
    """The stand-in's reminders: state, the REST calls, and the ringing."""

    def __init__(self, clock, zone: str = "UTC", max_reminders: Optional[int] = None):
        self.clock = clock
        self.zone = zone
        self.max_reminders = max_reminders
        self.lacking_permission: set = set()
        self.reminders: dict = {}
        self.rang: list = []
        self.on_ring: list = []
        self._lock = threading.RLock()
        self._epoch = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=clock.now())

    # ---------------------------------------------------------------- controls
    def deny(self, token: str) -> None:
        self.lacking_permission.add(token)

    def grant(self, token: str) -> None:
        self.lacking_permission.discard(token)

    def now(self) -> dt.datetime:
        """The stand-in's wall clock (UTC): real time, sped up or moved on by the Clock."""
        return self._epoch + dt.timedelta(seconds=self.clock.now())

    def active(self) -> list:
        with self._lock:
            return [r for r in self.reminders.values() if r.status == "ON"]

    def tick(self) -> list:
        """Ring every reminder that is due; returns what rang."""
        now = self.now()
        rang = []
        with self._lock:
            for reminder in sorted(self.active(), key=lambda r: r.due or now):
                while reminder.due is not None and reminder.due <= now:
                    event = Rang(reminder.token, reminder.text(),
                                 "Here's your reminder: " + reminder.text(), reminder.due)
                    reminder.rang.append(reminder.due)
                    rang.append(event)
                    reminder.due = self._next(reminder, reminder.due)
                    if reminder.due is None:
                        reminder.status = "COMPLETED"
        self.rang.extend(rang)
        for event in rang:
            for callback in list(self.on_ring):
                try:
                    callback(event)
                except Exception:  # a listener's bug must not stop the clock
                    pass
        return rang

    # ---------------------------------------------------------------- the REST API
    def handles(self, path: str) -> bool:
        return path == PREFIX or path.startswith(PREFIX + "/") or bool(SETTINGS.match(path))

    def handle(self, method: str, path: str, token: str, body):
        """One call (the bearer token already present): returns (status, json body or None)."""
        if SETTINGS.match(path):  # no permission needed for the time zone (Amazon: no consent)
            return (200, self.zone) if method == "GET" else _error(405, "METHOD_NOT_ALLOWED", method)
        if token in self.lacking_permission:
            return _error(401, "UNAUTHORIZED", "The user has not granted " + PERMISSION_SCOPE + ".")
        self.tick()
        alert = path[len(PREFIX) + 1:] if path.startswith(PREFIX + "/") else None
        with self._lock:
            if alert is None:
                if method == "POST":
                    return self._save(None, body)
                if method == "GET":
                    alerts = [r.full() for r in self.reminders.values()]
                    return 200, {"totalCount": str(len(alerts)), "alerts": alerts, "links": None}
                return _error(405, "METHOD_NOT_ALLOWED", method)
            reminder = self.reminders.get(alert)
            if reminder is None:
                return _error(404, "NOT_FOUND", "No reminder with this alertToken.")
            if method == "GET":
                return 200, reminder.full()
            if method == "PUT":
                return self._save(alert, body)
            if method == "DELETE":
                del self.reminders[alert]
                return 200, None
            return _error(405, "METHOD_NOT_ALLOWED", method)

    def _save(self, alert: Optional[str], body):
        problem = self._invalid(body)
        if problem:
            return _error(400, *problem)
        if alert is None and self.max_reminders is not None and len(self.active()) >= self.max_reminders:
            return _error(400, "MAX_REMINDERS_EXCEEDED", "Too many reminders for this skill.")
        trigger = body["trigger"]
        zone = trigger.get("timeZoneId") or self.zone
        now = self.now()
        rule = self._daily(trigger)
        if trigger["type"] == "SCHEDULED_RELATIVE":
            due = now + dt.timedelta(seconds=int(trigger["offsetInSeconds"]))
        elif rule is not None:
            start = trigger["recurrence"].get("startDateTime") or trigger["scheduledTime"]
            first = _parse_local(start).replace(tzinfo=ZoneInfo(zone))
            due = self._next_daily(rule, zone, max(first, now) - dt.timedelta(microseconds=1))
        else:
            due = _parse_local(trigger["scheduledTime"]).replace(tzinfo=ZoneInfo(zone))
            if due <= now:
                return _error(400, "INVALID_TRIGGER", "scheduledTime is in the past.")
        token = alert or "amzn1.alert." + str(uuid.uuid4())
        self.reminders[token] = Reminder(token, body, zone, now, due.astimezone(dt.timezone.utc), rule)
        return 200, self.reminders[token].response()

    # ---------------------------------------------------------------- rules
    @staticmethod
    def _invalid(body) -> Optional[tuple]:
        """(code, message) of what is wrong with a ReminderRequest, or None."""
        if not isinstance(body, dict):
            return "INVALID_REQUEST", "Body must be a JSON object."
        if not _LOCAL.match(str(body.get("requestTime") or "")):
            return "INVALID_REQUEST_TIME", "requestTime must be a local date-time with no zone suffix."
        trigger = body.get("trigger")
        if not isinstance(trigger, dict) or trigger.get("type") not in ("SCHEDULED_ABSOLUTE", "SCHEDULED_RELATIVE"):
            return "INVALID_TRIGGER", "trigger.type must be SCHEDULED_ABSOLUTE or SCHEDULED_RELATIVE."
        if trigger["type"] == "SCHEDULED_RELATIVE":
            offset = trigger.get("offsetInSeconds")
            if not isinstance(offset, int) or offset <= 0:
                return "INVALID_TRIGGER", "offsetInSeconds must be a positive whole number."
        elif not _LOCAL.match(str(trigger.get("scheduledTime") or "")):
            return "INVALID_SCHEDULED_TIME", "scheduledTime must be a local date-time with no zone suffix."
        if trigger.get("timeZoneId") is not None:
            try:
                ZoneInfo(str(trigger["timeZoneId"]))
            except (ZoneInfoNotFoundError, ValueError):
                return "INVALID_TIME_ZONE", "Unknown timeZoneId."
        recurrence = trigger.get("recurrence")
        if recurrence is not None:
            rules = recurrence.get("recurrenceRules") if isinstance(recurrence, dict) else None
            if not rules or not all(isinstance(r, str) and _RULE.match(r) for r in rules):
                return "INVALID_RECURRENCE", "recurrenceRules must be RFC 5545 rules (FREQ=DAILY...)."
            for key in ("startDateTime", "endDateTime"):
                if recurrence.get(key) is not None and not _LOCAL.match(str(recurrence[key])):
                    return "INVALID_RECURRENCE", key + " must be a local date-time with no zone suffix."
        content = ((body.get("alertInfo") or {}).get("spokenInfo") or {}).get("content")
        if not isinstance(content, list) or not content:
            return "INVALID_ALERT_INFO", "alertInfo.spokenInfo.content must list spoken text."
        for item in content:
            if not isinstance(item, dict) or not item.get("locale") or not str(item.get("text") or "").strip():
                return "INVALID_ALERT_INFO", "Each spoken content needs a locale and text."
        push = (body.get("pushNotification") or {}).get("status", "ENABLED")
        if push not in ("ENABLED", "DISABLED"):
            return "INVALID_PUSH_NOTIFICATION", "pushNotification.status must be ENABLED or DISABLED."
        return None

    @staticmethod
    def _daily(trigger) -> Optional[tuple]:
        """(hour, minute) of a FREQ=DAILY rule, or None for a one-off reminder."""
        rules = (trigger.get("recurrence") or {}).get("recurrenceRules") or []
        for rule in rules:
            parts = dict(p.split("=", 1) for p in rule.strip(";").split(";") if "=" in p)
            if parts.get("FREQ") == "DAILY":
                return int(parts.get("BYHOUR", 0)), int(parts.get("BYMINUTE", 0))
        return None

    @staticmethod
    def _next_daily(rule: tuple, zone: str, after: dt.datetime) -> dt.datetime:
        local = after.astimezone(ZoneInfo(zone))
        at = local.replace(hour=rule[0], minute=rule[1], second=0, microsecond=0)
        if at <= local:
            at = (local + dt.timedelta(days=1)).replace(hour=rule[0], minute=rule[1], second=0, microsecond=0)
        return at

    def _next(self, reminder: Reminder, rang_at: dt.datetime) -> Optional[dt.datetime]:
        if reminder.rule is None:
            return None
        return self._next_daily(reminder.rule, reminder.zone, rang_at).astimezone(dt.timezone.utc)


def mount_on(timers_api, zone: str = "UTC", max_reminders: Optional[int] = None) -> RemindersApi:
    """A RemindersApi served by a TimersApi's server (same clock, certificate and faults)."""
    reminders = RemindersApi(timers_api.clock, zone=zone, max_reminders=max_reminders)
    timers_api.mount(reminders)
    timers_api.reminders = reminders
    return reminders
