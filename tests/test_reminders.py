"""Reminders through the skill's handler, against the Reminders API stand-in over HTTPS.

The bodies follow Amazon's Reminders API reference: SCHEDULED_ABSOLUTE, local
time with no zone suffix and the device's timeZoneId, a daily recurrence rule
for the stretch reminder, one reminder about 14 days out for the check-in, the
text in the request's locale. Permission as for timers; every fault gets a
plain sentence; only the reminder ids are remembered.
"""
from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from zoneinfo import ZoneInfo

import pytest

from back_spasm_coach import reminders as flow
from back_spasm_coach import speech
from back_spasm_coach.content import load
from back_spasm_coach.handlers.reminders import PERMISSION_SCOPE
from back_spasm_coach.speech import to_text
from skill_io import LOCALES
from timers_fixtures import TOKEN, Conversation, api, db_path  # noqa: F401 (fixtures)
from tools import envelopes
from tools.reminders_api import LOCALE_ZONES, mount_on

LOCAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}$")  # no "Z", no offset
#: Words a reminder text must not carry (Amazon shows the text in the Alexa app).
HEALTH_WORDS = re.compile(r"\b(pain|painful|spasms?|numb\w*|hurt\w*|ache\w*|injur\w*|sciatica|"
                          r"bladder|bowel|fever|emergency|medicine|ibuprofen|paracetamol)\b", re.I)


@pytest.fixture
def stand_in(api):  # noqa: F811
    mount_on(api, zone="Europe/London")
    return api


def talk_in(api, db_path, locale="en-US"):  # noqa: F811
    api.reminders.zone = LOCALE_ZONES[locale]
    return Conversation(api, db_path, locale=locale)


@pytest.fixture
def talk(stand_in, db_path):  # noqa: F811
    return talk_in(stand_in, db_path)


def posted(api):
    return [body for method, path, _, body in api.requests
            if method == "POST" and path == "/v1/alerts/reminders"]


def said(talk, key, **values):
    return any(to_text(line) in talk.speech for line in load(talk.locale).all_lines(key, **values))


def stored(db_path):  # noqa: F811
    with sqlite3.connect(db_path) as connection:
        rows = connection.execute("SELECT data FROM attributes").fetchall()
    return [json.loads(row[0]) for row in rows]


def local_now(zone):
    return dt.datetime.now(ZoneInfo(zone)).replace(tzinfo=None)


def next_at(zone, hour, minute):
    """The next hour:minute on the device's wall clock, as it may be just before and after the call."""
    return {flow.stamp(flow.next_time(local_now(zone) + dt.timedelta(seconds=s), hour, minute)) for s in (0, 5)}


# ------------------------------------------------------------------ the bodies, every locale
@pytest.mark.parametrize("locale", LOCALES)
def test_a_daily_stretch_reminder_body(stand_in, db_path, locale):  # noqa: F811
    talk = talk_in(stand_in, db_path, locale)
    zone = LOCALE_ZONES[locale]
    talk.intent("StretchReminderIntent", {"time": "09:00", "part": envelopes.slot(
        "part", "morning", "morning", authority="DAY_PART")})
    (body,) = posted(stand_in)
    trigger = body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE" and trigger["timeZoneId"] == zone
    assert LOCAL.match(trigger["scheduledTime"]) and LOCAL.match(body["requestTime"])
    assert trigger["scheduledTime"] in next_at(zone, 9, 0)
    assert trigger["recurrence"] == {"startDateTime": trigger["scheduledTime"],
                                     "recurrenceRules": ["FREQ=DAILY;BYHOUR=9;BYMINUTE=0;BYSECOND=0;INTERVAL=1;"]}
    text = load(locale).text("reminders.text.stretch")
    assert body["alertInfo"] == {"spokenInfo": {"content": [{"locale": locale, "text": text}]}}
    assert body["pushNotification"] == {"status": "ENABLED"}
    # The time is confirmed in words, and the next offer is the check-in.
    assert "nine in the morning" in talk.speech and not talk.ended
    assert talk.session.attributes["offer"] == "check_in"
    assert len(stand_in.reminders.active()) == 1


