"""Typed into the simulated speaker: each phrase from issue 2 reaches the right intent and content.

The speaker resolves words against the committed interaction model, sends
real envelopes through the skill's real handler (with an SQLite file in a
temporary folder) and carries the session, so these tests walk the same path
as ``make run``.
"""
import os
import subprocess
import sys
import wave

import pytest

from back_spasm_coach import content, speech
from back_spasm_coach.persistence import SQLitePersistenceAdapter
from back_spasm_coach.skill import build_skill_builder
from tools import envelopes, voice
from tools.speaker import DIRECTIVE_RENDERERS, Speaker, directive_renderer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOCALES = content.SUPPORTED_LOCALES
EMERGENCY_NUMBERS = {"en-US": "911", "en-CA": "911", "en-GB": "999", "en-AU": "000", "en-IN": "112"}


@pytest.fixture(scope="module")
def handler(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("speaker") / "attributes.sqlite3")
    return build_skill_builder(persistence_adapter=SQLitePersistenceAdapter(path)).lambda_handler()


@pytest.fixture
def speaker(handler):
    return Speaker(locale="en-US", handler=handler)


def spoken(locale, key, **values):
    """Every phrasing of a content line, as the speaker shows it."""
    return [speech.to_text(line, show_pauses=True)
            for line in content.load(locale).all_lines(key, **values)]


def says(text, locale, key):
    return any(line in text for line in spoken(locale, key))


def starts_with(text, locale, key):
    return any(text.startswith(line) for line in spoken(locale, key))


# --- the used-by phrases of issue 2 ------------------------------------------------

def test_what_helps_a_back_spasm_gives_the_overview_and_the_choose_offer(speaker):
    exchange = speaker.hear("Alexa, ask back spasm coach what helps a back spasm")
    assert exchange.intent == "OverviewIntent"
    assert exchange.request["session"]["new"] is True
    assert starts_with(exchange.text, "en-US", "conversation.sympathy")  # a one-shot: sorry first
    assert says(exchange.text, "en-US", "overview.answer")
    assert exchange.text.endswith(tuple(spoken("en-US", "offers.choose.question")))
    assert exchange.reprompt.startswith(tuple(spoken("en-US", "offers.choose.reprompt")))
    assert not exchange.ended and speaker.session_open


def test_open_welcomes_and_waits(speaker):
    exchange = speaker.hear("Alexa, open back spasm coach")
    assert exchange.request_type == "LaunchRequest"
    assert exchange.intent == "LaunchRequest"
    assert starts_with(exchange.text, "en-US", "conversation.welcome")
    assert says(exchange.text, "en-US", "conversation.sympathy")
    assert exchange.text.endswith(tuple(spoken("en-US", "conversation.menu")))
    assert any(exchange.reprompt.startswith(line) for line in spoken("en-US", "conversation.menu_reprompt"))
    assert not exchange.ended and speaker.session_open


STRATEGY_PHRASES = {
    ("RestIntent", "rest"): [
        "should I rest", "should I stay in bed", "is bed rest good for my back spasm",
        "is it ok to keep moving", "should I rest or keep moving"],
    ("HeatColdIntent", "heat_cold"): [
        "should I use heat or ice", "heat or ice", "how do I use a heating pad",
        "tell me about heat and cold", "does ice help", "should I use a hot water bottle"],
    ("ExerciseAdviceIntent", "exercise"): [
        "should I stretch", "does stretching help", "is exercise safe for a back spasm",
        "tell me about stretching and strengthening", "can I exercise with my back spasm"],
    ("PainReliefIntent", "pain_relief"): [
        "what painkillers can I take", "can I take ibuprofen", "should I take paracetamol",
        "what can I take for the pain", "tell me about pain relief"],
    ("PostureIntent", "posture"): [
        "how should I sit", "what is the best sleeping position", "tell me about posture",
        "how do I lift safely", "how should I sleep"],
    ("ProfessionalHelpIntent", "professional_help"): [
        "should I see a doctor", "when should I see a physio", "do I need a physical therapist",
        "what if it doesn't get better", "when should I get medical help"],
}
STRATEGY_CASES = [(intent, topic, phrase) for (intent, topic), phrases in STRATEGY_PHRASES.items()
                  for phrase in phrases]


