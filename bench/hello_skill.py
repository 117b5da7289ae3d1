"""The yardstick: a minimal ASK SDK hello-world skill, as Amazon's samples write one.

CustomSkillBuilder, a LaunchRequest handler, one intent handler, a catch-all
and an exception handler; its own ``lambda_handler``. ``bench/run.py`` answers
the same kinds of request with it and with Back Spasm Coach, side by side.
"""
from ask_sdk_core.dispatch_components import AbstractExceptionHandler, AbstractRequestHandler
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import is_intent_name, is_request_type


class LaunchRequestHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_request_type("LaunchRequest")(handler_input)

    def handle(self, handler_input):
        speech = "Welcome, you can say Hello or Help. Which would you like to try?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class HelloWorldIntentHandler(AbstractRequestHandler):
    def can_handle(self, handler_input):
        return is_intent_name("HelloWorldIntent")(handler_input)

    def handle(self, handler_input):
        speech = "Hello World! Would you like to hear it again?"
        return handler_input.response_builder.speak(speech).ask("Say yes or no.").response


class CatchAllRequestHandler(AbstractRequestHandler):
    """Any other request: a short answer that keeps the session open, like the samples' fallback."""

    def can_handle(self, handler_input):
        return True

    def handle(self, handler_input):
        if is_request_type("SessionEndedRequest")(handler_input):
            return handler_input.response_builder.response
        speech = "Hmm, I'm not sure. You can say Hello or Help. What would you like to do?"
        return handler_input.response_builder.speak(speech).ask(speech).response


class CatchAllExceptionHandler(AbstractExceptionHandler):
    def can_handle(self, handler_input, exception):
        return True

    def handle(self, handler_input, exception):
        speech = "Sorry, I had trouble doing what you asked. Please try again."
        return handler_input.response_builder.speak(speech).ask(speech).response


sb = CustomSkillBuilder()
sb.add_request_handler(LaunchRequestHandler())
sb.add_request_handler(HelloWorldIntentHandler())
sb.add_request_handler(CatchAllRequestHandler())
sb.add_exception_handler(CatchAllExceptionHandler())

lambda_handler = sb.lambda_handler()
