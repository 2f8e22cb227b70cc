"""Plugin discovery, loading and the registry of what plugins registered.

Pipeline per entry point (group ``openclaw.plugins``): locate and validate ``plugin.toml`` without
importing plugin code -> decide enablement -> import -> call that plugin's ``register(api)`` once ->
keep registrations and diagnostics. A failing plugin becomes an error record; the others continue.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import KW_ONLY, dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, Literal, cast

import pluggy

from openclaw_deepinfra.host.api import (
    REGISTRATION_KINDS,
    Diagnostic,
    DiagnosticLevel,
    PluginApi,
    Registration,
    RegistrationKind,
    RegistrationMode,
)
from openclaw_deepinfra.host.auth_profiles import AuthProfileStore
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import ManifestError
from openclaw_deepinfra.host.hookspecs import ENTRY_POINT_GROUP, PROJECT, OpenClawHookSpec, hookimpl
from openclaw_deepinfra.host.manifest import PluginManifest, load_manifest, locate_manifest

logger = logging.getLogger("openclaw.plugins")


@dataclass
class PluginRecord:
    id: str
    status: Literal["loaded", "error", "disabled"]
    source: str
    manifest: PluginManifest | None = None
    error: str | None = None
    registrations: list[tuple[RegistrationKind, str]] = field(default_factory=list)
    root_dir: Path | None = None


@dataclass(eq=False)  # hashed by identity: pluggy keeps plugins in sets, and `fn` may be unhashable
class _LegacyEntry:
    """Adapts a bare ``register(api)`` function or an object with ``register``/``activate``."""

    fn: Callable[[PluginApi], Any]

    @hookimpl
    def register(self, api: PluginApi) -> Any:
        return self.fn(api)


def _import_failure(plugin_id: str, target: str, exc: Exception) -> str:
    """What to fix when importing the entry point raised: a missing dependency, a broken plugin
    package, or the plugin's own module code."""
    if not isinstance(exc, ImportError):
        return f"plugin {plugin_id} failed to import from {target}: {exc!r}"
    missing = (exc.name or "").split(".", 1)[0]
    if missing and not target.startswith(missing + ".") and target.split(":", 1)[0] != missing:
        return (
            f"plugin {plugin_id} cannot be imported from {target}: missing dependency {missing!r} "
            f"({exc}); install it into this environment (pip install {missing}) and restart; "
            "the host never installs packages at runtime"
        )
    return (
        f"plugin {plugin_id} cannot be imported from {target}: {exc}; reinstall the plugin package "
        "(pip install --force-reinstall <package>) or fix the entry point"
    )


