from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest

from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.errors import ConfigError
from openclaw_deepinfra.host.paths import AUTH_PROFILES_FILE

KEY = "di-secret-key-0123456789"


def test_missing_file_has_no_keys(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / AUTH_PROFILES_FILE)
    assert store.get_api_key("deepinfra:default") is None
    assert not store.path.exists()  # reading never creates the file


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
    assert set(json.loads(store.path.read_text())["profiles"]) == {"openai:default", "deepinfra:default"}


def test_repr_masks_keys(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / AUTH_PROFILES_FILE)
    store.put_api_key("deepinfra:default", "deepinfra", KEY)
    assert KEY not in repr(store)


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


# -- issue 12: OpenClaw's per-agent layout, the lock convention, the legacy location ----------------


def _write_store(path: Path, profiles: dict[str, object], **extra: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"version": 1, "profiles": profiles, **extra}))
    path.chmod(0o600)


def test_for_agent_uses_the_state_dir_and_reads_the_legacy_file_after_its_own(tmp_path: Path) -> None:
    env = {"OPENCLAW_STATE_DIR": str(tmp_path / "state")}
    config = tmp_path / "etc" / "openclaw.json"
    store = AuthProfileStore.for_agent("ops", config_path=config, env=env)
    assert store.path == tmp_path / "state/agents/ops/agent/auth-profiles.json"
    assert store.legacy == (tmp_path / "etc" / AUTH_PROFILES_FILE,)
    _write_store(
        store.legacy[0], {"deepinfra:default": {"key": "old-place"}, "x:default": {"key": "only-old"}}
    )
    assert store.get_api_key("deepinfra:default") == "old-place"
    _write_store(store.path, {"deepinfra:default": {"key": "new-place"}})
    assert store.get_api_key("deepinfra:default") == "new-place"
    assert store.get_api_key("x:default") == "only-old"


def test_legacy_profiles_reports_movable_and_shadowed(tmp_path: Path) -> None:
    store = AuthProfileStore(tmp_path / "agent" / AUTH_PROFILES_FILE, legacy=[tmp_path / AUTH_PROFILES_FILE])
    assert store.legacy_profiles() == []
    _write_store(store.path, {"a:default": {"key": "A"}, "same:default": {"key": "S"}})
    _write_store(
        store.legacy[0],
        {"a:default": {"key": "A-old"}, "b:default": {"key": "B"}, "same:default": {"key": "S"}},
    )
    (found,) = store.legacy_profiles()
    assert found.path == store.legacy[0]
    assert found.movable == ("b:default",) and found.shadowed == ("a:default",)
    assert "A-old" not in repr(found)


def test_migrate_moves_missing_profiles_and_deletes_an_emptied_legacy_file(tmp_path: Path) -> None:
    legacy = tmp_path / AUTH_PROFILES_FILE
    store = AuthProfileStore(tmp_path / "agent" / AUTH_PROFILES_FILE, legacy=[legacy])
    _write_store(legacy, {"deepinfra:default": {"type": "api_key", "provider": "deepinfra", "key": KEY}})
    assert store.migrate_legacy() == [("deepinfra:default", legacy)]
    assert not legacy.exists()
    assert store.get_api_key("deepinfra:default") == KEY
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    assert store.migrate_legacy() == []  # nothing left to move


def test_migrate_leaves_a_shadowed_profile_in_the_legacy_file(tmp_path: Path) -> None:
    legacy = tmp_path / AUTH_PROFILES_FILE
    store = AuthProfileStore(tmp_path / "agent" / AUTH_PROFILES_FILE, legacy=[legacy])
    _write_store(store.path, {"a:default": {"key": "mine"}})
    _write_store(legacy, {"a:default": {"key": "theirs"}, "b:default": {"key": "B"}})
    assert store.migrate_legacy() == [("b:default", legacy)]
    assert json.loads(legacy.read_text())["profiles"] == {"a:default": {"key": "theirs"}}
    assert store.get_api_key("a:default") == "mine" and store.get_api_key("b:default") == "B"


def test_gateway_keys_beside_profiles_are_kept(tmp_path: Path) -> None:
    path = tmp_path / AUTH_PROFILES_FILE
    _write_store(path, {}, order={"deepinfra": ["deepinfra:default"]}, lastGood={"openai": "openai:default"})
    AuthProfileStore(path).put_api_key("deepinfra:default", "deepinfra", KEY)
    data = json.loads(path.read_text())
    assert data["order"] == {"deepinfra": ["deepinfra:default"]}
    assert data["lastGood"] == {"openai": "openai:default"}
    assert data["profiles"]["deepinfra:default"]["key"] == KEY


def test_a_write_waits_for_the_gateways_lock_and_releases_its_own(tmp_path: Path) -> None:
    import threading

    path = tmp_path / AUTH_PROFILES_FILE
    lock = tmp_path / (AUTH_PROFILES_FILE + ".lock")
    lock.mkdir()  # the gateway holds the lock (proper-lockfile: a directory)
    store = AuthProfileStore(path)
    done = threading.Event()
    worker = threading.Thread(target=lambda: (store.put_api_key("p:default", "p", KEY), done.set()))
    worker.start()
    assert not done.wait(0.3)  # still waiting: nothing written under the gateway's lock
    assert not path.exists()
    lock.rmdir()
    assert done.wait(5)
    worker.join()
    assert store.get_api_key("p:default") == KEY
    assert not lock.exists()  # our own lock is released
