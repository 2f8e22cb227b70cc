"""`doctor`: is the plugin loaded, is a key present (never printed), from which source (and does
it shadow a newly exported one), is it accepted by DeepInfra (one free authenticated call through
the plugin), is the base URL valid, does the catalog answer, which config keys still use an older
spelling or hold a value of the wrong type, where the auth profiles live, and in fleet mode whether
Redis answers (its URL shown without credentials, the key only as the hash that prefixes the
fleet's Redis keys)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openclaw_deepinfra import config_blocks
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, DoctorCheck, DoctorOutput, Finding, Level, dumps
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, open_host
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.host.errors import HostError
from openclaw_deepinfra.settings import (
    API_KEY_ENV,
    API_TOKEN_ENV,
    ApiKey,
    Settings,
    describe_key_source,
    resolve_settings,
)

KEY_ORDER = f"models.providers.deepinfra.apiKey, auth profile, {API_KEY_ENV}, {API_TOKEN_ENV}"
FLEET_TIMEOUT_S = 2.0


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("doctor", parents=[common], help="check key, base URL, catalog and config keys")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.set_defaults(handler=run)


def _plugin_checks(session: HostSession) -> list[Finding]:
    record = session.registry.records.get(PLUGIN_ID)
    if record is None:
        missing = "the deepinfra plugin was not found in entry point group openclaw.plugins"
        return [("plugin", "fail", missing)]
    status = f"{record.status} ({record.error})" if record.status == "disabled" else record.status
    level: Level = "ok" if record.status == "loaded" else "fail"
    checks: list[Finding] = [("plugin", level, f"{PLUGIN_ID}: {status}")]
    for diag in session.registry.diagnostics:
        if diag.plugin_id == PLUGIN_ID:
            checks.append(("plugin", "fail" if diag.level == "error" else "warn", diag.message))
    return checks


def _settings_checks(session: HostSession) -> tuple[list[Finding], Settings | None]:
    try:
        settings = resolve_settings(session.config, auth_store=session.auth_store)
    except ConfigurationError as exc:
        return [("settings", "fail", str(exc))], None
    base: Finding = ("base URL", "ok", f"{settings.base_url} (from {settings.base_url_source})")
    if settings.api_key is None:
        hint = "run `openclaw-deepinfra onboard --deepinfra-api-key KEY` or set DEEPINFRA_API_KEY"
        return [("API key", "fail", f"no key found; {hint}"), base], settings
    return [*_key_source_checks(session, settings.api_key), base], settings


def _key_source_checks(session: HostSession, key: ApiKey) -> list[Finding]:
    """The key in use, named by where it came from, and every environment key it shadows."""
    findings: list[Finding] = [("API key", "ok", f"present (from {key.source})")]
    env = session.config.env
    for name in (API_KEY_ENV, API_TOKEN_ENV):
        value = (env.get(name) or "").strip()
        if not value or key.source == f"env:{name}":
            continue
        if key.source == f"env:{API_KEY_ENV}":
            break  # DEEPINFRA_API_TOKEN after DEEPINFRA_API_KEY is an alias, not a shadowed key
        if ApiKey(value, f"env:{name}") == key:
            continue
        fix = (
            "run `openclaw-deepinfra onboard` to store it (onboard reads DEEPINFRA_API_KEY)"
            if key.source == "profile"
            else "remove models.providers.deepinfra.apiKey from the config to use it"
        )
        first = f"the key from {describe_key_source(key.source)} comes first (order: {KEY_ORDER})"
        findings.append(("API key", "warn", f"{name} is set but not used: {first}; {fix}"))
    return findings


async def _auth_check(provider: object) -> list[Finding]:
    verify: Callable[[], Awaitable[Mapping[str, Any]]] | None = getattr(provider, "verify_key", None)
    if verify is None:
        return [("authentication", "warn", "skipped: the deepinfra plugin offers no key check")]
    result = await verify()
    suffix = f" [request_id={result['request_id']}]" if result.get("request_id") else ""
    level = result.get("level")
    return [("authentication", level if level in ("ok", "fail") else "warn", f"{result['detail']}{suffix}")]


async def _catalog_check(provider: object) -> Finding:
    report_fn: Callable[..., Awaitable[Mapping[str, Any]]] | None = getattr(provider, "surface_report", None)
    if report_fn is None:
        return ("catalog", "fail", "the deepinfra catalog provider is not registered")
    report = await report_fn(refresh=True)
    if report.get("source") == "live":
        count = sum(len(s["models"]) for s in report["surfaces"].values())
        return ("catalog", "ok", f"reachable; {count} models across surfaces")
    reasons = "; ".join(report.get("warnings", [])) or "no live answer"
    return ("catalog", "fail", f"not reachable ({reasons}); serving the {report.get('source')} catalog")


def _config_checks(session: HostSession) -> list[Finding]:
    """Older spellings; every key the plugin reads whose value it cannot use (a failure); keys in
    its own blocks it does not read (a warning: OpenClaw grows new keys, but a typo deserves a hint)."""
    findings: list[Finding] = [
        ("config", "warn", f"{old} is an older spelling; use {new}")
        for old, new in session.config.legacy_keys()
    ]
    findings += [("config", "fail", str(p)) for p in config_blocks.problems(session.config)]
    findings += [
        ("config", "warn", f"{key} is not a key the deepinfra plugin reads; ignored (check the spelling)")
        for key in config_blocks.unknown_keys(session.config)
    ]
    return findings


def _auth_location_checks(session: HostSession) -> list[Finding]:
    """Keys still in the legacy location (beside the config) are read, but the gateway won't see them."""
    store = session.auth_store
    try:
        legacy = store.legacy_profiles()
    except (HostError, OSError) as exc:
        return [("auth profiles", "fail", str(exc))]
    findings: list[Finding] = []
    for found in legacy:
        if found.movable:
            where = f"stored in {found.path} (the old place beside the config); OpenClaw reads {store.path}"
            move = "move them there (`openclaw-deepinfra onboard` does it)"
            findings.append(("auth profiles", "warn", f"{', '.join(found.movable)} {where}: {move}"))
        if found.shadowed:
            why = f"are ignored because {store.path} has its own; delete them from {found.path}"
            findings.append(("auth profiles", "warn", f"{', '.join(found.shadowed)} in {found.path} {why}"))
    return findings


