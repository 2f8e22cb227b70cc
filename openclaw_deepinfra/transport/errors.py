"""The one boundary from HTTP (status + body, SSE error frames, httpx exceptions) to the error tree.

Body shapes understood (deepinfra-api.md §4): OpenAI `{"error": {message, type, param, code}}`,
`{"detail": "Not Found"}`, native `{"detail": {"error": ...}}`, plain `{"error": "..."}`,
pydantic `{"detail": [{loc, msg, type}, ...]}`, HTML pages, plain text, empty and invalid JSON.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import httpx

from openclaw_deepinfra.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ContextLengthExceededError,
    InsufficientBalanceError,
    InvalidRequestError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
    UnsupportedCapabilityError,
    excerpt,
)

DEFAULT_LABEL = "DeepInfra request"
_REQUEST_ID_HEADERS = ("x-request-id", "request-id", "x-deepinfra-request-id")
_DETAIL_CHARS = 300

HINT_AUTH = (
    "check the API key: set DEEPINFRA_API_KEY (or models.providers.deepinfra.apiKey), "
    "or run `openclaw-deepinfra onboard`"
)
HINT_BALANCE = "top up your DeepInfra balance at https://deepinfra.com/dash"
HINT_BASE_PATH = (
    "the base URL path must be /v1/openai: set models.providers.deepinfra.baseUrl "
    "(or DEEPINFRA_BASE_URL) to https://api.deepinfra.com/v1/openai"
)
HINT_MODEL = "check the model id (`org/model`, case-sensitive) against the DeepInfra catalog"
HINT_UNSUPPORTED = "this model does not support that feature; drop it or choose another model"
HINT_405 = (
    "the endpoint rejected the method; for binary uploads this can be a network firewall: "
    "retry from another network or send the audio as JSON/base64"
)
HINT_CONTEXT = "shorten the prompt or lower max_tokens (output is capped at 16384 tokens)"
HINT_BUSY = "the model is scaling up; retry shortly"
HINT_RATE = "too many concurrent requests (200 per model per account); slow down"

_CONTEXT_RE = re.compile(
    r"context[ _-]?(length|window|size)|maximum context|too many tokens|prompt is too long"
    r"|input is too long|exceeds? the (model'?s? )?max|reduce the length",
    re.IGNORECASE,
)
_TAG_RE = re.compile(r"<[^>]*>")
_SCRIPT_RE = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TITLE_RE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


@dataclass(frozen=True)
class ErrorDetail:
    """What an error body says, whatever its shape."""

    message: str | None = None
    error_type: str | None = None
    param: str | None = None
    code: str | None = None
    request_id: str | None = None
    detail_not_found: bool = False  # the bare `{"detail": "Not Found"}` of an unknown path
    is_html: bool = False  # `message` is the text of an HTML page, tags stripped


def _text(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float | bool):
        return str(value)
    return json.dumps(value, ensure_ascii=False, default=str)


def _pydantic_list(items: list[Any]) -> str:
    parts: list[str] = []
    for item in items[:5]:
        if isinstance(item, Mapping):
            loc = item.get("loc")
            where = ".".join(str(p) for p in loc) if isinstance(loc, list | tuple) else None
            msg = _text(item.get("msg")) or _text(item.get("message")) or _text(item)
            parts.append(f"{where}: {msg}" if where else str(msg))
        else:
            parts.append(str(_text(item)))
    if len(items) > 5:
        parts.append(f"(+{len(items) - 5} more)")
    return "; ".join(parts)


def _from_mapping(body: Mapping[str, Any]) -> ErrorDetail:
    request_id = _text(body.get("request_id"))
    err = body.get("error")
    if isinstance(err, Mapping):
        message = _text(err.get("message")) or _text(err.get("error")) or _text(err.get("detail"))
        return ErrorDetail(
            message=message,
            error_type=_text(err.get("type")),
            param=_text(err.get("param")),
            code=_text(err.get("code")),
            request_id=request_id,
        )
    if err is not None and err != "":
        return ErrorDetail(message=_text(err), error_type=_text(body.get("type")), request_id=request_id)
    detail = body.get("detail")
    if isinstance(detail, Mapping):
        inner = _from_mapping(detail)
        msg = inner.message or _text(detail.get("message")) or _text(detail)
        return replace(inner, message=msg, request_id=request_id or inner.request_id, detail_not_found=False)
    if isinstance(detail, list):
        return ErrorDetail(message=_pydantic_list(detail), request_id=request_id)
    if isinstance(detail, str) and detail:
        return ErrorDetail(
            message=detail, request_id=request_id, detail_not_found=detail.strip().lower() == "not found"
        )
    message = _text(body.get("message")) or _text(body.get("error_message"))
    return ErrorDetail(message=message, error_type=_text(body.get("error_type")), request_id=request_id)


def _html_text(text: str) -> str:
    title = _TITLE_RE.search(text)
    body = _TAG_RE.sub(" ", _SCRIPT_RE.sub(" ", text))
    words = " ".join(html.unescape(body).split())
    if title:
        heading = " ".join(html.unescape(_TAG_RE.sub(" ", title.group(1))).split())
        if heading and not words.startswith(heading):
            words = f"{heading}: {words}" if words else heading
    return words


def parse_error_body(body: bytes, content_type: str | None = None) -> ErrorDetail:
    """Best-effort reading of any error body; never raises."""
    text = body.decode("utf-8", errors="replace").strip()
    if not text:
        return ErrorDetail()
    if text[0] in "{[":
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, Mapping):
            return _from_mapping(data)
        if isinstance(data, list):
            return ErrorDetail(message=_pydantic_list(data))
    lowered = text[:200].lower()
    if (
        "html" in (content_type or "").lower()
        or lowered.startswith(("<!doctype", "<html"))
        or "<body" in lowered
    ):
        return ErrorDetail(message=_html_text(text) or None, is_html=True)
    return ErrorDetail(message=text)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    case_sensitive = isinstance(headers, dict)  # httpx's and aiohttp's headers ignore case already
    if value is None and case_sensitive:
        lowered = name.lower()
        for key, candidate in headers.items():
            if key.lower() == lowered:
                return candidate
    return value


def request_id_from(headers: Mapping[str, str]) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = _header(headers, name)
        if value and value.strip():
            return value.strip()
    return None


# Where the status alone decides; 400, 404, 405 and 429 read the message first (`_classify`).
_BY_STATUS: dict[int, tuple[type[APIStatusError], str | None]] = {
    401: (AuthenticationError, HINT_AUTH),
    403: (AuthenticationError, HINT_AUTH),
    402: (InsufficientBalanceError, HINT_BALANCE),
    400: (InvalidRequestError, None),
    422: (InvalidRequestError, None),
}


def _classify(status: int, detail: ErrorDetail, message: str) -> tuple[type[APIStatusError], str | None]:
    lowered = message.lower()
    if status == 404:
        if detail.detail_not_found or not detail.message:
            return NotFoundError, HINT_BASE_PATH
        return NotFoundError, HINT_MODEL if "model" in lowered else None
    if status == 405:
        unsupported = "not supported" in lowered or "unsupported" in lowered or detail.param
        return UnsupportedCapabilityError, HINT_UNSUPPORTED if unsupported else HINT_405
    if status == 400 and (_CONTEXT_RE.search(message) or detail.code == "context_length_exceeded"):
        return ContextLengthExceededError, HINT_CONTEXT
    if status == 429:
        return (ModelBusyError, HINT_BUSY) if "busy" in lowered else (RateLimitError, HINT_RATE)
    return _BY_STATUS.get(status) or ((ServerError, None) if 500 <= status <= 599 else (APIStatusError, None))


def error_from_response(
    status: int, headers: Mapping[str, str], body: bytes, *, label: str | None = None
) -> APIStatusError:
    """The typed error for a non-2xx answer."""
    detail = parse_error_body(body, _header(headers, "content-type"))
    message_text = detail.message or ""
    cls, hint = _classify(status, detail, message_text)
    short = excerpt(message_text, _DETAIL_CHARS)
    prefix = label or DEFAULT_LABEL
    message = f"{prefix}: {short}" if short else f"{prefix} failed"
    return cls(
        message,
        status=status,
        request_id=request_id_from(headers) or detail.request_id,
        body_excerpt=excerpt(detail.message if detail.is_html else body),
        hint=hint,
        error_type=detail.error_type,
        param=detail.param,
        code=detail.code,
    )


def _status_of(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if type(value) is int and 100 <= value <= 599 else None


def error_from_stream_frame(data: Mapping[str, Any]) -> StreamError | None:
    """A StreamError for a mid-stream error frame, None for an ordinary frame."""
    if "error_type" in data or "error_message" in data:
        raw = data.get("error_message")
        inner = ErrorDetail()
        if isinstance(raw, str) and raw.strip()[:1] in ("{", "["):
            inner = parse_error_body(raw.encode("utf-8"))
        elif isinstance(raw, Mapping):
            inner = _from_mapping(raw)
        message = inner.message or _text(raw) or ""
        error_type = _text(data.get("error_type")) or inner.error_type
        status = _status_of(data.get("status")) or _status_of(inner.code)
    elif isinstance(data.get("error"), Mapping | str) and data.get("error"):
        inner = _from_mapping(data)
        message = inner.message or ""
        error_type = inner.error_type
        err = data.get("error")
        status = _status_of(err.get("code") if isinstance(err, Mapping) else None) or _status_of(
            data.get("status")
        )
    else:
        return None
    frame = excerpt(json.dumps(data, ensure_ascii=False, default=str))
    text = excerpt(message, _DETAIL_CHARS)
    return StreamError(
        f"DeepInfra stream error: {text}" if text else "DeepInfra stream error",
        error_type=error_type,
        status=status,
        request_id=inner.request_id or _text(data.get("request_id")),
        body_excerpt=frame,
    )


def error_from_frame_text(text: str | bytes) -> StreamError | None:
    """The StreamError a JSON error frame carries, or None for anything else (not JSON included)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return error_from_stream_frame(parsed) if isinstance(parsed, Mapping) else None