@pytest.mark.parametrize("intent, topic, phrase", STRATEGY_CASES)
def test_each_strategy_one_shot(speaker, intent, topic, phrase):
    exchange = speaker.hear("Alexa, ask back spasm coach " + phrase)
    assert exchange.intent == intent
    assert says(exchange.text, "en-US", topic + ".answer")
    assert exchange.reprompt and not exchange.ended


@pytest.mark.parametrize("intent, topic, phrase", STRATEGY_CASES[::2])
def test_each_strategy_inside_a_conversation(speaker, intent, topic, phrase):
    speaker.hear("open back spasm coach")
    session_id = speaker.session.session_id
    exchange = speaker.hear(phrase)
    assert exchange.intent == intent
    assert exchange.request["session"]["sessionId"] == session_id
    assert exchange.request["session"]["new"] is False
    assert says(exchange.text, "en-US", topic + ".answer")


RED_FLAGS = [
    ("I can't control my bladder", "bladder_bowel", "emergency"),
    ("my legs are numb", "both_legs", "emergency"),
    ("numbness in my groin", "saddle_numbness", "emergency"),
    ("fever with back pain", "fever", "urgent"),
    ("I fell and hurt my back", "fall_injury", "emergency"),
]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("phrase, symptom, tier", RED_FLAGS)
def test_red_flag_leads_with_the_locale_s_action(handler, locale, phrase, symptom, tier):
    speaker = Speaker(locale=locale, handler=handler)
    exchange = speaker.hear("ask back spasm coach " + phrase)
    # Whichever intent Alexa picks (a symptom value, or free words triage reads), the answer is the same.
    action = "red_flags.emergency_action" if tier == "emergency" else "red_flags.urgent_action"
    assert starts_with(exchange.text, locale, action)
    if tier == "emergency":
        assert exchange.text.startswith("Please call " + EMERGENCY_NUMBERS[locale])
    else:
        assert EMERGENCY_NUMBERS[locale] in exchange.text  # the escalation line
    assert says(exchange.text, locale, "red_flags.reason." + symptom)
    # An emergency ends on its own closing; urgent care on one that says not to wait.
    closing = "conversation.closing_emergency" if tier == "emergency" else "conversation.closing_urgent"
    assert exchange.ended and exchange.text.endswith(tuple(spoken(locale, closing)))


@pytest.mark.parametrize("phrase, symptom, tier", RED_FLAGS)
def test_red_flag_mid_conversation(speaker, phrase, symptom, tier):
    speaker.hear("open back spasm coach")
    speaker.hear("tell me about heat")
    exchange = speaker.hear(phrase)
    assert exchange.text.startswith("Please")
    assert says(exchange.text, "en-US", "red_flags.reason." + symptom)
    assert exchange.ended and not speaker.session_open


def test_help_keeps_the_session_open(speaker):
    speaker.hear("open back spasm coach")
    exchange = speaker.hear("help")
    assert exchange.intent == "AMAZON.HelpIntent"
    assert says(exchange.text, "en-US", "conversation.help")
    assert exchange.reprompt and not exchange.ended and speaker.session_open


@pytest.mark.parametrize("words, intent", [("stop", "AMAZON.StopIntent"),
                                           ("cancel", "AMAZON.CancelIntent"),
                                           ("Alexa, stop.", "AMAZON.StopIntent")])
def test_stop_ends_with_closing_advice(speaker, words, intent):
    speaker.hear("open back spasm coach")
    exchange = speaker.hear(words)
    assert exchange.intent == intent
    assert starts_with(exchange.text, "en-US", "conversation.goodbye")
    assert says(exchange.text, "en-US", "conversation.closing")
    assert exchange.ended and not speaker.session_open
    assert "(session ended)" in "\n".join(exchange.lines())


def test_repeat_says_the_last_thing_again(speaker):
    speaker.hear("open back spasm coach")
    before = speaker.hear("tell me about posture")
    again = speaker.hear("say that again")
    assert again.intent == "AMAZON.RepeatIntent"
    assert again.text == before.text
    assert _without_closing(again.reprompt) == _without_closing(before.reprompt)


def _without_closing(reprompt):
    """A reprompt without its short closing (one of several phrasings, picked each time)."""
    for line in spoken("en-US", "conversation.closing_on_silence"):
        reprompt = reprompt.replace(line, "")
    return reprompt.strip()


