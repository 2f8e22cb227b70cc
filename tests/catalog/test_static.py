"""The shipped static catalog: plugin.toml chat rows + manifests/*.toml, and where they are found."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from openclaw_deepinfra.catalog.models import SURFACES, CatalogModel, Surface, curated_surface
from openclaw_deepinfra.catalog.static import (
    StaticCatalog,
    StaticCatalogError,
    chat_row_to_model,
    load_static_catalog,
    manifest_path,
    manifests_dir,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def static() -> StaticCatalog:
    return load_static_catalog()


@pytest.mark.parametrize(
    ("surface", "default"),
    [
        ("chat", "deepseek-ai/DeepSeek-V4-Flash"),
        ("vlm", "moonshotai/Kimi-K2.6"),  # curated K2.5 is deprecated -> K2.6
        ("embed", "BAAI/bge-m3"),
        ("image-gen", "black-forest-labs/FLUX-1-schnell"),
        ("video-gen", "Pixverse/Pixverse-T2V"),
        ("tts", "hexgrad/Kokoro-82M"),
        ("stt", "openai/whisper-large-v3-turbo"),
    ],
)
def test_static_defaults(static: StaticCatalog, surface: Surface, default: str) -> None:
    snapshot = static.snapshot()
    assert snapshot.source == "static"
    assert snapshot.default(surface) == default
    assert snapshot.surface(surface).source == "static"
    assert snapshot.surface(surface).find(default) is not None, "a default must be one of its own rows"


@pytest.mark.parametrize(
    ("surface", "ids"),
    [
        (
            "image-gen",
            (
                "black-forest-labs/FLUX-1-schnell",
                "black-forest-labs/FLUX-1-dev",
                "Qwen/Qwen-Image-Max",
                "stabilityai/sdxl-turbo",
            ),
        ),
        (
            "video-gen",
            ("Pixverse/Pixverse-T2V", "Pixverse/Pixverse-T2V-HD", "Wan-AI/Wan2.6-T2V", "google/veo-3.1-fast"),
        ),
        ("tts", ("hexgrad/Kokoro-82M", "Qwen/Qwen3-TTS", "ResembleAI/chatterbox-turbo", "sesame/csm-1b")),
        ("stt", ("openai/whisper-large-v3-turbo", "openai/whisper-large-v3")),
        ("embed", ("BAAI/bge-m3",)),
        (
            "vlm",
            (
                "stepfun-ai/Step-3.7-Flash",
                "moonshotai/Kimi-K2.7-Code",
                "moonshotai/Kimi-K2.6",
                "nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B",
                "moonshotai/Kimi-K2.5",
            ),
        ),
    ],
)
def test_static_lists_follow_the_reference_order(
    static: StaticCatalog, surface: Surface, ids: tuple[str, ...]
) -> None:
    assert static.surface(surface).ids == ids


def test_all_surfaces_present_in_order(static: StaticCatalog) -> None:
    assert tuple(static.surfaces) == SURFACES
    manifest = tomllib.loads(manifest_path().read_text(encoding="utf-8"))
    provider = manifest["modelCatalog"]["providers"]["deepinfra"]
    assert (provider["baseUrl"], provider["api"]) == (
        "https://api.deepinfra.com/v1/openai",
        "openai-completions",
    )


def test_chat_rows(static: StaticCatalog) -> None:
    chat = static.surface("chat")
    assert len(chat.models) == 12
    flash = chat.models[0]
    assert flash.name == "DeepSeek V4 Flash"
    assert flash.tags == ("chat", "reasoning")
    assert dict(flash.pricing) == {"input_tokens": 0.09, "output_tokens": 0.18, "cache_read_tokens": 0.018}
    assert (flash.context_length, flash.max_tokens) == (1048576, 1048576)
    assert dict(flash.compat) == {"supportsUsageInStreaming": True, "codeMode": "capable"}
    v32 = chat.find("deepseek-ai/DeepSeek-V3.2")
    assert v32 is not None
    assert (v32.reasoning, v32.status, v32.replaced_by) == (
        False,
        "deprecated",
        "deepseek-ai/DeepSeek-V4-Pro",
    )
    assert "reasoning" not in v32.tags
    kimi = chat.find("moonshotai/Kimi-K2.5")
    assert kimi is not None and kimi.tags == ("chat", "vlm", "reasoning")
    assert kimi.input == ("text", "image")
    # cacheRead 0 is left out of the wire pricing, as the reference does.
    super_ = chat.find("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B")
    assert super_ is not None and "cache_read_tokens" not in super_.pricing
    assert all(m.reasoning is True for m in chat.models if m.id != "deepseek-ai/DeepSeek-V3.2")


def test_non_chat_rows_carry_prices_and_defaults(static: StaticCatalog) -> None:
    schnell = static.surface("image-gen").models[0]
    assert dict(schnell.pricing) == {"per_image_unit": 0.003}
    assert (schnell.default_width, schnell.default_height, schnell.default_iterations) == (1024, 1024, 4)
    bge = static.surface("embed").models[0]
    assert (bge.context_length, bge.max_tokens, dict(bge.pricing)) == (8192, 8192, {"input_tokens": 0.01})
    assert all(not m.pricing for m in static.surface("video-gen").models), "no video price is known"
    assert all(m.tags == ("tts",) for m in static.surface("tts").models)


def test_loaded_once(static: StaticCatalog) -> None:
    assert load_static_catalog() is static


def test_manifest_metadata_agrees_with_static_defaults(static: StaticCatalog) -> None:
    manifest = tomllib.loads(manifest_path().read_text(encoding="utf-8"))
    meta = manifest["mediaUnderstandingProviderMetadata"]["deepinfra"]
    assert meta["defaultModels"] == {"image": static.default("vlm"), "audio": static.default("stt")}
    assert manifest["modelCatalog"]["discovery"] == {"deepinfra": "refreshable"}
    assert manifest["configSchema"] == {"type": "object", "additionalProperties": False, "properties": {}}
    assert manifest["setup"]["providers"][0]["envVars"] == ["DEEPINFRA_API_KEY", "DEEPINFRA_API_TOKEN"]
    for contract in (
        "embeddingProviders",
        "speechProviders",
        "mediaUnderstandingProviders",
        "imageGenerationProviders",
        "videoGenerationProviders",
    ):
        assert manifest["contracts"][contract] == ["deepinfra"]


def test_resources_fall_back_to_the_repo_root() -> None:
    # An editable install has no force-included copies inside the package.
    assert manifest_path() == REPO / "plugin.toml"
    assert manifests_dir() == REPO / "manifests"


def test_resources_prefer_the_packaged_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = tmp_path / "site" / "openclaw_deepinfra"
    (package / "manifests").mkdir(parents=True)
    (package / "plugin.toml").write_text('id = "deepinfra"\n')
    monkeypatch.setattr("openclaw_deepinfra.catalog.static._PACKAGE_DIR", package)
    assert manifest_path() == package / "plugin.toml"
    assert manifests_dir() == package / "manifests"


def _copy_data(tmp_path: Path) -> tuple[Path, Path]:
    manifest = tmp_path / "plugin.toml"
    manifest.write_text((REPO / "plugin.toml").read_text(encoding="utf-8"), encoding="utf-8")
    manifests = tmp_path / "manifests"
    manifests.mkdir()
    for path in (REPO / "manifests").glob("*.toml"):
        (manifests / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return manifest, manifests


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        ("manifests/tts.toml", 'default = "hexgrad/Kokoro-82M"', 'default = "nope/x"', "is not one of"),
        ("manifests/stt.toml", 'surface = "stt"', 'surface = "chat"', "non-chat surfaces"),
        ("manifests/embed.toml", 'surface = "embed"', 'surface = "tts"', "defined twice"),
        (
            "manifests/image-gen.toml",
            'id = "black-forest-labs/FLUX-1-dev"',
            'id = "stabilityai/sdxl-turbo"',
            "duplicate",
        ),
        ("manifests/vlm.toml", 'surface = "vlm"', "surface = ", "cannot read"),
        (
            "plugin.toml",
            "[modelCatalog.providers.deepinfra",
            "[modelCatalog.providers.other",
            "missing table",
        ),
        (
            "plugin.toml",
            "[[modelCatalog.providers.deepinfra.models]]",
            "[[modelCatalog.rows]]",
            "models is empty",
        ),
    ],
)
def test_inconsistent_data_is_a_loud_error(
    tmp_path: Path, file: str, old: str, new: str, message: str
) -> None:
    manifest, manifests = _copy_data(tmp_path)
    target = tmp_path / file
    text = target.read_text(encoding="utf-8")
    assert old in text
    target.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(StaticCatalogError, match=message):
        load_static_catalog(manifest, manifests)


def test_missing_surface_file_is_an_error(tmp_path: Path) -> None:
    manifest, manifests = _copy_data(tmp_path)
    (manifests / "video-gen.toml").unlink()
    with pytest.raises(StaticCatalogError, match="no static catalog for video-gen"):
        load_static_catalog(manifest, manifests)


def test_chat_row_conversion_defaults() -> None:
    model = chat_row_to_model({"id": " x/y ", "cost": {"input": 1, "output": 2, "cacheRead": 0}})
    assert model.id == "x/y"
    assert model.tags == ("chat",)
    assert model.input == ("text",)
    assert dict(model.pricing) == {"input_tokens": 1.0, "output_tokens": 2.0}
    with pytest.raises(StaticCatalogError, match="no id"):
        chat_row_to_model({"name": "nameless"})


def _row(model_id: str, status: str | None = None, replaced_by: str | None = None) -> CatalogModel:
    return CatalogModel(id=model_id, tags=("vlm",), status=status, replaced_by=replaced_by)


@pytest.mark.parametrize(
    ("rows", "default", "replaced"),
    [
        # a current curated default stays
        ((_row("a"), _row("b")), "a", None),
        # deprecated with a listed replacement: the replacement, and the surface says so
        ((_row("a", "deprecated", "b"), _row("b")), "b", "a"),
        # a chain is followed to the first current row
        ((_row("a", "deprecated", "b"), _row("b", "deprecated", "c"), _row("c")), "c", "a"),
        # a replacement this surface does not list is not taken (nothing says it can do the job)
        ((_row("a", "deprecated", "elsewhere"), _row("b")), "a", None),
        # deprecated without a replacement, or a cycle: the curated id stays
        ((_row("a", "deprecated"), _row("b")), "a", None),
        ((_row("a", "deprecated", "b"), _row("b", "deprecated", "a")), "b", "a"),
    ],
)
def test_curated_default_follows_replaced_by(
    rows: tuple[CatalogModel, ...], default: str, replaced: str | None
) -> None:
    surface = curated_surface("a", rows, "static")
    assert (surface.default, surface.deprecated_default, surface.models) == (default, replaced, rows)


def test_shipped_vision_default_is_the_replacement_of_the_deprecated_curated_one(
    static: StaticCatalog,
) -> None:
    vlm = static.surface("vlm")
    old = vlm.find("moonshotai/Kimi-K2.5")
    assert old is not None and (old.status, old.replaced_by) == ("deprecated", "moonshotai/Kimi-K2.6")
    assert (vlm.default, vlm.deprecated_default) == ("moonshotai/Kimi-K2.6", "moonshotai/Kimi-K2.5")
    assert static.snapshot().to_json()["surfaces"]["vlm"]["deprecated_default"] == "moonshotai/Kimi-K2.5"
    # every other curated default is current, so nothing else is substituted
    assert all(s.deprecated_default is None for n, s in static.surfaces.items() if n != "vlm")


def test_readme_default_table_names_the_effective_curated_defaults(static: StaticCatalog) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    rows: dict[str, Surface] = {
        "image understanding (vlm)": "vlm",
        "speech-to-text": "stt",
        "text-to-speech": "tts",
        "embeddings": "embed",
    }
    for label, name in rows.items():
        surface = static.surface(name)
        line = next(row for row in readme.splitlines() if row.startswith(f"| {label} |"))
        assert line.split("|")[2].strip().startswith(f"`{surface.default}`"), line
        if surface.deprecated_default:
            assert f"`{surface.deprecated_default}` is deprecated" in line
