"""Retries, one table file: which statuses and errors each kind repeats (the method picks the kind),
Retry-After, backoff, `plan_retry` (the whole decision as data), and the README's retry table,
which `transport/retry.py` renders from the same data."""

from __future__ import annotations

import email.utils
import random
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from openclaw_deepinfra.transport.retry import (
    RETRIED_STATUSES,
    RetryKind,
    RetryPolicy,
    backoff_delay,
    decide_retry,
    parse_retry_after,
    plan_retry,
    retry_kind,
    retryable_status,
)

POLICY = RetryPolicy()
PLAN_POLICY = RetryPolicy(max_retries=3)
SUBMIT = RetryPolicy(kind="submit")
REQUEST = httpx.Request("POST", "https://api.deepinfra.com/v1/openai/chat/completions")

# -- which statuses and errors are repeated ---------------------------------------------------------


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


# (policy, method, attempt, status, stream_started) -> retried? Each row names its method: the
# method picks the table (GET: idempotent, POST: billed) unless the policy's kind is set.
@pytest.mark.parametrize(
    ("policy", "method", "attempt", "status", "stream_started", "expected"),
    [
        (POLICY, "GET", 0, 429, False, True),
        (POLICY, "GET", 1, 429, False, True),
        (POLICY, "GET", 2, 429, False, False),  # attempts exhausted: 1 try + 2 retries
        (POLICY, "GET", 0, 503, False, True),
        (POLICY, "GET", 0, 408, False, True),
        (POLICY, "GET", 0, 500, False, True),
        (POLICY, "POST", 0, 429, False, True),
        (POLICY, "POST", 0, 503, False, True),
        (POLICY, "POST", 0, 408, False, False),  # a billed POST: the server may have run it
        (POLICY, "POST", 0, 500, False, False),
        (POLICY, "GET", 0, 400, False, False),
        (POLICY, "GET", 0, 401, False, False),
        (POLICY, "GET", 0, 402, False, False),
        (POLICY, "GET", 0, 403, False, False),
        (POLICY, "GET", 0, 404, False, False),
        (POLICY, "GET", 0, 405, False, False),
        (POLICY, "GET", 0, 422, False, False),
        (POLICY, "GET", 0, 429, True, False),  # never after the first streamed byte
        (POLICY, "GET", 0, 503, True, False),
        (RetryPolicy(max_retries=0), "GET", 0, 429, False, False),
        (RetryPolicy(max_retries=5), "GET", 4, 500, False, True),
        (SUBMIT, "POST", 0, 429, False, True),  # rejected, not processed: safe for a billed submit
        (SUBMIT, "POST", 0, 500, False, False),
        (SUBMIT, "POST", 0, 408, False, False),
        (SUBMIT, "POST", 0, 503, False, False),
        (SUBMIT, "GET", 0, 503, False, False),  # the kind wins over the method
        (POLICY, "GET", 0, None, False, False),
    ],
)
def test_decide_retry_on_status(
    policy: RetryPolicy, method: str, attempt: int, status: int | None, stream_started: bool, expected: bool
) -> None:
    retried = decide_retry(
        policy, attempt=attempt, status=status, stream_started=stream_started, method=method
    )
    assert retried is expected


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
    assert (
        decide_retry(POLICY, attempt=attempt, error=error, stream_started=stream_started, method="POST")
        is expected
    )


def test_connect_errors_are_retried_even_for_a_submit() -> None:
    error = httpx.ConnectError("refused", request=REQUEST)
    assert decide_retry(SUBMIT, attempt=0, error=error, method="POST") is True


@pytest.mark.parametrize(
    ("policy", "method", "expected"),
    [
        (PLAN_POLICY, "GET", "idempotent"),
        (PLAN_POLICY, "head", "idempotent"),
        (PLAN_POLICY, "POST", "billed"),
        (PLAN_POLICY, "PUT", "billed"),
        (RetryPolicy(kind="idempotent"), "POST", "idempotent"),
        (RetryPolicy(kind="submit"), "GET", "submit"),  # a set kind wins over the method
        (RetryPolicy(kind="billed"), "GET", "billed"),
        (RetryPolicy(kind="submit"), "POST", "submit"),
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
        PLAN_POLICY,
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
            PLAN_POLICY, attempt=0, method="POST", status=429, model_busy=busy, rand=lambda: 0.5
        ).reason

    assert reason(True) == "model busy"
    assert reason(False) == "rate limited"
    error = httpx.ConnectError("refused", request=REQUEST)
    assert (
        plan_retry(PLAN_POLICY, attempt=0, method="POST", error=error, rand=lambda: 0.5).reason
        == "transport error"
    )


def test_busy_delays_are_jittered_within_bounds() -> None:
    rng = random.Random(3)
    delays = {
        plan_retry(
            PLAN_POLICY, attempt=0, method="POST", status=429, model_busy=True, rand=rng.random
        ).delay_s
        for _ in range(50)
    }
    assert len(delays) > 40 and all(0.25 <= d <= 1.0 for d in delays)


def test_busy_bounds_are_checked() -> None:
    with pytest.raises(ValueError, match="busy_max_delay_s"):
        RetryPolicy(busy_min_delay_s=2.0, busy_max_delay_s=1.0)


# -- backoff and Retry-After --------------------------------------------------------------------------


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


# -- the README's table ------------------------------------------------------------------------------

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"<!-- retry-table:start -->\n(.*?)\n<!-- retry-table:end -->", re.S)
EVERY_5XX = frozenset(range(500, 600))