@pytest.mark.parametrize("locale", LOCALES)
def test_a_two_week_check_in_body(stand_in, db_path, locale):  # noqa: F811
    talk = talk_in(stand_in, db_path, locale)
    zone = LOCALE_ZONES[locale]
    talk.intent("CheckInReminderIntent")
    (body,) = posted(stand_in)
    trigger = body["trigger"]
    assert set(trigger) == {"type", "scheduledTime", "timeZoneId"}  # one reminder, no recurrence
    assert trigger["type"] == "SCHEDULED_ABSOLUTE" and trigger["timeZoneId"] == zone
    days = {(local_now(zone) + dt.timedelta(days=14, seconds=s)).strftime("%Y-%m-%dT10:00:00.000") for s in (0, 5)}
    assert trigger["scheduledTime"] in days
    (content,) = body["alertInfo"]["spokenInfo"]["content"]
    assert content == {"locale": locale, "text": load(locale).text("reminders.text.check_in")}
    assert load(locale).vars["doctor"] in content["text"] and "easing" in content["text"]
    weekday = dt.datetime.strptime(trigger["scheduledTime"][:10], "%Y-%m-%d").strftime("%A")
    assert weekday + " morning" in talk.speech
    assert talk.session.attributes["offer"] == "warning_signs"  # the signs that should not wait


@pytest.mark.parametrize("locale", LOCALES)
def test_reminder_texts_say_nothing_about_anyones_health(locale):
    content = load(locale)
    stretch = content.text("reminders.text.stretch")
    assert "your back stretches" in stretch
    # The skill's own name, in the words that start it, is the only other mention.
    assert not HEALTH_WORDS.search(stretch.replace("Back Spasm Coach", ""))
    assert not HEALTH_WORDS.search(content.text("reminders.text.check_in").replace("Back Spasm Coach", ""))


@pytest.mark.parametrize("time, part, rule, words", [
    ("07:00", "evening", "BYHOUR=19;BYMINUTE=0", "seven in the evening"),
    ("06:30", None, "BYHOUR=6;BYMINUTE=30", "six thirty in the morning"),
    ("21:05", None, "BYHOUR=21;BYMINUTE=5", "nine oh five at night"),
    ("12:00", None, "BYHOUR=12;BYMINUTE=0", "noon"),
    ("EV", None, "BYHOUR=19;BYMINUTE=0", "seven in the evening"),
    (None, "afternoon", "BYHOUR=14;BYMINUTE=0", "two in the afternoon"),
    (None, None, "BYHOUR=9;BYMINUTE=0", "nine in the morning"),
    ("half nine", None, "BYHOUR=9;BYMINUTE=0", "nine in the morning"),  # unreadable: the default
])
def test_the_time_asked_for_is_the_time_set_and_said(talk, stand_in, time, part, rule, words):
    slots = {}
    if time:
        slots["time"] = time
    if part:
        slots["part"] = envelopes.slot("part", part, part, authority="DAY_PART")
    talk.intent("StretchReminderIntent", slots)
    (body,) = posted(stand_in)
    assert rule + ";" in body["trigger"]["recurrence"]["recurrenceRules"][0]
    assert words in talk.speech


def test_it_rings_every_day_and_the_check_in_once(talk, stand_in):
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    talk.intent("AMAZON.YesIntent")  # and the check-in
    assert len(stand_in.reminders.active()) == 2
    stand_in.advance(24 * 3600)
    (rang,) = stand_in.reminders.rang
    assert rang.said == "Here's your reminder: " + load("en-US").text("reminders.text.stretch")
    stand_in.advance(14 * 24 * 3600)
    texts = [r.text for r in stand_in.reminders.rang]
    assert texts.count(load("en-US").text("reminders.text.check_in")) == 1
    assert texts.count(load("en-US").text("reminders.text.stretch")) == 15
    assert len(stand_in.reminders.active()) == 1  # the check-in is done; the daily one goes on


