"""DeepSeek DSML tool-call markup and leaked reasoning, recovered the same whatever the chunking."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openclaw_deepinfra.host.contracts.chat import ChatFinish
from openclaw_deepinfra.surfaces.chat.deepseek import (
    DeepSeekFilter,
    FilterOutput,
    RecoveredToolCall,
)
from openclaw_deepinfra.surfaces.text_provider import DeepInfraTextProvider
from tests.surfaces.chat.conftest import MakeChat, chunk, collect, request, sse

FW = "\uff5c"  # the fullwidth bar DeepSeek's tokenizer writes
SP = "\u2581"


def dsml(bar: str = FW, block: str = "tool_calls") -> str:
    d = f"{bar}DSML{bar}"
    return (
        f"<{d}{block}>\n"
        f'<{d}invoke name="get_weather">\n'
        f'<{d}parameter name="city" string="true">Tokyo, "JP"</{d}parameter>\n'
        f'<{d}parameter name="days" string="false">3</{d}parameter>\n'
        f'<{d}parameter name="opts" string="false">{{"units": "metric"}}</{d}parameter>\n'
        f"</{d}invoke>\n"
        f'<{d}invoke name="get_time">\n{{"tz": "Asia/Tokyo"}}\n</{d}invoke>\n'
        f"</{d}{block}>"
    )


CALLS = [
    RecoveredToolCall("get_weather", '{"city": "Tokyo, \\"JP\\"", "days": 3, "opts": {"units": "metric"}}'),
    RecoveredToolCall("get_time", '{"tz": "Asia/Tokyo"}'),
]
ANSWER = f"<think>plan: call a < b</think>Let me check.\n\n{dsml()}"


def run(pieces: list[str]) -> tuple[str, str, list[RecoveredToolCall]]:
    flt = DeepSeekFilter()
    outs: list[FilterOutput] = [flt.feed(p) for p in pieces] + [flt.finish()]
    return (
        "".join(o.text("text") for o in outs),
        "".join(o.text("reasoning") for o in outs),
        [c for o in outs for c in o.tool_calls],
    )


@pytest.mark.parametrize(
    "bar_block",
    [(FW, "tool_calls"), (FW, "function_calls"), ("|", "tool_calls"), (FW + FW, "tool_calls")],
    ids=["fullwidth", "v3.2 function_calls", "ascii bars", "doubled bars"],
)
def test_dsml_variants_are_recovered(bar_block: tuple[str, str]) -> None:
    assert run([f"Sure.\n\n{dsml(*bar_block)}\n"]) == ("Sure.", "", CALLS)


def test_leaked_reasoning_and_markup_as_a_whole() -> None:
    assert run([ANSWER]) == ("Let me check.", "plan: call a < b", CALLS)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(ANSWER) - 1), max_size=40, unique=True))
def test_any_split_gives_the_same_result(cuts: list[int]) -> None:
    bounds = [0, *sorted(cuts), len(ANSWER)]
    pieces = [ANSWER[a:b] for a, b in itertools.pairwise(bounds)]
    assert run(pieces) == ("Let me check.", "plan: call a < b", CALLS)


TOKENS = ["<", ">", "/", "|", FW, "a", " ", "\n", "think", "DSML", "tool_calls", "invoke", '"']


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join), st.data())
def test_arbitrary_text_is_split_invariant(text: str, data: st.DataObject) -> None:
    cuts = data.draw(st.lists(st.integers(min_value=0, max_value=len(text)), max_size=10))
    bounds = [0, *sorted(cuts), len(text)]
    pieces = [text[a:b] for a, b in itertools.pairwise(bounds)]
    assert run(pieces) == run([text])


def test_text_without_markers_is_untouched_and_streams_promptly() -> None:
    flt = DeepSeekFilter()
    assert flt.feed("1 < 2 and x<y").text("text") == "1 < 2 and x<y"
    assert flt.feed(" <").text("text") == ""  # held: may become a marker
    assert flt.feed("b>").text("text") == " <b>"


def test_unclosed_block_keeps_complete_invokes_and_drops_the_rest() -> None:
    d = f"{FW}DSML{FW}"
    text = f'ok <{d}tool_calls><{d}invoke name="f">{{"a": 1}}</{d}invoke><{d}invoke name="g">'
    answer, _, calls = run([text])
    assert (answer, calls) == ("ok", [RecoveredToolCall("f", '{"a": 1}')])


def test_legacy_deepseek_tool_call_tokens() -> None:
    text = (
        f"Done.<{FW}tool{SP}calls{SP}begin{FW}><{FW}tool{SP}call{SP}begin{FW}>function<{FW}tool{SP}sep{FW}>"
        f'lookup\n```json\n{{"q": "x"}}\n```<{FW}tool{SP}call{SP}end{FW}><{FW}tool{SP}calls{SP}end{FW}>'
    )
    answer, _, calls = run([text])
    assert (answer, calls) == ("Done.", [RecoveredToolCall("lookup", '{"q": "x"}')])


def test_end_of_thinking_marker_and_stray_close_are_dropped() -> None:
    text = f"<{FW}begin{SP}of{SP}thinking{FW}>hmm<{FW}end{SP}of{SP}thinking{FW}>Hi</think>!"
    answer, reasoning, _ = run([text])
    assert (reasoning, answer) == ("hmm", "Hi!")


async def test_dsml_in_a_deepseek_stream_becomes_tool_calls(make_chat: MakeChat) -> None:
    text = f"Let me check.\n\n{dsml()}"
    pieces = [text[i : i + 5] for i in range(0, len(text), 5)]
    frames = [chunk({"reasoning_content": "think "}), chunk({"reasoning_content": f"more<{FW}DSML"})]
    frames += [chunk({"content": p}) for p in pieces] + [chunk({}, finish="stop")]
    runtime, transport = make_chat()
    transport.reply(sse(*frames))
    async with DeepInfraTextProvider(runtime).stream(request()) as events:
        collected = [e async for e in events]
    final = collected[-1]
    assert isinstance(final, ChatFinish)
    result = final.result
    assert result.text == "Let me check."
    assert result.reasoning == f"think more<{FW}DSML"  # not a marker after all: kept verbatim at the end
    assert result.finish_reason == "tool_calls"  # the host has calls to run
    assert [(c.id, c.function.name, c.function.arguments) for c in result.tool_calls] == [
        ("call_dsml_0_0", CALLS[0].name, CALLS[0].arguments),
        ("call_dsml_0_1", CALLS[1].name, CALLS[1].arguments),
    ]
    assert "DSML" not in "".join(e.text for e in collected if e.type == "text_delta")


async def test_other_vendors_are_not_filtered(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    transport.reply(sse(chunk({"content": "<think>x</think>"}, finish="stop", model="m/m")))
    result = await collect(DeepInfraTextProvider(runtime).stream(request("deepinfra/meta-llama/Llama-9")))
    assert result.text == "<think>x</think>"


async def test_non_streaming_deepseek_answer_is_filtered(make_chat: MakeChat) -> None:
    runtime, transport = make_chat()
    message = {"role": "assistant", "content": f"Sure.\n\n{dsml()}", "reasoning_content": "r"}
    transport.reply({"model": "deepseek-ai/DeepSeek-V4-Flash",
                     "choices": [{"index": 0, "message": message, "finish_reason": "stop"}]})  # fmt: skip
    result = await DeepInfraTextProvider(runtime).complete(request())
    assert (result.text, result.reasoning, result.finish_reason) == ("Sure.", "r", "tool_calls")
    assert [c.function.name for c in result.tool_calls] == ["get_weather", "get_time"]
