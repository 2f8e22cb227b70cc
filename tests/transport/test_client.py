from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest
import respx

from openclaw_deepinfra.errors import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    DeepInfraError,
    InsufficientBalanceError,
    InvalidRequestError,
    MalformedResponseError,
    MissingApiKeyError,
    ModelBusyError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    StreamError,
    UnsupportedCapabilityError,
)
from openclaw_deepinfra.settings import ApiKey, Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.options import request_headers
from openclaw_deepinfra.transport.pool import DEFAULT_POOL_CAP, DEFAULT_TIMEOUT, ClientPool, user_agent
from tests.transport.events import all_events

BASE = "https://api.deepinfra.com/v1/openai"
KEY = "sk-client-test-0123456789abcdef"


class Sleeps:
    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def pool() -> AsyncIterator[ClientPool]:
    async with ClientPool() as p:
        yield p


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as r:
        yield r


def make_http(
    pool: ClientPool,
    sleeps: Sleeps,
    *,
    key: str | None = KEY,
    max_retries: int = 2,
    timeout_s: float | None = None,
) -> DeepInfraHttp:
    settings = Settings(
        api_key=ApiKey(key, "test") if key else None,
        base_url=BASE,
        max_retries=max_retries,
        timeout_s=timeout_s,
    )
    # A frozen monotonic clock: the call deadline never eats into the per-attempt timeouts here.
    return DeepInfraHttp(settings, pool, sleep=sleeps, rand=lambda: 0.0, monotonic=lambda: 0.0)


