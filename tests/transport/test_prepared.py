"""`prepared.build_request` builds what `httpx.AsyncClient.build_request` builds, field by field."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from openclaw_deepinfra.transport.prepared import build_request

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
