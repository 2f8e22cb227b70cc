"""One overall deadline per host call, shared by model-slot queueing, attempts, backoff and polls.

A `Deadline` reads a monotonic clock (injectable for tests). Its budget comes from the host
request's `timeout_ms` where the contract has one, else `settings.timeout_s`, else the surface's
default (`resolve_budget`). `CallRecord` notes what the time was spent on so that the error raised
when it runs out can say so.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from openclaw_deepinfra.errors import DeadlineExceededError

__all__ = ["DEFAULT_DEADLINE_S", "CallRecord", "Deadline", "resolve_budget"]

# The HTTP layer's budget when neither the caller nor the settings give one: long enough for a
# slow non-streamed completion, short enough that a stuck call ends.
DEFAULT_DEADLINE_S = 600.0

Clock = Callable[[], float]


def resolve_budget(
    *, timeout_ms: int | None = None, timeout_s: float | None = None, settings_s: float | None = None,
    default_s: float = DEFAULT_DEADLINE_S,
) -> float:  # fmt: skip
    """The call's budget in seconds: host `timeout_ms` -> caller `timeout_s` -> settings -> default."""
    if timeout_ms is not None and timeout_ms > 0:
        return timeout_ms / 1000.0
    for seconds in (timeout_s, settings_s):
        if seconds is not None and seconds > 0:
            return float(seconds)
    return default_s


class Deadline:
    """A point in monotonic time by which a whole host call must finish."""

    __slots__ = ("_clock", "budget_s", "started")

    def __init__(self, budget_s: float, *, clock: Clock = time.monotonic) -> None:
        if budget_s != budget_s or budget_s <= 0:  # NaN or non-positive
            raise ValueError("a deadline's budget must be a number of seconds > 0")
        self._clock = clock
        self.budget_s = float(budget_s)
        self.started = clock()

    @classmethod
    def after(cls, budget_s: float, *, clock: Clock = time.monotonic) -> Deadline:
        return cls(budget_s, clock=clock)

    @classmethod
    def from_ms(cls, timeout_ms: int | None, *, default_s: float, clock: Clock = time.monotonic) -> Deadline:
        return cls(resolve_budget(timeout_ms=timeout_ms, default_s=default_s), clock=clock)

    @property
    def clock(self) -> Clock:
        return self._clock

    def elapsed(self) -> float:
        return max(0.0, self._clock() - self.started)

    def remaining(self) -> float:
        return self.budget_s - self.elapsed()

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0

    def clamp(self, seconds: float | None) -> float:
        """`seconds` (a per-attempt timeout) cut to what is left; never below a millisecond."""
        left = max(self.remaining(), 0.001)
        return left if seconds is None else max(min(seconds, left), 0.001)

    def __repr__(self) -> str:
        return f"Deadline(budget_s={self.budget_s:g}, remaining={self.remaining():.3f})"


@dataclass
class CallRecord:
    """Where one call's time went: attempts made, the last failure, time queued for a model slot."""

    label: str
    model: str | None = None
    attempts: int = 0
    last_failure: str | None = None
    slot_wait_s: float = 0.0
    retries: list[str] = field(default_factory=list)
    queued_behind: int = 0  # requests for the model ahead (in flight + queued) when this one queued
    pool_wait_s: float = 0.0  # time queued for a connection (`transport.admission`)
    pool_queued_behind: int = 0
    pool_cap: int = 0

    def expired(self, deadline: Deadline, *, during: str | None = None) -> DeadlineExceededError:
        """The error for a deadline that ran out, naming the time spent and on what."""
        target = f"{self.label} for model {self.model}" if self.model else self.label
        parts = [f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"]
        if self.last_failure:
            parts[0] += f", last: {self.last_failure}"
        if self.slot_wait_s > 0 or during == "model slot":
            waited = f"waited {self.slot_wait_s:.1f} s for a model slot"
            if during == "model slot":
                waited += (
                    f": queued {self.slot_wait_s:.1f} s behind {self.queued_behind} requests"
                    f" for model {self.model}"
                )
            parts.append(waited)
        if self.pool_wait_s > 0 or during == "connection":
            waited = f"waited {self.pool_wait_s:.1f} s for a connection"
            if during == "connection":
                waited += (
                    f": queued {self.pool_wait_s:.1f} s behind {self.pool_queued_behind} requests"
                    f" for a connection (pool of {self.pool_cap}, every model)"
                )
            parts.append(waited)
        if during and during not in ("model slot", "connection"):
            parts.append(during if during.startswith("a ") else f"ran out while {during}")
        elapsed = deadline.elapsed()
        return DeadlineExceededError(
            f"{target} gave up after {elapsed:.1f} s (deadline {deadline.budget_s:g} s): " + "; ".join(parts),
            elapsed_s=elapsed,
            budget_s=deadline.budget_s,
            attempts=self.attempts,
            slot_wait_s=self.slot_wait_s + self.pool_wait_s,
            hint="raise the call's timeout (timeoutMs / models.providers.deepinfra.timeoutSeconds) "
            + (
                "or the pool (models.providers.deepinfra.maxConnections)"
                if during == "connection"
                else "or lower the load on this model"
            ),
        )