_TIMEOUT_PHASES: tuple[tuple[type[httpx.TimeoutException], str, str], ...] = (
    (httpx.ConnectTimeout, "connect", "connecting"),
    (httpx.ReadTimeout, "read", "waiting for response data"),
    (httpx.WriteTimeout, "write", "sending the request"),
    (httpx.PoolTimeout, "pool", "waiting for a free connection from the pool"),
)


def _configured_timeout(exc: httpx.HTTPError, phase: str) -> float | None:
    try:
        timeouts = exc.request.extensions.get("timeout")
    except RuntimeError:  # the exception was raised without a request attached
        return None
    if isinstance(timeouts, Mapping):
        value = timeouts.get(phase)
        if isinstance(value, int | float):
            return float(value)
    return None


def _target(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:
        return "DeepInfra"
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")


def error_from_transport(exc: httpx.HTTPError, *, label: str | None = None) -> APIConnectionError:
    """APITimeoutError (naming the phase and the configured seconds) or APIConnectionError."""
    prefix = label or DEFAULT_LABEL
    target = _target(exc)
    for cls, phase, doing in _TIMEOUT_PHASES:
        if isinstance(exc, cls):
            seconds = _configured_timeout(exc, phase)
            after = f" after {seconds:g}s" if seconds is not None else ""
            return APITimeoutError(
                f"{prefix} to {target} timed out {doing}{after} ({phase} timeout)",
                hint="raise models.providers.deepinfra.timeoutSeconds or pass a larger timeout"
                if phase in ("read", "write")
                else "check network access to the DeepInfra API",
            )
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{prefix} to {target} timed out")
    reason = excerpt(str(exc), _DETAIL_CHARS) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return APIConnectionError(
            f"{prefix}: could not connect to {target}: {reason}",
            hint="check network access and models.providers.deepinfra.baseUrl / DEEPINFRA_BASE_URL",
        )
    return APIConnectionError(f"{prefix}: connection to {target} failed ({type(exc).__name__}: {reason})")
