"""DeepInfraHttp with `model=` and `deadline=`: the per-model guard, the 429 flavours, billed vs
idempotent retries and the one overall deadline, against an in-process async mock transport."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Callable, Coroutine

import httpx
import pytest

from openclaw_deepinfra.errors import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    DeadlineExceededError,
    InvalidRequestError,
    ModelBusyError,
    RateLimitError,
    ServerError,
)
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.settings import ApiKey, Settings, resolve_settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.deadline import Deadline
from openclaw_deepinfra.transport.limits import ModelLimits
from openclaw_deepinfra.transport.pool import ClientPool
from tests.transport.events import all_events

BASE = "https://api.deepinfra.com/v1/openai"
KEY = "guard-test-key-1234567890"
Handler = Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
BUSY = {"error": {"message": "Model busy, retry later"}}
LIMITED = {"error": {"message": "Rate limited"}}


class FakeTime:
    """A monotonic clock that only the fake sleep (and handlers) move."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def make(
    handler: Handler,
    *,
    time: FakeTime | None = None,
    capacity: int = 200,
    max_retries: int = 2,
    timeout_s: float | None = None,
) -> tuple[DeepInfraHttp, ModelLimits, ClientPool]:
    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(handler))
    limits = ModelLimits(capacity)
    settings = Settings(
        api_key=ApiKey(KEY, "test"), base_url=BASE, max_retries=max_retries, timeout_s=timeout_s
    )
    fake = time or FakeTime()
    http = DeepInfraHttp(
        settings, pool, sleep=fake.sleep, rand=lambda: 0.0, monotonic=fake, model_limits=limits
    )
    return http, limits, pool


def replies(*answers: httpx.Response) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(answers)

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler, seen


# -- the per-model guard ---------------------------------------------------------------------------


async def test_no_more_than_capacity_in_flight_per_model_and_all_complete() -> None:
    in_flight = peak = 0
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await gate.wait()
        in_flight -= 1
        return httpx.Response(200, json={"ok": True})

    http, limits, pool = make(handler, capacity=3)
    async with pool:
        calls = [
            asyncio.create_task(http.request_json("POST", "embeddings", json={}, model="m"))
            for _ in range(10)
        ]
        for _ in range(20):
            await asyncio.sleep(0)
        assert limits.snapshot()["m"].in_flight == 3 and limits.snapshot()["m"].waiting == 7
        gate.set()
        results = await asyncio.gather(*calls)
    assert peak == 3 and len(results) == 10
    assert limits.snapshot()["m"].in_flight == 0 and limits.counters["requests"] == 10


async def test_models_do_not_share_slots_and_calls_without_a_model_are_not_guarded() -> None:
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        if b"slow" in request.content:
            await gate.wait()
        return httpx.Response(200, json={})

    http, limits, pool = make(handler, capacity=1)
    async with pool:
        slow = asyncio.create_task(http.request_json("POST", "x", json={"slow": 1}, model="a"))
        await asyncio.sleep(0.01)
        await asyncio.wait_for(http.request_json("POST", "x", json={}, model="b"), 1.0)
        await asyncio.wait_for(http.request_json("GET", "models"), 1.0)
        assert not slow.done()
        gate.set()
        await slow
    assert set(limits.snapshot()) == {"a", "b"}


async def test_a_queued_call_that_is_cancelled_leaks_no_slot() -> None:
    gate = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200, json={})

    http, limits, pool = make(handler, capacity=1)
    async with pool:
        first = asyncio.create_task(http.request_json("POST", "x", json={}, model="m"))
        queued = asyncio.create_task(http.request_json("POST", "x", json={}, model="m"))
        await asyncio.sleep(0.01)
        queued.cancel()
        gate.set()
        await first
        with pytest.raises(asyncio.CancelledError):
            await queued
        await asyncio.wait_for(http.request_json("POST", "x", json={}, model="m"), 1.0)
    assert limits.snapshot()["m"].in_flight == 0 and limits.snapshot()["m"].waiting == 0


