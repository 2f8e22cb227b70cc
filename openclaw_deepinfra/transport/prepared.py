"""`build_request`: the `httpx.Request` that `client.build_request` builds, without its per-call merging.

`httpx.AsyncClient.build_request` parses the URL string, merges the client's headers, cookies and
query parameters through `Headers`/`Cookies`/`QueryParams` objects and only then builds the
request: about a fifth of a chat request's CPU at 200 in flight (docs/performance.md, issue 14).
For what every surface sends (an absolute URL, a JSON body or none, no cookies or query
parameters on the client) this builds the same request from a parsed URL kept per URL string and
one list merge of the client's default headers; anything else goes through `build_request`.
tests/transport/test_prepared.py compares the two field by field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["build_request"]

_URLS: dict[str, httpx.URL] = {}
_MAX_URLS = 256  # call sites use a handful of endpoint URLs; media downloads must not grow it


def build_request(
    client: httpx.AsyncClient,
    method: str,
    url: str,
    headers: Mapping[str, str],
    timeout: httpx.Timeout,
    content: Mapping[str, Any],
) -> httpx.Request:
    json = content.get("json")
    parsed = _URLS.get(url)
    if parsed is None:
        parsed = httpx.URL(url)
        if len(_URLS) < _MAX_URLS:
            _URLS[url] = parsed
    if len(content) != (json is not None) or client.cookies or client.params or parsed.is_relative_url:
        return client.build_request(method, url, headers=headers, timeout=timeout, **content)
    # `Headers.update` semantics: a default the caller names (in any case) is replaced, in order.
    names = {name.lower() for name in headers}
    merged: list[tuple[Any, Any]] = [
        (name, value) for name, value in client.headers.raw if name.decode("latin-1").lower() not in names
    ]
    merged.extend(headers.items())
    return httpx.Request(method, parsed, headers=merged, json=json, extensions={"timeout": timeout.as_dict()})
