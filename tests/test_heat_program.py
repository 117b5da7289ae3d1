"""The heat and cold program, end to end: real envelopes through the skill's lambda_handler,
its real API client over HTTPS to the Timers API stand-in on loopback, a real SQLite file."""
from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest
from ask_sdk_model.services import ServiceException

from back_spasm_coach import alexa_api
from back_spasm_coach.content import load
from timers_fixtures import TOKEN, Conversation, api, db_path, kind, make_client, talk  # noqa: F401
from tools.timers_api import parse_iso_duration

MIN = 60


def created_bodies(api):
    """The skill's create-timer bodies (not the NOTIFY_ONLY timers a test set up), in phase
    order (they are sent all at once, so they arrive in any order)."""
    return sorted((body for method, path, _, body in api.requests
                   if method == "POST" and path == "/v1/alerts/timers"
                   and body["triggeringBehavior"]["operation"]["type"] == "ANNOUNCE"),
                  key=lambda body: parse_iso_duration(body["duration"]))


def durations(api):
    return [parse_iso_duration(b["duration"]) for b in created_bodies(api)]


def texts(api):
    return [b["triggeringBehavior"]["operation"]["textToAnnounce"][0]["text"] for b in created_bodies(api)]


# ------------------------------------------------------------------ request bodies and schedules
def test_request_bodies_follow_the_timers_api(api, db_path):
    talk = Conversation(api, db_path, locale="en-GB")
    talk.start({"kind": kind("heat and cold", "alternate")})
    bodies = created_bodies(api)
    assert [b["duration"] for b in bodies] == ["PT15M", "PT30M", "PT45M", "PT1H"]
    labels = [b["timerLabel"] for b in bodies]
    assert labels == ["Heat 1 of 4", "Cold 2 of 4", "Heat 3 of 4", "Cold 4 of 4"]
    for body in bodies:
        assert body["creationBehavior"] == {"displayExperience": {"visibility": "VISIBLE"}}
        assert body["triggeringBehavior"]["notificationConfig"] == {"playAudible": True}
        operation = body["triggeringBehavior"]["operation"]
        assert operation["type"] == "ANNOUNCE"
        assert [t["locale"] for t in operation["textToAnnounce"]] == ["en-GB"]
        assert "<" not in operation["textToAnnounce"][0]["text"]  # plain text, no SSML
    for _, _, headers, _ in api.requests:
        assert headers["authorization"] == "Bearer " + TOKEN
    said = texts(api)
    assert said[0] == ("Fifteen minutes of heat are up. Take the heat off and put the cold pack on, "
                       "wrapped in a cloth, for fifteen minutes.")
    assert said[-1].endswith("please talk to a GP or physiotherapist.")  # en-GB words, closing advice
    assert talk.ended and "Put the heat" in talk.speech


@pytest.mark.parametrize("slots, phases, note", [
    ({}, [("heat", 15)], None),
    ({"kind": kind("ice", "cold"), "length": "PT10M"}, [("cold", 10)], None),
    ({"kind": kind("heat"), "rounds": "2"}, [("heat", 15), ("rest", 15), ("heat", 15)], None),
    ({"kind": kind("alternating", "alternate"), "length": "PT20M", "rounds": "3"},
     [("heat", 20), ("cold", 20)] * 3, None),
    ({"kind": kind("heat and cold", "alternate"), "length": "PT20M", "rounds": "5"},
     [("heat", 20), ("cold", 20)] * 3, "run past two hours"),
    ({"kind": kind("heat"), "length": "PT45M"}, [("heat", 20)], "not forty five minutes"),
    ({"kind": kind("warm", "heat"), "length": "PT2M"}, [("heat", 5)], "rather than two minutes"),
    ({"kind": kind("heat"), "length": "banana"}, [("heat", 15)], "didn't catch how long"),
])
def test_each_program_shape_makes_its_phase_schedule(talk, api, slots, phases, note):
    talk.intent("StartHeatProgramIntent", slots)
    plan_speech = talk.speech
    if note:
        assert note in plan_speech
    talk.intent("AMAZON.YesIntent")
    ends, boundary = [], 0
    for _, minutes in phases:
        boundary += minutes * MIN
        ends.append(boundary)
    assert durations(api) == ends  # each timer ends at its phase boundary
    assert max(ends) <= 2 * 60 * MIN
    assert [label.split(" ")[0].lower() for label in (b["timerLabel"] for b in created_bodies(api))] == \
        [k for k, _ in phases]


