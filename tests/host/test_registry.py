"""PluginRegistry: discovery, enablement, registration rules (host-contracts §1, §2.3), lifecycle."""

from __future__ import annotations

import importlib
import logging
import sys
import textwrap
import uuid
from collections.abc import Callable, Iterator
from importlib.metadata import EntryPoint
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host.api import PluginApi
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.image import ImageEditCapabilities, ImageGenerationProviderCapabilities
from openclaw_deepinfra.host.contracts.video import VideoGenerationProviderCapabilities
from openclaw_deepinfra.host.hookspecs import hookimpl
from openclaw_deepinfra.host.manifest import PluginManifest, parse_manifest
from openclaw_deepinfra.host.registry import PluginRegistry

ALL_CONTRACTS = {
    "embeddingProviders": ["p"],
    "speechProviders": ["p"],
    "mediaUnderstandingProviders": ["p"],
    "imageGenerationProviders": ["p"],
    "videoGenerationProviders": ["p"],
}

# -- fakes -----------------------------------------------------------------------------------------


class Text:
    label = "Text"
    auth: tuple[Any, ...] = ()

    def __init__(self, id: Any = "p") -> None:
        self.id = id


class Speech:
    label = "Speech"

    def __init__(self, id: Any = "p", aliases: tuple[str, ...] = ()) -> None:
        self.id = id
        self.aliases = aliases

    def is_configured(self, ctx: Any) -> bool:
        return True

    async def synthesize(self, req: Any) -> Any:
        return None


class Media:
    capabilities: tuple[str, ...] = ("image", "audio")

    def __init__(self, id: Any = "p") -> None:
        self.id = id

    async def describe_image(self, req: Any) -> Any:
        return None

    async def transcribe_audio(self, req: Any) -> Any:
        return None


class Image:
    capabilities = ImageGenerationProviderCapabilities(edit=ImageEditCapabilities(enabled=True))

    def __init__(self, id: Any = "p") -> None:
        self.id = id

    async def generate_image(self, req: Any) -> Any:
        return None


class Video:
    capabilities = VideoGenerationProviderCapabilities()

    def __init__(self, id: Any = "p") -> None:
        self.id = id

    async def generate_video(self, req: Any) -> Any:
        return None


class Embedding:
    def __init__(self, id: Any = "p") -> None:
        self.id = id

    async def create(self, opts: Any) -> Any:
        return None


class Catalog:
    def __init__(self, id: Any = "p", kinds: tuple[Any, ...] = ("text",)) -> None:
        self.provider = id
        self.kinds = kinds


KINDS: dict[str, tuple[str, Callable[..., Any]]] = {
    "provider": ("register_provider", Text),
    "model-catalog-provider": ("register_model_catalog_provider", Catalog),
    "speech-provider": ("register_speech_provider", Speech),
    "media-understanding-provider": ("register_media_understanding_provider", Media),
    "image-generation-provider": ("register_image_generation_provider", Image),
    "video-generation-provider": ("register_video_generation_provider", Video),
    "embedding-provider": ("register_embedding_provider", Embedding),
}


def register(api: PluginApi, kind: str, provider: object) -> None:
    getattr(api, KINDS[kind][0])(provider)


def manifest(plugin_id: str = "p", **extra: Any) -> PluginManifest:
    data: dict[str, Any] = {
        "id": plugin_id,
        "configSchema": {},
        "providers": ["p"],
        "contracts": ALL_CONTRACTS,
    }
    data.update(extra)
    return parse_manifest(data)


def make_registry(config: dict[str, Any] | None = None, **kwargs: Any) -> PluginRegistry:
    return PluginRegistry(OpenClawConfig(config or {}, env={}), **kwargs)


def load(reg: PluginRegistry, fn: Callable[[PluginApi], Any], plugin_id: str = "p", **extra: Any) -> Any:
    return reg.load_plugin(plugin_id, fn, manifest(plugin_id, **extra), f"test:{plugin_id}")


def messages(reg: PluginRegistry, level: str | None = None) -> list[str]:
    return [d.message for d in reg.diagnostics if level is None or d.level == level]


