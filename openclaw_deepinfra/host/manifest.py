"""``plugin.toml``: the plugin manifest, read and validated before any plugin code is imported.

Same keys and nesting as OpenClaw's ``openclaw.plugin.json`` (host-contracts §9). Unknown top-level
keys are ignored; nested blocks keep unknown keys for forward compatibility.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import tomllib
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from openclaw_deepinfra.host.contracts.common import HostModel, JsonObject
from openclaw_deepinfra.host.contracts.model_rows import ModelCatalogModel
from openclaw_deepinfra.host.errors import ManifestError

logger = logging.getLogger("openclaw.plugins")

MANIFEST_FILE = "plugin.toml"
T = TypeVar("T")

# A group that is itself repeated and contains a repetition: the classic catastrophic-backtracking shape.
_NESTED_QUANTIFIER = re.compile(r"\((?:[^()\\]|\\.)*[+*}](?:[^()\\]|\\.)*\)[+*{]")


class ManifestContracts(HostModel):
    embedding_providers: list[str] = Field(default_factory=list)
    speech_providers: list[str] = Field(default_factory=list)
    media_understanding_providers: list[str] = Field(default_factory=list)
    image_generation_providers: list[str] = Field(default_factory=list)
    video_generation_providers: list[str] = Field(default_factory=list)
    music_generation_providers: list[str] = Field(default_factory=list)
    usage_providers: list[str] = Field(default_factory=list)
    memory_embedding_providers: list[str] = Field(default_factory=list)
    """Retired spelling of ``embeddingProviders``; accepted with a warning."""


class SetupProvider(HostModel):
    id: str
    auth_methods: list[str] | None = None
    env_vars: list[str] | None = None


class ManifestSetup(HostModel):
    providers: list[SetupProvider] = Field(default_factory=list)
    requires_runtime: bool | None = None


class ProviderAuthChoice(HostModel):
    provider: str
    method: str
    choice_id: str
    choice_label: str | None = None
    choice_hint: str | None = None
    group_id: str | None = None
    group_label: str | None = None
    group_hint: str | None = None
    onboarding_scopes: list[str] = Field(default_factory=lambda: ["text-inference"])
    option_key: str | None = None
    cli_flag: str | None = None
    cli_option: str | None = None
    cli_description: str | None = None
    app_guided_secret: bool | None = None


class ModelSupport(HostModel):
    model_prefixes: list[str] | None = None
    model_patterns: list[str] | None = None

    @field_validator("model_patterns")
    @classmethod
    def _safe_patterns(cls, patterns: list[str] | None) -> list[str] | None:
        for pattern in patterns or ():
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"pattern {pattern!r} is not a valid regex: {exc}") from None
            if _NESTED_QUANTIFIER.search(pattern):
                raise ValueError(f"pattern {pattern!r} nests quantifiers (unsafe regex); simplify it")
        return patterns


class CatalogProvider(HostModel):
    base_url: str | None = None
    api: str | None = None
    headers: dict[str, Any] | None = None
    default_utility_model: str | None = None
    models: list[ModelCatalogModel] = Field(default_factory=list)

    @field_validator("models", mode="before")
    @classmethod
    def _drop_rows_without_id(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [row for row in value if not isinstance(row, dict) or row.get("id")]
        return value


class CatalogAlias(HostModel):
    provider: str
    api: str | None = None
    base_url: str | None = None


class SuppressionWhen(HostModel):
    base_url_hosts: list[str] | None = None
    provider_config_api_in: list[str] | None = None


class CatalogSuppression(HostModel):
    provider: str
    model: str
    reason: str | None = None
    when: SuppressionWhen | None = None


class ManifestModelCatalog(HostModel):
    providers: dict[str, CatalogProvider] = Field(default_factory=dict)
    aliases: dict[str, CatalogAlias] | None = None
    suppressions: list[CatalogSuppression] | None = None
    discovery: dict[str, Literal["static", "refreshable", "runtime"]] | None = None
    runtime_augment: Any = None


class PerProvider(HostModel, Generic[T]):
    """A ``{providers: {id: rule}}`` block (``modelIdNormalization``, ``providerRequest``,
    ``modelPricing``)."""

    providers: dict[str, T] = Field(default_factory=dict)


class ModelIdNormalizationRule(HostModel):
    aliases: dict[str, str] | None = None
    strip_prefixes: list[str] | None = None
    prefix_when_bare: str | None = None


class ProviderEndpoint(HostModel):
    endpoint_class: str
    hosts: list[str] | None = None


class ProviderRequestRule(HostModel):
    family: str | None = None


class Activation(HostModel):
    on_startup: bool | None = None
    on_providers: list[str] | None = None
    on_capabilities: list[str] | None = None
    on_config_paths: list[str] | None = None


class MediaUnderstandingMetadata(HostModel):
    capabilities: list[Literal["image", "audio", "video"]] | None = None
    default_models: dict[str, str] | None = None
    auto_priority: dict[str, float] | None = None
    native_document_inputs: Any = None
    document_models: Any = None


class GenerationProviderMetadata(HostModel):
    aliases: list[str] | None = None
    auth_providers: list[str] | None = None
    config_signals: list[Any] | None = None
    auth_signals: list[Any] | None = None
    reference_audio_inputs: bool | None = None


class DoctorContract(HostModel):
    config_repair: bool = False


class InstallBlock(HostModel):
    min_host_version: str | None = None


class CompatBlock(HostModel):
    plugin_api: str | None = None


class PluginManifest(HostModel):
    """The validated manifest. Python attributes are snake_case; TOML keys are OpenClaw's camelCase."""

    model_config = ConfigDict(extra="ignore")

    id: str
    config_schema: JsonObject
    name: str | None = None
    description: str | None = None
    version: str | None = None
    icon: str | None = None
    enabled_by_default: bool = True
    enabled_by_default_on_platforms: list[str] | None = None
    providers: list[str] = Field(default_factory=list)
    setup: ManifestSetup | None = None
    provider_auth_env_vars: dict[str, list[str]] | None = None
    """Older spelling of ``setup.providers[].envVars``."""
    provider_auth_choices: list[ProviderAuthChoice] = Field(default_factory=list)
    model_support: ModelSupport | None = None
    model_catalog: ManifestModelCatalog | None = None
    model_id_normalization: PerProvider[ModelIdNormalizationRule] | None = None
    provider_endpoints: list[ProviderEndpoint] = Field(default_factory=list)
    provider_request: PerProvider[ProviderRequestRule] | None = None
    model_pricing: PerProvider[JsonObject] | None = None
    provider_catalog_entry: str | JsonObject | None = None
    capability_catalog_entry: str | JsonObject | None = None
    activation: Activation | None = None
    contracts: ManifestContracts = Field(default_factory=ManifestContracts)
    media_understanding_provider_metadata: dict[str, MediaUnderstandingMetadata] = Field(default_factory=dict)
    image_generation_provider_metadata: dict[str, GenerationProviderMetadata] = Field(default_factory=dict)
    video_generation_provider_metadata: dict[str, GenerationProviderMetadata] = Field(default_factory=dict)
    config_contracts: Any = None
    ui_hints: JsonObject | None = None
    doctor_contract: DoctorContract | None = None
    install: InstallBlock | None = None
    compat: CompatBlock | None = None

    _warnings: list[str] = PrivateAttr(default_factory=list)

    @property
    def warnings(self) -> tuple[str, ...]:
        """Non-fatal problems found while reading (deprecated or ignored keys)."""
        return tuple(self._warnings)

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not value.strip() or any(ch.isspace() for ch in value):
            raise ValueError("must be a non-blank plugin id without spaces")
        return value

    @model_validator(mode="after")
    def _cross_checks(self) -> PluginManifest:
        declared = set(self.contracts.media_understanding_providers)
        undeclared = sorted(set(self.media_understanding_provider_metadata) - declared)
        if undeclared:
            raise ValueError(
                f"mediaUnderstandingProviderMetadata keys must be listed in "
                f"contracts.mediaUnderstandingProviders: {', '.join(undeclared)}"
            )
        setup_ids = [p.id for p in (self.setup.providers if self.setup else [])]
        if len(setup_ids) != len(set(setup_ids)):
            raise ValueError("setup.providers ids must be unique")
        if self.contracts.memory_embedding_providers:
            self._warnings.append(
                "contracts.memoryEmbeddingProviders is retired; rename it to contracts.embeddingProviders"
            )
        return self


