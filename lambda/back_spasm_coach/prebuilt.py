"""JSON built once and sent as it is: the serializer passes a ``Prebuilt`` through untouched.

The ASK SDK's serializer walks every value of a response to turn model objects
into JSON, one call per value. An APL document is plain JSON already, the same
for every response, and has a few hundred values: walking it again on every
stretch cost more than the rest of the answer (`make bench`, a stretch on a
screen). A ``Prebuilt`` is built once and never changed after.
"""
from __future__ import annotations

from ask_sdk_core.serialize import DefaultSerializer


class Prebuilt(dict):
    """A JSON object ready to send: plain dicts, lists, strings, numbers. Never mutate one."""


class Serializer(DefaultSerializer):
    """The SDK's serializer, taking a ``Prebuilt`` as it is."""

    def serialize(self, obj):
        if type(obj) is Prebuilt:
            return obj
        return super().serialize(obj)
