"""The default transport (aiohttp's pool under httpx) against a real loopback server: what goes
on the wire, connection reuse, and the httpx error each failure becomes (the retry policy reads
those: a "connect" error means never sent, anything later may have been processed)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import httpx
import pytest

from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.transport.aiohttp_transport import AiohttpTransport, map_aiohttp_error
from openclaw_deepinfra.transport.pool import TRANSPORT_ENV, ClientPool, transport_kind


@dataclass
class Server:
    port: int
    connections: int = 0
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _answer(body: bytes, *, status: str = "200 OK", extra: str = "") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    state = Server(port=0)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        state.connections += 1
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
                line, *rest = head.split("\r\n")
                headers = {k.lower(): v.strip() for k, _, v in (h.partition(":") for h in rest if h)}
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                target = line.split(" ")[1]
                state.requests.append((f"{line.split(' ')[0]} {target}", headers, body))
                path = target.split("?")[0]
                if path == "/close":
                    break  # hang up after the request was sent
                if path == "/slow":
                    await asyncio.sleep(2)
                if path == "/half":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
                    await writer.drain()
                    break
                if path == "/stall":  # three frames 50 ms apart, then silence
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
                    writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
                    for i in range(3):
                        await asyncio.sleep(0.05)
                        frame = f"data: {i}\n\n".encode()
                        writer.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                        await writer.drain()
                    await asyncio.sleep(2)
                    break
                if path == "/stream":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n")
                    writer.write(b"Transfer-Encoding: chunked\r\n\r\n")
                    for i in range(3):
                        frame = f"data: {i}\n\n".encode()
                        writer.write(b"%x\r\n%s\r\n" % (len(frame), frame))
                        await writer.drain()
                        await asyncio.sleep(0.01)
                    writer.write(b"0\r\n\r\n")
                else:
                    echo = {"headers": headers, "body": body.decode("latin-1"), "target": target}
                    writer.write(
                        _answer(json.dumps(echo).encode(), status="201 Created", extra="x-request-id: r1\r\n")
                    )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0)
    state.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield state


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = AiohttpTransport(limits=ClientPool().limits)
    async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5.0)) as c:
        yield c


async def test_request_and_response_go_through_unchanged(server: Server, client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"{server.base}/v1/echo", params={"a": "b c"}, json={"x": "é"}, headers={"Authorization": "Bearer k"}
    )
    assert (response.status_code, response.reason_phrase, response.http_version) == (
        201,
        "Created",
        "HTTP/1.1",
    )
    assert response.headers["x-request-id"] == "r1"
    echo = response.json()
    assert echo["target"] == "/v1/echo?a=b+c"
    assert echo["headers"]["authorization"] == "Bearer k"
    assert echo["headers"]["content-type"] == "application/json"
    assert echo["headers"]["user-agent"].startswith("python-httpx/")
    assert json.loads(echo["body"].encode("latin-1")) == {"x": "é"}


async def test_multipart_upload_is_streamed_with_its_boundary(
    server: Server, client: httpx.AsyncClient
) -> None:
    response = await client.post(
        f"{server.base}/upload", data={"model": "m"}, files={"file": ("a.wav", b"RIFF")}
    )
    echo = response.json()
    boundary = echo["headers"]["content-type"].split("boundary=")[1]
    assert "transfer-encoding" not in echo["headers"] or echo["headers"]["transfer-encoding"] == "chunked"
    assert f"--{boundary}" in echo["body"] and 'filename="a.wav"' in echo["body"] and "RIFF" in echo["body"]


async def test_complete_bodies_keep_the_connection_and_half_read_streams_drop_it(
    server: Server, client: httpx.AsyncClient
) -> None:
    for _ in range(3):
        assert (await client.get(f"{server.base}/json")).status_code == 201
    async with client.stream("GET", f"{server.base}/stream") as response:
        chunks = [chunk async for chunk in response.aiter_bytes()]
    assert b"".join(chunks) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n" and len(chunks) >= 2  # as they arrived
    assert server.connections == 1
    async with client.stream("GET", f"{server.base}/stream") as response:
        async for _ in response.aiter_bytes():
            break  # the consumer stops early: this connection is not reusable
    await client.get(f"{server.base}/json")
    assert server.connections == 2


async def test_connection_refused_is_a_connect_error(client: httpx.AsyncClient) -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    with pytest.raises(httpx.ConnectError):
        await client.get(f"http://127.0.0.1:{port}/")


async def test_hang_up_after_the_request_is_a_remote_protocol_error(
    server: Server, client: httpx.AsyncClient
) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await client.post(f"{server.base}/close", json={})
    assert len(server.requests) == 1  # it was sent: not a connect error, so never retried as one


async def test_body_cut_short_is_a_remote_protocol_error(server: Server, client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        await client.get(f"{server.base}/half")


async def test_read_timeout(server: Server, client: httpx.AsyncClient) -> None:
    with pytest.raises(httpx.ReadTimeout):
        await client.get(f"{server.base}/slow", timeout=httpx.Timeout(5.0, read=0.1))


async def test_read_timeout_mid_body_counts_from_the_last_packet(
    server: Server, client: httpx.AsyncClient
) -> None:
    started = time.monotonic()
    got: list[bytes] = []
    with pytest.raises(httpx.ReadTimeout):
        async with client.stream("GET", f"{server.base}/stall", timeout=httpx.Timeout(5.0, read=0.2)) as r:
            async for piece in r.aiter_raw():
                got.append(piece)
    # each packet came well within the read timeout; the silence after the last one did not
    assert b"".join(got) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"
    assert 0.3 < time.monotonic() - started < 1.0


async def test_a_slow_consumer_is_not_a_read_timeout(server: Server, client: httpx.AsyncClient) -> None:
    async with client.stream("GET", f"{server.base}/stream", timeout=httpx.Timeout(5.0, read=0.1)) as r:
        pieces = []
        async for piece in r.aiter_raw():
            pieces.append(piece)
            await asyncio.sleep(0.25)  # the data is already here: the consumer, not the peer, is slow
    assert b"".join(pieces) == b"data: 0\n\ndata: 1\n\ndata: 2\n\n"


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (aiohttp.ServerDisconnectedError(), httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError("cut"), httpx.RemoteProtocolError),
        (aiohttp.ClientOSError(104, "reset"), httpx.ReadError),
        (aiohttp.SocketTimeoutError("read"), httpx.ReadTimeout),
        (aiohttp.ConnectionTimeoutError("connect"), httpx.ConnectTimeout),
        (TimeoutError(), httpx.ReadTimeout),
        (aiohttp.ClientError("other"), httpx.TransportError),
    ],
)
def test_error_table(error: BaseException, expected: type[Exception]) -> None:
    mapped = map_aiohttp_error(error)
    assert type(mapped) is expected


def test_a_transport_serves_one_event_loop_after_another() -> None:
    async def once(transport: AiohttpTransport) -> None:
        listener = await asyncio.start_server(_one_answer, "127.0.0.1", 0)
        port = listener.sockets[0].getsockname()[1]
        async with listener:
            client = httpx.AsyncClient(transport=transport)
            assert (await client.get(f"http://127.0.0.1:{port}/")).json() == {"ok": True}
        await transport.aclose()

    transport = AiohttpTransport(limits=ClientPool().limits)
    asyncio.run(once(transport))
    asyncio.run(once(transport))


async def _one_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(_answer(b'{"ok": true}'))
    await writer.drain()
    writer.close()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, AiohttpTransport), ("aiohttp", AiohttpTransport), ("httpx", httpx.AsyncHTTPTransport)],
)
async def test_pool_transport_choice(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: type
) -> None:
    if value is None:
        monkeypatch.delenv(TRANSPORT_ENV, raising=False)
    else:
        monkeypatch.setenv(TRANSPORT_ENV, value)
    async with ClientPool() as pool:
        assert isinstance(pool.client("http://127.0.0.1:1")._transport, expected)


def test_unknown_transport_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="aiohttp, httpx"):
        transport_kind({TRANSPORT_ENV: "http2"})
