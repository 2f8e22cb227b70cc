"""Fleet settings: where the Redis URL comes from, what is refused (and how it says so), and that
neither the URL's password nor the API key shows anywhere; without a URL nothing changes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.fleet.config import REDIS_URL_ENV, FleetConfig
from openclaw_deepinfra.fleet.store import key_prefix
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.redact import redact
from openclaw_deepinfra.settings import ApiKey, resolve_settings

PASSWORD = "fleet-redis-pw-5e6f7a8b"
KEY = "di-fleet-config-key-11223344556677"


def settings(fleet: Any = None, **env: str) -> Any:
    data: dict[str, Any] = {"models": {"providers": {"deepinfra": {"apiKey": KEY}}}}
    if fleet is not None:
        data["models"]["providers"]["deepinfra"]["fleet"] = fleet
    return resolve_settings(OpenClawConfig(data, env=env), env=env)


def test_no_url_means_fleet_mode_is_off() -> None:
    assert settings().fleet is None
    assert settings({"leaseSeconds": 2}).fleet is None  # tuning alone does not turn it on


def test_the_config_secret_input_wins_over_the_environment() -> None:
    found = settings({"redisUrl": "${MY_REDIS}"}, MY_REDIS="redis://a:6379/1", **{REDIS_URL_ENV: "redis://b"})
    assert found.fleet.url == "redis://a:6379/1"
    assert found.fleet.source == "config"


def test_the_environment_variable_turns_it_on() -> None:
    found = settings(**{REDIS_URL_ENV: "unix:///run/redis.sock"})
    assert (found.fleet.url, found.fleet.source) == ("unix:///run/redis.sock", f"env:{REDIS_URL_ENV}")
    assert (found.fleet.lease_s, found.fleet.heartbeat_s, found.fleet.workers) == (5.0, 5.0 / 3, 1)


def test_lease_and_workers_are_read_and_checked() -> None:
    found = settings({"redisUrl": "redis://h", "leaseSeconds": "2.5", "workers": 4})
    assert (found.fleet.lease_s, found.fleet.workers) == (2.5, 4)


@pytest.mark.parametrize(
    ("fleet", "message"),
    [
        ({"redisUrl": "http://h:6379"}, "fleet.redisUrl must be a redis://, rediss:// or unix:// URL"),
        ({"redisUrl": "redis://"}, "fleet.redisUrl names no host"),
        ({"redisUrl": "unix://"}, "fleet.redisUrl names no socket path"),
        ({"redisUrl": "redis://h:notaport"}, "fleet.redisUrl is not a valid URL"),
        ({"redisUrl": "redis://h", "leaseSeconds": 0}, "fleet.leaseSeconds must be a number from 0.3 to 300"),
        ({"redisUrl": "redis://h", "leaseSeconds": True}, "fleet.leaseSeconds must be a number"),
        ({"redisUrl": "redis://h", "workers": 1.5}, "fleet.workers must be a whole number from 1 to 10000"),
        ({"redisUrl": "redis://h", "redisURL": "x"}, "fleet has unknown keys: redisURL"),
        ("redis://h", "fleet must be an object with redisUrl, leaseSeconds, workers"),
        ({"redisUrl": "${NOT_SET_ANYWHERE}"}, "fleet.redisUrl could not be resolved"),
    ],
)
def test_bad_fleet_settings_say_what_to_fix(fleet: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match="models.providers.deepinfra." + message.replace(".", r"\.")):
        settings(fleet)


def test_the_password_never_shows_in_reprs_errors_or_logs() -> None:
    found = settings({"redisUrl": f"redis://user:{PASSWORD}@cache.internal:6380/2"}).fleet
    assert found.display_url == "redis://cache.internal:6380/2"
    assert PASSWORD not in repr(found) and PASSWORD not in str(found)
    assert PASSWORD not in redact(f"connecting to redis://user:{PASSWORD}@cache.internal:6380/2")
    with pytest.raises(ConfigurationError) as caught:
        FleetConfig(f"http://user:{PASSWORD}@h", source="config")
    assert PASSWORD not in str(caught.value)


def test_the_key_prefix_is_a_hash_of_the_api_key_never_the_key() -> None:
    prefix = key_prefix(ApiKey(KEY, "test").fingerprint())
    assert KEY not in prefix
    assert prefix != key_prefix(ApiKey(KEY + "x", "test").fingerprint())  # one prefix per account
    assert prefix.count("{") == 1 and prefix.endswith("}")  # one Redis Cluster hash slot


def test_without_fleet_mode_redis_is_never_imported() -> None:
    code = (
        "import asyncio, sys\n"
        "from openclaw_deepinfra.settings import ApiKey, Settings\n"
        "from openclaw_deepinfra.transport.client import DeepInfraHttp\n"
        "from openclaw_deepinfra.transport.pool import ClientPool\n"
        "http = DeepInfraHttp(Settings(api_key=ApiKey('k' * 20, 't')), ClientPool())\n"
        "assert http.shared.fleet is None\n"
        "print(sorted(m for m in sys.modules if m == 'redis' or m.startswith('openclaw_deepinfra.fleet.')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['openclaw_deepinfra.fleet.config']"  # settings' parser only, no Redis
