"""The suite's network guard (tests/netguard/network_guard.py) trips on anything past loopback, in
this process and in the processes tests start, without waiting on the network; loopback, unix
sockets and respx-mocked clients pass."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import aiohttp
import httpx
import pytest
import respx

from tests.conftest import _fail_if_tripped
from tests.e2e.conftest import run_cli
from tests.netguard.network_guard import (
    HERE,
    NetworkGuardError,
    expect_trips,
    is_allowed_address,
    is_allowed_host,
)

UNROUTED = "192.0.2.1"  # TEST-NET-1: documentation only, never routed


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),
        ("localhost", True),
        ("LOCALHOST", True),
        (b"127.0.0.1", True),
        (None, True),  # a passive (bind) lookup
        ("0.0.0.0", True),  # noqa: S104 - this host
        ("::", True),
        (UNROUTED, False),
        ("10.0.0.1", False),
        ("::ffff:192.0.2.1", False),
        ("2001:db8::1", False),
        ("api.deepinfra.com", False),
        ("localhost.example.com", False),
        ("127.0.0.1.nip.io", False),
        (b"api.deepinfra.com", False),
        (7, False),
    ],
)
def test_which_hosts_pass(host: object, allowed: bool) -> None:
    assert is_allowed_host(host) is allowed


def test_unix_sockets_pass_whatever_their_path() -> None:
    assert is_allowed_address(socket.AF_UNIX, "/tmp/redis.sock")
    assert is_allowed_address(socket.AF_UNIX, b"\0abstract")
    assert not is_allowed_address(socket.AF_INET, (UNROUTED, 80))
    assert not is_allowed_address(socket.AF_INET6, ("2001:db8::1", 443, 0, 0))


def test_a_connect_to_an_unrouted_address_trips_at_once() -> None:
    with expect_trips() as trips:
        sock = socket.socket()
        with sock, pytest.raises(NetworkGuardError, match=rf"connect to {UNROUTED}:9 .*loopback"):
            sock.connect((UNROUTED, 9))
        with socket.socket() as sock, pytest.raises(NetworkGuardError):
            sock.connect_ex((UNROUTED, 10))
        with pytest.raises(NetworkGuardError, match=r"name lookup to api\.deepinfra\.com:443"):
            socket.create_connection(("api.deepinfra.com", 443), timeout=30)
    assert trips == [
        f"connect to {UNROUTED}:9",
        f"connect to {UNROUTED}:10",
        "name lookup to api.deepinfra.com:443",
    ]


async def test_httpx_and_aiohttp_trip_and_the_test_fails_even_if_the_error_is_swallowed() -> None:
    with expect_trips() as trips:
        async with httpx.AsyncClient(timeout=30) as client:
            with pytest.raises(httpx.ConnectError):
                await client.get(f"http://{UNROUTED}:8080/v1/openai/models")
            with pytest.raises(httpx.ConnectError):
                await client.get("https://api.deepinfra.com/v1/openai/models")
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
            with pytest.raises(aiohttp.ClientConnectorError):
                await session.get(f"http://{UNROUTED}:8081/")
            with pytest.raises(aiohttp.ClientConnectorError):
                await session.get("http://api.deepinfra.com/")
        loop = asyncio.get_running_loop()
        with pytest.raises(NetworkGuardError):
            await loop.create_connection(asyncio.Protocol, UNROUTED, 8082)
    assert trips == [
        f"connect to {UNROUTED}:8080",
        "name lookup to api.deepinfra.com:443",
        f"connect to {UNROUTED}:8081",
        "name lookup to api.deepinfra.com:80",
        f"connect to {UNROUTED}:8082",
    ]


async def test_loopback_unix_sockets_and_respx_pass(tmp_path: Path) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    path = str(tmp_path / "s.sock")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(path)
        server.listen()
        with socket.socket(socket.AF_UNIX) as client:
            client.connect(path)
    with respx.mock() as mock:
        mock.get("https://api.deepinfra.com/v1/openai/models").respond(200, json={"data": []})
        async with httpx.AsyncClient() as client:
            assert (await client.get("https://api.deepinfra.com/v1/openai/models")).json() == {"data": []}


def test_a_python_child_is_guarded_and_its_trip_reaches_this_test() -> None:
    code = f"import socket; socket.create_connection(({UNROUTED!r}, 9), timeout=30)"
    with expect_trips() as trips:
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 1
    assert f"NetworkGuardError: network guard: connect to {UNROUTED}:9" in result.stderr
    (trip,) = trips
    assert trip.startswith(f"connect to {UNROUTED}:9 (in child process ")


def test_the_guard_leaves_the_childs_import_path_alone() -> None:
    code = "import json, sys; print(json.dumps(sys.path))"
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    theirs = [p for p in os.environ["PYTHONPATH"].split(os.pathsep) if p != HERE]
    if theirs:  # whatever the suite itself was started with
        plain["PYTHONPATH"] = os.pathsep.join(theirs)
    guarded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    unguarded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=plain
    )
    assert json.loads(guarded.stdout) == json.loads(unguarded.stdout)


def test_the_console_script_is_guarded(tmp_path: Path) -> None:
    with expect_trips() as trips:
        result = run_cli(tmp_path, None, "models", "--json", "--refresh",
                         DEEPINFRA_API_KEY="di-guard-test-key-0123456789",
                         DEEPINFRA_BASE_URL=f"https://{UNROUTED}/v1/openai")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["source"] == "static"  # the fetch failed, as offline
    assert trips and {t.split(" (in child", 1)[0] for t in trips} == {f"connect to {UNROUTED}:443"}


def test_a_trip_fails_the_test_phase_with_the_destination_even_when_the_code_swallowed_it() -> None:
    phase = _fail_if_tripped()
    next(phase)  # the phase (setup, call or teardown) runs
    # as code that maps a connect error to "offline" does
    with socket.socket() as sock, contextlib.suppress(OSError):
        sock.connect((UNROUTED, 8443))
    with pytest.raises(pytest.fail.Exception, match=rf"reached past loopback: connect to {UNROUTED}:8443"):
        phase.send(None)
    clean = _fail_if_tripped()
    next(clean)
    with pytest.raises(StopIteration):
        clean.send(None)