async def test_a_call_cancelled_in_flight_releases_its_slot() -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(10)
        return httpx.Response(200)  # pragma: no cover - cancelled first

    http, limits, pool = make(handler, capacity=1)
    async with pool:
        call = asyncio.create_task(http.request_json("POST", "x", json={}, model="m"))
        await asyncio.sleep(0.01)
        assert limits.snapshot()["m"].in_flight == 1
        call.cancel()
        with pytest.raises(asyncio.CancelledError):
            await call
    assert limits.snapshot()["m"].in_flight == 0


@pytest.mark.parametrize("status", [400, 500])
async def test_the_slot_is_released_on_error(status: int) -> None:
    handler, _ = replies(httpx.Response(status, json={"error": {"message": "no"}}))
    http, limits, pool = make(handler, capacity=1)
    async with pool:
        with pytest.raises(APIStatusError):
            await http.request_json("POST", "x", json={}, model="m")
    assert limits.snapshot()["m"].in_flight == 0


async def test_a_stream_holds_its_slot_until_it_is_closed() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'data: {"a": 1}\n\n'
        yield b"data: [DONE]\n\n"

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=chunks())

    http, limits, pool = make(handler, capacity=2)
    async with pool:
        async with http.stream_sse("chat/completions", json={}, model="m") as events:
            assert limits.snapshot()["m"].in_flight == 1
            while await events.next_events():
                assert limits.snapshot()["m"].in_flight == 1
        assert limits.snapshot()["m"].in_flight == 0
        async with http.stream_bytes("POST", "audio/speech", json={}, model="m") as stream:
            assert limits.snapshot()["m"].in_flight == 1
            await anext(stream.chunks)  # leave early
        assert limits.snapshot()["m"].in_flight == 0


async def test_a_stream_is_never_retried_after_its_first_byte() -> None:
    calls = 0

    async def broken() -> AsyncIterator[bytes]:
        yield b'data: {"a": 1}\n\n'
        raise httpx.ReadError("connection reset")

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=broken())

    http, limits, pool = make(handler)
    async with pool:
        with pytest.raises(APIConnectionError):  # mapped, not retried
            async with http.stream_sse("chat/completions", json={}, model="m") as events:
                await all_events(events)
    assert calls == 1 and limits.counters["retries"] == 0
    assert limits.snapshot()["m"].in_flight == 0


# -- the two 429 flavours --------------------------------------------------------------------------


async def test_rate_limited_shrinks_the_window_and_successes_recover_it() -> None:
    handler, seen = replies(httpx.Response(429, json=LIMITED), httpx.Response(200, json={}))
    time = FakeTime()
    http, limits, pool = make(handler, capacity=8, time=time)
    async with pool:
        await http.request_json("POST", "chat/completions", json={}, model="m")
        # halved to 4 by the 429, +1 by the success that followed
        assert limits.snapshot()["m"].window == 5 and limits.counters["rate_limited"] == 1
        assert len(seen) == 2 and time.sleeps == [0.0]  # rand()=0: full jitter's lower end
        for _ in range(5):
            await http.request_json("POST", "chat/completions", json={}, model="m")
    assert limits.snapshot()["m"].window == 8


async def test_model_busy_retries_shortly_without_shrinking() -> None:
    handler, seen = replies(
        httpx.Response(429, json=BUSY), httpx.Response(429, json=BUSY), httpx.Response(200)
    )
    time = FakeTime()
    http, limits, pool = make(handler, capacity=8, time=time)
    async with pool:
        await http.request_json("POST", "chat/completions", json={}, model="m")
    assert time.sleeps == [0.25, 0.25] and len(seen) == 3
    assert limits.snapshot()["m"].window == 8 and limits.counters["model_busy"] == 2


