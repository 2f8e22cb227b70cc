"""Issue 12 part 1: every path resolved the way OpenClaw resolves it."""

from __future__ import annotations

from pathlib import Path

import pytest

from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


HOME = Path("/h")


@pytest.mark.parametrize(
    ("env", "given", "expected"),
    [
        ({}, None, None),  # ~/.openclaw/openclaw.json (checked against the OS home below)
        ({"OPENCLAW_HOME": "/h"}, None, HOME / ".openclaw/openclaw.json"),
        ({"OPENCLAW_STATE_DIR": "/srv/oc"}, None, Path("/srv/oc/openclaw.json")),
        ({"OPENCLAW_STATE_DIR": "~/state", "OPENCLAW_HOME": "/h"}, None, HOME / "state/openclaw.json"),
        (
            {"OPENCLAW_STATE_DIR": "/srv/oc", "OPENCLAW_CONFIG_PATH": "/etc/oc.json"},
            None,
            Path("/etc/oc.json"),
        ),
        ({"OPENCLAW_CONFIG_PATH": "~/cfg.json5", "OPENCLAW_HOME": "/h"}, None, HOME / "cfg.json5"),
        ({"OPENCLAW_CONFIG_PATH": "/etc/oc.json"}, Path("/tmp/given.json"), Path("/tmp/given.json")),
        ({"OPENCLAW_CONFIG_PATH": "   ", "OPENCLAW_STATE_DIR": "/s"}, None, Path("/s/openclaw.json")),
    ],
    ids=[
        "default",
        "home",
        "state-dir",
        "state-dir-tilde",
        "env-config-wins",
        "env-tilde",
        "flag-wins",
        "blank",
    ],
)
def test_config_path(_home: Path, env: dict[str, str], given: Path | None, expected: Path | None) -> None:
    want = expected if expected is not None else _home / ".openclaw" / "openclaw.json"
    assert paths.config_path(given, env) == want
    if given is None:
        assert OpenClawConfig.load(env=env).path == want


def test_a_profile_selects_its_own_state_dir_and_config(_home: Path) -> None:
    assert paths.profile_env("work", {}) == {
        "OPENCLAW_STATE_DIR": str(_home / ".openclaw-work"),
        "OPENCLAW_CONFIG_PATH": str(_home / ".openclaw-work" / "openclaw.json"),
    }
    env = paths.profile_env("work", {"OPENCLAW_HOME": "/h"})
    assert paths.state_dir(env) == HOME / ".openclaw-work"
    assert paths.config_path(None, env) == HOME / ".openclaw-work/openclaw.json"
    assert (
        paths.auth_profiles_path("main", env) == HOME / ".openclaw-work/agents/main/agent/auth-profiles.json"
    )
    assert paths.cache_dir(env) == HOME / ".openclaw-work/cache/deepinfra"


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".hidden", "x" * 65, "a b", "-lead"])
def test_bad_profile_and_agent_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="is not valid: use 1-64 letters"):
        paths.profile_env(name, {})
    with pytest.raises(ConfigError, match="agent id"):
        paths.auth_profiles_path(name, {})


def test_auth_profiles_live_per_agent_in_the_state_dir() -> None:
    env = {"OPENCLAW_STATE_DIR": "/s"}
    assert paths.auth_profiles_path(env=env) == Path("/s/agents/main/agent/auth-profiles.json")
    assert paths.auth_profiles_path("ops_2", env) == Path("/s/agents/ops_2/agent/auth-profiles.json")
    assert paths.legacy_auth_profiles_path(Path("/etc/oc/openclaw.json")) == Path(
        "/etc/oc/auth-profiles.json"
    )


def test_cache_dir_follows_the_state_dir_unless_overridden() -> None:
    assert paths.cache_dir({"OPENCLAW_STATE_DIR": "/a"}) != paths.cache_dir({"OPENCLAW_STATE_DIR": "/b"})
    assert paths.cache_dir({"OPENCLAW_STATE_DIR": "/a", "OPENCLAW_DEEPINFRA_CACHE_DIR": "/c"}) == Path("/c")
    assert paths.cache_dir({"OPENCLAW_HOME": "/h", "OPENCLAW_DEEPINFRA_CACHE_DIR": "~/c"}) == HOME / "c"


def test_openclaw_home_is_itself_expanded(_home: Path) -> None:
    assert paths.home_dir({"OPENCLAW_HOME": "~/alt"}) == _home / "alt"
    assert paths.expand("~", {"OPENCLAW_HOME": "/h"}) == HOME
    assert paths.expand("rel/x", {"OPENCLAW_HOME": "/h"}) == Path("rel/x")


def _table(text: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index("| file | path |")
    rows = []
    for line in lines[start:]:
        if not line.strip().startswith("|"):
            break
        rows.append(line.strip().replace("``", "`"))
    return rows


def test_the_readme_lists_the_same_places_as_the_code() -> None:
    readme = Path(__file__).resolve().parents[2] / "README.md"
    code_rows = _table(paths.__doc__ or "")
    assert len(code_rows) == 7
    assert _table(readme.read_text(encoding="utf-8")) == code_rows
