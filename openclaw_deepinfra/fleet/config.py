"""Whether fleet mode is on, and where its Redis is: `models.providers.deepinfra.fleet.*`.

`fleet.redisUrl` (a SecretInput: the URL may carry a password) -> `OPENCLAW_DEEPINFRA_REDIS_URL`;
neither set means fleet mode is off and nothing else changes. `fleet.leaseSeconds` is how long a
silent process's slots stay counted (default 5 s; the heartbeat restates them three times per
lease). `fleet.workers` is how many processes to assume before Redis has ever answered (default 1),
so a fleet that starts while Redis is down still splits the limit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from openclaw_deepinfra.config_blocks import DEFAULT_LEASE_S, FleetBlock, parse
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.redact import register_secret
from openclaw_deepinfra.urls import display, split_url

if TYPE_CHECKING:
    from openclaw_deepinfra.host.config import OpenClawConfig


REDIS_URL_ENV = "OPENCLAW_DEEPINFRA_REDIS_URL"
_KEY = "models.providers.deepinfra.fleet"
_SCHEMES = ("redis", "rediss", "unix")
_HINT = f"set {_KEY}.redisUrl (or {REDIS_URL_ENV}) to redis://host:6379/0, rediss://... or unix:///path"


@dataclass(frozen=True, kw_only=True)
class FleetConfig:
    """Fleet settings. The URL is only handed to the Redis client; `repr` shows it without secrets."""

    url: str = field(kw_only=False)
    source: str = field(compare=False)
    lease_s: float = DEFAULT_LEASE_S
    workers: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "url", _validated(self.url, self.source))
        password = urlsplit(self.url).password
        if password:  # the URL is only as secret as its password; logs show display_url
            register_secret(password)
            register_secret(self.url)

    @property
    def display_url(self) -> str:
        return display(self.url)

    @property
    def heartbeat_s(self) -> float:
        return self.lease_s / 3.0

    def __repr__(self) -> str:
        return f"FleetConfig(url={self.display_url!r}, source={self.source!r}, lease_s={self.lease_s:g})"


def _validated(url: str, source: str) -> str:
    cleaned = url.strip()
    where = f"{_KEY}.redisUrl" if source == "config" else REDIS_URL_ENV
    parts = split_url(cleaned)
    if parts is None:
        raise ConfigurationError(f"{where} is not a valid URL", hint=_HINT)
    if parts.scheme.lower() not in _SCHEMES:
        raise ConfigurationError(
            f"{where} must be a redis://, rediss:// or unix:// URL, got {display(cleaned)}",
            hint=_HINT,
        )
    if parts.scheme.lower() == "unix" and not parts.path:
        raise ConfigurationError(f"{where} names no socket path", hint=_HINT)
    if parts.scheme.lower() != "unix" and not parts.hostname:
        raise ConfigurationError(f"{where} names no host", hint=_HINT)
    return cleaned


def resolve_fleet_config(config: OpenClawConfig, env: Mapping[str, str]) -> FleetConfig | None:
    """The fleet settings, or None when no Redis URL is configured (fleet mode off)."""
    from openclaw_deepinfra.settings import resolve_config_secret

    block = parse(FleetBlock, config.get([*_KEY.split(".")], raw=True), _KEY, hint=_HINT)
    url, source = None, "config"
    if block.redis_url is not None:
        url = resolve_config_secret(config, block.redis_url, f"{_KEY}.redisUrl", env=env)
    if not (url and url.strip()):
        url, source = env.get(REDIS_URL_ENV), f"env:{REDIS_URL_ENV}"
    if not (url and url.strip()):
        return None
    return FleetConfig(url, source=source, lease_s=block.lease_seconds, workers=block.workers)
