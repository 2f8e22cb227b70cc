from __future__ import annotations

import email.utils

import httpx
import pytest

from openclaw_deepinfra.transport.retry import (
    RetryPolicy,
    backoff_delay,
    decide_retry,
    parse_retry_after,
    retryable_status,
)

POLICY = RetryPolicy()
NO_SERVER_RETRY = RetryPolicy(retry_server_errors=False)
REQUEST = httpx.Request("POST", "https://api.deepinfra.com/v1/openai/chat/completions")


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (599, True),
        (400, False),
        (401, False),
        (402, False),
        (403, False),
        (404, False),
        (405, False),
        (409, False),
        (413, False),
        (422, False),
        (200, False),
        (301, False),
    ],
)
def test_retryable_status(status: int, expected: bool) -> None:
    assert retryable_status(status) is expected


@pytest.mark.parametrize(
    ("policy", "attempt", "status", "stream_started", "expected"),
    [
        (POLICY, 0, 429, False, True),
        (POLICY, 1, 429, False, True),
        (POLICY, 2, 429, False, False),  # attempts exhausted: 1 try + 2 retries
        (POLICY, 0, 503, False, True),
        (POLICY, 0, 408, False, True),
        (POLICY, 0, 400, False, False),
        (POLICY, 0, 401, False, False),
        (POLICY, 0, 402, False, False),
        (POLICY, 0, 403, False, False),
        (POLICY, 0, 404, False, False),
        (POLICY, 0, 405, False, False),
        (POLICY, 0, 422, False, False),
        (POLICY, 0, 429, True, False),  # never after the first streamed byte
        (POLICY, 0, 503, True, False),
        (RetryPolicy(max_retries=0), 0, 429, False, False),
        (RetryPolicy(max_retries=5), 4, 500, False, True),
        (NO_SERVER_RETRY, 0, 429, False, True),  # rejected, not processed: safe for a billed submit
        (NO_SERVER_RETRY, 0, 500, False, False),
        (NO_SERVER_RETRY, 0, 408, False, False),
        (POLICY, 0, None, False, False),
    ],
)
def test_decide_retry_on_status(
    policy: RetryPolicy, attempt: int, status: int | None, stream_started: bool, expected: bool
) -> None:
    assert decide_retry(policy, attempt=attempt, status=status, stream_started=stream_started) is expected


@pytest.mark.parametrize(
    ("error", "stream_started", "attempt", "expected"),
    [
        (httpx.ConnectError("refused", request=REQUEST), False, 0, True),
        (httpx.ConnectTimeout("slow", request=REQUEST), False, 0, True),
        (httpx.ConnectError("refused", request=REQUEST), False, 2, False),
        (httpx.RemoteProtocolError("disconnected", request=REQUEST), False, 0, True),
        (httpx.ReadError("reset", request=REQUEST), False, 0, True),
        (httpx.RemoteProtocolError("disconnected", request=REQUEST), True, 0, False),
        (httpx.ReadError("reset", request=REQUEST), True, 0, False),
        (httpx.ConnectError("refused", request=REQUEST), True, 0, False),
        (httpx.ReadTimeout("slow", request=REQUEST), False, 0, False),  # the server may be working on it
        (httpx.WriteTimeout("slow", request=REQUEST), False, 0, False),
        (httpx.PoolTimeout("busy", request=REQUEST), False, 0, False),
        (httpx.WriteError("broken", request=REQUEST), False, 0, False),
        (ValueError("not a transport error"), False, 0, False),
    ],
)
def test_decide_retry_on_error(
    error: BaseException, stream_started: bool, attempt: int, expected: bool
) -> None:
    assert decide_retry(POLICY, attempt=attempt, error=error, stream_started=stream_started) is expected


def test_connect_errors_are_retried_even_without_server_retries() -> None:
    error = httpx.ConnectError("refused", request=REQUEST)
    assert decide_retry(NO_SERVER_RETRY, attempt=0, error=error) is True


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("   ", None),
        ("0", 0.0),
        ("3", 3.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("soon", None),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),  # a date in the past: retry now
        ("Wed, 21 Oct 2015 07:28:00", None),  # no zone: not an HTTP-date
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    result = parse_retry_after(value, now=NOW)
    if expected is None:
        assert result is None
    else:
        assert result == pytest.approx(expected, abs=1.0)


@pytest.mark.parametrize(
    ("attempt", "rand", "retry_after", "expected"),
    [
        (0, 1.0, None, 0.5),  # ceiling base * 2**0
        (1, 1.0, None, 1.0),
        (2, 1.0, None, 2.0),
        (2, 0.5, None, 1.0),  # full jitter: rand() * ceiling
        (10, 1.0, None, 8.0),  # capped at max_delay_s
        (10_000, 1.0, None, 8.0),  # no overflow for absurd attempt counts
        (0, 0.0, None, 0.0),
        (0, 0.1, 5.0, 5.0),  # Retry-After is the floor
        (3, 1.0, 1.0, 4.0),  # backoff above the floor wins
        (0, 0.1, 3600.0, 60.0),  # Retry-After capped by max_retry_after_s
        (0, 0.0, 0.0, 0.0),
    ],
)
def test_backoff_delay(attempt: int, rand: float, retry_after: float | None, expected: float) -> None:
    assert backoff_delay(POLICY, attempt, retry_after=retry_after, rand=lambda: rand) == pytest.approx(
        expected
    )


def test_backoff_is_jittered_between_zero_and_the_ceiling() -> None:
    import random

    rng = random.Random(7)
    delays = {backoff_delay(POLICY, 3, retry_after=None, rand=rng.random) for _ in range(50)}
    assert len(delays) > 40
    assert all(0.0 <= d <= 4.0 for d in delays)


@pytest.mark.parametrize(
    "kwargs",
    [{"max_retries": -1}, {"base_delay_s": -0.1}, {"max_delay_s": -1.0}, {"max_retry_after_s": -5.0}],
)
def test_policy_rejects_negative_values(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=">= 0"):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]