def test_a_program_takes_two_round_trips_whatever_its_size(api, db_path):
    """One list, then every create at once; pause and resume likewise act on all timers at once."""
    api.latency = 0.2  # long enough for calls made together to be waiting together, even on a busy machine
    talk = Conversation(api, db_path, read_timeout=2.0)  # (and a busy machine's slow handshakes)
    talk.start({"kind": kind("heat and cold", "alternate"), "rounds": "5", "length": "PT10M"})
    assert len(api.active()) == 10 and api.peak_in_flight == 10
    for intent in ("AMAZON.PauseIntent", "AMAZON.ResumeIntent"):
        api.peak_in_flight = 0
        talk.intent(intent)
        assert api.peak_in_flight == 10
    calls = [(method, path.count("/")) for method, path, _, _ in api.requests]
    assert calls.count(("GET", 3)) == 3  # one list for each of start, pause and resume


def test_a_whole_program_announces_every_switch_in_order(talk, api):
    talk.start({"kind": kind("heat", "heat"), "rounds": "2"})
    fired = api.advance(15 * MIN) + api.advance(15 * MIN) + api.advance(15 * MIN)
    assert [f.text.split(".")[0] for f in fired] == [
        "Fifteen minutes of heat are up", "Your rest is over", "Fifteen minutes of heat are up"]
    assert "give your skin a rest for fifteen minutes" in fired[0].text
    assert fired[-1].text.endswith("please talk to a doctor or physical therapist.")
    assert api.active() == []


# ------------------------------------------------------------------ a running program
def test_time_left_names_this_phase_and_the_next(talk, api):
    talk.start({"kind": kind("heat and cold", "alternate"), "rounds": "1"})
    talk.new_session()
    api.advance(5.5 * MIN)
    talk.intent("TimeLeftIntent")
    said = talk.speech.lower()
    assert "nine and a half minutes of heat" in said and "fifteen minutes of cold" in said
    assert talk.ended
    api.advance(19.5 * MIN)
    talk.intent("TimeLeftIntent")
    said = talk.speech.lower()
    assert said.startswith("five minutes of cold") or "got five minutes of cold" in said and ("you're done" in said or "last part" in said)
    api.advance(5 * MIN)
    talk.intent("TimeLeftIntent")
    assert "don't have a heat or cold program running" in talk.speech
    assert talk.last["response"]["shouldEndSession"] is False  # offers to start one


def test_pause_resume_and_cancel(talk, api):
    talk.start({"kind": kind("heat and cold", "alternate")})
    api.advance(5 * MIN)
    talk.intent("AMAZON.PauseIntent")
    assert "paused" in talk.speech and "ten minutes of heat" in talk.speech
    assert {t.status for t in api.active()} == {"PAUSED"}
    api.advance(30 * MIN)  # paused: nothing moves, nothing fires
    assert api.fired == []
    talk.intent("TimeLeftIntent")
    assert "paused" in talk.speech and "ten minutes of heat" in talk.speech
    talk.intent("AMAZON.PauseIntent")
    assert "already paused" in talk.speech
    talk.intent("AMAZON.ResumeIntent")
    assert "running again" in talk.speech and "ten minutes of heat" in talk.speech
    assert {t.status for t in api.active()} == {"ON"}
    fired = api.advance(10 * MIN)
    assert len(fired) == 1 and fired[0].label == "Heat 1 of 4"
    talk.intent("CancelProgramIntent")
    assert "cancelled" in talk.speech and talk.ended
    assert api.active() == []
    talk.intent("CancelProgramIntent")
    assert "don't have a heat or cold program" in talk.speech


def test_plain_stop_still_just_ends_the_session(talk, api):
    talk.start()
    talk.intent("AMAZON.StopIntent")
    assert talk.ended
    assert len(api.active()) == 1  # the heat timer keeps running


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
def test_one_yes_to_an_offer_that_names_the_timer_sets_it(api, db_path, locale):
    """"Shall I set a heat timer for fifteen minutes?" is explicit agreement: one yes, one timer.
    (The stand-in grants the timers permission here, as after "I approve".)"""
    talk = Conversation(api, db_path, locale=locale)
    talk.intent("HeatColdIntent")
    assert talk.session.attributes.get("offer") == "heat_timer"
    assert "heat" in talk.speech.split(". ")[-1] and "fifteen minutes" in talk.speech.split(". ")[-1]
    assert api.active() == []  # nothing starts before the yes
    talk.intent("AMAZON.YesIntent")
    assert durations(api) == [15 * MIN]
    assert talk.ended and "take it off" in talk.speech
    assert "each time" not in talk.speech and "to change" not in talk.speech  # one session, not a switch


