"""Host side: the contracts, plugin loading and registry of a small OpenClaw-style gateway.

Names are imported lazily so ``import openclaw_deepinfra.host.<module>`` stays cheap and free of
import cycles; ``from openclaw_deepinfra.host import hookimpl`` works as usual.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openclaw_deepinfra.host.api import Diagnostic, PluginApi, Registration, RegistrationKind
    from openclaw_deepinfra.host.errors import (
        ConfigError,
        HostError,
        InstallError,
        ManifestError,
        ModelRefError,
        PluginLoadError,
        SecretResolutionError,
    )
    from openclaw_deepinfra.host.hookspecs import PROJECT, hookimpl, hookspec
    from openclaw_deepinfra.host.manifest import PluginManifest, load_manifest, locate_manifest
    from openclaw_deepinfra.host.registry import PluginRecord, PluginRegistry

_EXPORTS: dict[str, str] = {
    "Diagnostic": "api",
    "PluginApi": "api",
    "Registration": "api",
    "RegistrationKind": "api",
    "ConfigError": "errors",
    "HostError": "errors",
    "InstallError": "errors",
    "ManifestError": "errors",
    "ModelRefError": "errors",
    "PluginLoadError": "errors",
    "SecretResolutionError": "errors",
    "PROJECT": "hookspecs",
    "hookimpl": "hookspecs",
    "hookspec": "hookspecs",
    "PluginManifest": "manifest",
    "load_manifest": "manifest",
    "locate_manifest": "manifest",
    "PluginRecord": "registry",
    "PluginRegistry": "registry",
}

__all__ = [
    "PROJECT",
    "ConfigError",
    "Diagnostic",
    "HostError",
    "InstallError",
    "ManifestError",
    "ModelRefError",
    "PluginApi",
    "PluginLoadError",
    "PluginManifest",
    "PluginRecord",
    "PluginRegistry",
    "Registration",
    "RegistrationKind",
    "SecretResolutionError",
    "hookimpl",
    "hookspec",
    "load_manifest",
    "locate_manifest",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
