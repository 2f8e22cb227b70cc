"""``plugins install | enable | disable`` (host-contracts §10).

Install = pip-install into the running environment, find the package's ``openclaw.plugins`` entry
points, validate each ``plugin.toml`` without importing plugin code, then record
``plugins.entries.<id>.enabled`` in the config (added to an existing ``plugins.allow``, removed from
``plugins.deny``). The config is checked before pip runs so a broken file is never half-updated.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import logging
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ConfigError, HostError, InstallError
from openclaw_deepinfra.host.hookspecs import ENTRY_POINT_GROUP
from openclaw_deepinfra.host.safe_write import ensure_writable_target

logger = logging.getLogger("openclaw.plugins.install")

PIP_TIMEOUT_S = 900.0
_PIP_INSTALL = (sys.executable, "-m", "pip", "install", "--disable-pip-version-check")
_STDERR_TAIL = 15
_URL_USERINFO_RE = re.compile(r"://[^/@\s]+@")
_REQ_NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")

Runner = Callable[..., "subprocess.CompletedProcess[str]"]
EntryPointSource = Callable[[], Iterable[Any]]


@dataclass(frozen=True)
class InstalledPlugin:
    id: str
    entry_point: str  # "module:attr"
    distribution: str | None
    manifest_path: Path
    enabled: bool
    note: str | None = None  # why it was installed disabled


@dataclass(frozen=True)
class InstallResult:
    spec: str
    config_path: Path
    plugins: tuple[InstalledPlugin, ...]


def install_plugin(
    spec: str,
    config_path: Path,
    *,
    pip_args: Sequence[str] = (),
    runner: Runner = subprocess.run,
    entry_points: EntryPointSource | None = None,
) -> InstallResult:
    """pip-install ``spec`` (a local path or a requirement), validate its manifest(s), enable it."""
    from openclaw_deepinfra.host.manifest import load_manifest, locate_manifest

    config = _load_config(config_path)
    local = Path(spec).expanduser()
    # Like pip: a bare name is a requirement even if a same-named directory sits in the cwd.
    is_path = any(sep in spec for sep in ("/", "\\")) or spec.startswith((".", "~")) or local.suffix == ".whl"
    target = str(local.resolve()) if is_path and local.exists() else spec
    dist_names = _names_from_spec(spec, local if is_path else None)

    with tempfile.TemporaryDirectory(prefix="openclaw-install-") as tmp:
        report = Path(tmp) / "report.json"
        argv = [*_PIP_INSTALL, "--report", str(report), *pip_args, target]
        try:
            done = runner(argv, capture_output=True, text=True, check=False, timeout=PIP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise InstallError(f"pip install {spec} timed out after {PIP_TIMEOUT_S:g}s") from None
        except OSError as exc:
            raise InstallError(f"cannot run pip: {exc.strerror or exc}") from None
        if done.returncode != 0:
            raise InstallError(
                f"pip install {spec} failed (exit {done.returncode}):\n{_tail(done.stderr or done.stdout)}"
            )
        dist_names |= _names_from_report(report)

    importlib.invalidate_caches()
    source = entry_points or (lambda: importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))
    found = [ep for ep in source() if _normalize(_dist_name(ep) or "") in dist_names]
    if not found:
        raise InstallError(
            f"{spec} was installed but declares no {ENTRY_POINT_GROUP!r} entry point "
            f"(looked for distributions: {', '.join(sorted(dist_names)) or 'unknown'}); "
            "is it an OpenClaw plugin?"
        )

    installed: list[InstalledPlugin] = []
    for ep in found:
        try:
            manifest_path = locate_manifest(ep.module)
            manifest = load_manifest(manifest_path)
        except HostError as exc:
            raise InstallError(
                f"{spec}: entry point {ep.name!r} has no valid plugin.toml: {exc}; "
                "the package is installed but was not enabled"
            ) from None
        plugin_id: str = manifest.id
        if plugin_id != ep.name:
            logger.warning(
                "plugin id mismatch: entry point %r, manifest id %r; using %r", ep.name, plugin_id, plugin_id
            )
        missing = _missing_required_config(manifest, config.plugin_entry(plugin_id))
        note = f"plugins.entries.{plugin_id}.config needs {', '.join(missing)}" if missing else None
        config = _set_enabled(config, plugin_id, enabled=not missing, trust=True)
        installed.append(
            InstalledPlugin(plugin_id, ep.value, _dist_name(ep), manifest_path, not missing, note)
        )
    saved = config.save(config_path)
    return InstallResult(spec=spec, config_path=saved, plugins=tuple(installed))


def enable_plugin(plugin_id: str, config_path: Path) -> Path:
    """``plugins.entries.<id>.enabled = true`` (+ allow/deny as install does)."""
    return _set_enabled(_load_config(config_path), plugin_id, enabled=True, trust=True).save(config_path)


def disable_plugin(plugin_id: str, config_path: Path) -> Path:
    """``plugins.entries.<id>.enabled = false``; allow/deny lists are left as the user wrote them."""
    return _set_enabled(_load_config(config_path), plugin_id, enabled=False, trust=False).save(config_path)


def _load_config(config_path: Path) -> OpenClawConfig:
    # Before pip runs: a config path that names a device, FIFO or directory is never replaced.
    ensure_writable_target(config_path)
    try:
        config = OpenClawConfig.load(config_path)
        plugins = config.get("plugins", raw=True)
        if plugins is not None and not isinstance(plugins, Mapping):
            raise ConfigError(f"{config_path}: plugins must be an object")
        for key in ("allow", "deny"):
            value = config.get(("plugins", key), raw=True)
            if value is not None and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise ConfigError(f"{config_path}: plugins.{key} must be a list of plugin ids")
        entries = config.get(("plugins", "entries"), raw=True)
        if entries is not None and not isinstance(entries, Mapping):
            raise ConfigError(f"{config_path}: plugins.entries must be an object")
    except ConfigError as exc:
        raise InstallError(f"the existing config is invalid, fix it first: {exc}") from None
    return config


def _set_enabled(config: OpenClawConfig, plugin_id: str, *, enabled: bool, trust: bool) -> OpenClawConfig:
    entry = config.get(("plugins", "entries", plugin_id), raw=True)
    if entry is not None and not isinstance(entry, Mapping):
        raise InstallError(f"plugins.entries.{plugin_id} must be an object")
    config = config.with_value(("plugins", "entries", plugin_id), {**(entry or {}), "enabled": enabled})
    if trust:
        allow = config.get(("plugins", "allow"), raw=True)
        if isinstance(allow, list) and plugin_id not in allow:
            config = config.with_value(("plugins", "allow"), [*allow, plugin_id])
        deny = config.get(("plugins", "deny"), raw=True)
        if isinstance(deny, list) and plugin_id in deny:
            config = config.with_value(("plugins", "deny"), [d for d in deny if d != plugin_id])
    return config


def _missing_required_config(manifest: Any, entry: Mapping[str, Any]) -> list[str]:
    required = manifest.config_schema.get("required")
    given = entry.get("config")
    given = given if isinstance(given, Mapping) else {}
    return [key for key in required if key not in given] if isinstance(required, list) else []


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _dist_name(ep: Any) -> str | None:
    name = getattr(getattr(ep, "dist", None), "name", None)
    return name if isinstance(name, str) else None


def _names_from_spec(spec: str, local: Path | None) -> set[str]:
    if "://" in spec:
        return set()  # a URL: the pip report names it
    if local is None:
        match = _REQ_NAME_RE.match(spec)
        return {_normalize(match.group(1))} if match else set()
    if local.is_dir():
        try:
            project = tomllib.loads((local / "pyproject.toml").read_text(encoding="utf-8")).get("project", {})
        except (OSError, tomllib.TOMLDecodeError):
            return set()
        name = project.get("name") if isinstance(project, dict) else None
        return {_normalize(name)} if isinstance(name, str) else set()
    if local.suffix == ".whl":
        return {_normalize(local.name.split("-")[0])}
    return set()  # an sdist or archive: the pip report names it


def _names_from_report(report: Path) -> set[str]:
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    names: set[str] = set()
    for item in data.get("install", []) if isinstance(data, dict) else []:
        if not isinstance(item, dict) or item.get("requested") is False:
            continue  # dependencies pulled in by the spec are not what the user asked to install
        name = item.get("metadata", {}).get("name")
        if isinstance(name, str):
            names.add(_normalize(name))
    return names


def _tail(text: str | None) -> str:
    lines = [line for line in (text or "").splitlines() if line.strip()][-_STDERR_TAIL:]
    # Index URLs may carry credentials (https://user:token@host/simple).
    return _URL_USERINFO_RE.sub("://***@", "\n".join(lines)) or "(no output)"
