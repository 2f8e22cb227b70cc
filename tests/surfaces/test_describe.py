"""Image description against a mocked DeepInfra: the vision chat body, model checks, MIME sniffing."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
import respx

from openclaw_deepinfra.errors import MalformedResponseError, RequestValidationError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.media import (
    ImageDescriptionRequest,
    ImagesDescriptionRequest,
    MediaImage,
)
from openclaw_deepinfra.surfaces.understanding.provider import DeepInfraMediaUnderstandingProvider
from tests.surfaces.conftest import BASE, KEY, MODELS_URL, MakeRuntime, row

URL = f"{BASE}/chat/completions"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 24
JPEG = b"\xff\xd8\xff\xe0" + b"\x01" * 24
GIF = b"GIF89a" + b"\x00" * 24


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as r:
        # A cold call with a key reads the live catalog first; unless a test lists models, it has
        # none to offer and the shipped catalog decides.
        r.get(MODELS_URL).respond(404)
        yield r


def answer(text: str = "A red square.", model: str = "moonshotai/Kimi-K2.5") -> dict[str, Any]:
    return {
        "id": "c1",
        "object": "chat.completion",
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25},
    }


def one(buffer: bytes = PNG, **fields: Any) -> ImageDescriptionRequest:
    values: dict[str, Any] = {"model": "moonshotai/Kimi-K2.5", "provider": "deepinfra", "timeout_ms": 30_000}
    values.update(fields)
    return ImageDescriptionRequest(buffer=buffer, file_name="pic.png", cfg=OpenClawConfig({}), **values)


def data_url(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


async def test_whole_body_and_result(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post(URL).respond(200, json=answer(model="moonshotai/Kimi-K2.6"))
    result = await DeepInfraMediaUnderstandingProvider(make_runtime()).describe_image(one(mime="image/jpeg"))
    body = json.loads(route.calls.last.request.content)
    assert body["model"] == "moonshotai/Kimi-K2.5"
    assert body["messages"] == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Describe the image."},
                # the caller said JPEG; the bytes are PNG, and the bytes win
                {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
            ],
        }
    ]
    assert body["max_tokens"] == 4096 and body["stream"] is False
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert (result.text, result.model) == ("A red square.", "moonshotai/Kimi-K2.6")  # the served model


async def test_several_images_and_a_prompt(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    route = router.post(URL).respond(200, json=answer("Two images."))
    req = ImagesDescriptionRequest(
        images=[MediaImage(buffer=PNG, file_name="a.png"), MediaImage(buffer=JPEG, file_name="b.bin")],
        prompt="  Compare them. ",
        max_tokens=300,
        model="deepinfra/moonshotai/Kimi-K2.5",
        provider="deepinfra",
        cfg={},
        timeout_ms=10_000,
    )
    result = await DeepInfraMediaUnderstandingProvider(make_runtime()).describe_images(req)
    body = json.loads(route.calls.last.request.content)
    assert body["messages"][0]["content"] == [
        {"type": "text", "text": "Compare them."},
        {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
        {"type": "image_url", "image_url": {"url": data_url("image/jpeg", JPEG)}},
    ]
    assert body["max_tokens"] == 300 and result.text == "Two images."


async def test_max_tokens_follow_a_lower_model_limit(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    router.get(MODELS_URL).respond(
        200, json={"data": [row("Qwen/Qwen9-VL", "chat", "vlm", context_length=32768, max_tokens=2048)]}
    )
    route = router.post(URL).respond(200, json=answer(model="Qwen/Qwen9-VL"))
    runtime = make_runtime()
    await runtime.catalog().refresh()
    await DeepInfraMediaUnderstandingProvider(runtime).describe_image(one(model="Qwen/Qwen9-VL"))
    assert json.loads(route.calls.last.request.content)["max_tokens"] == 2048


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"model": "deepseek-ai/DeepSeek-V4-Flash"},
            r"DeepSeek-V4-Flash does not accept images; .*vision model such as",
        ),
        (
            {"model": "someone/unknown-model"},
            r"not in DeepInfra's catalog; .*vision model such as stepfun-ai/Step-3.7-Flash, moonshotai/Kimi",
        ),
        ({"buffer": GIF}, "image 'pic.png' is image/gif; DeepInfra accepts only jpg, png and webp"),
        ({"buffer": b"plain text"}, "not a recognised image"),
        ({"buffer": b""}, "is empty"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    make_runtime: MakeRuntime, router: respx.MockRouter, fields: dict[str, Any], message: str
) -> None:
    route = router.post(URL).respond(200, json=answer())
    buffer = fields.pop("buffer", PNG)
    with pytest.raises(RequestValidationError, match=message):
        await DeepInfraMediaUnderstandingProvider(make_runtime()).describe_image(one(buffer, **fields))
    assert not route.called


async def test_image_input_row_without_a_vlm_tag_is_a_vision_model(
    make_runtime: MakeRuntime, router: respx.MockRouter
) -> None:
    # The shipped rows mark vision by `input`, a live row by its tag; either is enough.
    router.get(MODELS_URL).respond(200, json={"data": [row("org/Seer", "chat", "vision")]})
    route = router.post(URL).respond(200, json=answer(model="org/Seer"))
    runtime = make_runtime()
    await runtime.catalog().refresh()
    result = await DeepInfraMediaUnderstandingProvider(runtime).describe_image(one(model="org/Seer"))
    assert route.called and result.model == "org/Seer"


async def test_empty_answer_is_malformed(make_runtime: MakeRuntime, router: respx.MockRouter) -> None:
    router.post(URL).respond(200, json=answer("   "))
    with pytest.raises(MalformedResponseError, match="came back empty"):
        await DeepInfraMediaUnderstandingProvider(make_runtime()).describe_image(one())
