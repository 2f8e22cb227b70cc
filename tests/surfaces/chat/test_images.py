"""Images are checked locally (jpg/png/webp, < 20 MB) before any request; `detail` is dropped."""

from __future__ import annotations

import base64

import pytest

from openclaw_deepinfra.errors import RequestValidationError
from openclaw_deepinfra.mediatypes import to_data_url
from openclaw_deepinfra.surfaces.chat.messages import MAX_IMAGE_BYTES, checked_image_url
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import MakeChat, request, sse

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\0" * 32
WEBP = b"RIFF\0\0\0\0WEBPVP8 " + b"\0" * 32
GIF = b"GIF89a" + b"\0" * 32


@pytest.mark.parametrize("data", [PNG, JPEG, WEBP], ids=["png", "jpeg", "webp"])
def test_accepted_data_urls_are_sent_unchanged(data: bytes) -> None:
    url = to_data_url(data, "image/png" if data is PNG else "image/jpeg" if data is JPEG else "image/webp")
    assert checked_image_url(url) == url


def test_mislabelled_data_url_is_relabelled_from_the_bytes() -> None:
    assert checked_image_url(to_data_url(JPEG, "image/png")) == to_data_url(JPEG, "image/jpeg")


@pytest.mark.parametrize("url", ["https://example.com/a.gif", "http://127.0.0.1/x"])
def test_http_urls_pass_through(url: str) -> None:
    assert checked_image_url(f"  {url} ") == url


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (to_data_url(GIF, "image/gif"), "only jpg, png and webp.*image/gif"),
        (to_data_url(b"hello", "image/png"), "only jpg, png and webp.*declared image/png"),
        ("data:image/png;base64,@@@not-base64", "malformed base64"),
        ("file:///etc/passwd", "scheme 'file' is not supported"),
        ("just-a-name.png", r"scheme '\(none\)'"),
        (
            to_data_url(PNG + b"\0" * MAX_IMAGE_BYTES, "image/png"),
            "20.0 MB; DeepInfra accepts images under 20 MB",
        ),
    ],
)
def test_rejected_images(url: str, message: str) -> None:
    with pytest.raises(RequestValidationError, match=message) as info:
        checked_image_url(url, "message 0, part 1")
    assert str(info.value).startswith("message 0, part 1: ")
    assert info.value.hint or "pass a data:" in info.value.message  # says what to fix


def test_image_just_under_the_limit_is_accepted() -> None:
    data = PNG + b"\0" * (MAX_IMAGE_BYTES - len(PNG) - 1)
    assert len(data) < MAX_IMAGE_BYTES
    url = to_data_url(data, "image/png")
    assert checked_image_url(url) == url
    exactly = PNG + b"\0" * (MAX_IMAGE_BYTES - len(PNG))
    with pytest.raises(RequestValidationError, match="under 20 MB"):
        checked_image_url(to_data_url(exactly, "image/png"))


async def test_bad_image_sends_no_request_and_good_one_drops_detail(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)

    def with_image(url: str) -> object:
        content = [
            {"type": "text", "text": "what?"},
            {"type": "image_url", "image_url": {"url": url, "detail": "high"}},
        ]
        return request(messages=[{"role": "user", "content": content}])

    with pytest.raises(RequestValidationError, match=r"message 0, part 1: .*image/gif"):
        await provider.complete(with_image(to_data_url(GIF, "image/gif")))  # type: ignore[arg-type]
    assert transport.requests == []

    transport.reply(sse({"choices": [{"index": 0, "delta": {"content": "a cat"}, "finish_reason": "stop"}]}))
    good = base64.b64encode(PNG).decode()
    async with provider.stream(with_image(f"data:image/png;base64,{good}")) as events:  # type: ignore[arg-type]
        [e async for e in events]
    sent = transport.body()["messages"][0]["content"][1]
    assert sent == {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{good}"}}


@pytest.mark.parametrize("stream", [False, True])
async def test_a_data_url_is_decoded_once_per_call(
    make_chat: MakeChat, monkeypatch: pytest.MonkeyPatch, stream: bool
) -> None:
    import openclaw_deepinfra.surfaces.chat.messages as messages_module

    decoded: list[int] = []
    real = messages_module.decode_user_data_url

    def counting(url: str, *, what: str) -> tuple[bytes, str | None]:
        decoded.append(len(url))
        return real(url, what=what)

    monkeypatch.setattr(messages_module, "decode_user_data_url", counting)
    runtime, transport = make_chat()
    provider = DeepInfraTextProvider(runtime)
    content = [{"type": "image_url", "image_url": {"url": to_data_url(PNG, "image/png")}}]
    # A model only the live catalog lists: the call reads the catalog before it decides.
    req = request(model="deepinfra/zai-org/GLM-9", messages=[{"role": "user", "content": content}])
    answer = {"choices": [{"index": 0, "delta": {"content": "a cat"}, "finish_reason": "stop"}]}
    if stream:
        transport.reply(sse(answer))
        async with provider.stream(req) as events:
            [e async for e in events]
    else:
        transport.reply({"choices": [{"index": 0, "message": {"role": "assistant", "content": "a cat"},
                                      "finish_reason": "stop"}]})  # fmt: skip
        await provider.complete(req)
    assert transport.catalog_requests == 1
    assert len(decoded) == 1
