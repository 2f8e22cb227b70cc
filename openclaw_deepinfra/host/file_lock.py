"""OpenClaw's lock convention for a shared JSON file: a ``<file>.lock`` directory beside it.

The gateway (Node's ``proper-lockfile``) takes the lock by ``mkdir``, which is atomic on every
filesystem, and treats a lock whose mtime is older than its stale limit as left by a dead process.
We take and honour the same lock so a gateway and this CLI never interleave read-modify-write
cycles on ``auth-profiles.json``.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from openclaw_deepinfra.host.errors import HostError

LOCK_SUFFIX = ".lock"
STALE_AFTER_S = 30.0  # the gateway's auth store lock uses 30 s
WAIT_S = 10.0


class LockTimeoutError(HostError):
    """Another process holds the lock for longer than we wait."""

    exit_code = 1


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def locked(
    path: Path,
    *,
    wait_s: float = WAIT_S,
    stale_after_s: float = STALE_AFTER_S,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
) -> Iterator[Path]:
    """Hold ``<path>.lock`` for the ``with`` body; the parent directory must exist."""
    lock = lock_path(path)
    deadline = time.monotonic() + wait_s
    delay = 0.02
    while True:
        try:
            os.mkdir(lock, 0o700)
            break
        except FileExistsError:
            if not lock.is_dir():
                raise LockTimeoutError(
                    f"{lock} is not a lock directory; remove it so {path} can be updated"
                ) from None
        if _is_stale(lock, clock(), stale_after_s):
            # Another waiter may remove it first; either way the next mkdir decides who owns it.
            with contextlib.suppress(OSError):
                os.rmdir(lock)
            continue
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"{path} is locked by another process ({lock} exists); try again, or remove "
                f"{lock} if no OpenClaw gateway or CLI is running"
            ) from None
        sleep(delay)
        delay = min(delay * 2, 0.5)
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(lock)


def _is_stale(lock: Path, now: float, stale_after_s: float) -> bool:
    try:
        return now - lock.stat().st_mtime > stale_after_s
    except FileNotFoundError:
        return False