def test_the_heat_offer_names_the_length_the_person_chose_before(api, db_path):
    talk = Conversation(api, db_path)
    talk.start({"kind": kind("heat"), "length": "PT20M"})  # remembered: twenty minutes of heat
    talk.new_session()
    talk.intent("HeatColdIntent")
    assert "twenty minutes" in talk.speech.split(". ")[-1]
    talk.intent("AMAZON.YesIntent")
    assert durations(api)[-1] == 20 * MIN


def test_a_heat_offer_without_its_plan_says_the_plan_and_asks_once(talk, api):
    talk.intent("HeatColdIntent")
    talk.session.attributes.pop("heat_program_pending")  # the session lost the plan it offered
    talk.intent("AMAZON.YesIntent")
    assert "Here's the plan" in talk.speech and api.active() == []
    talk.intent("AMAZON.YesIntent")
    assert durations(api) == [15 * MIN]


@pytest.mark.parametrize("slots", [{}, {"kind": kind("heat and cold", "alternate")}])
def test_a_program_asked_for_in_words_says_its_plan_once_then_asks(talk, api, slots):
    talk.intent("StartHeatProgramIntent", slots)
    assert talk.speech.count("Here's the plan") == 1 and api.active() == []
    assert any(line in talk.speech for line in load("en-US").all_lines(
        "heat_cold.safety." + ("alternate" if slots else "heat")))
    talk.intent("AMAZON.YesIntent")
    assert api.active()


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
@pytest.mark.parametrize("rounds", ["1", "2"])
def test_the_cold_plan_never_says_medium(api, db_path, locale, rounds):
    """A cold pack has no setting: its safety line, switches and start are its own."""
    talk = Conversation(api, db_path, locale=locale)
    for _ in range(4):  # every phrasing
        talk.intent("StartHeatProgramIntent", {"kind": kind("ice", "cold"), "rounds": rounds})
        assert "cold" in talk.speech and "medium" not in talk.speech.lower()
    talk.intent("AMAZON.YesIntent")
    assert "medium" not in talk.speech.lower()
    assert texts(api) and not any("medium" in text.lower() for text in texts(api))


def test_no_to_the_plan_starts_nothing(talk, api):
    talk.intent("StartHeatProgramIntent", {"kind": kind("ice", "cold")})
    talk.intent("AMAZON.NoIntent")
    assert talk.ended and api.requests == []


def test_a_new_program_replaces_the_last_one(talk, api):
    talk.start({"kind": kind("heat and cold", "alternate")})
    talk.new_session()
    talk.start({"kind": kind("ice", "cold")})
    assert [t.label for t in api.active()] == ["Cold 1 of 1"]


def test_labels_stay_unique_beside_timers_already_set(talk, api):
    _other_timer(api, "Heat 1 of 1")
    talk.start()
    assert created_bodies(api)[-1]["timerLabel"] == "Heat 1 of 1 (2)"


# ------------------------------------------------------------------ the ten-timer limit
def _other_timer(api, label):
    """A timer set some other way (the list shows it; it counts towards ten)."""
    status, _ = api.handle("POST", "/v1/alerts/timers", {"authorization": "Bearer " + TOKEN}, json.dumps({
        "duration": "PT1H", "timerLabel": label,
        "creationBehavior": {"displayExperience": {"visibility": "HIDDEN"}},
        "triggeringBehavior": {"operation": {"type": "NOTIFY_ONLY"},
                               "notificationConfig": {"playAudible": True}}}))
    assert status == 200


def test_timers_already_listed_leave_less_room(talk, api):
    for n in range(8):
        _other_timer(api, "other {}".format(n))
    talk.start({"kind": kind("heat and cold", "alternate")})
    assert "Alexa keeps ten at most" in talk.speech and "first two parts" in talk.speech
    assert durations(api) == [15 * MIN, 30 * MIN]
    assert texts(api)[-1].endswith("doctor or physical therapist.")  # the last one kept says goodbye
    assert len(api.active()) == 10