# -- registration rules ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_registers_and_is_recorded(kind: str) -> None:
    reg = make_registry()
    provider = KINDS[kind][1]()
    record = load(reg, lambda api: register(api, kind, provider))
    assert record.status == "loaded"
    assert messages(reg) == []
    key = "p:text" if kind == "model-catalog-provider" else "p"
    assert reg.get(kind, key) is provider
    assert reg.registrations(kind)[key].plugin_id == "p"
    assert record.registrations == [(kind, "p")]


@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("bad_id", [None, "", "   "])
def test_missing_id_is_an_error_and_dropped(kind: str, bad_id: Any) -> None:
    reg = make_registry()

    def plugin(api: PluginApi) -> None:
        register(api, kind, KINDS[kind][1](bad_id))
        api.register_speech_provider(Speech("later"))

    record = load(reg, plugin, contracts={"speechProviders": ["later"]})
    assert f"{kind} registration missing id" in messages(reg, "error")
    assert record.status == "loaded"  # the plugin keeps loading
    assert reg.get("speech-provider", "later") is not None
    assert (kind, "") not in record.registrations


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "model-catalog-provider"])
def test_duplicate_id_first_wins(kind: str) -> None:
    reg = make_registry()
    first, second = KINDS[kind][1](), KINDS[kind][1]()
    load(
        reg,
        lambda api: register(api, kind, first),
        plugin_id="first",
        contracts={k: ["p"] for k in ALL_CONTRACTS},
    )
    record = load(
        reg,
        lambda api: register(api, kind, second),
        plugin_id="second",
        contracts={k: ["p"] for k in ALL_CONTRACTS},
    )
    assert messages(reg, "error") == [f"{kind} already registered: p (first)"]
    assert reg.get(kind, "p") is first
    assert record.status == "loaded" and record.registrations == []


def test_model_catalog_providers_are_keyed_by_provider_and_kind() -> None:
    reg = make_registry()

    def plugin(api: PluginApi) -> None:
        api.register_model_catalog_provider(Catalog("p", ("text",)))
        api.register_model_catalog_provider(Catalog("p", ("image_generation", "video_generation")))
        api.register_model_catalog_provider(Catalog("p", ("video_generation",)))
        api.register_model_catalog_provider(Catalog("p", ()))
        api.register_model_catalog_provider(Catalog("p", ("pictures",)))

    load(reg, plugin)
    assert set(reg.registrations("model-catalog-provider")) == {
        "p:text",
        "p:image_generation",
        "p:video_generation",
    }
    text_catalog = reg.get("model-catalog-provider", "p:text")
    assert text_catalog is not None and list(getattr(text_catalog, "kinds", ())) == ["text"]
    assert reg.get("model-catalog-provider", "p") is text_catalog  # provider id alone: first registered
    assert messages(reg, "error") == [
        "model-catalog-provider already registered: p:video_generation (p)",
        "model-catalog-provider registration p needs a non-empty list of kinds",
        "model-catalog-provider registration p has unknown kinds: pictures",
    ]


def test_embedding_adapter_must_be_declared() -> None:
    reg = make_registry()
    load(reg, lambda api: api.register_embedding_provider(Embedding("p")), contracts={})
    assert messages(reg, "error") == ["plugin must declare contracts.embeddingProviders for adapter: p"]
    assert reg.registrations("embedding-provider") == {}


@pytest.mark.parametrize(
    ("kind", "contract"),
    [
        ("speech-provider", "contracts.speechProviders"),
        ("media-understanding-provider", "contracts.mediaUnderstandingProviders"),
        ("image-generation-provider", "contracts.imageGenerationProviders"),
        ("video-generation-provider", "contracts.videoGenerationProviders"),
        ("provider", "providers"),
    ],
)
def test_undeclared_surface_is_a_warning_but_registered(kind: str, contract: str) -> None:
    reg = make_registry()
    provider = KINDS[kind][1]()
    load(reg, lambda api: register(api, kind, provider), contracts={}, providers=[])
    assert messages(reg, "error") == []
    (warning,) = messages(reg, "warning")
    assert warning.startswith(f"{kind} p is not declared in the manifest ({contract})")
    assert reg.get(kind, "p") is provider


