"""The one way this project writes a file: checked target, atomic replace, one permission policy.

Every writer (config edits, auth profiles, the catalog cache, ``--out`` media files) goes through
``write_atomic`` so none of them can replace a device, FIFO, socket or directory, and none leaves
half a file behind. It lives on the host side so both halves can use it: the plugin may import the
host, never the reverse.

Rules, in the order they are applied:

- The target is followed through symlinks to the real file (a symlinked config stays a symlink);
  a loop is refused. With ``within=DIR`` the real file must stay inside ``DIR`` (cache and auth
  files never follow a link out of their directory).
- The real target must be missing or a regular file; anything else is refused naming the path.
- Missing parent directories are created (``0700`` for private files); an existing one must be a
  writable directory.
- The data goes to a temp file created beside the target (``O_EXCL``, ``0600`` from the start),
  is fsynced, gets its final mode, replaces the target with ``os.replace``, and the directory is
  fsynced so the rename survives a crash.
- Permission policy: an existing file keeps its mode; a new private file (keys, config, cache) is
  ``0600``; a new public file (``--out`` media) is ``0666`` minus the umask, as ``open()`` would.
- ``expect=`` (a ``Snapshot`` taken when the file was read) refuses to write when the file changed
  on disk since; ``backup=True`` keeps the previous version as ``<name>.bak``.

A read-modify-write cycle on a file the gateway shares (``auth-profiles.json``) runs under
OpenClaw's lock convention, ``locked``: a ``<file>.lock`` directory beside it. The gateway (Node's
``proper-lockfile``) takes the lock by ``mkdir``, which is atomic on every filesystem, and treats a
lock whose mtime is older than its stale limit as left by a dead process. We take and honour the
same lock so a gateway and this CLI never interleave their cycles.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from openclaw_deepinfra.host.errors import HostError

PRIVATE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
LOCK_SUFFIX = ".lock"
LOCK_STALE_AFTER_S = 30.0  # the gateway's auth store lock uses 30 s
LOCK_WAIT_S = 10.0
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


class FileWriteError(HostError, OSError):
    """A file could not be written; the message names the path. Exit code 1 in the CLI.

    Also an ``OSError``, so callers that already treat a failed write as an I/O error (the catalog
    refresher keeps running without its cache) need no second except clause.
    """

    exit_code = 1

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


class UnsafeTargetError(FileWriteError):
    """The path names something that must not be replaced (exit code 2: fix the argument)."""

    exit_code = 2


class ChangedOnDiskError(FileWriteError):
    """The file changed on disk after it was read; writing would lose the other change."""


@dataclass(frozen=True)
class Snapshot:
    """What a file held when it was read: its bytes (``None`` when missing)."""

    path: Path
    data: bytes | None

    def __repr__(self) -> str:  # never the bytes: they may hold a key
        size = None if self.data is None else len(self.data)
        return f"Snapshot(path={self.path!r}, size={size!r})"


def kind_of(mode: int) -> str | None:
    """How a non-regular file is named in messages; ``None`` for a regular file."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return None if stat.S_ISREG(mode) else "not a regular file"


def ensure_writable_target(path: Path, *, within: Path | None = None) -> Path:
    """Refuse early (before any billed request) a target that ``write_atomic`` would refuse.

    Returns the real file to be written (``path`` with every symlink followed). Checks: not a
    device/FIFO/socket/directory (through symlinks), inside ``within`` if given, and the nearest
    existing parent is a writable directory.
    """
    given = Path(path).expanduser()
    try:
        real = given.resolve(strict=False)
    except (RuntimeError, OSError) as exc:  # a symlink loop (RuntimeError before 3.13)
        raise UnsafeTargetError(given, f"{given}: cannot follow its symlinks ({_reason(exc)})") from None
    if within is not None:
        root = Path(within).expanduser().resolve(strict=False)
        if real != root and root not in real.parents:
            raise UnsafeTargetError(
                given,
                f"{given}: refusing to write through a symlink to {real}, outside {root}; "
                "replace the link with a regular file",
            )
    try:
        mode = real.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):  # the parent check below names the problem
        mode = None
    except OSError as exc:
        raise UnsafeTargetError(path, f"{path}: cannot inspect the target ({_reason(exc)})") from None
    if mode is not None and (kind := kind_of(mode)) is not None:
        shown = f"{path} (-> {real})" if real != given.absolute() else str(path)
        raise UnsafeTargetError(
            path, f"{shown} is {kind}; refusing to replace it: give the path of a regular file"
        )
    parent = real.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise UnsafeTargetError(path, f"{path}: {parent} is not a directory; cannot create the file there")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UnsafeTargetError(path, f"{path}: directory {parent} is not writable")
    if mode is not None and not os.access(real, os.W_OK):
        # Replacing by rename would work, but a read-only file says "do not change me".
        raise UnsafeTargetError(path, f"{path} is read-only; make it writable or give another path")
    return real


