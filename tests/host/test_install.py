from __future__ import annotations

import json
import logging
import subprocess
import sys
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import json5
import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import InstallError
from openclaw_deepinfra.host.install import disable_plugin, enable_plugin, install_plugin

MANIFEST = """
id = "{id}"
name = "Fake"
[configSchema]
type = "object"
{extra}
"""


@dataclass
class FakeRunner:
    returncode: int = 0
    stderr: str = ""
    report: list[dict[str, Any]] = field(default_factory=list)
    calls: list[list[str]] = field(default_factory=list)

    def __call__(self, argv: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        assert kwargs["capture_output"] is True and kwargs["text"] is True and kwargs["timeout"] > 0
        self.calls.append(argv)
        report_path = Path(argv[argv.index("--report") + 1])
        report_path.write_text(json.dumps({"version": "1", "install": self.report}))
        return subprocess.CompletedProcess(argv, self.returncode, stdout="", stderr=self.stderr)


@pytest.fixture
def plugin_pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """An importable-by-spec package (never imported) with a plugin.toml, and its entry point."""
    module = f"fakeplug_{uuid.uuid4().hex[:8]}"
    root = tmp_path / "site"
    (root / module).mkdir(parents=True)
    (root / module / "__init__.py").write_text("raise RuntimeError('plugin code must not be imported')\n")
    monkeypatch.syspath_prepend(str(root))

    def write_manifest(plugin_id: str = "fake", extra: str = "") -> None:
        (root / module / "plugin.toml").write_text(MANIFEST.format(id=plugin_id, extra=extra))

    write_manifest()
    ep = SimpleNamespace(
        name="fake",
        value=f"{module}.plugin:entry",
        module=f"{module}.plugin",
        dist=SimpleNamespace(name="Fake_Plugin"),
    )
    other = SimpleNamespace(
        name="other", value="other:entry", module="other", dist=SimpleNamespace(name="other")
    )
    return SimpleNamespace(
        module=module, dir=root / module, ep=ep, eps=[ep, other], write_manifest=write_manifest
    )


def _eps(pkg: SimpleNamespace) -> Any:
    def source() -> Iterable[Any]:
        return list(pkg.eps)

    return source


def test_install_by_name_enables_and_updates_allow_deny(tmp_path: Path, plugin_pkg: SimpleNamespace) -> None:
    config_path = tmp_path / "openclaw.json"
    config_path.write_text(
        '{plugins: {allow: ["other"], deny: ["fake", "x"], entries: {fake: {config: {a: 1}}}},'
        " custom: {keep: true}}"
    )
    runner = FakeRunner(report=[{"metadata": {"name": "fake-plugin"}, "requested": True}])
    result = install_plugin(
        "fake-plugin==1.0", config_path, pip_args=("--no-deps",), runner=runner, entry_points=_eps(plugin_pkg)
    )
    [argv] = runner.calls
    assert argv[:4] == [sys.executable, "-m", "pip", "install"]
    assert argv[-2:] == ["--no-deps", "fake-plugin==1.0"]
    assert tuple(p.id for p in result.plugins) == ("fake",)
    [plugin] = result.plugins
    assert plugin.enabled and plugin.note is None
    assert plugin.manifest_path == plugin_pkg.dir / "plugin.toml"
    assert plugin.distribution == "Fake_Plugin" and plugin.entry_point == plugin_pkg.ep.value
    saved = json5.loads(config_path.read_text())
    assert saved == {
        "plugins": {
            "allow": ["other", "fake"],
            "deny": ["x"],
            "entries": {"fake": {"config": {"a": 1}, "enabled": True}},
        },
        "custom": {"keep": True},
    }


def test_install_local_path_uses_pyproject_name(tmp_path: Path, plugin_pkg: SimpleNamespace) -> None:
    src = tmp_path / "src-checkout"
    src.mkdir()
    (src / "pyproject.toml").write_text('[project]\nname = "fake.plugin"\n')
    config_path = tmp_path / "conf" / "openclaw.json"
    runner = FakeRunner()  # already installed: pip's report lists nothing
    result = install_plugin(str(src), config_path, runner=runner, entry_points=_eps(plugin_pkg))
    assert runner.calls[0][-1] == str(src.resolve())
    assert tuple(p.id for p in result.plugins) == ("fake",) and result.config_path == config_path
    assert OpenClawConfig.load(config_path, env={}).plugin_entry("fake") == {"enabled": True}


def test_dependencies_in_the_report_are_not_installed_as_plugins(
    tmp_path: Path, plugin_pkg: SimpleNamespace
) -> None:
    runner = FakeRunner(
        report=[
            {"metadata": {"name": "other"}, "requested": False},
            {"metadata": {"name": "fake-plugin"}, "requested": True},
        ]
    )
    result = install_plugin(
        "https://example.test/fake.tar.gz", tmp_path / "c.json", runner=runner, entry_points=_eps(plugin_pkg)
    )
    assert tuple(p.id for p in result.plugins) == ("fake",)


def test_invalid_existing_config_fails_before_pip(tmp_path: Path) -> None:
    config_path = tmp_path / "openclaw.json"
    for text in ("{plugins: ", '{plugins: {allow: "fake"}}', "{plugins: []}"):
        config_path.write_text(text)
        runner = FakeRunner()
        with pytest.raises(InstallError, match="existing config is invalid"):
            install_plugin("fake-plugin", config_path, runner=runner, entry_points=lambda: [])
        assert runner.calls == []


def test_pip_failure_reports_stderr_tail_without_credentials(tmp_path: Path) -> None:
    stderr = "\n".join(f"line {i}" for i in range(30)) + (
        "\nERROR: Could not find fake-plugin at https://user:tok3n@pypi.example/simple"
    )
    runner = FakeRunner(returncode=1, stderr=stderr)
    with pytest.raises(InstallError) as info:
        install_plugin("fake-plugin", tmp_path / "c.json", runner=runner, entry_points=lambda: [])
    message = str(info.value)
    assert "pip install fake-plugin failed (exit 1)" in message
    assert "line 29" in message and "line 5\n" not in message
    assert "tok3n" not in message and "https://***@pypi.example/simple" in message
    assert not (tmp_path / "c.json").exists()


def test_no_entry_point_is_an_error(tmp_path: Path, plugin_pkg: SimpleNamespace) -> None:
    with pytest.raises(InstallError, match=r"declares no 'openclaw\.plugins' entry point"):
        install_plugin("unrelated", tmp_path / "c.json", runner=FakeRunner(), entry_points=_eps(plugin_pkg))


def test_invalid_manifest_is_an_error_and_config_untouched(
    tmp_path: Path, plugin_pkg: SimpleNamespace
) -> None:
    (plugin_pkg.dir / "plugin.toml").write_text('name = "no id"\n')
    config_path = tmp_path / "c.json"
    with pytest.raises(InstallError, match=r"has no valid plugin\.toml"):
        install_plugin("fake-plugin", config_path, runner=FakeRunner(), entry_points=_eps(plugin_pkg))
    assert not config_path.exists()


def test_missing_required_plugin_config_installs_disabled(
    tmp_path: Path, plugin_pkg: SimpleNamespace
) -> None:
    plugin_pkg.write_manifest(
        extra='required = ["region"]\n[configSchema.properties.region]\ntype = "string"'
    )
    result = install_plugin(
        "fake-plugin", tmp_path / "c.json", runner=FakeRunner(), entry_points=_eps(plugin_pkg)
    )
    [plugin] = result.plugins
    assert not plugin.enabled and plugin.note is not None and "region" in plugin.note
    assert OpenClawConfig.load(tmp_path / "c.json", env={}).plugin_entry("fake") == {"enabled": False}


def test_manifest_id_wins_over_entry_point_name(
    tmp_path: Path, plugin_pkg: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    plugin_pkg.write_manifest(plugin_id="fake-real")
    with caplog.at_level(logging.WARNING, logger="openclaw.plugins.install"):
        result = install_plugin(
            "fake-plugin", tmp_path / "c.json", runner=FakeRunner(), entry_points=_eps(plugin_pkg)
        )
    assert tuple(p.id for p in result.plugins) == ("fake-real",)
    assert any("plugin id mismatch" in r.getMessage() for r in caplog.records)


def test_enable_and_disable_toggle(tmp_path: Path) -> None:
    config_path = tmp_path / "openclaw.json"
    config_path.write_text('{plugins: {allow: [], deny: ["deepinfra"], entries: {deepinfra: {config: {}}}}}')
    disable_plugin("deepinfra", config_path)
    saved = json5.loads(config_path.read_text())["plugins"]
    assert saved == {
        "allow": [],
        "deny": ["deepinfra"],
        "entries": {"deepinfra": {"config": {}, "enabled": False}},
    }
    enable_plugin("deepinfra", config_path)
    saved = json5.loads(config_path.read_text())["plugins"]
    assert saved == {
        "allow": ["deepinfra"],
        "deny": [],
        "entries": {"deepinfra": {"config": {}, "enabled": True}},
    }


def test_enable_on_broken_config_fails(tmp_path: Path) -> None:
    config_path = tmp_path / "openclaw.json"
    config_path.write_text('{plugins: {entries: {deepinfra: "yes"}}}')
    with pytest.raises(InstallError, match=r"plugins\.entries\.deepinfra must be an object"):
        enable_plugin("deepinfra", config_path)