def test_the_persons_own_timers_count_and_a_full_house_is_said_plainly(talk, api):
    api.personal_timers = 8  # not in the skill's list, but they count towards ten
    talk.start({"kind": kind("heat and cold", "alternate")})
    assert "only keep ten timers" in talk.speech and "set two of the timers" in talk.speech
    assert talk.ended and api.active() == []
    api.personal_timers = 10
    talk.start()
    assert "only keep ten timers" in talk.speech and "set a timer for fifteen" not in talk.speech
    assert api.active() == []


# ------------------------------------------------------------------ permission by voice
def _ask_for(response):
    directives = response["response"].get("directives") or []
    assert len(directives) == 1
    return directives[0]


def test_401_asks_by_voice_and_accepted_starts_the_remembered_program(talk, api):
    api.deny(TOKEN)
    talk.start({"kind": kind("heat and cold", "alternate"), "length": "PT18M"})
    directive = _ask_for(talk.last)
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"] == {"@type": "AskForPermissionsConsentRequest", "@version": "1",
                                    "permissionScope": "alexa::alerts:timers:skill:readwrite"}
    assert talk.last["response"].get("shouldEndSession") is not True
    assert "permission" in talk.speech and api.active() == []
    api.grant(TOKEN)
    talk.new_session()  # Alexa's answer may come in a session that has forgotten everything
    talk.permission_answer("ACCEPTED", directive["token"])
    assert durations(api) == [18 * MIN, 36 * MIN, 54 * MIN, 72 * MIN]
    assert talk.ended and "Shall I" not in talk.speech  # no second question


def test_accepted_without_a_token_uses_the_stored_request(talk, api):
    api.deny(TOKEN)
    talk.start({"kind": kind("ice", "cold"), "length": "PT12M"})
    api.grant(TOKEN)
    talk.new_session()
    talk.permission_answer("ACCEPTED", token="")
    assert durations(api) == [12 * MIN]


@pytest.mark.parametrize("answer, words", [("DENIED", "won't set any timers"),
                                           ("NOT_ANSWERED", "didn't hear an answer")])
@pytest.mark.parametrize("card_thrown", [False, True])
def test_permission_refused_gives_a_fallback_and_a_card(talk, api, answer, words, card_thrown):
    api.deny(TOKEN)
    talk.start()
    token = _ask_for(talk.last)["token"]
    talk.permission_answer(answer, token, is_card_thrown=card_thrown)
    response = talk.last["response"]
    assert words in talk.speech and "set a timer for fifteen minutes" in talk.speech
    assert talk.ended and "doctor" in talk.speech  # closing advice, added on the way out
    card = response.get("card")
    if card_thrown:
        assert card is None
    else:
        assert card == {"type": "AskForPermissionsConsent",
                        "permissions": ["alexa::alerts:timers:skill:readwrite"]}
    assert api.active() == []


def test_still_401_after_accepting_does_not_ask_again(talk, api):
    api.deny(TOKEN)
    talk.start()
    token = _ask_for(talk.last)["token"]
    talk.permission_answer("ACCEPTED", token)
    assert not talk.last["response"].get("directives")
    assert "permission" in talk.speech and talk.ended
    assert talk.last["response"]["card"]["type"] == "AskForPermissionsConsent"


# ------------------------------------------------------------------ faults
@pytest.mark.parametrize("status, body, words", [
    (400, {"code": "MAX_TIMERS_EXCEEDED", "message": "too many"}, "only keep ten timers"),
    (400, {"code": "INVALID_REQUEST", "message": "bad"}, "wouldn't accept those timers"),
    (403, None, "aren't allowed"),
    (404, None, "couldn't find those timers"),
    (429, None, "busy right now"),
    (500, None, "couldn't reach Alexa's timers"),
    (503, None, "couldn't reach Alexa's timers"),
])
def test_each_fault_is_explained(talk, api, status, body, words):
    api.inject(status, method="POST", body=body)
    talk.start()
    assert words in talk.speech and talk.ended
    if status != 400 or body["code"] != "MAX_TIMERS_EXCEEDED":
        assert "set a timer for fifteen minutes" in talk.speech
    assert api.active() == []


def test_a_hung_api_times_out_and_the_person_still_hears_back(talk, api):
    api.inject(hang=True, method="GET")
    talk.start()
    assert "took too long" in talk.speech and talk.ended
    assert api.active() == []


