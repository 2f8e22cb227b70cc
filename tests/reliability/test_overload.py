"""Under overload nobody starves (issue 16): long streams over three models, more than the limits
admit, all queue first come first served and all get their first token.

The per-model limit and the pool cap (`maxConnections`) are both below the load, so calls queue for
a model slot and then for a connection. Each stream arrives a few milliseconds after the previous
one (its arrival order is its index); the server answers with a first token at once and keeps the
stream open for `HOLD_S`. Checks: every stream got its first token and finished; per model, the
server saw the requests and the client saw the first tokens in arrival order; no request failed
while queued; no retry was spent (the server saw each request once); aiohttp's own connection queue
was never used (the connection gate is the only queue).

Reduced by default (CI). The issue's full size, 1,000 streams with the default per-model limit of
200 and a pool of 400, runs with `OPENCLAW_DEEPINFRA_FULL_LOAD=1`.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections import defaultdict
from typing import Any

import pytest

from openclaw_deepinfra.errors import DeadlineExceededError
from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.runtime import DeepInfraRuntime
from tests.e2e.faults import Action, FaultServer, Hang, Request, Send, Sleep, chunk, chunked_head
from tests.reliability import calls
from tests.reliability.conftest import CHAT_PATH, Host, MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

FULL = os.environ.get("OPENCLAW_DEEPINFRA_FULL_LOAD", "").strip() not in ("", "0")
MODELS = ("deepseek-ai/DeepSeek-V4-Flash", "deepseek-ai/DeepSeek-V4-Pro", "zai-org/GLM-5.2")
STREAMS = 1_000 if FULL else 150
PER_MODEL = 200 if FULL else 20
POOL = 400 if FULL else 30  # below 3 x PER_MODEL: calls queue for a connection as well
ARRIVAL_S = 0.004
HOLD_S = 2.0 if FULL else 1.0


def paced(request: Request) -> Action:
    body = request.json()
    if not body.get("stream"):
        return calls.chat_answer(request)
    model = body["model"]
    first = calls.frame({"model": model, "choices": [{"index": 0, "delta": {"content": "tok"}}]})
    last = calls.frame({"model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return (
        Send(chunked_head() + chunk(first)),
        Sleep(HOLD_S),
        Send(chunk(last) + chunk(calls.DONE) + b"0\r\n\r\n"),
    )


def runtime_of(host: Host) -> DeepInfraRuntime:
    runtime: DeepInfraRuntime = host.get("provider")._runtime
    return runtime


def request_for(i: int, **options: Any) -> ChatRequest:
    model = MODELS[i % len(MODELS)]
    return ChatRequest.model_validate(
        {"model": f"deepinfra/{model}", "messages": [{"role": "user", "content": f"stream {i}"}],
         "options": options}
    )  # fmt: skip


async def test_every_queued_stream_gets_its_first_token_in_arrival_order(
    faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    server_order: dict[str, list[int]] = defaultdict(list)

    def respond(request: Request) -> Action:
        body = request.json()
        if body.get("stream"):
            server_order[body["model"]].append(int(body["messages"][-1]["content"].split()[1]))
        return paced(request)

    faults.route("POST", CHAT_PATH, responder=respond)
    faults.keep_requests = False
    host = make_host(
        faults, maxRetries=2, timeoutSeconds=300, maxConcurrentPerModel=PER_MODEL, maxConnections=POOL
    )
    runtime = runtime_of(host)
    provider = host.get("provider")
    first_order: dict[str, list[int]] = defaultdict(list)
    failures: list[BaseException] = []
    aiohttp_queued = 0

    async def one(i: int) -> None:
        await asyncio.sleep(i * ARRIVAL_S)
        model = MODELS[i % len(MODELS)]
        try:
            async with provider.stream(request_for(i)) as events:
                async for event in events:
                    if event.type == "text_delta" and event.text == "tok":
                        first_order[model].append(i)
        except Exception as exc:
            failures.append(exc)

    async def watch() -> None:
        nonlocal aiohttp_queued
        while True:
            aiohttp_queued = max(aiohttp_queued, runtime.pool.stats().queued)
            await asyncio.sleep(0.01)

    for i in range(len(MODELS)):  # warm-up: a model missing from the snapshot costs a catalog refresh
        async with provider.stream(request_for(i)) as events:
            async for _event in events:
                pass
    server_order.clear()
    faults_before = faults.hits(CHAT_PATH)
    watcher = asyncio.create_task(watch())
    started = time.monotonic()
    try:
        async with asyncio.timeout(180 if FULL else 60):
            await asyncio.gather(*(one(i) for i in range(STREAMS)))
    finally:
        watcher.cancel()
    elapsed = time.monotonic() - started

    assert failures == [], f"{len(failures)} streams failed, first: {failures[0]!r}"
    assert sum(len(v) for v in first_order.values()) == STREAMS, "a stream never got its first token"
    limits = runtime.http().model_limits
    gate = {url: g.stats() for url, g in runtime.pool._gates.items()}
    assert limits.counters["retries"] == 0, limits.counters
    assert faults.hits(CHAT_PATH) - faults_before == STREAMS  # each request sent exactly once
    for model in MODELS:
        expected = [i for i in range(STREAMS) if MODELS[i % len(MODELS)] == model]
        assert server_order[model] == expected, f"{model}: sent out of arrival order"
        assert first_order[model] == expected, f"{model}: first tokens out of arrival order"
    # The load really queued, at both levels, and aiohttp's own queue was never used.
    (pool,) = gate.values()
    assert pool.cap == POOL and pool.queued_total > 0, pool
    assert all(s.granted > PER_MODEL for s in limits.snapshot().values() if s.capacity == PER_MODEL)
    assert aiohttp_queued == 0
    assert elapsed >= HOLD_S * STREAMS / POOL  # not more than POOL streams were ever open at once
    assert (pool.in_use, pool.waiting) == (0, 0)


async def test_a_call_that_times_out_while_queued_says_where_it_queued(
    faults: FaultServer, make_host: MakeHost
) -> None:
    model = MODELS[0]

    def hang(request: Request) -> Action:
        if not request.json().get("stream"):
            return calls.chat_answer(request)
        first = calls.frame({"model": model, "choices": [{"index": 0, "delta": {"content": "tok"}}]})
        return (Send(chunked_head() + chunk(first)), Hang())

    calls.route_all_ok(faults)
    faults.route("POST", CHAT_PATH, responder=hang)
    host = make_host(faults, maxRetries=2, timeoutSeconds=30, maxConcurrentPerModel=2, maxConnections=2)
    provider = host.get("provider")
    await provider.complete(request_for(0))  # the catalog is fetched once, before the pool fills
    holders = [provider.stream(request_for(0)) for _ in range(2)]
    for holder in holders:
        await anext(aiter(holder))  # two streams hold the model's two slots and both connections
    limits = runtime_of(host).http().model_limits
    attempts_before = limits.counters["attempts"]
    try:
        with pytest.raises(DeadlineExceededError) as slot_wait:
            await provider.complete(request_for(0, timeout_s=0.5))
        message = str(slot_wait.value)
        assert re.search(rf"queued 0\.\d s behind 2 requests for model {re.escape(model)}", message), message
        assert "connect timeout" not in message.lower() and "connecttimeout" not in message.lower()
        other = request_for(1, timeout_s=0.5)  # another model: a free model slot, but no free connection
        with pytest.raises(DeadlineExceededError) as pool_wait:
            await provider.complete(other)
        message = str(pool_wait.value)
        assert re.search(r"queued 0\.\d s behind 2 requests for a connection \(pool of 2, every", message), (
            message
        )
        assert "connect timeout" not in message.lower() and "connecttimeout" not in message.lower()
        assert "maxConnections" in pool_wait.value.hint
        # queued only: neither call was ever sent, so none could spend a retry
        assert limits.counters["retries"] == 0 and limits.counters["attempts"] == attempts_before
    finally:
        for holder in holders:
            await holder.aclose()
