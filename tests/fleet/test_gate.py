"""`FleetGate` in one process against a real redis-server (and against one that never answers):
the shared limit, local shares when Redis is gone, one log line per switch, the caller's deadline,
and the transport's hook (a 429 shrinks the window fleet-wide; a fleet timeout frees the local slot)."""

from __future__ import annotations

import asyncio
import logging
import socket
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from openclaw_deepinfra.errors import DeadlineExceededError, RateLimitError
from openclaw_deepinfra.fleet import gate as gate_module
from openclaw_deepinfra.fleet.config import FleetConfig
from openclaw_deepinfra.fleet.gate import FleetGate
from openclaw_deepinfra.settings import ApiKey, Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.pool import ClientPool
from tests.e2e.loopback import Reply, serve
from tests.fleet.redis_server import RedisServer

KEY = "di-gate-test-key-0a1b2c3d4e5f60718293"
MODEL = "org/model"


def config(url: str, **kw: float) -> FleetConfig:
    return FleetConfig(url, source="test", lease_s=kw.pop("lease_s", 1.0), **kw)  # type: ignore[arg-type]


@pytest.fixture
async def gates(redis_server: RedisServer) -> AsyncIterator[list[FleetGate]]:
    made = [FleetGate(config(redis_server.url), "acct", 6) for _ in range(3)]
    yield made
    for gate in made:
        await gate.aclose()


def in_use(gate: FleetGate) -> dict[str, int]:
    """Fleet slots in use per model (idle spares not counted)."""
    return {name: m.held - m.spare for name, m in gate._models.items() if m.held - m.spare}


def mode(gate: FleetGate) -> str:
    """The gate's mode: "shared" while Redis answers, "local" while it admits against local shares."""
    return "local" if gate._is_down() else "shared"


async def hold(gate: FleetGate, n: int, timeout_s: float = 2.0) -> None:
    for _ in range(n):
        await gate.admit(MODEL, timeout_s)


async def test_gates_share_one_limit_and_a_release_lets_the_next_in(gates: list[FleetGate]) -> None:
    a, b, _ = gates
    await hold(a, 4)
    await hold(b, 2)
    with pytest.raises(TimeoutError):
        await b.admit(MODEL, 0.2)
    waiting = asyncio.create_task(b.admit(MODEL, 2.0))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    a.release(MODEL)
    await asyncio.wait_for(waiting, 1.0)
    assert (in_use(a), in_use(b)) == ({MODEL: 3}, {MODEL: 3})


