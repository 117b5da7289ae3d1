"""The stretch view on Echo Show (APL), sent only to devices with a screen.

The document is ``stretch.json`` beside this file, read once and sent as it is
(``prebuilt.Prebuilt``: the serializer does not walk it again); all that changes
from stretch to stretch is the data source, built once for each rendering of a
stretch. The words it shows come from content like everything else. The
countdown runs on the device (``handleTick``), from the estimated start of each
hold that the routine's renderer worked out while building the speech.
"""
from __future__ import annotations

import json
import logging
import os
from functools import lru_cache

from ..prebuilt import Prebuilt

log = logging.getLogger(__name__)

TOKEN = "stretch"
DOCUMENT_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stretch.json")


def has_screen(handler_input) -> bool:
    """True when the device says it supports Alexa.Presentation.APL."""
    from ask_sdk_core.utils import get_supported_interfaces

    try:
        return get_supported_interfaces(handler_input).alexa_presentation_apl is not None
    except AttributeError:  # no device or no interfaces in the request
        return False


@lru_cache(maxsize=None)
def document() -> Prebuilt:
    with open(DOCUMENT_FILE, encoding="utf-8") as f:
        return Prebuilt(json.load(f))


#: Data sources kept per rendering of a stretch (routine.render_stretch keeps a few of each).
_DATASOURCES_MAX = 512
_datasources: dict = {}


def datasource(content, position, rendered) -> Prebuilt:
    """What the document binds, as ``payload.stretch.*``; built once for each rendering."""
    key = (content, position.routine, position.index, rendered.ssml)  # (the str's hash is cached)
    kept = _datasources.get(key)
    if kept is None:
        if len(_datasources) >= _DATASOURCES_MAX:
            _datasources.clear()
        kept = _datasources[key] = Prebuilt(_build_datasource(content, position, rendered))
    return kept


def _build_datasource(content, position, rendered) -> dict:
    from .. import routine

    stretch = position.stretch
    holds = [{"startMs": int(round(h.start * 1000)),
              "endMs": int(round((h.start + h.seconds) * 1000)),
              "label": h.label} for h in rendered.holds]
    return {"stretch": {
        # A stretch asked for by name is a routine of one: no "Stretch 1 of 1".
        "position": content.text("routine.screen.single") if position.total == 1 else
        content.text("routine.screen.position", number=position.number, total=position.total),
        "name": content.text("stretches.{}.name".format(stretch.id)),
        "helps": content.text("stretches.{}.helps".format(stretch.id)),
        "steps": routine.steps_text(content, stretch.id),
        "holdText": content.text("routine.screen.seconds", seconds=int(stretch.hold_seconds)),
        "holds": holds,
        "holdCount": len(holds),
        "stopRule": content.text("routine.stop_rule"),
        "labels": {"ready": content.text("routine.screen.ready"),
                   "relax": content.text("routine.screen.relax")},
    }}


def stretch_directive(content, position, rendered):
    """A RenderDocument directive showing one stretch."""
    from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

    return RenderDocumentDirective(token=TOKEN, document=document(),
                                   datasources=datasource(content, position, rendered))