def test_yes_answers_the_last_offer(speaker):
    speaker.hear("open back spasm coach")
    relief = speaker.hear("what painkillers can I take")
    assert relief.text.endswith(tuple(spoken("en-US", "offers.heat.question")))
    exchange = speaker.hear("yes please")
    assert exchange.intent == "AMAZON.YesIntent"
    assert says(exchange.text, "en-US", "heat_cold.answer")


def test_yes_after_the_overview_names_the_choices(speaker):
    speaker.hear("ask back spasm coach what helps")
    exchange = speaker.hear("sure")
    assert exchange.text in spoken("en-US", "offers.choose.yes")


def test_no_declines_the_last_offer(speaker):
    speaker.hear("open back spasm coach")
    speaker.hear("should I see a doctor")
    exchange = speaker.hear("no thanks")
    assert exchange.intent == "AMAZON.NoIntent"
    assert starts_with(exchange.text, "en-US", "conversation.goodbye")
    assert says(exchange.text, "en-US", "conversation.closing")
    assert exchange.ended


def test_fallback_says_what_it_can_do(speaker):
    speaker.hear("open back spasm coach")
    exchange = speaker.hear("purple monkey dishwasher")
    assert exchange.intent == "AMAZON.FallbackIntent"
    assert starts_with(exchange.text, "en-US", "conversation.fallback")
    assert says(exchange.text, "en-US", "red_flags.if_emergency") and "call 911 now" in exchange.text
    assert exchange.text.endswith(tuple(spoken("en-US", "conversation.menu")))
    assert speaker.session_open


def test_one_shot_tries_the_words_with_their_connector(speaker):
    exchange = speaker.hear("ask back spasm coach whether I should rest")
    assert exchange.intent == "RestIntent"


# --- sessions as Alexa routes them ------------------------------------------------

class CountingHandler:
    def __init__(self, handler):
        self.handler, self.calls = handler, 0

    def __call__(self, event, context):
        self.calls += 1
        return self.handler(event, context)


def test_words_that_name_no_skill_are_asked_about_first_then_sent_in_a_new_session(handler):
    counting = CountingHandler(handler)
    speaker = Speaker(handler=counting)
    exchange = speaker.hear("what helps a back spasm")
    # Alexa's name-free question first, then the intent itself in a new session.
    assert exchange.probe.request["request"]["type"] == "CanFulfillIntentRequest"
    assert exchange.probe.verdict == "YES" and counting.calls == 2
    assert exchange.routed and exchange.intent == "OverviewIntent"
    assert exchange.request["session"]["new"] is True
    assert says(exchange.text, "en-US", "overview.answer")

    speaker.hear("stop")
    after = speaker.hear("how much time is left")  # not for name-free use: Alexa answers
    assert after.probe.verdict == "NO" and not after.routed
    assert after.note == "(Alexa) Sorry, I don't know that one."
    # A free question the model takes (QuestionIntent), but whose words are none of ours: NO.
    calls = counting.calls
    nothing = speaker.hear("what is the capital of peru")
    assert nothing.probe.verdict == "NO" and not nothing.routed and counting.calls == calls + 1
    # An invocation still reaches the skill directly, in a new session.
    again = speaker.hear("ask back spasm coach about heat")
    assert again.routed and again.intent == "HeatColdIntent" and again.probe is None
    assert again.request["session"]["new"] is True and counting.calls == calls + 2


def test_session_attributes_are_carried_between_turns(speaker):
    speaker.hear("open back spasm coach")
    first_id = speaker.session.session_id
    speaker.hear("tell me about pain relief")
    assert speaker.session.attributes.get("offer") == "heat"
    exchange = speaker.hear("yes")
    assert exchange.request["session"]["attributes"]["offer"] == "heat"
    assert exchange.request["session"]["sessionId"] == first_id


def test_the_device_is_in_every_request(handler):
    device = envelopes.Device(screen=True, api_endpoint="http://127.0.0.1:9")
    speaker = Speaker(locale="en-AU", device=device, handler=handler)
    exchange = speaker.hear("open back spasm coach")
    system = exchange.request["context"]["System"]
    assert system["apiEndpoint"] == "http://127.0.0.1:9"
    assert "Alexa.Presentation.APL" in system["device"]["supportedInterfaces"]
    assert exchange.request["request"]["locale"] == "en-AU"


# --- extension points: directives, follow-up requests, Alexa's own questions ---------------