def write_atomic(
    path: Path,
    data: bytes | str,
    *,
    private: bool = True,
    within: Path | None = None,
    expect: Snapshot | None = None,
    backup: bool = False,
) -> Path:
    """Replace the file at ``path`` with ``data`` by the rules in the module docstring; the real path."""
    path = Path(path).expanduser()
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    real = ensure_writable_target(path, within=within)
    try:
        real.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE if private else 0o777)
    except OSError as exc:
        raise FileWriteError(path, f"{path}: cannot create {real.parent} ({_reason(exc)})") from None
    try:
        current_mode: int | None = stat.S_IMODE(real.stat().st_mode)
    except FileNotFoundError:
        current_mode = None
    except OSError as exc:
        raise FileWriteError(path, f"{path}: cannot inspect the file ({_reason(exc)})") from None
    tmp = _write_temp(path, real, payload, private=private, mode=current_mode)
    with _discard_on_failure(tmp, path):
        if expect is not None:
            _check_unchanged(path, real, expect)
        if backup and current_mode is not None:
            _backup(path, real, current_mode)
        # The last check before the rename: nothing may have put a device there meanwhile.
        ensure_writable_target(path, within=within)
        os.replace(tmp, real)
    _fsync_dir(real.parent)
    return real


def _write_temp(path: Path, real: Path, payload: bytes, *, private: bool, mode: int | None) -> Path:
    """A synced temp file beside ``real``: ``mode`` if given, else 0600 (private) or 0666 - umask."""
    # 0600 from creation when private or when a mode is copied over later: a key is never on disk
    # under a wider mode, even briefly. A new public file gets what open() would give it.
    create_mode = PRIVATE_MODE if private or mode is not None else 0o666
    for attempt in range(100):
        tmp = real.with_name(f".{real.name}.{os.getpid()}.{attempt}.tmp")
        try:
            fd = os.open(tmp, _CREATE_FLAGS, create_mode)
        except FileExistsError:
            continue
        except OSError as exc:
            raise FileWriteError(path, f"cannot write {path}: {_reason(exc)}") from None
        with _discard_on_failure(tmp, path), os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
        return tmp
    raise FileWriteError(path, f"cannot write {path}: too many leftover temp files beside it")


def _check_unchanged(path: Path, real: Path, expect: Snapshot) -> None:
    try:
        now: bytes | None = real.read_bytes()
    except FileNotFoundError:
        now = None
    if now != expect.data:
        raise ChangedOnDiskError(
            path,
            f"{path} changed on disk since it was read (another program edited it); "
            "nothing was written: run the command again",
        )


def _backup(path: Path, real: Path, mode: int) -> None:
    """``<name>.bak`` = the version being replaced, same mode (it may hold the same secrets)."""
    bak = real.with_name(real.name + ".bak")
    try:
        bak_mode = bak.lstat().st_mode
    except FileNotFoundError:
        bak_mode = None
    # A link named .bak is replaced itself (rename does not follow it); a device entry must not be.
    if bak_mode is not None and not stat.S_ISLNK(bak_mode) and (what := kind_of(bak_mode)) is not None:
        raise UnsafeTargetError(path, f"{bak} is {what}; cannot keep a backup there")
    tmp = _write_temp(path, bak, real.read_bytes(), private=True, mode=mode)
    os.replace(tmp, bak)


def _fsync_dir(directory: Path) -> None:
    # Best effort: some filesystems refuse O_RDONLY fsync on a directory; the data is already synced.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _discard_on_failure(tmp: Path, path: Path) -> Iterator[None]:
    """Removes the temp file when the block fails (also on cancellation); an OSError that is not
    already a FileWriteError becomes one that names ``path``."""
    try:
        yield
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError) and not isinstance(exc, FileWriteError):
            raise FileWriteError(path, f"cannot write {path}: {_reason(exc)}") from None
        raise


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError):
        if exc.errno == errno.ELOOP:
            return "too many levels of symlinks"
        return exc.strerror or str(exc)
    return str(exc) or type(exc).__name__


# -- the shared-file lock -------------------------------------------------------------------------


class LockTimeoutError(HostError):
    """Another process holds the lock for longer than we wait."""

    exit_code = 1


def lock_path(path: Path) -> Path:
    return path.with_name(path.name + LOCK_SUFFIX)


@contextlib.contextmanager
def locked(path: Path, *, wait_s: float = LOCK_WAIT_S) -> Iterator[Path]:
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
        try:
            stale = time.time() - lock.stat().st_mtime > LOCK_STALE_AFTER_S
        except FileNotFoundError:
            stale = False  # released meanwhile: the next mkdir takes it
        if stale:
            # Another waiter may remove it first; either way the next mkdir decides who owns it.
            with contextlib.suppress(OSError):
                os.rmdir(lock)
            continue
        if time.monotonic() >= deadline:
            raise LockTimeoutError(
                f"{path} is locked by another process ({lock} exists); try again, or remove "
                f"{lock} if no OpenClaw gateway or CLI is running"
            ) from None
        time.sleep(delay)
        delay = min(delay * 2, 0.5)
    try:
        yield lock
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.rmdir(lock)