async def test_redis_gone_means_local_shares_and_one_log_line_each_way(
    redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    a = FleetGate(config(redis_server.url), "acct", 6)
    try:
        for other in ("x1", "x2"):  # two more processes alive (idle) for the next 30 s
            await a.store.admit(MODEL, me=other, mine=0, want=0, limit=6, lease_s=30, seq=1, budget_s=None)
        assert await a.heartbeat() and a.alive == 3
        await _local_shares_and_switches(a, redis_server, caplog)
    finally:
        await a.aclose()


async def _local_shares_and_switches(
    a: FleetGate, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    redis_server.stop()
    with caplog.at_level(logging.WARNING, logger="openclaw_deepinfra.fleet"):
        await hold(a, 2)  # 6 // 3 processes
        with pytest.raises(TimeoutError):
            await a.admit(MODEL, 0.3)  # never the whole limit
        assert mode(a) == "local"
        for _ in range(5):  # more failed calls, still one line
            a.release(MODEL)
            await hold(a, 1)
        await asyncio.sleep(a.skip_s + 0.05)
        a.release(MODEL)
        await hold(a, 1)  # a probe after the skip: still down, no new line
        redis_server.start()
        await asyncio.sleep(a.skip_s + 0.05)
        a.release(MODEL)
        await hold(a, 1)
        assert mode(a) == "shared"
    lines = [r.getMessage() for r in caplog.records if r.name == "openclaw_deepinfra.fleet"]
    assert [("did not answer" in m, "answers again" in m) for m in lines] == [(True, False), (False, True)]
    assert lines[0].startswith(f"fleet: Redis at {redis_server.url} did not answer (")


@pytest.fixture
def silent_redis() -> Iterator[str]:
    """A TCP port that accepts connections and never answers: a hung Redis."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"


async def test_a_hung_redis_never_holds_a_call_past_its_deadline(silent_redis: str) -> None:
    gate = FleetGate(config(silent_redis, workers=2), "acct", 10)
    try:
        started = time.monotonic()
        await gate.admit(MODEL, 0.05)  # the Redis call is cut to the caller's 50 ms, then a local share
        assert time.monotonic() - started < 0.2
        assert mode(gate) == "local"
        await hold(gate, 4)
        with pytest.raises(TimeoutError):  # 10 // 2 configured workers: never the whole limit
            await gate.admit(MODEL, 0.1)
    finally:
        await gate.aclose()


def _settings(fleet: FleetConfig, base_url: str) -> Settings:
    return Settings(api_key=ApiKey(KEY, "test"), base_url=base_url, max_concurrent_per_model=4, fleet=fleet)


async def test_a_rate_limited_429_shrinks_the_window_for_the_whole_fleet(redis_server: RedisServer) -> None:
    fleet = config(redis_server.url)
    with serve() as server:
        server.route("POST", "/v1/openai/chat/completions", Reply.json({"detail": "Rate limited"}, 429))
        pool, other_pool = ClientPool(), ClientPool()
        try:
            http = DeepInfraHttp(_settings(fleet, f"{server.base_url}/v1/openai"), pool)
            with pytest.raises(RateLimitError):
                await http.with_options(max_retries=0).request_json(
                    "POST", "/chat/completions", json={}, model=MODEL
                )
            other = DeepInfraHttp(_settings(fleet, f"{server.base_url}/v1/openai"), other_pool)
            gate = other.shared.fleet
            assert isinstance(gate, FleetGate)
            give_up = time.monotonic() + 5.0  # the shrink is sent in the background; a loaded machine is slow
            while time.monotonic() < give_up:
                await gate.admit(MODEL, 1.0)
                gate.release(MODEL)
                if gate._state(MODEL).window == 2:
                    break
                await asyncio.sleep(0.02)
            assert gate._state(MODEL).window == 2  # another process's window: 4 halved
        finally:
            for owner in (pool, other_pool):
                await owner.aclose()  # closes its fleet gates too


async def test_a_call_that_times_out_on_the_fleet_gives_its_local_slot_back(
    redis_server: RedisServer,
) -> None:
    fleet = config(redis_server.url)
    holder = FleetGate(fleet, ApiKey(KEY, "test").fingerprint(), 4)
    await hold(holder, 4)  # another process holds the whole limit
    pool = ClientPool()
    try:
        http = DeepInfraHttp(_settings(fleet, "http://127.0.0.1:9/v1/openai"), pool)
        with pytest.raises(DeadlineExceededError, match="model slot"):
            await http.with_options(deadline=http.deadline(0.3)).request_json(
                "POST", "/chat/completions", json={}, model=MODEL
            )
        assert http.model_limits.limiter(MODEL).in_use == 0
    finally:
        await holder.aclose()
        await pool.aclose()


async def test_calls_one_after_another_reuse_a_spare_until_the_heartbeat(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = FleetGate(config(redis_server.url, lease_s=30), "acct", 200)
    asked: list[int] = []
    admit = gate.store.admit

    async def counted(model: str, **kw: Any) -> Any:
        asked.append(kw["want"])
        return await admit(model, **kw)

    monkeypatch.setattr(gate.store, "admit", counted)
    try:
        for _ in range(50):
            await gate.admit(MODEL, 1.0)
            gate.release(MODEL)
        assert asked == [1]  # one round trip for 50 calls
        assert in_use(gate) == {}  # the spare is idle...
        assert await gate.store.status([MODEL]) == (1, {MODEL: 1})  # ...but still counted by the fleet
        assert await gate.heartbeat()
        assert await gate.store.status([MODEL]) == (1, {MODEL: 0})  # given back at the heartbeat
    finally:
        await gate.aclose()


async def test_closing_never_hangs_on_a_task_that_ignores_its_cancel(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(gate_module, "CLOSE_WAIT_S", 0.05)
    gate = FleetGate(config(redis_server.url), "acct", 6)
    await hold(gate, 1)
    release = asyncio.Event()

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            await release.wait()  # swallows the cancel and keeps going

    task = asyncio.create_task(stubborn())
    gate._side.add(task)
    await asyncio.sleep(0)
    async with asyncio.timeout(5):  # a hang here is the bug; the bound itself is CLOSE_WAIT_S
        await gate.aclose()
    assert not task.done()
    release.set()
    await task
