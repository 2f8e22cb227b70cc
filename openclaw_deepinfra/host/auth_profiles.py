"""The auth-profile store: credentials written by onboarding, kept out of the config file.

``auth-profiles.json`` beside the config file, mode 0600::

    {"version": 1,
     "profiles": {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": "..."}}}
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from openclaw_deepinfra.host.errors import ConfigError
from openclaw_deepinfra.host.safe_write import UnsafeTargetError, kind_of, write_atomic

logger = logging.getLogger("openclaw.auth")

AUTH_PROFILES_FILE = "auth-profiles.json"
STORE_VERSION = 1
MASK = "***"
_SECRET_FIELDS = ("key", "token", "access", "refresh")


class AuthProfileStore:
    """Read/write access to one ``auth-profiles.json``; no key ever appears in its repr or errors."""

    def __init__(self, path: Path) -> None:
        self.path = path.expanduser()

    @classmethod
    def beside(cls, config_path: Path) -> AuthProfileStore:
        return cls(config_path.expanduser().parent / AUTH_PROFILES_FILE)

    def __repr__(self) -> str:
        return f"AuthProfileStore(path={self.path!r})"

    def get_api_key(self, profile_id: str) -> str | None:
        """The key of an ``api_key`` (or ``token``) profile; ``None`` when absent."""
        profile = self._read().get(profile_id)
        if not isinstance(profile, Mapping):
            return None
        for field in ("key", "token"):
            value = profile.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip()
        return None

    def put_api_key(self, profile_id: str, provider: str, key: str) -> None:
        """Store ``key`` under ``profile_id`` (atomic write, mode 0600)."""
        if not key.strip():
            raise ConfigError(f"{self.path}: refusing to store an empty API key for {profile_id}")
        profiles = self._read()
        profiles[profile_id] = {"type": "api_key", "provider": provider, "key": key.strip()}
        self._write(profiles)

    def remove(self, profile_id: str) -> bool:
        """Delete a profile; ``True`` if it existed."""
        profiles = self._read()
        if profile_id not in profiles:
            return False
        del profiles[profile_id]
        self._write(profiles)
        return True

    def profiles(self) -> dict[str, dict[str, Any]]:
        """All profiles with every credential field replaced by ``"***"``."""
        masked: dict[str, dict[str, Any]] = {}
        for profile_id, profile in self._read().items():
            if isinstance(profile, Mapping):
                masked[profile_id] = {
                    k: (MASK if k in _SECRET_FIELDS and v else v) for k, v in profile.items()
                }
        return masked

    # -- file handling ---------------------------------------------------------------------------

    def _read(self) -> dict[str, Any]:
        try:
            mode = self.path.stat().st_mode
        except FileNotFoundError:
            return {}
        if (kind := kind_of(mode)) is not None:
            # Before any chmod or read: a FIFO would block the read, a device must keep its mode.
            raise UnsafeTargetError(
                self.path, f"{self.path} is {kind}, not an auth-profile file; remove it and re-run onboarding"
            )
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            logger.warning(
                "%s was readable by other users (mode %o); tightened to 0600", self.path, mode & 0o777
            )
            os.chmod(self.path, 0o600)
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{self.path}: cannot read auth profiles: {exc.strerror or 'error'}") from None
        except json.JSONDecodeError as exc:
            # Not str(exc): the decoder error is harmless, but keep the habit of never echoing file text.
            raise ConfigError(
                f"{self.path}: line {exc.lineno} is not valid JSON; "
                "fix or delete the file and re-run onboarding"
            ) from None
        profiles = data.get("profiles") if isinstance(data, dict) else None
        if not isinstance(profiles, dict):
            raise ConfigError(f"{self.path}: expected {{\"version\": 1, \"profiles\": {{...}}}}")
        return profiles

    def _write(self, profiles: Mapping[str, Any]) -> None:
        text = json.dumps({"version": STORE_VERSION, "profiles": dict(profiles)}, indent=2) + "\n"
        # Never through a symlink out of the store's own directory: the key would land elsewhere.
        write_atomic(self.path, text, private=True, within=self.path.parent)

