"""No test, and no Python process a test starts, opens a connection beyond loopback.

`install()` wraps the three places every client here goes through before a packet leaves:
`socket.getaddrinfo` (httpx via anyio, aiohttp's threaded resolver and asyncio's
`create_connection`/`sock_connect` all resolve there first; a name that is not loopback trips at
once, without waiting on DNS), and `socket.socket.connect`/`connect_ex` (what asyncio's
`sock_connect`, aiohappyeyeballs and `socket.create_connection` call, and a name resolved inside
`connect` itself). Loopback (127.0.0.0/8, ::1, `localhost`), the unspecified address (this host)
and unix sockets pass.

A tripped call raises `NetworkGuardError` (an `OSError`, so the code under test sees a network that
is down, never a hang) and is also recorded, because code under test may swallow the error: the
suite's hooks (tests/conftest.py) fail the test that tripped it with the destination in the
message. A child process records into the file named by `LOG_ENV`, which the parent reads.

Standard library only, and light (no pathlib): every child imports this through `sitecustomize`
before anything else.
"""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

LOG_ENV = "TESTS_NETWORK_GUARD_LOG"  # not OPENCLAW_*: env builders here drop those
HERE = os.path.dirname(os.path.realpath(__file__))
"""The folder a child needs on its PYTHONPATH (it holds `sitecustomize.py`)."""

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})


class NetworkGuardError(OSError):
    """A test tried to reach past loopback."""


def is_allowed_host(host: object) -> bool:
    """True for loopback, the unspecified address and "no host" (a passive/bind lookup)."""
    if host is None or host in ("", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])  # drop an IPv6 zone id
    except ValueError:
        return False  # a DNS name: resolving it would already leave the machine
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def is_allowed_address(family: int, address: object) -> bool:
    """A `connect` target: unix (and other non-IP) sockets pass; IP ones must be loopback."""
    if family not in (socket.AF_INET, socket.AF_INET6):
        return True
    return isinstance(address, tuple) and bool(address) and is_allowed_host(address[0])


def _is_literal(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    try:
        ipaddress.ip_address(str(host).split("%", 1)[0])
    except ValueError:
        return False
    return True


def _destination(host: object, port: object) -> str:
    if isinstance(host, bytes):  # anyio (httpx) looks names up as IDNA bytes
        host = host.decode("ascii", "replace")
    return f"[{host}]:{port}" if isinstance(host, str) and ":" in host else f"{host}:{port}"


class _Recorder:
    """What tripped, in this process and (through the log file) in its children."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tripped: list[str] = []
        self._log_offset = 0
        self.log: str | None = None
        self.in_child = False

    def record(self, what: str) -> None:
        with self._lock:
            self._tripped.append(what)
        log = self.log
        if log and self.in_child:
            # one O_APPEND write per line: lines from concurrent children never interleave
            fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, f"{what} (in child process {os.getpid()})\n".encode())
            finally:
                os.close(fd)

    def take(self) -> list[str]:
        """Everything recorded since the last call, this process's first, then its children's."""
        with self._lock:
            taken, self._tripped = self._tripped, []
            log = self.log
            if log and not self.in_child and os.path.exists(log):
                with open(log, encoding="utf-8") as handle:
                    handle.seek(self._log_offset)
                    lines = handle.read()
                    self._log_offset = handle.tell()
                taken += [line for line in lines.splitlines() if line]
        return taken


_recorder = _Recorder()
_installed = False


def _trip(kind: str, host: object, port: object) -> NetworkGuardError:
    what = f"{kind} to {_destination(host, port)}"
    _recorder.record(what)
    return NetworkGuardError(
        f"network guard: {what} - tests reach only loopback (127.0.0.0/8, ::1, localhost) and unix "
        "sockets; mock HTTP with respx or start a server from tests/e2e/loopback.py"
    )


def install(*, log: str | os.PathLike[str] | None, child: bool = False) -> None:
    """Wrap getaddrinfo and socket connects in this process (idempotent). A child appends what
    trips to `log`; the parent reads its children's trips from there."""
    global _installed
    if _installed:
        return
    _installed = True
    _recorder.log, _recorder.in_child = (os.fspath(log) if log else None), child
    real_getaddrinfo: Callable[..., Any] = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        # an address literal resolves locally; its connect is what trips, and names it
        if not is_allowed_host(host) and not _is_literal(host):
            raise _trip("name lookup", host, port)
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if not is_allowed_address(self.family, address):
            raise _trip("connect", address[0], address[1] if len(address) > 1 else "?")
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if not is_allowed_address(self.family, address):
            raise _trip("connect", address[0], address[1] if len(address) > 1 else "?")
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]


def take() -> list[str]:
    return _recorder.take()


def child_env(*pythonpath: str, log: str | os.PathLike[str] | None = None) -> dict[str, str]:
    """The variables that guard a Python child: this folder first on its PYTHONPATH (then
    `pythonpath`), and the log it reports to (by default this process's)."""
    parts = [HERE, *(p for p in pythonpath if p and p != HERE)]
    return {"PYTHONPATH": os.pathsep.join(parts), LOG_ENV: os.fspath(log or _recorder.log or "")}


@contextmanager
def expect_trips() -> Iterator[list[str]]:
    """For the guard's own tests: the trips inside the block are taken (so the test that provoked
    them on purpose does not fail) and handed to the caller to assert on."""
    seen: list[str] = []
    take()  # anything earlier is not this block's
    try:
        yield seen
    finally:
        seen += take()