@dataclass(eq=False, repr=False)
class PluginRegistry:
    """Loads plugins and holds their registrations by kind."""

    config: OpenClawConfig
    _: KW_ONLY
    registration_mode: RegistrationMode = "full"
    auth_store: AuthProfileStore | None = None
    runtime: Any = None
    records: dict[str, PluginRecord] = field(default_factory=dict, init=False)
    diagnostics: list[Diagnostic] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._by_kind: dict[RegistrationKind, dict[str, Registration]] = {k: {} for k in REGISTRATION_KINDS}
        self._pm = pluggy.PluginManager(PROJECT)
        self._pm.add_hookspecs(OpenClawHookSpec)

    # -- what a plugin's api calls ----------------------------------------------------------------

    def diagnose(self, level: DiagnosticLevel, plugin_id: str, message: str) -> None:
        self.diagnostics.append(Diagnostic(level, plugin_id, message))
        log = logger.error if level == "error" else logger.warning
        log("[plugins] %s: %s", plugin_id, message)

    def add_registration(self, registration: Registration, keys: Sequence[str]) -> bool:
        """Record under every key of ``keys``; False (with a diagnostic) if a key is taken."""
        table = self._by_kind[registration.kind]
        taken = next((key for key in keys if key in table), None)
        if taken is not None:
            owner = table[taken].plugin_id
            self.diagnose(
                "error", registration.plugin_id, f"{registration.kind} already registered: {taken} ({owner})"
            )
            return False
        for key in keys:
            table[key] = registration
        record = self.records.get(registration.plugin_id)
        if record is not None:
            record.registrations.append((registration.kind, registration.id))
        return True

    # -- queries ----------------------------------------------------------------------------------

    def registrations(self, kind: str) -> dict[str, Registration]:
        """``{id: Registration}`` for one kind (model catalogs are keyed ``"<provider>:<kind>"``)."""
        if kind not in self._by_kind:
            raise KeyError(f"unknown registration kind: {kind} (known: {', '.join(REGISTRATION_KINDS)})")
        return dict(self._by_kind[kind])

    def get(self, kind: str, provider_id: str) -> object | None:
        """The provider registered under ``provider_id`` or one of its ``aliases`` (case-insensitive).

        Model catalogs are also found by provider id alone (the first one registered for it)."""
        table = self.registrations(kind)
        if provider_id in table:
            return table[provider_id].provider
        wanted = provider_id.strip().lower()
        for key, reg in table.items():
            aliases = getattr(reg.provider, "aliases", None) or ()
            names = [key, reg.id, *(a for a in aliases if isinstance(a, str))]
            if any(name.lower() == wanted for name in names):
                return reg.provider
        return None

    # -- loading ----------------------------------------------------------------------------------

    def load(self, entry_points_: Iterable[EntryPoint] | None = None) -> None:
        """Discover (or take) entry points and load every enabled plugin; never raises for a plugin."""
        eps = list(entry_points(group=ENTRY_POINT_GROUP) if entry_points_ is None else entry_points_)
        for ep in eps:
            self._load_entry_point(ep)
        self._warn_stale_config({ep.name for ep in eps} | set(self.records))

    def _load_entry_point(self, ep: EntryPoint) -> None:
        source = f"{ep.name} = {ep.value}"
        try:
            manifest_path = locate_manifest(ep.module)
            manifest = load_manifest(manifest_path)
        except ManifestError as exc:
            self._fail(ep.name, source, str(exc), manifest=None)
            return
        plugin_id = manifest.id
        for warning in manifest.warnings:
            self.diagnose("warning", plugin_id, warning)
        if plugin_id != ep.name:
            self.diagnose(
                "warning",
                plugin_id,
                f"plugin id mismatch: manifest id {plugin_id!r}, entry point name {ep.name!r}",
            )
        if plugin_id in self.records:
            self.diagnose(
                "error",
                plugin_id,
                f"plugin {plugin_id} already loaded from {self.records[plugin_id].source}; ignored {source}",
            )
            return
        root_dir = manifest_path.parent
        reason = self._disabled_reason(manifest)
        if reason is not None:
            logger.info("[plugins] %s disabled (%s)", plugin_id, reason)
            self.records[plugin_id] = PluginRecord(
                plugin_id, "disabled", source, manifest, error=reason, root_dir=root_dir
            )
            return
        try:
            entry = ep.load()
        except Exception as exc:
            self._fail(plugin_id, source, _import_failure(plugin_id, ep.value, exc), manifest)
            return
        self.load_plugin(plugin_id, entry, manifest, source, root_dir=root_dir)

    def _disabled_reason(self, manifest: PluginManifest) -> str | None:
        plugin_id = manifest.id
        deny = self.config.get(["plugins", "deny"]) or []
        allow = self.config.get(["plugins", "allow"])
        enabled = self.config.plugin_entry(plugin_id).get("enabled")
        if plugin_id in deny:
            return "listed in plugins.deny"
        if isinstance(allow, list) and allow and plugin_id not in allow:
            return "not listed in plugins.allow"
        if enabled is False:
            return f"plugins.entries.{plugin_id}.enabled is false"
        if enabled is None and not manifest.enabled_by_default:
            return "not enabled by default; run `plugins enable`"
        return None

    def _warn_stale_config(self, known: set[str]) -> None:
        entries = self.config.get(["plugins", "entries"]) or {}
        for where, ids in (
            ("plugins.entries", list(entries) if isinstance(entries, dict) else []),
            ("plugins.allow", self.config.get(["plugins", "allow"]) or []),
            ("plugins.deny", self.config.get(["plugins", "deny"]) or []),
        ):
            for plugin_id in ids:
                if plugin_id not in known:
                    self.diagnose(
                        "warning", str(plugin_id), f"stale config entry ignored: {where} {plugin_id}"
                    )
        for plugin_id, record in self.records.items():
            if record.status == "disabled" and self.config.plugin_entry(plugin_id).get("config"):
                self.diagnose("warning", plugin_id, "config set for a disabled plugin is ignored")

    def _fail(self, plugin_id: str, source: str, message: str, manifest: PluginManifest | None) -> None:
        """A plugin that never got to ``register``: recorded (unless its id is taken) and diagnosed."""
        self.records.setdefault(plugin_id, PluginRecord(plugin_id, "error", source, manifest, error=message))
        self.diagnose("error", plugin_id, message)

    def load_plugin(
        self,
        plugin_id: str,
        entry: object,
        manifest: PluginManifest,
        source: str,
        *,
        root_dir: Path | None = None,
    ) -> PluginRecord:
        """Call one plugin's ``register`` with its own api and record the outcome."""
        existing = self.records.get(plugin_id)
        if existing is not None and existing.status == "loaded":
            self.diagnose(
                "error",
                plugin_id,
                f"plugin {plugin_id} already loaded from {existing.source}; ignored {source}",
            )
            return existing
        entry_id = getattr(entry, "id", None)
        if isinstance(entry_id, str) and entry_id != manifest.id:
            self.diagnose(
                "warning",
                plugin_id,
                f"plugin id mismatch: manifest id {manifest.id!r}, entry id {entry_id!r}",
            )
        record = PluginRecord(plugin_id, "loaded", source, manifest, root_dir=root_dir)
        self.records[plugin_id] = record
        impl = self._hook_impl(entry)
        if impl is None:
            return self._fail_record(record, f"plugin {plugin_id} entry has no register(api): {entry!r}")
        try:
            self._pm.register(impl, name=plugin_id)
        except (ValueError, pluggy.PluginValidationError) as exc:
            return self._fail_record(
                record, f"plugin {plugin_id} entry is not a valid hook implementation: {exc}"
            )
        api = PluginApi(
            id=plugin_id,
            name=manifest.name or str(getattr(entry, "name", None) or plugin_id),
            version=manifest.version,
            description=manifest.description or getattr(entry, "description", None),
            source=source,
            root_dir=root_dir,
            registration_mode=self.registration_mode,
            config=self.config,
            manifest=manifest,
            sink=self,
            runtime=self.runtime,
            auth_store=self.auth_store,
        )
        others = [p for p in self._pm.get_plugins() if p is not impl]
        caller = self._pm.subset_hook_caller("register", remove_plugins=others)
        try:
            results = caller(api=api)
        except Exception as exc:
            logger.error("[plugins] %s failed during register from %s: %s", plugin_id, source, exc)
            # A half-registered plugin would serve some surfaces and not others; drop all of it.
            self._drop_registrations(record)
            return self._fail_record(record, f"plugin failed during register: {exc}", log=False)
        finally:
            api.seal()
        for result in results or ():
            if inspect.isawaitable(result):
                if inspect.iscoroutine(result):
                    result.close()
                self.diagnose(
                    "warning", plugin_id, "plugin register returned a promise; async registration is ignored"
                )
        return record

    def _hook_impl(self, entry: object) -> object | None:
        if self._pm.parse_hookimpl_opts(entry, "register") is not None:
            try:
                hash(entry)
                return entry
            except TypeError:
                pass  # pluggy keeps plugins in sets; an unhashable entry (a pydantic model) gets wrapped
        if inspect.isfunction(entry) or inspect.isbuiltin(entry):
            return _LegacyEntry(cast(Callable[[PluginApi], Any], entry))
        for name in ("register", "activate"):
            fn = getattr(entry, name, None)
            if callable(fn):
                return _LegacyEntry(fn)
        return None

    def _drop_registrations(self, record: PluginRecord) -> None:
        for table in self._by_kind.values():
            for key in [k for k, reg in table.items() if reg.plugin_id == record.id]:
                del table[key]
        record.registrations.clear()

    def _fail_record(self, record: PluginRecord, message: str, *, log: bool = True) -> PluginRecord:
        record.status = "error"
        record.error = message
        self.diagnostics.append(Diagnostic("error", record.id, message))
        if log:
            logger.error("[plugins] %s: %s", record.id, message)
        return record

    # -- lifecycle --------------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close every registered object that exposes ``aclose()`` or ``close()`` (each once)."""
        seen: set[int] = set()
        for table in self._by_kind.values():
            for registration in table.values():
                provider = registration.provider
                if id(provider) in seen:
                    continue
                seen.add(id(provider))
                closer = getattr(provider, "aclose", None) or getattr(provider, "close", None)
                if not callable(closer):
                    continue
                try:
                    result = closer()
                    if inspect.isawaitable(result):
                        await result
                except Exception:
                    logger.warning(
                        "[plugins] closing %s %s failed", registration.kind, registration.id, exc_info=True
                    )
