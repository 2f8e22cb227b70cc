"""Plugin load in a fresh interpreter against importing the plugin's dependencies alone.

Both children start the same interpreter with the same flags; the parent times each whole child
(start, imports, work, exit), so the difference is what the plugin adds on top of its
dependencies: importing its own modules, reading the manifest and registering all seven surfaces
through `PluginRegistry`. The children also report their own wall time from first line to last.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from importlib import metadata

_PLUGIN = """
import time
t = time.perf_counter()
from importlib.metadata import entry_points
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.registry import PluginRegistry
registry = PluginRegistry(OpenClawConfig({}))
registry.load([ep for ep in entry_points(group="openclaw.plugins") if ep.name == "deepinfra"])
record = registry.records["deepinfra"]
assert record.status == "loaded", record.error
assert len(record.registrations) == 7, record.registrations
print(time.perf_counter() - t)
"""

_DEPS = """
import time
t = time.perf_counter()
{imports}
print(time.perf_counter() - t)
"""


def dependency_modules() -> list[str]:
    """Import names of the plugin's runtime dependencies (from its installed metadata)."""
    names = []
    for requirement in metadata.requires("openclaw-deepinfra") or []:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s<>=!~;\[]", requirement, maxsplit=1)[0]
        names.append(name.replace("-", "_").lower())
    return names


def _child(code: str, env: dict[str, str]) -> tuple[float, float]:
    start = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    wall = time.perf_counter() - start
    return wall, float(done.stdout.strip().splitlines()[-1])


def measure(reps: int, env: dict[str, str]) -> dict[str, object]:
    # As installed from a wheel: bytecode cached. Without it every plugin module is compiled from
    # source on each start (~120 ms here) while the dependencies' bytecode came with their install.
    env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    modules = dependency_modules()
    deps_code = _DEPS.format(imports="\n".join(f"import {m}" for m in modules))
    plugin, deps = [], []
    _child(deps_code, env)  # first run warms the OS file cache for both
    _child(_PLUGIN, env)
    for rep in range(reps):
        pair = [(deps, deps_code), (plugin, _PLUGIN)]
        if rep % 2:
            pair.reverse()
        for out, code in pair:
            out.append(_child(code, env))
    return {"modules": modules, "plugin": plugin, "deps": deps}