@pytest.mark.parametrize("kind", [k for k in KINDS if k not in ("provider", "model-catalog-provider")])
def test_object_not_satisfying_its_protocol_is_dropped(kind: str) -> None:
    class IdOnly:
        id = "p"

    reg = make_registry()
    load(reg, lambda api: register(api, kind, IdOnly()))
    (error,) = messages(reg, "error")
    assert error.startswith(f"{kind} registration p does not implement ")
    assert reg.registrations(kind) == {}


@pytest.mark.parametrize(
    ("capabilities", "problem"),
    [
        (("video",), "declares video but has no describe_video"),
        (("smell",), "has unknown capabilities: smell"),
        ("image", "needs capabilities as a list of image/audio/video"),
    ],
)
def test_media_capabilities_must_match_hooks(capabilities: Any, problem: str) -> None:
    media = Media("p")
    media.capabilities = capabilities
    reg = make_registry()
    load(reg, lambda api: api.register_media_understanding_provider(media))  # type: ignore[arg-type]
    assert messages(reg, "error") == [f"media-understanding-provider registration p {problem}"]
    assert reg.registrations("media-understanding-provider") == {}


def test_protocol_error_names_the_missing_members() -> None:
    class NoSynth:
        id = "p"
        label = "x"

    reg = make_registry()
    load(reg, lambda api: api.register_speech_provider(NoSynth()))  # type: ignore[arg-type]
    assert messages(reg, "error") == [
        "speech-provider registration p does not implement SpeechProvider: missing is_configured, synthesize"
    ]


def test_register_raising_isolates_the_plugin(caplog: pytest.LogCaptureFixture) -> None:
    reg = make_registry()

    def broken(api: PluginApi) -> None:
        api.register_speech_provider(Speech("p"))
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR, logger="openclaw.plugins"):
        bad = load(reg, broken, plugin_id="bad")
        good = load(reg, lambda api: api.register_speech_provider(Speech("p")), plugin_id="good")
    assert "[plugins] bad failed during register from test:bad: boom" in caplog.messages
    assert bad.status == "error" and bad.error == "plugin failed during register: boom"
    assert "plugin failed during register: boom" in messages(reg, "error")
    assert good.status == "loaded"
    assert reg.registrations("speech-provider")["p"].plugin_id == "good"


def test_async_register_is_ignored_and_closed() -> None:
    reg = make_registry()
    ran: list[bool] = []

    async def later(api: PluginApi) -> None:
        ran.append(True)
        api.register_speech_provider(Speech("late"))

    def plugin(api: PluginApi) -> Any:
        api.register_speech_provider(Speech("p"))
        return later(api)

    record = load(reg, plugin)  # an unclosed coroutine would raise under filterwarnings=error at gc
    assert messages(reg, "warning") == ["plugin register returned a promise; async registration is ignored"]
    assert record.status == "loaded"
    assert set(reg.registrations("speech-provider")) == {"p"}
    assert ran == []


def test_registration_after_register_returned_is_ignored() -> None:
    reg = make_registry()
    captured: list[PluginApi] = []
    load(reg, captured.append)
    captured[0].register_speech_provider(Speech("p"))
    assert reg.registrations("speech-provider") == {}
    assert messages(reg, "warning") == ["speech-provider registered after register returned; ignored: p"]


@pytest.mark.parametrize(
    ("mode", "registered"),
    [
        ("full", True),
        ("discovery", True),
        ("tool-discovery", True),
        ("setup-only", False),
        ("cli-metadata", False),
    ],
)
def test_providers_register_only_in_provider_modes(mode: str, registered: bool) -> None:
    reg = make_registry(registration_mode=mode)
    seen: list[str] = []

    def plugin(api: PluginApi) -> None:
        seen.append(api.registration_mode)
        api.register_speech_provider(Speech("p"))

    load(reg, plugin)
    assert seen == [mode]
    assert bool(reg.registrations("speech-provider")) is registered


