"""Fault injection end to end: the plugin, loaded as a gateway loads it, against a raw HTTP server on
127.0.0.1 that misbehaves on purpose. Each test pins the exact outcome (a result or a typed error),
how many attempts the server saw, that no connection is left mid-request or open after the host
closes, and that nothing went unhandled in the event loop (`loop_errors`).

Settings keep the suite fast: `timeoutSeconds` 0.5-2 s and `maxRetries` 2 (so at most 3 attempts).
"""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from openclaw_deepinfra import errors
from openclaw_deepinfra.errors import (
    APIConnectionError,
    APITimeoutError,
    MalformedResponseError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
)
from tests.e2e.faults import (
    LAST_CHUNK,
    Close,
    FaultServer,
    Hang,
    Reset,
    Send,
    Sleep,
    chunk,
    chunked_head,
    json_reply,
    reply,
    sse_reply,
)
from tests.reliability import calls
from tests.reliability.calls import CATALOG, CHAT_ANSWER, STREAM_FRAMES, chat_request, delta
from tests.reliability.conftest import CHAT_PATH, EMBED_PATH, MODELS_PATH, Host, MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

RATE_LIMITED = json.dumps({"error": {"message": "Rate limited"}}).encode()
MODEL_BUSY = json.dumps({"error": {"message": "Model busy, retry later"}}).encode()
HTML_502 = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1>"
    b"</center><hr><center>nginx</center></body></html>"
)
CAPTIVE_PORTAL = b"<!DOCTYPE html><html><body><form>Sign in to the hotel wifi</form></body></html>"


def deadline_error() -> type[Exception]:
    """The issue-7 deadline error (a subclass of APITimeoutError)."""
    cls: type[Exception] = errors.DeadlineExceededError  # type: ignore[attr-defined]
    return cls


async def no_leaks(server: FaultServer, host: Host) -> None:
    """Nothing is mid-request now, and closing the host closes every connection it opened."""
    assert await server.await_quiet(busy=0), f"{server.busy_connections} connection(s) still mid-request"
    await host.registry.aclose()
    assert await server.await_quiet(open_=0), f"{server.open_connections} connection(s) left open"


# -- connection reset, close after headers, truncated bodies -----------------------------------------


async def test_connection_reset_mid_stream_is_a_connection_error_after_the_first_delta(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, (Send(chunked_head() + chunk(delta("Hel"))), Sleep(0.05), Reset()))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    texts: list[str] = []
    with pytest.raises(APIConnectionError) as caught:
        async with host.get("provider").stream(chat_request()) as events:
            async for event in events:
                if event.type == "text_delta":
                    texts.append(event.text)
    assert texts == ["Hel"]
    assert not isinstance(caught.value, APITimeoutError)
    assert faults.hits(CHAT_PATH) == 1  # a stream is never retried after its first byte
    await no_leaks(faults, host)


async def test_server_closing_after_the_headers_of_a_json_answer(
    faults: FaultServer, make_host: MakeHost
) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n"
    faults.route("POST", CHAT_PATH, (Send(head), Close()))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(APIConnectionError) as caught:
        await calls.chat(host)
    assert not isinstance(caught.value, APITimeoutError)
    assert faults.hits(CHAT_PATH) == 1  # the answer had started: the request was processed
    await no_leaks(faults, host)


async def test_server_closing_after_the_headers_of_a_stream(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, (Send(chunked_head()), Close()))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(APIConnectionError):
        await calls.chat_stream(host)
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_connection_closed_before_any_answer_is_retried(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, (Close(),), json_reply(CHAT_ANSWER))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    assert await calls.chat(host) == "Hello!"
    assert faults.hits(CHAT_PATH) == 2  # nothing was received, so nothing was processed
    await no_leaks(faults, host)


