"""The auth-profile store: credentials written by onboarding, kept out of the config file.

Where OpenClaw keeps them: ``<state>/agents/<agentId>/agent/auth-profiles.json`` (``paths``), mode
0600, updated under OpenClaw's ``auth-profiles.json.lock`` convention (``safe_write.locked``)::

    {"version": 1,
     "profiles": {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": "..."}}}

Other top-level keys the gateway keeps there (``order``, ``lastGood``, ...) are written back
untouched. Keys this project stored beside the config file (the *legacy* location) are still read
after the agent's own file; ``doctor`` reports them and ``migrate_legacy`` (run by ``onboard``)
moves them.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.errors import ConfigError
from openclaw_deepinfra.host.safe_write import (
    PRIVATE_DIR_MODE,
    UnsafeTargetError,
    kind_of,
    locked,
    write_atomic,
)

logger = logging.getLogger("openclaw.auth")

STORE_VERSION = 1


@dataclass(frozen=True)
class LegacyProfiles:
    """Profiles found only in a legacy file (``moved``) or shadowed by the agent's own (``shadowed``)."""

    path: Path
    movable: tuple[str, ...]
    shadowed: tuple[str, ...]


class AuthProfileStore:
    """Read/write access to one ``auth-profiles.json``; no key ever appears in its repr or errors."""

    def __init__(self, path: Path, *, legacy: Sequence[Path] = ()) -> None:
        self.path = path.expanduser()
        self.legacy = tuple(p.expanduser() for p in legacy if p.expanduser() != self.path)

    @classmethod
    def for_agent(
        cls,
        agent_id: str = paths.DEFAULT_AGENT_ID,
        *,
        config_path: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> AuthProfileStore:
        """The agent's store in the state dir, reading the legacy file beside ``config_path`` too."""
        legacy = [paths.legacy_auth_profiles_path(config_path.expanduser())] if config_path else []
        return cls(paths.auth_profiles_path(agent_id, env), legacy=legacy)

    def __repr__(self) -> str:
        return f"AuthProfileStore(path={self.path!r})"

    def get_api_key(self, profile_id: str) -> str | None:
        """The key of an ``api_key`` (or ``token``) profile, the agent's file first; ``None`` when absent."""
        for path in (self.path, *self.legacy):
            key = _key_of(_read(path)["profiles"].get(profile_id))
            if key is not None:
                return key
        return None

    def put_api_key(self, profile_id: str, provider: str, key: str) -> None:
        """Store ``key`` under ``profile_id`` (locked, atomic, mode 0600)."""
        if not key.strip():
            raise ConfigError(f"{self.path}: refusing to store an empty API key for {profile_id}")
        with self._locked():
            doc = _read(self.path)
            doc["profiles"][profile_id] = {"type": "api_key", "provider": provider, "key": key.strip()}
            _write(self.path, doc)

    # -- the legacy location ---------------------------------------------------------------------

    def legacy_profiles(self) -> list[LegacyProfiles]:
        """What each existing legacy file still holds, for ``doctor`` and ``onboard``."""
        own = _read(self.path)["profiles"]
        found = []
        for path in self.legacy:
            old = _read(path)["profiles"]
            if old:
                found.append(
                    LegacyProfiles(
                        path,
                        movable=tuple(p for p in old if p not in own),
                        shadowed=tuple(p for p in old if p in own and own[p] != old[p]),
                    )
                )
        return found

    def migrate_legacy(self) -> list[tuple[str, Path]]:
        """Move every legacy profile the agent's file lacks into it; ``(profile id, from)`` per move.

        A legacy file is deleted once everything in it is in the agent's file; a profile that
        differs from the agent's own (shadowed) stays where it is, for the user to decide.
        """
        moved: list[tuple[str, Path]] = []
        with self._locked():
            doc = _read(self.path)
            for path in self.legacy:
                old_doc = _read(path)
                for profile_id, profile in old_doc["profiles"].items():
                    if profile_id not in doc["profiles"]:
                        doc["profiles"][profile_id] = profile
                        moved.append((profile_id, path))
            if moved:
                _write(self.path, doc)
            for path in self.legacy:
                old_doc = _read(path)
                left = {k: v for k, v in old_doc["profiles"].items() if doc["profiles"].get(k) != v}
                if not old_doc["profiles"]:
                    continue
                if left:
                    _write(path, {**old_doc, "profiles": left})
                else:
                    path.unlink()
        return moved

    # -- file handling ---------------------------------------------------------------------------

    def _locked(self) -> contextlib.AbstractContextManager[Path]:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
        return locked(self.path)


def _key_of(profile: object) -> str | None:
    if not isinstance(profile, Mapping):
        return None
    for field in ("key", "token"):
        value = profile.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _write(path: Path, doc: Mapping[str, Any]) -> None:
    # Never through a symlink out of the store's own directory: the key would land elsewhere.
    text = json.dumps({**doc, "version": doc.get("version", STORE_VERSION)}, indent=2) + "\n"
    write_atomic(path, text, private=True, within=path.parent)


def _read(path: Path) -> dict[str, Any]:
    """The whole document (``profiles`` always a dict); an empty store when the file is missing."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return {"version": STORE_VERSION, "profiles": {}}
    if (kind := kind_of(mode)) is not None:
        # Before any chmod or read: a FIFO would block the read, a device must keep its mode.
        raise UnsafeTargetError(
            path, f"{path} is {kind}, not an auth-profile file; remove it and re-run onboarding"
        )
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        logger.warning("%s was readable by other users (mode %o); tightened to 0600", path, mode & 0o777)
        os.chmod(path, 0o600)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read auth profiles: {exc.strerror or 'error'}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        # Never str(exc): keep the habit of never echoing file text (it holds keys).
        line = getattr(exc, "lineno", 1)
        raise ConfigError(
            f"{path}: line {line} is not valid JSON; fix or delete the file and re-run onboarding"
        ) from None
    profiles = data.get("profiles") if isinstance(data, dict) else None
    if not isinstance(profiles, dict):
        raise ConfigError(f'{path}: expected {{"version": 1, "profiles": {{...}}}}')
    return dict(data)
