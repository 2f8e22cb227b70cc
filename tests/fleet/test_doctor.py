"""`doctor`'s fleet block against a real redis-server: reachable, processes alive, in flight."""

from __future__ import annotations

import asyncio

import pytest

from openclaw_deepinfra.fleet.config import FleetConfig
from openclaw_deepinfra.fleet.store import FleetStore
from openclaw_deepinfra.settings import ApiKey
from tests.cli.conftest import SECRET, CliEnv, Run
from tests.e2e.loopback import LoopbackServer
from tests.fleet.redis_server import RedisServer


def _fleet_line(text: str) -> str:
    lines = [line for line in text.splitlines() if "] fleet:" in line]
    assert len(lines) == 1, text
    return lines[0]


async def _hold(url: str, model: str, slots: int) -> None:
    """What a running worker leaves in Redis: its lease and its count for `model`."""
    store = FleetStore(FleetConfig(url, source="test"), ApiKey(SECRET, "test").fingerprint())
    try:
        got = await store.admit(
            model, me="worker-1", mine=0, want=slots, limit=200, lease_s=30, seq=1, budget_s=None
        )
        assert got.granted == slots
    finally:
        await store.aclose()


def test_doctor_shows_reachable_redis_processes_and_in_flight_per_model(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, redis_server: RedisServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_REDIS_URL", redis_server.url)
    asyncio.run(_hold(redis_server.url, "org/model-a", 3))

    result = run("doctor")

    assert result.code == 0, result.text
    assert _fleet_line(result.out) == (
        f"[ok  ] fleet: Redis at {redis_server.url} (from env:OPENCLAW_DEEPINFRA_REDIS_URL) reachable; "
        "1 process alive; in flight: org/model-a 3 (limit 200 per model)"
    )
    assert SECRET not in result.text


def test_doctor_fails_when_redis_does_not_answer_and_never_prints_its_password(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    cli_env.write_config({"models": {"providers": {"deepinfra": {"fleet": {"redisUrl": "${FLEET_REDIS}"}}}}})
    monkeypatch.setenv("FLEET_REDIS", "redis://:fleet-pass-7a6b5c4d@127.0.0.1:1/0")

    result = run("doctor")

    assert result.code == 1
    line = _fleet_line(result.out)
    assert line.startswith("[fail] fleet: Redis at redis://127.0.0.1:1/0 (from config) not reachable (")
    assert "local shares" in line
    assert "fleet-pass-7a6b5c4d" not in result.text and SECRET not in result.text


def test_doctor_has_no_fleet_line_when_fleet_mode_is_off(
    cli_env: CliEnv, run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    result = run("doctor")

    assert result.code == 0, result.text
    assert "fleet" not in result.out


def test_a_bad_fleet_url_is_a_configuration_failure_that_says_what_to_fix(
    cli_env: CliEnv,
    run: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENCLAW_DEEPINFRA_REDIS_URL", "http://user:pw-secret-123@cache:6379")

    result = run("doctor")

    assert result.code == 2
    assert (
        "OPENCLAW_DEEPINFRA_REDIS_URL must be a redis://, rediss:// or unix:// URL, got http://cache:6379"
        in (result.out)
    )
    assert "pw-secret-123" not in result.text
