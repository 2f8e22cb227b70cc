"""`plugins list|inspect|install|enable|disable`, against the real entry point of this package."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import openclaw_deepinfra
from openclaw_deepinfra.cli import plugins as plugins_cmd
from openclaw_deepinfra.host import install as host_install
from tests.cli.conftest import SECRET, CliEnv, Run

SOURCE = "deepinfra = openclaw_deepinfra.plugin:entry"
REPO_ROOT = Path(openclaw_deepinfra.__file__).resolve().parents[1]
# Every surface the plugin registers, in registration order.
REGISTERED_KINDS = (
    "provider",
    "model-catalog-provider",
    "speech-provider",
    "media-understanding-provider",
    "embedding-provider",
    "image-generation-provider",
    "video-generation-provider",
)
LOADED_ROW = {
    "id": "deepinfra",
    "status": "loaded",
    "source": SOURCE,
    "name": "DeepInfra Provider",
    "version": "0.1.0",
    "error": None,
    "registrations": [{"kind": kind, "id": "deepinfra"} for kind in REGISTERED_KINDS],
    "diagnostics": [],
}


def test_list_shows_the_plugin_loaded_with_its_registrations(cli_env: CliEnv, run: Run) -> None:
    result = run("plugins", "list")

    assert result.code == 0, result.err
    assert result.out == f"deepinfra  loaded  0.1.0  {', '.join(sorted(REGISTERED_KINDS))}\n"
    assert result.err == ""


def test_list_json(cli_env: CliEnv, run: Run) -> None:
    result = run("plugins", "list", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == {"plugins": [LOADED_ROW]}


def test_inspect_text(cli_env: CliEnv, run: Run) -> None:
    result = run("plugins", "inspect", "deepinfra")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "plugin deepinfra (DeepInfra Provider 0.1.0): loaded",
        f"  source: {SOURCE}",
        *(f"  registered {kind}: deepinfra" for kind in REGISTERED_KINDS),
    ]


def test_inspect_json(cli_env: CliEnv, run: Run) -> None:
    result = run("plugins", "inspect", "deepinfra", "--json")

    assert result.code == 0, result.err
    assert json.loads(result.out) == LOADED_ROW


@pytest.mark.parametrize("extra", [(), ("--json",)], ids=["text", "json"])
def test_inspect_of_an_unknown_plugin_is_a_usage_error(
    cli_env: CliEnv, run: Run, extra: tuple[str, ...]
) -> None:
    result = run("plugins", "inspect", "nope", *extra)

    assert result.code == 2
    assert result.out == ""
    assert result.err == "openclaw-deepinfra: error: no plugin 'nope' was found (found: deepinfra)\n"


def test_listing_needs_no_key_and_never_prints_one(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)

    result = run("plugins", "inspect", "deepinfra", "--json")

    assert result.code == 0
    assert SECRET not in result.text


# -- disabled by the config --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("plugins", "reason"),
    [
        ({"deny": ["deepinfra"]}, "listed in plugins.deny"),
        ({"allow": ["someone-else"]}, "not listed in plugins.allow"),
        ({"entries": {"deepinfra": {"enabled": False}}}, "plugins.entries.deepinfra.enabled is false"),
    ],
    ids=["deny", "allow", "entry"],
)
def test_a_plugin_disabled_in_the_config_is_reported_and_models_says_why(
    cli_env: CliEnv, run: Run, plugins: dict[str, Any], reason: str
) -> None:
    cli_env.write_config({"plugins": plugins})

    listing = run("plugins", "list")
    inspected = json.loads(run("plugins", "inspect", "deepinfra", "--json").out)
    models = run("models")

    assert listing.code == 0
    assert listing.out == "deepinfra  disabled  0.1.0\n"
    assert inspected["status"] == "disabled"
    assert inspected["error"] == reason
    assert inspected["registrations"] == []
    assert models.code == 1
    assert models.out == ""
    assert models.err == (
        f"openclaw-deepinfra: error: plugin 'deepinfra' is disabled ({reason}); "
        "enable it with `openclaw-deepinfra plugins enable deepinfra`\n"
    )


def test_onboard_with_the_plugin_denied_fails_the_same_way(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config({"plugins": {"deny": ["deepinfra"]}})

    result = run("onboard", "--deepinfra-api-key", SECRET)

    assert result.code == 1
    assert "plugin 'deepinfra' is disabled (listed in plugins.deny)" in result.err
    assert not cli_env.profiles.exists()
    assert SECRET not in result.text


# -- install / enable / disable with a fake pip --------------------------------------------------


class FakePip:
    def __init__(self, returncode: int = 0, stderr: str = "") -> None:
        self.returncode = returncode
        self.stderr = stderr
        self.calls: list[list[str]] = []

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["capture_output"] is True
        assert kwargs["check"] is False
        self.calls.append(list(argv))
        return subprocess.CompletedProcess(argv, self.returncode, stdout="", stderr=self.stderr)


@pytest.fixture
def pip(monkeypatch: pytest.MonkeyPatch) -> FakePip:
    """Replaces the runner `install_plugin` uses by default, so the CLI's own call path is kept."""
    fake = FakePip()
    defaults = host_install.install_plugin.__kwdefaults__
    assert defaults is not None
    assert defaults["runner"] is subprocess.run
    monkeypatch.setitem(defaults, "runner", fake)
    return fake


