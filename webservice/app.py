"""The skill as an HTTPS web service: Flask + flask-ask-sdk's ``SkillAdapter``.

``create_app()`` is the factory (gunicorn: ``webservice.app:create_app()``; ``make serve``).
The adapter's own verifiers (ask-sdk-webservice-support) are switched off through its
app config and ours from ``webservice.verify`` are passed in its ``verifiers`` argument;
the adapter turns their ``VerificationException`` into HTTP 400 before dispatching.

Environment:
- ``SKILL_ID``: when set, requests for any other application id get 400.
- ``ASK_SDK_VERIFY_SIGNATURE=false`` / ``ASK_SDK_VERIFY_TIMESTAMP=false``: switch a check
  off, for local clients only; the server then says so loudly in its log.
- ``SSL_CERT_FILE``: the CA bundle Amazon's chain is validated against (default: the
  system's, else certifi's).
"""
from __future__ import annotations

import json
import logging
import os

from . import SKILL_PATH  # noqa: F401  (puts lambda/ on sys.path)

from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_model import RequestEnvelope
from flask import Flask, Response, request
from flask_ask_sdk.skill_adapter import (
    VERIFY_SIGNATURE_APP_CONFIG, VERIFY_TIMESTAMP_APP_CONFIG, SkillAdapter)
from werkzeug.exceptions import HTTPException

from .body import MAX_JSON_DEPTH, BodyError, nesting_depth, read_body
from .verify import SignatureVerifier, SkillIdVerifier, TimestampVerifier

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 256 * 1024  # Alexa requests are a few KiB
_FALSE = {"false", "0", "no", "off"}
_TRUE = {"true", "1", "yes", "on", ""}


def env_flag(name: str, environ=os.environ) -> bool:
    """True unless the variable says false explicitly; a value we cannot read is an error."""
    value = environ.get(name, "").strip().lower()
    if value in _FALSE:
        return False
    if value in _TRUE:
        return True
    raise ValueError("{}={!r}: use true or false".format(name, environ.get(name)))


class _OneLineFailures(logging.Filter):
    """flask-ask-sdk logs each refused request with a traceback; one line with the reason is enough."""

    def filter(self, record):
        if record.exc_info and record.msg == "Request verification failed":
            record.msg, record.args = "Request verification failed: %s", (record.exc_info[1],)
            record.exc_info, record.exc_text = None, None
        return True


def _plain(message: str, status: int, headers=None) -> Response:
    response = Response(message + "\n", status=status, mimetype="text/plain")
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def create_app(skill=None, *, trust_roots=None, fetch=None, environ=None) -> Flask:
    """The Flask app serving the skill on POST /.

    Tests pass their own skill, trust roots (their own CA) and chain fetcher; by
    default the skill is the Lambda one and the roots are the system's.
    """
    environ = os.environ if environ is None else environ
    if skill is None:
        from back_spasm_coach.skill import build_skill

        skill = build_skill()
    app = Flask(__name__)
    app.logger.addFilter(_OneLineFailures())
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    # The adapter's built-in verifiers (SHA-1 era in this release) stay off; ours replace them.
    app.config[VERIFY_SIGNATURE_APP_CONFIG] = False
    app.config[VERIFY_TIMESTAMP_APP_CONFIG] = False

    # The cheap checks run first: a stale request, or one for another skill, is refused
    # before the signature check could make us fetch a certificate chain.
    verifiers = []
    if env_flag("ASK_SDK_VERIFY_TIMESTAMP", environ):
        verifiers.append(TimestampVerifier())
    else:
        log.warning("!!! ASK_SDK_VERIFY_TIMESTAMP=false: request TIMESTAMPS ARE NOT CHECKED; "
                    "old requests can be replayed. For local clients only. !!!")
    skill_id = environ.get("SKILL_ID", "").strip()
    if skill_id:
        verifiers.append(SkillIdVerifier(skill_id))
    else:
        log.warning("SKILL_ID is not set: requests for any skill id are accepted")
    if env_flag("ASK_SDK_VERIFY_SIGNATURE", environ):
        verifiers.append(SignatureVerifier(trust_roots, fetch=fetch))
    else:
        log.warning("!!! ASK_SDK_VERIFY_SIGNATURE=false: request SIGNATURES ARE NOT CHECKED. "
                    "Anyone can call this skill. Never expose this server to the internet. !!!")

    adapter = SkillAdapter(skill=skill, skill_id=skill_id or "back-spasm-coach", verifiers=verifiers, app=app)

    @app.post("/")
    def alexa():
        # flask-ask-sdk deserializes before it verifies and answers 500 to a body it cannot
        # read; a stranger's malformed request is a 4xx, so the body is checked first.
        if request.mimetype != "application/json":
            return _plain("Content-Type must be application/json.", 415)
        try:
            body = read_body(request)
        except BodyError as error:
            log.info("request body refused: %s", error)
            return _plain(error.message, error.status, {"Connection": "close"})
        try:
            text = body.decode("utf-8")
            document = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested deeper than the interpreter's stack
            return _plain("Body is not JSON.", 400)
        if not isinstance(document, dict) or not isinstance(document.get("request"), dict):
            return _plain("Body is not an Alexa request envelope.", 400)
        if nesting_depth(document) > MAX_JSON_DEPTH:
            return _plain("Body is nested too deeply for an Alexa request envelope.", 400)
        try:
            skill.serializer.deserialize(payload=text, obj_type=RequestEnvelope)
        except AskSdkException:
            return _plain("Body is not an Alexa request envelope.", 400)
        return adapter.dispatch_request()

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        headers = {}
        if error.code == 405:
            headers["Allow"] = "POST"
        return _plain("{} {}: {}".format(error.code, error.name, _short(error)), error.code or 500, headers)

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        log.exception("unexpected error while serving a request")
        return _plain("500 Internal Server Error", 500)

    return app


def _short(error: HTTPException) -> str:
    messages = {
        400: "Bad request.",
        404: "Nothing here; Alexa requests go to POST /.",
        405: "Use POST.",
        413: "Body too large.",
    }
    description = error.description or ""
    if error.code == 400 and "verification" in description:
        return "Request failed verification."
    return messages.get(error.code, error.name + ".")
