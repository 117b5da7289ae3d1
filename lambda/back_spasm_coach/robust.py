"""The ASK SDK skill, able to answer an envelope that has no ``context.System``.

``CustomSkill.invoke`` reads ``context.System`` (the Alexa API token and
endpoint) before any interceptor or handler runs whenever an API client is
configured, so without it even a plain question raised an AttributeError: a
fallback answer on Lambda, an HTTP 500 from the web service. Such a request is
answered as one from a device with no Alexa API access. (Found by fuzzing.)
"""
from __future__ import annotations

import json
import logging

from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_model import Context, RequestEnvelope
from ask_sdk_model.interfaces.system import SystemState

from .prebuilt import Serializer

log = logging.getLogger(__name__)


class RobustSkill(CustomSkill):
    _probe = None  # the skill that answers name-free questions (handlers/name_free.py)

    def __init__(self, skill_configuration):
        super().__init__(skill_configuration)
        self.serializer = Serializer()  # sends prebuilt JSON (the APL document) as it is

    def invoke(self, request_envelope, context):
        if request_envelope.context is None or request_envelope.context.system is None:
            log.warning("request without context.System: answered without Alexa API access")
            request_envelope.context = request_envelope.context or Context()
            request_envelope.context.system = SystemState()
        if getattr(request_envelope.request, "object_type", None) == "CanFulfillIntentRequest":
            # Alexa's name-free question must change nothing: a skill that cannot.
            if self._probe is None:
                from .handlers.name_free import probe_skill
                self._probe = probe_skill(self.skill_id)
            answer = self._probe.invoke(request_envelope, context)
            answer.session_attributes = None  # nothing of the session comes back: it changes nothing
            return answer
        return super().invoke(request_envelope, context)


class RobustSkillBuilder(CustomSkillBuilder):
    """``CustomSkillBuilder`` whose skill (for Lambda, ``create()`` and the web service) is a RobustSkill."""

    def create(self):
        return RobustSkill(skill_configuration=self.skill_configuration)

    def lambda_handler(self):
        """The SDK's Lambda handler, answered by a RobustSkill built once (the SDK builds
        one per request: 35 us each; the web service already shares one across requests)."""
        skill = self.create()

        def wrapper(event, context):
            request_envelope = skill.serializer.deserialize(payload=json.dumps(event), obj_type=RequestEnvelope)
            response_envelope = skill.invoke(request_envelope=request_envelope, context=context)
            return skill.serializer.serialize(response_envelope)
        return wrapper
