"""Where OpenClaw keeps its files, resolved the way the gateway resolves them.

| file | path |
| --- | --- |
| state dir | ``$OPENCLAW_STATE_DIR``, else ``~/.openclaw`` (``--profile NAME``: ``~/.openclaw-NAME``) |
| config | ``--config``, else ``$OPENCLAW_CONFIG_PATH``, else ``<state>/openclaw.json`` |
| auth profiles | ``<state>/agents/<agentId>/agent/auth-profiles.json`` (agent ``main`` by default) |
| legacy auth profiles | ``auth-profiles.json`` beside the config (still read; ``onboard`` moves them) |
| catalog cache | ``$OPENCLAW_DEEPINFRA_CACHE_DIR``, else ``<state>/cache/deepinfra/`` |

``~`` is ``$OPENCLAW_HOME`` when set, else the user's home. A profile is applied by setting
``OPENCLAW_STATE_DIR`` and ``OPENCLAW_CONFIG_PATH`` in the environment, as OpenClaw's ``--profile``
does, so every reader (the plugin's cache included) sees the same state dir.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from openclaw_deepinfra.host.errors import ConfigError

STATE_DIR_ENV = "OPENCLAW_STATE_DIR"
CONFIG_PATH_ENV = "OPENCLAW_CONFIG_PATH"
HOME_ENV = "OPENCLAW_HOME"
CACHE_DIR_ENV = "OPENCLAW_DEEPINFRA_CACHE_DIR"
STATE_DIR_NAME = ".openclaw"
CONFIG_FILE = "openclaw.json"
AUTH_PROFILES_FILE = "auth-profiles.json"
DEFAULT_AGENT_ID = "main"
CACHE_SUBDIR = ("cache", "deepinfra")
# Profile and agent ids become directory names: one path component, no dots-only names.
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def _override(env: Mapping[str, str] | None, name: str) -> str | None:
    """``$name`` unless unset or blank; ``env`` is the process environment when None."""
    value = (os.environ if env is None else env).get(name, "").strip()
    return value or None


def home_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$OPENCLAW_HOME`` (itself ``~``-expanded against the OS home), else the OS home."""
    override = _override(env, HOME_ENV)
    return Path(override).expanduser() if override else Path.home()


def expand(value: str | Path, env: Mapping[str, str] | None = None) -> Path:
    """A path with a leading ``~`` taken from ``home_dir`` (so ``OPENCLAW_HOME`` moves it)."""
    text = str(value)
    if text == "~" or text.startswith(("~/", "~" + os.sep)):
        return home_dir(env) / text[2:] if len(text) > 1 else home_dir(env)
    return Path(text).expanduser()


def check_name(kind: str, name: str) -> str:
    """A profile or agent id fit to be one directory name, else a ConfigError saying what is allowed."""
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"{kind} {name!r} is not valid: use 1-64 letters, digits, '-' or '_', "
            "starting with a letter or digit"
        )
    return name


def profile_env(profile: str, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment variables ``--profile NAME`` sets (state dir and its config file)."""
    state = home_dir(env) / f"{STATE_DIR_NAME}-{check_name('profile', profile)}"
    return {STATE_DIR_ENV: str(state), CONFIG_PATH_ENV: str(state / CONFIG_FILE)}


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    override = _override(env, STATE_DIR_ENV)
    return expand(override, env) if override else home_dir(env) / STATE_DIR_NAME


def config_path(given: Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """``--config``, else ``$OPENCLAW_CONFIG_PATH``, else ``<state>/openclaw.json``."""
    if given is not None:
        return expand(given, env)
    override = _override(env, CONFIG_PATH_ENV)
    return expand(override, env) if override else state_dir(env) / CONFIG_FILE


def auth_profiles_path(agent_id: str = DEFAULT_AGENT_ID, env: Mapping[str, str] | None = None) -> Path:
    return state_dir(env) / "agents" / check_name("agent id", agent_id) / "agent" / AUTH_PROFILES_FILE


def legacy_auth_profiles_path(config_file: Path) -> Path:
    """Where this project stored keys before it followed OpenClaw's layout: beside the config."""
    return config_file.parent / AUTH_PROFILES_FILE


def cache_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$OPENCLAW_DEEPINFRA_CACHE_DIR``, else ``<state>/cache/deepinfra`` (one cache per profile)."""
    override = _override(env, CACHE_DIR_ENV)
    return expand(override, env) if override else state_dir(env).joinpath(*CACHE_SUBDIR)
