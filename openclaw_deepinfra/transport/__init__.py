"""The plugin's one HTTP layer: pooled clients, retries, SSE, error mapping, redaction.

Importing this package attaches the redacting log filter to the `openclaw_deepinfra` and `httpx`
loggers (no I/O). Everything else is imported lazily: `openclaw_deepinfra.errors` imports
`transport.redact`, so this package must not import the modules that import the error tree.
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from openclaw_deepinfra.transport.redact import (
    RedactingFilter,
    get_logger,
    install_filter,
    redact,
    register_secret,
)

if TYPE_CHECKING:
    from openclaw_deepinfra.transport.client import (
        DEFAULT_LIMITS,
        DEFAULT_TIMEOUT,
        BytesResponse,
        ClientPool,
        DeepInfraHttp,
        JsonResponse,
    )
    from openclaw_deepinfra.transport.errors import (
        error_from_response,
        error_from_stream_frame,
        error_from_transport,
        raise_for_stream_frame,
    )
    from openclaw_deepinfra.transport.retry import RetryPolicy
    from openclaw_deepinfra.transport.sse import SSEDecoder, SSEEvent, aiter_sse

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_TIMEOUT",
    "BytesResponse",
    "ClientPool",
    "DeepInfraHttp",
    "JsonResponse",
    "RedactingFilter",
    "RetryPolicy",
    "SSEDecoder",
    "SSEEvent",
    "aiter_sse",
    "error_from_response",
    "error_from_stream_frame",
    "error_from_transport",
    "get_logger",
    "install_filter",
    "raise_for_stream_frame",
    "redact",
    "register_secret",
]

_LAZY = {
    "DEFAULT_LIMITS": "client",
    "DEFAULT_TIMEOUT": "client",
    "BytesResponse": "client",
    "ClientPool": "client",
    "DeepInfraHttp": "client",
    "JsonResponse": "client",
    "error_from_response": "errors",
    "error_from_stream_frame": "errors",
    "error_from_transport": "errors",
    "raise_for_stream_frame": "errors",
    "RetryPolicy": "retry",
    "SSEDecoder": "sse",
    "SSEEvent": "sse",
    "aiter_sse": "sse",
}

install_filter(logging.getLogger("openclaw_deepinfra"))
install_filter(logging.getLogger("httpx"))  # logs every request URL at INFO


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
