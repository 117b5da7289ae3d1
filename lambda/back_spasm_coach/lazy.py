"""Flow modules loaded on first use, so a cold start pays only for what its request needs.

``lazy_module("back_spasm_coach.routine")`` returns the module at once, but runs its
code (dataclasses, tables, regular expressions: 2-3 ms each for the stretch routine
and the heat program) only when an attribute is first read. importlib's LazyLoader.
"""
from __future__ import annotations

import importlib.util
import sys


def lazy_module(name: str):
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    return module