def _format_error(error: ErrorDetails) -> str:
    loc = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "missing":
        hints = {
            "id": 'add id = "<plugin-id>" at the top of the file',
            "configSchema": 'add a [configSchema] table (an empty strict object: type = "object", '
            "additionalProperties = false)",
        }
        return f"{loc}: required key missing; {hints.get(loc, 'add it')}"
    return f"{loc}: {error['msg'].removeprefix('Value error, ')}"


def parse_manifest(data: dict[str, Any], *, source: str = MANIFEST_FILE) -> PluginManifest:
    """Validate already-parsed manifest data (ManifestError naming ``source`` and each problem)."""
    try:
        manifest = PluginManifest.model_validate(data)
    except ValidationError as exc:
        problems = "\n".join(f"  - {_format_error(err)}" for err in exc.errors())
        raise ManifestError(f"{source}: invalid plugin manifest:\n{problems}") from None
    # Older manifests listed the contract lists at the top level; OpenClaw no longer reads them there.
    for field in ManifestContracts.model_fields.values():
        if field.alias in data:
            manifest._warnings.append(f"top-level {field.alias} is not read; move it under [contracts]")
    return manifest


def load_manifest(path: Path) -> PluginManifest:
    """Read and validate ``plugin.toml``; warnings are logged (and kept on ``manifest.warnings``)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ManifestError(
            f"{path}: plugin manifest not found; ship {MANIFEST_FILE} beside the plugin"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read the plugin manifest: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path}: invalid TOML ({exc}); fix the syntax at that position") from None
    manifest = parse_manifest(data, source=str(path))
    for warning in manifest.warnings:
        logger.warning("%s: %s", path, warning)
    return manifest


def locate_manifest(module_name: str) -> Path:
    """The ``plugin.toml`` for ``module_name``, found without importing any plugin code."""
    top = module_name.split(".", 1)[0]
    try:
        spec = importlib.util.find_spec(top)
    except (ImportError, ValueError) as exc:
        raise ManifestError(f"cannot locate plugin module {top!r}: {exc}") from None
    if spec is None:
        raise ManifestError(f"plugin module {top!r} is not installed in this environment")
    if spec.submodule_search_locations:
        package_dirs = [Path(loc) for loc in spec.submodule_search_locations]
    elif spec.origin and spec.has_location:
        package_dirs = [Path(spec.origin).parent]
    else:
        raise ManifestError(f"plugin module {top!r} has no location on disk to read {MANIFEST_FILE} from")
    dirs = list(package_dirs)
    # A source checkout or editable install keeps the manifest at the repository root, one level up;
    # never look beside an installed package in site-packages (another plugin's file could be there).
    dirs += [d.parent for d in package_dirs if d.parent.name not in ("site-packages", "dist-packages")]
    for directory in dirs:
        candidate = directory / MANIFEST_FILE
        if candidate.is_file():
            return candidate
    looked = ", ".join(str(d) for d in dirs)
    raise ManifestError(
        f"no {MANIFEST_FILE} found for plugin module {module_name!r} (looked in {looked}); "
        f"ship {MANIFEST_FILE} as package data beside the entry module"
    )
