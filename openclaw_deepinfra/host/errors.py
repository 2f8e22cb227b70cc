"""Host-side error tree: every error the reference host raises derives from ``HostError``."""

from __future__ import annotations


class HostError(Exception):
    """Base of every host-side error."""


class ConfigError(HostError):
    """Bad agent config file or key (exit code 2 in the CLI)."""


class ManifestError(HostError):
    """``plugin.toml`` missing or invalid."""


class ModelRefError(HostError):
    """Unparsable ``provider/model`` ref."""


class SecretResolutionError(HostError):
    """A SecretInput cannot be resolved; the message never includes the secret value."""


class InstallError(HostError):
    """``plugins install`` / ``enable`` / ``disable`` failed."""
