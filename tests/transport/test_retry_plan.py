"""The per-kind status tables and `plan_retry`, the whole retry decision as data."""

from __future__ import annotations

import httpx
import pytest

from openclaw_deepinfra.transport.retry import (
    RetryKind,
    RetryPolicy,
    as_billed,
    as_submit,
    decide_retry,
    plan_retry,
    retry_kind,
)

POLICY = RetryPolicy(max_retries=3)
REQUEST = httpx.Request("POST", "https://api.deepinfra.com/v1/openai/chat/completions")


@pytest.mark.parametrize(
    ("policy", "method", "expected"),
    [
        (POLICY, "GET", "idempotent"),
        (POLICY, "head", "idempotent"),
        (POLICY, "POST", "billed"),
        (POLICY, "PUT", "billed"),
        (RetryPolicy(kind="idempotent"), "POST", "idempotent"),
        (RetryPolicy(retry_server_errors=False), "GET", "submit"),  # the older spelling wins
        (as_billed(RetryPolicy(retry_server_errors=False)), "GET", "billed"),
        (as_submit(POLICY), "POST", "submit"),
    ],
)
def test_retry_kind(policy: RetryPolicy, method: str, expected: RetryKind) -> None:
    assert retry_kind(policy, method) == expected


#                      408    429   500    502   503   504   400    404
TABLE: dict[str, tuple[bool, ...]] = {
    "idempotent": (True, True, True, True, True, True, False, False),
    "billed": (False, True, False, True, True, True, False, False),
    "submit": (False, True, False, False, False, False, False, False),
}
STATUSES = (408, 429, 500, 502, 503, 504, 400, 404)


@pytest.mark.parametrize("kind", sorted(TABLE))
@pytest.mark.parametrize("index", range(len(STATUSES)))
def test_status_tables(kind: RetryKind, index: int) -> None:
    policy = RetryPolicy(kind=kind)
    assert decide_retry(policy, attempt=0, status=STATUSES[index], method="POST") is TABLE[kind][index]


@pytest.mark.parametrize("kind", sorted(TABLE))
@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError("refused", request=REQUEST), True),  # nothing reached the server
        (httpx.RemoteProtocolError("closed before any byte", request=REQUEST), True),
        (httpx.ReadTimeout("slow", request=REQUEST), False),  # it may be working on it
    ],
)
def test_transport_errors_are_the_same_for_every_kind(
    kind: RetryKind, error: BaseException, expected: bool
) -> None:
    assert decide_retry(RetryPolicy(kind=kind), attempt=0, error=error, method="POST") is expected


# (status, model_busy, retry_after, attempt, rand, remaining) -> (retry, delay, shrink, stopped_by_deadline)
PLANS = [
    # "Rate limited": exponential backoff with full jitter, shrink the window
    ((429, False, None, 0, 1.0, None), (True, 0.5, True, False)),
    ((429, False, None, 2, 0.5, None), (True, 1.0, True, False)),
    # ... Retry-After is the floor (capped at max_retry_after_s)
    ((429, False, 7.0, 0, 0.0, None), (True, 7.0, True, False)),
    ((429, False, 600.0, 0, 0.0, None), (True, 60.0, True, False)),
    # "Model busy": short jittered wait 0.25-1 s, no shrink, whatever the attempt
    ((429, True, None, 0, 0.0, None), (True, 0.25, False, False)),
    ((429, True, None, 2, 1.0, None), (True, 1.0, False, False)),
    ((429, True, 3.0, 0, 0.0, None), (True, 3.0, False, False)),
    # bounded by max_retries (3): the 4th failure is final; a rate limit still shrinks
    ((429, False, None, 3, 1.0, None), (False, 0.0, True, False)),
    ((429, True, None, 3, 1.0, None), (False, 0.0, False, False)),
    # bounded by the deadline: a wait that would outlast it is not planned
    ((429, False, 5.0, 0, 0.0, 4.0), (False, 5.0, True, True)),
    ((429, True, None, 0, 1.0, 0.5), (False, 1.0, False, True)),
    ((503, False, None, 1, 1.0, 0.9), (False, 1.0, False, True)),
    ((503, False, None, 1, 1.0, 1.1), (True, 1.0, False, False)),
    # a Retry-After past the deadline ends the call even though the capped wait would fit
    ((429, False, 86400.0, 0, 0.0, 120.0), (False, 60.0, True, True)),
    ((429, True, 86400.0, 0, 0.0, 120.0), (False, 60.0, False, True)),
    # billed POST: never 500 or 408
    ((500, False, None, 0, 1.0, None), (False, 0.0, False, False)),
    ((408, False, None, 0, 1.0, None), (False, 0.0, False, False)),
    ((400, False, None, 0, 1.0, None), (False, 0.0, False, False)),
]


@pytest.mark.parametrize(("given", "expected"), PLANS)
def test_plan_retry(
    given: tuple[int, bool, float | None, int, float, float | None], expected: tuple[bool, float, bool, bool]
) -> None:
    status, busy, retry_after, attempt, rand, remaining = given
    plan = plan_retry(
        POLICY,
        attempt=attempt,
        method="POST",
        status=status,
        model_busy=busy,
        retry_after=retry_after,
        remaining_s=remaining,
        rand=lambda: rand,
    )
    assert (plan.retry, plan.shrink_window, plan.stopped_by_deadline) == (
        expected[0],
        expected[2],
        expected[3],
    )
    assert plan.delay_s == pytest.approx(expected[1])
    assert plan.reason


def test_plan_reasons_name_the_flavour() -> None:
    def reason(busy: bool) -> str:
        return plan_retry(
            POLICY, attempt=0, method="POST", status=429, model_busy=busy, rand=lambda: 0.5
        ).reason

    assert reason(True) == "model busy"
    assert reason(False) == "rate limited"
    error = httpx.ConnectError("refused", request=REQUEST)
    assert (
        plan_retry(POLICY, attempt=0, method="POST", error=error, rand=lambda: 0.5).reason
        == "transport error"
    )


def test_busy_delays_are_jittered_within_bounds() -> None:
    import random

    rng = random.Random(3)
    delays = {
        plan_retry(POLICY, attempt=0, method="POST", status=429, model_busy=True, rand=rng.random).delay_s
        for _ in range(50)
    }
    assert len(delays) > 40 and all(0.25 <= d <= 1.0 for d in delays)


def test_busy_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="busy_max_delay_s"):
        RetryPolicy(busy_min_delay_s=2.0, busy_max_delay_s=1.0)
