from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

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
)
from openclaw_deepinfra.transport.errors import (
    error_from_response,
    error_from_stream_frame,
    error_from_transport,
    parse_error_body,
)


def body(value: Any) -> bytes:
    return json.dumps(value).encode()


def openai_error(message: str, **extra: Any) -> bytes:
    return body({"error": {"message": message, **extra}})


NGINX_502 = (
    b"<html><head><title>502 Bad Gateway</title><style>body{color:red}</style></head>"
    b"<body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
)

# status, body, expected class, text the message must contain, text the hint must contain
CASES: list[tuple[int, bytes, type[APIStatusError], str, str | None]] = [
    (
        401,
        openai_error("Invalid API key", type="auth_error"),
        AuthenticationError,
        "Invalid API key",
        "DEEPINFRA_API_KEY",
    ),
    (403, body({"detail": "Forbidden"}), AuthenticationError, "Forbidden", "onboard"),
    (
        402,
        body({"error": {"message": "You need positive balance to do inference"}}),
        InsufficientBalanceError,
        "positive balance",
        "deepinfra.com/dash",
    ),
    (404, body({"detail": "Not Found"}), NotFoundError, "Not Found", "/v1/openai"),
    (404, b"", NotFoundError, "failed", "/v1/openai"),
    (404, openai_error("The model `x/y` does not exist"), NotFoundError, "does not exist", "model id"),
    (
        405,
        openai_error(
            "Tool calling is not supported for model: org/m", type="invalid_request_error", param="tools"
        ),
        UnsupportedCapabilityError,
        "Tool calling",
        "another model",
    ),
    (
        405,
        openai_error("json_object response format is not supported for model: org/m"),
        UnsupportedCapabilityError,
        "json_object",
        "another model",
    ),
    (
        405,
        body({"detail": "Method Not Allowed"}),
        UnsupportedCapabilityError,
        "Method Not Allowed",
        "firewall",
    ),
    (
        400,
        openai_error("Requested tokens (9000) exceed context length of 8192"),
        ContextLengthExceededError,
        "context length",
        "max_tokens",
    ),
    (
        400,
        openai_error("This model's maximum context length is 4096 tokens"),
        ContextLengthExceededError,
        "maximum context",
        "16384",
    ),
    (400, openai_error("bad", code="context_length_exceeded"), ContextLengthExceededError, "bad", "prompt"),
    (
        400,
        openai_error("encoding_format only support with [float, base64]"),
        InvalidRequestError,
        "encoding_format",
        None,
    ),
    (
        422,
        body(
            {
                "detail": [
                    {
                        "loc": ["body", "input"],
                        "msg": "ensure this value has at most 1024 items",
                        "type": "value_error",
                    }
                ]
            }
        ),
        InvalidRequestError,
        "body.input: ensure this value",
        None,
    ),
    (
        422,
        body({"detail": [{"msg": f"problem {i}"} for i in range(8)]}),
        InvalidRequestError,
        "(+3 more)",
        None,
    ),
    (429, openai_error("Model busy, retry later"), ModelBusyError, "Model busy", "retry shortly"),
    (429, openai_error("Rate limited"), RateLimitError, "Rate limited", "slow down"),
    (429, b"Rate limited", RateLimitError, "Rate limited", "200"),
    (500, body({"detail": {"error": "CUDA out of memory"}}), ServerError, "CUDA out of memory", None),
    (502, NGINX_502, ServerError, "502 Bad Gateway", None),
    (503, b"Service Unavailable", ServerError, "Service Unavailable", None),
    (504, b"", ServerError, "failed", None),
    (500, b"{not json", ServerError, "{not json", None),
    (500, body({"error": "plain string error"}), ServerError, "plain string error", None),
    (418, body({"message": "teapot"}), APIStatusError, "teapot", None),
]


@pytest.mark.parametrize(("status", "raw", "cls", "needle", "hint"), CASES)
def test_status_and_body_map_to_the_tree(
    status: int, raw: bytes, cls: type[APIStatusError], needle: str, hint: str | None
) -> None:
    err = error_from_response(status, {"content-type": "application/json"}, raw, label="DeepInfra chat")
    assert type(err) is cls
    assert err.status == status
    assert needle in err.message
    assert err.message.startswith("DeepInfra chat")
    assert f"(HTTP {status})" in str(err)
    assert "\n" not in str(err)
    if hint is None:
        assert err.hint is None
    else:
        assert err.hint is not None and hint in err.hint
        assert hint in str(err)


def test_openai_error_fields_are_kept() -> None:
    raw = openai_error(
        "Tool calling is not supported", type="invalid_request_error", param="tools", code=None
    )
    err = error_from_response(405, {}, raw)
    assert (err.error_type, err.param, err.code) == ("invalid_request_error", "tools", None)
    assert err.body_excerpt is not None and "Tool calling" in err.body_excerpt


def test_html_body_is_stripped_to_text() -> None:
    err = error_from_response(502, {"Content-Type": "text/html"}, NGINX_502)
    assert "<" not in err.message and "color:red" not in err.message
    assert err.body_excerpt is not None and "<" not in err.body_excerpt
    assert "nginx" in err.body_excerpt


