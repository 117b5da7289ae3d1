"""Reading slots as Alexa fills them: the spoken value, and the ids entity resolution matched."""
from __future__ import annotations


def resolved_ids(slot) -> list:
    """Every value id entity resolution matched for a slot (ER_SUCCESS_MATCH), best first."""
    ids = []
    resolutions = getattr(slot, "resolutions", None)
    for authority in getattr(resolutions, "resolutions_per_authority", None) or []:
        code = getattr(getattr(authority, "status", None), "code", None)
        if getattr(code, "value", code) != "ER_SUCCESS_MATCH":
            continue
        for wrapper in getattr(authority, "values", None) or []:
            value = getattr(wrapper, "value", None)
            if value is not None and value.id:
                ids.append(value.id)
    return ids


def slot_of(handler_input, name: str):
    """The named slot of this IntentRequest, or None."""
    intent = getattr(handler_input.request_envelope.request, "intent", None)
    return (getattr(intent, "slots", None) or {}).get(name)


def value_and_id(handler_input, name: str):
    """(spoken value, first resolved id) of a slot; (None, None) when it is missing."""
    slot = slot_of(handler_input, name)
    if slot is None:
        return None, None
    ids = resolved_ids(slot)
    return slot.value, (ids[0] if ids else None)
