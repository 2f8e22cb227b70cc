"""The shared writer: refuses non-regular targets, follows symlinks, keeps modes, atomic, change-checked."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.host import safe_write
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.host.safe_write import (
    ChangedOnDiskError,
    FileWriteError,
    Snapshot,
    UnsafeTargetError,
    ensure_writable_target,
    write_atomic,
)
from tests.special_files import make_dir, make_fifo, make_null_device


def snapshot(path: Path) -> Snapshot:
    """What a reader saw, as the config reader records it (``None`` for a missing file)."""
    return Snapshot(path, path.read_bytes() if path.exists() else None)


@pytest.fixture
def unix_socket(tmp_path: Path) -> Iterator[Path]:
    # AF_UNIX paths are short: bind in a short relative name from inside tmp_path.
    path = tmp_path / "sock"
    cwd = os.getcwd()
    os.chdir(tmp_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind("sock")
        yield path
    finally:
        server.close()
        os.chdir(cwd)


NON_REGULAR: list[tuple[str, Callable[[Path], Path], str]] = [
    ("device", make_null_device, "a character device"),
    ("fifo", make_fifo, "a FIFO"),
    ("directory", make_dir, "a directory"),
]


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(("name", "make", "kind"), NON_REGULAR, ids=[n for n, _, _ in NON_REGULAR])
def test_non_regular_targets_are_refused_and_left_as_they_were(
    tmp_path: Path, name: str, make: Callable[[Path], Path], kind: str
) -> None:
    target = make(tmp_path / name)
    before = target.lstat()
    with pytest.raises(UnsafeTargetError, match=kind) as info:
        write_atomic(target, b"data")
    assert str(target) in str(info.value) and info.value.path == target
    assert info.value.exit_code == 2
    after = target.lstat()
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    with pytest.raises(UnsafeTargetError, match=kind):
        ensure_writable_target(target)
    assert leftovers(tmp_path) == []


def test_a_socket_is_refused(unix_socket: Path) -> None:
    with pytest.raises(UnsafeTargetError, match="is a socket") as info:
        write_atomic(unix_socket, "x")
    assert str(unix_socket) in str(info.value)
    assert stat.S_ISSOCK(unix_socket.lstat().st_mode)


def test_a_symlink_to_a_device_is_refused_naming_both(tmp_path: Path) -> None:
    device = make_null_device(tmp_path / "nulldev")
    link = tmp_path / "config.json"
    link.symlink_to(device)
    with pytest.raises(UnsafeTargetError, match="character device") as info:
        write_atomic(link, "{}")
    assert str(link) in str(info.value) and str(device) in str(info.value)
    assert link.is_symlink() and stat.S_ISCHR(device.lstat().st_mode)


def test_new_private_file_is_0600_and_public_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        private = write_atomic(tmp_path / "a" / "key.json", "{}")
        public = write_atomic(tmp_path / "b" / "speech.mp3", b"ID3", private=False)
    finally:
        os.umask(old)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(private.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    assert public.read_bytes() == b"ID3"


def test_an_existing_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "openclaw.json"
    target.write_text("{}")
    target.chmod(0o640)
    write_atomic(target, '{"a": 1}')
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text() == '{"a": 1}'


def test_writes_go_through_a_symlink_and_keep_it(tmp_path: Path) -> None:
    real = tmp_path / "dotfiles" / "openclaw.json"
    real.parent.mkdir()
    real.write_text("{}")
    link = tmp_path / "openclaw.json"
    link.symlink_to(real)
    assert write_atomic(link, "{new}") == real.resolve()
    assert link.is_symlink() and real.read_text() == "{new}"
    assert leftovers(real.parent) == [] and leftovers(tmp_path) == []


def test_a_symlink_out_of_the_intended_directory_is_refused(tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("precious")
    link = store / "auth-profiles.json"
    link.symlink_to(outside)
    with pytest.raises(UnsafeTargetError, match="outside") as info:
        write_atomic(link, "key", within=store)
    assert str(link) in str(info.value)
    assert outside.read_text() == "precious" and link.is_symlink()
    # a link that stays inside the directory is fine
    inside = store / "real.json"
    inside.write_text("old")
    link.unlink()
    link.symlink_to(inside)
    write_atomic(link, "new", within=store)
    assert inside.read_text() == "new"


def test_a_symlink_loop_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(UnsafeTargetError, match="symlink") as info:
        write_atomic(a, "x")
    assert str(a) in str(info.value)


def test_parent_that_is_a_file_is_refused(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    with pytest.raises(UnsafeTargetError, match="is not a directory") as info:
        ensure_writable_target(blocker / "sub" / "out.png")
    assert str(blocker) in str(info.value)


def test_unwritable_directory_and_read_only_file_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # root may write anywhere, so the permission answer is simulated; the message is what we test.
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(
        safe_write.os, "access", lambda p, m: False if Path(p) == locked else real_access(p, m)
    )
    with pytest.raises(UnsafeTargetError, match="is not writable") as info:
        ensure_writable_target(locked / "out.mp3")
    assert str(locked) in str(info.value)
    readonly = tmp_path / "ro.json"
    readonly.write_text("{}")
    monkeypatch.setattr(
        safe_write.os, "access", lambda p, m: False if Path(p) == readonly else real_access(p, m)
    )
    with pytest.raises(UnsafeTargetError, match="is read-only"):
        write_atomic(readonly, "{}")


def test_a_change_on_disk_since_reading_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "openclaw.json"
    target.write_text("{a: 1}")
    seen = snapshot(target)
    target.write_text("{a: 2} // edited by hand meanwhile")
    with pytest.raises(ChangedOnDiskError, match="changed on disk since it was read") as info:
        write_atomic(target, "{a: 3}", expect=seen)
    assert str(target) in str(info.value)
    assert target.read_text() == "{a: 2} // edited by hand meanwhile"
    assert leftovers(tmp_path) == []
    # unchanged: the write goes through; a file that appeared since a "missing" read is a change
    write_atomic(target, "{a: 3}", expect=snapshot(target))
    assert target.read_text() == "{a: 3}"
    fresh = tmp_path / "new.json"
    missing = snapshot(fresh)
    fresh.write_text("{}")
    with pytest.raises(ChangedOnDiskError):
        write_atomic(fresh, "{b: 1}", expect=missing)


def test_backup_keeps_the_previous_version_with_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "openclaw.json"
    target.write_text("// v1\n{}")
    target.chmod(0o640)
    write_atomic(target, "// v2\n{}", backup=True)
    bak = tmp_path / "openclaw.json.bak"
    assert bak.read_text() == "// v1\n{}" and stat.S_IMODE(bak.stat().st_mode) == 0o640
    write_atomic(target, "// v3\n{}", backup=True)
    assert bak.read_text() == "// v2\n{}"
    # no previous version, no backup
    write_atomic(tmp_path / "new.json", "{}", backup=True)
    assert not (tmp_path / "new.json.bak").exists()


def test_a_device_named_like_the_backup_is_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "openclaw.json"
    target.write_text("{}")
    make_null_device(tmp_path / "openclaw.json.bak")
    with pytest.raises(UnsafeTargetError, match="character device"):
        write_atomic(target, "{x: 1}", backup=True)
    assert target.read_text() == "{}"
    assert stat.S_ISCHR((tmp_path / "openclaw.json.bak").lstat().st_mode)
    assert leftovers(tmp_path) == []


def test_a_failed_rename_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "cache.json"
    target.write_text("old")

    def broken(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safe_write.os, "replace", broken)
    with pytest.raises(FileWriteError, match="No space left on device") as info:
        write_atomic(target, "new")
    # one error type for callers of either kind: a host error and an I/O error
    assert isinstance(info.value, HostError) and isinstance(info.value, OSError)
    assert info.value.exit_code == 1 and str(target) in str(info.value)
    assert target.read_text() == "old" and leftovers(tmp_path) == []


def test_the_snapshot_repr_never_shows_the_content(tmp_path: Path) -> None:
    target = tmp_path / "auth-profiles.json"
    target.write_text('{"key": "di-secret-value-123"}')
    shot = snapshot(target)
    assert "di-secret-value-123" not in repr(shot)
    assert repr(shot) == f"Snapshot(path={target!r}, size=30)"
    assert repr(snapshot(tmp_path / "none")).endswith("size=None)")


@pytest.mark.parametrize("step", ["fsync", "replace"], ids=["writing the temp file", "renaming it"])
@pytest.mark.parametrize(
    ("raised", "expected"),
    [(OSError(5, "Input/output error"), FileWriteError), (KeyboardInterrupt(), KeyboardInterrupt)],
    ids=["io error", "interrupt"],
)
def test_a_failure_at_any_step_discards_the_temp_file(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    step: str,
    raised: BaseException,
    expected: type[BaseException],
) -> None:
    target = tmp_path / "cache.json"
    target.write_text("old")

    def broken(*args: object) -> None:
        raise raised

    monkeypatch.setattr(safe_write.os, step, broken)
    with pytest.raises(expected) as info:
        write_atomic(target, "new")
    if expected is FileWriteError:  # an I/O error names the file; anything else passes unchanged
        assert str(target) in str(info.value) and "Input/output error" in str(info.value)
    assert target.read_text() == "old" and leftovers(tmp_path) == []
