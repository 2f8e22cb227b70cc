"""One overall deadline per host call, shared by model-slot queueing, attempts, backoff and polls.

A surface gets its call's `Deadline` from `DeepInfraHttp.deadline(timeout_s / timeout_ms)` (the
host request's number, else `settings.timeout_s`, else `DEFAULT_DEADLINE_S`) and passes it down in
the request options. Each attempt waits at most `attempt_s` (the call's own budget when one was
given, else the pool's default timeouts) and never past the deadline. Running out raises
`DeadlineExceededError`, built by `CallRecord.expired`, which says what the time was spent on.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from openclaw_deepinfra.errors import DeadlineExceededError

__all__ = ["DEADLINE_SLACK_S", "DEFAULT_DEADLINE_S", "CallRecord", "Deadline", "deadline_timeout"]

# The HTTP layer's budget when neither the caller nor the settings give one: long enough for a
# slow non-streamed completion, short enough that a stuck call ends.
DEFAULT_DEADLINE_S = 600.0
# An httpx timeout that fires with this little (or less) of the deadline left is the deadline's.
DEADLINE_SLACK_S = 0.05

Clock = Callable[[], float]


class Deadline:
    """A point in monotonic time by which a whole host call must finish.

    `attempt_s`: the longest one HTTP attempt may wait (None: the pool's default timeouts)."""

    __slots__ = ("_clock", "attempt_s", "budget_s", "started")

    def __init__(
        self, budget_s: float, *, clock: Clock = time.monotonic, attempt_s: float | None = None
    ) -> None:
        if budget_s != budget_s or budget_s <= 0:  # NaN or non-positive
            raise ValueError("a deadline's budget must be a number of seconds > 0")
        self._clock = clock
        self.budget_s = float(budget_s)
        self.attempt_s = attempt_s
        self.started = clock()

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

    def attempt_timeouts(self, base: httpx.Timeout) -> dict[str, float]:
        """One attempt's httpx timeouts: `base` (the pool's), or with `attempt_s` that budget for
        read/write/pool (connecting no longer than `base` allows), each cut to what is left."""
        left = max(self.remaining(), 0.001)
        seconds = self.attempt_s
        if seconds is None:
            connect, read, write, pool = base.connect, base.read, base.write, base.pool
        else:
            connect = seconds if base.connect is None else min(base.connect, seconds)
            read = write = pool = seconds
        # Spelled out, not a generator over the four: this runs on every attempt.
        return {
            "connect": left if connect is None or connect > left else connect,
            "read": left if read is None or read > left else read,
            "write": left if write is None or write > left else write,
            "pool": left if pool is None or pool > left else pool,
        }

    def capped(self, attempt_s: float) -> Deadline:
        """The same deadline (same start, same clock) with each attempt capped at `attempt_s`."""
        copy = Deadline(self.budget_s, clock=self._clock, attempt_s=attempt_s)
        copy.started = self.started
        return copy

    def __repr__(self) -> str:
        return f"Deadline(budget_s={self.budget_s:g}, remaining={self.remaining():.3f})"


def deadline_timeout(exc: BaseException, deadline: Deadline) -> bool:
    """`exc` is an httpx timeout that fired because the call's deadline ran out."""
    return isinstance(exc, httpx.TimeoutException) and deadline.remaining() <= DEADLINE_SLACK_S


@dataclass(slots=True)
class CallRecord:
    """Where one call's time went: attempts made, the last failure, time queued for a model slot."""

    label: str
    model: str | None = None
    attempts: int = 0
    last_failure: str | None = None
    slot_wait_s: float = 0.0
    retries: list[str] = field(default_factory=list)
    queued_behind: int = 0  # requests for the model ahead (in flight + queued) when this one queued
    pool_wait_s: float = 0.0  # time queued for a connection (`transport.limits.ConnectionGate`)
    pool_queued_behind: int = 0
    pool_cap: int = 0

    def expired(self, deadline: Deadline, *, during: str | None = None) -> DeadlineExceededError:
        """The error for a deadline that ran out, naming the time spent and on what."""
        target = f"{self.label} for model {self.model}" if self.model else self.label
        parts = [f"{self.attempts} attempt{'s' if self.attempts != 1 else ''}"]
        if self.last_failure:
            parts[0] += f", last: {self.last_failure}"
        pool = f"(pool of {self.pool_cap}, every model)"
        queues = (
            ("model slot", self.slot_wait_s, self.queued_behind, f"for model {self.model}"),
            ("connection", self.pool_wait_s, self.pool_queued_behind, f"for a connection {pool}"),
        )
        for what, waited_s, behind, whom in queues:
            if waited_s > 0 or during == what:
                queued = f": queued {waited_s:.1f} s behind {behind} requests {whom}"
                parts.append(f"waited {waited_s:.1f} s for a {what}" + (queued if during == what else ""))
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