def scripted_handler(responses):
    """A handler that answers from a list (to test the speaker's own machinery)."""
    sent = []

    def handle(event, context):
        sent.append(event)
        return responses[len(sent) - 1]
    handle.sent = sent
    return handle


def _response(speech_ssml, end=None, directives=None, reprompt=None):
    body = {"outputSpeech": {"type": "SSML", "ssml": speech_ssml}}
    if end is not None:
        body["shouldEndSession"] = end
    if directives:
        body["directives"] = directives
    if reprompt:
        body["reprompt"] = {"outputSpeech": {"type": "SSML", "ssml": reprompt}}
    return {"version": "1.0", "sessionAttributes": {"step": 1}, "response": body}


ASK_FOR = {"type": "Connections.SendRequest", "name": "AskFor", "token": "t",
           "payload": {"@type": "AskForPermissionsConsentRequest", "@version": "1",
                       "permissionScope": "alexa::alerts:timers:skill:readwrite"}}


def test_directives_show_one_line_each_and_renderers_can_send_follow_ups():
    handle = scripted_handler([
        _response("<speak>Okay.</speak>", directives=[ASK_FOR, {"type": "Some.Other"}]),
        _response("<speak>Thanks, <break time=\"3s\"/> timer set.</speak>", end=False,
                  reprompt="<speak>Anything else?</speak>"),
    ])
    speaker = Speaker(handler=handle)

    def ask_for(speaker, directive):
        speaker.follow_up(lambda s: envelopes.connections_response(
            "AskFor", "ACCEPTED", locale=s.locale, session=envelopes.Session(new=False),
            device=s.device))
        return "[Alexa asks for permission: {}]".format(directive["payload"]["permissionScope"])

    speaker.on_directive["Connections.SendRequest"] = ask_for
    exchange = speaker.hear("open back spasm coach")
    assert exchange.directives == ["[Alexa asks for permission: alexa::alerts:timers:skill:readwrite]",
                                   "[Some.Other]"]
    assert exchange.ended  # no shouldEndSession on a device without a screen
    [follow_up] = exchange.follow_ups
    assert handle.sent[1]["request"]["type"] == "Connections.Response"
    assert follow_up.text == "Thanks, [pause 3s] timer set."
    assert speaker.session_open and speaker.session.attributes == {"step": 1}
    assert exchange.lines() == [
        "alexa> Okay.",
        "       [Alexa asks for permission: alexa::alerts:timers:skill:readwrite]",
        "       [Some.Other]",
        "       (session ended)",
        "alexa> Thanks, [pause 3s] timer set.",
        "       reprompt: Anything else?",
    ]
    assert [e.intent for e in exchange.all()] == ["LaunchRequest", "Connections.Response"]


def test_global_directive_renderers_are_pluggable():
    handle = scripted_handler([_response("<speak>Hi.</speak>", end=False,
                                         directives=[{"type": "Test.Directive", "token": "x"}])])

    @directive_renderer("Test.Directive")
    def _render(speaker, directive):
        return "[test {}]".format(directive["token"])
    try:
        exchange = Speaker(handler=handle).hear("open back spasm coach")
    finally:
        DIRECTIVE_RENDERERS.pop("Test.Directive")
    assert exchange.directives == ["[test x]"]


def test_alexa_can_take_the_next_utterance_itself():
    handle = scripted_handler([_response("<speak>Hi.</speak>", end=False),
                               _response("<speak>Granted.</speak>", end=False)])
    speaker = Speaker(handler=handle)
    speaker.hear("open back spasm coach")
    speaker.intercept_next(lambda s, text: "(Alexa: permission question answered: {})".format(text))
    note = speaker.hear("yes")
    assert not note.routed and note.note.endswith("answered: yes)") and len(handle.sent) == 1
    speaker.intercept_next(lambda s, text: envelopes.connections_response(
        "AskFor", "ACCEPTED", session=s.session, device=s.device))
    exchange = speaker.hear("yes")
    assert exchange.request_type == "Connections.Response" and exchange.text == "Granted."
    # Back to normal afterwards: words go to the skill again.
    assert speaker._intercept is None


# --- the command line ---------------------------------------------------------------

def run_cli(lines, *args, tmp_path):
    env = dict(os.environ, BACK_SPASM_COACH_DB=str(tmp_path / "cli.sqlite3"))
    return subprocess.run([sys.executable, "-m", "tools.speaker", *args], cwd=ROOT, env=env,
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=60)


