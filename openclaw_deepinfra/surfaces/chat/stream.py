"""Chat completion chunks -> typed stream events and the final result.

One `ChatAccumulator` per call. It takes the parsed JSON of each SSE `data:` frame (or, for a
non-streaming call, the whole response, whose `message` is read as one big delta), assembles
tool calls by index, routes DeepSeek output through `deepseek.DeepSeekFilter`, and builds the
`ChatResult`. It does no I/O; `runner` feeds it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from openclaw_deepinfra.host.contracts.chat import (
    ChatChoice,
    ChatCost,
    ChatFinish,
    ChatReasoningDelta,
    ChatResult,
    ChatStreamEvent,
    ChatTextDelta,
    ChatToolCall,
    ChatToolCallDelta,
    ChatToolCallDone,
    ChatToolCallFunction,
    ChatUsage,
    ChatUsageEvent,
)
from openclaw_deepinfra.redact import get_logger
from openclaw_deepinfra.surfaces.chat.deepseek import DeepSeekFilter, FilterOutput
from openclaw_deepinfra.surfaces.chat.model import ChatModel
from openclaw_deepinfra.surfaces.chat.usage import chat_cost, parse_usage, trusted

logger = get_logger(__name__)


@dataclass
class _Call:
    id: str | None = None
    name: str = ""
    arguments: str = ""


@dataclass
class _Choice:
    index: int
    filters: tuple[DeepSeekFilter, DeepSeekFilter] | None
    text: list[str] = field(default_factory=list)
    reasoning: list[str] = field(default_factory=list)
    calls: dict[int, _Call] = field(default_factory=dict)
    recovered: int = 0
    finish_reason: str | None = None
    done: bool = False


class ChatAccumulator:
    def __init__(self, model: ChatModel, *, warnings: list[str] | None = None) -> None:
        self._model = model
        self._warnings = list(warnings or ())
        self._deepseek = model.thinking_format == "deepseek"
        self._choices: dict[int, _Choice] = {}
        self.served_model: str | None = None
        self.service_tier: str | None = None
        self.usage: ChatUsage | None = None
        self.cost: ChatCost | None = None  # set with the usage; unknown without it

    @property
    def finished(self) -> bool:
        """Whether every choice seen so far has a finish reason (and at least one was seen)."""
        return bool(self._choices) and all(c.finish_reason is not None for c in self._choices.values())

    def feed(self, chunk: Mapping[str, Any]) -> list[ChatStreamEvent]:
        events: list[ChatStreamEvent] = []
        if self.served_model is None:
            model = chunk.get("model")
            if model and isinstance(model, str):
                self.served_model = model
        tier = chunk.get("service_tier")
        if tier and isinstance(tier, str):
            self.service_tier = tier
        choices = chunk.get("choices")
        if choices:
            for position, raw in enumerate(choices):
                if type(raw) is dict or isinstance(raw, Mapping):
                    self._feed_choice(raw, position, events)
        usage = chunk.get("usage")
        if usage is not None:
            parsed = parse_usage(usage)
            if parsed is not None:
                self.usage, reported = parsed
                self.cost = chat_cost(self.usage, reported, self._model)
                events.append(ChatUsageEvent(usage=self.usage, cost=self.cost))
        return events

    def finish(self, *, request_id: str | None = None) -> list[ChatStreamEvent]:
        """Close every open choice; the last event is `ChatFinish` with the result."""
        events: list[ChatStreamEvent] = []
        for choice in self._sorted():
            events.extend(self._close(choice))
        result = self.result(request_id=request_id)
        events.append(ChatFinish(finish_reason=result.finish_reason, result=result))
        return events

    def result(self, *, request_id: str | None = None) -> ChatResult:
        served = self.served_model or self._model.id
        if served != self._model.id:
            # DeepInfra forwards a retired model to its replacement after the deprecation date.
            logger.warning("DeepInfra served %s for a request to %s", served, self._model.id)
        choices = [
            trusted(
                ChatChoice,
                index=c.index,
                text="".join(c.text),
                reasoning="".join(c.reasoning),
                tool_calls=[self._tool_call(i, call) for i, call in sorted(c.calls.items())],
                finish_reason=c.finish_reason,
            )
            for c in self._sorted()
        ] or [ChatChoice()]
        return trusted(
            ChatResult,
            model=served,
            requested_model=self._model.id,
            choices=choices,
            usage=self.usage,
            cost=self.cost or ChatCost(),
            service_tier=self.service_tier,
            request_id=request_id,
            warnings=list(self._warnings),
        )

    # -- one choice -----------------------------------------------------------------------------

    def _sorted(self) -> list[_Choice]:
        return [self._choices[i] for i in sorted(self._choices)]

    def _choice(self, index: int) -> _Choice:
        choice = self._choices.get(index)
        if choice is None:
            filters = (DeepSeekFilter("text"), DeepSeekFilter("reasoning")) if self._deepseek else None
            choice = self._choices[index] = _Choice(index=index, filters=filters)
        return choice

    def _feed_choice(self, raw: Mapping[str, Any], position: int, events: list[ChatStreamEvent]) -> None:
        # Runs once per streamed chunk: `type(x) is dict` fast paths (json.loads only makes dicts,
        # `isinstance(x, Mapping)` is an ABC check), appends into the caller's list, and a text or
        # reasoning delta without the DeepSeek filter is handled inline.
        index = raw.get("index")
        choice = self._choices.get(index) if type(index) is int else None
        if choice is None:
            choice = self._choice(index if isinstance(index, int) else position)
        delta = raw.get("delta")
        if type(delta) is not dict and (delta is None or not isinstance(delta, Mapping)):
            delta = raw.get("message")  # a non-streaming response
            if type(delta) is not dict and (delta is None or not isinstance(delta, Mapping)):
                delta = None
        if delta:
            filters = choice.filters
            reasoning = delta.get("reasoning_content")
            if not reasoning or not isinstance(reasoning, str):
                reasoning = delta.get("reasoning")
            if reasoning and isinstance(reasoning, str):
                if filters is None:
                    choice.reasoning.append(reasoning)
                    events.append(ChatReasoningDelta(reasoning, choice.index))
                else:
                    events.extend(self._filtered(choice, filters[1].feed(reasoning)))
            content = delta.get("content")
            if content and isinstance(content, str):
                if filters is None:
                    choice.text.append(content)
                    events.append(ChatTextDelta(content, choice.index))
                else:
                    events.extend(self._filtered(choice, filters[0].feed(content)))
            calls = delta.get("tool_calls")
            if calls:
                for position_in_delta, call in enumerate(calls):
                    if type(call) is dict or isinstance(call, Mapping):
                        events.extend(self._tool_delta(choice, call, position_in_delta))
        finish = raw.get("finish_reason")
        if finish and isinstance(finish, str) and choice.finish_reason is None:
            choice.finish_reason = finish
            events.extend(self._close(choice))

    def _filtered(self, choice: _Choice, out: FilterOutput) -> list[ChatStreamEvent]:
        events = [self._piece(choice, kind, text) for kind, text in out.pieces]
        for recovered in out.tool_calls:
            index = max(choice.calls, default=-1) + 1
            call_id = f"call_dsml_{choice.index}_{choice.recovered}"
            choice.recovered += 1
            choice.calls[index] = _Call(id=call_id, name=recovered.name, arguments=recovered.arguments)
            events.append(
                ChatToolCallDelta(
                    index=index,
                    id=call_id,
                    name=recovered.name,
                    arguments=recovered.arguments,
                    choice=choice.index,
                )
            )
        return events

    def _piece(self, choice: _Choice, kind: str, text: str) -> ChatStreamEvent:
        if kind == "reasoning":
            choice.reasoning.append(text)
            return ChatReasoningDelta(text=text, choice=choice.index)
        choice.text.append(text)
        return ChatTextDelta(text=text, choice=choice.index)

    def _tool_delta(self, choice: _Choice, raw: Mapping[str, Any], position: int) -> list[ChatStreamEvent]:
        index = raw.get("index")
        index = index if isinstance(index, int) else position
        call = choice.calls.setdefault(index, _Call())
        call_id = raw.get("id")
        function = raw.get("function")
        function = function if isinstance(function, Mapping) else {}
        name = function.get("name")
        arguments = function.get("arguments")
        if not isinstance(arguments, str):
            # Some servers send an object instead of JSON text on non-streaming answers.
            arguments = "" if arguments is None else json.dumps(arguments, ensure_ascii=False)
        new_id = call_id if isinstance(call_id, str) and call_id and call.id is None else None
        new_name = name if isinstance(name, str) and name and not call.name else None
        if new_id:
            call.id = new_id
        if new_name:
            call.name = new_name
        call.arguments += arguments
        if not (new_id or new_name or arguments):
            return []
        return [
            ChatToolCallDelta(index=index, id=new_id, name=new_name, arguments=arguments, choice=choice.index)
        ]

    def _close(self, choice: _Choice) -> list[ChatStreamEvent]:
        if choice.done:
            return []
        choice.done = True
        events: list[ChatStreamEvent] = []
        if choice.filters is not None:
            for flt in choice.filters:
                events.extend(self._filtered(choice, flt.finish()))
            if choice.recovered and choice.finish_reason in (None, "stop"):
                choice.finish_reason = "tool_calls"  # the host must run the recovered calls
        if choice.calls:
            events.extend(
                ChatToolCallDone(index=i, call=self._tool_call(i, call), choice=choice.index)
                for i, call in sorted(choice.calls.items())
            )
        return events

    def _tool_call(self, index: int, call: _Call) -> ChatToolCall:
        return ChatToolCall(
            id=call.id or f"call_{index}",
            function=ChatToolCallFunction(name=call.name, arguments=call.arguments),
        )
