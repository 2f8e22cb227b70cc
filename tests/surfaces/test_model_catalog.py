"""The unified model catalog provider: static rows, live rows, and the per-surface report."""

from __future__ import annotations

import httpx
import respx

from openclaw_deepinfra.host.contracts.protocols import UnifiedModelCatalogProvider
from openclaw_deepinfra.surfaces.model_catalog import DeepInfraModelCatalog
from tests.surfaces.conftest import KEY, LIVE, MODELS_URL, MakeRuntime


def test_static_rows_cover_each_kind_with_exactly_one_default(make_runtime: MakeRuntime) -> None:
    catalog = DeepInfraModelCatalog(make_runtime(key=False))
    assert isinstance(catalog, UnifiedModelCatalogProvider)
    entries = catalog.static_catalog()
    defaults = {e.kind: e.model for e in entries if e.default}
    assert defaults == {
        "text": "deepseek-ai/DeepSeek-V4-Flash",
        "image_generation": "black-forest-labs/FLUX-1-schnell",
        "video_generation": "Pixverse/Pixverse-T2V",
        "voice": "hexgrad/Kokoro-82M",
    }
    assert {e.source for e in entries} == {"static"}
    assert sum(e.kind == "video_generation" for e in entries) == 4


async def test_live_rows_need_a_key(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        assert await DeepInfraModelCatalog(make_runtime(key=False)).live_catalog() is None
        assert mock.calls.call_count == 0


async def test_live_rows_come_from_the_projection(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=LIVE)
        entries = await DeepInfraModelCatalog(make_runtime()).live_catalog()
    assert entries is not None
    assert [(e.kind, e.model, e.default) for e in entries if e.kind != "text"] == [
        ("image_generation", "black-forest-labs/FLUX-2-pro", True),
        ("video_generation", "Wan-AI/Wan2.9-T2V", True),
        ("voice", "hexgrad/Kokoro-82M", True),
    ]
    assert {e.source for e in entries} == {"live"}
    assert all(e.fetched_at is not None for e in entries)


async def test_no_live_data_is_none_never_an_empty_list(make_runtime: MakeRuntime) -> None:
    with respx.mock() as mock:
        mock.get(MODELS_URL).mock(side_effect=httpx.ReadTimeout("slow"))
        assert await DeepInfraModelCatalog(make_runtime()).live_catalog() is None
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json={"data": []})
        assert await DeepInfraModelCatalog(make_runtime()).live_catalog() is None


async def test_surface_report_refresh_forces_a_new_fetch(make_runtime: MakeRuntime) -> None:
    catalog = DeepInfraModelCatalog(make_runtime())
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=LIVE)
        first = await catalog.surface_report()
        again = await catalog.surface_report()
        assert route.call_count == 1  # fresh for five minutes
        forced = await catalog.surface_report(refresh=True)
        assert route.call_count == 2
    assert first["source"] == again["source"] == forced["source"] == "live"
    assert list(first["surfaces"]) == ["chat", "vlm", "embed", "image-gen", "video-gen", "tts", "stt"]
    assert first["surfaces"]["chat"]["default"] == "zai-org/GLM-9"
    assert KEY not in str(first)


async def test_video_entries_live_and_shipped_carry_the_same_capability_block(
    make_runtime: MakeRuntime,
) -> None:
    from openclaw_deepinfra.surfaces.video.common import capabilities_for

    catalog = DeepInfraModelCatalog(make_runtime())
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=LIVE)
        live = await catalog.live_catalog()
    assert live is not None
    for entries in (live, catalog.static_catalog()):
        videos = [e for e in entries if e.kind == "video_generation"]
        assert videos and all(e.capabilities == capabilities_for(e.model) for e in videos)
        assert all(e.capabilities is None for e in entries if e.kind != "video_generation")
    (wan,) = [e for e in live if e.kind == "video_generation"]
    assert wan.model == "Wan-AI/Wan2.9-T2V" and wan.source == "live"
