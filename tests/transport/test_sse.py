from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.errors import MalformedResponseError
from openclaw_deepinfra.transport.sse import SSEDecoder, SSEEvent


def decode(*chunks: bytes) -> list[SSEEvent]:
    decoder = SSEDecoder()
    events: list[SSEEvent] = []
    for chunk in chunks:
        events.extend(decoder.feed(chunk))
    events.extend(decoder.flush())
    return events


def data_of(events: list[SSEEvent]) -> list[str]:
    return [e.data for e in events]


@pytest.mark.parametrize(
    ("stream", "expected"),
    [
        (b"data: hello\n\n", ["hello"]),
        (b"data: a\r\n\r\ndata: b\r\n\r\n", ["a", "b"]),  # CRLF
        (b"data: a\r\rdata: b\r\r", ["a", "b"]),  # bare CR
        (b"data: a\n\r\ndata: b\r\n\n", ["a", "b"]),  # mixed endings
        (b"data: line1\ndata: line2\n\n", ["line1\nline2"]),  # multi-line data joined with LF
        (b"data:no-space\n\n", ["no-space"]),
        (b"data:  two spaces\n\n", [" two spaces"]),  # only one leading space is removed
        (b"data\n\n", [""]),  # a field without colon: empty value
        (b"data\ndata\n\n", ["\n"]),
        (b": keep-alive\n\ndata: x\n\n", ["x"]),  # comments ignored
        (b":\n: comment\ndata: x\n: inner\n\n", ["x"]),
        (b"event: ping\n\n", []),  # no data: nothing dispatched
        (b"\n\n\n", []),
        (b"\xef\xbb\xbfdata: bom\n\n", ["bom"]),  # BOM at start is skipped
        (b"data: \xef\xbb\xbfkept\n\n", ["\ufeffkept"]),  # ... but not elsewhere
        (b"data: [DONE]\n\n", ["[DONE]"]),
        (b"unknown: field\ndata: y\n\n", ["y"]),
        (b'data: {"a": "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}\n\n', ['{"a": "café € 😀"}']),
        (b"data: x", []),  # an unterminated line at EOF is dropped (it may be cut mid-JSON)
        (b"data: x\ndata: y", []),  # ... and so is the event it belongs to
        (b"data: x\n", ["x"]),  # complete lines, only the blank line missing: dispatched at EOF
        (b"data: x\r", ["x"]),
    ],
)
def test_decoder_cases(stream: bytes, expected: list[str]) -> None:
    assert data_of(decode(stream)) == expected


def test_event_id_and_retry_fields() -> None:
    events = decode(
        b"event: update\nid: 7\nretry: 1500\ndata: one\n\n"
        b"data: two\n\n"  # id persists, event type and retry do not
        b"id\ndata: three\n\n"  # an empty id resets the last event id
        b"retry: soon\nid: a\x00b\ndata: four\n\n"  # bad retry and an id with NUL are ignored
    )
    assert events == [
        SSEEvent(event="update", data="one", id="7", retry=1500),
        SSEEvent(event=None, data="two", id="7", retry=None),
        SSEEvent(event=None, data="three", id="", retry=None),
        SSEEvent(event=None, data="four", id="", retry=None),
    ]


def test_retry_without_data_is_carried_to_the_next_event() -> None:
    assert decode(b"retry: 3000\n\ndata: x\n\n") == [SSEEvent(data="x", retry=3000)]


def test_crlf_split_across_chunks_is_one_line_ending() -> None:
    # "\r" ends chunk one; the "\n" starting chunk two must not produce an extra blank line.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\ndata: b\r\n") == []
    assert decoder.feed(b"\r") == [SSEEvent(data="a\nb")]
    assert decoder.feed(b"\n") == []
    assert decoder.flush() == []


def test_cr_inside_a_chunk_does_not_swallow_the_next_chunks_lf() -> None:
    # Regression (found by the property test): a CR early in a chunk is not a pending CRLF half.
    assert decode(b"\rdata: a", b"\ndata: b\n\n") == [SSEEvent(data="a\nb")]


def test_multibyte_sequence_split_across_chunks() -> None:
    raw = "data: 😀é\n\n".encode()
    for cut in range(len(raw) + 1):
        assert data_of(decode(raw[:cut], raw[cut:])) == ["😀é"], cut


def test_reads_alternate_between_whole_and_open_utf8_sequences() -> None:
    # A read that ends inside a sequence goes through the incremental decoder, which keeps the
    # open bytes for the next read; a read that decodes whole takes the one-call path.
    decoder = SSEDecoder()
    assert decoder.feed(b"data: \xc3") == []
    assert decoder.feed(b"\xa9\n\n") == [SSEEvent(data="\u00e9")]
    assert decoder.feed(b"data: ok\n\n") == [SSEEvent(data="ok")]
    assert decoder.feed(b"data: \xff\n\ndata: \xe2\x82") == [SSEEvent(data="\ufffd")]
    assert decoder.feed(b"\xac\n\n") == [SSEEvent(data="\u20ac")]
    assert isinstance(SSEEvent(data="x"), tuple)  # one tuple per event: built per streamed chunk


def test_bom_split_across_chunks() -> None:
    assert data_of(decode(b"\xef", b"\xbb", b"\xbfdata: x\n\n")) == ["x"]


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    assert data_of(decode(b"data: \xff\n\n")) == ["\ufffd"]


def test_overlong_line_is_rejected() -> None:
    decoder = SSEDecoder(max_line_chars=16)
    with pytest.raises(MalformedResponseError, match="longer than 16"):
        decoder.feed(b"data: " + b"x" * 32)


def test_feed_returns_events_as_soon_as_they_complete() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: first\n") == []
    assert decoder.feed(b"\ndata: sec") == [SSEEvent(data="first")]
    assert decoder.feed(b"ond\n\n") == [SSEEvent(data="second")]


FIELD_VALUE = st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), max_size=12)
EOL = st.sampled_from(["\n", "\r\n", "\r"])


@st.composite
def event_streams(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    if draw(st.booleans()):
        parts.append("\ufeff")
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            name = draw(st.sampled_from(["data", "event", "id", "retry", "", "x"]))
            sep = draw(st.sampled_from([": ", ":", ""]))
            parts.append(f"{name}{sep}{draw(FIELD_VALUE)}{draw(EOL)}")
        parts.append(draw(EOL))
    return "".join(parts).encode("utf-8")


@settings(max_examples=300, deadline=None)
@given(stream=event_streams(), data=st.data())
def test_any_chunking_yields_the_same_events(stream: bytes, data: st.DataObject) -> None:
    cuts = sorted(data.draw(st.lists(st.integers(min_value=0, max_value=len(stream)), max_size=8)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True)]
    assert decode(*chunks) == decode(stream)
    # byte-at-a-time is the harshest split of all
    assert decode(*(stream[i : i + 1] for i in range(len(stream)))) == decode(stream)