def test_scripted_run_prints_the_transcript(tmp_path):
    result = run_cli(["# a comment line is skipped", "what helps a back spasm",
                      "open back spasm coach", "", "tell me about heat", "help", "stop",
                      "tell me about heat", "Alexa, ask back spasm coach my legs are numb",
                      "quit", "open back spasm coach"], "--locale", "en-GB", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout.splitlines()
    you = [line for line in out if line.startswith("you> ")]
    assert you == ["you> what helps a back spasm", "you> open back spasm coach",
                   "you> tell me about heat", "you> help", "you> stop",
                   "you> tell me about heat", "you> Alexa, ask back spasm coach my legs are numb",
                   "you> quit"]
    replies = [line[len("alexa> "):] for line in out if line.startswith("alexa> ")]
    assert len(replies) == 7
    assert says(replies[0], "en-GB", "overview.answer")  # name-free: no session was open
    assert starts_with(replies[1], "en-GB", "conversation.welcome")
    assert says(replies[2], "en-GB", "heat_cold.answer")
    assert says(replies[3], "en-GB", "conversation.help")
    assert says(replies[4], "en-GB", "conversation.closing")
    assert says(replies[5], "en-GB", "heat_cold.answer")  # name-free again, after the session ended
    assert replies[6].startswith("Please call 999 now")
    assert out.count("       (session ended)") == 2
    assert any(line.startswith("       reprompt: ") for line in out)


def test_scripted_run_shows_intents_when_verbose(tmp_path):
    result = run_cli(["ask back spasm coach I have a fever"], "--verbose", tmp_path=tmp_path)
    assert "       (RedFlagIntent {'symptom': 'fever'})" in result.stdout.splitlines()
    assert "red flag heard" in result.stderr  # the skill's INFO log, on stderr


def test_voice_without_espeak_notes_it_and_carries_on(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "tools.speaker", "--voice"], cwd=ROOT, input="open back spasm coach\n",
        capture_output=True, text=True, timeout=60,
        env=dict(os.environ, PATH=os.path.dirname(sys.executable),
                 BACK_SPASM_COACH_DB=str(tmp_path / "v.sqlite3")))
    assert result.returncode == 0, result.stderr
    assert "espeak-ng is not installed" in result.stdout
    assert any(line.startswith("alexa> ") for line in result.stdout.splitlines())


# --- voice ----------------------------------------------------------------------------

def test_espeak_ssml_keeps_what_espeak_reads_and_unwraps_the_rest():
    ssml = ('<speak>Hi <amazon:effect name="whispered">there</amazon:effect>. '
            '<break time="3s"/> <prosody rate="90%">slowly</prosody> <audio src="x.mp3"/></speak>')
    assert voice.espeak_ssml(ssml) == ('<speak>Hi  there . <break time="3s"/> '
                                        '<prosody rate="90%">slowly</prosody></speak>')


def _seconds(path):
    with wave.open(path) as w:
        return w.getnframes() / w.getframerate()


@pytest.mark.skipif(not voice.available(), reason="espeak-ng is not installed")
def test_ssml_to_wav_honours_breaks(tmp_path):
    plain = voice.ssml_to_wav("<speak>Breathe in. Breathe out.</speak>", str(tmp_path / "a.wav"))
    paused = voice.ssml_to_wav('<speak>Breathe in. <break time="3s"/> Breathe out.</speak>',
                               str(tmp_path / "b.wav"), locale="en-GB")
    assert _seconds(paused) - _seconds(plain) >= 2.5


def test_plug_ins_add_options_and_set_up_the_speaker():
    from tools import speaker as speaker_module

    class Plugin:
        @staticmethod
        def add_arguments(parser):
            parser.add_argument("--grant-timers", action="store_true")

        @staticmethod
        def setup(speaker, args):
            speaker.device.permissions_granted = args.grant_timers

    args = speaker_module.build_parser([Plugin]).parse_args(["--grant-timers", "--locale", "en-CA"])
    made = speaker_module.make_speaker(args, [Plugin])
    assert made.locale == "en-CA" and made.device.permissions_granted is True
    # Every tools/speaker_*.py module is a plug-in (none is shipped yet: the list may be empty).
    assert all(m.__name__.startswith("tools.speaker_") for m in speaker_module.plugins())