def _pip_target(argv: list[str]) -> str:
    assert argv[:5] == [sys.executable, "-m", "pip", "install", "--disable-pip-version-check"]
    assert argv[5] == "--report"
    return argv[-1]


def test_install_from_a_path_enables_the_plugin(cli_env: CliEnv, run: Run, pip: FakePip) -> None:
    result = run("plugins", "install", str(REPO_ROOT))

    assert result.code == 0, result.err
    assert result.out == f"installed deepinfra; enabled in {cli_env.config}\n"
    assert len(pip.calls) == 1
    assert _pip_target(pip.calls[0]) == str(REPO_ROOT)
    assert cli_env.read_config() == {"plugins": {"entries": {"deepinfra": {"enabled": True}}}}


def test_install_says_which_plugin_was_left_disabled_and_what_it_needs(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A plugin whose required config is missing is installed disabled (host/install.py); the CLI
    # must not report it as enabled, and says what to set and how to enable it afterwards.
    def fake_install(spec: str, config_path: Path) -> host_install.InstallResult:
        manifest = Path("plugin.toml")
        plugins = (
            host_install.InstalledPlugin("ready", "ready:register", "ready", manifest, True),
            host_install.InstalledPlugin(
                "fussy", "fussy:register", "fussy", manifest, False,
                "plugins.entries.fussy.config needs region",
            ),
        )  # fmt: skip
        return host_install.InstallResult(spec, config_path, plugins)

    monkeypatch.setattr(plugins_cmd, "install_plugin", fake_install)
    result = run("plugins", "install", "two-plugins")

    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        f"installed ready; enabled in {cli_env.config}",
        f"installed fussy; left disabled in {cli_env.config}: plugins.entries.fussy.config needs region; "
        "set it, then run `openclaw-deepinfra plugins enable fussy`",
    ]


