"""`doctor`: is the plugin loaded, is a key present (never printed), from which source, and accepted
by DeepInfra, is the base URL valid, does the catalog answer, and which config keys still use an
older spelling."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openclaw_deepinfra.cli import doctor_auth, doctor_config
from openclaw_deepinfra.cli.doctor_fleet import fleet_status
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, DoctorCheck, DoctorOutput, Finding, Level, dumps
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, open_host
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.settings import resolve_settings


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


def _settings_checks(session: HostSession) -> tuple[list[Finding], bool]:
    try:
        settings = resolve_settings(session.config, auth_store=session.auth_store)
    except ConfigurationError as exc:
        return [("settings", "fail", str(exc))], False
    base: Finding = ("base URL", "ok", f"{settings.base_url} (from {settings.base_url_source})")
    if settings.api_key is None:
        hint = "run `openclaw-deepinfra onboard --deepinfra-api-key KEY` or set DEEPINFRA_API_KEY"
        return [("API key", "fail", f"no key found; {hint}"), base], False
    return [*doctor_auth.key_source_findings(session, settings), base], True


async def _catalog_check(session: HostSession) -> Finding:
    try:
        provider = session.catalog_provider()
    except CliError as exc:
        # The plugin check already failed for this; the report goes on instead of aborting.
        return ("catalog", "warn", f"skipped: {exc}")
    report_fn: Callable[..., Awaitable[Mapping[str, Any]]] | None = getattr(provider, "surface_report", None)
    if report_fn is None:
        return ("catalog", "fail", "the deepinfra catalog provider is not registered")
    report = await report_fn(refresh=True)
    if report.get("source") == "live":
        count = sum(len(s["models"]) for s in report["surfaces"].values())
        return ("catalog", "ok", f"reachable; {count} models across surfaces")
    reasons = "; ".join(report.get("warnings", [])) or "no live answer"
    return ("catalog", "fail", f"not reachable ({reasons}); serving the {report.get('source')} catalog")


async def run(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        checks = _plugin_checks(session)
        settings_checks, have_key = _settings_checks(session)
        checks += settings_checks
        if have_key:
            checks += await doctor_auth.auth_finding(session)
            checks.append(await _catalog_check(session))
        else:
            skipped = "skipped: the catalog is fetched only when a key is configured"
            checks.append(("catalog", "warn", skipped))
        legacy = session.config.legacy_keys()
        checks += [("config", "warn", f"{old} is an older spelling; use {new}") for old, new in legacy]
        checks += doctor_config.config_type_checks(session) + doctor_config.auth_location_checks(session)
        checks += await fleet_status(session)
    if args.json:
        rows = [DoctorCheck(name=name, level=level, detail=detail) for name, level, detail in checks]
        print(dumps(DoctorOutput(checks=rows), indent=2))
    else:
        print("\n".join(f"[{level:4}] {name}: {detail}" for name, level, detail in checks))
    failed = {name for name, level, _ in checks if level == "fail"}
    if not failed:
        return 0
    return 2 if failed & {"settings", "API key", "authentication", "config"} else 1