def test_legacy_memory_embedding_registration(caplog: pytest.LogCaptureFixture) -> None:
    reg = make_registry()
    with caplog.at_level(logging.WARNING):
        load(
            reg,
            lambda api: api.register_memory_embedding_provider(Embedding("p")),
            contracts={"memoryEmbeddingProviders": ["p"]},
        )
    assert any("register_memory_embedding_provider is deprecated" in m for m in caplog.messages)
    assert reg.get("embedding-provider", "p") is not None
    assert messages(reg, "error") == []


def test_legacy_memory_embedding_registration_needs_a_contract() -> None:
    reg = make_registry()
    load(reg, lambda api: api.register_memory_embedding_provider(Embedding("p")), contracts={})
    assert messages(reg, "error") == ["plugin must declare contracts.embeddingProviders for adapter: p"]


# -- entry shapes, api fields -----------------------------------------------------------------------


class HookEntry:
    id = "p"
    name = "Hook"
    description = "hookimpl entry"

    @hookimpl
    def register(self, api: PluginApi) -> None:
        api.register_speech_provider(Speech("p"))


class LegacyRegister:
    id = "p"

    def register(self, api: PluginApi) -> None:
        api.register_speech_provider(Speech("p"))


class LegacyActivate:
    def activate(self, api: PluginApi) -> None:
        api.register_speech_provider(Speech("p"))


def bare_register(api: PluginApi) -> None:
    api.register_speech_provider(Speech("p"))


@pytest.mark.parametrize(
    "entry",
    [HookEntry(), LegacyRegister(), LegacyActivate(), bare_register],
    ids=["hookimpl", "register", "activate", "function"],
)
def test_entry_shapes(entry: object) -> None:
    reg = make_registry()
    record = reg.load_plugin("p", entry, manifest(), "test")
    assert record.status == "loaded"
    assert set(reg.registrations("speech-provider")) == {"p"}


def test_loading_the_same_plugin_id_twice_keeps_the_first() -> None:
    reg = make_registry()
    first = reg.load_plugin("p", HookEntry(), manifest(), "first")
    again = reg.load_plugin("p", LegacyRegister(), manifest(), "second")
    assert again is first and first.status == "loaded"
    assert messages(reg, "error") == ["plugin p already loaded from first; ignored second"]


def test_entry_without_register_is_an_error() -> None:
    reg = make_registry()
    record = reg.load_plugin("p", object(), manifest(), "test")
    assert record.status == "error" and "has no register(api)" in (record.error or "")


def test_entry_id_mismatch_is_a_warning() -> None:
    reg = make_registry()
    record = reg.load_plugin("other", HookEntry(), manifest("other"), "test")
    assert record.status == "loaded"
    assert messages(reg, "warning") == ["plugin id mismatch: manifest id 'other', entry id 'p'"]


def test_each_plugin_gets_its_own_api() -> None:
    reg = make_registry({"plugins": {"entries": {"a": {"config": {"x": 1}}}}})
    apis: dict[str, PluginApi] = {}
    for pid in ("a", "b"):
        load(reg, lambda api: apis.__setitem__(api.id, api), plugin_id=pid)
    assert apis["a"] is not apis["b"]
    assert apis["a"].plugin_config == {"x": 1}
    assert apis["b"].plugin_config is None
    assert apis["a"].logger.name == "openclaw.plugins.a"
    assert apis["a"].source == "test:a"


def test_resolve_path_is_relative_to_the_plugin_root(tmp_path: Path) -> None:
    reg = make_registry()
    apis: list[PluginApi] = []
    reg.load_plugin("p", apis.append, manifest(), "test", root_dir=tmp_path)
    assert apis[0].resolve_path("data/x.toml") == (tmp_path / "data" / "x.toml").resolve()
    assert apis[0].resolve_path("/abs/file") == Path("/abs/file")


def test_get_resolves_aliases_case_insensitively() -> None:
    reg = make_registry()
    speech = Speech("p", aliases=("p-tts",))
    load(reg, lambda api: api.register_speech_provider(speech))
    assert reg.get("speech-provider", "P-TTS") is speech
    assert reg.get("speech-provider", "missing") is None
    with pytest.raises(KeyError, match="unknown registration kind"):
        reg.registrations("music-provider")


