"""A new process (a CLI run, a gateway restart) reuses a catalog another process fetched within
the TTL instead of asking DeepInfra again; `force` still fetches."""

from __future__ import annotations

import respx

from tests.catalog.conftest import MODELS_URL, Factory, FakeClock, catalog_rows

GOOD = {"data": catalog_rows("live")}


async def test_a_recent_saved_catalog_is_served_without_a_request(
    make_refresher: Factory, clock: FakeClock
) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        assert (await make_refresher().refresh()).source == "live"
        clock.advance(120)
        restarted = make_refresher()  # same cache dir, empty memory
        snapshot = await restarted.refresh()
        assert route.call_count == 1
    assert snapshot.source == "cache"
    assert snapshot.default("chat") == "live/chat"
    assert restarted.snapshot().source == "cache"


async def test_force_fetches_even_when_the_saved_catalog_is_recent(
    make_refresher: Factory, clock: FakeClock
) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        await make_refresher().refresh()
        clock.advance(10)
        snapshot = await make_refresher().refresh(force=True)
        assert route.call_count == 2
    assert snapshot.source == "live"


async def test_an_old_saved_catalog_is_refreshed(make_refresher: Factory, clock: FakeClock) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        await make_refresher().refresh()
        clock.advance(301)
        snapshot = await make_refresher().refresh()
        assert route.call_count == 2
    assert snapshot.source == "live"


async def test_a_saved_catalog_from_the_future_is_not_trusted_as_fresh(
    make_refresher: Factory, clock: FakeClock
) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        await make_refresher().refresh()
        clock.advance(-3600)  # the system clock went back: age is unknown, so fetch
        await make_refresher().refresh()
        assert route.call_count == 2