async def _fleet_check(settings: Settings | None) -> list[Finding]:
    """Redis reachable, processes alive, what is in flight; nothing when fleet mode is off (or the
    settings check already failed)."""
    fleet = settings.fleet if settings is not None else None
    if settings is None or fleet is None:
        return []
    where = f"Redis at {fleet.display_url} (from {fleet.source})"
    if settings.api_key is None:
        return [("fleet", "warn", f"{where}: not checked; its keys are named by a hash of the API key")]
    from openclaw_deepinfra.fleet.store import FleetStore, FleetUnavailable

    try:
        store = FleetStore(fleet, settings.api_key.fingerprint(), call_timeout_s=FLEET_TIMEOUT_S)
    except ConfigurationError as exc:
        return [("fleet", "fail", f"{exc.message}; {exc.hint}")]
    try:
        alive, in_flight = await store.status()
    except FleetUnavailable as exc:
        return [("fleet", "fail", f"{where} not reachable ({exc}); workers admit against local shares")]
    finally:
        await store.aclose()
    busy = ", ".join(f"{model} {n}" for model, n in in_flight.items() if n) or "none"
    processes = f"{alive} process{'es' if alive != 1 else ''}"
    limit = f"(limit {settings.max_concurrent_per_model} per model)"
    return [("fleet", "ok", f"{where} reachable; {processes} alive; in flight: {busy} {limit}")]


async def run(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        checks = _plugin_checks(session)
        settings_checks, settings = _settings_checks(session)
        checks += settings_checks
        if settings is not None and settings.api_key is not None:
            try:
                provider = session.catalog_provider()
            except CliError as exc:
                # The plugin check already failed for this; the report goes on instead of aborting.
                checks.append(("catalog", "warn", f"skipped: {exc}"))
            else:
                checks += await _auth_check(provider)
                checks.append(await _catalog_check(provider))
        else:
            skipped = "skipped: the catalog is fetched only when a key is configured"
            checks.append(("catalog", "warn", skipped))
        checks += _config_checks(session) + _auth_location_checks(session)
        checks += await _fleet_check(settings)
    if args.json:
        rows = [DoctorCheck(name=name, level=level, detail=detail) for name, level, detail in checks]
        print(dumps(DoctorOutput(checks=rows), indent=2))
    else:
        print("\n".join(f"[{level:4}] {name}: {detail}" for name, level, detail in checks))
    failed = {name for name, level, _ in checks if level == "fail"}
    if not failed:
        return 0
    return 2 if failed & {"settings", "API key", "authentication", "config"} else 1
