"""THE fallback matrix: every kind of answer from the catalog endpoint x every starting state.

Real `DeepInfraHttp` + `ClientPool`, respx in place of the network, retries without waiting.
Outcomes:
  static     source "static", the shipped defaults
  live-seed  source "live", the defaults of the catalog fetched before (still fresh: no request)
  cache      source "cache", the defaults of the last good catalog, with a warning
  live-new   source "live", the defaults of this answer
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import respx

from openclaw_deepinfra.catalog.models import CatalogSnapshot, Surface
from openclaw_deepinfra.catalog.refresher import CatalogRefresher, SnapshotStore
from openclaw_deepinfra.catalog.static import StaticCatalog
from openclaw_deepinfra.catalog.wire import parse_projection_report
from tests.catalog.conftest import MODELS_URL, T0, Factory, FakeClock, catalog_rows, row

STATES = ("no-cache", "fresh-cache", "stale-cache", "persisted")
LIVE_FIRST: tuple[Surface, ...] = ("chat", "image-gen", "video-gen")


@dataclass(frozen=True)
class Answer:
    response: httpx.Response | type[Exception] | None  # None: no key, so no request
    check: Callable[[CatalogSnapshot], None] = field(default=lambda _s: None)


def _check_first_wins(snapshot: CatalogSnapshot) -> None:
    assert snapshot.surface("image-gen").find("new/chat") is None
    found = snapshot.find("new/chat")
    assert found is not None and found.tags == ("chat", "reasoning")


def _check_string_numbers(snapshot: CatalogSnapshot) -> None:
    chat = snapshot.find("new/chat")
    assert chat is not None and (chat.context_length, chat.max_tokens) == (8192, None)
    img = snapshot.find("new/img")
    assert img is not None and (img.default_width, img.default_height) == (1024, None)


def _check_unknown_tags(snapshot: CatalogSnapshot) -> None:
    assert snapshot.find("new/reranker") is None, "a model with only unknown tags is in no surface"
    chat_2 = snapshot.find("new/chat-2")
    assert chat_2 is not None and chat_2.tags == ("chat", "prompt_cache"), "unknown tags are kept on the row"


def _check_no_metadata(snapshot: CatalogSnapshot) -> None:
    assert snapshot.find("new/bare") is None and snapshot.find("new/null-meta") is None


def _json(body: Any) -> httpx.Response:
    return httpx.Response(200, json=body)


NEW = catalog_rows("new")
ANSWERS: dict[str, Answer] = {
    "no-key": Answer(None),
    "http-401": Answer(httpx.Response(401, json={"detail": "Unauthorized"})),
    "http-500": Answer(httpx.Response(500, json={"detail": "Internal Server Error"})),
    "timeout": Answer(httpx.ReadTimeout),
    "html-body": Answer(
        httpx.Response(
            200, text="<html><body>Bad gateway</body></html>", headers={"content-type": "text/html"}
        )
    ),
    "truncated-json": Answer(httpx.Response(200, content=b'{"data": [{"id": "new/chat", "metadata": {"ta')),
    "empty-list": Answer(_json({"data": []})),
    "only-unknown-tags": Answer(_json({"data": [row("new/reranker", ["reranker", "vision"])]})),
    "all-without-metadata": Answer(_json({"data": [{"id": "new/a"}, {"id": "new/b", "metadata": None}]})),
    "rows-without-metadata": Answer(
        _json({"data": [{"id": "new/bare"}, {"id": "new/null-meta", "metadata": None}, *NEW]}),
        _check_no_metadata,
    ),
    "duplicate-ids": Answer(_json([NEW[0], row("new/chat", ["image-gen"]), *NEW[1:]]), _check_first_wins),
    "string-numbers": Answer(
        _json(
            {
                "data": [
                    row("new/chat", ["chat", "reasoning"], context_length="8192", max_tokens="1.5"),
                    *NEW[1:3],
                    row("new/img", ["image-gen"], default_width="1024", default_height="abc"),
                    *NEW[4:],
                ]
            }
        ),
        _check_string_numbers,
    ),
    "unknown-tags": Answer(_json([row("new/reranker", ["reranker"]), *NEW]), _check_unknown_tags),
}

# fmt: off
#                           no-cache     fresh-cache   stale-cache  persisted
MATRIX: dict[str, tuple[str, str, str, str]] = {
    "no-key":                ("static",   "static",     "static",    "static"),
    "http-401":              ("static",   "live-seed",  "cache",     "cache"),
    "http-500":              ("static",   "live-seed",  "cache",     "cache"),
    "timeout":               ("static",   "live-seed",  "cache",     "cache"),
    "html-body":             ("static",   "live-seed",  "cache",     "cache"),
    "truncated-json":        ("static",   "live-seed",  "cache",     "cache"),
    "empty-list":            ("static",   "live-seed",  "cache",     "cache"),
    "only-unknown-tags":     ("static",   "live-seed",  "cache",     "cache"),
    "all-without-metadata":  ("static",   "live-seed",  "cache",     "cache"),
    "rows-without-metadata": ("live-new", "live-seed",  "live-new",  "live-new"),
    "duplicate-ids":         ("live-new", "live-seed",  "live-new",  "live-new"),
    "string-numbers":        ("live-new", "live-seed",  "live-new",  "live-new"),
    "unknown-tags":          ("live-new", "live-seed",  "live-new",  "live-new"),
}
# fmt: on
assert set(MATRIX) == set(ANSWERS)

CELLS = [
    pytest.param(answer, state, MATRIX[answer][i], id=f"{answer}-{state}")
    for answer in MATRIX
    for i, state in enumerate(STATES)
]

SEED_FETCHED_AT = T0 - 3600.0


async def _start(
    state: str, answer: str, make_refresher: Factory, store: SnapshotStore, clock: FakeClock
) -> tuple[CatalogRefresher, float | None]:
    """A refresher in `state`; returns it and the fetched_at of the catalog it already holds."""
    keyed = answer != "no-key"
    if state == "no-cache":
        return make_refresher(key=keyed), None
    if state == "persisted":
        seed = parse_projection_report(catalog_rows("seed")).models
        store.save(MODELS_URL.rsplit("/", 1)[0], seed, fetched_at=SEED_FETCHED_AT)
        return make_refresher(key=keyed), SEED_FETCHED_AT
    # fresh / stale: a successful fetch earlier in this process.
    seeder = make_refresher()
    with respx.mock(assert_all_called=True) as mock:
        mock.get(MODELS_URL).respond(200, json={"data": catalog_rows("seed")})
        seeded = await seeder.refresh()
    assert seeded.source == "live"
    fetched_at = clock()
    clock.advance(60.0 if state == "fresh-cache" else 301.0)
    # Without a key the in-memory catalog is out of reach; only what was saved on disk remains.
    return (seeder if keyed else make_refresher(key=False)), fetched_at


def _expected_defaults(outcome: str, static: StaticCatalog) -> dict[Surface, str]:
    if outcome == "static":
        return {s: static.default(s) for s in LIVE_FIRST}
    prefix = "new" if outcome == "live-new" else "seed"
    return {"chat": f"{prefix}/chat", "image-gen": f"{prefix}/img", "video-gen": f"{prefix}/vid"}


CURATED: dict[Surface, str] = {
    "stt": "openai/whisper-large-v3-turbo",
    "tts": "hexgrad/Kokoro-82M",
    "vlm": "moonshotai/Kimi-K2.6",  # the curated K2.5 is deprecated; its replacement
    "embed": "BAAI/bge-m3",
}


@pytest.mark.parametrize(("answer", "state", "outcome"), CELLS)
async def test_fallback_matrix(
    answer: str,
    state: str,
    outcome: str,
    make_refresher: Factory,
    store: SnapshotStore,
    static: StaticCatalog,
    clock: FakeClock,
) -> None:
    refresher, held_at = await _start(state, answer, make_refresher, store, clock)
    spec = ANSWERS[answer]
    with respx.mock(assert_all_called=False) as mock:
        route = mock.get(MODELS_URL)
        if isinstance(spec.response, httpx.Response):
            route.mock(return_value=spec.response)
        elif spec.response is not None:
            route.mock(side_effect=spec.response)
        else:
            route.respond(200, json={"data": NEW})  # must never be asked: there is no key
        snapshot = await refresher.refresh()

    expected_source = "live" if outcome.startswith("live") else outcome
    assert snapshot.source == expected_source
    defaults = {s: snapshot.default(s) for s in LIVE_FIRST}
    assert defaults == _expected_defaults(outcome, static)
    for surface, curated in CURATED.items():
        assert snapshot.default(surface) == curated

    asked = answer != "no-key" and state != "fresh-cache"
    assert route.called is asked
    if asked:
        assert "authorization" not in route.calls.last.request.headers

    if outcome == "cache":
        assert snapshot.fetched_at == held_at
        assert all(cat.source in ("cache", "static") for cat in snapshot.surfaces.values())
    if outcome in ("cache", "static") and asked:
        assert snapshot.warnings, "a failed refresh says why"
    if outcome == "live-new":
        assert snapshot.fetched_at == clock()
        assert snapshot.warnings == ()
        spec.check(snapshot)
        reloaded = store.load(MODELS_URL.rsplit("/", 1)[0])
        assert reloaded is not None and reloaded.fetched_at == clock(), "last good persisted"
    # The synchronous view agrees with what refresh() returned.
    assert refresher.snapshot().source == snapshot.source
    assert refresher.snapshot().default("chat") == snapshot.default("chat")
