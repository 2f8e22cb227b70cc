from __future__ import annotations

import logging
import pickle

import httpx
import pytest

from openclaw_deepinfra.errors import (
    AuthenticationError,
    DeepInfraError,
    MissingApiKeyError,
    RateLimitError,
    StreamError,
)
from openclaw_deepinfra.redact import MASK, RedactingFilter, get_logger, redact, register_secret
from openclaw_deepinfra.settings import ApiKey, Settings
from openclaw_deepinfra.transport.client import DeepInfraHttp
from openclaw_deepinfra.transport.errors import error_from_response, error_from_stream_frame
from openclaw_deepinfra.transport.pool import ClientPool

KEY = "sk-redaction-test-4f9d2c1b8a7e6d5c"
JWT = "jwt:eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkaToxIn0.c2lnbmF0dXJl"


@pytest.fixture
def api_key() -> ApiKey:
    return ApiKey(KEY, "env:DEEPINFRA_API_KEY")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"key is {KEY}!", f"key is {MASK}!"),
        (f"Authorization: Bearer {KEY}", f"Authorization: Bearer {MASK}"),
        ("Authorization: Bearer some.unregistered-token_value", f"Authorization: Bearer {MASK}"),
        ("{'authorization': 'bearer abcdefghijkl'}", f"{{'authorization': 'bearer {MASK}'}}"),
        (f"token={JWT} end", f"token=jwt:{MASK} end"),
        ("GET /v1/scoped-jwt?jwtoken=abc.def.ghi", f"GET /v1/scoped-jwt?jwtoken={MASK}"),
        ("https://user:pass@example.com/x", f"https://{MASK}@example.com/x"),
        ("the bearer of bad news", "the bearer of bad news"),  # prose is left alone
        ("", ""),
        ("nothing secret here", "nothing secret here"),
    ],
)
def test_redact_patterns(api_key: ApiKey, text: str, expected: str) -> None:
    assert redact(text) == expected


def test_short_values_are_masked_only_as_whole_tokens() -> None:
    register_secret("abc")
    assert redact("abc abcdef x-abc key=abc.") == "*** abcdef x-abc key=***."


def test_longest_secret_wins() -> None:
    register_secret("overlapping-secret")
    register_secret("overlapping-secret-longer")
    assert redact("x overlapping-secret-longer y") == f"x {MASK} y"


def test_api_key_repr_str_and_equality(api_key: ApiKey) -> None:
    for text in (repr(api_key), str(api_key), f"{api_key}", repr(Settings(api_key=api_key))):
        assert KEY not in text
    assert repr(api_key) == "ApiKey(source='env:DEEPINFRA_API_KEY')"
    assert api_key != KEY  # a secret wrapper is not a string
    assert api_key == ApiKey(f"  {KEY}\n", "config")
    assert api_key.reveal() == KEY
    assert KEY not in api_key.fingerprint()
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(api_key)


def test_error_text_never_contains_the_key(api_key: ApiKey) -> None:
    errors: list[DeepInfraError] = [
        error_from_response(401, {}, f'{{"error": {{"message": "Invalid key {KEY}"}}}}'.encode()),
        error_from_response(429, {"x-request-id": KEY}, f"Rate limited for Bearer {KEY}".encode()),
        error_from_stream_frame({"error_type": "auth", "error_message": f"bad key {KEY}"})
        or StreamError("x"),
        MissingApiKeyError(f"message {KEY}", hint=f"hint {KEY}", body_excerpt=KEY),
    ]
    assert isinstance(errors[0], AuthenticationError)
    assert isinstance(errors[1], RateLimitError)
    for err in errors:
        rendered = [
            str(err),
            repr(err),
            err.message,
            err.hint or "",
            err.body_excerpt or "",
            err.request_id or "",
        ]
        rendered.append(str(err.args))
        for text in rendered:
            assert KEY not in text
        restored = pickle.loads(pickle.dumps(err))  # noqa: S301 - errors survive pickling, still redacted
        assert type(restored) is type(err) and str(restored) == str(err)


def test_log_records_are_redacted_at_every_level(api_key: ApiKey, caplog: pytest.LogCaptureFixture) -> None:
    log = get_logger("openclaw_deepinfra.tests.redaction")
    caplog.set_level(logging.DEBUG)
    log.debug("debug %s", KEY)
    log.info("info %s", {"Authorization": f"Bearer {KEY}"})
    log.warning("warning " + KEY)
    log.error("error %(key)s", {"key": KEY})
    try:
        raise RuntimeError(f"boom {KEY}")
    except RuntimeError:
        log.exception("failed")
    assert len(caplog.records) == 5
    assert KEY not in caplog.text
    for record in caplog.records:
        assert KEY not in record.getMessage()
        assert record.args is None
    assert "boom ***" in caplog.text


def test_filter_is_installed_on_the_package_and_httpx_loggers() -> None:
    for name in ("openclaw_deepinfra", "httpx"):
        assert any(isinstance(f, RedactingFilter) for f in logging.getLogger(name).filters)


def test_unformattable_record_does_not_leak_args(api_key: ApiKey, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    get_logger("openclaw_deepinfra.tests.bad").warning("%s %s", KEY)
    assert KEY not in caplog.text
    assert "unformattable" in caplog.text


async def test_debug_retry_logs_never_show_the_key(api_key: ApiKey, caplog: pytest.LogCaptureFixture) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError(
                f"refused while sending {request.headers['authorization']}", request=request
            )
        if calls == 2:
            return httpx.Response(503, text=f"upstream saw {KEY}")
        return httpx.Response(401, json={"error": {"message": f"bad key {KEY}"}})

    async def no_sleep(_: float) -> None:
        return None

    caplog.set_level(logging.DEBUG)
    async with ClientPool(transport_factory=lambda: httpx.MockTransport(handler)) as pool:
        http = DeepInfraHttp(Settings(api_key=api_key), pool, sleep=no_sleep)
        with pytest.raises(AuthenticationError) as info:
            await http.request_json("GET", "/models")
    assert calls == 3
    retry_logs = [r for r in caplog.records if r.getMessage().startswith("retrying")]
    assert len(retry_logs) == 2
    assert KEY not in caplog.text
    assert KEY not in str(info.value) and KEY not in repr(info.value)
