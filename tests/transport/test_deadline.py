"""Deadline and the message of the error raised when it runs out."""

from __future__ import annotations

import httpx
import pytest

from openclaw_deepinfra.errors import APITimeoutError, DeadlineExceededError
from openclaw_deepinfra.settings import Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S, CallRecord, Deadline
from openclaw_deepinfra.transport.pool import ClientPool


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("kwargs", "settings_s", "expected", "attempt_s"),
    [
        ({"timeout_ms": 30_000, "timeout_s": 5.0}, 7.0, 30.0, 30.0),  # the host's number wins
        ({"timeout_ms": 0, "timeout_s": 5.0}, 7.0, 5.0, 5.0),  # 0 ms means "not set"
        ({"timeout_ms": None, "timeout_s": None}, 7.0, 7.0, 7.0),
        ({"timeout_ms": -1, "timeout_s": -3.0}, None, DEFAULT_DEADLINE_S, None),
        ({}, None, DEFAULT_DEADLINE_S, None),  # no budget anywhere: the pool's default timeouts
    ],
)
def test_a_call_deadline_comes_from_the_host_then_the_caller_then_the_settings(
    kwargs: dict[str, float], settings_s: float | None, expected: float, attempt_s: float | None
) -> None:
    http = DeepInfraHttp(Settings(api_key=None, timeout_s=settings_s), ClientPool())
    deadline = http.deadline(kwargs.get("timeout_s"), timeout_ms=kwargs.get("timeout_ms"))  # type: ignore[arg-type]
    assert (deadline.budget_s, deadline.attempt_s) == (expected, attempt_s)


def test_deadline_counts_down_on_its_clock() -> None:
    clock = Clock()
    deadline = Deadline(10.0, clock=clock)
    assert deadline.remaining() == 10.0 and not deadline.expired
    clock.now += 4.0
    assert deadline.elapsed() == 4.0 and deadline.remaining() == 6.0
    base = httpx.Timeout(connect=2.0, read=30.0, write=None, pool=30.0)
    assert deadline.attempt_timeouts(base) == {"connect": 2.0, "read": 6.0, "write": 6.0, "pool": 6.0}
    clock.now += 6.0
    assert deadline.expired
    # an httpx timeout is never zero or negative
    assert deadline.attempt_timeouts(base) == {"connect": 0.001, "read": 0.001, "write": 0.001, "pool": 0.001}


def test_an_attempt_budget_caps_read_write_and_pool_but_connecting_stays_short() -> None:
    deadline = Deadline(60.0, clock=Clock(), attempt_s=20.0)
    timeouts = deadline.attempt_timeouts(httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=30.0))
    assert timeouts == {"connect": 10.0, "read": 20.0, "write": 20.0, "pool": 20.0}


@pytest.mark.parametrize("budget", [0.0, -1.0, float("nan")])
def test_deadline_needs_a_positive_budget(budget: float) -> None:
    with pytest.raises(ValueError, match="> 0"):
        Deadline(budget)


def test_a_capped_deadline_keeps_its_start_and_clock() -> None:
    clock = Clock()
    deadline = Deadline(30.0, clock=clock, attempt_s=30.0)
    clock.now += 10.0
    capped = deadline.capped(5.0)
    assert (capped.attempt_s, capped.remaining(), capped.clock) == (5.0, 20.0, clock)


def test_expired_error_says_how_long_and_on_what() -> None:
    clock = Clock()
    deadline = Deadline(30.0, clock=clock)
    record = CallRecord(
        "DeepInfra chat", "meta-llama/X", attempts=3, last_failure="HTTP 503", slot_wait_s=1.2
    )
    clock.now += 30.0
    err = record.expired(deadline, during="waiting for DeepInfra")
    assert isinstance(err, DeadlineExceededError) and isinstance(err, APITimeoutError)
    assert str(err).startswith(
        "DeepInfra chat for model meta-llama/X gave up after 30.0 s (deadline 30 s): 3 attempts, "
        "last: HTTP 503; waited 1.2 s for a model slot; ran out while waiting for DeepInfra"
    )
    assert (err.elapsed_s, err.budget_s, err.attempts, err.slot_wait_s) == (30.0, 30.0, 3, 1.2)


def test_expired_in_the_queue_names_the_slot_wait_even_with_no_attempt() -> None:
    clock = Clock()
    deadline = Deadline(2.0, clock=clock)
    clock.now += 2.0
    err = CallRecord("DeepInfra embeddings", "BAAI/bge-m3", slot_wait_s=2.0).expired(
        deadline, during="model slot"
    )
    assert "0 attempts; waited 2.0 s for a model slot" in str(err)
    assert "ran out while" not in str(err)
