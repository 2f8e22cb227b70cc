"""Hostile input to the parsers: the SSE decoder, the catalog projection, model refs and the config
reader. No input makes them raise anything but the project's typed errors, hang, or hold memory
out of proportion to their input.

Property tests keep `max_examples` modest so CI stays fast; the size and time bounds use a few large
generated inputs instead.
"""

from __future__ import annotations

import contextlib
import json
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.catalog.wire import ParsedProjection, parse_projection_report
from openclaw_deepinfra.errors import DeepInfraError, MalformedResponseError
from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.errors import HostError, ModelRefError
from openclaw_deepinfra.host.refs import ModelRef, parse_model_ref, resolve_text_model, strip_provider_prefix
from openclaw_deepinfra.transport.sse import SSEDecoder, SSEEvent

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# JSON-like trees, with the keys the plugin reads mixed in so the walk goes deep into real paths.
KEYS = st.sampled_from(
    ["models", "providers", "deepinfra", "apiKey", "baseUrl", "tts", "messages", "memory", "search",
     "memorySearch", "agents", "defaults", "mediaModels", "image", "video", "music", "primary", "fallbacks",
     "timeoutMs", "list", "entries", "id", "env", "vars", "tools", "media", "audio", "secrets", "source",
     "imageGenerationModel", "videoGenerationModel", "remote", "voice", "model", "${HOME}", ""]
) | st.text(max_size=8)  # fmt: skip
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["${UNSET_VAR}", "$${LITERAL}", "${HOME}", "deepinfra/a/B", "/"])
)
TREES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=30,
)
OBJECTS = st.dictionaries(KEYS, TREES, max_size=6)


