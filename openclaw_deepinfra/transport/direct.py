"""How one call's attempts are sent: straight to aiohttp when httpx would add nothing, else httpx.

`httpx.AsyncClient` is the plugin's HTTP API (the host's contracts and every test mock it: respx
patches `AsyncClient._transport_for_url`), but on the common call (an absolute URL, a JSON body or
none, a client without auth, event hooks, cookies or query parameters) httpx only builds a
`Request` (URL, merged and normalised headers, the encoded body), walks `send`'s auth, redirect and
hook layers, wraps the transport's answer in a `Response` and offers it to the cookie jar: about a
third of a chat request's CPU (docs/performance.md, issue 14). When the client would hand the
request to the plugin's aiohttp transport, `Attempts` gives that transport the request's parts
(the same header list, in the same order and case, the same body bytes) and reads the answer
through the same `responses.Response` interface; anything else (respx's transport, httpcore, a
proxy mount, a client with hooks or auth, form or multipart bodies) goes through `client.send`.

What httpx does with an answer is done here too: a `Set-Cookie` reaches the client's jar through
httpx's own code, and httpx's "HTTP Request: ..." log line is written when its logger is on.
tests/transport/test_direct.py sends the same calls both ways and compares the bytes on the wire.
"""

from __future__ import annotations

import json as jsonlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.transport.responses import Response

if TYPE_CHECKING:  # imported for types only: aiohttp is not loaded at registration
    from openclaw_deepinfra.transport.aiohttp_transport import DirectResponse

__all__ = ["Attempts"]

_httpx_log = get_logger("httpx")  # httpx's own logger: its log line, its filters


@dataclass(frozen=True, slots=True)
class _Target:
    url: httpx.URL
    text: str  # what httpx hands its transport: `str(request.url)`
    host: str  # the Host header httpx adds
    plain: bool  # absolute http(s) without userinfo (httpx would turn that into basic auth)


_TARGETS: dict[str, _Target] = {}
_MAX_TARGETS = 256  # call sites use a handful of endpoint URLs; media downloads must not grow it


def _target(url: str) -> _Target:
    found = _TARGETS.get(url)
    if found is None:
        parsed = httpx.URL(url)
        plain = parsed.scheme in ("http", "https") and bool(parsed.host) and not parsed.userinfo
        found = _Target(parsed, str(parsed), parsed.netloc.decode("ascii"), plain)
        if len(_TARGETS) < _MAX_TARGETS and "?" not in url:  # never keep a signed download URL
            _TARGETS[url] = found
    return found


def _plain_client(client: httpx.AsyncClient) -> bool:
    """Nothing on the client that only `client.send` / `build_request` would apply."""
    hooks = client.event_hooks
    return not (
        hooks["request"] or hooks["response"] or client.auth is not None or client.follow_redirects
        or client.cookies or client.params
    )  # fmt: skip


_Merge = tuple[list[tuple[str, str]], tuple[str, ...], bool, bool]
_MERGES: dict[tuple[Any, ...], _Merge] = {}
_MAX_MERGES = 64  # one per call site's header names and client defaults: a handful


def _merge(
    client: httpx.AsyncClient, target: _Target, method: str, names: tuple[str, ...], body: bool
) -> _Merge:
    """How `client.build_request` lays out a request with these header `names`: the headers before
    the caller's (Host, an empty body's length, the client's defaults not overridden), the
    caller's names lowercased, and whether the body's length and type follow them."""
    # `Headers.update`: a default the caller names (in any case) is dropped; the caller's follow.
    lowered = tuple(name.lower() for name in names)
    given = set(lowered)
    kept = [(name, value) for name, value in client.headers.multi_items() if name not in given]
    given.update(name for name, _ in kept)
    # `Request._prepare`: the body's headers if not given, then Host (and an empty body's length) first.
    first = [] if "host" in given else [("host", target.host)]
    bodiless_post = not body and method in ("POST", "PUT", "PATCH")
    if bodiless_post and "content-length" not in given and "transfer-encoding" not in given:
        first.append(("content-length", "0"))
    return first + kept, lowered, body and "content-length" not in given, body and "content-type" not in given


def _wire_headers(
    client: httpx.AsyncClient, target: _Target, method: str, headers: Mapping[str, str], body: bytes | None
) -> list[tuple[str, str]] | None:
    """The header list the aiohttp transport gets from `client.build_request`'s request (its
    `headers.multi_items()`: names lowercased), or None if a name or value is not ASCII (httpx
    refuses those: the httpx path raises its own error)."""
    names = tuple(headers)
    if not ("".join(names).isascii() and "".join(headers.values()).isascii()):
        return None
    key = (tuple(client.headers.raw), names, method, body is not None, target.host)
    merge = _MERGES.get(key)
    if merge is None:
        merge = _merge(client, target, method, names, body is not None)
        if len(_MERGES) < _MAX_MERGES:
            _MERGES[key] = merge
    head, lowered, length, json_type = merge
    wire = [*head, *zip(lowered, headers.values(), strict=True)]
    if length:
        wire.append(("content-length", str(len(body or b""))))
    if json_type:
        wire.append(("content-type", "application/json"))
    return wire


class Attempts:
    """One call's request, decided once: sent directly to the aiohttp transport, or through httpx."""

    __slots__ = (
        "_body",
        "_client",
        "_content",
        "_direct",
        "_headers",
        "_method",
        "_target",
        "_timeouts",
        "_url",
        "_wire",
    )

    def __init__(
        self,
        client: httpx.AsyncClient,
        method: str,
        url: str,
        headers: Mapping[str, str],
        content: Mapping[str, Any],
    ) -> None:
        self._client = client
        self._method = method
        self._url = url
        self._headers = headers
        self._content = content
        self._target = target = _target(url)
        self._direct: Callable[..., Awaitable[DirectResponse]] | None = None
        self._wire: list[tuple[str, str]] | None = None
        self._body: bytes | None = None
        self._timeouts: dict[str, float] = {}
        if not target.plain or not (not content or (len(content) == 1 and "json" in content)):
            return
        direct = getattr(client._transport_for_url(target.url), "send_direct", None)
        if direct is None or not _plain_client(client):
            return
        json = content.get("json")
        if json is not None:  # httpx's JSON encoding, byte for byte
            self._body = jsonlib.dumps(
                json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
            ).encode()
        self._wire = _wire_headers(client, target, method, headers, self._body)
        if self._wire is not None:
            self._direct = direct

    @property
    def path(self) -> str:
        return self._target.url.path

    def request(self) -> httpx.Request:
        """The `httpx.Request` the direct path stands for (an error carries it, as httpx's do)."""
        assert self._wire is not None
        extensions = {"timeout": self._timeouts}
        return httpx.Request(
            self._method, self._target.url, headers=self._wire, content=self._body, extensions=extensions
        )

    async def send(self, timeouts: dict[str, float]) -> Response:
        """One attempt with these `connect`/`read`/`write`/`pool` timeouts; the answer unread."""
        client = self._client
        if self._direct is None:
            timeout = httpx.Timeout(**timeouts)
            request = client.build_request(
                self._method, self._url, headers=self._headers, timeout=timeout, **self._content
            )
            return await client.send(request, stream=True)
        self._timeouts = timeouts
        response = await self._direct(
            self._method, self._target.text, self._wire, self._body, timeouts, self.request
        )
        if "set-cookie" in response.headers:
            client.cookies.extract_cookies(response.as_httpx())
        if _httpx_log.isEnabledFor(logging.INFO):
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"',
                self._method, self._target.url, "HTTP/1.1", response.status_code, response.reason_phrase,
            )  # fmt: skip
        return response
