"""The one URL policy: which URLs the plugin accepts, how it shows them, when two share an origin.

- `problem` / `validate_base_url`: an endpoint or a result URL must be absolute http(s), carry no
  credentials, and use https unless its host is loopback (`is_loopback`: `localhost`,
  `*.localhost`, 127.0.0.0/8, `::1`, IPv4-mapped loopback; never `localhost.evil.com` or
  `127.0.0.1.nip.io`). An endpoint also has no query or fragment; the base URL is not the native
  `/v1/inference` API.
- `display`: scheme, host, port and path only - userinfo, query (signed URLs carry tokens there)
  and fragment never reach a message or a log line.
- `same_origin`: scheme, IDNA host and effective port; the API key and the configured headers go
  only to the base URL's origin. A host that cannot be compared is never the same origin.
- `normalize`: the one spelling a URL is stored and compared under (catalog cache file, memory
  index identity).
"""

from __future__ import annotations

import ipaddress
from typing import Final
from urllib.parse import SplitResult, urlsplit

import httpx

from openclaw_deepinfra.errors import InvalidBaseUrlError
from openclaw_deepinfra.redact import get_logger

logger = get_logger(__name__)

DEFAULT_BASE_URL: Final = "https://api.deepinfra.com/v1/openai"
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_HINT: Final = f"set models.providers.deepinfra.baseUrl to {DEFAULT_BASE_URL}"
_CREDENTIALS_HINT: Final = "put the key in models.providers.deepinfra.apiKey or DEEPINFRA_API_KEY"

Origin = tuple[str, str, int | None]


def split_url(url: str) -> SplitResult | None:
    """The parts, or None when the URL does not parse (a malformed port or IPv6 literal)."""
    try:
        parts = urlsplit(url)
        _ = parts.port  # raises ValueError for a malformed or out-of-range port
    except ValueError:
        return None
    return parts


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def display(url: str) -> str:
    """The URL without userinfo, query or fragment: safe to put in a message or a log line."""
    parts = split_url(url)
    if parts is None:
        return "<unparsable URL>"
    if not parts.scheme:
        return "<URL without a scheme>"
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{_bracketed(parts.hostname or '')}{port}{parts.path}"


def is_loopback(host: str) -> bool:
    """localhost, *.localhost, 127.0.0.0/8, ::1 and IPv4-mapped loopback: the only plain-http hosts."""
    lowered = host.lower().strip("[]")
    if lowered == "localhost" or lowered.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(lowered)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def problem(url: str, *, endpoint: bool = True) -> str | None:
    """Why `url` may not be used (a phrase completing "URL <display> ..."), else None. A result URL
    (`endpoint=False`) may carry a query: signed download links do."""
    parts = split_url(url)
    if parts is None:
        return "is not a valid URL"
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return "must be an absolute http(s) URL"
    if parts.username is not None or parts.password is not None:
        return "must not contain credentials"
    if endpoint and (parts.query or parts.fragment):
        return "must not have a query string or fragment"
    if scheme == "http" and not is_loopback(parts.hostname):
        return "must use https (plain http only to localhost)"
    return None


def validate_base_url(url: str, *, openai: bool = True) -> str:
    """The base URL trimmed and without trailing slashes, or InvalidBaseUrlError. `openai=False`: the
    native API's base (`nativeBaseUrl`), which is `/v1/inference`."""
    cleaned = url.strip().rstrip("/")
    if not cleaned:
        raise InvalidBaseUrlError("DeepInfra base URL is empty", hint=_HINT)
    shown = display(cleaned)
    found = problem(cleaned)
    if found is not None:
        hint = _CREDENTIALS_HINT if found == "must not contain credentials" else _HINT
        raise InvalidBaseUrlError(f"DeepInfra base URL {shown} {found}", hint=hint)
    parts = urlsplit(cleaned)
    if not openai:
        return cleaned
    if "/v1/inference" in parts.path.lower():
        raise InvalidBaseUrlError(
            f"DeepInfra base URL {shown} points at the native /v1/inference API; "
            "this plugin speaks the OpenAI-compatible API",
            hint=_HINT,
        )
    if (parts.hostname or "") == "api.deepinfra.com" and parts.path.rstrip("/") != "/v1/openai":
        logger.warning(
            "DeepInfra base URL %s does not end in /v1/openai; requests will likely answer 404", shown
        )
    return cleaned


def configured_base_url(
    value: object, where: str, *, hint: str | None = None, openai: bool = True
) -> str | None:
    """The base URL a config key (or variable) `where` holds, None when unset or blank; a value that
    is not a usable URL is an InvalidBaseUrlError naming `where` (with `hint`, else the URL's own)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise InvalidBaseUrlError(f"{where} must be a string", hint=hint or _HINT)
    try:
        return validate_base_url(value, openai=openai)
    except InvalidBaseUrlError as exc:
        raise InvalidBaseUrlError(f"{where}: {exc.message}", hint=hint or exc.hint) from None


def _host(parts: SplitResult) -> str | None:
    """The host as the transport connects to it (httpx's IDNA 2008 encoding, so `bücher.example` and
    `xn--bcher-kva.example` are one host), or None when httpx would refuse it (fullwidth letters)."""
    host = parts.hostname or ""
    if host.isascii():
        return host
    try:
        return httpx.URL(f"https://{host}/").raw_host.decode("ascii")
    except (httpx.InvalidURL, UnicodeError):
        return None


def origin(url: str) -> Origin | None:
    """(scheme, host, port), the port None when it is the scheme's default (as httpx spells it), or
    None when the URL has no comparable origin."""
    parts = split_url(url)
    if parts is None or not parts.hostname:
        return None
    host = _host(parts)
    if host is None:
        return None
    scheme = parts.scheme.lower()
    return scheme, host, None if parts.port == DEFAULT_PORTS.get(scheme) else parts.port


def same_origin(url: str, other: str) -> bool:
    """Same scheme, host and port (a default port written out counts as the default)."""
    mine = origin(url)
    return mine is not None and mine == origin(other)


def origin_url(url: str) -> str:
    """`scheme://authority` of `url`, for paths that live beside the base URL (`/v1/me`, `/v1/inference`)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def normalize(url: str) -> str:
    """Scheme and host lowercased, userinfo and default port dropped, path without trailing `/`,
    query kept, fragment dropped: one spelling per endpoint."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = _bracketed(parts.hostname or "")
    port = parts.port
    netloc = host if port is None or DEFAULT_PORTS.get(scheme) == port else f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{parts.path.rstrip('/')}{query}"
