"""Retry policy as pure functions: what is retryable, how long to wait, when to stop.

A request is repeated only when repeating it cannot bill the caller twice. Which statuses are
"nothing was done" depends on what the request is, so `RetryPolicy.kind` picks the table:

| kind       | used by (default for)                       | retried statuses                    |
|------------|---------------------------------------------|-------------------------------------|
| idempotent | GET/HEAD: catalog, video polls, downloads   | 408, 429, every 5xx                 |
| billed     | every POST: chat, embeddings, STT (Whisper), | 429, 502, 503, 504                  |
|            | TTS, image generate/edit, describe          |                                     |
| submit     | video job / native video submits            | 429 only                            |

The transport derives the kind from the method ("auto"); only the two video submits say `submit`
(`DeepInfraHttp.with_options(retry_kind="submit")`). Per surface: README's retry table, which
tests/transport/test_retry.py renders from `RETRIED_STATUSES` and checks against the README.

Why: 500 and 408 mean the server may have run (and billed) the work; 429 means it was refused;
502/503/504 are the gateway's answers when no (healthy) worker took the request, so they are
treated as "nothing was done". A video submit keeps even 502-504 out: a gateway timeout in front
of a long job can hide a job that was created and will be billed.

Transport errors, for every kind: connect failures (refused, DNS, connect timeout) are retried
(nothing reached the server); a connection dropped before any response byte (a stale keep-alive
reused as the server closed it) is retried; read/write/pool timeouts and anything after the first
response byte never are. Every retry is bounded by `max_retries` and by the call's deadline:
when the next wait would not end before it, the call stops with the failure itself (same type;
its hint says why) while time is left, or with DeadlineExceededError once time has run out.

The two 429 flavours (`plan_retry`): "Rate limited" (account limit) waits for Retry-After, else
exponential backoff with full jitter, and asks the caller to shrink that model's in-flight window;
"Model busy, retry later" (the model is scaling) waits a short jittered 0.25-1 s and does not shrink.
`log_retry` is the one line each retry writes (a warning when the wait is long).
"""

from __future__ import annotations

import email.utils
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

import httpx

from openclaw_deepinfra.redact import get_logger, redact

RetryKind = Literal["auto", "idempotent", "billed", "submit"]

# The kind table: the statuses each kind repeats (module docstring).
RETRIED_STATUSES: Final[Mapping[RetryKind, frozenset[int]]] = {
    "idempotent": frozenset({408, 429, *range(500, 600)}),
    "billed": frozenset({429, 502, 503, 504}),
    "submit": frozenset({429}),
}
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Errors raised before the request could have been processed: always safe to repeat.
_CONNECT_ERRORS: tuple[type[BaseException], ...] = (httpx.ConnectError, httpx.ConnectTimeout)
# Errors that are only safe to repeat when no response byte arrived (server closed an idle
# keep-alive connection as we reused it); after a byte they mean a half-delivered answer.
_EARLY_DISCONNECT_ERRORS: tuple[type[BaseException], ...] = (httpx.RemoteProtocolError, httpx.ReadError)


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 2
    base_delay_s: float = 0.5
    max_delay_s: float = 8.0
    max_retry_after_s: float = 60.0
    # "auto": idempotent for GET/HEAD/OPTIONS, billed for every other method (module docstring).
    kind: RetryKind = "auto"
    busy_min_delay_s: float = 0.25
    busy_max_delay_s: float = 1.0

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        delays = (self.base_delay_s, self.max_delay_s, self.max_retry_after_s, self.busy_min_delay_s)
        if min(delays) < 0 or self.busy_max_delay_s < self.busy_min_delay_s:
            raise ValueError("retry delays must be >= 0 (and busy_max_delay_s >= busy_min_delay_s)")


def retry_kind(policy: RetryPolicy, method: str) -> RetryKind:
    """The status table that applies to `method` under `policy`."""
    if policy.kind != "auto":
        return policy.kind
    return "idempotent" if method.upper() in IDEMPOTENT_METHODS else "billed"


def retryable_status(status: int) -> bool:
    """408, 429 and every 5xx; no other status is worth repeating unchanged."""
    return status in RETRIED_STATUSES["idempotent"]


def retryable_error(error: BaseException, *, stream_started: bool = False) -> bool:
    if isinstance(error, _CONNECT_ERRORS):
        return True
    return isinstance(error, _EARLY_DISCONNECT_ERRORS) and not stream_started


def decide_retry(
    policy: RetryPolicy,
    *,
    attempt: int,
    status: int | None = None,
    error: BaseException | None = None,
    stream_started: bool = False,
    method: str,
) -> bool:
    """Whether to repeat after attempt number `attempt` (0-based) failed with `status` or `error`.

    `stream_started` is true once any byte of the response body has been received; `method`
    picks the status table when the policy's kind is "auto".
    """
    if stream_started or attempt >= policy.max_retries:
        return False
    if error is not None:
        return retryable_error(error, stream_started=stream_started)
    if status is None:
        return False
    return status in RETRIED_STATUSES[retry_kind(policy, method)]


