"""`doctor`'s key findings: which source's key is used, a newly exported key it shadows, and
whether DeepInfra accepts the key (one free authenticated call through the plugin)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from openclaw_deepinfra.cli.json_shapes import Finding
from openclaw_deepinfra.cli.session import CliError, HostSession
from openclaw_deepinfra.settings import API_KEY_ENV, API_TOKEN_ENV, ApiKey, Settings, describe_key_source

ORDER = f"models.providers.deepinfra.apiKey, auth profile, {API_KEY_ENV}, {API_TOKEN_ENV}"


def key_source_findings(session: HostSession, settings: Settings) -> list[Finding]:
    """The key in use, named by where it came from, and every environment key it shadows."""
    key = settings.api_key
    if key is None:
        return []
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
        first = f"the key from {describe_key_source(key.source)} comes first (order: {ORDER})"
        findings.append(("API key", "warn", f"{name} is set but not used: {first}; {fix}"))
    return findings


async def auth_finding(session: HostSession) -> list[Finding]:
    """Nothing when the plugin is not serving: the catalog check already says why."""
    try:
        provider = session.catalog_provider()
    except CliError:
        return []
    verify: Callable[[], Awaitable[Mapping[str, Any]]] | None = getattr(provider, "verify_key", None)
    if verify is None:
        return [("authentication", "warn", "skipped: the deepinfra plugin offers no key check")]
    result = await verify()
    suffix = f" [request_id={result['request_id']}]" if result.get("request_id") else ""
    level = result.get("level")
    return [("authentication", level if level in ("ok", "fail") else "warn", f"{result['detail']}{suffix}")]
