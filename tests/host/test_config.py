from __future__ import annotations

import json
import logging
import stat
from pathlib import Path
from typing import Any

import pytest

from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.config import (
    MediaModelSelection,
    OpenClawConfig,
)
from openclaw_deepinfra.host.errors import ConfigError

# (current key, older-spelling tree, current-spelling tree, value under the older, value under the current)
ALIAS_CASES: list[tuple[str, dict[str, Any], dict[str, Any], Any, Any]] = [
    ("tts.provider", {"messages": {"tts": {"provider": "old"}}}, {"tts": {"provider": "new"}}, "old", "new"),
    (
        "tts.providers.deepinfra.voice",
        {"messages": {"tts": {"providers": {"deepinfra": {"voice": "af_old"}}}}},
        {"tts": {"providers": {"deepinfra": {"voice": "af_new"}}}},
        "af_old",
        "af_new",
    ),
    (
        "memory.search.provider",
        {"agents": {"defaults": {"memorySearch": {"provider": "old"}}}},
        {"memory": {"search": {"provider": "new"}}},
        "old",
        "new",
    ),
    (
        "memory.search.model",
        {"memorySearch": {"model": "m-old"}},
        {"memory": {"search": {"model": "m-new"}}},
        "m-old",
        "m-new",
    ),
    (
        "agents.defaults.mediaModels.image",
        {"agents": {"defaults": {"imageGenerationModel": "a/old"}}},
        {"agents": {"defaults": {"mediaModels": {"image": "a/new"}}}},
        "a/old",
        "a/new",
    ),
    (
        "agents.defaults.mediaModels.video.primary",
        {"agents": {"defaults": {"videoGenerationModel": {"primary": "v/old"}}}},
        {"agents": {"defaults": {"mediaModels": {"video": {"primary": "v/new"}}}}},
        "v/old",
        "v/new",
    ),
    (
        "agents.defaults.mediaModels.music",
        {"agents": {"defaults": {"musicGenerationModel": "m/old"}}},
        {"agents": {"defaults": {"mediaModels": {"music": "m/new"}}}},
        "m/old",
        "m/new",
    ),
    (
        "agents.entries.main.model",
        {"agents": {"list": [{"id": "main", "model": "p/old"}]}},
        {"agents": {"entries": {"main": {"model": "p/new"}}}},
        "p/old",
        "p/new",
    ),
    (
        "tools.media.models",
        {"tools": {"media": {"audio": {"models": [{"provider": "deepinfra", "model": "old"}]}}}},
        {"tools": {"media": {"models": [{"provider": "deepinfra", "model": "new"}]}}},
        [{"provider": "deepinfra", "model": "old", "capabilities": ["audio"]}],
        [{"provider": "deepinfra", "model": "new"}],
    ),
]


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


@pytest.mark.parametrize(("key", "old", "new", "old_value", "new_value"), ALIAS_CASES)
def test_alias_only_old(
    key: str,
    old: dict[str, Any],
    new: dict[str, Any],
    old_value: Any,
    new_value: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="openclaw.config"):
        assert OpenClawConfig(old, env={}).lookup(key) == old_value
    assert caplog.records == []


@pytest.mark.parametrize(("key", "old", "new", "old_value", "new_value"), ALIAS_CASES)
def test_alias_only_new(
    key: str,
    old: dict[str, Any],
    new: dict[str, Any],
    old_value: Any,
    new_value: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="openclaw.config"):
        assert OpenClawConfig(new, env={}).lookup(key) == new_value
    assert caplog.records == []


