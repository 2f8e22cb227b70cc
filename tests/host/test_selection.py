from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, HostError, ModelRefError
from openclaw_deepinfra.host.media_selection import (
    ConfiguredContext,
    call_hook_bool,
    select_generation,
    select_media_understanding,
    select_speech,
)
from openclaw_deepinfra.host.selection import (
    EmbeddingSelection,
    Selection,
    match_provider,
    providers_of,
    select_embedding,
    select_text,
)


@dataclass
class FakeProvider:
    configured: bool | Callable[[Any], Any] = True
    auto_select_order: int | None = None
    default_model: str | None = None
    aliases: list[str] = field(default_factory=list)
    default_timeout_ms: int | None = None
    capabilities: list[str] = field(default_factory=list)
    auto_priority: dict[str, int] | int | None = None
    default_models: dict[str, str] = field(default_factory=dict)
    seen: list[Any] = field(default_factory=list)

    def is_configured(self, ctx: Any) -> Any:
        self.seen.append(ctx)
        return self.configured(ctx) if callable(self.configured) else self.configured


def _raise(ctx: Any) -> bool:
    raise RuntimeError("boom")


def cfg(data: dict[str, Any] | None = None) -> OpenClawConfig:
    return OpenClawConfig(data or {}, env={})


def ids(selections: list[Selection]) -> list[tuple[str, str | None, str]]:
    return [(s.provider_id, s.model, s.reason) for s in selections]


# -- speech --------------------------------------------------------------------------------------

SPEECH = {
    "local": FakeProvider(auto_select_order=1000, default_model="say"),
    "deepinfra": FakeProvider(
        auto_select_order=45, default_model="hexgrad/Kokoro-82M", aliases=["di"], default_timeout_ms=60000
    ),
    "openrouter": FakeProvider(auto_select_order=35, configured=False),
    "noorder": FakeProvider(),
    "broken": FakeProvider(auto_select_order=1, configured=_raise),
}


