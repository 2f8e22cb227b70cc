"""The image and video providers as a gateway gets them: registered through the entry point with no
network, defaults read from the catalog snapshot on use."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.protocols import ImageGenerationProvider, VideoGenerationProvider
from openclaw_deepinfra.surfaces.images import DeepInfraImageProvider
from openclaw_deepinfra.surfaces.video.provider import DeepInfraVideoProvider
from tests.gateway import load_plugin


@pytest.mark.usefixtures("no_deepinfra_env")
async def test_both_register_without_network_and_serve_catalog_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise AssertionError(f"network access: {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    registry = load_plugin(OpenClawConfig({}))
    try:
        image = registry.get("image-generation-provider", "deepinfra")
        video = registry.get("video-generation-provider", "deepinfra")
        assert isinstance(image, ImageGenerationProvider)
        assert isinstance(video, VideoGenerationProvider)
        assert isinstance(image, DeepInfraImageProvider)
        assert isinstance(video, DeepInfraVideoProvider)
        assert image.default_model == "black-forest-labs/FLUX-1-schnell"
        assert video.default_model == "Pixverse/Pixverse-T2V"
        assert "Wan-AI/Wan2.6-T2V" in video.models
        assert image.is_configured() is False and video.is_configured() is False
        assert attempts == []
    finally:
        await registry.aclose()
