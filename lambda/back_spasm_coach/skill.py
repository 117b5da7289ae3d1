"""Builds the skill: handlers, interceptors, and (when needed) the Alexa API client."""
from __future__ import annotations

import logging

from ask_sdk_core.skill_builder import CustomSkillBuilder

from . import alexa_api, interceptors, persistence, state
from .handlers import exception_handlers, request_handlers, stretches
from .robust import RobustSkillBuilder


def build_skill_builder(api_client=None, persistence_adapter=None) -> CustomSkillBuilder:
    """The skill, ready for ``.lambda_handler()`` or ``.create()``.

    Tests pass their own API client and persistence adapter; by default the
    adapter is chosen from the environment (see ``persistence.default_adapter``).
    Whatever the store, it is read through the state schemas (``persistence.checked``).
    """
    if api_client is None:
        api_client = alexa_api.default_api_client()  # time-outs on every Alexa API call
    if persistence_adapter is None:
        persistence_adapter = persistence.default_adapter()
    persistence_adapter = persistence.checked(persistence_adapter)
    builder = RobustSkillBuilder(api_client=api_client, persistence_adapter=persistence_adapter)
    for handler in request_handlers():
        builder.add_request_handler(handler)
    for handler in exception_handlers():
        builder.add_exception_handler(handler)
    builder.add_global_request_interceptor(interceptors.RequestLogInterceptor())
    # Before anything reads them: session attributes are input, checked like any other.
    builder.add_global_request_interceptor(state.SessionStateInterceptor())
    builder.add_global_request_interceptor(interceptors.LocaleContentInterceptor())
    builder.add_global_request_interceptor(interceptors.RedFlagInterceptor())
    builder.add_global_request_interceptor(interceptors.FreeWordsRoutingInterceptor())
    # Order matters: remember the reply for "repeat" before the closing advice is added.
    builder.add_global_response_interceptor(interceptors.RememberForRepeatInterceptor())
    builder.add_global_response_interceptor(interceptors.ClosingAdviceInterceptor())
    builder.add_global_response_interceptor(stretches.StoreRoutineWhenSessionEnds())
    return builder


def build_skill():
    return build_skill_builder().create()


logging.getLogger(__name__.split(".")[0]).setLevel(logging.INFO)
