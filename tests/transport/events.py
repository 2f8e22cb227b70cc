"""Reading an `SSEStream` to its end the way the chat runner does: one `next_events()` per read."""

from __future__ import annotations

from openclaw_deepinfra.transport.sse import SSEEvent
from openclaw_deepinfra.transport.sse_stream import SSEStream


async def all_events(stream: SSEStream) -> list[SSEEvent]:
    """Every event up to the end of the stream (`[DONE]` or the body's end), in order."""
    events: list[SSEEvent] = []
    while batch := await stream.next_events():
        events.extend(batch)
    return events
