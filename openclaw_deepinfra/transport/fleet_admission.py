"""The optional admission gate a call passes after its local model slot (fleet mode, issue 15).

The transport only knows this protocol; the implementation (`openclaw_deepinfra.fleet`, Redis) is
imported when the settings turn fleet mode on, never otherwise.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from openclaw_deepinfra.settings import Settings

__all__ = ["AdmissionGate", "fleet_gate"]


class AdmissionGate(Protocol):
    async def admit(self, model: str, timeout_s: float, *, front: bool = False) -> None:
        """Take one slot of `model` within `timeout_s`, or raise TimeoutError."""

    def release(self, model: str) -> None:
        """Give one slot back; never raises, never waits."""

    def on_rate_limited(self, model: str) -> None:
        """DeepInfra answered "Rate limited" for `model`."""


def fleet_gate(owner: object, settings: Settings) -> AdmissionGate | None:
    """The process's gate for `settings` (one per `owner`, a `ClientPool`), or None if fleet mode is off."""
    if settings.fleet is None:
        return None
    from openclaw_deepinfra.fleet.registry import gate_for

    return gate_for(owner, settings)
