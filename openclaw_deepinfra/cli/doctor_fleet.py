"""`doctor`'s fleet block: is Redis reachable, how many processes are alive, what is in flight.

Shown only when fleet mode is configured. The URL is shown without credentials; the key only as the
hash that prefixes the fleet's Redis keys.
"""

from __future__ import annotations

from openclaw_deepinfra.cli.json_shapes import Finding
from openclaw_deepinfra.cli.session import HostSession
from openclaw_deepinfra.errors import ConfigurationError
from openclaw_deepinfra.settings import resolve_settings

STATUS_TIMEOUT_S = 2.0


async def fleet_status(session: HostSession) -> list[Finding]:
    """The `fleet` check; nothing when fleet mode is off."""
    try:
        settings = resolve_settings(session.config, auth_store=session.auth_store)
    except ConfigurationError:
        return []  # the settings check reports it
    fleet = settings.fleet
    if fleet is None:
        return []
    where = f"Redis at {fleet.display_url} (from {fleet.source})"
    if settings.api_key is None:
        return [("fleet", "warn", f"{where}: not checked; its keys are named by a hash of the API key")]
    from openclaw_deepinfra.fleet.store import FleetStore, FleetUnavailable

    try:
        store = FleetStore(fleet, settings.api_key.fingerprint(), call_timeout_s=STATUS_TIMEOUT_S)
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