# ------------------------------------------------------------------ remembered, replaced, stopped
def test_only_the_reminder_ids_are_remembered(talk, stand_in, db_path):  # noqa: F811
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    talk.intent("AMAZON.YesIntent")
    (attributes,) = stored(db_path)
    tokens = {r.token for r in stand_in.reminders.active()}
    assert attributes == {flow.STORED: {"stretch": attributes[flow.STORED]["stretch"],
                                        "check_in": attributes[flow.STORED]["check_in"]}}
    assert set(attributes[flow.STORED].values()) == tokens


def test_a_new_stretch_reminder_replaces_the_old_one(talk, stand_in):
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    first = {r.token for r in stand_in.reminders.active()}
    talk.new_session()
    talk.intent("StretchReminderIntent", {"time": "18:30"})
    active = stand_in.reminders.active()
    assert len(active) == 1 and active[0].token not in first and active[0].rule == (18, 30)
    assert ("DELETE", "/v1/alerts/reminders/" + first.pop()) in [(m, p) for m, p, _, _ in stand_in.requests]


@pytest.mark.parametrize("kind, left, key", [
    ("stretch", ["check_in"], "reminders.cancelled.stretch"),
    ("check_in", ["stretch"], "reminders.cancelled.check_in"),
    (None, [], "reminders.cancelled.all"),
])
def test_stop_my_stretch_reminder_deletes_it(talk, stand_in, db_path, kind, left, key):  # noqa: F811
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    talk.intent("AMAZON.YesIntent")
    talk.new_session()
    slots = {"reminder": envelopes.slot("reminder", kind, kind, authority="REMINDER_KIND")} if kind else {}
    talk.intent("CancelReminderIntent", slots)
    assert said(talk, key) and talk.ended
    assert sorted(stored(db_path)[0][flow.STORED]) == left
    assert len(stand_in.reminders.active()) == len(left)


def test_stopping_when_there_is_none_says_so_and_calls_nothing(talk, stand_in):
    talk.intent("CancelReminderIntent", {"reminder": envelopes.slot("reminder", "stretch", "stretch",
                                                                     authority="REMINDER_KIND")})
    assert said(talk, "reminders.none") and talk.ended
    assert not [p for _, p, _, _ in stand_in.requests if p.startswith("/v1/alerts/reminders")]


def test_an_already_deleted_reminder_counts_as_stopped(talk, stand_in):
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    stand_in.reminders.reminders.clear()  # deleted in the Alexa app
    talk.new_session()
    talk.intent("CancelReminderIntent")
    assert said(talk, "reminders.cancelled.stretch")


# ------------------------------------------------------------------ offers
def test_the_end_of_a_routine_offers_a_daily_reminder_then_the_check_in(talk, stand_in):
    talk.intent("StartStretchesIntent")
    while talk.session.attributes.get("offer") is None:
        talk.intent("AMAZON.NextIntent")
    assert talk.session.attributes["offer"] == "stretch_reminder"
    assert any(q in talk.speech for q in load("en-US").all_lines("offers.stretch_reminder.question"))
    talk.intent("AMAZON.YesIntent")
    assert posted(stand_in)[-1]["trigger"]["recurrence"]["recurrenceRules"][0].startswith("FREQ=DAILY;BYHOUR=9;")
    assert talk.session.attributes["offer"] == "check_in"
    talk.intent("AMAZON.YesIntent")
    assert "recurrence" not in posted(stand_in)[-1]["trigger"]
    assert len(stand_in.reminders.active()) == 2
    # With both set, the next routine ends with the usual offer.
    talk.intent("StartStretchesIntent")
    while talk.session.attributes.get("offer") is None:
        talk.intent("AMAZON.NextIntent")
    assert talk.session.attributes["offer"] == "more"


def test_the_offer_names_the_time_the_reminder_is_set_for():
    """Amazon: the skill's question must say the time and how often."""
    content = load("en-US")
    time = flow.spoken_time(content, flow.DEFAULT_HOUR, flow.DEFAULT_MINUTE)
    assert all(time in q and "every day" in q for q in content.all_lines("offers.stretch_reminder.question"))