@pytest.mark.parametrize(
    ("data", "override", "expected"),
    [
        (
            {},
            None,
            [
                ("deepinfra", "hexgrad/Kokoro-82M", "auto"),
                ("local", "say", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
        (
            {"tts": {"provider": "local"}},
            None,
            [
                ("local", "say", "config"),
                ("deepinfra", "hexgrad/Kokoro-82M", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
        (
            {"messages": {"tts": {"provider": "noorder"}}},
            None,
            [
                ("noorder", None, "config"),
                ("deepinfra", "hexgrad/Kokoro-82M", "fallback"),
                ("local", "say", "fallback"),
            ],
        ),
        (
            {"tts": {"provider": "local"}},
            "DI",
            [
                ("deepinfra", "hexgrad/Kokoro-82M", "explicit"),
                ("local", "say", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
        # an explicit choice is honoured even when it reports not configured; it fails at call time
        (
            {},
            "openrouter",
            [
                ("openrouter", None, "explicit"),
                ("deepinfra", "hexgrad/Kokoro-82M", "fallback"),
                ("local", "say", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
        (
            {"tts": {"provider": "deepinfra", "providers": {"deepinfra": {"model": "other/tts"}}}},
            None,
            [
                ("deepinfra", "other/tts", "config"),
                ("local", "say", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
        (
            {
                "tts": {
                    "persona": "narrator",
                    "provider": "local",
                    "personas": {
                        "narrator": {
                            "provider": "deepinfra",
                            "providers": {"deepinfra": {"modelId": "p/voice"}},
                        }
                    },
                }
            },
            None,
            [
                ("deepinfra", "p/voice", "persona"),
                ("local", "say", "fallback"),
                ("noorder", None, "fallback"),
            ],
        ),
    ],
)
def test_select_speech(
    data: dict[str, Any], override: str | None, expected: list[tuple[str, str | None, str]]
) -> None:
    assert ids(select_speech(cfg(data), SPEECH, override=override)) == expected


def test_speech_raising_is_configured_is_logged_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="openclaw.selection"):
        result = select_speech(cfg(), {"broken": FakeProvider(configured=_raise)})
    assert result == []
    assert any("broken.is_configured raised" in r.getMessage() for r in caplog.records)


def test_speech_unknown_configured_provider_falls_back_to_auto(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="openclaw.selection"):
        result = select_speech(cfg({"tts": {"provider": "elevenlabs"}}), SPEECH)
    assert result[0].provider_id == "deepinfra" and result[0].reason == "auto"
    assert any("'elevenlabs' is not a registered speech provider" in r.getMessage() for r in caplog.records)


def test_speech_unknown_override_raises() -> None:
    with pytest.raises(HostError, match="speech provider 'nope' is not registered; registered: broken"):
        select_speech(cfg(), SPEECH, override="nope")


def test_speech_timeout_and_context() -> None:
    provider = FakeProvider(default_timeout_ms=60000)
    config = cfg({"tts": {"providers": {"deepinfra": {"voice": "af_bella"}}}})
    [sel] = select_speech(config, {"deepinfra": provider})
    assert sel.timeout_ms == 60000
    ctx = provider.seen[0]
    assert isinstance(ctx, ConfiguredContext)
    assert ctx.cfg is config and ctx.provider_config == {"voice": "af_bella"}
    [sel] = select_speech(cfg({"tts": {"timeoutMs": 5000}}), {"deepinfra": provider})
    assert sel.timeout_ms == 5000
    [sel] = select_speech(cfg(), {"x": FakeProvider()})
    assert sel.timeout_ms == 30000


def test_async_is_configured_counts_as_not_configured(caplog: pytest.LogCaptureFixture) -> None:
    class AsyncHook:
        async def is_configured(self, ctx: Any) -> bool:
            return True

    with caplog.at_level(logging.WARNING, logger="openclaw.selection"):
        assert call_hook_bool(AsyncHook(), "is_configured", None, provider_id="a") is False
    assert any("must be sync" in r.getMessage() for r in caplog.records)
    assert call_hook_bool(object(), "is_configured", None, provider_id="b") is False


def test_match_provider_and_providers_of() -> None:
    assert match_provider(SPEECH, "DeepInfra") == "deepinfra"
    assert match_provider(SPEECH, "di") == "deepinfra"
    assert match_provider(SPEECH, "x") is None
    registry = SimpleNamespace(
        registrations=lambda kind: {
            "deepinfra": SimpleNamespace(id="deepinfra", plugin_id="p", provider=kind)
        }
    )
    assert providers_of(registry, "speech-provider") == {"deepinfra": "speech-provider"}


# -- media understanding -------------------------------------------------------------------------

MEDIA = {
    "deepinfra": FakeProvider(
        capabilities=["image", "audio"],
        auto_priority={"audio": 30, "image": 50},
        default_models={"audio": "openai/whisper-large-v3-turbo", "image": "vlm"},
    ),
    "openai": FakeProvider(
        capabilities=["image", "audio", "video"], auto_priority=10, default_models={"audio": "whisper-1"}
    ),
    "offline": FakeProvider(capabilities=["audio"], configured=False),
    "flaky": FakeProvider(capabilities=["audio"], configured=_raise),
}


@pytest.mark.parametrize(
    ("data", "capability", "expected"),
    [
        (
            {},
            "audio",
            [("openai", "whisper-1", "auto"), ("deepinfra", "openai/whisper-large-v3-turbo", "auto")],
        ),
        ({}, "video", [("openai", None, "auto")]),
        (
            {
                "tools": {
                    "media": {
                        "models": [
                            {"provider": "deepinfra", "model": "a", "capabilities": ["audio"]},
                            {"provider": "openai", "model": "b"},
                            {"type": "cli", "command": "whisper"},
                            {"provider": "deepinfra", "model": "c", "capabilities": ["image"]},
                        ]
                    }
                }
            },
            "audio",
            [("deepinfra", "a", "config"), ("openai", "b", "config")],
        ),
        (
            {"tools": {"media": {"audio": {"models": [{"provider": "deepinfra", "model": "old"}]}}}},
            "audio",
            [("deepinfra", "old", "config")],
        ),
        (
            {"tools": {"media": {"audio": {"models": [{"provider": "deepinfra", "model": "old"}]}}}},
            "image",
            [("openai", None, "auto"), ("deepinfra", "vlm", "auto")],
        ),
        ({"tools": {"media": {"audio": {"enabled": False}}}}, "audio", []),
        (
            {
                "agents": {
                    "defaults": {"imageModel": {"primary": "deepinfra/Qwen/VL", "fallbacks": ["openai/gpt"]}}
                }
            },
            "image",
            [("deepinfra", "Qwen/VL", "image-model"), ("openai", "gpt", "image-model")],
        ),
    ],
)
def test_select_media_understanding(
    data: dict[str, Any], capability: Any, expected: list[tuple[str, str | None, str]]
) -> None:
    assert ids(select_media_understanding(cfg(data), MEDIA, capability)) == expected


def test_media_entry_options_timeout_and_unknown_provider(caplog: pytest.LogCaptureFixture) -> None:
    data = {
        "tools": {
            "media": {
                "models": [
                    {"provider": "ghost", "model": "x"},
                    {
                        "provider": "deepinfra",
                        "model": "a",
                        "prompt": "Transcribe",
                        "timeoutSeconds": 12,
                        "maxChars": 500,
                    },
                ]
            }
        }
    }
    with caplog.at_level(logging.WARNING, logger="openclaw.selection"):
        [sel] = select_media_understanding(cfg(data), MEDIA, "audio")
    assert sel.options == {"prompt": "Transcribe", "timeoutSeconds": 12, "maxChars": 500}
    assert sel.timeout_ms == 12000
    assert any("'ghost' is not registered" in r.getMessage() for r in caplog.records)


def test_media_active_model_and_injected_auth() -> None:
    result = select_media_understanding(
        cfg(), MEDIA, "image", active_model="openai/gpt-4o", is_authenticated=lambda pid: pid == "deepinfra"
    )
    assert ids(result) == [("openai", "gpt-4o", "active-model"), ("deepinfra", "vlm", "auto")]


def test_media_resolve_auth_hook_preferred() -> None:
    class WithAuth:
        capabilities = ("audio",)

        def __init__(self, answer: Any) -> None:
            self.answer = answer

        def resolve_auth(self, ctx: Any) -> Any:
            assert ctx.config is ctx.cfg and ctx.provider in ("a", "b")
            return self.answer

    result = select_media_understanding(
        cfg(), {"a": WithAuth({"kind": "api-key"}), "b": WithAuth(None)}, "audio"
    )
    assert ids(result) == [("a", None, "auto")]


# -- image / video generation --------------------------------------------------------------------

GEN = {
    "openai": FakeProvider(default_model="gpt-image-1", default_timeout_ms=90000),
    "deepinfra": FakeProvider(default_model="black-forest-labs/FLUX-1-schnell", aliases=["di"]),
    "fal": FakeProvider(default_model="flux", configured=False),
    "zzz": FakeProvider(default_model="z", configured=_raise),
}


@pytest.mark.parametrize(
    ("data", "kwargs", "expected"),
    [
        (
            {},
            {},
            [("deepinfra", "black-forest-labs/FLUX-1-schnell", "auto"), ("openai", "gpt-image-1", "auto")],
        ),
        (
            {},
            {"default_provider": "openai"},
            [("openai", "gpt-image-1", "auto"), ("deepinfra", "black-forest-labs/FLUX-1-schnell", "auto")],
        ),
        (
            {"agents": {"defaults": {"model": "openai/gpt-5"}}},
            {},
            [("openai", "gpt-image-1", "auto"), ("deepinfra", "black-forest-labs/FLUX-1-schnell", "auto")],
        ),
        ({}, {"model": "fal/some/model"}, [("fal", "some/model", "explicit")]),
        ({}, {"model": "DI/x"}, [("deepinfra", "x", "explicit")]),
        (
            {
                "agents": {
                    "defaults": {"mediaModels": {"image": {"primary": "fal/a", "fallbacks": ["deepinfra/b"]}}}
                }
            },
            {},
            [
                ("fal", "a", "config"),
                ("deepinfra", "b", "config-fallback"),
                ("openai", "gpt-image-1", "auto"),
            ],
        ),
        (
            {"agents": {"defaults": {"imageGenerationModel": "deepinfra/old"}}},
            {},
            [("deepinfra", "old", "config"), ("openai", "gpt-image-1", "auto")],
        ),
    ],
)
def test_select_image_generation(
    data: dict[str, Any], kwargs: dict[str, Any], expected: list[tuple[str, str | None, str]]
) -> None:
    assert ids(select_generation(cfg(data), GEN, "image", **kwargs)) == expected


def test_video_generation_uses_video_key_and_timeouts() -> None:
    data = {
        "agents": {"defaults": {"videoGenerationModel": {"primary": "deepinfra/Wan", "timeoutMs": 600000}}}
    }
    result = select_generation(cfg(data), GEN, "video")
    assert [(s.provider_id, s.model, s.timeout_ms) for s in result] == [
        ("deepinfra", "Wan", 600000),
        ("openai", "gpt-image-1", 600000),
    ]
    result = select_generation(cfg(), GEN, "video", timeout_ms=1000)
    assert {s.timeout_ms for s in result} == {1000}
    result = select_generation(cfg(), GEN, "video")
    assert [(s.provider_id, s.timeout_ms) for s in result] == [("deepinfra", None), ("openai", 90000)]


def test_generation_errors(caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(ModelRefError, match="no image-generation provider 'ghost'"):
        select_generation(cfg(), GEN, "image", model="ghost/x")
    with pytest.raises(ConfigError, match=r"agents\.defaults\.mediaModels\.image"):
        select_generation(
            cfg({"agents": {"defaults": {"mediaModels": {"image": "no-provider"}}}}), GEN, "image"
        )
    with caplog.at_level(logging.WARNING, logger="openclaw.selection"):
        result = select_generation(
            cfg({"agents": {"defaults": {"mediaModels": {"image": "ghost/x"}}}}), GEN, "image"
        )
    assert [s.reason for s in result] == ["auto", "auto"]
    assert any("'ghost/x' names no registered" in r.getMessage() for r in caplog.records)


# -- embeddings ----------------------------------------------------------------------------------

ADAPTERS = {
    "deepinfra": FakeProvider(default_model="BAAI/bge-m3"),
    "openai": FakeProvider(default_model="te-3"),
}


@pytest.mark.parametrize(
    ("data", "adapters", "agent", "expected"),
    [
        ({}, ADAPTERS, None, EmbeddingSelection("openai", "te-3", "default")),
        (
            {"memory": {"search": {"provider": "auto"}}},
            ADAPTERS,
            None,
            EmbeddingSelection("openai", "te-3", "config"),
        ),
        (
            {"memory": {"search": {"provider": "none"}}},
            ADAPTERS,
            None,
            EmbeddingSelection(None, None, "none"),
        ),
        (
            {"memory": {"search": {"enabled": False, "provider": "deepinfra"}}},
            ADAPTERS,
            None,
            EmbeddingSelection(None, None, "disabled"),
        ),
        (
            {"memory": {"search": {"provider": "DeepInfra", "model": "Qwen/Qwen3-Embedding-8B"}}},
            ADAPTERS,
            None,
            EmbeddingSelection("deepinfra", "Qwen/Qwen3-Embedding-8B", "config"),
        ),
        (
            {"agents": {"defaults": {"memorySearch": {"provider": "deepinfra"}}}},
            ADAPTERS,
            None,
            EmbeddingSelection("deepinfra", "BAAI/bge-m3", "config"),
        ),
        (
            {
                "memory": {"search": {"provider": "openai"}},
                "agents": {"entries": {"a": {"memory": {"search": {"provider": "deepinfra"}}}}},
            },
            ADAPTERS,
            "a",
            EmbeddingSelection("deepinfra", "BAAI/bge-m3", "config"),
        ),
        (
            {
                "memory": {"search": {"provider": "myproxy"}},
                "models": {"providers": {"myproxy": {"api": "openai-completions"}}},
            },
            ADAPTERS,
            None,
            EmbeddingSelection("openai", "te-3", "custom-provider", config_provider="myproxy"),
        ),
        (
            {"memory": {"search": {"provider": "voyage", "fallback": "deepinfra"}}},
            ADAPTERS,
            None,
            EmbeddingSelection("deepinfra", "BAAI/bge-m3", "fallback", fallback="deepinfra"),
        ),
        (
            {},
            {"deepinfra": ADAPTERS["deepinfra"]},
            None,
            EmbeddingSelection(None, None, "default-unavailable"),
        ),
    ],
)
def test_select_embedding(
    data: dict[str, Any], adapters: dict[str, object], agent: str | None, expected: EmbeddingSelection
) -> None:
    result = select_embedding(cfg(data), adapters, agent_id=agent)
    assert result == expected


@pytest.mark.parametrize("fallback", [None, "none", "ghost"])
def test_explicit_unavailable_embedding_fails_closed(fallback: str | None) -> None:
    search: dict[str, Any] = {"provider": "voyage"}
    if fallback:
        search["fallback"] = fallback
    with pytest.raises(ConfigError, match=r"memory\.search\.provider 'voyage' is not available"):
        select_embedding(cfg({"memory": {"search": search}}), ADAPTERS)


# -- text ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "kwargs", "expected"),
    [
        ({}, {}, []),
        (
            {"agents": {"defaults": {"model": "deepinfra/deepseek-ai/DeepSeek-V4-Flash"}}},
            {},
            [("deepinfra", "deepseek-ai/DeepSeek-V4-Flash", "config")],
        ),
        (
            {
                "agents": {
                    "defaults": {
                        "model": {"primary": "deepinfra/a/B", "fallbacks": ["openai/gpt-5", "Fast"]},
                        "models": {"deepinfra/fast/Model": {"alias": "fast"}},
                    }
                }
            },
            {},
            [
                ("deepinfra", "a/B", "config"),
                ("openai", "gpt-5", "config-fallback"),
                ("deepinfra", "fast/Model", "config-fallback"),
            ],
        ),
        (
            {"agents": {"defaults": {"model": {"primary": "deepinfra/a/B", "fallbacks": ["openai/gpt-5"]}}}},
            {"model": "deepinfra/picked/Model"},
            [("deepinfra", "picked/Model", "explicit")],
        ),
        (
            {
                "agents": {
                    "defaults": {"model": "deepinfra/a/B"},
                    "list": [{"id": "coder", "model": "openai/o3"}],
                }
            },
            {"agent_id": "coder"},
            [("openai", "o3", "config")],
        ),
        (
            {"agents": {"defaults": {"model": "deepinfra/a/B"}}},
            {"agent_id": "other"},
            [("deepinfra", "a/B", "config")],
        ),
    ],
)
def test_select_text(
    data: dict[str, Any], kwargs: dict[str, Any], expected: list[tuple[str, str, str]]
) -> None:
    assert ids(select_text(cfg(data), **kwargs)) == expected


def test_select_text_bad_config_ref_names_key() -> None:
    with pytest.raises(ConfigError, match=r"agents\.defaults\.model: model 'nowhere'"):
        select_text(cfg({"agents": {"defaults": {"model": "nowhere"}}}))
    with pytest.raises(ConfigError, match=r"agents\.defaults\.model must be a model ref"):
        select_text(cfg({"agents": {"defaults": {"model": 3}}}))
