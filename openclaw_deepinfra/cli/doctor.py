"""`doctor`: is the plugin loaded, is a key present (never printed), from which source, and accepted
by DeepInfra, is the base URL valid, does the catalog answer, and which config keys still use an
older spelling."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from openclaw_deepinfra.cli import doctor_auth, doctor_config
from openclaw_deepinfra.cli.doctor_fleet import fleet_status
from openclaw_deepinfra.cli.json_shapes import JSON_HELP, DoctorOutput, dumps
from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, open_host
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.settings import resolve_settings

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    name: str
    level: Level
    detail: str


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("doctor", parents=[common], help="check key, base URL, catalog and config keys")
    parser.add_argument("--json", action="store_true", help=JSON_HELP)
    parser.set_defaults(handler=run)


def _plugin_checks(session: HostSession) -> list[Check]:
    record = session.registry.records.get(PLUGIN_ID)
    if record is None:
        return [
            Check(
                "plugin", "fail", "the deepinfra plugin was not found in entry point group openclaw.plugins"
            )
        ]
    status = f"{record.status} ({record.error})" if record.status == "disabled" else record.status
    checks = [Check("plugin", "ok" if record.status == "loaded" else "fail", f"{PLUGIN_ID}: {status}")]
    for diag in session.registry.diagnostics:
        if diag.plugin_id == PLUGIN_ID:
            checks.append(Check("plugin", "fail" if diag.level == "error" else "warn", diag.message))
    return checks


def _settings_checks(session: HostSession) -> tuple[list[Check], bool]:
    try:
        settings = resolve_settings(session.config, auth_store=session.auth_store)
    except ConfigurationError as exc:
        return [Check("settings", "fail", str(exc))], False
    checks = [Check("base URL", "ok", f"{settings.base_url} (from {settings.base_url_source})")]
    if settings.api_key is None:
        hint = "run `openclaw-deepinfra onboard --deepinfra-api-key KEY` or set DEEPINFRA_API_KEY"
        checks.insert(0, Check("API key", "fail", f"no key found; {hint}"))
        return checks, False
    checks[:0] = [Check(*finding) for finding in doctor_auth.key_source_findings(session, settings)]
    return checks, True


async def _catalog_check(session: HostSession) -> Check:
    try:
        provider = session.catalog_provider()
    except CliError as exc:
        # The plugin check already failed for this; the report goes on instead of aborting.
        return Check("catalog", "warn", f"skipped: {exc}")
    report_fn: Callable[..., Awaitable[Mapping[str, Any]]] | None = getattr(provider, "surface_report", None)
    if report_fn is None:
        return Check("catalog", "fail", "the deepinfra catalog provider is not registered")
    report = await report_fn(refresh=True)
    if report.get("source") == "live":
        count = sum(len(s["models"]) for s in report["surfaces"].values())
        return Check("catalog", "ok", f"reachable; {count} models across surfaces")
    reasons = "; ".join(report.get("warnings", [])) or "no live answer"
    return Check("catalog", "fail", f"not reachable ({reasons}); serving the {report.get('source')} catalog")


def _legacy_key_checks(session: HostSession) -> list[Check]:
    return [
        Check("config", "warn", f"{old} is an older spelling; use {new}")
        for old, new in session.config.legacy_keys()
    ]


async def run(args: argparse.Namespace) -> int:
    session = open_host(args)
    try:
        checks = _plugin_checks(session)
        settings_checks, have_key = _settings_checks(session)
        checks += settings_checks
        if have_key:
            auth = await doctor_auth.auth_finding(session)
            if auth is not None:
                checks.append(Check(auth[0], auth[1], auth[2]))
            checks.append(await _catalog_check(session))
        else:
            checks.append(
                Check("catalog", "warn", "skipped: the catalog is fetched only when a key is configured")
            )
        checks += _legacy_key_checks(session)
        checks += [Check(*finding) for finding in doctor_config.config_type_checks(session)]
        checks += [Check(*finding) for finding in doctor_config.auth_location_checks(session)]
        checks += [Check("fleet", level, detail) for level, detail in await fleet_status(session)]
    finally:
        await session.aclose()
    if args.json:
        print(dumps(DoctorOutput.model_validate({"checks": [asdict(c) for c in checks]}), indent=2))
    else:
        for check in checks:
            print(f"[{check.level:4}] {check.name}: {check.detail}")
    failed = [c for c in checks if c.level == "fail"]
    if not failed:
        return 0
    config_failure = any(c.name in {"settings", "API key", "authentication", "config"} for c in failed)
    return 2 if config_failure else 1
