"""`doctor` checks of the files themselves: where the auth profiles live, and config values of the
wrong type. Kept apart from `doctor.py` (plugin, key, catalog checks) so each stays small."""

from __future__ import annotations

from openclaw_deepinfra import config_check
from openclaw_deepinfra.cli.json_shapes import Finding
from openclaw_deepinfra.cli.session import HostSession
from openclaw_deepinfra.host.errors import HostError


def config_type_checks(session: HostSession) -> list[Finding]:
    """Every key the plugin reads whose value it cannot use (a failure), and keys in its own
    blocks it does not read (a warning: OpenClaw grows new keys, but a typo deserves a hint)."""
    findings: list[Finding] = [("config", "fail", str(p)) for p in config_check.problems(session.config)]
    findings += [
        ("config", "warn", f"{key} is not a key the deepinfra plugin reads; ignored (check the spelling)")
        for key in config_check.unknown_keys(session.config)
    ]
    return findings


def auth_location_checks(session: HostSession) -> list[Finding]:
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