def test_the_client_time_out_is_honoured(api):
    """A call that never answers becomes a time-out ServiceException, not a hang."""
    from ask_sdk_model.services.api_configuration import ApiConfiguration
    from ask_sdk_model.services.timer_management import TimerManagementServiceClient
    from ask_sdk_core.serialize import DefaultSerializer

    api.inject(hang=True)
    service = TimerManagementServiceClient(ApiConfiguration(
        serializer=DefaultSerializer(), api_client=make_client(api, read_timeout=0.3),
        authorization_value=TOKEN, api_endpoint=api.url))
    with pytest.raises(ServiceException) as raised:
        service.get_timers()
    assert alexa_api.is_timeout(raised.value)
    with alexa_api.time_budget(0):  # a spent budget stops a call before it starts
        with pytest.raises(ServiceException) as raised:
            service.get_timers()
    assert alexa_api.is_timeout(raised.value)
    assert len(api.requests) == 1


def test_the_client_refuses_plain_http():
    from ask_sdk_model.services import ApiClientRequest

    with pytest.raises(alexa_api.ApiClientError):
        alexa_api.TimeoutApiClient().invoke(ApiClientRequest(url="http://127.0.0.1:1/v1/alerts/timers",
                                                             method="GET", headers=[]))


def test_half_created_program_is_cleaned_up(talk, api):
    api.inject(500, method="POST", after=2)  # the third create to arrive fails; the others were sent with it
    talk.start({"kind": kind("heat and cold", "alternate")})
    assert "set three of the timers, so I've cancelled them again" in talk.speech
    assert api.active() == []


def test_a_hang_midway_stops_creating_and_cleans_up(talk, api):
    api.inject(hang=True, method="POST", after=1)
    talk.start({"kind": kind("heat and cold", "alternate")})
    assert "took too long" in talk.speech and "cancelled them again" in talk.speech
    assert api.active() == []


def test_when_clean_up_fails_it_says_so_and_cancel_clears_later(talk, api):
    api.inject(500, method="POST", after=2)
    api.inject(500, method="DELETE")
    talk.start({"kind": kind("heat and cold", "alternate")})
    assert "couldn't cancel them" in talk.speech and "cancel the heat timer" in talk.speech
    assert len(api.active()) == 3
    talk.new_session()
    talk.intent("TimeLeftIntent")  # what is left of the program is remembered, whichever part failed
    assert "minutes of" in talk.speech and "don't have" not in talk.speech
    talk.intent("CancelProgramIntent")
    assert "cancelled" in talk.speech and api.active() == []


def test_401_while_checking_time_left_sends_a_card(talk, api):
    talk.start()
    api.deny(TOKEN)
    talk.intent("TimeLeftIntent")
    assert "permission" in talk.speech and talk.last["response"]["card"]["type"] == "AskForPermissionsConsent"


def test_pause_fault_is_explained(talk, api):
    talk.start()
    api.inject(504, method="POST")
    talk.intent("AMAZON.PauseIntent")
    assert "couldn't reach Alexa's timers" in talk.speech and talk.ended


# ------------------------------------------------------------------ remembered lengths
def test_chosen_lengths_are_remembered_across_sessions(api, db_path):
    first = Conversation(api, db_path)
    first.start({"kind": kind("heat", "heat"), "length": "PT18M"})
    first.intent("CancelProgramIntent")
    later = Conversation(api, db_path)  # a new skill instance, the same SQLite file
    later.intent("StartHeatProgramIntent", {"kind": kind("heat", "heat")})
    assert "eighteen minutes of heat" in later.speech
    later.intent("StartHeatProgramIntent", {"kind": kind("ice", "cold")})
    assert "fifteen minutes with a cold pack" in later.speech  # each kind keeps its own
    with sqlite3.connect(db_path) as db:
        stored = json.loads(db.execute("SELECT data FROM attributes").fetchone()[0])
    assert stored["heat_program_lengths"] == {"heat": 18 * MIN}
    assert set(stored) <= {"heat_program", "heat_program_lengths", "heat_program_pending"}


def test_requests_is_imported_only_when_an_api_call_is_made():
    code = ("import sys; sys.path[:0] = ['lambda', '.']; import lambda_function; "
            "print('requests' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=__file__.rsplit("/tests/", 1)[0])
    assert out.stdout.strip() == "False"
