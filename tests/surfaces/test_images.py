"""Image generation and editing: whole request bodies, MIME sniffing, URL-only and empty answers,
input checks before any request, ignored options, and a key that never leaks."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from openclaw_deepinfra.catalog.models import CatalogModel, CatalogSnapshot, SurfaceCatalog
from openclaw_deepinfra.errors import (
    DeepInfraError,
    MalformedResponseError,
    RequestValidationError,
    ServerError,
)
from openclaw_deepinfra.host.contracts.image import ImageGenerationRequest, ImageInput
from openclaw_deepinfra.host.contracts.protocols import ImageGenerationProvider
from openclaw_deepinfra.surfaces.images import CAPABILITIES, DeepInfraImageProvider
from tests.surfaces.conftest import BASE, KEY, MODELS_URL, MakeRuntime, row
from tests.surfaces.media_fixtures import JPEG, PNG, WEBP, b64, multipart

GENERATE_URL = f"{BASE}/images/generations"
SIZE_REFUSED = r"is not supported; use one of 512x512, 1024x1024, 1024x1792, 1792x1024"
EDIT_URL = f"{BASE}/images/edits"


def _req(**fields: Any) -> ImageGenerationRequest:
    return ImageGenerationRequest(
        provider="deepinfra", model=fields.pop("model", "deepinfra/black-forest-labs/FLUX-1-schnell"),
        prompt=fields.pop("prompt", "a red fox in snow"), cfg={}, **fields,
    )  # fmt: skip


def test_capabilities_are_the_reference_declaration(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraImageProvider(make_runtime())
    assert isinstance(provider, ImageGenerationProvider)
    assert CAPABILITIES.model_dump(by_alias=True, exclude_none=True) == {
        "generate": {
            "maxCount": 4, "supportsSize": True, "supportsAspectRatio": False, "supportsResolution": False,
        },
        "edit": {
            "enabled": True, "maxCount": 1, "maxInputImages": 1, "supportsSize": True,
            "supportsAspectRatio": False, "supportsResolution": False,
        },
        "geometry": {"sizes": ["512x512", "1024x1024", "1024x1792", "1792x1024"]},
    }  # fmt: skip
    assert provider.default_model == "black-forest-labs/FLUX-1-schnell"
    assert provider.models[0] == provider.default_model
    assert provider.is_configured() is True
    assert DeepInfraImageProvider(make_runtime(key=False)).is_configured() is False


async def test_generate_sends_the_whole_body_and_sniffs_each_image(make_runtime: MakeRuntime) -> None:
    answer = {
        "data": [
            {"b64_json": b64(PNG), "mime_type": "image/jpeg", "revised_prompt": "a red fox, snowy field"},
            {"b64_json": b64(JPEG)},
            {"b64_json": b64(WEBP)},
        ],
        "inference_status": {"status": "succeeded", "cost": 0.009},
    }
    with respx.mock() as mock:
        route = mock.post(GENERATE_URL).respond(200, json=answer, headers={"x-request-id": "req-img-1"})
        result = await DeepInfraImageProvider(make_runtime()).generate_image(_req(count=3))
    sent = route.calls.last.request
    assert json.loads(sent.content) == {
        "model": "black-forest-labs/FLUX-1-schnell", "prompt": "a red fox in snow", "n": 3,
        "size": "1024x1024", "response_format": "b64_json",
    }  # fmt: skip
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert [(i.mime_type, i.file_name) for i in result.images] == [
        ("image/png", "image-1.png"), ("image/jpeg", "image-2.jpg"), ("image/webp", "image-3.webp"),
    ]  # fmt: skip
    assert [i.buffer for i in result.images] == [PNG, JPEG, WEBP]
    assert result.images[0].revised_prompt == "a red fox, snowy field"
    assert result.images[1].revised_prompt is None
    assert result.model == "black-forest-labs/FLUX-1-schnell"
    assert result.metadata == {"size": "1024x1024", "count": 3, "requestId": "req-img-1", "cost": 0.009}


async def test_count_is_clamped_to_four_and_reported(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(GENERATE_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        result = await DeepInfraImageProvider(make_runtime()).generate_image(_req(count=9))
    assert json.loads(route.calls.last.request.content)["n"] == 4
    assert result.metadata is not None and result.metadata["requestedCount"] == 9


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"count": 0}, "image count must be at least 1"),
        ({"size": "big"}, SIZE_REFUSED),
        ({"size": "1024*1024"}, SIZE_REFUSED),
        ({"size": "768x1344"}, SIZE_REFUSED),
        ({"prompt": "   "}, "prompt is empty"),
    ],
)
async def test_bad_input_fails_before_any_request(
    make_runtime: MakeRuntime, fields: dict[str, Any], message: str
) -> None:
    with respx.mock() as mock:
        with pytest.raises(RequestValidationError, match=message):
            await DeepInfraImageProvider(make_runtime()).generate_image(_req(**fields))
        assert mock.calls.call_count == 0


async def test_size_given_is_sent_and_the_default_is_1024_whatever_the_catalog_row_says(
    make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = make_runtime()
    tall = CatalogModel(id="acme/Tall-Image", tags=("image-gen",), default_width=768, default_height=1344)
    snapshot = CatalogSnapshot(
        source="live", surfaces={"image-gen": SurfaceCatalog(default=tall.id, models=(tall,), source="live")}
    )
    monkeypatch.setattr(runtime, "snapshot", lambda: snapshot)
    provider = DeepInfraImageProvider(runtime)
    assert provider.default_model == "acme/Tall-Image"
    with respx.mock() as mock:
        route = mock.post(GENERATE_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        await provider.generate_image(_req(model="deepinfra/acme/Tall-Image"))
        await provider.generate_image(_req(model="acme/Tall-Image", size=" 1792x1024 "))
        await provider.generate_image(_req(model="other/Unknown"))
        with pytest.raises(RequestValidationError, match=SIZE_REFUSED):
            await provider.generate_image(_req(model="acme/Tall-Image", size="768x1344"))
    sizes = [json.loads(call.request.content)["size"] for call in route.calls]
    assert sizes == ["1024x1024", "1792x1024", "1024x1024"]  # the refused size sent nothing


async def test_without_a_model_the_default_comes_from_the_calls_catalog_view(
    make_runtime: MakeRuntime,
) -> None:
    catalog = {"data": [
        row("black-forest-labs/FLUX-2-pro", "image-gen", default_width=1024, default_height=768),
        row("black-forest-labs/FLUX-1-schnell", "image-gen"),
    ]}  # fmt: skip
    provider = DeepInfraImageProvider(make_runtime())
    assert provider.default_model == "black-forest-labs/FLUX-1-schnell"  # nothing fetched yet: a hint
    with respx.mock() as mock:
        models = mock.get(MODELS_URL).respond(200, json=catalog)
        route = mock.post(GENERATE_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        result = await provider.generate_image(_req(model=""))
        await provider.generate_image(_req(model=""))
    assert [json.loads(c.request.content) for c in route.calls] == 2 * [
        {"model": "black-forest-labs/FLUX-2-pro", "prompt": "a red fox in snow", "n": 1, "size": "1024x1024",
         "response_format": "b64_json"}
    ]  # fmt: skip
    assert result.model == "black-forest-labs/FLUX-2-pro"
    assert models.call_count == 1  # one refresh, then the fresh catalog


async def test_undeclared_options_are_reported_as_ignored_never_sent(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(GENERATE_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        result = await DeepInfraImageProvider(make_runtime()).generate_image(
            _req(aspect_ratio="16:9", resolution="2K", quality="high", output_format="webp",
                 background="transparent", provider_options={"steps": 4})
        )  # fmt: skip
    assert set(json.loads(route.calls.last.request.content)) == {
        "model",
        "prompt",
        "n",
        "size",
        "response_format",
    }
    assert result.metadata is not None
    assert result.metadata["ignoredOverrides"] == {
        "aspectRatio": "16:9", "resolution": "2K", "quality": "high", "outputFormat": "webp",
        "background": "transparent", "providerOptions": {"steps": 4},
    }  # fmt: skip


async def test_edit_is_multipart_with_one_reference_image(make_runtime: MakeRuntime) -> None:
    image = ImageInput(buffer=JPEG, mime_type="image/png", file_name="photo.jpg")
    with respx.mock() as mock:
        route = mock.post(EDIT_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        result = await DeepInfraImageProvider(make_runtime()).generate_image(
            _req(input_images=[image], count=3, size="512x512")
        )
    sent = route.calls.last.request
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    fields = multipart(sent.headers["content-type"], sent.content)
    assert {name: value[2] for name, value in fields.items() if name != "image"} == {
        "model": b"black-forest-labs/FLUX-1-schnell", "prompt": b"a red fox in snow", "n": b"1",
        "size": b"512x512", "response_format": b"b64_json",
    }  # fmt: skip
    # the bytes decide the type: the caller's "image/png" label on a JPEG is not sent
    assert fields["image"] == ("photo.jpg", "image/jpeg", JPEG)
    assert result.images[0].mime_type == "image/png"
    assert result.metadata is not None and result.metadata["requestedCount"] == 3


async def test_edit_without_a_file_name_names_it_from_its_type(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(EDIT_URL).respond(200, json={"data": [{"b64_json": b64(PNG)}]})
        await DeepInfraImageProvider(make_runtime()).generate_image(
            _req(input_images=[ImageInput(buffer=WEBP, mime_type="image/webp")])
        )
    sent = route.calls.last.request
    assert multipart(sent.headers["content-type"], sent.content)["image"][:2] == (
        "image-1.webp",
        "image/webp",
    )


@pytest.mark.parametrize(
    ("images", "message"),
    [
        ([PNG, JPEG], "DeepInfra image editing supports one reference image."),
        ([b"GIF89a" + b"\x00" * 8], "must be a JPEG, PNG or WebP file"),
        ([b"%PDF-1.7"], "must be a JPEG, PNG or WebP file"),
        ([b""], "the reference image is empty"),
    ],
)
async def test_edit_inputs_are_checked_before_any_request(
    make_runtime: MakeRuntime, images: list[bytes], message: str
) -> None:
    inputs = [ImageInput(buffer=data, mime_type="image/png") for data in images]
    with respx.mock() as mock:
        with pytest.raises(RequestValidationError) as caught:
            await DeepInfraImageProvider(make_runtime()).generate_image(_req(input_images=inputs))
        assert mock.calls.call_count == 0
    assert message in caught.value.message


async def test_url_only_entries_are_fetched_with_the_key_only_on_the_api_host(
    make_runtime: MakeRuntime,
) -> None:
    answer = {
        "data": [
            {"url": "https://cdn.example.net/out/1.png?sig=abc"},
            {"url": "https://api.deepinfra.com/generated/2.jpg"},
            {"url": f"data:image/webp;base64,{b64(WEBP)}"},
        ]
    }
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json=answer)
        cdn = mock.get("https://cdn.example.net/out/1.png").respond(200, content=PNG)
        own = mock.get("https://api.deepinfra.com/generated/2.jpg").respond(
            200, content=JPEG, headers={"content-type": "application/octet-stream"}
        )
        result = await DeepInfraImageProvider(make_runtime()).generate_image(_req(count=3))
    assert "authorization" not in cdn.calls.last.request.headers
    assert own.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert [(i.buffer, i.mime_type, i.file_name) for i in result.images] == [
        (PNG, "image/png", "image-1.png"),
        (JPEG, "image/jpeg", "image-2.jpg"),
        (WEBP, "image/webp", "image-3.webp"),
    ]  # fmt: skip


async def test_url_only_entry_that_cannot_be_fetched_fails_clearly(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json={"data": [{"url": "http://files.example.net/1.png"}]})
        with pytest.raises(MalformedResponseError, match="must use https"):
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json={"data": [{"url": "https://cdn.example.net/1.png"}]})
        mock.get("https://cdn.example.net/1.png").respond(
            200, text="<html>login</html>", headers={"content-type": "text/html"}
        )
        with pytest.raises(MalformedResponseError, match="returned text/html, not an image"):
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())


async def test_url_fetch_is_capped(make_runtime: MakeRuntime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("openclaw_deepinfra.surfaces.images.IMAGE_FETCH_MAX_BYTES", 64)
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json={"data": [{"url": "https://cdn.example.net/big.png"}]})
        mock.get("https://cdn.example.net/big.png").respond(200, content=PNG + b"\x00" * 1000)
        with pytest.raises(MalformedResponseError, match="larger than 64 bytes"):
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())


@pytest.mark.parametrize(
    "answer",
    [{"data": []}, {"data": [{"b64_json": ""}, {"url": None}]}, {"images": []}, {}, None],
)
async def test_an_answer_without_images_is_the_reference_error(
    make_runtime: MakeRuntime, answer: Any
) -> None:
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json=answer)
        with pytest.raises(MalformedResponseError) as caught:
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())
    assert caught.value.message == "DeepInfra image response did not include generated image data"


async def test_malformed_base64_is_a_malformed_response(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(200, json={"data": [{"b64_json": "not base64!!"}]})
        with pytest.raises(MalformedResponseError, match="malformed base64"):
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())


async def test_a_5xx_is_typed_and_never_resubmitted(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        route = mock.post(GENERATE_URL).respond(500, json={"error": {"message": "GPU fell over"}})
        with pytest.raises(ServerError) as caught:
            await DeepInfraImageProvider(make_runtime()).generate_image(_req())
    assert route.call_count == 1
    assert str(caught.value).startswith("DeepInfra image generation: GPU fell over (HTTP 500)")


async def test_the_key_never_appears_in_errors_results_or_reprs(make_runtime: MakeRuntime) -> None:
    provider = DeepInfraImageProvider(make_runtime())
    with respx.mock() as mock:
        mock.post(GENERATE_URL).respond(401, json={"error": {"message": f"bad key {KEY}"}})
        with pytest.raises(DeepInfraError) as caught:
            await provider.generate_image(_req())
        mock.post(EDIT_URL).mock(side_effect=httpx.ConnectError(f"refused for {KEY}"))
        with pytest.raises(DeepInfraError) as caught_edit:
            await provider.generate_image(_req(input_images=[ImageInput(buffer=PNG, mime_type="image/png")]))
    for text in (str(caught.value), repr(caught.value), str(caught_edit.value), repr(provider)):
        assert KEY not in text
