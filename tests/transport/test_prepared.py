"""`prepared`: `build_request` builds what `httpx.AsyncClient.build_request` builds, field by field;
the cookie store still keeps and sends back what a response sets."""

from __future__ import annotations

import http.cookiejar
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.transport.prepared import build_request, skip_empty_cookie_extraction

URL = "https://api.deepinfra.com/v1/openai/chat/completions"
TIMEOUT = httpx.Timeout(connect=5.0, read=60.0, write=30.0, pool=5.0)
BODY = {"model": "org/m", "messages": [{"role": "user", "content": "héllo ✓"}], "stream": True}


def _fields(request: httpx.Request) -> tuple[Any, ...]:
    return (
        request.method,
        str(request.url),
        request.url.raw_path,
        request.url.netloc,
        request.headers.raw,
        request.read(),
        request.extensions,
    )


@pytest.mark.parametrize(
    ("url", "headers", "content"),
    [
        (
            URL,
            {"Accept": "text/event-stream", "User-Agent": "ua/1", "Authorization": "Bearer k"},
            {"json": BODY},
        ),
        (URL, {"accept": "*/*", "user-agent": "ua/1", "X-Extra": "1", "CONNECTION": "close"}, {"json": BODY}),
        (URL + "?a=1&b=%20", {"Accept": "application/json"}, {}),
        ("http://127.0.0.1:8080/v1/openai/models", {"Accept": "application/json"}, {"params": {"q": "x"}}),
        (URL, {"Accept": "*/*"}, {"data": {"a": "1"}}),
        (URL, {"Accept": "*/*"}, {"json": [1, "x", None]}),
    ],
)
async def test_same_request_as_the_client_builds(
    url: str, headers: dict[str, str], content: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(headers={"User-Agent": "openclaw/0"}, follow_redirects=False) as client:
        expected = client.build_request("POST", url, headers=headers, timeout=TIMEOUT, **content)
        assert _fields(build_request(client, "POST", url, headers, TIMEOUT, content)) == _fields(expected)


async def test_cookies_on_the_client_take_the_clients_own_path() -> None:
    async with httpx.AsyncClient(cookies={"session": "s1"}) as client:
        request = build_request(client, "POST", URL, {"Accept": "*/*"}, TIMEOUT, {"json": BODY})
        assert request.headers["cookie"] == "session=s1"
        expected = client.build_request("POST", URL, headers={"Accept": "*/*"}, timeout=TIMEOUT, json=BODY)
        assert _fields(request) == _fields(expected)


async def test_cookies_set_by_a_response_are_still_kept_and_sent_back() -> None:
    seen: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        if len(seen) == 2:
            return httpx.Response(200, headers={"Set-Cookie": "lb=node-2; Path=/"}, json={})
        return httpx.Response(200, json={})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as client:
        skip_empty_cookie_extraction(client)
        for _ in range(3):
            request = build_request(client, "POST", URL, {"Accept": "*/*"}, TIMEOUT, {"json": BODY})
            await client.send(request)
        assert seen == [None, None, "lb=node-2"]
        assert dict(client.cookies) == {"lb": "node-2"}


async def test_a_response_without_set_cookie_never_reaches_the_jar() -> None:
    class Jar(http.cookiejar.CookieJar):
        calls = 0

        def extract_cookies(self, response: Any, request: Any) -> None:
            Jar.calls += 1
            super().extract_cookies(response, request)

    transport = httpx.MockTransport(lambda request: httpx.Response(200, json={}))
    async with httpx.AsyncClient(transport=transport, cookies=Jar()) as client:
        skip_empty_cookie_extraction(client)
        await client.get(URL)
        assert Jar.calls == 0