def bounded_peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """`fn()` and the peak bytes it allocated (tracemalloc)."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        result = fn()
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    return result, peak


# -- SSE decoder ----------------------------------------------------------------------------------------


def decode(chunks: list[bytes], decoder: SSEDecoder | None = None) -> list[SSEEvent]:
    decoder = decoder or SSEDecoder()
    events: list[SSEEvent] = []
    for piece in chunks:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


SSE_SAMPLES = [
    b'data: {"a": 1}',
    b"data:",
    b"event: error",
    b"id: 7",
    b"id: \x00",
    b"retry: 10",
    b"retry: x",
    b": comment",
    b"",
    b"data: [DONE]",
    "data: é✓".encode(),
    b"\xff\xfe",
    b"data: \xe2\x9c",
]
SSE_LINES = st.lists(st.sampled_from(SSE_SAMPLES) | st.binary(max_size=40), max_size=30)
EOLS = st.sampled_from([b"\n", b"\r\n", b"\r"])


@FAST
@given(lines=SSE_LINES, eol=EOLS, cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_sse_any_bytes_split_anywhere_decode_the_same_and_never_crash(
    lines: list[bytes], eol: bytes, cuts: list[int]
) -> None:
    stream = eol.join(lines) + eol
    whole = decode([stream])
    points = sorted({min(c, len(stream)) for c in cuts})
    pieces = [stream[a:b] for a, b in zip([0, *points], [*points, len(stream)], strict=True)]
    assert decode(pieces) == whole  # where the network cuts the bytes never changes the events
    for event in whole:
        assert isinstance(event.data, str) and (event.retry is None or event.retry >= 0)


@FAST
@given(raw=st.binary(max_size=2000), size=st.integers(min_value=1, max_value=64))
def test_sse_random_bytes_only_typed_errors(raw: bytes, size: int) -> None:
    decoder = SSEDecoder(max_line_chars=256)
    with contextlib.suppress(MalformedResponseError):  # a line past the cap: the one error allowed
        decode([raw[i : i + size] for i in range(0, len(raw), size)], decoder)


def test_sse_memory_stays_flat_over_a_long_stream() -> None:
    frame = b'data: {"choices": [{"delta": {"content": "hello world"}}]}\n\n'
    chunk = frame * 1000  # ~60 KB per network read, ~3 MB in all
    decoder = SSEDecoder()

    def run() -> int:
        count = 0
        for _ in range(50):
            count += len(decoder.feed(chunk))  # consumed as they come, as the client does
        return count

    count, peak = bounded_peak(run)
    assert count == 50_000
    assert peak < 2 * 1024 * 1024, f"decoder held {peak} bytes at peak over a 3 MB stream"


def test_sse_endless_line_is_cut_at_the_cap_with_memory_bounded() -> None:
    decoder = SSEDecoder(max_line_chars=1024 * 1024)

    def run() -> None:
        decoder.feed(b"data: ")
        with pytest.raises(MalformedResponseError, match="longer than"):
            for _ in range(4096):  # up to 256 MB if nothing stopped it
                decoder.feed(b"x" * 65536)

    _, peak = bounded_peak(run)
    assert peak < 8 * 1024 * 1024


def test_sse_long_line_in_small_reads_is_linear_time() -> None:
    """A 2 MB line arriving 1 KB at a time (a slow or hostile server) must not take quadratic time:
    re-joining the whole pending line on every read copies ~2 GB here (and ~128 GB for a line at
    the 16 MB cap: minutes of CPU, a hang as far as the gateway can tell)."""
    decoder = SSEDecoder()
    piece = b"y" * 1024
    started = time.monotonic()
    decoder.feed(b"data: ")
    for _ in range(2048):
        decoder.feed(piece)
    events = decoder.feed(b"\n\n")
    elapsed = time.monotonic() - started
    assert len(events) == 1 and len(events[0].data) == 2 * 1024 * 1024
    assert elapsed < 0.5, f"{elapsed:.1f}s to decode one 2 MB line in 1 KB reads"


# -- catalog projection ---------------------------------------------------------------------------------

TAGS = st.lists(st.one_of(st.sampled_from(["chat", "vlm", "embed", "tts"]), SCALARS), max_size=4)
METADATA = st.fixed_dictionaries(
    {},
    optional={
        "tags": st.one_of(TAGS, SCALARS),
        "context_length": SCALARS,
        "max_tokens": SCALARS,
        "default_width": SCALARS,
        "pricing": st.one_of(st.dictionaries(st.text(max_size=10), SCALARS, max_size=3), SCALARS),
        "description": SCALARS,
    },
)
ROW = st.fixed_dictionaries(
    {"id": st.one_of(st.text(max_size=30), SCALARS)},
    optional={"metadata": st.one_of(st.none(), SCALARS, METADATA), "name": SCALARS},
)
ROWS = st.lists(st.one_of(TREES, ROW), max_size=12)


@FAST
@given(body=st.one_of(ROWS, st.fixed_dictionaries({"data": ROWS}), TREES))
def test_catalog_projection_any_body_parses_or_is_malformed(body: Any) -> None:
    try:
        parsed = parse_projection_report(body)
    except MalformedResponseError as exc:
        assert len(str(exc)) < 2000
        return
    assert isinstance(parsed, ParsedProjection)
    ids = [m.id for m in parsed.models]
    assert len(ids) == len(set(ids)) and all(i and i == i.strip() for i in ids)
    for model in parsed.models:
        for number in (model.context_length, model.max_tokens, model.default_width):
            assert number is None or (isinstance(number, int) and 0 < number <= 2**53 - 1)
        assert all(isinstance(v, float) and v >= 0 and v != float("inf") for v in model.pricing.values())


def test_catalog_projection_memory_grows_linearly_with_the_answer() -> None:
    def rows(count: int) -> dict[str, Any]:
        return {"data": [{"id": f"org/model-{i}", "metadata": {"tags": ["chat"], "context_length": 8192,
                                                              "pricing": {"input_tokens": 0.1}}}
                         for i in range(count)]}  # fmt: skip

    small, large = rows(5_000), rows(20_000)
    parsed_small, peak_small = bounded_peak(lambda: parse_projection_report(small))
    parsed_large, peak_large = bounded_peak(lambda: parse_projection_report(large))
    assert (len(parsed_small.models), len(parsed_large.models)) == (5_000, 20_000)
    assert peak_large < 5 * peak_small, f"4x the rows took {peak_large / peak_small:.1f}x the memory"
    assert peak_large < 2_000 * 20_000, f"{peak_large} bytes at peak for 20,000 rows"


# -- model refs -----------------------------------------------------------------------------------------


@FAST
@given(ref=st.one_of(st.text(max_size=60), SCALARS, st.lists(st.text(max_size=5), max_size=2)),
       aliases=st.none() | st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3))  # fmt: skip
def test_model_ref_any_input_parses_or_is_a_model_ref_error(ref: Any, aliases: dict[str, str] | None) -> None:
    try:
        parsed = parse_model_ref(ref, aliases=aliases)
    except ModelRefError as exc:
        assert "provider" in str(exc) or "model" in str(exc)
        return
    assert isinstance(parsed, ModelRef) and parsed.provider and parsed.model.strip()
    if not aliases:
        assert parsed.provider == parsed.provider.strip().lower()
        again = parse_model_ref(str(parsed))
        assert (again.provider, again.model.strip()) == (parsed.provider, parsed.model.strip())


@FAST
@given(model=st.text(max_size=40), provider=st.text(min_size=1, max_size=12))
def test_strip_provider_prefix_removes_at_most_one_prefix(model: str, provider: str) -> None:
    stripped = strip_provider_prefix(model, provider)
    assert stripped == model or f"{provider}/".lower() + stripped.lower() == model.lower()


@FAST
@given(data=OBJECTS, ref=st.text(max_size=30))
def test_resolve_text_model_on_any_config(data: dict[str, Any], ref: str) -> None:
    try:
        config = OpenClawConfig(data, env={"HOME": "/home/x"})
        resolved = resolve_text_model(config, ref)
    except HostError:
        return
    assert isinstance(resolved, ModelRef)


# -- the config reader ----------------------------------------------------------------------------------


def read_everything(config: OpenClawConfig) -> None:
    paths = (
        "models.providers.deepinfra",
        "models.providers.deepinfra.apiKey",
        "tts",
        "memory.search",
        "agents.entries",
        "tools.media.models",
        "agents.defaults.mediaModels.image",
        "env.vars",
    )
    for path in paths:
        config.get(path)
        config.get(path, raw=True)
        config.lookup(path)
    config.tts()
    config.memory_search()
    config.memory_search("main")
    for kind in ("image", "video", "music"):
        config.media_model(kind)  # type: ignore[arg-type]
    config.provider_config("deepinfra")
    config.plugin_entry("deepinfra")
    config.legacy_keys()


@FAST
@given(data=OBJECTS)
def test_config_reader_on_any_tree_raises_only_host_errors(data: dict[str, Any]) -> None:
    try:
        config = OpenClawConfig(data, env={"HOME": "/home/x"})
        read_everything(config)
    except HostError as exc:
        assert str(exc)


JSON5_SNIPPETS = st.sampled_from(
    ["{", "}", "[", "]", ",", ":", "//c\n", "/*x*/", "'s'", '"t"', "0x1F", "+1", "-Infinity", "NaN", "null",
     "true", "models", "tts", "${HOME}", "\\u0000", "\n", " ", "1e999", '"\\x"', "key:", "\ufeff", "\x00"]
)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    text=st.one_of(
        st.text(max_size=200),
        st.lists(JSON5_SNIPPETS, max_size=40).map("".join),
        OBJECTS.map(lambda d: json.dumps(d, allow_nan=True)),
    ),
    raw=st.binary(max_size=64),
)
def test_config_file_any_text_or_bytes_is_read_or_a_config_error(
    text: str, raw: bytes, tmp_path: Path
) -> None:
    path = tmp_path / "openclaw.json"
    for content in (text.encode("utf-8", "surrogatepass"), raw, text.encode("utf-8", "surrogatepass") + raw):
        path.write_bytes(content)
        try:
            config = OpenClawConfig.load(path, env={"HOME": "/home/x"})
            read_everything(config)
        except HostError as exc:
            assert str(exc)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"tts": "\xff\xfe"}', "not UTF-8"),
        (b"[" * 50_000, "nested too deeply"),
        (b'{"a":' * 5_000, "nested too deeply"),
        (b"{models: {providers: {deepinfra: {apiKey: 'x',}}}}", None),  # JSON5 is fine
    ],
)
def test_config_file_edge_cases(content: bytes, expected: str | None, tmp_path: Path) -> None:
    path = tmp_path / "openclaw.json"
    path.write_bytes(content)
    if expected is None:
        assert OpenClawConfig.load(path, env={}).get("models.providers.deepinfra.apiKey") == "x"
        return
    with pytest.raises(HostError, match=expected) as caught:
        OpenClawConfig.load(path, env={})
    assert str(path) in str(caught.value)


def test_typed_errors_are_the_only_escapes() -> None:
    # The contract the properties above rely on: both trees are rooted where the tests catch them.
    assert issubclass(MalformedResponseError, DeepInfraError) and issubclass(ModelRefError, HostError)
