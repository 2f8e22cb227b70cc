"""A new process (a CLI run, a gateway restart) reuses a catalog another process fetched within
the TTL instead of asking DeepInfra again; `force` still fetches."""

from __future__ import annotations

import pytest
import respx

from tests.catalog.conftest import MODELS_URL, Factory, FakeClock, catalog_rows

GOOD = {"data": catalog_rows("live")}


@pytest.mark.parametrize(
    ("advance_s", "force", "requests", "source"),
    [
        (120, False, 1, "cache"),  # a recent saved catalog is served without a request
        (10, True, 2, "live"),  # force fetches even when the saved catalog is recent
        (301, False, 2, "live"),  # an old saved catalog (past the TTL) is refreshed
        (-3600, False, 2, "live"),  # one from the future (the clock went back): age unknown, fetch
    ],
    ids=["recent", "forced", "old", "from-the-future"],
)
async def test_a_restarted_process_asks_again_only_when_the_saved_catalog_is_not_fresh(
    make_refresher: Factory, clock: FakeClock, advance_s: float, force: bool, requests: int, source: str
) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        assert (await make_refresher().refresh()).source == "live"
        clock.advance(advance_s)
        restarted = make_refresher()  # same cache dir, empty memory
        snapshot = await restarted.refresh(force=force)
        assert route.call_count == requests
    assert snapshot.source == source
    assert snapshot.default("chat") == "live/chat"
    assert restarted.snapshot().source == source
