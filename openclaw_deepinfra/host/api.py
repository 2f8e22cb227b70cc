"""The ``api`` object handed to one plugin's ``register(api)``.

Each ``register_*`` checks what only this plugin can know (id present, the provider object has the
contract's required members, the manifest declares it) and hands the rest to the registry's
``diagnose`` and ``add_registration`` (duplicates across plugins, recording).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias, get_args

from pydantic.alias_generators import to_snake

from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig

# The Protocols and constants only (not the contract modules' pydantic models): registration must
# not define every surface's request/result classes before any provider is called.
from openclaw_deepinfra.host.contracts.protocols import (
    MEDIA_CAPABILITIES,
    MEDIA_METHOD_BY_CAPABILITY,
    MODEL_CATALOG_KINDS,
    EmbeddingProviderAdapter,
    ImageGenerationProvider,
    MediaUnderstandingProvider,
    MemoryEmbeddingProviderAdapter,
    SpeechProvider,
    TextProvider,
    UnifiedModelCatalogProvider,
    VideoGenerationProvider,
)
from openclaw_deepinfra.host.manifest import PluginManifest

if TYPE_CHECKING:
    from openclaw_deepinfra.host.registry import PluginRegistry

RegistrationKind: TypeAlias = Literal[
    "provider",
    "model-catalog-provider",
    "speech-provider",
    "media-understanding-provider",
    "image-generation-provider",
    "video-generation-provider",
    "embedding-provider",
]
REGISTRATION_KINDS: tuple[RegistrationKind, ...] = get_args(RegistrationKind)
RegistrationMode: TypeAlias = Literal[
    "full", "discovery", "tool-discovery", "setup-only", "setup-runtime", "cli-metadata"
]
PROVIDER_REGISTRATION_MODES: frozenset[str] = frozenset({"full", "discovery", "tool-discovery"})
"""Modes in which provider registrations count; in the others they are silently skipped."""

DiagnosticLevel: TypeAlias = Literal["error", "warning"]


@dataclass(frozen=True)
class Diagnostic:
    level: DiagnosticLevel
    plugin_id: str
    message: str


@dataclass(frozen=True)
class Registration:
    kind: RegistrationKind
    id: str
    plugin_id: str
    provider: object


def _catalog_kinds_problem(obj: object) -> str | None:
    kinds = getattr(obj, "kinds", ())
    if isinstance(kinds, str) or not isinstance(kinds, Sequence) or not kinds:
        return "needs a non-empty list of kinds"
    unknown = [k for k in kinds if k not in MODEL_CATALOG_KINDS]
    return f"has unknown kinds: {', '.join(map(str, unknown))}" if unknown else None


def _media_problem(obj: object) -> str | None:
    capabilities = getattr(obj, "capabilities", ())
    if isinstance(capabilities, str) or not isinstance(capabilities, Sequence):
        return "needs capabilities as a list of image/audio/video"
    unknown = [c for c in capabilities if c not in MEDIA_CAPABILITIES]
    if unknown:
        return f"has unknown capabilities: {', '.join(map(str, unknown))}"
    for capability in capabilities:
        hooks = MEDIA_METHOD_BY_CAPABILITY[capability]
        if not any(callable(getattr(obj, hook, None)) for hook in hooks):
            return f"declares {capability} but has no {' or '.join(hooks)}"
    return None


@dataclass(frozen=True)
class _KindRule:
    protocol: type
    contract: str | None  # manifest key that declares the id; "providers" is top level
    id_attr: str = "id"
    check: Callable[[object], str | None] | None = None  # what the Protocol's types cannot say


_RULES: dict[RegistrationKind, _KindRule] = {
    "provider": _KindRule(TextProvider, "providers"),
    "model-catalog-provider": _KindRule(
        UnifiedModelCatalogProvider, None, id_attr="provider", check=_catalog_kinds_problem
    ),
    "speech-provider": _KindRule(SpeechProvider, "contracts.speechProviders"),
    "media-understanding-provider": _KindRule(
        MediaUnderstandingProvider, "contracts.mediaUnderstandingProviders", check=_media_problem
    ),
    "image-generation-provider": _KindRule(ImageGenerationProvider, "contracts.imageGenerationProviders"),
    "video-generation-provider": _KindRule(VideoGenerationProvider, "contracts.videoGenerationProviders"),
    "embedding-provider": _KindRule(EmbeddingProviderAdapter, "contracts.embeddingProviders"),
}


def _shape_problem(rule: _KindRule, obj: object) -> str | None:
    """The Protocol's members ``obj`` lacks, in declaration order: a property that is None, a
    method that is not callable (read from the Protocol itself, so the check cannot drift from
    it); then what the rule's own check finds."""
    missing = []
    for name, declared in vars(rule.protocol).items():
        value = getattr(obj, name, None)
        is_method = inspect.isfunction(declared) and not name.startswith("_")
        if (isinstance(declared, property) and value is None) or (is_method and not callable(value)):
            missing.append(name)
    if missing:
        return f"does not implement {rule.protocol.__name__}: missing {', '.join(missing)}"
    return rule.check(obj) if rule.check is not None else None


