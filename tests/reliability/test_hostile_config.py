"""Hostile configuration: a wrong type at every key the plugin reads, SecretRefs to missing files,
unset env refs. The outcome is always a typed error (DeepInfraError / HostError) that names the key,
or the call working with the value ignored; never TypeError / AttributeError / KeyError.

Each case runs the host path that reads the key: settings for `models.providers.deepinfra.*`,
the host's TTS block through `resolve_config` into `synthesize`, `select_embedding` into the
adapter for `memory.search.*`, `select_generation` for `agents.defaults.mediaModels.*`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.errors import ConfigurationError, DeepInfraError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.contracts.speech import SpeechResolveConfigContext, SpeechSynthesisRequest
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.host.media_selection import select_generation
from openclaw_deepinfra.host.selection import providers_of, select_embedding
from tests.e2e.faults import FaultServer
from tests.reliability import calls
from tests.reliability.conftest import KEY, Host, MakeHost

pytestmark = pytest.mark.usefixtures("loop_errors")

WRONG = {"int": 7, "bool": True, "list": ["x"], "object": {"x": 1}, "text": "zz-not-valid"}


def tree(path: str, value: Any) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    parts = path.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return root


async def via_tts(host: Host) -> object:
    speech = host.get("speech-provider")
    raw = host.config.get("tts", raw=True)
    raw = raw if isinstance(raw, dict) else {}  # the host hands the block over only when it is one
    resolved = speech.resolve_config(
        SpeechResolveConfigContext(cfg=host.config, raw_config=raw, timeout_ms=5000)
    )
    return await speech.synthesize(
        SpeechSynthesisRequest(text="hi", cfg=host.config, provider_config=resolved, timeout_ms=5000)
    )


async def via_embeddings(host: Host) -> object:
    adapters = providers_of(host.registry, "embedding-provider")
    selection = select_embedding(host.config, adapters)
    if selection.provider_id is None:
        return None
    adapter = adapters[selection.provider_id]
    created = await adapter.create(  # type: ignore[attr-defined]
        EmbeddingProviderCreateOptions(config=host.config, model=selection.model or "")
    )
    return await created.provider.embed_batch(["a", "b"])


async def via_media_models(host: Host) -> object:
    for kind in ("image", "video"):
        select_generation(host.config, providers_of(host.registry, f"{kind}-generation-provider"), kind)
    return await calls.image(host)


# key -> (how the host reads it, which wrong values apply: a string is right for some keys)
KEYS: dict[str, tuple[Any, tuple[str, ...]]] = {
    "models.providers.deepinfra.apiKey": (calls.chat, ("int", "bool", "list", "object")),
    "models.providers.deepinfra.baseUrl": (calls.chat, ("int", "bool", "list", "object", "text")),
    "models.providers.deepinfra.maxRetries": (calls.chat, ("bool", "list", "object", "text")),
    "models.providers.deepinfra.timeoutSeconds": (calls.chat, ("bool", "list", "object", "text")),
    "models.providers.deepinfra.headers": (calls.embed, ("int", "bool", "list", "text")),
    "models.providers.deepinfra.video.api": (calls.video, ("int", "bool", "list", "object", "text")),
    "models.providers.deepinfra.nativeBaseUrl": (calls.video, ("int", "bool", "list", "object", "text")),
    "tts.providers.deepinfra.apiKey": (via_tts, ("int", "bool", "list")),
    "tts.providers.deepinfra.baseUrl": (via_tts, ("int", "bool", "list", "object", "text")),
    "tts.providers.deepinfra.model": (via_tts, ("int", "bool", "list", "object")),
    "tts.providers.deepinfra.voice": (via_tts, ("int", "bool", "list", "object")),
    "tts.providers.deepinfra.speed": (via_tts, ("bool", "list", "object", "text")),
    "tts.providers.deepinfra.responseFormat": (via_tts, ("int", "bool", "list", "object", "text")),
    "tts.providers.deepinfra.extraBody": (via_tts, ("int", "bool", "list", "text")),
    "memory.search": (via_embeddings, ("int", "bool", "list", "text")),
    "memory.search.remote.baseUrl": (via_embeddings, ("int", "bool", "list", "object", "text")),
    "memory.search.remote.apiKey": (via_embeddings, ("int", "bool", "list")),
    "memory.search.remote.headers": (via_embeddings, ("int", "bool", "list", "text")),
    "memory.search.remote.batch.concurrency": (via_embeddings, ("bool", "list", "object", "text")),
    "memory.search.outputDimensionality": (via_embeddings, ("bool", "list", "object", "text")),
    "memory.search.inputType": (via_embeddings, ("int", "bool", "list", "object")),
    "agents.defaults.mediaModels.image": (via_media_models, ("int", "bool", "list")),
    "agents.defaults.mediaModels.video": (via_media_models, ("int", "bool", "list")),
    "agents.defaults.mediaModels.image.primary": (via_media_models, ("int", "bool", "list", "object")),
    "agents.defaults.mediaModels.image.fallbacks": (via_media_models, ("int", "bool", "object", "text")),
    "agents.defaults.mediaModels.image.timeoutMs": (via_media_models, ("bool", "list", "object", "text")),
}
CASES = [(key, kind) for key, (_call, kinds) in KEYS.items() for kind in kinds[:3]]  # 3 per key: CI time
# Read leniently on purpose (a wrong type falls back to the default, as OpenClaw does; pinned by
# tests/surfaces/test_speech_config.py and the host selection tests): they must only never crash.
LENIENT: dict[str, Any] = {
    "tts.maxTextLength": via_tts,
    "memory.search.provider": via_embeddings,
    "memory.search.model": via_embeddings,
}
# Parents of a key may hold a wrong type too (a number where an object belongs).
BLOCKS = [
    "models.providers.deepinfra",
    "tts",
    "tts.providers",
    "tts.providers.deepinfra",
    "memory.search.remote",
]


@pytest.mark.parametrize(("key", "kind"), CASES)
async def test_wrong_type_is_a_typed_error_naming_the_key(
    key: str, kind: str, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    call, _kinds = KEYS[key]
    value = WRONG[kind]
    data = tree(key, value)
    search = data.setdefault("memory", {}).setdefault("search", {})
    if isinstance(search, dict):
        search.setdefault("provider", "deepinfra")
    try:
        host = make_host(faults, config=data)
        await call(host)
    except (DeepInfraError, HostError) as exc:
        leaf = key.rsplit(".", 1)[-1]
        assert leaf in str(exc), f"{key}={value!r}: the error does not name the key: {exc}"
        if isinstance(exc, DeepInfraError):
            assert exc.exit_code == 2, f"{key}={value!r}: {type(exc).__name__} is not a configuration error"
        return
    pytest.fail(f"{key}={value!r} was accepted; a wrong type must be reported, not ignored")


@pytest.mark.parametrize("key", sorted(LENIENT))
@pytest.mark.parametrize("kind", sorted(WRONG))
async def test_leniently_read_keys_never_crash(
    key: str, kind: str, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults, config=tree(key, WRONG[kind]))
    try:
        await LENIENT[key](host)
    except (DeepInfraError, HostError) as exc:
        assert key.rsplit(".", 1)[-1] in str(exc), str(exc)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("kind", ["int", "list", "text"])
async def test_wrong_type_for_a_whole_block_never_crashes(
    block: str, kind: str, faults: FaultServer, make_host: MakeHost
) -> None:
    calls.route_all_ok(faults)
    host = make_host(faults, config=tree(block, WRONG[kind]))
    for call in (calls.chat, via_tts, via_embeddings, calls.video):
        try:
            await call(host)
        except (DeepInfraError, HostError) as exc:  # typed is fine; a crash is not
            assert "object" in str(exc) or block.rsplit(".", 1)[-1] in str(exc), str(exc)


def test_config_constructor_rejects_bad_env_vars_with_the_key() -> None:
    for bad in (1, ["x"], {"A": {"b": 1}}):
        with pytest.raises(HostError) as caught:
            OpenClawConfig({"env": {"vars": bad}}, env={})
        assert "env.vars" in str(caught.value)


@pytest.mark.parametrize(
    ("api_key", "expected"),
    [
        ({"source": "file", "provider": "keys", "id": "/deepinfra"}, "cannot read"),
        ({"source": "env", "id": "DEEPINFRA_UNSET_VARIABLE"}, "DEEPINFRA_UNSET_VARIABLE is not set"),
        ({"source": "exec", "provider": "nope", "id": "x"}, "secrets.providers.nope"),
        ({"source": "file", "provider": "Bad Provider!", "id": "/x"}, "provider must match"),
        ({"source": "vault", "id": "x"}, "not a SecretRef"),
    ],
)
async def test_unresolvable_secret_refs_are_configuration_errors_before_any_request(
    api_key: Any, expected: str, faults: FaultServer, make_host: MakeHost, tmp_path: Path
) -> None:
    calls.route_all_ok(faults)
    config = {
        "models": {"providers": {"deepinfra": {"apiKey": api_key}}},
        "secrets": {"providers": {"keys": {"source": "file", "path": str(tmp_path / "missing.json")}}},
    }
    host = make_host(faults, config=config)
    for call in (calls.chat, calls.embed, calls.tts, calls.image):
        with pytest.raises(ConfigurationError) as caught:
            await call(host)
        assert "models.providers.deepinfra.apiKey" in str(caught.value)
        assert expected in str(caught.value)
    assert faults.requests == []
    # the registry keeps serving what needs no key: the shipped catalog
    assert host.get("image-generation-provider").models


async def test_an_unset_variable_in_a_string_api_key_falls_through_to_the_environment_key(
    faults: FaultServer, make_host: MakeHost, caplog: pytest.LogCaptureFixture
) -> None:
    # Issue 18: `apiKey: "${DEEPINFRA_UNSET_VARIABLE}"` (the README's shape) with the variable unset
    # used to fail every call; it now falls through to the next source (here DEEPINFRA_API_KEY,
    # which host_env sets) with one warning. The case moved here from the test above.
    calls.route_all_ok(faults)
    config = {"models": {"providers": {"deepinfra": {"apiKey": "${DEEPINFRA_UNSET_VARIABLE}"}}}}
    host = make_host(faults, config=config)
    for call in (calls.chat, calls.embed):
        await call(host)
    assert {r.headers["authorization"] for r in faults.requests if r.method == "POST"} == {f"Bearer {KEY}"}
    warnings = [r.getMessage() for r in caplog.records if "DEEPINFRA_UNSET_VARIABLE" in r.getMessage()]
    assert warnings == [
        "models.providers.deepinfra.apiKey refers to ${DEEPINFRA_UNSET_VARIABLE}, which is not set; "
        "using the next key source (auth profile, then DEEPINFRA_API_KEY / DEEPINFRA_API_TOKEN)"
    ]


async def test_tts_secret_ref_to_a_missing_file_is_reported_with_its_key(
    faults: FaultServer, make_host: MakeHost, tmp_path: Path
) -> None:
    calls.route_all_ok(faults)
    config = {
        "tts": {"providers": {"deepinfra": {"apiKey": {"source": "file", "provider": "keys", "id": "/tts"}}}},
        "secrets": {"providers": {"keys": {"source": "file", "path": str(tmp_path / "nope.json")}}},
    }
    host = make_host(faults, config=config)
    with pytest.raises((DeepInfraError, HostError)) as caught:
        await via_tts(host)
    assert "apiKey" in str(caught.value) and "cannot read" in str(caught.value)
    assert faults.requests == []
