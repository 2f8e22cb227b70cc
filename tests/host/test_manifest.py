"""plugin.toml validation and locating it without importing plugin code."""

from __future__ import annotations

import importlib
import logging
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.host.errors import ManifestError
from openclaw_deepinfra.host.manifest import PluginManifest, load_manifest, locate_manifest, parse_manifest

REPO_ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """
id = "demo"
[configSchema]
type = "object"
additionalProperties = false
"""


def write(tmp_path: Path, text: str, name: str = "plugin.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_manifest_is_valid_with_defaults(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, MINIMAL))
    assert manifest.id == "demo"
    assert manifest.config_schema == {"type": "object", "additionalProperties": False}
    assert manifest.enabled_by_default is True
    assert manifest.providers == []
    assert manifest.contracts.embedding_providers == []
    assert manifest.warnings == ()


def test_repository_manifest_validates_with_reference_values() -> None:
    manifest = load_manifest(REPO_ROOT / "plugin.toml")
    assert manifest.id == "deepinfra"
    assert manifest.providers == ["deepinfra"]
    assert manifest.activation is not None and manifest.activation.on_startup is False
    for ids in (
        manifest.contracts.embedding_providers,
        manifest.contracts.speech_providers,
        manifest.contracts.media_understanding_providers,
        manifest.contracts.image_generation_providers,
        manifest.contracts.video_generation_providers,
    ):
        assert ids == ["deepinfra"]
    meta = manifest.media_understanding_provider_metadata["deepinfra"]
    assert meta.capabilities == ["image", "audio"]
    assert meta.auto_priority == {"image": 45, "audio": 45}
    assert manifest.provider_endpoints[0].endpoint_class == "deepinfra-native"
    assert manifest.doctor_contract is not None and manifest.doctor_contract.config_repair is True
    assert manifest.model_catalog is not None
    assert manifest.model_catalog.discovery == {"deepinfra": "refreshable"}
    rows = manifest.model_catalog.providers["deepinfra"].models
    assert rows[0].id == "deepseek-ai/DeepSeek-V4-Flash"
    assert manifest.provider_auth_choices[0].choice_id == "deepinfra-api-key"
    assert manifest.provider_auth_choices[0].onboarding_scopes == ["text-inference"]
    assert manifest.install is not None and manifest.install.min_host_version == ">=2026.6.8"
    assert manifest.compat is not None and manifest.compat.plugin_api == ">=2026.9.2"


def test_full_shape_from_the_spec_round_trips_to_camel_case() -> None:
    data = {
        "id": "p",
        "configSchema": {},
        "enabledByDefaultOnPlatforms": ["darwin"],
        "setup": {
            "providers": [{"id": "p", "authMethods": ["api-key"], "envVars": ["P_KEY"]}],
            "requiresRuntime": False,
        },
        "modelSupport": {"modelPrefixes": ["p-"], "modelPatterns": ["^p-[a-z]+$"]},
        "modelIdNormalization": {"providers": {"p": {"stripPrefixes": ["p/"], "prefixWhenBare": "p"}}},
        "providerRequest": {"providers": {"p": {"family": "p"}}},
        "modelCatalog": {
            "providers": {"p": {"baseUrl": "https://p", "models": [{"id": "a"}, {"name": "no id"}]}},
            "aliases": {"q": {"provider": "p"}},
            "suppressions": [{"provider": "p", "model": "old", "when": {"baseUrlHosts": ["p"]}}],
        },
        "videoGenerationProviderMetadata": {"p": {"referenceAudioInputs": True}},
    }
    manifest = parse_manifest(data)
    assert manifest.setup is not None and manifest.setup.providers[0].env_vars == ["P_KEY"]
    assert manifest.model_catalog is not None
    assert [m.id for m in manifest.model_catalog.providers["p"].models] == ["a"]  # rows without id ignored
    dumped = manifest.model_dump(by_alias=True, exclude_none=True)
    assert dumped["modelIdNormalization"]["providers"]["p"]["prefixWhenBare"] == "p"
    assert dumped["videoGenerationProviderMetadata"]["p"]["referenceAudioInputs"] is True


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[configSchema]\ntype = "object"\n', 'id: required key missing; add id = "<plugin-id>"'),
        ('id = "demo"\n', "configSchema: required key missing; add a [configSchema] table"),
        ('id = "  "\n[configSchema]\n', "id: must be a non-blank plugin id"),
        ('id = "demo"\nconfigSchema = "x"\n', "configSchema: Input should be a valid dictionary"),
        ('id = "demo"\nproviders = "deepinfra"\n[configSchema]\n', "providers: Input should be a valid list"),
    ],
    ids=["missing-id", "missing-configSchema", "blank-id", "schema-not-table", "providers-not-list"],
)
def test_invalid_manifest_names_file_and_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    message = str(info.value)
    assert str(path) in message
    assert needle in message


