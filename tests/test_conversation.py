"""Built-ins behave as people expect: help, stop, cancel, repeat, yes, no, fallback, home."""
import pytest

from back_spasm_coach.content import load
from lambda_function import lambda_handler
from skill_io import LOCALES, has_closing, reprompt_of, speech_of, text_of
from tools import envelopes


class Conversation:
    def __init__(self, locale="en-US"):
        self.locale, self.session = locale, envelopes.Session()

    def launch(self):
        return self._send(envelopes.launch(self.locale, self.session))

    def say(self, intent, slots=None):
        return self._send(envelopes.intent(intent, slots, locale=self.locale, session=self.session))

    def _send(self, event):
        response = lambda_handler(event, None)
        self.open = self.session.absorb(response)
        return response


def _lines(key, locale="en-US"):
    return load(locale).all_lines(key)


def test_launch_welcomes_and_waits():
    response = Conversation().launch()
    assert any(line in speech_of(response) for line in _lines("conversation.welcome"))
    assert response["response"]["shouldEndSession"] is False


@pytest.mark.parametrize("locale", LOCALES)
def test_help_keeps_the_session_open(locale):
    chat = Conversation(locale)
    chat.launch()
    response = chat.say("AMAZON.HelpIntent")
    assert chat.open and reprompt_of(response)
    assert _lines("conversation.help", locale)[0] in speech_of(response)


@pytest.mark.parametrize("intent", ["AMAZON.StopIntent", "AMAZON.CancelIntent"])
@pytest.mark.parametrize("locale", LOCALES)
def test_stop_and_cancel_end_with_the_closing_advice(intent, locale):
    chat = Conversation(locale)
    chat.launch()
    response = chat.say(intent)
    assert not chat.open
    assert has_closing(speech_of(response), locale)


def _without_short_closing(reprompt, locale="en-US"):
    """A reprompt without its short closing (one of several phrasings, picked each time)."""
    for line in _lines("conversation.closing_on_silence", locale):
        reprompt = reprompt.replace(line, "")
    return reprompt


def test_repeat_says_the_last_thing_again():
    chat = Conversation()
    chat.launch()
    answer = chat.say("PostureIntent")
    again = chat.say("AMAZON.RepeatIntent")
    assert speech_of(again) == speech_of(answer)
    assert _without_short_closing(reprompt_of(again)) == _without_short_closing(reprompt_of(answer))


def test_repeat_with_nothing_said_yet_offers_the_menu():
    response = Conversation().say("AMAZON.RepeatIntent")
    assert speech_of(response).count("haven't said anything") == 1


def test_yes_answers_the_last_offer():
    chat = Conversation()
    chat.say("PainReliefIntent")  # offers heat
    response = chat.say("AMAZON.YesIntent")
    assert _lines("heat_cold.answer")[0] in speech_of(response)


def test_yes_to_the_warning_signs_offer_lists_them():
    chat = Conversation("en-GB")
    chat.launch()
    chat.session.attributes["offer"] = "warning_signs"  # made after a check-in is set (test_reminders)
    response = chat.say("AMAZON.YesIntent")
    assert text_of(response).startswith("Call 999 now")
    assert chat.open


def test_the_professional_help_answer_offers_a_check_in_in_two_weeks():
    chat = Conversation("en-GB")
    response = chat.say("ProfessionalHelpIntent")
    assert chat.open and chat.session.attributes.get("offer") == "check_in"
    assert any(line in speech_of(response) for line in _lines("offers.check_in.question", "en-GB"))


def test_yes_is_not_answered_twice():
    chat = Conversation()
    chat.say("PainReliefIntent")
    chat.say("AMAZON.YesIntent")  # heat answer, which makes its own offer
    chat.session.attributes.pop("offer")
    response = chat.say("AMAZON.YesIntent")
    assert not any(line in speech_of(response) for line in _lines("heat_cold.answer"))
    assert any(line in speech_of(response) for line in _lines("conversation.yes_to_menu"))


def test_yes_or_no_with_nothing_asked_yet_says_so():
    for answer in ("AMAZON.YesIntent", "AMAZON.NoIntent"):
        response = Conversation().say(answer)
        assert any(line in speech_of(response) for line in _lines("conversation.no_question"))


@pytest.mark.parametrize("locale", LOCALES)
def test_no_to_the_welcome_question_is_goodbye_not_i_didnt_ask(locale):
    chat = Conversation(locale)
    chat.launch()
    response = chat.say("AMAZON.NoIntent")
    assert not chat.open and has_closing(speech_of(response), locale)
    assert not any(line in speech_of(response) for line in _lines("conversation.no_question", locale))
    assert any(line in speech_of(response) for line in _lines("conversation.goodbye", locale))


@pytest.mark.parametrize("locale", LOCALES)
def test_sorry_is_said_once_a_session(locale):
    """Launch says sorry; the overview after it does not say it again (a one-shot overview does)."""
    chat = Conversation(locale)
    sorry = _lines("conversation.sympathy", locale)
    launch = speech_of(chat.launch())
    overview = speech_of(chat.say("OverviewIntent"))
    assert sum(line in launch for line in sorry) == 1
    assert not any(line in overview for line in sorry)
    one_shot = speech_of(Conversation(locale).say("OverviewIntent"))
    assert sum(line in one_shot for line in sorry) == 1


def test_yes_to_anything_else_is_not_welcome_back():
    chat = Conversation()
    chat.launch()
    chat.say("WarningSignsIntent")  # offers "more"
    response = chat.say("AMAZON.YesIntent")
    assert chat.open
    assert not any(line in speech_of(response) for line in _lines("conversation.welcome"))
    assert "welcome" not in text_of(response).lower()
    assert any(line in speech_of(response) for line in _lines("offers.more.yes"))


def test_no_declines_and_says_goodbye_with_the_closing_advice():
    chat = Conversation()
    chat.say("RestIntent")
    response = chat.say("AMAZON.NoIntent")
    assert not chat.open and has_closing(speech_of(response), "en-US")


def test_fallback_says_what_it_can_do():
    chat = Conversation()
    chat.launch()
    response = chat.say("AMAZON.FallbackIntent")
    assert chat.open
    assert any(line in speech_of(response) for line in _lines("conversation.fallback"))


def test_navigate_home_returns_to_the_menu():
    chat = Conversation()
    chat.say("HeatColdIntent")
    response = chat.say("AMAZON.NavigateHomeIntent")
    assert chat.open and "offer" not in chat.session.attributes
    assert any(line in speech_of(response) for line in _lines("conversation.menu"))
    assert "welcome" not in text_of(response).lower()


def test_frequent_lines_have_several_phrasings():
    content = load("en-US")
    frequent = ["conversation.welcome", "conversation.sympathy", "conversation.menu",
                "conversation.menu_reprompt", "conversation.goodbye", "conversation.closing",
                "conversation.closing_on_silence", "conversation.fallback", "red_flags.if_emergency",
                "overview.answer", "routine.say_next", "routine.next_reprompt"]
    frequent += [k for k in content.lines if k.startswith("offers.")]  # every offer, its reprompt, its yes
    for key in frequent:
        assert len(set(content.variants(key))) >= 2, key
