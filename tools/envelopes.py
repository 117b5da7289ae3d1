"""Real Alexa request envelopes, as Alexa sends them, for tests and the simulated speaker.

Shapes follow the ASK request JSON reference. A ``Device`` says what the
speaker supports (a screen or not) and where its Alexa API lives; a
``Session`` carries attributes between turns exactly as Alexa does.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-000000000000"
USER_ID = "amzn1.ask.account.TESTUSER"
DEVICE_ID = "amzn1.ask.device.TESTDEVICE"


def timestamp(when: datetime | None = None) -> str:
    when = when or datetime.now(timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Device:
    screen: bool = False
    api_endpoint: str = "https://api.amazonalexa.com"
    api_access_token: str = "test-access-token"
    user_id: str = USER_ID
    permissions_granted: bool = False

    def system(self) -> dict:
        interfaces = {}
        if self.screen:
            interfaces["Alexa.Presentation.APL"] = {"runtime": {"maxVersion": "2023.2"}}
        system = {
            "application": {"applicationId": SKILL_ID},
            "user": {"userId": self.user_id},
            "device": {"deviceId": DEVICE_ID, "supportedInterfaces": interfaces},
            "apiEndpoint": self.api_endpoint,
            "apiAccessToken": self.api_access_token,
        }
        if self.permissions_granted:
            system["user"]["permissions"] = {"scopes": {
                "alexa::alerts:timers:skill:readwrite": {"status": "GRANTED"}}}
        return system


@dataclass
class Session:
    """A conversation: new on the first turn, attributes carried after that."""
    session_id: str = field(default_factory=lambda: "amzn1.echo-api.session." + str(uuid.uuid4()))
    attributes: dict = field(default_factory=dict)
    new: bool = True

    def envelope_part(self, device: Device) -> dict:
        return {
            "new": self.new,
            "sessionId": self.session_id,
            "application": {"applicationId": SKILL_ID},
            "attributes": dict(self.attributes),
            "user": {"userId": device.user_id},
        }

    def absorb(self, response_envelope: dict) -> bool:
        """Take the attributes a response returned; False when the session ended."""
        self.new = False
        self.attributes = dict(response_envelope.get("sessionAttributes") or {})
        ended = (response_envelope.get("response") or {}).get("shouldEndSession")
        return ended is not True


def slot(name: str, value: str | None = None, resolved_id: str | None = None,
         resolved_name: str | None = None, authority: str = "RED_FLAG_SYMPTOM") -> dict:
    """One slot, with entity resolution as Alexa fills it for custom types."""
    entry = {"name": name, "confirmationStatus": "NONE"}
    if value is not None:
        entry["value"] = value
        code = "ER_SUCCESS_MATCH" if resolved_id else "ER_SUCCESS_NO_MATCH"
        resolution = {
            "authority": "amzn1.er-authority.echo-sdk.{}.{}".format(SKILL_ID, authority),
            "status": {"code": code},
        }
        if resolved_id:
            resolution["values"] = [{"value": {"name": resolved_name or value, "id": resolved_id}}]
        entry["resolutions"] = {"resolutionsPerAuthority": [resolution]}
    return entry


def _envelope(request: dict, locale: str, session: Session | None, device: Device | None) -> dict:
    device = device or Device()
    request.setdefault("requestId", "amzn1.echo-api.request." + str(uuid.uuid4()))
    request.setdefault("timestamp", timestamp())
    request.setdefault("locale", locale)
    envelope = {
        "version": "1.0",
        "context": {"System": device.system()},
        "request": request,
    }
    if session is not None:
        envelope["session"] = session.envelope_part(device)
    return envelope


def launch(locale: str = "en-US", session: Session | None = None, device: Device | None = None) -> dict:
    return _envelope({"type": "LaunchRequest"}, locale, session or Session(), device)


def intent(name: str, slots: dict | None = None, locale: str = "en-US",
           session: Session | None = None, device: Device | None = None) -> dict:
    """An IntentRequest; ``slots`` maps slot name -> slot dict (see ``slot``) or plain value."""
    slot_dicts = {}
    for slot_name, value in (slots or {}).items():
        slot_dicts[slot_name] = value if isinstance(value, dict) else slot(slot_name, value)
    request = {"type": "IntentRequest", "dialogState": "COMPLETED",
               "intent": {"name": name, "confirmationStatus": "NONE", "slots": slot_dicts}}
    return _envelope(request, locale, session or Session(), device)


def session_ended(reason: str = "USER_INITIATED", error: dict | None = None, locale: str = "en-US",
                  session: Session | None = None, device: Device | None = None) -> dict:
    request = {"type": "SessionEndedRequest", "reason": reason}
    if error is not None:
        request["error"] = error
    return _envelope(request, locale, session or Session(new=False), device)


def connections_response(name: str, status: str, token: str = "", is_card_thrown: bool = False,
                         code: str = "200", locale: str = "en-US",
                         session: Session | None = None, device: Device | None = None,
                         scope: str = "alexa::alerts:timers:skill:readwrite") -> dict:
    """What Alexa sends back after a Connections.SendRequest (e.g. AskFor permission)."""
    request = {"type": "Connections.Response", "name": name, "token": token,
               "status": {"code": code, "message": "OK"},
               "payload": {"status": status, "isCardThrown": is_card_thrown,
                           "permissionScope": scope}}
    return _envelope(request, locale, session or Session(new=False), device)


def can_fulfill_intent(name: str, slots: dict | None = None, locale: str = "en-US",
                       device: Device | None = None, user: bool = True) -> dict:
    """Alexa's name-free question: as Amazon's example, no session, and slots with values only
    (``slots``: slot name -> value). ``user=False`` leaves out the user id too."""
    request = {"type": "CanFulfillIntentRequest",
               "intent": {"name": name, "slots": {slot_name: {"name": slot_name, "value": value}
                                                  for slot_name, value in (slots or {}).items()}}}
    envelope = _envelope(request, locale, None, device)
    if not user:
        envelope["context"]["System"].pop("user", None)
    return envelope