async def test_json_request_headers_and_url(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    route = router.get("/models").respond(200, json={"data": []}, headers={"x-request-id": "rid-1"})
    result = await make_http(pool, sleeps).request_json("GET", "/models", params={"filter": "with_meta"})
    assert (result.status, result.data, result.request_id) == (200, {"data": []}, "rid-1")
    sent = route.calls.last.request
    assert str(sent.url) == f"{BASE}/models?filter=with_meta"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"] == user_agent()
    assert user_agent().startswith("openclaw-deepinfra/")


async def test_headers_are_built_once_per_options_and_deadline_views_share_them(
    pool: ClientPool, sleeps: Sleeps
) -> None:
    http = make_http(pool, sleeps)
    url, accept = http.url("/chat/completions"), "text/event-stream"

    def headers(view: DeepInfraHttp, to: str = url) -> dict[str, str]:
        return request_headers(view.options, to, authenticated=True, accept=accept, extra=None)

    cold = headers(http)
    view = http.with_options(deadline=http.deadline(5.0), max_body_bytes=10)
    warm = headers(view)
    assert list(warm.items()) == list(cold.items())  # the same names, values and order, warm or cold
    assert view.options.built_headers is http.options.built_headers and len(http.options.built_headers) == 1
    warm["X-Mine"] = "1"
    assert "X-Mine" not in headers(http)  # each call gets its own dict
    other = http.with_options(api_key=ApiKey("sk-other-key-0123456789", "test"))
    assert headers(other)["Authorization"] == "Bearer sk-other-key-0123456789" and headers(http) == cold
    assert KEY not in repr(http.options) and "built_headers" not in repr(http.options)
    headers(http, f"{url}?signed=1")
    assert len(http.options.built_headers) == 1  # a URL with a query (a signed download) is not kept
    no_key = make_http(pool, sleeps, key=None)
    for _ in range(2):  # an error is raised every time, never kept
        with pytest.raises(MissingApiKeyError):
            headers(no_key)


async def test_json_body_is_sent_as_json(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    route = router.post("/embeddings").respond(200, json={"data": [{"embedding": [0.1]}]})
    await make_http(pool, sleeps).request_json("POST", "embeddings", json={"input": ["a"], "model": "m"})
    sent = route.calls.last.request
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {"input": ["a"], "model": "m"}


async def test_anonymous_request_has_no_authorization(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    route = router.get("/models").respond(200, json=[])
    await make_http(pool, sleeps, key=None).request_json("GET", "/models", authenticated=False)
    assert "authorization" not in route.calls.last.request.headers


async def test_missing_key_raises_before_sending(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    route = router.get("/models").respond(200, json=[])
    with pytest.raises(MissingApiKeyError, match="DEEPINFRA_API_KEY"):
        await make_http(pool, sleeps, key=None).request_json("GET", "/models")
    assert not route.called


async def test_key_is_never_sent_to_another_host(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    cdn = router.get("https://cdn.example.com/video.mp4").respond(200, content=b"\x00\x01")
    http = make_http(pool, sleeps)
    with pytest.raises(RequestValidationError, match=r"cdn\.example\.com"):
        await http.request_bytes("GET", "https://cdn.example.com/video.mp4")
    assert not cdn.called
    result = await http.request_bytes("GET", "https://cdn.example.com/video.mp4", authenticated=False)
    assert result.content == b"\x00\x01"
    assert "authorization" not in cdn.calls.last.request.headers


@pytest.mark.parametrize(
    ("first", "expected_delay"),
    [
        (httpx.Response(429, json={"error": {"message": "Model busy, retry later"}}), 0.25),  # busy: >= 0.25
        (httpx.Response(503, text="unavailable"), 0.0),
        (httpx.Response(429, headers={"Retry-After": "3"}, json={"error": {"message": "Rate limited"}}), 3.0),
        (httpx.Response(429, headers={"retry-after-ms": "1500"}), 1.5),
        (httpx.ConnectError("refused"), 0.0),
        (httpx.RemoteProtocolError("Server disconnected without sending a response."), 0.0),
    ],
)
async def test_retried_then_succeeds(
    router: respx.MockRouter,
    pool: ClientPool,
    sleeps: Sleeps,
    first: httpx.Response | Exception,
    expected_delay: float,
) -> None:
    route = router.post("/chat/completions").mock(side_effect=[first, httpx.Response(200, json={"ok": True})])
    result = await make_http(pool, sleeps).request_json("POST", "/chat/completions", json={})
    assert result.data == {"ok": True}
    assert route.call_count == 2
    assert sleeps.delays == [pytest.approx(expected_delay)]


@pytest.mark.parametrize(
    ("status", "payload", "cls"),
    [
        (400, {"error": {"message": "bad"}}, InvalidRequestError),
        (401, {"error": {"message": "invalid key"}}, AuthenticationError),
        (402, {"error": {"message": "You need positive balance to do inference"}}, InsufficientBalanceError),
        (
            405,
            {"error": {"message": "Tool calling is not supported for model: m"}},
            UnsupportedCapabilityError,
        ),
        (422, {"detail": [{"loc": ["body"], "msg": "too many"}]}, InvalidRequestError),
    ],
)
async def test_not_retried(
    router: respx.MockRouter,
    pool: ClientPool,
    sleeps: Sleeps,
    status: int,
    payload: object,
    cls: type[Exception],
) -> None:
    route = router.post("/chat/completions").respond(status, json=payload)
    with pytest.raises(cls):
        await make_http(pool, sleeps).request_json(
            "POST", "/chat/completions", json={}, label="DeepInfra chat"
        )
    assert route.call_count == 1
    assert sleeps.delays == []


async def test_retries_are_bounded(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    route = router.get("/models").respond(503, text="down")
    with pytest.raises(ServerError) as info:
        await make_http(pool, sleeps, max_retries=3).request_json("GET", "/models")
    assert route.call_count == 4
    assert len(sleeps.delays) == 3
    assert info.value.status == 503


async def test_zero_retries_from_settings(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    route = router.get("/models").respond(429, json={"error": {"message": "Model busy, retry later"}})
    with pytest.raises(ModelBusyError):
        await make_http(pool, sleeps, max_retries=0).request_json("GET", "/models")
    assert route.call_count == 1


async def test_billed_submit_policy_skips_server_error_retries(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    route = router.post("/videos").mock(side_effect=[httpx.Response(429), httpx.Response(502)])
    with pytest.raises(ServerError):
        submit = make_http(pool, sleeps).with_options(retry_kind="submit")
        await submit.request_json("POST", "/videos", json={})
    assert route.call_count == 2  # the 429 was retried, the 502 was not


async def test_connect_errors_exhausted(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    router.get("/models").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(APIConnectionError, match="could not connect"):
        await make_http(pool, sleeps).request_json("GET", "/models")
    assert len(sleeps.delays) == 2


async def test_read_timeout_is_not_retried(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps
) -> None:
    route = router.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(APITimeoutError, match=r"read timeout"):
        await make_http(pool, sleeps, timeout_s=7).request_json("POST", "/chat/completions", json={})
    assert route.call_count == 1


async def test_bad_json_on_success(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    router.get("/models").respond(200, text="<html>oops</html>", headers={"x-request-id": "r"})
    with pytest.raises(MalformedResponseError, match="not valid JSON") as info:
        await make_http(pool, sleeps).request_json("GET", "/models")
    assert info.value.body_excerpt == "<html>oops</html>"
    assert info.value.request_id == "r"


async def test_empty_success_body_is_none(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    router.delete("/deploy/1").respond(204)
    assert (await make_http(pool, sleeps).request_json("DELETE", "/deploy/1")).data is None


@pytest.mark.parametrize("declared", [True, False])
async def test_body_size_cap(
    router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps, declared: bool
) -> None:
    payload = b"x" * 2048

    async def chunks() -> AsyncIterator[bytes]:
        for i in range(0, len(payload), 256):
            yield payload[i : i + 256]

    response = httpx.Response(200, content=payload) if declared else httpx.Response(200, content=chunks())
    router.get("/big").mock(return_value=response)
    http = make_http(pool, sleeps).with_options(max_body_bytes=1024)
    with pytest.raises(MalformedResponseError, match="larger than 1024 bytes"):
        await http.request_bytes("GET", "/big")


async def test_request_bytes(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    route = router.post("/audio/speech").respond(
        200, content=b"ID3", headers={"content-type": "audio/mpeg; x=1"}
    )
    result = await make_http(pool, sleeps).request_bytes("POST", "/audio/speech", json={"input": "hi"})
    assert (result.content, result.content_type) == (b"ID3", "audio/mpeg")
    assert route.calls.last.request.headers["accept"] == "*/*"
    assert "ID3" not in repr(result)


async def test_multipart_upload(router: respx.MockRouter, pool: ClientPool, sleeps: Sleeps) -> None:
    route = router.post("/audio/transcriptions").respond(200, json={"text": "hello"})
    result = await make_http(pool, sleeps).request_json(
        "POST",
        "/audio/transcriptions",
        data={"model": "openai/whisper-large-v3"},
        files={"file": ("a.mp3", b"ID3")},
    )
    assert result.data == {"text": "hello"}
    assert route.calls.last.request.headers["content-type"].startswith("multipart/form-data; boundary=")


# -- timeouts and the pool ------------------------------------------------------------------------


def test_default_timeouts_and_limits_are_finite_and_sized() -> None:
    assert (DEFAULT_TIMEOUT.connect, DEFAULT_TIMEOUT.read, DEFAULT_TIMEOUT.write, DEFAULT_TIMEOUT.pool) == (
        10.0,
        120.0,
        30.0,
        30.0,
    )
    pool = ClientPool()
    pool.configure(DEFAULT_POOL_CAP)  # the limits of a pool at its default size
    limits = pool.limits
    assert limits.max_connections is not None and limits.max_connections >= 400
    assert limits.max_keepalive_connections is not None and limits.max_keepalive_connections >= 200
    assert limits.keepalive_expiry == 30.0


@pytest.mark.parametrize(
    ("settings_timeout", "call_timeout", "expected"),
    [
        (None, None, {"connect": 10.0, "read": 120.0, "write": 30.0, "pool": 30.0}),
        (300.0, None, {"connect": 10.0, "read": 300.0, "write": 300.0, "pool": 300.0}),
        (300.0, 5.0, {"connect": 5.0, "read": 5.0, "write": 5.0, "pool": 5.0}),
        (None, 45.0, {"connect": 10.0, "read": 45.0, "write": 45.0, "pool": 45.0}),
    ],
)
async def test_request_timeouts(
    router: respx.MockRouter,
    pool: ClientPool,
    sleeps: Sleeps,
    settings_timeout: float | None,
    call_timeout: float | None,
    expected: dict[str, float],
) -> None:
    route = router.get("/models").respond(200, json=[])
    http = make_http(pool, sleeps, timeout_s=settings_timeout)
    await http.with_options(deadline=http.deadline(call_timeout)).request_json("GET", "/models")
    assert route.calls.last.request.extensions["timeout"] == expected


async def test_pool_one_client_per_base_url() -> None:
    pool = ClientPool(transport_factory=lambda: httpx.MockTransport(lambda r: httpx.Response(200)))
    first = pool.client(BASE)
    assert pool.client(BASE + "/") is first
    other = pool.client("http://127.0.0.1:8080/v1/openai")
    assert other is not first
    assert first.timeout.read == 120.0
    await pool.aclose()
    assert first.is_closed and other.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        pool.client(BASE)


# -- streaming -----------------------------------------------------------------------------------


class RecordingStream(httpx.AsyncByteStream):
    """A response body that records how much was read and whether it was closed."""

    def __init__(
        self, chunks: list[bytes], *, hang_after: int | None = None, fail_after: int | None = None
    ) -> None:
        self.chunks = chunks
        self.hang_after = hang_after
        self.fail_after = fail_after
        self.read = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index == self.hang_after:
                await asyncio.Event().wait()
            if index == self.fail_after:
                raise httpx.ReadError("connection reset")
            self.read += 1
            yield chunk

    async def aclose(self) -> None:
        self.closed = True


class RecordingTransport(httpx.AsyncBaseTransport):
    def __init__(self, make: Callable[[httpx.Request], httpx.Response]) -> None:
        self.make = make
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.make(request)


def sse_response(stream: RecordingStream, status: int = 200) -> httpx.Response:
    return httpx.Response(status, headers={"content-type": "text/event-stream"}, stream=stream)


CHAT = [
    b'data: {"choices": [{"delta": {"content": "Hel"}}]}\n\n',
    b'data: {"choices": [{"delta": {"content": "lo"}}]}\n\n',
]


def streaming_http(transport: RecordingTransport, sleeps: Sleeps) -> tuple[DeepInfraHttp, ClientPool]:
    pool = ClientPool(transport_factory=lambda: transport)
    return make_http(pool, sleeps), pool


async def test_stream_yields_events_and_sends_sse_headers(sleeps: Sleeps) -> None:
    body = RecordingStream([*CHAT, b"data: [DONE]\n\n"])
    transport = RecordingTransport(lambda r: sse_response(body))
    http, pool = streaming_http(transport, sleeps)
    async with http.stream_sse("/chat/completions", json={"stream": True}) as events:
        data = [e.data for e in await all_events(events)]
    await pool.aclose()
    assert data == [c.decode()[6:-2] for c in CHAT]  # the stream ends at [DONE], not yielded
    assert body.closed and body.read == 3
    request = transport.requests[0]
    assert request.headers["accept"] == "text/event-stream"
    assert request.headers["authorization"] == f"Bearer {KEY}"


async def test_stream_early_break_closes_the_response(sleeps: Sleeps) -> None:
    body = RecordingStream([*CHAT, *CHAT, b"data: [DONE]\n\n"])
    http, pool = streaming_http(RecordingTransport(lambda r: sse_response(body)), sleeps)
    async with http.stream_sse("/chat/completions", json={}) as events:
        assert await events.next_events()  # the consumer stops after the first read
    await pool.aclose()
    assert body.closed
    assert body.read == 1  # not drained: the consumer stopped before the end


async def test_stream_drains_the_tail_after_done(sleeps: Sleeps) -> None:
    body = RecordingStream([*CHAT, b"data: [DONE]\n\n", b": trailing comment\n\n", b"\n"])
    http, pool = streaming_http(RecordingTransport(lambda r: sse_response(body)), sleeps)
    async with http.stream_sse("/chat/completions", json={}) as events:
        assert len(await all_events(events)) == 2  # the stream ends at [DONE]
        assert events.saw_done and not events.exhausted
    await pool.aclose()
    assert body.read == len(body.chunks)  # read to the end so the connection can be reused
    assert body.closed


async def test_stream_closed_when_the_consumer_raises(sleeps: Sleeps) -> None:
    body = RecordingStream(CHAT)
    http, pool = streaming_http(RecordingTransport(lambda r: sse_response(body)), sleeps)
    with pytest.raises(KeyError):
        async with http.stream_sse("/chat/completions", json={}) as events:
            if await events.next_events():
                raise KeyError("consumer bug")
    await pool.aclose()
    assert body.closed


async def test_stream_closed_on_cancellation(sleeps: Sleeps) -> None:
    body = RecordingStream(CHAT, hang_after=1)
    http, pool = streaming_http(RecordingTransport(lambda r: sse_response(body)), sleeps)
    first = asyncio.Event()

    async def consume() -> None:
        async with http.stream_sse("/chat/completions", json={}) as events:
            while await events.next_events():
                first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), timeout=5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await pool.aclose()
    assert body.closed


async def test_mid_stream_read_error_is_mapped_and_not_retried(sleeps: Sleeps) -> None:
    body = RecordingStream(CHAT, fail_after=1)
    transport = RecordingTransport(lambda r: sse_response(body))
    http, pool = streaming_http(transport, sleeps)
    received: list[str] = []
    with pytest.raises(APIConnectionError, match="ReadError"):
        async with http.stream_sse("/chat/completions", json={}) as events:
            while batch := await events.next_events():
                received.extend(event.data for event in batch)
    await pool.aclose()
    assert len(received) == 1
    assert len(transport.requests) == 1
    assert body.closed


async def test_stream_error_status_is_mapped_before_yielding(sleeps: Sleeps) -> None:
    error_body = RecordingStream([b'{"error": {"message": "You need positive balance to do inference"}}'])
    transport = RecordingTransport(
        lambda r: httpx.Response(402, headers={"content-type": "application/json"}, stream=error_body)
    )
    http, pool = streaming_http(transport, sleeps)
    entered = False
    with pytest.raises(InsufficientBalanceError, match="positive balance"):
        async with http.stream_sse("/chat/completions", json={}):
            entered = True
    await pool.aclose()
    assert not entered
    assert error_body.closed
    assert len(transport.requests) == 1


async def test_stream_retries_before_the_first_byte(sleeps: Sleeps) -> None:
    bodies = [RecordingStream([b"Model busy"]), RecordingStream([b"data: ok\n\n"])]
    statuses = iter([429, 200])
    transport = RecordingTransport(
        lambda r: sse_response(bodies[len(transport.requests) - 1], next(statuses))
    )
    http, pool = streaming_http(transport, sleeps)
    async with http.stream_sse("/chat/completions", json={}) as events:
        data = [e.data for e in await all_events(events)]
    await pool.aclose()
    assert data == ["ok"]
    assert len(transport.requests) == 2 and len(sleeps.delays) == 1
    assert all(b.closed for b in bodies)


@pytest.mark.parametrize(
    ("payload", "cls"),
    [
        ({"error_type": "validation", "error_message": '{"error": {"message": "bad prompt"}}'}, StreamError),
        ({"id": "x", "choices": []}, MalformedResponseError),
    ],
)
async def test_json_answer_to_a_stream_request(
    sleeps: Sleeps, payload: object, cls: type[DeepInfraError]
) -> None:
    body = RecordingStream([json.dumps(payload).encode()])
    transport = RecordingTransport(
        lambda r: httpx.Response(200, headers={"content-type": "application/json"}, stream=body)
    )
    http, pool = streaming_http(transport, sleeps)
    with pytest.raises(cls):
        async with http.stream_sse("/chat/completions", json={}):
            pass
    await pool.aclose()
    assert body.closed


async def test_rate_limit_hint_on_exhausted_stream_retries(sleeps: Sleeps) -> None:
    transport = RecordingTransport(lambda r: httpx.Response(429, json={"error": {"message": "Rate limited"}}))
    http, pool = streaming_http(transport, sleeps)
    with pytest.raises(RateLimitError) as info:
        async with http.stream_sse("/chat/completions", json={}):
            pass
    await pool.aclose()
    assert len(transport.requests) == 3
    assert info.value.hint is not None and "200" in info.value.hint
