"""FairLimiter: strict FIFO admission, no slot leaks under cancellation, AIMD window."""

from __future__ import annotations

import asyncio

import pytest

from openclaw_deepinfra.transport.limits import FairLimiter, ModelLimits
from openclaw_deepinfra.transport.pool import ClientPool


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_waiters_are_admitted_in_arrival_order() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    order: list[int] = []

    async def worker(i: int) -> None:
        await limiter.acquire()
        order.append(i)
        await asyncio.sleep(0)
        limiter.release()

    tasks = [asyncio.create_task(worker(i)) for i in range(8)]
    await settle()
    assert limiter.waiting == 8 and order == []
    limiter.release()
    await asyncio.gather(*tasks)
    assert order == list(range(8))
    assert limiter.in_use == 0 and limiter.granted == 9


async def test_a_newcomer_cannot_overtake_a_woken_waiter() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await settle()
    limiter.release()  # hands the slot to `waiter` before it even runs
    assert limiter.try_acquire() is False
    await waiter
    assert limiter.in_use == 1
    limiter.release()
    assert limiter.try_acquire() is True


async def test_cancelled_while_queued_leaks_nothing() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    doomed = asyncio.create_task(limiter.acquire())
    behind = asyncio.create_task(limiter.acquire())
    await settle()
    doomed.cancel()
    await settle()
    assert doomed.cancelled() and limiter.waiting == 1
    limiter.release()
    await behind
    assert limiter.in_use == 1
    limiter.release()
    assert limiter.in_use == 0 and limiter.idle


async def test_cancelled_right_after_the_handover_gives_the_slot_back() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    waiter = asyncio.create_task(limiter.acquire())
    await settle()
    limiter.release()  # slot handed to `waiter` (in_use stays 1) ...
    waiter.cancel()  # ... which is cancelled before it resumes
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert limiter.in_use == 0
    assert limiter.try_acquire() is True


async def test_a_stale_cancelled_waiter_does_not_block_a_free_slot() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    doomed = asyncio.create_task(limiter.acquire())
    await settle()
    doomed.cancel()
    limiter.release()  # the cancelled future is skipped, the slot is free
    newcomer = asyncio.create_task(limiter.acquire())
    await asyncio.wait_for(newcomer, 1.0)
    assert limiter.in_use == 1


async def test_front_queues_ahead_of_newcomers() -> None:
    limiter = FairLimiter(1)
    await limiter.acquire()
    order: list[str] = []

    async def take(name: str, *, front: bool = False) -> None:
        await limiter.acquire(front=front)
        order.append(name)
        limiter.release()

    first = asyncio.create_task(take("newcomer"))
    await settle()
    retry = asyncio.create_task(take("retry", front=True))
    await settle()
    limiter.release()
    await asyncio.gather(first, retry)
    assert order == ["retry", "newcomer"]


def test_release_without_acquire_is_a_bug() -> None:
    with pytest.raises(RuntimeError, match="more times"):
        FairLimiter(1).release()


@pytest.mark.parametrize(
    ("capacity", "floor", "decreases", "expected"),
    [(200, 1, 1, 100), (200, 1, 2, 50), (200, 1, 20, 1), (5, 1, 1, 2), (8, 3, 5, 3), (1, 1, 3, 1)],
)
def test_rate_limits_halve_the_window_down_to_the_floor(
    capacity: int, floor: int, decreases: int, expected: int
) -> None:
    clock = Clock()
    limiter = FairLimiter(capacity, floor=floor, clock=clock)
    for _ in range(decreases):
        clock.now += 10.0
        limiter.on_rate_limited()
    assert limiter.window == expected


def test_a_burst_of_rate_limits_is_one_decrease() -> None:
    clock = Clock()
    limiter = FairLimiter(200, clock=clock, decrease_interval_s=1.0)
    assert [limiter.on_rate_limited() for _ in range(50)] == [True] + [False] * 49
    assert limiter.window == 100 and limiter.shrinks == 1
    clock.now = 1.5
    assert limiter.on_rate_limited() is True
    assert limiter.window == 50


def test_successes_recover_the_window_additively_up_to_capacity() -> None:
    limiter = FairLimiter(10, clock=Clock())
    limiter.on_rate_limited()
    assert limiter.window == 5
    for expected in (6, 7, 8, 9, 10, 10, 10):
        limiter.on_success()
        assert limiter.window == expected


async def test_a_shrunk_window_queues_and_recovery_admits() -> None:
    limiter = FairLimiter(4, clock=Clock())
    for _ in range(2):
        await limiter.acquire()
    limiter.on_rate_limited()  # window 2, two in flight: the next caller waits
    waiter = asyncio.create_task(limiter.acquire())
    await settle()
    assert not waiter.done() and limiter.waiting == 1
    limiter.on_success()  # window 3: admitted without anyone releasing
    await asyncio.wait_for(waiter, 1.0)
    assert limiter.in_use == 3


def test_model_limits_are_per_model_and_report_windows() -> None:
    limits = ModelLimits(6)
    limits.limiter("a").on_rate_limited()
    assert set(limits.snapshot()) == {"a"}
    assert limits.snapshot()["a"].window == 3 and limits.limiter("b").window == 6  # b: never seen
    assert limits.snapshot()["a"].capacity == 6


def test_idle_limiters_are_forgotten_when_there_are_too_many() -> None:
    limits = ModelLimits(2)
    for i in range(1024):
        limits.limiter(f"m{i}")
    limits.limiter("m0").on_rate_limited()  # not idle: kept
    limits.limiter("new")
    assert set(limits.snapshot()) == {"m0", "new"}


def test_one_model_limits_per_pool() -> None:
    pool, other = ClientPool(), ClientPool()
    assert pool.model_limits(5) is pool.model_limits(99)
    assert pool.model_limits(200).capacity == 5
    assert other.model_limits(5) is not pool.model_limits(5)


@pytest.mark.parametrize(
    "kwargs", [{"capacity": 0}, {"capacity": 3, "floor": 0}, {"capacity": 3, "floor": 4}]
)
def test_limiter_rejects_bad_bounds(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="capacity"):
        FairLimiter(**kwargs)  # type: ignore[arg-type]
