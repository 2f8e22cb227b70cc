"""What the image and video surfaces share: result URLs that point elsewhere, and the cost
DeepInfra states for a call.

A result URL comes from the server, so it is checked like a base URL (https, plain http only to a
loopback host, no credentials) and fetched through the one HTTP layer, under a byte cap, with the
API key only when it points at the configured API host.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

from openclaw_deepinfra.errors import MalformedResponseError
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.responses import BytesResponse
from openclaw_deepinfra.urls import display, problem, same_origin

logger = get_logger(__name__)

IMAGE_FETCH_MAX_BYTES: Final = 50 * 1024 * 1024
VIDEO_FETCH_MAX_BYTES: Final = 512 * 1024 * 1024


async def fetch_remote(http: DeepInfraHttp, url: str, *, max_bytes: int, label: str) -> BytesResponse:
    """GET a result URL with `http`'s options (its deadline), capped at `max_bytes`; the key goes
    only to the API host."""
    found = problem(url, endpoint=False)
    if found is not None:
        raise MalformedResponseError(f"{label}: the result URL {display(url)} {found}")
    capped = http.with_options(max_body_bytes=min(max_bytes, http.options.max_body_bytes))
    authenticated = same_origin(url, http.options.base_url)
    logger.debug("fetching %s (authenticated=%s)", display(url), authenticated)
    return await capped.request_bytes("GET", url, authenticated=authenticated, label=label)


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


def stated_cost(body: Any) -> float | None:
    """USD DeepInfra says the call cost: native `inference_status.cost`, else `usage.estimated_cost`."""
    if not isinstance(body, Mapping):
        return None
    for block, key in (("inference_status", "cost"), ("usage", "estimated_cost")):
        section = body.get(block)
        if isinstance(section, Mapping):
            cost = _number(section.get(key))
            if cost is not None:
                return cost
    return None
