"""Response value objects and the capped body reader shared by `DeepInfraHttp`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

__all__ = ["MAX_ERROR_BODY_BYTES", "BodyTooLarge", "BytesResponse", "JsonResponse", "read_body"]

# An error answer (non-2xx, or JSON where a stream was asked for) is read only this far: the
# message and an excerpt are all that is kept of it.
MAX_ERROR_BODY_BYTES = 64 * 1024


@dataclass(frozen=True)
class JsonResponse:
    status: int
    headers: Mapping[str, str]
    data: Any
    request_id: str | None


@dataclass(frozen=True)
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


async def read_body(response: httpx.Response, cap: int, *, truncate: bool = False) -> bytes:
    """At most `cap` bytes of the body: cut there when `truncate`, else BodyTooLarge."""
    length = response.headers.get("content-length", "")
    if not truncate and length.isdigit() and int(length) > cap:
        raise BodyTooLarge
    buffer = bytearray()
    async for chunk in response.aiter_bytes():
        buffer += chunk
        if len(buffer) > cap:
            if truncate:
                return bytes(buffer[:cap])
            raise BodyTooLarge
    return bytes(buffer)
