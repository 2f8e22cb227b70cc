from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from openclaw_deepinfra.host.auth_profiles import AUTH_PROFILES_FILE, AuthProfileStore
from openclaw_deepinfra.host.errors import ConfigError

KEY = "di-secret-key-0123456789"


def test_beside_config_file(tmp_path: Path) -> None:
    store = AuthProfileStore.beside(tmp_path / "openclaw.json")
    assert store.path == tmp_path / AUTH_PROFILES_FILE


def test_missing_file_has_no_keys(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / AUTH_PROFILES_FILE)
    assert store.get_api_key("deepinfra:default") is None
    assert store.profiles() == {}


def test_put_then_get_writes_0600_and_documented_shape(tmp_path: Path) -> None:
    path = tmp_path / "sub" / AUTH_PROFILES_FILE
    store = AuthProfileStore(path)
    store.put_api_key("deepinfra:default", "deepinfra", f"  {KEY}\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {
        "version": 1,
        "profiles": {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": KEY}},
    }
    assert store.get_api_key("deepinfra:default") == KEY
    assert list(path.parent.iterdir()) == [path]  # temp file replaced, not left behind


def test_put_keeps_other_profiles_and_overwrites_same_id(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / AUTH_PROFILES_FILE)
    store.put_api_key("openai:default", "openai", "sk-other")
    store.put_api_key("deepinfra:default", "deepinfra", "old")
    store.put_api_key("deepinfra:default", "deepinfra", KEY)
    assert store.get_api_key("openai:default") == "sk-other"
    assert store.get_api_key("deepinfra:default") == KEY
    assert store.remove("openai:default") is True
    assert store.remove("openai:default") is False
    assert set(store.profiles()) == {"deepinfra:default"}


def test_profiles_and_repr_mask_keys(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / AUTH_PROFILES_FILE)
    store.put_api_key("deepinfra:default", "deepinfra", KEY)
    assert store.profiles() == {
        "deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": "***"}
    }
    assert KEY not in repr(store) and KEY not in str(store.profiles())


def test_token_profile_is_read(tmp_path: Path) -> None:
    path = tmp_path / AUTH_PROFILES_FILE
    path.write_text(json.dumps({"version": 1, "profiles": {"x:default": {"type": "token", "token": KEY}}}))
    path.chmod(0o600)
    assert AuthProfileStore(path).get_api_key("x:default") == KEY


def test_group_readable_file_is_tightened(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / AUTH_PROFILES_FILE
    path.write_text(json.dumps({"version": 1, "profiles": {"deepinfra:default": {"key": KEY}}}))
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="openclaw.auth"):
        assert AuthProfileStore(path).get_api_key("deepinfra:default") == KEY
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("tightened to 0600" in r.getMessage() for r in caplog.records)
    assert all(KEY not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("content", ['{"profiles": ' + f'"{KEY}"', "[1]", '{"version": 1}'])
def test_invalid_file_is_a_config_error_without_contents(tmp_path: Path, content: str) -> None:
    path = tmp_path / AUTH_PROFILES_FILE
    path.write_text(content)
    path.chmod(0o600)
    with pytest.raises(ConfigError) as info:
        AuthProfileStore(path).get_api_key("deepinfra:default")
    assert str(path) in str(info.value) and KEY not in str(info.value)


def test_empty_key_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="empty API key"):
        AuthProfileStore(tmp_path / AUTH_PROFILES_FILE).put_api_key("deepinfra:default", "deepinfra", "  ")
