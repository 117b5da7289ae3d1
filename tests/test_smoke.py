"""The entry point answers a launch: the smallest proof the skill is wired."""
from lambda_function import lambda_handler
from tools import envelopes


def test_launch_answers_and_waits():
    response = lambda_handler(envelopes.launch(), None)["response"]
    assert response["shouldEndSession"] is False
    assert "Back Spasm Coach" in response["outputSpeech"]["ssml"]
