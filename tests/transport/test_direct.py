"""The direct path (`transport.direct`) against httpx's own: the same calls, both ways, against a
real loopback server. The httpx path is forced with a no-op event hook on the pooled client, so
the same aiohttp transport writes both requests: the bytes on the wire must be identical (request
line, headers in order and case, body), and so must results, retries and error types."""

from __future__ import annotations

import asyncio
import gzip
import json
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.errors import DeepInfraError
from openclaw_deepinfra.settings import ApiKey, Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.deadline import Deadline
from openclaw_deepinfra.transport.direct import Route, route
from openclaw_deepinfra.transport.pool import ClientPool
from tests.e2e.faults import (
    LAST_CHUNK,
    Action,
    Close,
    FaultServer,
    Hang,
    Request,
    Send,
    Sleep,
    chunk,
    chunked_head,
    fault_server,
    json_reply,
    reply,
    sse_reply,
)
from tests.transport.events import all_events

KEY = "sk-direct-test-0123456789abcdef"
PATH = "/v1/openai/chat/completions"
BODY = {"model": "org/m", "messages": [{"role": "user", "content": "héllo ✓"}], "temperature": 0.5}
PATHS = ("direct", "httpx")


class Sleeps(list[float]):
    async def __call__(self, delay: float) -> None:
        self.append(delay)


async def _noop_hook(_request: httpx.Request) -> None:
    return None


@asynccontextmanager
async def http_for(
    server: FaultServer, path: str, **settings: Any
) -> AsyncIterator[tuple[DeepInfraHttp, Sleeps]]:
    """A client on `server` whose requests take `path`; its sleeps are recorded, not slept."""
    options: dict[str, Any] = {"max_retries": 2, "timeout_s": 5.0, **settings}
    pool = ClientPool()
    sleeps = Sleeps()
    http = DeepInfraHttp(
        Settings(api_key=ApiKey(KEY, "test"), base_url=server.api_base, **options), pool, sleep=sleeps,
        rand=lambda: 0.0,
    )  # fmt: skip
    if path == "httpx":
        pool.client(server.api_base).event_hooks["request"].append(_noop_hook)
    async with pool:
        yield http, sleeps
        assert pool.stats().in_use == 0


def _wire(server: FaultServer) -> list[tuple[bytes, bytes]]:
    """Each request's head (with the ephemeral port as a placeholder: each run has its own) and body."""
    port = str(server.port).encode()
    return [(r.head.replace(port, b"PORT"), r.body) for r in server.requests]


async def both(
    actions: tuple[Action, ...], call: Callable[[DeepInfraHttp], Any], **settings: Any
) -> dict[str, tuple[Any, list[tuple[bytes, bytes]], list[float]]]:
    """Run `call` on each path against a fresh server answering `actions`: its result (or the
    error's type and text), the requests as they arrived, the backoff sleeps."""
    seen = {}
    for path in PATHS:
        with fault_server() as server:
            server.route("POST", PATH, *actions)
            server.route("GET", "/v1/openai/models", *actions)
            async with http_for(server, path, **settings) as (http, sleeps):
                try:
                    outcome = await call(http)
                except DeepInfraError as exc:
                    text = str(exc).replace(str(server.port), "PORT")  # each run has its own port
                    outcome = (type(exc).__name__, text, exc.status, exc.hint)
            seen[path] = (outcome, _wire(server), list(sleeps))
    return seen


async def post_json(http: DeepInfraHttp) -> Any:
    response = await http.request_json("POST", PATH.removeprefix("/v1/openai"), json=BODY, model="org/m")
    return response.status, response.data, response.request_id, dict(response.headers)


async def post_sse(http: DeepInfraHttp) -> Any:
    async with http.stream_sse(PATH.removeprefix("/v1/openai"), json=BODY, model="org/m") as events:
        return [(event.event, event.data) for event in await all_events(events)]


def _same(seen: dict[str, Any]) -> Any:
    assert seen["direct"] == seen["httpx"]
    return seen["direct"]