async def test_aclose_closes_each_registered_object_once() -> None:
    closed: list[str] = []

    class AsyncClosing(Speech):
        async def aclose(self) -> None:
            closed.append(f"aclose:{self.id}")

    class SyncClosing(Embedding):
        def close(self) -> None:
            closed.append(f"close:{self.id}")

    class Failing(Speech):
        def close(self) -> None:
            raise RuntimeError("close failed")

    shared = AsyncClosing("p")
    reg = make_registry()

    def plugin(api: PluginApi) -> None:
        api.register_speech_provider(shared)
        api.register_embedding_provider(SyncClosing("p"))
        api.register_speech_provider(Failing("q"))

    load(reg, plugin, contracts={"speechProviders": ["p", "q"], "embeddingProviders": ["p"]})
    await reg.aclose()
    assert sorted(closed) == ["aclose:p", "close:p"]


# -- discovery through entry points -----------------------------------------------------------------

PLUGIN_TOML = """
id = "{id}"
providers = ["p"]
{extra}
[configSchema]
type = "object"
[contracts]
speechProviders = ["p"]
"""

HOOK_PLUGIN = """
from openclaw_deepinfra.host.hookspecs import hookimpl
IMPORTED = True

class Speech:
    id = "p"
    label = "P"
    def is_configured(self, ctx):
        return True
    async def synthesize(self, req):
        return None

class Entry:
    id = "{id}"
    name = "Demo"
    description = "demo plugin"
    @hookimpl
    def register(self, api):
        api.register_speech_provider(Speech())

entry = Entry()
"""


@pytest.fixture
def plugin_factory(tmp_path: Path) -> Iterator[Callable[..., EntryPoint]]:
    sys.path.insert(0, str(tmp_path))
    before = set(sys.modules)

    def make(
        plugin_id: str,
        *,
        code: str = HOOK_PLUGIN,
        manifest_text: str | None = PLUGIN_TOML,
        ep_name: str | None = None,
        extra: str = "",
    ) -> EntryPoint:
        package = f"ocplug_{uuid.uuid4().hex[:8]}"
        pkg_dir = tmp_path / package
        pkg_dir.mkdir()
        (pkg_dir / "__init__.py").write_text(textwrap.dedent(code).replace("{id}", plugin_id))
        if manifest_text is not None:
            (pkg_dir / "plugin.toml").write_text(manifest_text.format(id=plugin_id, extra=extra))
        importlib.invalidate_caches()
        return EntryPoint(name=ep_name or plugin_id, value=f"{package}:entry", group="openclaw.plugins")

    try:
        yield make
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            del sys.modules[name]
        importlib.invalidate_caches()


def imported(ep: EntryPoint) -> bool:
    return ep.module in sys.modules


def test_discovers_and_loads_entry_points(plugin_factory: Callable[..., EntryPoint]) -> None:
    ep = plugin_factory("demo")
    reg = make_registry()
    reg.load([ep])
    record = reg.records["demo"]
    assert record.status == "loaded", record.error
    assert record.manifest is not None and record.manifest.id == "demo"
    assert record.root_dir is not None and (record.root_dir / "plugin.toml").is_file()
    assert record.registrations == [("speech-provider", "p")]
    assert reg.get("speech-provider", "p") is not None
    assert messages(reg) == []


def test_default_discovery_reads_the_entry_point_group(
    plugin_factory: Callable[..., EntryPoint], monkeypatch: pytest.MonkeyPatch
) -> None:
    ep = plugin_factory("demo")
    groups: list[str] = []

    def fake_entry_points(*, group: str) -> list[EntryPoint]:
        groups.append(group)
        return [ep]

    monkeypatch.setattr("openclaw_deepinfra.host.registry.entry_points", fake_entry_points)
    reg = make_registry()
    reg.load()
    assert groups == ["openclaw.plugins"]
    assert reg.records["demo"].status == "loaded"