def test_install_by_name_passes_the_requirement_to_pip_even_when_a_same_named_directory_exists(
    cli_env: CliEnv, run: Run, pip: FakePip, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip reads a bare name as a requirement; the CLI must not turn it into a local path.
    (cli_env.root / "openclaw-deepinfra").mkdir()
    monkeypatch.chdir(cli_env.root)

    result = run("plugins", "install", "openclaw-deepinfra")

    assert result.code == 0, result.err
    assert _pip_target(pip.calls[0]) == "openclaw-deepinfra"
    assert cli_env.read_config()["plugins"]["entries"]["deepinfra"] == {"enabled": True}


def test_install_trusts_the_plugin_and_keeps_the_rest_of_the_config(
    cli_env: CliEnv, run: Run, pip: FakePip
) -> None:
    cli_env.write_config(
        "// hand written\n{plugins: {allow: ['other'], deny: ['deepinfra', 'bad'],"
        " entries: {deepinfra: {config: {}}}}, gateway: {port: 1}}"
    )

    result = run("plugins", "install", str(REPO_ROOT))

    assert result.code == 0, result.err
    assert cli_env.read_config() == {
        "plugins": {
            "allow": ["other", "deepinfra"],
            "deny": ["bad"],
            "entries": {"deepinfra": {"config": {}, "enabled": True}},
        },
        "gateway": {"port": 1},
    }
    # Issue 12: an edit, not a rewrite: the comment and the untouched keys keep their bytes.
    text = cli_env.config.read_text()
    assert text.startswith("// hand written\n{plugins: {allow: ['other', \"deepinfra\"], deny: ")
    assert text.endswith("gateway: {port: 1}}")
    assert "deepinfra  loaded" in run("plugins", "list").out


def test_a_failing_pip_is_one_line_and_leaves_the_config_alone(
    cli_env: CliEnv, run: Run, pip: FakePip
) -> None:
    pip.returncode = 1
    pip.stderr = "ERROR: Could not find a version\nERROR: No matching distribution found for nope-plugin\n"
    cli_env.write_config({"gateway": {"port": 1}})

    result = run("plugins", "install", "nope-plugin")

    assert result.code == 1
    assert result.out == ""
    assert result.err == (
        "openclaw-deepinfra: error: pip install nope-plugin failed (exit 1): "
        "ERROR: Could not find a version ERROR: No matching distribution found for nope-plugin\n"
    )
    assert cli_env.read_config() == {"gateway": {"port": 1}}


def test_install_of_a_package_without_an_entry_point_is_refused(
    cli_env: CliEnv, run: Run, pip: FakePip
) -> None:
    result = run("plugins", "install", "requests")

    assert result.code == 1
    assert "declares no 'openclaw.plugins' entry point" in result.err
    assert result.err.count("\n") == 1
    assert not cli_env.config.exists()


def test_install_refuses_a_broken_config_before_running_pip(cli_env: CliEnv, run: Run, pip: FakePip) -> None:
    cli_env.write_config("{plugins: {deny: 'deepinfra'}}")

    result = run("plugins", "install", str(REPO_ROOT))

    assert result.code == 1
    assert "plugins.deny must be a list of plugin ids" in result.err
    assert pip.calls == []


def test_disable_then_enable_toggles_the_entry(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config({"plugins": {"entries": {"deepinfra": {"config": {}}}}, "gateway": {"port": 1}})

    disabled = run("plugins", "disable", "deepinfra")
    after_disable = cli_env.read_config()
    listed_disabled = run("plugins", "list").out
    enabled = run("plugins", "enable", "deepinfra")
    after_enable = cli_env.read_config()
    listed_enabled = run("plugins", "list").out

    assert (disabled.code, disabled.out) == (0, f"disabled deepinfra in {cli_env.config}\n")
    assert after_disable == {
        "plugins": {"entries": {"deepinfra": {"config": {}, "enabled": False}}},
        "gateway": {"port": 1},
    }
    assert listed_disabled == "deepinfra  disabled  0.1.0\n"
    assert (enabled.code, enabled.out) == (0, f"enabled deepinfra in {cli_env.config}\n")
    assert after_enable == {
        "plugins": {"entries": {"deepinfra": {"config": {}, "enabled": True}}},
        "gateway": {"port": 1},
    }
    assert listed_enabled == f"deepinfra  loaded  0.1.0  {', '.join(sorted(REGISTERED_KINDS))}\n"


def test_enable_lifts_a_deny_but_disable_leaves_the_lists_alone(cli_env: CliEnv, run: Run) -> None:
    cli_env.write_config({"plugins": {"deny": ["deepinfra"], "allow": ["x"]}})

    assert run("plugins", "enable", "deepinfra").code == 0
    assert cli_env.read_config()["plugins"] == {
        "deny": [],
        "allow": ["x", "deepinfra"],
        "entries": {"deepinfra": {"enabled": True}},
    }
    assert run("plugins", "disable", "deepinfra").code == 0
    assert cli_env.read_config()["plugins"] == {
        "deny": [],
        "allow": ["x", "deepinfra"],
        "entries": {"deepinfra": {"enabled": False}},
    }