async def test_a_json_call_is_the_same_on_the_wire_and_in_the_result() -> None:
    answer = json_reply(
        {"choices": [{"index": 0}]}, headers=[("x-request-id", "r-1"), ("X-Multi", "a"), ("x-multi", "b")]
    )
    outcome, wire, _sleeps = _same(await both((answer,), post_json))
    status, data, request_id, headers = outcome
    assert (status, data, request_id) == (200, {"choices": [{"index": 0}]}, "r-1")
    assert headers["x-multi"] == "a, b"  # httpx's reading of a repeated header
    [(head, body)] = wire
    assert json.loads(body) == BODY and b"\\u" not in body  # httpx's compact, non-ASCII JSON
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] == f"POST {PATH} HTTP/1.1"
    names = [line.split(":", 1)[0] for line in lines[1:] if line]
    assert names[:3] == ["host", "accept-encoding", "connection"]  # httpx's defaults, then ours
    assert names[-2:] == ["content-length", "content-type"] and "authorization" in names


async def test_a_get_without_a_body_is_the_same_on_the_wire() -> None:
    async def get(http: DeepInfraHttp) -> Any:
        return (await http.request_json("GET", "/models", headers={"X-Trace": "t"})).data

    outcome, wire, _ = _same(await both((json_reply({"data": []}),), get))
    assert outcome == {"data": []} and wire[0][1] == b""


async def test_a_retried_5xx_and_a_retry_after_are_the_same() -> None:
    busy = json_reply({"error": {"message": "overloaded"}}, status=503)
    limited = json_reply({"detail": "Rate limited"}, status=429, headers=[("Retry-After", "3")])
    outcome, wire, sleeps = _same(await both((busy, limited, json_reply({"ok": 1})), post_json))
    assert outcome[:2] == (200, {"ok": 1}) and len(wire) == 3 and sleeps[1] == 3.0


@pytest.mark.parametrize("status", [400, 500])
async def test_an_error_status_is_the_same_error(status: int) -> None:
    answer = json_reply(
        {"error": {"message": "bad things"}}, status=status, headers=[("x-request-id", "r-9")]
    )
    outcome, wire, _ = _same(await both((answer,), post_json, max_retries=0))
    assert outcome[0] in ("InvalidRequestError", "ServerError") and outcome[2] == status and len(wire) == 1


async def test_a_gzip_answer_is_decoded_the_same() -> None:
    payload = json.dumps({"choices": ["z" * 500]}).encode()
    answer = reply(200, gzip.compress(payload), headers=[("Content-Encoding", "gzip")])
    outcome, _, _ = _same(await both((answer,), post_json))
    assert outcome[1] == {"choices": ["z" * 500]}


async def test_a_body_over_the_cap_is_the_same_error() -> None:
    async def capped(http: DeepInfraHttp) -> Any:
        return await post_json(http.with_options(max_body_bytes=100))

    chunked = (
        Send(chunked_head(content_type="application/json") + chunk(b"[" + b"1," * 200 + b"1]") + LAST_CHUNK),
    )
    for answer in ((json_reply(list(range(100))),), (chunked,)):
        outcome, _, _ = _same(await both(answer, capped))
        assert outcome[0] == "MalformedResponseError" and "larger than 100 bytes" in outcome[1]


async def test_a_server_that_hangs_up_after_the_request_is_the_same_error() -> None:
    outcome, wire, _ = _same(await both(((Close(),),), post_json, max_retries=1))
    assert outcome[0] == "APIConnectionError" and "RemoteProtocolError" in outcome[1]
    assert len(wire) == 2  # nothing of an answer arrived: retried once, as httpx's path does