@pytest.mark.parametrize(("body", "error"), [(BUSY, ModelBusyError), (LIMITED, RateLimitError)])
async def test_both_flavours_are_bounded_by_max_retries(
    body: dict[str, object], error: type[Exception]
) -> None:
    handler, seen = replies(httpx.Response(429, json=body))
    http, _, pool = make(handler, max_retries=3)
    async with pool:
        with pytest.raises(error):
            await http.request_json("POST", "chat/completions", json={}, model="m")
    assert len(seen) == 4


async def test_retry_after_is_honoured_for_rate_limits() -> None:
    handler, _ = replies(httpx.Response(429, headers={"Retry-After": "4"}, json=LIMITED), httpx.Response(200))
    time = FakeTime()
    http, _, pool = make(handler, time=time)
    async with pool:
        await http.request_json("POST", "chat/completions", json={}, model="m")
    assert time.sleeps == [4.0]


# -- billed vs idempotent --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "status", "attempts"),
    [
        ("POST", 500, 1),
        ("POST", 408, 1),
        ("POST", 502, 3),
        ("POST", 503, 3),
        ("POST", 504, 3),
        ("GET", 500, 3),
        ("GET", 408, 3),
        ("POST", 400, 1),
    ],
)
async def test_billed_posts_retry_only_what_did_nothing(method: str, status: int, attempts: int) -> None:
    handler, seen = replies(httpx.Response(status, json={"error": {"message": "x"}}))
    http, _, pool = make(handler)
    async with pool:
        with pytest.raises(APIStatusError) as info:
            await http.request_json(method, "anything", json={} if method == "POST" else None)
    assert info.value.status == status and len(seen) == attempts


async def test_connection_refused_is_retried_for_a_billed_post() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json={"ok": 1})

    http, _, pool = make(handler)
    async with pool:
        result = await http.request_json("POST", "embeddings", json={}, model="m")
    assert result.data == {"ok": 1} and calls == 2


async def test_every_retry_is_logged_at_debug_with_its_reason(caplog: pytest.LogCaptureFixture) -> None:
    handler, _ = replies(
        httpx.Response(429, json=BUSY), httpx.Response(503, text="unavailable"), httpx.Response(200)
    )
    http, _, pool = make(handler)
    with caplog.at_level(logging.DEBUG, logger="openclaw_deepinfra"):
        async with pool:
            await http.request_json("POST", "chat/completions", json={}, model="org/m")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("retrying")]
    assert lines == [
        "retrying POST /v1/openai/chat/completions for model org/m (attempt 2 of 3) in 0.25s: "
        "HTTP 429 (model busy): DeepInfra request: Model busy, retry later",
        "retrying POST /v1/openai/chat/completions for model org/m (attempt 3 of 3) in 0.00s: "
        "HTTP 503 (retryable status): DeepInfra request: unavailable",
    ]
    assert all(r.levelno == logging.DEBUG for r in caplog.records if r.getMessage().startswith("retrying"))
    assert KEY not in caplog.text


# -- the one deadline ------------------------------------------------------------------------------


async def test_retries_stop_at_the_deadline_and_the_error_says_where_the_time_went() -> None:
    time = FakeTime()

    async def handler(request: httpx.Request) -> httpx.Response:
        time.now += 4.0  # a slow 503
        return httpx.Response(503, text="unavailable")

    http, limits, pool = make(handler, time=time, max_retries=5)
    async with pool:
        with pytest.raises(DeadlineExceededError) as info:
            await http.with_options(deadline=Deadline(10.0, clock=time)).request_json(
                "POST", "chat/completions", json={}, model="org/m", label="DeepInfra chat"
            )
    err = info.value
    assert str(err).startswith(
        "DeepInfra chat for model org/m gave up after 12.0 s (deadline 10 s): 3 attempts, last: HTTP 503"
    )
    assert "ran out while retrying" in str(err)
    assert err.attempts == 3 and isinstance(err.__cause__, ServerError)
    assert limits.counters["deadline_exceeded"] == 1


