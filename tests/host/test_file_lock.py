"""OpenClaw's `<file>.lock` directory convention: taken by mkdir, stale after 30 s, always released."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from openclaw_deepinfra.host.safe_write import LockTimeoutError, lock_path, locked


def test_lock_is_a_directory_beside_the_file_and_is_released(tmp_path: Path) -> None:
    target = tmp_path / "auth-profiles.json"
    with locked(target) as lock:
        assert lock == lock_path(target) == tmp_path / "auth-profiles.json.lock"
        assert lock.is_dir()
    assert not lock.exists()


def test_lock_is_released_when_the_body_raises(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    with pytest.raises(ValueError, match="boom"), locked(target):
        raise ValueError("boom")
    assert not lock_path(target).exists()


def test_a_held_lock_times_out_with_a_message_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    lock_path(target).mkdir()
    with (
        pytest.raises(LockTimeoutError, match="is locked by another process") as info,
        locked(target, wait_s=0.1),
    ):
        pass
    assert str(lock_path(target)) in str(info.value)
    assert lock_path(target).is_dir()  # a live lock is never taken over


def test_a_stale_lock_is_taken_over(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    lock_path(target).mkdir()
    old = time.time() - 60
    os.utime(lock_path(target), (old, old))
    with locked(target, wait_s=0.1):
        assert lock_path(target).is_dir()
    assert not lock_path(target).exists()


def test_a_file_in_place_of_the_lock_is_reported(tmp_path: Path) -> None:
    target = tmp_path / "f.json"
    lock_path(target).write_text("")
    with pytest.raises(LockTimeoutError, match="is not a lock directory"), locked(target, wait_s=0.1):
        pass
