"""DeepSeek output cleanup (the reference's `thinkingFormat: "deepseek"`), safe across chunks.

DeepSeek models sometimes write their tool calls as DSML markup in the answer text instead of
`tool_calls`, and let reasoning leak into it:

    <|DSML|tool_calls>          (V3.2: function_calls; each bar is `|`, fullwidth U+FF5C or
                                 two of those; shown here as `|`)
    <|DSML|invoke name="get_weather">
    <|DSML|parameter name="city" string="true">Tokyo</|DSML|parameter>
    <|DSML|parameter name="days" string="false">3</|DSML|parameter>
    </|DSML|invoke>
    </|DSML|tool_calls>

`string="false"` values are JSON; an invoke body may also be one JSON object. The older
`<|tool_calls_begin|>…<|tool_call_begin|>function<|tool_sep|>NAME ```json {...}```…` form is
recovered too. `<think>…</think>` (or `<|begin_of_thinking|>…<|end_of_thinking|>`) in the answer
is reasoning; a stray closing marker is dropped.

`DeepSeekFilter` is fed text as it arrives and holds back only what could still become a marker
(and trailing whitespace, which belongs to a following block's separator), so any split of the
same text gives the same text, reasoning and tool calls.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Final, Literal

Channel = Literal["text", "reasoning"]

_FW: Final = "\uff5c"  # FULLWIDTH VERTICAL LINE, as DeepSeek's tokenizer writes it
_SP: Final = "\u2581"  # LOWER ONE EIGHTH BLOCK, its word separator in special tokens
_BARS: Final = ("|", _FW, _FW + _FW)
_BLOCK_NAMES: Final = ("tool_calls", "function_calls")
DSML_OPEN: Final = tuple(f"<{b}DSML{b}{n}{t}>" for b in _BARS for n in _BLOCK_NAMES for t in ("", b))
DSML_CLOSE: Final = tuple(f"</{b}DSML{b}{n}{t}>" for b in _BARS for n in _BLOCK_NAMES for t in ("", b))
LEGACY_OPEN: Final = (f"<{_FW}tool{_SP}calls{_SP}begin{_FW}>", "<|tool_calls_begin|>")
LEGACY_CLOSE: Final = (f"<{_FW}tool{_SP}calls{_SP}end{_FW}>", "<|tool_calls_end|>")
THINK_OPEN: Final = ("<think>", f"<{_FW}begin{_SP}of{_SP}thinking{_FW}>")
THINK_CLOSE: Final = ("</think>", f"<{_FW}end{_SP}of{_SP}thinking{_FW}>")

_MARKERS: Final[dict[str, str]] = {
    **dict.fromkeys(DSML_OPEN, "dsml"),
    **dict.fromkeys(LEGACY_OPEN, "legacy"),
    **dict.fromkeys(THINK_OPEN, "think_open"),
    **dict.fromkeys(THINK_CLOSE, "think_close"),
}
_CLOSERS: Final[dict[str, tuple[str, ...]]] = {"dsml": DSML_CLOSE, "legacy": LEGACY_CLOSE}

_BAR: Final = rf"(?:\||{_FW})+"
_INVOKE = re.compile(
    rf'<{_BAR}DSML{_BAR}invoke\s+name="(?P<name>[^"]+)"\s*(?:{_BAR})?>(?P<body>.*?)'
    rf"</{_BAR}DSML{_BAR}invoke\s*(?:{_BAR})?>",
    re.DOTALL,
)
_PARAM = re.compile(
    rf'<{_BAR}DSML{_BAR}parameter\s+name="(?P<key>[^"]+)"(?:\s+string="(?P<string>true|false)")?'
    rf"\s*(?:{_BAR})?>(?P<value>.*?)</{_BAR}DSML{_BAR}parameter\s*(?:{_BAR})?>",
    re.DOTALL,
)
_LEGACY_CALL = re.compile(
    rf"<(?:{_FW}tool{_SP}call{_SP}begin{_FW}|\|tool_call_begin\|)>\s*(?:function)?\s*"
    rf"<(?:{_FW}tool{_SP}sep{_FW}|\|tool_sep\|)>"
    r"\s*(?P<name>[^\s`<]+)\s*(?:```(?:json)?\s*(?P<fenced>.*?)\s*```|(?P<bare>.*?))\s*"
    rf"<(?:{_FW}tool{_SP}call{_SP}end{_FW}|\|tool_call_end\|)>",
    re.DOTALL,
)


@dataclass(frozen=True)
class RecoveredToolCall:
    name: str
    arguments: str
    """JSON text."""


@dataclass
class FilterOutput:
    pieces: list[tuple[Channel, str]] = field(default_factory=list)
    tool_calls: list[RecoveredToolCall] = field(default_factory=list)

    def add(self, channel: Channel, text: str) -> None:
        if not text:
            return
        if self.pieces and self.pieces[-1][0] == channel:
            self.pieces[-1] = (channel, self.pieces[-1][1] + text)
        else:
            self.pieces.append((channel, text))

    def text(self, channel: Channel) -> str:
        return "".join(t for c, t in self.pieces if c == channel)


class DeepSeekFilter:
    """One per stream channel: `base` is where ordinary text goes (`text` for content,
    `reasoning` for `reasoning_content`)."""

    def __init__(self, base: Channel = "text") -> None:
        self._base: Channel = base
        self._mode: Channel = base
        self._buffer = ""  # unprocessed input (starts with a possible marker prefix)
        self._held_space = ""  # trailing whitespace not yet emitted
        self._block: str | None = None  # kind of the open tool-call block
        self._block_text = ""
        self._after_block = False  # only whitespace since the last block closed

    def feed(self, text: str) -> FilterOutput:
        out = FilterOutput()
        self._buffer += text
        self._run(out, final=False)
        return out

    def finish(self) -> FilterOutput:
        out = FilterOutput()
        self._run(out, final=True)
        if self._block is not None:  # unclosed block: keep the calls that are complete
            out.tool_calls.extend(_parse_block(self._block, self._block_text))
            self._block, self._block_text = None, ""
        if not self._after_block:  # whitespace trailing a tool-call block is the block's
            out.add(self._mode, self._held_space)
        self._held_space = ""
        return out

    def _run(self, out: FilterOutput, *, final: bool) -> None:
        while self._buffer:
            if self._block is not None:
                if not self._consume_block(out):
                    return
                continue
            at = self._buffer.find("<")
            if at < 0:
                self._emit(out, self._buffer)
                self._buffer = ""
                return
            self._emit(out, self._buffer[:at])
            self._buffer = self._buffer[at:]
            marker = next((m for m in _MARKERS if self._buffer.startswith(m)), None)
            if marker is not None:
                self._buffer = self._buffer[len(marker) :]
                self._on_marker(out, _MARKERS[marker])
            elif not final and any(m.startswith(self._buffer) for m in _MARKERS):
                return  # may still become a marker: wait for more input
            else:
                self._emit(out, "<")
                self._buffer = self._buffer[1:]

    def _consume_block(self, out: FilterOutput) -> bool:
        assert self._block is not None
        self._block_text += self._buffer
        self._buffer = ""
        closers = _CLOSERS[self._block]
        found = [(self._block_text.find(c), c) for c in closers]
        hits = [(pos, c) for pos, c in found if pos >= 0]
        if not hits:
            return False
        pos, closer = min(hits)
        out.tool_calls.extend(_parse_block(self._block, self._block_text[:pos]))
        self._buffer = self._block_text[pos + len(closer) :]
        self._block, self._block_text = None, ""
        self._after_block = True
        return True

    def _on_marker(self, out: FilterOutput, kind: str) -> None:
        if kind in _CLOSERS:
            self._held_space = ""  # the separator before a block belongs to the block
            self._block = kind
            return
        out.add(self._mode, self._held_space)
        self._held_space = ""
        self._mode = "reasoning" if kind == "think_open" else self._base

    def _emit(self, out: FilterOutput, text: str) -> None:
        if not text:
            return
        stripped = text.rstrip()
        if stripped:
            out.add(self._mode, self._held_space + stripped)
            self._held_space = text[len(stripped) :]
            self._after_block = False
        else:
            self._held_space += text


def _parse_block(kind: str, text: str) -> list[RecoveredToolCall]:
    if kind == "legacy":
        return [_legacy_call(m) for m in _LEGACY_CALL.finditer(text)]
    return [
        RecoveredToolCall(m.group("name").strip(), _invoke_arguments(m.group("body")))
        for m in _INVOKE.finditer(text)
    ]


def _invoke_arguments(body: str) -> str:
    params = list(_PARAM.finditer(body))
    if not params:
        stripped = body.strip()
        if stripped.startswith("{"):
            try:
                return json.dumps(json.loads(stripped), ensure_ascii=False)
            except ValueError:
                return stripped
        return "{}"
    arguments: dict[str, object] = {}
    for param in params:
        value = param.group("value")
        if param.group("string") == "false":
            try:
                arguments[param.group("key")] = json.loads(value)
                continue
            except ValueError:
                pass
        arguments[param.group("key")] = value
    return json.dumps(arguments, ensure_ascii=False)


def _legacy_call(match: re.Match[str]) -> RecoveredToolCall:
    raw = (match.group("fenced") or match.group("bare") or "").strip()
    try:
        arguments = json.dumps(json.loads(raw), ensure_ascii=False) if raw else "{}"
    except ValueError:
        arguments = raw
    return RecoveredToolCall(match.group("name").strip(), arguments)
