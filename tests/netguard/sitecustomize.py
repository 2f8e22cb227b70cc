"""Guards every Python process the tests start (tests/conftest.py puts this folder on the
PYTHONPATH it hands to children): see `network_guard`."""

import importlib.machinery
import importlib.util
import os
import sys

import network_guard

network_guard.install(log=os.environ.get(network_guard.LOG_ENV), child=True)

# Leave the child's import path as it would be without the guard, and run the sitecustomize this
# one shadows, if the interpreter has one (Debian's Python does).
_here = network_guard.HERE
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]
_shadowed = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
if _shadowed is not None and _shadowed.loader is not None:
    _shadowed.loader.exec_module(importlib.util.module_from_spec(_shadowed))
