"""Tag -> surface buckets and the per-surface default rule."""

from __future__ import annotations

import logging

import pytest

from openclaw_deepinfra.catalog.models import (
    LIVE_DEFAULT_SURFACES,
    SURFACES,
    CatalogModel,
    Surface,
    bucket_models,
    build_snapshot,
)
from openclaw_deepinfra.catalog.static import StaticCatalog, load_static_catalog


@pytest.fixture(scope="module")
def static() -> StaticCatalog:
    return load_static_catalog()


def m(model_id: str, *tags: str) -> CatalogModel:
    return CatalogModel(id=model_id, tags=tags)


LIVE = [
    m("live/chat-a", "chat", "reasoning"),
    m("live/vision", "chat", "vlm", "vision"),
    m("live/chat-b", "chat", "prompt_cache"),
    m("live/img-a", "image-gen"),
    m("live/img-b", "image-gen"),
    m("live/vid-a", "video-gen"),
    m("live/tts-a", "tts"),
    m("hexgrad/Kokoro-82M", "tts"),
    m("live/stt-a", "stt"),
    m("live/embed-a", "embed"),
    m("live/odd", "vision", "reranker"),
]


def test_buckets_in_response_order_model_in_every_tagged_bucket() -> None:
    buckets = bucket_models(LIVE)
    assert [x.id for x in buckets["chat"]] == ["live/chat-a", "live/vision", "live/chat-b"]
    assert [x.id for x in buckets["vlm"]] == ["live/vision"]
    assert [x.id for x in buckets["image-gen"]] == ["live/img-a", "live/img-b"]
    assert all(x.id != "live/odd" for rows in buckets.values() for x in rows), "unknown tags bucket nothing"
    assert tuple(buckets) == SURFACES


@pytest.mark.parametrize(
    ("surface", "default", "why"),
    [
        ("chat", "live/chat-a", "first live"),
        ("image-gen", "live/img-a", "first live"),
        ("video-gen", "live/vid-a", "first live"),
        ("tts", "hexgrad/Kokoro-82M", "curated"),
        ("stt", "openai/whisper-large-v3-turbo", "curated"),
        ("vlm", "moonshotai/Kimi-K2.6", "curated K2.5 is deprecated: its replacement"),
        ("embed", "BAAI/bge-m3", "curated"),
    ],
)
def test_default_rule(static: StaticCatalog, surface: Surface, default: str, why: str) -> None:
    snapshot = build_snapshot(LIVE, static, source="live", fetched_at=10.0)
    assert snapshot.default(surface) == default
    assert (surface in LIVE_DEFAULT_SURFACES) == (why == "first live")
    assert snapshot.surface(surface).source == "live"


def test_curated_default_kept_while_the_live_list_is_shown_as_is(static: StaticCatalog) -> None:
    snapshot = build_snapshot(LIVE, static, source="live")
    stt = snapshot.surface("stt")
    assert (stt.default, stt.ids) == ("openai/whisper-large-v3-turbo", ("live/stt-a",))
    tts = snapshot.surface("tts")
    assert (tts.default, tts.ids) == ("hexgrad/Kokoro-82M", ("live/tts-a", "hexgrad/Kokoro-82M"))


def test_empty_bucket_falls_back_to_static_and_logs(
    static: StaticCatalog, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="openclaw_deepinfra.catalog.models"):
        snapshot = build_snapshot([m("live/chat-only", "chat")], static, source="cache", fetched_at=5.0)
    assert snapshot.source == "cache"
    assert snapshot.fetched_at == 5.0
    assert snapshot.surface("chat").source == "cache"
    assert snapshot.default("chat") == "live/chat-only"
    for surface in ("vlm", "embed", "image-gen", "video-gen", "tts", "stt"):
        assert snapshot.surface(surface) == static.surface(surface)
        assert snapshot.surface(surface).source == "static"
    assert "no entries for vlm, embed, image-gen, video-gen, tts, stt" in caplog.text


def test_static_source_is_the_static_snapshot(static: StaticCatalog) -> None:
    snapshot = build_snapshot(LIVE, static, source="static", warnings=("w",))
    assert snapshot.surfaces == static.surfaces
    assert snapshot.warnings == ("w",)


def test_snapshot_json_and_find(static: StaticCatalog) -> None:
    snapshot = build_snapshot(LIVE, static, source="live", fetched_at=1.0)
    data = snapshot.to_json()
    assert data["source"] == "live"
    assert list(data["surfaces"]) == list(SURFACES)
    assert data["surfaces"]["chat"]["models"][0] == {"id": "live/chat-a", "tags": ["chat", "reasoning"]}
    assert data["surfaces"]["stt"]["source"] == "live"
    found = snapshot.find("live/vision")
    assert found is not None and found.has_tag("vlm")
    assert snapshot.find("nope/nope") is None