@pytest.mark.parametrize(("key", "old", "new", "old_value", "new_value"), ALIAS_CASES)
def test_alias_both_new_wins_and_logs(
    key: str,
    old: dict[str, Any],
    new: dict[str, Any],
    old_value: Any,
    new_value: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = OpenClawConfig(_merge(old, new), env={})
    with caplog.at_level(logging.WARNING, logger="openclaw.config"):
        assert config.lookup(key) == new_value
        config.lookup(key)
    warnings = [r for r in caplog.records if "deprecated" in r.getMessage()]
    assert len(warnings) == 1  # once per config object, not on every read
    assert warnings[0].levelno == logging.WARNING


def test_blocks_under_both_spellings_are_not_merged() -> None:
    config = OpenClawConfig(
        {"tts": {"provider": "deepinfra"}, "messages": {"tts": {"provider": "x", "timeoutMs": 5}}}, env={}
    )
    assert config.tts() == {"provider": "deepinfra"}
    assert config.lookup("tts.timeoutMs") is None


def test_lookup_missing_returns_default() -> None:
    assert OpenClawConfig({}, env={}).lookup("tts.provider", "auto") == "auto"
    assert OpenClawConfig({}, env={}).get("a.b", 3) == 3


def test_load_json5_features(tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_text(
        """// agent config
        {
          models: {providers: {deepinfra: {baseUrl: 'https://api.deepinfra.com/v1/openai',},},},
          /* block comment */
          "tts": {"provider": "deepinfra", maxTextLength: 0x10,},
        }
        """
    )
    config = OpenClawConfig.load(path, env={})
    assert config.provider_config("deepinfra") == {"baseUrl": "https://api.deepinfra.com/v1/openai"}
    assert config.tts() == {"provider": "deepinfra", "maxTextLength": 16}
    assert config.path == path


def test_load_bad_json5_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_text('{\n  tts: {\n    provider: "deepinfra"\n    mode "final"\n  }\n}\n')
    with pytest.raises(ConfigError) as info:
        OpenClawConfig.load(path, env={})
    message = str(info.value)
    assert str(path) in message and "line 4" in message and "fix the JSON5 syntax" in message


@pytest.mark.parametrize("text", ["[1, 2]", '"string"'])
def test_load_non_object_top_level(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    with pytest.raises(ConfigError, match="must be a JSON5 object"):
        OpenClawConfig.load(path, env={})


@pytest.mark.parametrize("content", [None, "", "  \n"])
def test_missing_or_blank_file_is_empty_config(tmp_path: Path, content: str | None) -> None:
    path = tmp_path / "openclaw.json"
    if content is not None:
        path.write_text(content)
    config = OpenClawConfig.load(path, env={})
    assert config.data == {} and config.path == path


def test_default_config_path(tmp_path: Path) -> None:
    assert paths.config_path(env={"OPENCLAW_CONFIG_PATH": str(tmp_path / "x.json")}) == tmp_path / "x.json"
    assert paths.config_path(env={}) == Path("~/.openclaw/openclaw.json").expanduser()
    config = OpenClawConfig.load(env={"OPENCLAW_CONFIG_PATH": str(tmp_path / "y.json")})
    assert config.path == tmp_path / "y.json"


@pytest.mark.parametrize(
    ("raw", "env", "expected"),
    [
        ("${FOO}", {"FOO": "bar"}, "bar"),
        ("https://${HOST}/v1", {"HOST": "example.test"}, "https://example.test/v1"),
        ("$${FOO}", {}, "${FOO}"),
        ("a $${FOO} and ${FOO}", {"FOO": "x"}, "a ${FOO} and x"),
        ("${lower}", {}, "${lower}"),
        ("$FOO", {"FOO": "x"}, "$FOO"),
        ("no vars", {}, "no vars"),
    ],
)
def test_env_substitution(raw: str, env: dict[str, str], expected: str) -> None:
    config = OpenClawConfig({"a": {"b": [raw]}}, env=env)
    assert config.get("a.b") == [expected]
    assert config.data["a"]["b"] == [raw]  # raw tree untouched


def test_missing_env_var_names_key_and_variable_only() -> None:
    config = OpenClawConfig(
        {"models": {"providers": {"deepinfra": {"apiKey": "${DEEPINFRA_API_KEY}"}}}},
        env={"OTHER_SECRET": "s3cr3t-value"},
    )
    with pytest.raises(ConfigError) as info:
        config.get("models.providers.deepinfra.apiKey")
    message = str(info.value)
    assert "models.providers.deepinfra.apiKey" in message and "DEEPINFRA_API_KEY" in message
    assert "s3cr3t-value" not in message
    assert config.get("models.providers.deepinfra.apiKey", raw=True) == "${DEEPINFRA_API_KEY}"


def test_a_block_read_keeps_a_secret_input_raw_for_its_reader() -> None:
    # The key's reader resolves it just before use and may fall through to another source
    # (issue 18); reading the block it sits in must not fail on it first.
    config = OpenClawConfig(
        {"models": {"providers": {"deepinfra": {"apiKey": "${DEEPINFRA_API_KEY}", "api": "${API}"}}}},
        env={"API": "openai-completions"},
    )
    assert config.provider_config("deepinfra") == {
        "apiKey": "${DEEPINFRA_API_KEY}",
        "api": "openai-completions",
    }


def test_env_vars_apply_only_when_process_env_lacks_key() -> None:
    config = OpenClawConfig(
        {"env": {"vars": {"A": "from-config", "B": "from-config"}}, "x": "${A}-${B}"}, env={"A": "from-env"}
    )
    assert config.env["A"] == "from-env" and config.env["B"] == "from-config"
    assert config.get("x") == "from-env-from-config"


def test_env_vars_must_be_strings() -> None:
    with pytest.raises(ConfigError, match=r"env\.vars\.A"):
        OpenClawConfig({"env": {"vars": {"A": {"nested": 1}}}}, env={})


def test_save_round_trip_keeps_unknown_keys_and_raw_values(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "openclaw.json"
    config = OpenClawConfig({"unknownTop": {"x": [1, {"y": None}]}, "k": "${KEEP_ME}"}, path=path, env={})
    updated = config.with_value(("plugins", "entries", "deepinfra", "enabled"), True)
    assert updated.save() == path
    written = json.loads(path.read_text())
    assert written == {
        "unknownTop": {"x": [1, {"y": None}]},
        "k": "${KEEP_ME}",
        "plugins": {"entries": {"deepinfra": {"enabled": True}}},
    }
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.get("plugins") is None  # with_value returned a new config
    assert list(path.parent.iterdir()) == [path]  # no temp file left behind
    reloaded = OpenClawConfig.load(path, env={})
    assert reloaded.data == updated.data


def test_save_preserves_existing_mode(tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_text("{}")
    path.chmod(0o640)
    OpenClawConfig.load(path, env={}).with_value(["a"], 1).save()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert json.loads(path.read_text()) == {"a": 1}


def test_save_without_path_fails() -> None:
    with pytest.raises(ConfigError, match="no config path"):
        OpenClawConfig({}, env={}).save()


def test_with_value_refuses_to_replace_a_scalar_parent() -> None:
    with pytest.raises(ConfigError, match="plugins is not an object"):
        OpenClawConfig({"plugins": "x"}, env={}).with_value(["plugins", "entries"], {})


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, None),
        (
            {"agents": {"defaults": {"mediaModels": {"image": "deepinfra/a/b"}}}},
            MediaModelSelection("deepinfra/a/b"),
        ),
        (
            {
                "agents": {
                    "defaults": {
                        "imageGenerationModel": {
                            "primary": "deepinfra/a",
                            "fallbacks": ["x/y"],
                            "timeoutMs": 9000,
                        }
                    }
                }
            },
            MediaModelSelection("deepinfra/a", ("x/y",), 9000),
        ),
        (
            {"agents": {"defaults": {"mediaModels": {"image": {"fallbacks": ["x/y"]}}}}},
            MediaModelSelection(None, ("x/y",)),
        ),
    ],
)
def test_media_model(data: dict[str, Any], expected: MediaModelSelection | None) -> None:
    assert OpenClawConfig(data, env={}).media_model("image") == expected


@pytest.mark.parametrize(
    "value", [5, {"primary": 3}, {"primary": "a/b", "fallbacks": "x/y"}, {"primary": "a/b", "timeoutMs": -1}]
)
def test_media_model_invalid(value: Any) -> None:
    with pytest.raises(ConfigError, match=r"agents\.defaults\.mediaModels\.video"):
        OpenClawConfig({"agents": {"defaults": {"mediaModels": {"video": value}}}}, env={}).media_model(
            "video"
        )


def test_memory_search_per_agent_override() -> None:
    data: dict[str, Any] = {
        "memory": {
            "search": {"provider": "deepinfra", "remote": {"baseUrl": "https://a", "headers": {"X": "1"}}}
        },
        "agents": {
            "entries": {
                "coder": {"memory": {"search": {"model": "BAAI/bge-m3", "remote": {"baseUrl": "https://b"}}}}
            }
        },
    }
    config = OpenClawConfig(data, env={})
    assert config.memory_search() == data["memory"]["search"]
    assert config.memory_search("coder") == {
        "provider": "deepinfra",
        "model": "BAAI/bge-m3",
        "remote": {"baseUrl": "https://b", "headers": {"X": "1"}},
    }
    assert config.memory_search("unknown") == data["memory"]["search"]


def test_memory_search_per_agent_older_spellings() -> None:
    data = {
        "agents": {
            "defaults": {"memorySearch": {"provider": "openai"}},
            "list": [{"id": "coder", "memorySearch": {"provider": "deepinfra"}}],
        }
    }
    assert OpenClawConfig(data, env={}).memory_search("coder") == {"provider": "deepinfra"}


def test_legacy_keys() -> None:
    data = {
        "messages": {"tts": {}},
        "memorySearch": {},
        "agents": {"defaults": {"imageGenerationModel": "a/b"}, "entries": {"x": {"memorySearch": {}}}},
        "tools": {"media": {"video": {"models": []}, "image": {"enabled": True}}},
        "models": {"providers": {"deepinfra": {"nativeBaseUrl": "https://api.deepinfra.com/v1/inference"}}},
    }
    assert OpenClawConfig(data, env={}).legacy_keys() == [
        ("messages.tts", "tts"),
        ("memorySearch", "memory.search"),
        ("agents.defaults.imageGenerationModel", "agents.defaults.mediaModels.image"),
        ("tools.media.video.models", "tools.media.models"),
        ("agents.entries.x.memorySearch", "agents.entries.x.memory.search"),
    ]
    assert OpenClawConfig({"tts": {}}, env={}).legacy_keys() == []


def test_plugin_entry_and_repr_hide_values() -> None:
    config = OpenClawConfig(
        {
            "plugins": {"entries": {"deepinfra": {"enabled": True}}},
            "models": {"providers": {"deepinfra": {"apiKey": "sk-live-123"}}},
        },
        env={},
    )
    assert config.plugin_entry("deepinfra") == {"enabled": True}
    assert config.plugin_entry("other") == {}
    assert "sk-live-123" not in repr(config)


def test_non_object_block_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"models\.providers\.deepinfra must be an object"):
        OpenClawConfig({"models": {"providers": {"deepinfra": "x"}}}, env={}).provider_config("deepinfra")
