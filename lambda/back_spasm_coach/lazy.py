"""Flow modules loaded on first use, so a cold start pays only for what its request needs.

``lazy_module("back_spasm_coach.routine")`` returns a stand-in at once; the module's
code (dataclasses, tables, regular expressions: 2-3 ms each for the stretch routine
and the heat program) runs when an attribute is first read, and the stand-in then
forwards every read to the real module.

Thread-safe. The first read goes through the ordinary import system, whose
per-module lock makes every other thread wait until the module has finished
running; until then nothing of it is visible through the stand-in, and nothing is
in ``sys.modules``. (importlib's ``LazyLoader``, used before, put a half-run module
in front of other threads on Python 3.11: CPython gh-114763. Lambda answers one
request at a time; gunicorn's threads and other WSGI servers do not.)
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import types

_TARGET = "_lazy_target"  # where the stand-in keeps the loaded module (its own __dict__)


class LazyModule(types.ModuleType):
    """A module name whose code has not run yet; reading any attribute runs it."""

    def __getattr__(self, attr):  # called only for names the stand-in itself lacks
        return getattr(_load(self), attr)

    def __setattr__(self, attr, value):  # tests may patch a flow through the stand-in
        setattr(_load(self), attr, value)

    def __delattr__(self, attr):
        delattr(_load(self), attr)

    def __dir__(self):
        return dir(_load(self))

    def __repr__(self):
        return "<lazy module {!r}>".format(self.__name__)


def _load(stand_in: LazyModule) -> types.ModuleType:
    module = stand_in.__dict__.get(_TARGET)
    if module is None:
        # import_module blocks while another thread is running the module, and
        # returns it only once it is complete (the same thread re-entering
        # during its own import gets it as far as it has run, as any import does).
        module = importlib.import_module(stand_in.__name__)
        stand_in.__dict__[_TARGET] = module
    return module


def lazy_module(name: str) -> types.ModuleType:
    """The module if it is loaded already, else a stand-in that loads it on first use."""
    if name in sys.modules:
        return sys.modules[name]
    if importlib.util.find_spec(name) is None:  # a misspelt name fails here, not at a request
        raise ModuleNotFoundError("No module named {!r}".format(name), name=name)
    return LazyModule(name)