async def test_a_retry_after_longer_than_the_deadline_is_not_slept() -> None:
    handler, seen = replies(httpx.Response(429, headers={"Retry-After": "120"}, json=LIMITED))
    time = FakeTime()
    http, _, pool = make(handler, time=time)
    async with pool:
        with pytest.raises(RateLimitError) as info:  # time is left: the real error, with its type
            call = http.with_options(deadline=Deadline(30.0, clock=time))
            await call.request_json("POST", "x", json={}, model="m")
    assert time.sleeps == [] and len(seen) == 1
    assert (
        "not retried after 1 attempt(s) in 0.0 s: a 60.0 s rate limited wait would pass the deadline"
        in str(info.value)
    )


async def test_a_retry_after_past_the_deadline_ends_the_call_although_the_cap_would_fit() -> None:
    handler, seen = replies(httpx.Response(429, headers={"Retry-After": "86400"}, json=LIMITED))
    time = FakeTime()
    http, _, pool = make(handler, time=time)
    async with pool:
        with pytest.raises(RateLimitError) as info:
            call = http.with_options(deadline=Deadline(120.0, clock=time))
            await call.request_json("POST", "x", json={}, model="m")
    assert time.sleeps == [] and len(seen) == 1
    expected = "DeepInfra asked to wait 86400 s (Retry-After), past the deadline (120.0 s left)"
    assert expected in str(info.value)


async def test_a_long_retry_wait_is_announced_once(caplog: pytest.LogCaptureFixture) -> None:
    handler, seen = replies(
        httpx.Response(429, headers={"Retry-After": "5"}, json=LIMITED),
        httpx.Response(429, headers={"Retry-After": "1"}, json=BUSY),
        httpx.Response(200, json={}),
    )
    time = FakeTime()
    http, _, pool = make(handler, time=time)
    caplog.set_level(logging.WARNING)
    async with pool:
        call = http.with_options(deadline=Deadline(120.0, clock=time))
        await call.request_json("POST", "x", json={}, model="m")
    assert len(seen) == 3 and time.sleeps[0] == 5.0 and time.sleeps[1] < 2.0
    waits = [r.getMessage() for r in caplog.records if r.getMessage().startswith("waiting ")]
    assert waits == [
        "waiting 5 s for DeepInfra (rate limited, Retry-After 5 s) before attempt 2 of 3 of POST /v1/openai/x"
    ]


async def test_waiting_for_a_model_slot_counts_against_the_deadline() -> None:
    gate = asyncio.Event()
    entered = asyncio.Event()

    async def handler(request: httpx.Request) -> httpx.Response:
        entered.set()  # the first call holds the model's only slot from here
        await gate.wait()
        return httpx.Response(200, json={})

    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(handler))
    settings = Settings(api_key=ApiKey(KEY, "test"), base_url=BASE)
    limits = ModelLimits(1)
    http = DeepInfraHttp(settings, pool, model_limits=limits)  # real clocks: a 50 ms deadline
    async with pool:
        holder = asyncio.create_task(http.request_json("POST", "x", json={}, model="m"))
        await entered.wait()
        with pytest.raises(DeadlineExceededError) as info:
            await http.with_options(deadline=Deadline(0.05)).request_json(
                "POST", "x", json={}, model="m", label="DeepInfra chat"
            )
        gate.set()
        await holder
    message = str(info.value)
    assert re.match(r"DeepInfra chat for model m gave up after \d+\.\d s", message), message
    assert re.search(r"0 attempts; waited \d+\.\d+ s for a model slot", message), message
    # the whole wait was spent queueing (0 attempts); how much of the 50 ms depends on the
    # machine's load between building the deadline and queueing, so no lower bound here
    assert 0 < info.value.slot_wait_s <= 0.05 + 1.0
    assert limits.snapshot()["m"].in_flight == 0 and limits.snapshot()["m"].waiting == 0


