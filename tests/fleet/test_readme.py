"""The README's fleet section states the numbers the code uses; this fails when they part."""

from __future__ import annotations

from pathlib import Path

from openclaw_deepinfra.config_blocks import DEFAULT_LEASE_S
from openclaw_deepinfra.fleet import gate, store
from openclaw_deepinfra.fleet.config import REDIS_URL_ENV

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index("## Running several gateway workers")
    return " ".join(text[start : text.index("\n## ", start + 1)].split())


def test_the_readme_fleet_section_matches_the_code() -> None:
    text = section()
    assert f"leaseSeconds: {DEFAULT_LEASE_S:g}, // default {DEFAULT_LEASE_S:g}" in text
    assert REDIS_URL_ENV in text
    assert f"each Redis call gets {store.CALL_TIMEOUT_S * 1000:g} ms at most" in text
    assert f"skips it for {gate.SKIP_MAX_S:g} s (at most half a lease)" in text
    assert "heartbeat every lease / 3" in text
    assert f"at most once per {'second' if store.SHRINK_INTERVAL_MS == 1000 else '?'}" in text
    assert f"grows back by {store.RECOVERY_SHARE_PER_S * 100:g} % of the limit per second" in text
    assert [gate.max_spare(n) for n in (1, 20, 100, 200, 10_000)] == [1, 1, 4, 8, 8]
    assert "keep up to 4 % of the limit (1 to 8 slots) idle until its next heartbeat" in text
    assert 'pip install "openclaw-deepinfra[fleet]"' in text
