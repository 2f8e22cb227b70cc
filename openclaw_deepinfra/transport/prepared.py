"""Two httpx fast paths for the pooled clients (issue 14), each the same result as httpx's own.

`build_request`: the `httpx.Request` that `client.build_request` builds, without its per-call merging.

`httpx.AsyncClient.build_request` parses the URL string, merges the client's headers, cookies and
query parameters through `Headers`/`Cookies`/`QueryParams` objects and only then builds the
request: about a fifth of a chat request's CPU at 200 in flight (docs/performance.md, issue 14).
For what every surface sends (an absolute URL, a JSON body or none, no cookies or query
parameters on the client) this builds the same request from a parsed URL kept per URL string and
one list merge of the client's default headers; anything else goes through `build_request`.
tests/transport/test_prepared.py compares the two field by field.

`skip_empty_cookie_extraction`: httpx hands every response to the client's cookie jar through
urllib adapters (a `urllib.request.Request` and an `email.message.Message` built per response,
~10% of a streamed chat call's CPU). A response without `Set-Cookie` cannot change the jar (the
standard policy ignores `Set-Cookie2`), so it skips that; one with it goes through as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = ["build_request", "skip_empty_cookie_extraction"]

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
        if len(_URLS) < _MAX_URLS and "?" not in url:  # never keep a signed download URL
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


class _Cookies(httpx.Cookies):
    def extract_cookies(self, response: httpx.Response) -> None:
        if "set-cookie" in response.headers:
            super().extract_cookies(response)


def skip_empty_cookie_extraction(client: httpx.AsyncClient) -> None:
    """Give `client` a cookie store (on its own jar) that skips responses without `Set-Cookie`.
    Set directly: httpx copies whatever `cookies=` or `client.cookies = ...` gets into its own class."""
    cookies = _Cookies()
    cookies.jar = client.cookies.jar
    client._cookies = cookies
