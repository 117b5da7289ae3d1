"""Request handlers, one module per conversation area, in the order they are tried."""
from __future__ import annotations

from . import builtins, errors, heat_program, reminders, safety, strategies, stretches, understanding


def request_handlers() -> list:
    """Every request handler, most specific first.

    Red flags come first so a symptom is answered whatever else is going on;
    then the flows (which own navigation words while they run); then answers;
    then the built-ins; and last, the catch-alls.
    """
    return [
        safety.RedFlagHandler(),
        safety.WarningSignsHandler(),
        stretches.StartStretchesHandler(),
        stretches.StrengthenHandler(),
        stretches.ContinueStretchesHandler(),
        stretches.NextStretchHandler(),
        stretches.PreviousStretchHandler(),
        stretches.RepeatStretchHandler(),
        stretches.SlowerHandler(),
        stretches.StartOverHandler(),
        stretches.WhichStretchHandler(),
        stretches.StopStretchesHandler(),
        stretches.PauseRoutineHandler(),
        stretches.RoutineHelpHandler(),
        *reminders.handlers(),
        *heat_program.handlers(),
        strategies.LaunchHandler(),
        strategies.OverviewHandler(),
        strategies.StrategyHandler(),
        strategies.MoreHandler(),
        understanding.FreeWordsHandler(),
        builtins.HelpHandler(),
        builtins.StopHandler(),
        builtins.NavigateHomeHandler(),
        builtins.RepeatHandler(),
        builtins.YesHandler(),
        builtins.NoHandler(),
        builtins.SessionEndedHandler(),
        builtins.FallbackHandler(),
        builtins.OtherRequestHandler(),
    ]


def exception_handlers() -> list:
    return [errors.CatchAllExceptionHandler()]