@dataclass(eq=False, repr=False, kw_only=True)
class PluginApi:
    """Identity, config and registration methods for one plugin."""

    id: str
    name: str
    source: str
    config: OpenClawConfig
    manifest: PluginManifest
    sink: InitVar[PluginRegistry]
    version: str | None = None
    description: str | None = None
    root_dir: Path | None = None
    registration_mode: RegistrationMode = "full"
    runtime: Any = None
    auth_store: AuthProfileStore | None = None

    def __post_init__(self, sink: PluginRegistry) -> None:
        self.logger = logging.getLogger(f"openclaw.plugins.{self.id}")
        self._sink = sink
        self._sealed = False

    def __repr__(self) -> str:
        return f"PluginApi(id={self.id!r}, source={self.source!r}, mode={self.registration_mode!r})"

    @property
    def plugin_config(self) -> dict[str, Any] | None:
        """``plugins.entries.<id>.config``, or None when unset."""
        value = self.config.plugin_entry(self.id).get("config")
        return dict(value) if isinstance(value, dict) else None

    def resolve_path(self, input: str) -> Path:
        """A path relative to the plugin root (absolute and ``~`` paths are kept)."""
        path = Path(input).expanduser()
        if path.is_absolute():
            return path
        return ((self.root_dir or Path.cwd()) / path).resolve()

    def seal(self) -> None:
        """Called by the host when ``register`` returns; later registrations are ignored."""
        self._sealed = True

    # -- register methods -------------------------------------------------------------------------

    def register_provider(self, provider: TextProvider) -> None:
        self._register("provider", provider)

    def register_model_catalog_provider(self, provider: UnifiedModelCatalogProvider) -> None:
        self._register("model-catalog-provider", provider)

    def register_speech_provider(self, provider: SpeechProvider) -> None:
        self._register("speech-provider", provider)

    def register_media_understanding_provider(self, provider: MediaUnderstandingProvider) -> None:
        self._register("media-understanding-provider", provider)

    def register_image_generation_provider(self, provider: ImageGenerationProvider) -> None:
        self._register("image-generation-provider", provider)

    def register_video_generation_provider(self, provider: VideoGenerationProvider) -> None:
        self._register("video-generation-provider", provider)

    def register_embedding_provider(self, adapter: EmbeddingProviderAdapter) -> None:
        self._register("embedding-provider", adapter)

    def register_memory_embedding_provider(self, adapter: MemoryEmbeddingProviderAdapter) -> None:
        """Deprecated alias of ``register_embedding_provider`` (OpenClaw removes it ~2026-08)."""
        self.logger.warning(
            "register_memory_embedding_provider is deprecated; use register_embedding_provider "
            "and declare contracts.embeddingProviders"
        )
        self._register("embedding-provider", adapter, legacy=True)

    # -- checks -----------------------------------------------------------------------------------

    def _register(self, kind: RegistrationKind, obj: object, *, legacy: bool = False) -> None:
        rule = _RULES[kind]
        raw_id = getattr(obj, rule.id_attr, None)
        provider_id = raw_id.strip() if isinstance(raw_id, str) else ""
        if self._sealed:
            self._sink.diagnose(
                "warning", self.id, f"{kind} registered after register returned; ignored: {provider_id}"
            )
            return
        if self.registration_mode not in PROVIDER_REGISTRATION_MODES:
            self.logger.debug("%s %s skipped in %s mode", kind, provider_id, self.registration_mode)
            return
        if not provider_id:
            self._sink.diagnose("error", self.id, f"{kind} registration missing id")
            return
        problem = _shape_problem(rule, obj)
        if problem:
            self._sink.diagnose("error", self.id, f"{kind} registration {provider_id} {problem}")
            return
        if not self._contract_allows(kind, rule, provider_id, legacy=legacy):
            return
        keys = [provider_id]
        if kind == "model-catalog-provider":
            keys = [f"{provider_id}:{catalog_kind}" for catalog_kind in getattr(obj, "kinds", ())]
        self._sink.add_registration(Registration(kind, provider_id, self.id, obj), keys)

    def _contract_allows(
        self, kind: RegistrationKind, rule: _KindRule, provider_id: str, *, legacy: bool
    ) -> bool:
        if rule.contract is None:
            return True
        # "contracts.speechProviders" -> manifest.contracts.speech_providers; "providers" is top level.
        section, _, key = rule.contract.rpartition(".")
        declared = list(getattr(self.manifest.contracts if section else self.manifest, to_snake(key)))
        if legacy:
            declared += self.manifest.contracts.memory_embedding_providers
        if provider_id in declared:
            return True
        if kind == "embedding-provider":
            self._sink.diagnose(
                "error",
                self.id,
                f"plugin must declare contracts.embeddingProviders for adapter: {provider_id}",
            )
            return False
        # Not rejected at runtime (as in OpenClaw), but cold planners will not see the surface.
        self._sink.diagnose(
            "warning",
            self.id,
            f"{kind} {provider_id} is not declared in the manifest ({rule.contract}); "
            "auto-selection, listing and onboarding will not see it",
        )
        return True
