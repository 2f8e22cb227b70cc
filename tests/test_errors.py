from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from openclaw_deepinfra import errors
from openclaw_deepinfra.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    ContextLengthExceededError,
    DeepInfraError,
    InsufficientBalanceError,
    InvalidBaseUrlError,
    InvalidRequestError,
    MalformedResponseError,
    MissingApiKeyError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    RequestValidationError,
    ServerError,
    StreamError,
    UnsupportedCapabilityError,
    excerpt,
)

TREE: list[tuple[type[DeepInfraError], type[Exception], int]] = [
    (ConfigurationError, DeepInfraError, 2),
    (MissingApiKeyError, ConfigurationError, 2),
    (InvalidBaseUrlError, ConfigurationError, 2),
    (RequestValidationError, DeepInfraError, 2),
    (APIStatusError, DeepInfraError, 1),
    (AuthenticationError, APIStatusError, 1),
    (InsufficientBalanceError, APIStatusError, 1),
    (NotFoundError, APIStatusError, 1),
    (UnsupportedCapabilityError, APIStatusError, 1),
    (InvalidRequestError, APIStatusError, 1),
    (ContextLengthExceededError, InvalidRequestError, 1),
    (RateLimitError, APIStatusError, 1),
    (ModelBusyError, RateLimitError, 1),
    (ServerError, APIStatusError, 1),
    (APIConnectionError, DeepInfraError, 1),
    (APITimeoutError, APIConnectionError, 1),
    (MalformedResponseError, DeepInfraError, 1),
    (StreamError, DeepInfraError, 1),
    (DeepInfraError, Exception, 1),
]


@pytest.mark.parametrize(("cls", "parent", "exit_code"), TREE)
def test_tree_shape_and_exit_codes(
    cls: type[DeepInfraError], parent: type[Exception], exit_code: int
) -> None:
    assert cls.__bases__ == (parent,)
    assert cls.exit_code == exit_code
    assert cls.__name__ in (errors.__doc__ or "")  # the docstring draws every class


@pytest.mark.parametrize(
    ("err", "expected"),
    [
        (DeepInfraError("plain"), "plain"),
        (ServerError("DeepInfra chat: boom", status=503), "DeepInfra chat: boom (HTTP 503)"),
        (
            RateLimitError("DeepInfra chat: Rate limited", status=429, request_id="r1", hint="slow down"),
            "DeepInfra chat: Rate limited (HTTP 429) [request_id=r1] Hint: slow down",
        ),
        (
            MissingApiKeyError("DeepInfra API key missing", hint="set X"),
            "DeepInfra API key missing Hint: set X",
        ),
        (DeepInfraError("multi\nline\t message  here"), "multi line message here"),
        (DeepInfraError(""), "DeepInfraError"),
    ],
)
def test_str_is_one_clear_line(err: DeepInfraError, expected: str) -> None:
    assert str(err) == expected
    assert repr(err) == f"{type(err).__name__}({expected!r})"


def test_attributes_and_status_error_extras() -> None:
    err = UnsupportedCapabilityError(
        "no tools",
        status=405,
        request_id="rid",
        body_excerpt='{"error": {"message": "no tools"}}',
        hint="drop tools",
        error_type="invalid_request_error",
        param="tools",
        code="unsupported",
    )
    assert (err.status, err.request_id, err.hint) == (405, "rid", "drop tools")
    assert (err.error_type, err.param, err.code) == ("invalid_request_error", "tools", "unsupported")
    assert err.body_excerpt == '{"error": {"message": "no tools"}}'
    assert err.args == ("no tools",)


def test_stream_error_carries_error_type() -> None:
    err = StreamError("stream died", error_type="internal_error")
    assert err.error_type == "internal_error"
    assert err.status is None


def test_body_excerpt_is_bounded() -> None:
    err = ServerError("x", status=500, body_excerpt="a" * 5000)
    assert err.body_excerpt is not None
    assert len(err.body_excerpt) == 500 and err.body_excerpt.endswith("…")


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        (None, 500, None),
        ("", 500, None),
        ("  \n ", 500, None),
        (b"bytes\xffok", 500, "bytes\ufffdok"),
        ("a  b\n\nc", 500, "a b c"),
        ("abcdefghij", 5, "abcd…"),
    ],
)
def test_excerpt(value: str | bytes | None, limit: int, expected: str | None) -> None:
    assert excerpt(value, limit) == expected


@pytest.mark.parametrize("cls", [c for c, _, _ in TREE])
def test_every_error_pickles(cls: type[DeepInfraError]) -> None:
    err = cls("msg", status=500) if issubclass(cls, APIStatusError) else cls("msg", hint="h")
    restored = pickle.loads(pickle.dumps(err))  # noqa: S301
    assert type(restored) is cls
    assert str(restored) == str(err)


def test_errors_module_imports_without_httpx() -> None:
    code = (
        "import sys; sys.modules['httpx'] = None\n"
        "import openclaw_deepinfra.errors as e\n"
        "print(e.ModelBusyError('busy', status=429))"
    )
    root = Path(errors.__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=root
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "busy (HTTP 429)"
