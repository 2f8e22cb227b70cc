"""The response interface of both send paths, the value objects `DeepInfraHttp` returns, and the
capped body reader."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # aiohttp (and multidict with it) loads on first use, not at registration
    from multidict import CIMultiDictProxy

# An error answer (non-2xx, or JSON where a stream was asked for) is read only this far: the
# message and an excerpt are all that is kept of it.
MAX_ERROR_BODY_BYTES = 64 * 1024


class Response(Protocol):
    """What the transport layer reads of an answer: an `httpx.Response` (the httpx path) or the
    aiohttp transport's `DirectResponse` (`transport.direct`) have it alike."""

    @property
    def status_code(self) -> int: ...
    @property
    def headers(self) -> Mapping[str, str]: ...
    @property
    def reason_phrase(self) -> str: ...
    @property
    def extensions(self) -> Mapping[str, Any]: ...
    @property
    def is_success(self) -> bool: ...
    def aiter_bytes(self) -> AsyncIterator[bytes]: ...
    async def aclose(self) -> None: ...


class JoinedHeaders(Mapping[str, str]):
    """aiohttp's response headers (the direct path's) read as `httpx.Headers` reads them: case-insensitive, a
    repeated header's values joined with ", ", names iterated lowercased."""

    __slots__ = ("_raw",)

    def __init__(self, raw: CIMultiDictProxy[str]) -> None:
        self._raw = raw

    def __getitem__(self, name: str) -> str:
        values = self._raw.getall(name)
        return values[0] if len(values) == 1 else ", ".join(values)

    def get(self, name: str, default: Any = None) -> Any:  # no KeyError raised and caught per miss
        values = self._raw.getall(name, None)
        if values is None:
            return default
        return values[0] if len(values) == 1 else ", ".join(values)

    def __contains__(self, name: object) -> bool:
        return name in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter({name.lower(): None for name in self._raw})

    def __len__(self) -> int:
        return len({name.lower() for name in self._raw})


@dataclass(frozen=True, slots=True)
class JsonResponse:
    status: int
    headers: Mapping[str, str]
    data: Any
    request_id: str | None


@dataclass(frozen=True, slots=True)
class BytesResponse:
    status: int
    headers: Mapping[str, str]
    content: bytes = field(repr=False)
    request_id: str | None

    @property
    def content_type(self) -> str | None:
        value = self.headers.get("content-type")
        return value.split(";", 1)[0].strip().lower() if value else None


class BodyTooLarge(Exception):
    """The body exceeded the caller's byte cap; mapped to MalformedResponseError by the client."""


def received_body(response: Response, cap: int, *, truncate: bool = False) -> bytes | None:
    """The body, capped as `read_body` caps it, if the transport already has all of it (the aiohttp
    transport's `DirectResponse.received`): reading it cannot wait. Else None."""
    received = getattr(response, "received", None)
    body: bytes | None = received() if received is not None else None
    if body is not None and len(body) > cap:
        if not truncate:
            raise BodyTooLarge
        return body[:cap]
    return body


async def read_body(response: Response, cap: int, *, truncate: bool = False) -> bytes:
    """At most `cap` bytes of the body: cut there when `truncate`, else BodyTooLarge."""
    length = response.headers.get("content-length", "")
    if not truncate and length.isdigit() and int(length) > cap:
        raise BodyTooLarge
    body = received_body(response, cap, truncate=truncate)
    if body is not None:
        return body
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        if len(buffer) > cap:
            if truncate:
                return bytes(buffer[:cap])
            raise BodyTooLarge
    return bytes(buffer)