async def test_a_read_timeout_mid_body_is_the_same_error() -> None:
    stall = (
        Send(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"a"'),
        Sleep(2.0),
    )

    async def short_reads(http: DeepInfraHttp) -> Any:
        return await post_json(http.with_options(deadline=Deadline(5.0, attempt_s=0.3)))

    outcome, _, _ = _same(await both((stall,), short_reads, max_retries=0))
    assert outcome[0] == "APITimeoutError" and "after 0.3s (read timeout)" in outcome[1]


async def test_connect_refused_is_the_same_error() -> None:
    listener = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    listener.close()
    await listener.wait_closed()
    seen = {}
    for path in PATHS:
        pool = ClientPool()
        settings = Settings(
            api_key=ApiKey(KEY, "test"), base_url=f"http://127.0.0.1:{port}/v1", max_retries=0
        )
        http = DeepInfraHttp(settings, pool, sleep=Sleeps(), rand=lambda: 0.0)
        if path == "httpx":
            pool.client(settings.base_url).event_hooks["request"].append(_noop_hook)
        async with pool:
            with pytest.raises(DeepInfraError) as info:
                await http.request_json("POST", "/chat", json=BODY)
        seen[path] = (type(info.value).__name__, str(info.value))
    assert _same(seen)[0] == "APIConnectionError" and "could not connect" in seen["direct"][1]


async def test_an_sse_stream_is_the_same() -> None:
    frames = [b'data: {"n": 1}\n\n', b"event: note\ndata: x\n\n", b"data: [DONE]\n\n"]
    outcome, wire, _ = _same(await both((sse_reply(frames, delay_s=0.01),), post_sse))
    assert outcome == [(None, '{"n": 1}'), ("note", "x")] and len(wire) == 1


@pytest.mark.parametrize("tail_s", [None, 0.05])
async def test_a_finished_stream_keeps_its_connection_however_its_body_ends(tail_s: float | None) -> None:
    # `[DONE]` with the body's end in one packet (nothing to drain), or the end 50 ms later
    # (drained): either way the next call reuses the connection, on both paths.
    done = chunk(b'data: {"n": 1}\n\n') + chunk(b"data: [DONE]\n\n")
    ends = (Send(done + LAST_CHUNK),) if tail_s is None else (Send(done), Sleep(tail_s), Send(LAST_CHUNK))

    async def twice(http: DeepInfraHttp) -> Any:
        return [await post_sse(http), await post_sse(http)]

    for path in PATHS:
        with fault_server() as server:
            server.route("POST", PATH, (Send(chunked_head()), *ends))
            async with http_for(server, path) as (http, _):
                assert await twice(http) == [[(None, '{"n": 1}')]] * 2
            assert server.connections_total == 1, path


async def test_a_set_cookie_is_kept_and_sent_back_as_httpx_does() -> None:
    answer = json_reply({}, headers=[("Set-Cookie", "lb=node-2; Path=/")])

    async def three(http: DeepInfraHttp) -> Any:
        for _ in range(3):
            await post_json(http)
        return dict(http.shared.pool.client(http.options.base_url).cookies)

    outcome, wire, _ = _same(await both((json_reply({}), answer, json_reply({})), three))
    assert outcome == {"lb": "node-2"}
    assert [b"cookie: lb=node-2" in head.lower() for head, _ in wire] == [False, False, True]


@pytest.mark.parametrize("path", PATHS)
async def test_a_cancelled_call_gives_back_its_slot_and_connection(path: str) -> None:
    arrived = threading.Event()

    def hang_first(request: Request) -> Action:
        if arrived.is_set():
            return json_reply({"ok": 1})
        arrived.set()
        return (Hang(),)

    with fault_server() as server:
        server.route("POST", PATH, responder=hang_first)
        async with http_for(server, path) as (http, _):
            task = asyncio.create_task(post_json(http))
            assert await asyncio.to_thread(arrived.wait, 5.0)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            limits = http.model_limits.snapshot()["org/m"]
            assert (limits.in_flight, limits.waiting) == (0, 0)
            assert http.shared.pool.stats().in_use == 0
            assert (await post_json(http))[1] == {"ok": 1}  # the model is not wedged


def _headers_of(request: httpx.Request) -> list[tuple[str, str]]:
    return request.headers.multi_items()  # what the aiohttp transport sends


@pytest.mark.parametrize(
    ("method", "url", "headers", "content"),
    [
        (
            "POST",
            "https://api.deepinfra.com/v1/openai/chat",
            {"Accept": "text/event-stream", "Authorization": "B k"},
            {"json": BODY},
        ),
        (
            "POST",
            "https://api.deepinfra.com/v1/openai/chat",
            {"accept": "*/*", "user-agent": "u/1", "CONNECTION": "close"},
            {"json": [1, None]},
        ),
        (
            "POST",
            "http://127.0.0.1:8080/v1/x",
            {"Content-Type": "application/x-ndjson", "Accept": "*/*"},
            {"json": {}},
        ),
        ("POST", "https://api.deepinfra.com/v1/openai/x?a=1&b=%20", {"Accept": "*/*"}, {}),
        (
            "GET",
            "https://api.deepinfra.com:8443/v1/openai/models",
            {"Accept": "application/json", "Host": "h"},
            {},
        ),
    ],
)
async def test_the_direct_header_list_is_the_one_build_request_makes(
    method: str, url: str, headers: dict[str, str], content: dict[str, Any]
) -> None:
    transport = _Recorder()
    async with httpx.AsyncClient(transport=transport, headers={"User-Agent": "openclaw/0"}) as client:
        to = route(client, method, url, headers, content)
        assert to.send is not None
        await to.send(to, {"connect": 1.0, "read": 2.0, "write": 3.0, "pool": 4.0}, client.cookies)
        expected = client.build_request(
            method, url, headers=headers, timeout=httpx.Timeout(1.0, read=2.0, write=3.0, pool=4.0), **content
        )
    [(sent_method, sent_url, sent_headers, sent_body, timeouts)] = transport.sent
    assert (sent_method, sent_url, sent_headers, sent_body) == (
        method,
        str(expected.url),
        _headers_of(expected),
        expected.read() or None,
    )
    assert timeouts == expected.extensions["timeout"]
    assert (
        _headers_of(to.request(timeouts)) == _headers_of(expected)
        and to.request(timeouts).read() == expected.read()
    )


@pytest.mark.parametrize(
    ("client_options", "url", "headers", "content"),
    [
        ({}, "https://h/x", {"X-Name": "ok"}, {"json": {}}),  # the one that goes direct
        ({"cookies": {"s": "1"}}, "https://h/x", {}, {"json": {}}),
        ({"params": {"q": "1"}}, "https://h/x", {}, {"json": {}}),
        ({"auth": ("u", "p")}, "https://h/x", {}, {"json": {}}),
        ({"follow_redirects": True}, "https://h/x", {}, {"json": {}}),
        ({"event_hooks": {"response": [_noop_hook]}}, "https://h/x", {}, {"json": {}}),
        ({}, "https://u:p@h/x", {}, {"json": {}}),
        ({}, "https://h/x", {"X-Name": "é"}, {"json": {}}),
        ({}, "https://h/x", {}, {"data": {"a": "1"}}),
        ({}, "https://h/x", {}, {"json": {}, "params": {"q": "1"}}),
    ],
)
async def test_what_httpx_would_change_takes_the_httpx_path(
    client_options: dict[str, Any], url: str, headers: dict[str, str], content: dict[str, Any]
) -> None:
    transport = _Recorder()
    async with httpx.AsyncClient(transport=transport, **client_options) as client:
        direct = route(client, "POST", url, headers, content).send is not None
    assert direct == (not client_options and url == "https://h/x" and headers == {"X-Name": "ok"})


class _Recorder(httpx.AsyncBaseTransport):
    """Stands in for the aiohttp transport: records what `send_direct` is handed."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, list[tuple[str, str]], bytes | None, dict[str, float]]] = []

    async def send_direct(self, to: Route, timeouts: dict[str, float], cookies: httpx.Cookies) -> Any:
        self.sent.append((to.method, to.target.text, to.wire, to.body, timeouts))
        return httpx.Response(200, request=to.request(timeouts))

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise AssertionError("the direct path was expected")


async def test_a_body_that_has_arrived_is_taken_whole_without_waiting() -> None:
    """`DirectResponse.received`: the whole body once it is in (its reader then needs no timer and
    no iterator), None while some of it is still to come or when it must be decoded first."""
    partial = (
        Send(b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"a"'),
        Hang(),
    )
    gzipped = reply(200, gzip.compress(b'{"z": 1}'), headers=[("Content-Encoding", "gzip")])
    with fault_server() as server:
        server.route("POST", PATH, json_reply({"ok": 1}), partial, gzipped)
        async with http_for(server, "direct") as (http, _):
            client = http.shared.pool.client(http.options.base_url)
            url = http.url(PATH.removeprefix("/v1/openai"))
            to = route(client, "POST", url, {"Accept": "application/json"}, {"json": BODY})
            assert to.send is not None
            received = []
            for _ in range(3):
                response = await to.send(
                    to, {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}, client.cookies
                )
                await asyncio.sleep(0.2)  # every byte the server sends has arrived
                received.append(response.received())
                await response.aclose()
    assert received == [b'{"ok": 1}', None, None]


async def test_httpx_log_line_is_written_the_same_way(caplog: pytest.LogCaptureFixture) -> None:
    """The direct path writes httpx's own "HTTP Request: ..." line, as `client.send` does."""
    caplog.set_level(logging.INFO, logger="httpx")

    async def logged(http: DeepInfraHttp) -> list[str]:
        caplog.clear()
        await post_json(http)
        port = http.options.base_url.split(":")[2].split("/")[0]
        return [r.getMessage().replace(port, "PORT") for r in caplog.records if r.name == "httpx"]

    outcome, _, _ = _same(await both((json_reply({}),), logged))
    assert outcome == [f'HTTP Request: POST http://127.0.0.1:PORT{PATH} "HTTP/1.1 200 OK"']
