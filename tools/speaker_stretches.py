"""Speaker plug-in: show the stretch view an Echo Show would get, in one line.

Without a screen the routine is followed by ear (``--voice`` speaks the holds,
pauses included); with ``--screen`` each stretch's RenderDocument appears as
its name, its steps and the countdown the device would run.
"""
from __future__ import annotations

from tools import speaker as _speaker

RENDER_DOCUMENT = "Alexa.Presentation.APL.RenderDocument"
_DEFAULT = _speaker.DIRECTIVE_RENDERERS.get(RENDER_DOCUMENT, _speaker.default_directive_line)


def setup(speaker, args) -> None:
    # Per speaker: under ``python -m tools.speaker`` the loop's module is __main__,
    # not the tools.speaker imported here, so a module-level registration would miss it.
    speaker.on_directive[RENDER_DOCUMENT] = stretch_view


def stretch_view(speaker, directive):
    stretch = (directive.get("datasources") or {}).get("stretch")
    if not speaker.device.screen or directive.get("token") != "stretch" or not stretch:
        return _DEFAULT(speaker, directive)
    steps = " ".join("{}. {}".format(n, step) for n, step in enumerate(stretch.get("steps", []), 1))
    holds = stretch.get("holds") or []
    countdown = ""
    if holds:
        countdown = " | countdown: {} holds of {:g} s, first at {:.0f} s".format(
            len(holds), (holds[0]["endMs"] - holds[0]["startMs"]) / 1000.0, holds[0]["startMs"] / 1000.0)
    return "[screen: {} - {}: {}{}]".format(stretch.get("position", ""), stretch.get("name", ""),
                                            steps, countdown)