def test_long_bodies_are_bounded_and_whitespace_collapsed() -> None:
    raw = ("word \n\t " * 2000).encode()
    err = error_from_response(500, {}, raw)
    assert err.body_excerpt is not None and len(err.body_excerpt) <= 500
    assert "  " not in err.body_excerpt and "\n" not in err.body_excerpt
    assert len(err.message) < 400


@pytest.mark.parametrize(
    ("headers", "raw", "expected"),
    [
        ({"x-request-id": "abc123"}, b"", "abc123"),
        ({"X-Request-Id": "ABC"}, b"", "ABC"),
        ({"request-id": "r-9"}, b"", "r-9"),
        (
            {},
            body({"request_id": "RfMWDr1NXCd7cnaegcm3A8q0", "detail": {"error": "x"}}),
            "RfMWDr1NXCd7cnaegcm3A8q0",
        ),
        ({"x-request-id": "hdr"}, body({"request_id": "body"}), "hdr"),
        ({}, b"oops", None),
    ],
)
def test_request_id_from_headers_or_body(headers: dict[str, str], raw: bytes, expected: str | None) -> None:
    err = error_from_response(500, headers, raw)
    assert err.request_id == expected
    if expected:
        assert f"[request_id={expected}]" in str(err)


def test_request_id_from_httpx_headers() -> None:
    err = error_from_response(500, httpx.Headers({"X-REQUEST-ID": "mixed"}), b"")
    assert err.request_id == "mixed"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", None),
        (b"   ", None),
        (b"[1, 2]", "1; 2"),
        (body({"detail": {"message": "nested"}}), "nested"),
        (body({"error": {"type": "only_type"}}), None),
        (body({"error_type": "x", "error_message": "frame-like"}), "frame-like"),
        (b"<!DOCTYPE html><p>Gone &amp; away</p>", "Gone & away"),
    ],
)
def test_parse_error_body_edge_shapes(raw: bytes, message: str | None) -> None:
    assert parse_error_body(raw).message == message


# -- stream frames -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("frame", "message", "error_type", "status"),
    [
        (
            {"error_type": "validation_error", "error_message": "prompt too long"},
            "prompt too long",
            "validation_error",
            None,
        ),
        (
            {
                "error_type": "internal",
                "error_message": json.dumps({"error": {"message": "inner boom", "code": 500}}),
            },
            "inner boom",
            "internal",
            500,
        ),
        (
            {"error_type": "x", "error_message": json.dumps({"detail": {"error": "native inner"}})},
            "native inner",
            "x",
            None,
        ),
        ({"error_type": "x", "error_message": "{broken json"}, "{broken json", "x", None),
        ({"error_type": "x", "error_message": {"message": "already a dict"}}, "already a dict", "x", None),
        (
            {"error": {"message": "Model busy, retry later", "type": "overloaded", "code": 429}},
            "Model busy",
            "overloaded",
            429,
        ),
        ({"error": "plain"}, "plain", None, None),
    ],
)
def test_stream_error_frames(
    frame: dict[str, Any], message: str, error_type: str | None, status: int | None
) -> None:
    err = error_from_stream_frame(frame)
    assert isinstance(err, StreamError)
    assert message in err.message
    assert err.error_type == error_type
    assert err.status == status
    assert err.body_excerpt is not None


@pytest.mark.parametrize(
    "frame",
    [
        {"id": "c1", "choices": [{"delta": {"content": "hi"}}]},
        {"error": None, "choices": []},
        {"error": ""},
        {},
    ],
)
def test_ordinary_frames_are_not_errors(frame: dict[str, Any]) -> None:
    assert error_from_stream_frame(frame) is None


# -- transport errors ----------------------------------------------------------------------------


def _request(timeout: httpx.Timeout) -> httpx.Request:
    return httpx.Request(
        "POST",
        "https://api.deepinfra.com/v1/openai/chat/completions",
        extensions={"timeout": timeout.as_dict()},
    )


TIMEOUT = httpx.Timeout(connect=10.0, read=120.0, write=30.0, pool=5.0)


@pytest.mark.parametrize(
    ("exc_type", "phase", "seconds"),
    [
        (httpx.ConnectTimeout, "connect", "10s"),
        (httpx.ReadTimeout, "read", "120s"),
        (httpx.WriteTimeout, "write", "30s"),
        (httpx.PoolTimeout, "pool", "5s"),
    ],
)
def test_timeouts_name_phase_and_seconds(
    exc_type: type[httpx.TimeoutException], phase: str, seconds: str
) -> None:
    err = error_from_transport(exc_type("timed out", request=_request(TIMEOUT)), label="DeepInfra chat")
    assert isinstance(err, APITimeoutError)
    assert f"({phase} timeout)" in err.message
    assert f"after {seconds}" in err.message
    assert "https://api.deepinfra.com" in err.message
    assert err.status is None


def test_timeout_without_request_is_still_typed() -> None:
    err = error_from_transport(httpx.ReadTimeout("timed out"))
    assert isinstance(err, APITimeoutError)
    assert "(read timeout)" in err.message


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("[Errno 111] Connection refused", request=_request(TIMEOUT)),
        httpx.RemoteProtocolError("Server disconnected", request=_request(TIMEOUT)),
        httpx.ReadError("reset by peer", request=_request(TIMEOUT)),
    ],
)
def test_other_transport_errors_are_connection_errors(exc: httpx.HTTPError) -> None:
    err = error_from_transport(exc)
    assert type(err) is APIConnectionError
    assert str(exc) in err.message
