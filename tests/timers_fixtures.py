"""Fixtures for the heat program tests: the Timers API stand-in on HTTPS, and a skill wired to it."""
from __future__ import annotations

import pytest

from back_spasm_coach.alexa_api import TimeoutApiClient
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import envelopes
from tools.timers_api import Clock, TimersApi

TOKEN = "test-access-token"


@pytest.fixture
def api():
    """The stand-in with a frozen clock: time moves only when a test advances it."""
    stand_in = TimersApi(Clock(fast=0))
    stand_in.hang_seconds = 5.0
    stand_in.serve(tick_every=0)
    yield stand_in
    stand_in.close()


@pytest.fixture
def db_path(tmp_path):
    return str(tmp_path / "attributes.sqlite3")


def make_client(api, read_timeout=0.5):
    return TimeoutApiClient(connect_timeout=1.0, read_timeout=read_timeout, ca_bundle=api.ca_file)


class Conversation:
    """A person at a speaker: sends real envelopes through the skill's lambda_handler."""

    def __init__(self, api, db_path=None, locale="en-US", read_timeout=0.5, persistence_adapter=None):
        self.api = api
        self.client = make_client(api, read_timeout)
        self.handler = build_skill_builder(
            api_client=self.client,
            persistence_adapter=persistence_adapter or SQLitePersistenceAdapter(db_path)).lambda_handler()
        self.locale = locale
        self.device = envelopes.Device(api_endpoint=api.url, api_access_token=TOKEN)
        self.session = envelopes.Session()
        self.last = None

    def new_session(self):
        self.session = envelopes.Session()

    def send(self, envelope) -> dict:
        out = self.handler(envelope, None)
        self.session.absorb(out)
        self.last = out
        return out

    def intent(self, name, slots=None) -> dict:
        return self.send(envelopes.intent(name, slots, locale=self.locale, session=self.session,
                                          device=self.device))

    def permission_answer(self, status, token, is_card_thrown=False, code="200") -> dict:
        return self.send(envelopes.connections_response(
            "AskFor", status, token=token, is_card_thrown=is_card_thrown, code=code,
            locale=self.locale, session=self.session, device=self.device))

    @property
    def speech(self) -> str:
        from back_spasm_coach.speech import to_text
        speech = (self.last.get("response") or {}).get("outputSpeech") or {}
        return to_text(speech.get("ssml", ""))

    @property
    def ended(self) -> bool:
        return (self.last.get("response") or {}).get("shouldEndSession") is True

    def start(self, slots=None) -> dict:
        """Ask for a program and agree to it."""
        self.intent("StartHeatProgramIntent", slots)
        assert self.last["response"]["shouldEndSession"] is False
        return self.intent("AMAZON.YesIntent")


def kind(value, resolved=None):
    return envelopes.slot("kind", value, resolved_id=resolved, authority="PROGRAM_KIND")


@pytest.fixture
def talk(api, db_path):
    return Conversation(api, db_path)
