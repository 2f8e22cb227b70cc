"""`ConnectionGate` (first come first served across models), the pool's size from the settings, and
`ResponseLease` (a stream's connection and slot given back exactly once)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator

import httpx
import pytest

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.settings import ApiKey, Settings, resolve_settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.lease import ResponseLease
from openclaw_deepinfra.transport.limits import MODELLESS_HEADROOM, ConnectionGate, ModelLimits
from openclaw_deepinfra.transport.pool import DEFAULT_POOL_CAP, GATE_SLACK, MIN_POOL_CAP, ClientPool, pool_cap

BASE = "https://api.deepinfra.com/v1/openai"


async def test_the_gate_admits_first_come_first_served_whatever_the_model() -> None:
    gate = ConnectionGate(cap=2, headroom=2)
    assert gate.try_acquire() and gate.try_acquire() and not gate.try_acquire()
    order: list[str] = []

    async def call(name: str, *, front: bool = False) -> None:
        await gate.acquire(front=front)
        order.append(name)

    tasks = [asyncio.create_task(call(n)) for n in ("model-a #1", "model-b #1", "model-a #2")]
    await asyncio.sleep(0)
    tasks.append(asyncio.create_task(call("retry", front=True)))  # a retry goes ahead of newcomers
    await asyncio.sleep(0)
    assert gate.waiting == 4 and gate.queued_total == 4
    for _ in range(4):
        gate.release()
        await asyncio.sleep(0)
    await asyncio.gather(*tasks)
    assert order == ["retry", "model-a #1", "model-b #1", "model-a #2"]
    assert (gate.in_use, gate.waiting) == (2, 0)


async def test_a_waiter_cancelled_as_it_is_woken_passes_its_permit_on() -> None:
    gate = ConnectionGate(cap=1, headroom=1)
    assert gate.try_acquire()
    first = asyncio.create_task(gate.acquire())
    second = asyncio.create_task(gate.acquire())
    await asyncio.sleep(0)
    gate.release()  # hands the permit to `first`...
    first.cancel()  # ...which is cancelled before it runs
    with pytest.raises(asyncio.CancelledError):
        await first
    await second
    assert (gate.in_use, gate.waiting) == (1, 0)


def test_capacity_is_the_sum_of_the_models_limits_within_the_cap() -> None:
    gate = ConnectionGate(cap=500)
    assert gate.capacity == MODELLESS_HEADROOM  # calls without a model: catalog, polls, downloads
    gate.add_model("a", 200)
    gate.add_model("a", 200)  # once per model
    assert gate.capacity == MODELLESS_HEADROOM + 200
    gate.add_model("b", 200)
    gate.add_model("c", 200)
    assert gate.capacity == 500
    with pytest.raises(ValueError, match="at least one"):
        ConnectionGate(cap=0)


def test_the_pool_is_sized_from_max_connections_and_the_open_file_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import resource

    assert pool_cap(300) == 300
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (1024, 4096))
    assert pool_cap() == 512  # half the soft limit: the process needs descriptors for more than sockets
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (100, 4096))
    assert pool_cap() == MIN_POOL_CAP
    monkeypatch.setattr(resource, "getrlimit", lambda _which: (1 << 20, 1 << 20))
    assert pool_cap() == DEFAULT_POOL_CAP


def test_the_first_settings_size_the_pool_and_its_connector_never_queues() -> None:
    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(lambda r: httpx.Response(200)))
    settings = Settings(api_key=ApiKey("k" * 24, "test"), base_url=BASE, max_connections=300)
    DeepInfraHttp(settings, pool)
    DeepInfraHttp(Settings(api_key=None, base_url=BASE, max_connections=20), pool)  # later: ignored
    assert pool.cap == 300 and pool.gate(BASE).cap == 300
    # the connector gets more than the gate admits: aiohttp's unfair queue is never used
    assert pool.limits.max_connections == 300 + GATE_SLACK


@pytest.mark.parametrize("value", [0, -1, 1.5, "many", True, 10_001])
def test_max_connections_must_be_a_whole_number_in_range(value: object) -> None:
    config = OpenClawConfig({"models": {"providers": {"deepinfra": {"maxConnections": value}}}}, env={})
    with pytest.raises(ConfigurationError, match="maxConnections"):
        resolve_settings(config)


def test_max_connections_is_read_from_the_provider_block() -> None:
    config = OpenClawConfig({"models": {"providers": {"deepinfra": {"maxConnections": "600"}}}}, env={})
    assert resolve_settings(config).max_connections == 600
    assert resolve_settings(OpenClawConfig({}, env={})).max_connections is None


# -- ResponseLease -------------------------------------------------------------------------------------


class Closing(httpx.AsyncByteStream):
    def __init__(self) -> None:
        self.closed = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"data"

    async def aclose(self) -> None:
        self.closed += 1


class Counted:
    def __init__(self) -> None:
        self.released = 0

    def release(self) -> None:
        self.released += 1


async def test_a_lease_closes_and_releases_once() -> None:
    body, slot = Closing(), Counted()
    lease = ResponseLease(httpx.Response(200, stream=body), slot)
    await lease.aclose()
    await lease.aclose()
    lease.close_now()
    assert (body.closed, slot.released) == (1, 1)


async def test_a_lease_dropped_unclosed_releases_on_the_next_loop_turn() -> None:
    body, slot = Closing(), Counted()
    lease = ResponseLease(httpx.Response(200, stream=body), slot)
    del lease
    gc.collect()
    assert slot.released == 0  # never inline: the collector may run inside the limiter's own code
    for _ in range(3):
        await asyncio.sleep(0)
    assert (body.closed, slot.released) == (1, 1)  # httpx's async close ran as a task


async def test_a_lease_prefers_the_transports_synchronous_close() -> None:
    closed: list[bool] = []
    slot = Counted()
    response = httpx.Response(200, extensions={"openclaw_close_now": lambda: closed.append(True)})
    lease = ResponseLease(response, slot)
    lease.close_now()
    assert closed == [True] and slot.released == 1


async def test_model_limits_and_gate_are_both_released_by_a_failed_call() -> None:
    async def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(refuse))
    limits = ModelLimits(4)
    settings = Settings(api_key=ApiKey("k" * 24, "test"), base_url=BASE, max_retries=0, max_connections=8)
    http = DeepInfraHttp(settings, pool, model_limits=limits)
    async with pool:
        with pytest.raises(Exception, match="refused"):
            await http.request_json("POST", "chat/completions", json={}, model="m")
    assert limits.snapshot()["m"].in_flight == 0
    assert pool.gate(BASE).stats().in_use == 0
