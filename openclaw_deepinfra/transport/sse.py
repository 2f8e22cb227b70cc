"""Incremental Server-Sent Events decoder (WHATWG HTML "event stream interpretation").

Bytes may be split anywhere: inside a UTF-8 sequence, inside a CRLF pair, inside a field name.
`data: [DONE]` and error frames are ordinary events here; `sse_stream.SSEStream` decides what
they mean.

At end of input, the WHATWG rules discard an event that was not closed by a blank line. We follow
them except for one lenience: if every line of that event was complete (only the final blank line
is missing, as some proxies do), `flush` still dispatches it. An unterminated last line is
dropped: it may have been cut mid-JSON.
"""

from __future__ import annotations

import codecs
import re
from typing import NamedTuple

from openclaw_deepinfra.errors import MalformedResponseError

__all__ = ["DEFAULT_MAX_LINE_CHARS", "SSEDecoder", "SSEEvent"]

DEFAULT_MAX_LINE_CHARS = 16 * 1024 * 1024
_EOL = re.compile(r"\r\n|\r|\n")
_DIGITS = re.compile(r"[0-9]+")


class SSEEvent(NamedTuple):
    """One dispatched event. A named tuple, not a dataclass: one is built per streamed chunk, and
    a tuple costs a fraction of a frozen dataclass's `__init__` (docs/performance.md)."""

    event: str | None = None  # None = the default "message" type
    data: str = ""
    id: str | None = None  # the last event id in effect when this event was dispatched
    retry: int | None = None  # a `retry:` value received since the previous event


class SSEDecoder:
    """Feed bytes, get complete events. One decoder per stream."""

    def __init__(self, *, max_line_chars: int = DEFAULT_MAX_LINE_CHARS) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._max_line_chars = max_line_chars
        self._started = False  # a BOM is only stripped at the very start of the stream
        self._skip_lf = False  # the previous chunk ended with CR: a leading LF completes that CRLF
        self._line = ""  # unterminated tail of the input
        # Pieces of a line still waiting for its end: joined once when it ends, so a long line
        # arriving in small reads costs linear time, not a re-join of the whole tail per read.
        self._parts: list[str] = []
        self._parts_len = 0
        self._data: list[str] = []  # cleared, never replaced: `_consume` holds it across dispatches
        self._event = ""
        self._last_id: str | None = None
        self._retry: int | None = None
        self._pending = False  # a field line arrived since the last dispatch

    def feed(self, chunk: bytes) -> list[SSEEvent]:
        utf8 = self._utf8
        if not utf8.buffer:
            # No UTF-8 sequence left open by the previous read: one C call instead of the
            # incremental decoder's Python wrapper. A read that ends inside a sequence, or holds
            # invalid bytes, goes through the incremental decoder (which keeps the open part).
            try:
                return self._consume(chunk.decode())
            except UnicodeDecodeError:
                pass
        return self._consume(utf8.decode(chunk, final=False))

    def flush(self) -> list[SSEEvent]:
        """End of input: decode what is left and dispatch a pending, fully-received event."""
        events = self._consume(self._utf8.decode(b"", final=True))
        truncated, self._line = bool(self._line or self._parts), ""
        self._parts, self._parts_len = [], 0
        if truncated:
            self._data.clear()
            self._event, self._pending = "", False
        elif self._pending:
            event = self._dispatch()
            if event is not None:
                events.append(event)
        return events

    def _consume(self, text: str) -> list[SSEEvent]:
        if not self._started and text:
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        if self._skip_lf and text:
            self._skip_lf = False
            if text.startswith("\n"):
                text = text[1:]
        if not text:
            return []
        if "\n" not in text and "\r" not in text:
            if self._line:  # from here on the tail lives in `_parts`
                self._parts.append(self._line)
                self._parts_len, self._line = len(self._line), ""
            self._parts.append(text)
            self._parts_len += len(text)
            if self._parts_len > self._max_line_chars:
                self._parts, self._parts_len = [], 0
                raise MalformedResponseError(
                    f"event stream line longer than {self._max_line_chars} characters"
                )
            return []
        if self._parts:
            self._line = "".join(self._parts)
            self._parts, self._parts_len = [], 0
        buffer = self._line + text if self._line else text
        if "\r" in buffer:
            lines = _EOL.split(buffer)
            if not lines[-1] and buffer.endswith("\r"):
                self._skip_lf = True  # the CR may be the first half of a CRLF split across chunks
        else:
            lines = buffer.split("\n")  # the common case: one C-level split, no regex
        self._line = tail = lines.pop()
        if len(tail) > self._max_line_chars:
            self._line = ""
            raise MalformedResponseError(f"event stream line longer than {self._max_line_chars} characters")
        events: list[SSEEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data:"):  # the `data` field of `_field`, inlined: nearly every line
                data.append(line[6:] if line.startswith("data: ") else line[5:])
            elif line:
                self._field(line)
            else:
                event = self._dispatch()
                if event is not None:
                    events.append(event)
        if data:
            self._pending = True
        return events

    def _field(self, line: str) -> None:
        if line.startswith(":"):
            return  # a comment (keep-alive)
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        self._pending = True
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self._last_id = value
        elif name == "retry" and _DIGITS.fullmatch(value):
            self._retry = int(value)

    def _dispatch(self) -> SSEEvent | None:
        data, event_type = self._data, self._event
        self._event, self._pending = "", False
        if not data:
            return None  # a retry value without data waits for the next real event
        retry, self._retry = self._retry, None
        joined = data[0] if len(data) == 1 else "\n".join(data)
        data.clear()
        return SSEEvent(event_type or None, joined, self._last_id, retry)
