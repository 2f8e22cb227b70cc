"""How one call's attempts are sent, decided once: straight to aiohttp when httpx would add nothing.

`httpx.AsyncClient` is the plugin's HTTP API (the host's contracts and every test mock it: respx
patches `AsyncClient._transport_for_url`), but on the common call (an absolute URL, a JSON body or
none, a client without auth, event hooks, cookies or query parameters) httpx only builds a
`Request` (URL, merged and normalised headers, the encoded body), walks `send`'s auth, redirect and
hook layers, wraps the transport's answer in a `Response` and offers it to the cookie jar: about a
third of a chat request's CPU (docs/performance.md, issue 14). When the client would hand the
request to the plugin's aiohttp transport, `route` gives the attempt loop that transport's
`send_direct` and the request's parts (the same header list, in the same order and case, the same
body bytes); the answer is read through the same `responses.Response` interface. Anything else
(respx's transport, httpcore, a proxy mount, a client with hooks or auth, form or multipart bodies)
goes through `client.send`. This module only decides: it is not on the request's call stack.
tests/transport/test_direct.py sends the same calls both ways and compares the bytes on the wire.
"""

from __future__ import annotations

import json as jsonlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:  # imported for types only: aiohttp is not loaded at registration
    from openclaw_deepinfra.transport.aiohttp_transport import DirectResponse

__all__ = ["Route", "route"]

# httpx's JSON encoding (`httpx._content.encode_json`), one encoder for every call.
_JSON = jsonlib.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)


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


class Route:
    """How one call's attempts go out, decided once per call: `send` is the aiohttp transport's
    `send_direct`, which gets the request as these parts (`wire` headers, `body` bytes), or None:
    the attempt loop sends through httpx's `client.send`."""

    __slots__ = ("body", "method", "send", "target", "wire")

    def __init__(self, method: str, target: _Target) -> None:
        self.method = method
        self.target = target
        self.send: Callable[[Route, dict[str, float], httpx.Cookies], Awaitable[DirectResponse]] | None = None
        self.wire: list[tuple[str, str]] = []
        self.body: bytes | None = None

    @property
    def path(self) -> str:
        return self.target.url.path

    def request(self, timeouts: dict[str, float]) -> httpx.Request:
        """The `httpx.Request` the direct path stands for (an error carries it, as httpx's do)."""
        extensions = {"timeout": timeouts}
        return httpx.Request(
            self.method, self.target.url, headers=self.wire, content=self.body, extensions=extensions
        )


def route(
    client: httpx.AsyncClient, method: str, url: str, headers: Mapping[str, str], content: Mapping[str, Any]
) -> Route:
    """The call's `Route`: direct when `client.send` would only have handed the same request to the
    plugin's aiohttp transport, else through httpx."""
    found = Route(method, _target(url))
    if not found.target.plain or not (not content or (len(content) == 1 and "json" in content)):
        return found
    direct = getattr(client._transport_for_url(found.target.url), "send_direct", None)
    if direct is None or not _plain_client(client):
        return found
    json = content.get("json")
    if json is not None:  # httpx's JSON encoding, byte for byte
        found.body = _JSON.encode(json).encode()
    wire = _wire_headers(client, found.target, method, headers, found.body)
    if wire is not None:
        found.wire, found.send = wire, direct
    return found
