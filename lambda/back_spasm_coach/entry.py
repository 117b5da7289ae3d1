"""The Lambda entry point, made safe against envelopes the SDK cannot read.

The ASK SDK raises from ``lambda_handler`` itself when an event does not
deserialize (a wrong type in a field, an unknown request type). Alexa would
then play its own error sound with nothing kind said. Here such an event is
logged, and whatever could be read (request type, locale, ids) is sent through
the skill again as a plain fallback request, so every interceptor still runs.
"""
from __future__ import annotations

import logging

log = logging.getLogger(__name__)

_SPEAKABLE = {"LaunchRequest", "IntentRequest"}
EMPTY_RESPONSE = {"version": "1.0", "response": {}}


def _text(value, default):
    return value if isinstance(value, str) and value else default


def _has_request(event) -> bool:
    return (isinstance(event, dict) and isinstance(event.get("request"), dict)
            and isinstance(event["request"].get("type"), str))


def _readable_part(event):
    """A minimal, well-formed fallback envelope from a malformed one (or None)."""
    request = event["request"]
    if request.get("type") not in _SPEAKABLE:
        return None  # e.g. a new event type: no speech may be owed
    import uuid  # (with the platform module it pulls in, 3 ms of cold start) only malformed events need it

    user = {"userId": "unknown"}
    return {
        "version": "1.0",
        "context": {"System": {"application": {"applicationId": "unknown"}, "user": user}},
        "session": {"new": True, "sessionId": "fallback." + str(uuid.uuid4()),
                    "application": {"applicationId": "unknown"}, "attributes": {}, "user": user},
        "request": {
            "type": "IntentRequest",
            "requestId": _text(request.get("requestId"), "fallback." + str(uuid.uuid4())),
            "timestamp": _text(request.get("timestamp"), "1970-01-01T00:00:00Z"),
            "locale": _text(request.get("locale"), "en-US"),
            "intent": {"name": "AMAZON.FallbackIntent", "confirmationStatus": "NONE"},
        },
    }


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
        fallback = _readable_part(event)
        if fallback is None:
            return dict(EMPTY_RESPONSE)
        try:
            return handler(fallback, context)
        except Exception:
            log.exception("the fallback answer failed too")
            return dict(EMPTY_RESPONSE)

    return lambda_handler