async def test_truncated_json_is_malformed_and_not_retried(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, reply(200, b'{"id": "c1", "choices": [{"message": {"content": "Hel'))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(MalformedResponseError) as caught:
        await calls.chat(host)
    assert "not valid JSON" in str(caught.value)
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_truncated_embeddings_json(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", EMBED_PATH, reply(200, b'{"data": [{"index": 0, "embedding": [0.1, 0.'))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(MalformedResponseError):
        await calls.embed(host)
    assert faults.hits(EMBED_PATH) == 1
    await no_leaks(faults, host)


# -- slow servers and the call deadline ---------------------------------------------------------------


async def test_slow_headers_hit_the_call_deadline(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, (Sleep(5.0), *json_reply(CHAT_ANSWER)))
    host = make_host(faults, maxRetries=2, timeoutSeconds=0.5)
    # The catalog is settled first: on a loaded machine its first refresh can eat the 0.5 s
    # budget before the chat attempt starts, and this test is about the attempt's deadline.
    await host.get_catalog().surface_report(refresh=True)
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        await calls.chat(host)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0
    assert isinstance(caught.value, deadline_error())
    assert caught.value.budget_s == 0.5 and caught.value.attempts == 1  # type: ignore[attr-defined]
    assert "deadline" in str(caught.value) and "DeepInfra chat" in str(caught.value)
    assert faults.hits(CHAT_PATH) == 1  # a read timeout may hide processed (billed) work
    await no_leaks(faults, host)


async def test_slow_body_is_a_read_timeout(faults: FaultServer, make_host: MakeHost) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n"
    faults.route("POST", CHAT_PATH, (Send(head + b'{"id": "c1", '), Sleep(5.0), Close()))
    host = make_host(faults, maxRetries=2, timeoutSeconds=0.5)
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        await calls.chat(host)
    assert time.monotonic() - started < 2.0
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_stream_stalling_mid_body_times_out(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, (Send(chunked_head() + chunk(delta("Hel"))), Hang()))
    host = make_host(faults, maxRetries=2, timeoutSeconds=0.5)
    texts: list[str] = []
    started = time.monotonic()
    with pytest.raises(APITimeoutError):
        async with host.get("provider").stream(chat_request()) as events:
            async for event in events:
                if event.type == "text_delta":
                    texts.append(event.text)
    assert texts == ["Hel"] and time.monotonic() - started < 2.0
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


# -- HTML error pages ---------------------------------------------------------------------------------


async def test_html_502_page_is_retried_then_a_readable_server_error(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, reply(502, HTML_502, content_type="text/html"))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    with pytest.raises(ServerError) as caught:
        await calls.chat(host)
    assert caught.value.status == 502
    assert "502 Bad Gateway" in str(caught.value) and "<" not in str(caught.value)
    assert faults.hits(CHAT_PATH) == 3  # 502: no worker took the request; retried twice
    await no_leaks(faults, host)


async def test_html_page_with_200_is_malformed(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, reply(200, CAPTIVE_PORTAL, content_type="text/html"))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(MalformedResponseError):
        await calls.chat(host)
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_html_404_page_is_not_found_and_not_retried(faults: FaultServer, make_host: MakeHost) -> None:
    page = b"<html><head><title>404 Not Found</title></head><body>Not Found</body></html>"
    faults.route("POST", EMBED_PATH, reply(404, page, content_type="text/html"))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(NotFoundError) as caught:
        await calls.embed(host)
    assert "404 Not Found" in str(caught.value)
    assert faults.hits(EMBED_PATH) == 1
    await no_leaks(faults, host)


# -- 429 storms ---------------------------------------------------------------------------------------


async def test_rate_limited_storm_without_retry_after_gives_up_after_the_retries(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, reply(429, RATE_LIMITED))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    with pytest.raises(RateLimitError) as caught:
        await calls.chat(host)
    assert not isinstance(caught.value, ModelBusyError)
    assert faults.hits(CHAT_PATH) == 3
    await no_leaks(faults, host)


async def test_rate_limited_with_retry_after_waits_then_succeeds(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, reply(429, RATE_LIMITED, headers=[("Retry-After", "1")]),
                 json_reply(CHAT_ANSWER))  # fmt: skip
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    started = time.monotonic()
    assert await calls.chat(host) == "Hello!"
    assert time.monotonic() - started >= 0.95  # Retry-After is the floor of the wait
    assert faults.hits(CHAT_PATH) == 2
    await no_leaks(faults, host)


async def test_retry_after_beyond_the_deadline_fails_fast_with_the_real_error(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", CHAT_PATH, reply(429, RATE_LIMITED, headers=[("Retry-After", "30")]))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    started = time.monotonic()
    with pytest.raises(RateLimitError):
        await calls.chat(host)
    assert time.monotonic() - started < 1.0  # no sleep that cannot end before the deadline
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_model_busy_storm_is_retried_briefly_then_model_busy(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("POST", EMBED_PATH, reply(429, MODEL_BUSY))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    started = time.monotonic()
    with pytest.raises(ModelBusyError):
        await calls.embed(host)
    elapsed = time.monotonic() - started
    assert faults.hits(EMBED_PATH) == 3
    assert 0.5 <= elapsed < 3.0  # two short jittered waits of 0.25-1 s each
    await no_leaks(faults, host)


async def test_model_busy_then_success(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, reply(429, MODEL_BUSY), sse_reply(STREAM_FRAMES))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    assert await calls.chat_stream(host) == "Hello!"
    assert faults.hits(CHAT_PATH) == 2
    await no_leaks(faults, host)


# -- 5xx and billing-safe retries per surface ---------------------------------------------------------


@pytest.mark.parametrize("surface", sorted(calls.BILLED_CALLS))
async def test_500_on_a_billed_call_is_not_retried(
    surface: str, faults: FaultServer, make_host: MakeHost
) -> None:
    path, call = calls.BILLED_CALLS[surface]
    calls.route_all_ok(faults)
    faults.route("POST", path, json_reply({"error": {"message": "internal error"}}, status=500))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    with pytest.raises(ServerError) as caught:
        await call(host)
    assert caught.value.status == 500
    assert faults.hits(path, "POST") == 1  # the server may have run (and billed) the work
    await no_leaks(faults, host)


# Each surface gets one of the three gateway statuses (all three are covered, 8 tests not 24).
GATEWAY_CASES = [(name, (502, 503, 504)[i % 3]) for i, name in enumerate(sorted(calls.BILLED_CALLS))]


@pytest.mark.parametrize(("surface", "status"), GATEWAY_CASES)
async def test_gateway_errors_on_a_billed_call_are_retried(
    surface: str, status: int, faults: FaultServer, make_host: MakeHost
) -> None:
    path, call = calls.BILLED_CALLS[surface]
    calls.route_all_ok(faults)
    ok = faults.routes[("POST", path)]
    answers = iter([json_reply({"error": {"message": "no healthy upstream"}}, status=status)])
    faults.route("POST", path, responder=lambda request: next(answers, None) or ok(request))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    assert await call(host)
    assert faults.hits(path, "POST") == 2
    await no_leaks(faults, host)


@pytest.mark.parametrize("status", [500, 503])
async def test_video_submit_is_never_resubmitted_on_5xx(
    status: int, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    faults.route("POST", calls.VIDEO_PATH, json_reply({"detail": {"error": "upstream"}}, status=status))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    with pytest.raises(ServerError):
        await calls.video(host)
    assert faults.hits(calls.VIDEO_PATH) == 1  # an accepted job may exist: polled, never resubmitted
    await no_leaks(faults, host)


async def test_500_then_success_on_an_idempotent_catalog_read(
    faults: FaultServer, make_host: MakeHost
) -> None:
    faults.route("GET", MODELS_PATH, json_reply({"detail": "oops"}, status=500), json_reply(CATALOG))
    host = make_host(faults, maxRetries=2, timeoutSeconds=10)
    report: dict[str, Any] = await host.get_catalog().surface_report(refresh=True)
    assert report["source"] == "live"
    assert faults.hits(MODELS_PATH) == 2
    await no_leaks(faults, host)


# -- mid-stream error frames --------------------------------------------------------------------------


async def test_mid_stream_error_frame_is_a_stream_error(faults: FaultServer, make_host: MakeHost) -> None:
    error_frame = calls.frame(
        {"error": {"message": "upstream overloaded", "type": "server_error", "code": 503}}
    )
    faults.route("POST", CHAT_PATH, sse_reply((delta("Hel"), error_frame, delta("lo"), calls.DONE)))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    texts: list[str] = []
    with pytest.raises(StreamError) as caught:
        async with host.get("provider").stream(chat_request()) as events:
            async for event in events:
                if event.type == "text_delta":
                    texts.append(event.text)
    assert texts == ["Hel"]
    assert "upstream overloaded" in str(caught.value) and caught.value.status == 503
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


async def test_stream_ending_without_done_is_a_stream_error(faults: FaultServer, make_host: MakeHost) -> None:
    faults.route("POST", CHAT_PATH, (Send(chunked_head() + chunk(delta("Hel")) + LAST_CHUNK),))
    host = make_host(faults, maxRetries=2, timeoutSeconds=2)
    with pytest.raises(StreamError) as caught:
        await calls.chat_stream(host)
    assert "before the answer was complete" in str(caught.value)
    assert faults.hits(CHAT_PATH) == 1
    await no_leaks(faults, host)


# -- a flapping catalog -------------------------------------------------------------------------------


async def test_flapping_catalog_never_raises_and_keeps_the_last_good_answer(
    faults: FaultServer, make_host: MakeHost
) -> None:
    second = {"data": [*CATALOG["data"], {"id": "zai-org/GLM-9", "metadata": {"tags": ["chat"]}}]}
    faults.route(
        "GET", MODELS_PATH,
        json_reply(CATALOG),
        json_reply({"detail": "unavailable"}, status=503),
        reply(200, CAPTIVE_PORTAL, content_type="text/html"),
        json_reply({"data": []}),
        (Reset(),),
        reply(200, b'{"data": [{"id": "x", "metad'),
        json_reply(second),
    )  # fmt: skip
    calls.route_all_ok(faults, models=False)
    host = make_host(faults, maxRetries=0, timeoutSeconds=2)
    catalog = host.get_catalog()
    sources = []
    chat_models = []
    for _ in range(7):
        report = await catalog.surface_report(refresh=True)
        sources.append(report["source"])
        chat_models.append(len(report["surfaces"]["chat"]["models"]))
        assert await calls.chat(host) == "Hello!"  # the other surfaces keep serving meanwhile
    assert sources == ["live", "cache", "cache", "cache", "cache", "cache", "live"]
    assert chat_models[1:6] == [chat_models[0]] * 5 and chat_models[6] == chat_models[0] + 1
    assert faults.hits(MODELS_PATH) == 7
    await no_leaks(faults, host)