def test_yes_after_the_professional_help_answer_sets_the_check_in(talk, stand_in):
    talk.intent("ProfessionalHelpIntent")
    assert talk.session.attributes["offer"] == "check_in"
    talk.intent("AMAZON.YesIntent")
    assert len(stand_in.reminders.active()) == 1 and said(talk, "offers.warning_signs.question")
    talk.intent("AMAZON.YesIntent")
    assert speech.to_text(load("en-US").vars["emergency_number"]) in talk.speech


# ------------------------------------------------------------------ permission
def answer(talk, status, token, card_thrown=False, code="200"):
    return talk.send(envelopes.connections_response(
        "AskFor", status, token=token, is_card_thrown=card_thrown, code=code, locale=talk.locale,
        session=envelopes.Session(new=True), device=talk.device, scope=PERMISSION_SCOPE))


def _ask_for(response):
    (directive,) = response["response"]["directives"]
    assert directive["type"] == "Connections.SendRequest" and directive["name"] == "AskFor"
    assert directive["payload"] == {"@type": "AskForPermissionsConsentRequest", "@version": "1",
                                    "permissionScope": PERMISSION_SCOPE}
    return directive


@pytest.mark.parametrize("locale", LOCALES)
def test_401_asks_by_voice_and_i_approve_completes_the_remembered_request(stand_in, db_path, locale):  # noqa: F811
    talk = talk_in(stand_in, db_path, locale)
    stand_in.reminders.deny(TOKEN)
    directive = _ask_for(talk.intent("StretchReminderIntent", {"time": "19:30"}))
    assert directive["token"] == "reminders:stretch:1930"
    assert said(talk, "reminders.permission.intro") and "shouldEndSession" not in talk.last["response"]
    assert stand_in.reminders.active() == []
    stand_in.reminders.grant(TOKEN)
    out = answer(talk, "ACCEPTED", directive["token"])
    assert "directives" not in out["response"]  # not asked again
    (active,) = stand_in.reminders.active()
    assert active.rule == (19, 30) and "seven thirty in the evening" in talk.speech


def test_the_check_in_rides_in_the_token_too(talk, stand_in):
    stand_in.reminders.deny(TOKEN)
    directive = _ask_for(talk.intent("CheckInReminderIntent"))
    stand_in.reminders.grant(TOKEN)
    answer(talk, "ACCEPTED", directive["token"])
    (active,) = stand_in.reminders.active()
    assert active.rule is None and said(talk, "offers.warning_signs.question")


@pytest.mark.parametrize("status, card_thrown, key", [
    ("DENIED", False, "reminders.permission.denied"),
    ("NOT_ANSWERED", False, "reminders.permission.not_answered"),
    ("DENIED", True, "reminders.permission.denied"),
])
def test_refusing_gets_a_card_and_a_kind_fallback(talk, stand_in, status, card_thrown, key):
    stand_in.reminders.deny(TOKEN)
    directive = _ask_for(talk.intent("StretchReminderIntent"))
    out = answer(talk, status, directive["token"], card_thrown)
    assert said(talk, key) and talk.ended
    card = out["response"].get("card")
    if card_thrown:
        assert card is None
    else:
        assert card == {"type": "AskForPermissionsConsent", "permissions": [PERMISSION_SCOPE]}
    assert stand_in.reminders.active() == []


def test_still_401_after_approving_does_not_ask_again(talk, stand_in):
    stand_in.reminders.deny(TOKEN)
    directive = _ask_for(talk.intent("StretchReminderIntent"))
    out = answer(talk, "ACCEPTED", directive["token"])  # granted, yet the API still says 401
    assert "directives" not in out["response"] and talk.ended
    assert said(talk, "reminders.errors.permission") and out["response"]["card"]["type"] == "AskForPermissionsConsent"


def test_the_timers_permission_answer_still_goes_to_the_heat_program(talk, stand_in):
    stand_in.deny(TOKEN)
    talk.start()
    (directive,) = talk.last["response"]["directives"]
    stand_in.grant(TOKEN)
    talk.permission_answer("ACCEPTED", directive["token"])
    assert len(stand_in.active()) == 1 and stand_in.reminders.active() == []


