"""Each API failure reaches the host as its own error class, streaming or not; the key never leaks."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest

from openclaw_deepinfra.errors import (
    APIConnectionError,
    AuthenticationError,
    ContextLengthExceededError,
    DeepInfraError,
    InsufficientBalanceError,
    InvalidRequestError,
    MalformedResponseError,
    MissingApiKeyError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    ServerError,
    StreamError,
    UnsupportedCapabilityError,
)
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import KEY, MakeChat, collect, request

CASES: list[tuple[int, dict[str, Any], type[DeepInfraError]]] = [
    (402, {"error": {"message": "You need positive balance to do inference"}}, InsufficientBalanceError),
    (405, {"error": {"message": "Tool calling is not supported for model: X", "type": "invalid_request_error",
                     "param": "tools"}}, UnsupportedCapabilityError),
    (405, {"error": {"message": "json_object response format is not supported for model: X"}},
     UnsupportedCapabilityError),
    (400, {"error": {"message": "This model's maximum context length is 8192 tokens"}},
     ContextLengthExceededError),
    (400, {"error": {"message": "temperature must be <= 2"}}, InvalidRequestError),
    (429, {"error": {"message": "Rate limited"}}, RateLimitError),
    (429, {"error": {"message": "Model busy, retry later"}}, ModelBusyError),
    (500, {"error": {"message": "internal"}}, ServerError),
    (503, {"detail": "unavailable"}, ServerError),
    (401, {"error": {"message": "invalid key"}}, AuthenticationError),
    (404, {"detail": "Not Found"}, NotFoundError),
]  # fmt: skip


@pytest.mark.parametrize(("status", "body", "error"), CASES)
@pytest.mark.parametrize("streaming", [False, True], ids=["complete", "stream"])
async def test_status_errors_keep_their_class(
    make_chat: MakeChat, status: int, body: dict[str, Any], error: type[DeepInfraError], streaming: bool
) -> None:
    runtime, transport = make_chat()
    transport.reply(body, status=status)
    provider = DeepInfraTextProvider(runtime)
    with pytest.raises(error) as info:
        if streaming:
            await collect(provider.stream(request()))
        else:
            await provider.complete(request())
    assert type(info.value) is error  # exactly this class, so a host can act on it (e.g. 405 -> fallback)
    assert info.value.status == status
    assert len(transport.requests) == 1  # maxRetries 0 in these tests
    assert transport.open_connections == 0
    assert KEY not in str(info.value) and KEY not in repr(info.value)


def test_the_classes_are_distinct() -> None:
    classes = {cls for _, _, cls in CASES}
    assert len(classes) == 9
    assert issubclass(ModelBusyError, RateLimitError) and ModelBusyError is not RateLimitError


async def test_busy_model_is_retried_with_the_default_policy(make_chat: MakeChat) -> None:
    runtime, transport = make_chat({"models": {"providers": {"deepinfra": {"maxRetries": 1}}}})
    runtime.http().shared.sleep = _no_sleep  # no real backoff in tests
    transport.reply({"error": {"message": "Model busy, retry later"}}, status=429)
    transport.reply(
        {"model": "m/m", "choices": [{"index": 0, "message": {"content": "ok"}, "finish_reason": "stop"}]}
    )
    result = await DeepInfraTextProvider(runtime).complete(request("deepinfra/m/m"))
    assert result.text == "ok" and len(transport.requests) == 2


async def _no_sleep(_delay: float) -> None:
    return None


async def test_missing_key_fails_before_any_request(make_chat: MakeChat) -> None:
    runtime, transport = make_chat(DEEPINFRA_API_KEY="")
    with pytest.raises(MissingApiKeyError):
        await DeepInfraTextProvider(runtime).complete(request())
    assert transport.requests == []


@pytest.mark.parametrize(
    "answer", [{"choices": []}, {"object": "chat.completion"}, {"error_type": "x", "error_message": "boom"}]
)
async def test_malformed_or_error_answers_are_typed(make_chat: MakeChat, answer: dict[str, Any]) -> None:
    runtime, transport = make_chat()
    transport.reply(answer)
    with pytest.raises(DeepInfraError) as info:
        await DeepInfraTextProvider(runtime).complete(request())
    if "error_type" in answer:
        assert type(info.value) is StreamError and "boom" in str(info.value)
    else:
        assert type(info.value) is MalformedResponseError


async def test_key_is_sent_but_never_logged_or_shown(
    make_chat: MakeChat, caplog: pytest.LogCaptureFixture
) -> None:
    runtime, transport = make_chat()
    transport.reply({"error": {"message": f"bad key {KEY}"}}, status=401)
    provider = DeepInfraTextProvider(runtime)
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as info:
        await provider.complete(request())
    assert transport.requests[0].headers["authorization"] == f"Bearer {KEY}"
    stream = provider.stream(request())
    for text in (str(info.value), repr(info.value), info.value.body_excerpt or "", caplog.text, repr(stream)):
        assert KEY not in text
    await stream.aclose()


async def test_connection_failure_is_typed(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()

    async def refuse(_request: Any) -> Any:
        raise httpx.ConnectError("refused")

    transport.handle_async_request = refuse  # type: ignore[method-assign]
    with pytest.raises(APIConnectionError, match="could not connect"):
        await DeepInfraTextProvider(runtime).complete(request())