def parse_retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After value (delta-seconds or HTTP-date); None if unusable."""
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # RFC 9110 dates are GMT; a naive result means the zone was absent
            return None
        return max(0.0, when.timestamp() - now)
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def retry_after(headers: Mapping[str, str], *, now: float) -> float | None:
    """The wait an answer asks for: `retry-after-ms`, else `retry-after` (seconds or HTTP date)."""
    millis = parse_retry_after(headers.get("retry-after-ms"), now=now)
    if millis is not None:
        return millis / 1000.0
    return parse_retry_after(headers.get("retry-after"), now=now)


def backoff_delay(
    policy: RetryPolicy, attempt: int, *, retry_after: float | None, rand: Callable[[], float]
) -> float:
    """Full-jitter exponential backoff; a server's Retry-After (capped) is the floor."""
    ceiling = min(policy.max_delay_s, policy.base_delay_s * (2.0 ** min(max(attempt, 0), 32)))
    delay = rand() * ceiling
    if retry_after is not None:
        delay = max(delay, min(retry_after, policy.max_retry_after_s))
    return delay


@dataclass(frozen=True)
class RetryPlan:
    """What to do after a failed attempt: repeat after `delay_s`, and whether to shrink the model's
    in-flight window (only for an account-level "Rate limited" 429)."""

    retry: bool
    delay_s: float = 0.0
    shrink_window: bool = False
    reason: str = ""
    stopped_by_deadline: bool = False  # retryable, but the wait would outlast the deadline


def plan_retry(
    policy: RetryPolicy,
    *,
    attempt: int,
    method: str,
    status: int | None = None,
    error: BaseException | None = None,
    model_busy: bool = False,
    retry_after: float | None = None,
    remaining_s: float | None = None,
    rand: Callable[[], float],
) -> RetryPlan:
    """The whole retry decision for one failed attempt, as data.

    `model_busy` marks a 429 whose body says "Model busy"; `remaining_s` is the time left before
    the call's deadline (None: no deadline). A retry whose wait would not end before the deadline
    is not planned (`stopped_by_deadline`): sleeping past the deadline cannot help.
    """
    shrink = status == 429 and not model_busy
    if not decide_retry(policy, attempt=attempt, status=status, error=error, method=method):
        why = "not retryable" if attempt < policy.max_retries else f"{policy.max_retries} retries used"
        return RetryPlan(False, shrink_window=shrink, reason=why)
    if status == 429 and model_busy:
        # The model is scaling up, not refusing us: a short jittered wait.
        delay = policy.busy_min_delay_s + rand() * (policy.busy_max_delay_s - policy.busy_min_delay_s)
        if retry_after is not None:
            delay = max(delay, min(retry_after, policy.max_retry_after_s))
        reason = "model busy"
    else:
        delay = backoff_delay(policy, attempt, retry_after=retry_after, rand=rand)
        reason = (
            "rate limited"
            if status == 429
            else ("transport error" if error is not None else "retryable status")
        )
    left = f" ({max(remaining_s, 0):.1f} s left)" if remaining_s is not None else ""
    if remaining_s is not None and delay >= remaining_s:
        why = f"a {delay:.1f} s {reason} wait would pass the deadline{left}"
    elif remaining_s is not None and retry_after is not None and retry_after >= remaining_s:
        # The capped wait fits, but the server said it will not serve before the deadline:
        # sleeping the cap and asking again would only spend the caller's time.
        why = f"DeepInfra asked to wait {retry_after:.0f} s (Retry-After), past the deadline{left}"
    else:
        return RetryPlan(True, delay_s=delay, shrink_window=shrink, reason=reason)
    return RetryPlan(False, delay_s=delay, shrink_window=shrink, reason=why, stopped_by_deadline=True)


logger = get_logger("openclaw_deepinfra.transport.client")  # where `DeepInfraHttp` retries

# A retry wait this long (or longer) is announced: shorter ones pass unnoticed anyway.
LONG_WAIT_S = 2.0


def log_retry(
    method: str, path: str, model: str | None, attempt: int, of: int, plan: RetryPlan, waited: float | None,
    reason: str,
) -> None:  # fmt: skip
    """Say that attempt `attempt` of `of` follows in `plan.delay_s` and why (`reason`, redacted)."""
    after = f" (Retry-After {waited:g}s)" if waited is not None else ""
    logger.debug(
        "retrying %s %s%s (attempt %d of %d) in %.2fs%s: %s",
        method, path, f" for model {model}" if model else "", attempt, of, plan.delay_s, after,
        redact(reason),
    )  # fmt: skip
    if plan.delay_s >= LONG_WAIT_S:
        # A long pause is otherwise silent: say what is awaited and for how long.
        logger.warning(
            "waiting %.0f s for DeepInfra (%s%s) before attempt %d of %d of %s %s",
            plan.delay_s, plan.reason, f", Retry-After {waited:g} s" if waited is not None else "",
            attempt, of, method, path,
        )  # fmt: skip
