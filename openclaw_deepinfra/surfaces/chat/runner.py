"""Running one chat call: `complete_chat` (one JSON answer) and `stream_chat` (SSE events).

Both validate the whole request and build the payload before any request is sent. A stream
always releases its connection and model slot: at the end, when the consumer leaves `async with`
or calls `aclose()` early, breaks out or raises in its loop, when the consuming task is cancelled,
and when the stream is dropped unclosed (the HTTP layer closes a connection whose stream did not
complete, so it is never reused half-read).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

from openclaw_deepinfra.catalog.models import CatalogSnapshot
from openclaw_deepinfra.errors import MalformedResponseError, StreamError, excerpt
from openclaw_deepinfra.host.contracts.chat import ChatRequest, ChatResult, ChatStreamEvent
from openclaw_deepinfra.runtime import DeepInfraRuntime
from openclaw_deepinfra.surfaces.chat.model import ChatModel, resolve_chat_model
from openclaw_deepinfra.surfaces.chat.payload import PreparedChat, build_body, prepare_chat
from openclaw_deepinfra.surfaces.chat.stream import ChatAccumulator
from openclaw_deepinfra.transport.errors import error_from_stream_frame
from openclaw_deepinfra.transport.sse import SSEEvent

CHAT_PATH: Final = "/chat/completions"
LABEL: Final = "DeepInfra chat"


async def complete_chat(
    runtime: DeepInfraRuntime, request: ChatRequest, *, view: CatalogSnapshot | None = None
) -> ChatResult:
    """One non-streaming chat completion. Raises the error tree's typed errors unchanged.

    `view`: the catalog a caller already decided from (image description), so the whole call
    reads one catalog; by default the call's own `runtime.catalog_view`."""
    prepared = prepare_chat(request)  # every request error before any I/O
    http = runtime.http()
    deadline = http.deadline(request.options.timeout_s)  # the catalog wait is part of the call
    if view is None:
        view = await runtime.catalog_view(deadline)
    model = resolve_chat_model(runtime, request.model, view)
    body, notes = build_body(prepared, model, stream=False)
    response = await http.with_options(deadline=deadline).request_json(
        "POST", CHAT_PATH, json=body, label=LABEL, model=model.id
    )
    data = response.data
    frame_error = error_from_stream_frame(data) if isinstance(data, Mapping) else None
    if frame_error is not None:
        raise frame_error  # a 200 answer that is an error frame
    if not isinstance(data, Mapping) or not isinstance(data.get("choices"), list) or not data["choices"]:
        raise MalformedResponseError(
            f"{LABEL} answer has no choices",
            status=response.status,
            request_id=response.request_id,
            body_excerpt=excerpt(json.dumps(data, default=str)),
        )
    accumulator = ChatAccumulator(model, warnings=notes)
    accumulator.feed(data)
    final = accumulator.finish(request_id=response.request_id)[-1]
    assert final.type == "finish"
    return final.result


def stream_chat(runtime: DeepInfraRuntime, request: ChatRequest) -> ChatStream:
    """A streaming chat completion; request errors are raised here, before anything is sent.
    The model's catalog facts are read from the call's catalog view when the stream starts."""
    return ChatStream(runtime, request, prepare_chat(request))


@dataclass(slots=True)
class _Call:
    """What a stream's event generator shares with its `ChatStream`: the prepared request, the
    model and payload (decided from the call's catalog view when the stream starts), and the result
    once produced. Not the `ChatStream` itself: a generator holding its owner is a reference cycle,
    so a stream its consumer dropped would give back its model slot only when the cycle collector
    ran, minutes later or never."""

    runtime: DeepInfraRuntime
    request: ChatRequest
    prepared: PreparedChat
    model: ChatModel | None = None
    body: dict[str, Any] | None = None
    result: ChatResult | None = None


class ChatStream:
    """Async iterator of `ChatStreamEvent` and async context manager (`ChatEventStream`).

    `result` holds the `ChatResult` once the `ChatFinish` event has been produced. The connection
    and model slot are given back however the consumer leaves: at the end, `aclose()` / `async
    with`, `break` or an exception in its loop, a cancelled task, or dropping the stream unclosed
    (the event loop then closes the generator).
    """

    def __init__(self, runtime: DeepInfraRuntime, request: ChatRequest, prepared: PreparedChat) -> None:
        self._call = _Call(runtime, request, prepared)
        self._events = _run(self._call)

    @property
    def body(self) -> dict[str, Any] | None:
        """The body sent, once the stream has started."""
        return self._call.body

    @property
    def result(self) -> ChatResult | None:
        return self._call.result

    def __repr__(self) -> str:
        model = self._call.model.id if self._call.model is not None else self._call.request.model
        return f"ChatStream(model={model!r}, done={self.result is not None})"

    def __aiter__(self) -> AsyncIterator[ChatStreamEvent]:
        # `async for` drives the event generator itself: no wrapper frame per event.
        return self._events

    async def __anext__(self) -> ChatStreamEvent:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        await self._events.aclose()

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def _run(call: _Call) -> AsyncGenerator[ChatStreamEvent, None]:
    http = call.runtime.http()
    deadline = http.deadline(call.request.options.timeout_s)  # the catalog wait is part of the call
    view = await call.runtime.catalog_view(deadline)
    model = call.model = resolve_chat_model(call.runtime, call.request.model, view)
    body, notes = build_body(call.prepared, model, stream=True)
    call.body = body
    async with http.with_options(deadline=deadline).stream_sse(
        CHAT_PATH, json=body, label=LABEL, model=model.id
    ) as sse:
        # Built once the answer has come, not before the send: streams that start in the same loop
        # turn all do their pre-send work before any of their requests is written (issue 14).
        accumulator = ChatAccumulator(model, warnings=notes)
        feed = accumulator.feed
        next_events = sse.next_events
        events: list[SSEEvent] | None = None
        event: SSEEvent | None = None
        item: ChatStreamEvent | None = None
        # One await per network read, every event it carried handled in this frame. The previous
        # read's events are dropped before waiting: a paced stream spends nearly all its life in
        # that wait, and they would be kept alive through it (issue 16). The stream ends at
        # `[DONE]` and raises error frames itself.
        while True:
            events = event = item = None
            events = await next_events()
            if not events:
                break
            for event in events:
                for item in feed(_chunk(event.data)):
                    yield item
        saw_done = sse.saw_done
    if not (saw_done or accumulator.finished):
        raise StreamError(
            f"{LABEL} stream ended before the answer was complete",
            hint="the connection was cut; retry the request",
        )
    for item in accumulator.finish():
        if item.type == "finish":
            call.result = item.result
        yield item


# The C scanner `json.loads` ends in. `json.loads` first and last runs two regex searches for
# whitespace around the value, a third of its cost on a typical chunk; a frame that is exactly one
# value skips them, anything else (surrounding whitespace, trailing data, not JSON) goes through
# `json.loads` and gets its verdict.
_scan_json: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _chunk(data: str) -> dict[str, Any]:
    try:
        try:
            parsed, end = _scan_json(data, 0)
        except StopIteration:
            end = -1
        if end != len(data):
            parsed = json.loads(data)
    except ValueError:
        raise MalformedResponseError(
            f"{LABEL} stream sent a frame that is not JSON", body_excerpt=excerpt(data)
        ) from None
    if type(parsed) is not dict:  # json.loads makes dicts; `isinstance(x, Mapping)` costs ~1 us
        raise MalformedResponseError(
            f"{LABEL} stream sent a frame that is not an object", body_excerpt=excerpt(data)
        )
    return parsed
