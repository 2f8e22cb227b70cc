"""One `FleetGate` per (client pool, Redis, account, limit): the process-wide gate of each account."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING

from openclaw_deepinfra.fleet.gate import FleetGate

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings


_GATES: weakref.WeakKeyDictionary[object, dict[tuple[object, ...], FleetGate]] = weakref.WeakKeyDictionary()


def gate_for(owner: object, settings: Settings) -> FleetGate | None:
    """The gate for `settings` on `owner` (a `ClientPool`), or None when fleet mode is off or the
    settings have no key (such calls fail before they are sent)."""
    fleet, key = settings.fleet, settings.api_key
    if fleet is None or key is None:
        return None
    gates = _GATES.setdefault(owner, {})
    ident = (fleet, key.fingerprint(), settings.max_concurrent_per_model)
    if ident not in gates:
        gates[ident] = FleetGate(*ident)
    return gates[ident]


async def close_gates(owner: object) -> None:
    for gate in list(_GATES.pop(owner, {}).values()):
        await gate.aclose()
