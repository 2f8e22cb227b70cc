"""CatalogRefresher: single flight, TTL, failure handling, persistence, secrecy of the key."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
import respx

from openclaw_deepinfra.catalog.refresher import DEFAULT_FAILURE_BACKOFF_S, SnapshotStore
from openclaw_deepinfra.catalog.static import StaticCatalog
from tests.catalog.conftest import BASE, KEY, MODELS_URL, Factory, FakeClock, catalog_rows, row

GOOD = {"data": catalog_rows("live")}


def answer_when_set(gate: asyncio.Event) -> Callable[[httpx.Request], Awaitable[httpx.Response]]:
    """A respx side effect that holds the catalog fetch in flight until the test sets `gate`."""

    async def answer(request: httpx.Request) -> httpx.Response:
        await gate.wait()
        return httpx.Response(200, json=GOOD)

    return answer


async def test_request_shape_is_anonymous(make_refresher: Factory) -> None:
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        snapshot = await make_refresher().refresh()
    assert snapshot.source == "live"
    request = route.calls.last.request
    assert dict(request.url.params) == {"sort_by": "openclaw", "filter": "with_meta"}
    assert "authorization" not in request.headers
    assert request.headers["accept"] == "application/json"
    assert KEY not in str(request.url) and all(KEY not in v for v in request.headers.values())


async def test_hundred_concurrent_callers_share_one_request(make_refresher: Factory) -> None:
    refresher = make_refresher()

    async def slow_answer(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(0.05)
        return httpx.Response(200, json=GOOD)

    with respx.mock() as mock:
        route = mock.get(MODELS_URL).mock(side_effect=slow_answer)
        results = await asyncio.gather(*(refresher.refresh() for _ in range(100)))
    assert route.call_count == 1
    assert all(r is results[0] for r in results)
    assert results[0].source == "live"


async def test_forced_callers_join_the_fetch_in_flight(make_refresher: Factory) -> None:
    refresher = make_refresher()
    gate = asyncio.Event()
    gated = answer_when_set(gate)

    with respx.mock() as mock:
        route = mock.get(MODELS_URL).mock(side_effect=gated)
        tasks = [asyncio.create_task(refresher.refresh(force=i % 2 == 0)) for i in range(10)]
        await asyncio.sleep(0.01)
        gate.set()
        results = await asyncio.gather(*tasks)
    assert route.call_count == 1
    assert {r.source for r in results} == {"live"}


async def test_cancelled_caller_does_not_cancel_the_shared_fetch(make_refresher: Factory) -> None:
    refresher = make_refresher()
    gate = asyncio.Event()
    gated = answer_when_set(gate)

    with respx.mock() as mock:
        route = mock.get(MODELS_URL).mock(side_effect=gated)
        first = asyncio.create_task(refresher.refresh())
        second = asyncio.create_task(refresher.refresh())
        await asyncio.sleep(0.01)
        first.cancel()
        await asyncio.sleep(0)
        gate.set()
        result = await second
        with pytest.raises(asyncio.CancelledError):
            await first
    assert result.source == "live"
    assert route.call_count == 1
    assert refresher.snapshot() is result


async def test_fetch_survives_when_its_only_caller_is_cancelled(make_refresher: Factory) -> None:
    refresher = make_refresher()
    gate = asyncio.Event()
    gated = answer_when_set(gate)

    with respx.mock() as mock:
        route = mock.get(MODELS_URL).mock(side_effect=gated)
        caller = asyncio.create_task(refresher.refresh())
        await asyncio.sleep(0.01)
        caller.cancel()
        gate.set()
        joined = await refresher.refresh()  # joins the same fetch, which kept running
    assert route.call_count == 1
    assert joined.source == "live"


async def test_ttl_then_refetch(make_refresher: Factory, clock: FakeClock) -> None:
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        first = await refresher.refresh()
        clock.advance(299.0)
        assert await refresher.refresh() is first
        assert refresher.snapshot() is first
        assert route.call_count == 1
        clock.advance(2.0)
        stale = refresher.snapshot()
        assert (stale.source, stale.fetched_at) == ("cache", first.fetched_at), "no network in snapshot()"
        second = await refresher.refresh()
        assert route.call_count == 2
    assert second.source == "live"
    assert second.fetched_at == clock()


async def test_force_bypasses_a_fresh_cache(make_refresher: Factory) -> None:
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        await refresher.refresh()
        await refresher.refresh(force=True)
    assert route.call_count == 2


async def test_failure_backoff(make_refresher: Factory, clock: FakeClock) -> None:
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(401, json={"detail": "Unauthorized"})
        failed = await refresher.refresh()
        again = await refresher.refresh()
        assert route.call_count == 1, "no new request right after a failure"
        assert again.warnings == failed.warnings != ()
        assert "HTTP 401" in failed.warnings[0]
        await refresher.refresh(force=True)
        assert route.call_count == 2
        clock.advance(DEFAULT_FAILURE_BACKOFF_S + 1)
        route.respond(200, json=GOOD)
        recovered = await refresher.refresh()
    assert route.call_count == 3
    assert (recovered.source, recovered.warnings) == ("live", ())


async def test_bad_answer_never_replaces_a_good_one(make_refresher: Factory, clock: FakeClock) -> None:
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        good = await refresher.refresh()
        bad_answers: list[object] = [{"data": []}, {"nope": 1}, [row("x/odd", ["reranker"])]]
        for bad in bad_answers:
            route.respond(200, json=bad)
            kept = await refresher.refresh(force=True)
            assert kept.source == "cache"
            assert kept.default("chat") == good.default("chat") == "live/chat"
            assert kept.fetched_at == good.fetched_at
    assert refresher.snapshot().default("image-gen") == "live/img"


async def test_sharp_drop_is_logged(make_refresher: Factory, caplog: pytest.LogCaptureFixture) -> None:
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        await refresher.refresh()
        route.respond(200, json={"data": [row("live/chat", ["chat"]), *catalog_rows("live")[3:]]})
        with caplog.at_level(logging.DEBUG, logger="openclaw_deepinfra.catalog.refresher"):
            dropped = await refresher.refresh(force=True)
    assert dropped.source == "live", "a smaller catalog still replaces the old one"
    assert "chat fell from 3 to 1 models" in caplog.text
    assert "vlm fell from 1 to 0" in caplog.text
    assert "image-gen fell" not in caplog.text
    assert "chat=1, vlm=0, embed=1" in caplog.text, "bucket counts at debug"


async def test_key_never_on_disk(
    make_refresher: Factory, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG), respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=GOOD)
        await make_refresher().refresh()
    files = {
        path.name: path.read_text() for path in await asyncio.to_thread(lambda: list(cache_dir.iterdir()))
    }
    assert len(files) == 1
    ((name, content),) = files.items()
    assert KEY not in name
    assert KEY not in content
    assert KEY not in caplog.text
    assert KEY not in repr(make_refresher())


async def test_persisted_catalog_survives_a_restart(make_refresher: Factory, clock: FakeClock) -> None:
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=GOOD)
        live = await make_refresher().refresh()
    restarted = make_refresher()
    snapshot = restarted.snapshot()
    assert (snapshot.source, snapshot.fetched_at) == ("cache", live.fetched_at)
    assert snapshot.default("video-gen") == "live/vid"
    assert make_refresher(key=False).snapshot().source == "static", "no key: the cache is not used"
    assert make_refresher(persist=False).snapshot().source == "static"


async def test_unwritable_cache_is_only_a_warning(
    make_refresher: Factory, store: SnapshotStore, caplog: pytest.LogCaptureFixture
) -> None:
    store.directory.parent.mkdir(parents=True, exist_ok=True)
    store.directory.write_text("a file where the cache directory should be")
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json=GOOD)
        snapshot = await make_refresher().refresh()
    assert snapshot.source == "live"
    assert "could not save the DeepInfra catalog cache" in caplog.text


async def test_no_key_makes_no_request(make_refresher: Factory, static: StaticCatalog) -> None:
    refresher = make_refresher(key=False)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        snapshot = await refresher.refresh(force=True)
    assert not route.called
    assert snapshot.surfaces == static.surfaces
    assert refresher.snapshot().source == "static"


async def test_skipped_rows_are_reported_on_a_live_snapshot(make_refresher: Factory) -> None:
    with respx.mock() as mock:
        mock.get(MODELS_URL).respond(200, json={"data": [{"id": "x/bad", "metadata": "oops"}, *GOOD["data"]]})
        snapshot = await make_refresher().refresh()
    assert snapshot.source == "live"
    assert snapshot.warnings == ("skipped 1 malformed catalog row(s): x/bad: metadata is not an object",)


async def test_aclose_cancels_a_fetch_in_flight(make_refresher: Factory) -> None:
    refresher = make_refresher()
    gate = asyncio.Event()
    never = answer_when_set(gate)

    with respx.mock(assert_all_called=False) as mock:
        mock.get(MODELS_URL).mock(side_effect=never)  # cancelled before respx records the call
        caller = asyncio.create_task(refresher.refresh())
        await asyncio.sleep(0.01)
        await refresher.aclose()
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert refresher.snapshot().source == "static"
    assert BASE in repr(refresher)


async def test_a_calls_view_waits_at_most_what_is_left_of_its_deadline(
    make_refresher: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    refresher = make_refresher()
    gate = asyncio.Event()
    gated = answer_when_set(gate)

    with respx.mock() as mock:
        route = mock.get(MODELS_URL).mock(side_effect=gated)
        started = asyncio.get_running_loop().time()
        view = await refresher.view(within=0.05)
        waited = asyncio.get_running_loop().time() - started
        assert view.source == "static" and waited < 1.0
        assert "did not answer within 0.1 s" in view.warnings[-1]
        # The fetch was not cancelled: the next call gets the live catalog from the same request.
        gate.set()
        assert (await refresher.view(within=5.0)).source == "live"
    assert route.call_count == 1
    assert any("deciding from the static catalog" in r.getMessage() for r in caplog.records)


async def test_a_crashing_refresh_gives_the_view_the_fallback_and_backs_off(
    make_refresher: Factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    import openclaw_deepinfra.catalog.refresher as refresher_module

    def crash(body: object) -> object:
        raise RuntimeError("a bug in the parser")

    monkeypatch.setattr(refresher_module, "parse_projection_report", crash)
    refresher = make_refresher()
    with respx.mock() as mock:
        route = mock.get(MODELS_URL).respond(200, json=GOOD)
        first = await refresher.view()
        second = await refresher.view()
    assert (first.source, second.source) == ("static", "static")
    assert "RuntimeError" in first.warnings[-1]
    assert route.call_count == 1  # the crash backs off like any failed fetch