def test_each_problem_is_on_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, "providers = 3\n")
    with pytest.raises(ManifestError) as info:
        load_manifest(path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{path}: invalid plugin manifest:"
    assert sorted(line.split(":")[0].strip(" -") for line in lines[1:]) == ["configSchema", "id", "providers"]


def test_bad_toml_is_a_manifest_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'id = "demo\n[configSchema\n')
    with pytest.raises(ManifestError, match="invalid TOML") as info:
        load_manifest(path)
    assert str(path) in str(info.value)


def test_missing_file_is_a_manifest_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="plugin manifest not found"):
        load_manifest(tmp_path / "plugin.toml")


def test_legacy_memory_embedding_contract_is_accepted_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = write(tmp_path, MINIMAL + '[contracts]\nmemoryEmbeddingProviders = ["demo"]\n')
    with caplog.at_level(logging.WARNING, logger="openclaw.plugins"):
        manifest = load_manifest(path)
    assert manifest.contracts.memory_embedding_providers == ["demo"]
    assert any("memoryEmbeddingProviders is retired" in w for w in manifest.warnings)
    assert any(
        "memoryEmbeddingProviders is retired" in r.getMessage() and str(path) in r.getMessage()
        for r in caplog.records
    )


def test_legacy_top_level_capability_lists_are_not_read(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path, 'speechProviders = ["demo"]\nsomethingNew = 1\n' + MINIMAL))
    assert manifest.contracts.speech_providers == []
    assert not hasattr(manifest, "speechProviders") and manifest.model_extra in (None, {})
    assert manifest.warnings == ("top-level speechProviders is not read; move it under [contracts]",)


def test_media_metadata_keys_must_be_in_the_contract() -> None:
    data = {"id": "p", "configSchema": {}, "mediaUnderstandingProviderMetadata": {"other": {}}}
    with pytest.raises(ManifestError, match=r"contracts\.mediaUnderstandingProviders: other"):
        parse_manifest(data)


@pytest.mark.parametrize("pattern", ["(a+)+$", "([a-z]*)*x", "(unclosed"])
def test_unsafe_or_invalid_model_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(ManifestError, match=r"modelSupport\.modelPatterns"):
        parse_manifest({"id": "p", "configSchema": {}, "modelSupport": {"modelPatterns": [pattern]}})


def test_setup_provider_ids_must_be_unique() -> None:
    data = {"id": "p", "configSchema": {}, "setup": {"providers": [{"id": "a"}, {"id": "a"}]}}
    with pytest.raises(ManifestError, match=r"setup\.providers ids must be unique"):
        parse_manifest(data)


def test_snake_case_input_is_accepted_too() -> None:
    manifest = PluginManifest.model_validate({"id": "p", "config_schema": {}, "enabled_by_default": False})
    assert manifest.enabled_by_default is False


# -- locate_manifest -------------------------------------------------------------------------------


@pytest.fixture
def tmp_syspath(tmp_path: Path) -> Iterator[Path]:
    sys.path.insert(0, str(tmp_path))
    importlib.invalidate_caches()
    before = set(sys.modules)
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))
        for name in set(sys.modules) - before:
            del sys.modules[name]
        importlib.invalidate_caches()


def make_package(root: Path, *, manifest_in: str) -> tuple[str, Path]:
    name = f"fakeplugin_{uuid.uuid4().hex[:8]}"
    checkout = root / "checkout"
    pkg = checkout / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('plugin code must not be imported')\n")
    (pkg / "entry.py").write_text("")
    target = {"package": pkg, "parent": checkout}[manifest_in]
    (target / "plugin.toml").write_text(MINIMAL)
    sys.path.insert(0, str(checkout))
    importlib.invalidate_caches()
    return name, target / "plugin.toml"


@pytest.mark.parametrize("where", ["package", "parent"])
def test_locate_manifest_without_importing_the_plugin(tmp_syspath: Path, where: str) -> None:
    name, expected = make_package(tmp_syspath, manifest_in=where)
    try:
        assert locate_manifest(f"{name}.entry") == expected
        assert name not in sys.modules
    finally:
        sys.path.remove(str(tmp_syspath / "checkout"))


def test_package_dir_wins_over_parent(tmp_syspath: Path) -> None:
    name, in_package = make_package(tmp_syspath, manifest_in="package")
    (tmp_syspath / "checkout" / "plugin.toml").write_text(MINIMAL)
    try:
        assert locate_manifest(name) == in_package
    finally:
        sys.path.remove(str(tmp_syspath / "checkout"))


def test_locate_manifest_reports_where_it_looked(tmp_syspath: Path) -> None:
    name, path = make_package(tmp_syspath, manifest_in="package")
    path.unlink()
    try:
        with pytest.raises(ManifestError, match=f"no plugin.toml found for plugin module '{name}'"):
            locate_manifest(name)
    finally:
        sys.path.remove(str(tmp_syspath / "checkout"))


def test_locate_manifest_for_a_missing_module() -> None:
    with pytest.raises(ManifestError, match="not installed"):
        locate_manifest("no_such_plugin_module_4242.entry")