# ------------------------------------------------------------------ faults
@pytest.mark.parametrize("status, reason", [
    (400, "bad_request"), (403, "forbidden"), (429, "busy"), (500, "unavailable"),
    (503, "unavailable"), (504, "unavailable"),
])
@pytest.mark.parametrize("locale", LOCALES)
def test_each_fault_gets_a_plain_sentence(stand_in, db_path, locale, status, reason):  # noqa: F811
    for intent, kind in (("StretchReminderIntent", "stretch"), ("CheckInReminderIntent", "check_in")):
        talk = talk_in(stand_in, db_path, locale)
        stand_in.inject(status, method="POST", path_prefix="/v1/alerts/reminders")
        talk.intent(intent)
        assert said(talk, "reminders.errors." + reason) and said(talk, "reminders.errors.fallback." + kind)
        assert talk.ended and stand_in.reminders.active() == []


@pytest.mark.parametrize("locale", LOCALES)
def test_a_hung_api_is_answered_within_the_budget(stand_in, db_path, locale):  # noqa: F811
    talk = talk_in(stand_in, db_path, locale)
    stand_in.inject(hang=True, method="POST", path_prefix="/v1/alerts/reminders")
    talk.intent("StretchReminderIntent")
    assert said(talk, "reminders.errors.timeout") and talk.ended


def test_without_the_time_zone_the_reminder_still_goes_in_in_the_devices_own_zone(talk, stand_in):
    stand_in.inject(hang=True, method="GET", path_prefix="/v2/devices")
    talk.intent("StretchReminderIntent", {"time": "09:00"})
    (body,) = posted(stand_in)
    assert "timeZoneId" not in body["trigger"] and LOCAL.match(body["trigger"]["scheduledTime"])
    assert len(stand_in.reminders.active()) == 1 and "nine in the morning" in talk.speech


@pytest.mark.parametrize("status, reason", [(401, "permission"), (429, "busy"), (500, "unavailable")])
def test_a_failed_stop_says_so_and_keeps_the_id(talk, stand_in, db_path, status, reason):  # noqa: F811
    talk.intent("StretchReminderIntent")
    talk.new_session()
    stand_in.inject(status, method="DELETE")
    talk.intent("CancelReminderIntent")
    assert said(talk, "reminders.errors." + reason) and said(talk, "reminders.errors.cancel_fallback")
    assert "stretch" in stored(db_path)[0][flow.STORED] and len(stand_in.reminders.active()) == 1


def test_no_api_access_at_all_is_a_plain_sentence(db_path):  # noqa: F811
    from lambda_function import lambda_handler
    from skill_io import DEAD_API, text_of
    out = lambda_handler(envelopes.intent("StretchReminderIntent", locale="en-GB",
                                          device=envelopes.Device(api_endpoint=DEAD_API)), None)
    assert "couldn't reach Alexa's reminders" in text_of(out) and out["response"]["shouldEndSession"]


# ------------------------------------------------------------------ the pure parts
def test_tokens_round_trip_and_refuse_anything_else():
    ask = flow.Ask(flow.STRETCH, 7, 5)
    assert flow.Ask.from_token(ask.token()) == ask
    for bad in (None, "", "heat_program:heat:900:1:0", "reminders:nap:0900", "reminders:stretch:2500",
                "reminders:stretch"):
        assert flow.Ask.from_token(bad) is None


def test_next_time_is_today_or_tomorrow():
    now = dt.datetime(2026, 5, 1, 8, 59, 30)
    assert flow.next_time(now, 9, 0) == dt.datetime(2026, 5, 1, 9, 0)
    assert flow.next_time(now, 8, 59) == dt.datetime(2026, 5, 2, 8, 59)
    assert flow.stamp(dt.datetime(2026, 5, 1, 9, 0, 0, 672000)) == "2026-05-01T09:00:00.672"


def test_local_time_falls_back_to_utc_for_an_unknown_zone():
    utc = dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.timezone.utc)
    assert flow.local_now(utc, "Asia/Kolkata") == dt.datetime(2026, 1, 2, 5, 0)
    assert flow.local_now(utc, "Mars/Olympus_Mons") == dt.datetime(2026, 1, 1, 23, 30)
    assert flow.local_now(utc, None) == dt.datetime(2026, 1, 1, 23, 30)
