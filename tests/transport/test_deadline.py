"""Deadline and the message of the error raised when it runs out."""

from __future__ import annotations

import pytest

from openclaw_deepinfra.errors import APITimeoutError, DeadlineExceededError
from openclaw_deepinfra.transport.deadline import DEFAULT_DEADLINE_S, CallRecord, Deadline, resolve_budget


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"timeout_ms": 30_000, "timeout_s": 5.0, "settings_s": 7.0}, 30.0),  # the host's number wins
        ({"timeout_ms": 0, "timeout_s": 5.0, "settings_s": 7.0}, 5.0),  # 0 ms means "not set"
        ({"timeout_ms": None, "timeout_s": None, "settings_s": 7.0}, 7.0),
        ({"timeout_ms": -1, "timeout_s": -3.0, "settings_s": None}, DEFAULT_DEADLINE_S),
        ({}, DEFAULT_DEADLINE_S),
        ({"default_s": 42.0}, 42.0),
    ],
)
def test_resolve_budget(kwargs: dict[str, float], expected: float) -> None:
    assert resolve_budget(**kwargs) == expected  # type: ignore[arg-type]


def test_deadline_counts_down_on_its_clock() -> None:
    clock = Clock()
    deadline = Deadline(10.0, clock=clock)
    assert deadline.remaining() == 10.0 and not deadline.expired
    clock.now += 4.0
    assert deadline.elapsed() == 4.0 and deadline.remaining() == 6.0
    assert deadline.clamp(30.0) == 6.0 and deadline.clamp(2.0) == 2.0 and deadline.clamp(None) == 6.0
    clock.now += 6.0
    assert deadline.expired
    assert deadline.clamp(5.0) == 0.001  # an httpx timeout is never zero or negative


@pytest.mark.parametrize("budget", [0.0, -1.0, float("nan")])
def test_deadline_needs_a_positive_budget(budget: float) -> None:
    with pytest.raises(ValueError, match="> 0"):
        Deadline(budget)


def test_from_ms_uses_the_default_when_the_host_gives_none() -> None:
    assert Deadline.from_ms(None, default_s=12.0).budget_s == 12.0
    assert Deadline.from_ms(2500, default_s=12.0).budget_s == 2.5


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
