"""The Lambda entry point, made safe against envelopes the SDK cannot read.

The ASK SDK raises from ``lambda_handler`` itself when an event does not
deserialize (a wrong type in a field, an enum value newer than the SDK, an
unknown request type). Alexa would then play its own error sound with nothing
kind said. Here such an event is logged, and its readable part (the request,
the intent and the words of its slots, the session) is sent through the skill
again, so every interceptor still runs and a red flag is still answered first.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone

log = logging.getLogger(__name__)

_SPEAKABLE = {"LaunchRequest", "IntentRequest"}
EMPTY_RESPONSE = {"version": "1.0", "response": {}}
#: Entity-resolution statuses this SDK knows; an authority with any other is dropped.
_KNOWN_STATUSES = {"ER_SUCCESS_MATCH", "ER_SUCCESS_NO_MATCH", "ER_ERROR_TIMEOUT", "ER_ERROR_EXCEPTION"}
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z")


def _text(value, default):
    return value if isinstance(value, str) and value else default


def _has_request(event) -> bool:
    return (isinstance(event, dict) and isinstance(event.get("request"), dict)
            and isinstance(event["request"].get("type"), str))


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _resolutions(raw) -> dict | None:
    """Entity resolution with only what this SDK can read: known statuses, string ids and names."""
    authorities = []
    for authority in _dict(raw).get("resolutionsPerAuthority") or []:
        code = _dict(_dict(authority).get("status")).get("code")
        if code not in _KNOWN_STATUSES:
            continue
        values = [{"value": {"name": _text(_dict(_dict(v).get("value")).get("name"), ""),
                             "id": _text(_dict(_dict(v).get("value")).get("id"), "")}}
                  for v in authority.get("values") or [] if isinstance(v, dict)]
        authorities.append({"authority": _text(authority.get("authority"), "unknown"),
                            "status": {"code": code}, "values": values})
    return {"resolutionsPerAuthority": authorities} if authorities else None


def _slots(raw) -> dict:
    """Each slot's name and spoken words (and readable resolutions): a person's words are never dropped."""
    slots = {}
    for key, slot in _dict(raw).items():
        slot = _dict(slot)
        name = _text(slot.get("name"), key if isinstance(key, str) else "")
        if not name:
            continue
        entry = {"name": name, "confirmationStatus": "NONE"}
        if isinstance(slot.get("value"), str):
            entry["value"] = slot["value"]
        resolutions = _resolutions(slot.get("resolutions"))
        if resolutions:
            entry["resolutions"] = resolutions
        slots[name] = entry
    return slots


def _is_timestamp(value) -> bool:
    """An ISO 8601 UTC time as Alexa sends it, naming a real moment."""
    if not (isinstance(value, str) and _TIMESTAMP.fullmatch(value)):
        return False
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return False
    return True


def _readable_part(event):
    """A well-formed envelope with everything of a malformed one that matters (or None).

    Alexa adds fields and enum values over time (a viewport shape, a dialog
    state, an entity-resolution status) and the SDK refuses what it does not
    know. What the person said must survive that: the request type, the intent
    and its slots' words (so a red flag is still heard first), the session and
    the Alexa API access are kept; everything else is left behind.
    """
    request = event["request"]
    if request.get("type") not in _SPEAKABLE:
        return None  # e.g. a new event type: no speech may be owed
    import uuid  # (with the platform module it pulls in, 3 ms of cold start) only malformed events need it

    session, system = _dict(event.get("session")), _dict(_dict(event.get("context")).get("System"))
    user = {"userId": _text(_dict(session.get("user")).get("userId") or _dict(system.get("user")).get("userId"),
                            "unknown")}
    application = {"applicationId": _text(_dict(system.get("application")).get("applicationId")
                                          or _dict(session.get("application")).get("applicationId"), "unknown")}
    readable_system = {"application": application, "user": user}
    for field in ("apiEndpoint", "apiAccessToken"):
        if isinstance(system.get(field), str):
            readable_system[field] = system[field]
    device_id = _dict(system.get("device")).get("deviceId")
    if isinstance(device_id, str):
        readable_system["device"] = {"deviceId": device_id, "supportedInterfaces": {}}
    timestamp = request.get("timestamp")
    if not _is_timestamp(timestamp):
        timestamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    readable_request = {
        "type": request["type"],
        "requestId": _text(request.get("requestId"), "fallback." + str(uuid.uuid4())),
        "timestamp": timestamp,
        "locale": _text(request.get("locale"), "en-US"),
    }
    if request["type"] == "IntentRequest":
        intent = _dict(request.get("intent"))
        readable_request["intent"] = {"name": _text(intent.get("name"), "AMAZON.FallbackIntent"),
                                      "confirmationStatus": "NONE", "slots": _slots(intent.get("slots"))}
    return {
        "version": "1.0",
        "context": {"System": readable_system},
        "session": {"new": session.get("new") is not False, "sessionId": _text(session.get("sessionId"),
                                                                            "fallback." + str(uuid.uuid4())),
                    "application": application, "user": user,
                    "attributes": _dict(session.get("attributes"))},
        "request": readable_request,
    }


def _last_resort(event):
    """The plainest fallback answer, when even the readable part could not be answered."""
    return {"version": "1.0", "session": {"new": True, "sessionId": "fallback", "attributes": {},
                                          "application": {"applicationId": "unknown"},
                                          "user": {"userId": "unknown"}},
            "context": {"System": {"application": {"applicationId": "unknown"}, "user": {"userId": "unknown"}}},
            "request": {"type": "IntentRequest", "requestId": "fallback",
                        "timestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "locale": _text(event["request"].get("locale"), "en-US"),
                        "intent": {"name": "AMAZON.FallbackIntent", "confirmationStatus": "NONE"}}}


def safe_lambda_handler(skill_builder):
    """``skill_builder.lambda_handler()``, answering kindly when an event is malformed."""
    handler = skill_builder.lambda_handler()

    def lambda_handler(event, context):
        if not _has_request(event):
            log.error("not an Alexa request envelope: %.200r", event)
            return dict(EMPTY_RESPONSE)
        try:
            return handler(event, context)
        except Exception as error:  # the SDK's own failures, before any handler ran
            log.error("could not handle the request as sent: %s", error, exc_info=True)
        readable = _readable_part(event)
        if readable is None:
            return dict(EMPTY_RESPONSE)
        for attempt in (readable, _last_resort(event)):
            try:
                return handler(attempt, context)
            except Exception:
                log.exception("the readable part could not be answered either")
        return dict(EMPTY_RESPONSE)

    return lambda_handler