@dataclass(frozen=True)
class SurfaceRetry:
    call: str
    kind: RetryKind
    also_never: str = ""
    """What else is never repeated on this call, beyond the statuses its kind leaves out."""


# Which kind each surface's calls use (the transport derives it from the method; the video submits
# say "submit"): README's rows, their status columns rendered from RETRIED_STATUSES.
SURFACE_RETRIES: tuple[SurfaceRetry, ...] = (
    SurfaceRetry("chat (JSON and SSE), image description", "billed", "anything after a stream's first byte"),
    SurfaceRetry("embeddings", "billed"),
    SurfaceRetry("speech-to-text (Whisper upload)", "billed"),
    SurfaceRetry("text-to-speech (JSON and streamed)", "billed", "anything after the first audio byte"),
    SurfaceRetry("image generate / edit", "billed"),
    SurfaceRetry(
        "video submit (native and jobs)", "submit", "an accepted job is polled by id, never resubmitted"
    ),
    SurfaceRetry("video polls, result downloads, catalog refresh", "idempotent"),
)


def _statuses(kind: RetryKind) -> str:
    retried = RETRIED_STATUSES[kind]
    every_5xx = retried >= EVERY_5XX
    shown = [str(s) for s in sorted(retried) if not (every_5xx and s >= 500)]
    return ", ".join([*shown, *(["every 5xx"] if every_5xx else [])])


def _never(kind: RetryKind) -> str:
    five = EVERY_5XX - RETRIED_STATUSES[kind]
    named = ["every 5xx"] if five == EVERY_5XX else (["500 and the other 5xx"] if five else [])
    return ", ".join([*named, *(["408"] if 408 not in RETRIED_STATUSES[kind] else []), "other 4xx"])


def retry_table_markdown() -> str:
    """The README's retry table, from `SURFACE_RETRIES` and the package's kind table."""
    lines = [
        "| call | retried after (at most `maxRetries` times, within the call's deadline) | never retried |",
        "|---|---|---|",
    ]
    for row in SURFACE_RETRIES:
        never = ", ".join(part for part in (_never(row.kind), row.also_never) if part)
        lines.append(f"| {row.call} | connect errors, {_statuses(row.kind)} | {never} |")
    return "\n".join(lines)


def test_the_readme_retry_table_is_the_rendered_one() -> None:
    found = BLOCK.search(README.read_text(encoding="utf-8"))
    assert found is not None, "README.md lost its retry-table markers"
    assert found.group(1) == retry_table_markdown(), (
        "README.md's retry table differs from transport/retry.py's kinds; paste retry_table_markdown() output"
    )


def test_no_other_readme_sentence_claims_blanket_5xx_retries() -> None:
    text = BLOCK.sub("", README.read_text(encoding="utf-8"))
    for claim in (r"408, 429 and 5xx", r"408/429/5xx", r"retried on 5xx"):
        assert not re.search(claim, text), claim


@pytest.mark.parametrize("row", SURFACE_RETRIES, ids=lambda row: row.call)
def test_each_rows_columns_match_what_decide_retry_does(row: SurfaceRetry) -> None:
    policy = RetryPolicy(max_retries=2, kind=row.kind)
    retried = {s for s in range(400, 600) if decide_retry(policy, attempt=0, status=s, method="POST")}
    line = next(line for line in retry_table_markdown().splitlines() if line.startswith(f"| {row.call} |"))
    _call, retried_cell, never_cell = (cell.strip() for cell in line.strip("|").split("|"))
    for status in (408, 429, 500, 502, 503, 504):
        said_retried = str(status) in retried_cell or ("every 5xx" in retried_cell and status >= 500)
        assert said_retried == (status in retried), (row.call, status)
        if status not in retried:
            assert str(status) in never_cell or "5xx" in never_cell, (row.call, status)
    assert retried_cell.startswith("connect errors")
