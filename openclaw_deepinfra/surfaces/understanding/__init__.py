"""Media understanding over DeepInfra (host contract §5): speech-to-text (``transcribe``) and image
description as a vision chat completion (``describe``); ``provider`` is the registered object."""

from __future__ import annotations

from openclaw_deepinfra.surfaces.understanding.provider import DeepInfraMediaUnderstandingProvider

__all__ = ["DeepInfraMediaUnderstandingProvider"]