@pytest.mark.parametrize(
    ("manifest_text", "needle"),
    [
        (None, "no plugin.toml found"),
        ('id = "demo"\n', "configSchema: required key missing"),
    ],
)
def test_bad_or_missing_manifest_fails_before_import(
    plugin_factory: Callable[..., EntryPoint], manifest_text: str | None, needle: str
) -> None:
    ep = plugin_factory("demo", manifest_text=manifest_text)
    reg = make_registry()
    reg.load([ep])
    assert reg.records["demo"].status == "error"
    assert needle in (reg.records["demo"].error or "")
    assert not imported(ep)


def test_manifest_id_mismatch_with_entry_point_name_is_a_warning(
    plugin_factory: Callable[..., EntryPoint],
) -> None:
    ep = plugin_factory("demo", ep_name="demo-plugin")
    reg = make_registry()
    reg.load([ep])
    assert reg.records["demo"].status == "loaded"
    assert messages(reg, "warning") == [
        "plugin id mismatch: manifest id 'demo', entry point name 'demo-plugin'"
    ]


@pytest.mark.parametrize(
    ("config", "extra", "reason"),
    [
        ({"plugins": {"deny": ["demo"], "allow": ["demo"]}}, "", "listed in plugins.deny"),
        ({"plugins": {"allow": ["other"]}}, "", "not listed in plugins.allow"),
        ({"plugins": {"entries": {"demo": {"enabled": False}}}}, "", "plugins.entries.demo.enabled is false"),
        ({}, "enabledByDefault = false", "not enabled by default"),
    ],
    ids=["deny-wins", "allow-exclusive", "entry-disabled", "off-by-default"],
)
def test_disabled_plugins_are_not_imported(
    plugin_factory: Callable[..., EntryPoint], config: dict[str, Any], extra: str, reason: str
) -> None:
    ep = plugin_factory("demo", extra=extra)
    reg = make_registry(config)
    reg.load([ep])
    record = reg.records["demo"]
    assert record.status == "disabled"
    assert reason in (record.error or "")
    assert not imported(ep)


def test_enabled_entry_overrides_off_by_default(plugin_factory: Callable[..., EntryPoint]) -> None:
    ep = plugin_factory("demo", extra="enabledByDefault = false")
    reg = make_registry({"plugins": {"allow": ["demo"], "entries": {"demo": {"enabled": True}}}})
    reg.load([ep])
    assert reg.records["demo"].status == "loaded"


def test_missing_runtime_dependency_is_actionable(plugin_factory: Callable[..., EntryPoint]) -> None:
    ep = plugin_factory("demo", code="import no_such_dependency_xyz\nentry = None\n")
    good = plugin_factory("good")
    reg = make_registry()
    reg.load([ep, good])
    error = reg.records["demo"].error or ""
    assert reg.records["demo"].status == "error"
    assert "missing dependency 'no_such_dependency_xyz'" in error
    assert "pip install no_such_dependency_xyz" in error
    assert reg.records["good"].status == "loaded"


def test_import_time_crash_is_an_error_record(plugin_factory: Callable[..., EntryPoint]) -> None:
    ep = plugin_factory("demo", code="raise ValueError('bad import')\n")
    reg = make_registry()
    reg.load([ep])
    assert reg.records["demo"].status == "error"
    assert "failed to import" in (reg.records["demo"].error or "")


def test_stale_config_entries_and_config_of_disabled_plugins_warn(
    plugin_factory: Callable[..., EntryPoint],
) -> None:
    ep = plugin_factory("demo")
    reg = make_registry(
        {"plugins": {"deny": ["ghost"], "entries": {"demo": {"enabled": False, "config": {"a": 1}}}}}
    )
    reg.load([ep])
    assert sorted(messages(reg, "warning")) == [
        "config set for a disabled plugin is ignored",
        "stale config entry ignored: plugins.deny ghost",
    ]


def test_same_plugin_id_twice_keeps_the_first(plugin_factory: Callable[..., EntryPoint]) -> None:
    first, second = plugin_factory("demo"), plugin_factory("demo")
    reg = make_registry()
    reg.load([first, second])
    assert reg.records["demo"].source.endswith(first.value)
    assert any("already loaded" in m for m in messages(reg, "error"))
    assert not imported(second)