async def test_each_attempt_timeout_is_cut_to_what_is_left() -> None:
    time = FakeTime()
    seen: list[dict[str, float]] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.extensions["timeout"]))
        time.now += 3.0
        return httpx.Response(503) if len(seen) == 1 else httpx.Response(200, json={})

    http, _, pool = make(handler, time=time, timeout_s=100.0)
    async with pool:
        await http.with_options(deadline=Deadline(20.0, clock=time)).request_json("POST", "x", json={})
    assert seen[0] == {"connect": 10.0, "read": 20.0, "write": 20.0, "pool": 20.0}
    assert seen[1] == {"connect": 10.0, "read": 17.0, "write": 17.0, "pool": 17.0}


async def test_without_a_deadline_the_timeout_is_the_whole_budget() -> None:
    time = FakeTime()
    http, _, _ = make(replies(httpx.Response(200))[0], time=time, timeout_s=9.0)
    assert http.deadline().budget_s == 9.0
    assert http.deadline(2.5).budget_s == 2.5


async def test_an_httpx_timeout_at_the_deadline_is_a_deadline_error() -> None:
    time = FakeTime()

    async def handler(request: httpx.Request) -> httpx.Response:
        time.now += 5.0
        raise httpx.ReadTimeout("timed out", request=request)

    http, _, pool = make(handler, time=time)
    async with pool:
        with pytest.raises(DeadlineExceededError, match="ran out while waiting for DeepInfra"):
            call = http.with_options(deadline=Deadline(5.0, clock=time))
            await call.request_json("POST", "x", json={}, model="m")


async def test_a_slow_body_is_cut_at_the_deadline() -> None:
    async def trickle() -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.sleep(5)
        yield b"}"  # pragma: no cover - cut first

    async def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=trickle())

    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(handler))
    limits = ModelLimits(2)
    http = DeepInfraHttp(Settings(api_key=ApiKey(KEY, "test"), base_url=BASE), pool, model_limits=limits)
    async with pool:
        with pytest.raises(DeadlineExceededError, match="ran out while reading the response body"):
            await http.with_options(deadline=Deadline(0.05)).request_json("POST", "x", json={}, model="m")
    assert limits.snapshot()["m"].in_flight == 0


async def test_a_non_retryable_error_is_raised_as_itself() -> None:
    handler, _ = replies(httpx.Response(400, json={"error": {"message": "bad"}}))
    http, _, pool = make(handler)
    async with pool:
        with pytest.raises(InvalidRequestError):
            await http.with_options(deadline=Deadline(5.0)).request_json("POST", "x", json={}, model="m")


# -- configuration ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(None, 200), (50, 50), ("7", 7), (1, 1), (10_000, 10_000)])
def test_max_concurrent_per_model_setting(value: object, expected: int) -> None:
    block: dict[str, object] = {} if value is None else {"maxConcurrentPerModel": value}
    config = OpenClawConfig({"models": {"providers": {"deepinfra": block}}}, env={})
    assert resolve_settings(config, env={}).max_concurrent_per_model == expected


@pytest.mark.parametrize("value", [0, -1, 2.5, True, "many", 10_001])
def test_bad_max_concurrent_per_model_is_a_configuration_error(value: object) -> None:
    config = OpenClawConfig(
        {"models": {"providers": {"deepinfra": {"maxConcurrentPerModel": value}}}}, env={}
    )
    with pytest.raises(ConfigurationError, match="maxConcurrentPerModel"):
        resolve_settings(config, env={})


async def test_the_runtime_shares_one_guard_sized_from_settings() -> None:
    from openclaw_deepinfra.runtime import DeepInfraRuntime

    config = OpenClawConfig(
        {"models": {"providers": {"deepinfra": {"apiKey": KEY, "maxConcurrentPerModel": 3}}}}, env={}
    )
    runtime = DeepInfraRuntime(config, env={})
    try:
        first = runtime.http()
        other = runtime.http().with_options(max_body_bytes=1024)
        assert first.model_limits is other.model_limits and first.model_limits.capacity == 3
    finally:
        await runtime.aclose()
