"""`openclaw-deepinfra chat` through the registry against a loopback DeepInfra."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.cli.conftest import SECRET, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply

CHAT_PATH = "/v1/openai/chat/completions"


def frame(payload: dict[str, Any]) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def stream_reply(model: str, *words: str) -> Reply:
    chunks = [
        frame({"model": model, "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]})
        for w in words
    ]
    chunks.append(frame({"model": model, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}))
    chunks.append(
        frame({"model": model, "choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 2}})
    )
    chunks.append(b"data: [DONE]\n\n")
    return Reply.event_stream(tuple(chunks))


def sent(server: LoopbackServer) -> dict[str, Any]:
    bodies = [s.body for s in server.seen if s.path == CHAT_PATH]
    assert len(bodies) == 1
    body: dict[str, Any] = json.loads(bodies[0])
    return body


@pytest.fixture
def keyed(catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    return catalog


def test_streams_text_to_stdout(run: Run, keyed: LoopbackServer) -> None:
    keyed.route("POST", CHAT_PATH, stream_reply("zai-org/GLM-9", "Hel", "lo"))
    result = run(
        "chat", "--model", "deepinfra/zai-org/GLM-9", "--system", "be brief", "--max-tokens", "50", "hi"
    )
    assert (result.code, result.out, result.err) == (0, "Hello\n", "")
    assert sent(keyed) == {
        "model": "zai-org/GLM-9",
        "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
        "max_tokens": 50,
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    assert SECRET not in result.text


def test_json_output(run: Run, keyed: LoopbackServer) -> None:
    keyed.route("POST", CHAT_PATH, stream_reply("zai-org/GLM-9", "4", "2"))
    result = run("chat", "--model", "zai-org/GLM-9", "--json", "6*7?")
    assert result.code == 0, result.err
    # GLM-9's live price: 0.5 in / 1.5 out per million tokens
    assert json.loads(result.out) == {
        "model": "zai-org/GLM-9",
        "text": "42",
        "usage": {"prompt_tokens": 4, "completion_tokens": 2, "total_tokens": 6, "cached_tokens": 0,
                  "reasoning_tokens": None},
        "cost": pytest.approx((4 * 0.5 + 2 * 1.5) / 1e6),
        "finish_reason": "stop",
    }  # fmt: skip


def test_no_stream(run: Run, keyed: LoopbackServer) -> None:
    answer = {
        "model": "zai-org/GLM-9",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "Hi!"}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "estimated_cost": 0.0001},
    }
    keyed.route("POST", CHAT_PATH, Reply.json(answer))
    result = run("chat", "--model", "deepinfra/zai-org/GLM-9", "--no-stream", "--json", "hello")
    assert json.loads(result.out)["text"] == "Hi!" and json.loads(result.out)["cost"] == 0.0001
    assert sent(keyed)["stream"] is False
    assert run("chat", "--model", "deepinfra/zai-org/GLM-9", "--no-stream", "hello").out == "Hi!\n"


def test_default_model_from_config_primary(run: Run, keyed: LoopbackServer, cli_env: CliEnv) -> None:
    cli_env.write_config({"agents": {"defaults": {"model": {"primary": "deepinfra/Qwen/Qwen9-VL"}}}})
    keyed.route("POST", CHAT_PATH, stream_reply("Qwen/Qwen9-VL", "ok"))
    assert run("chat", "hi").code == 0
    assert sent(keyed)["model"] == "Qwen/Qwen9-VL"


@pytest.mark.parametrize("primary", [None, "openai/gpt-9"], ids=["no primary", "other provider"])
def test_default_model_from_the_live_catalog(
    run: Run, keyed: LoopbackServer, cli_env: CliEnv, primary: str | None
) -> None:
    if primary:
        cli_env.write_config({"agents": {"defaults": {"model": {"primary": primary}}}})
    keyed.route("POST", CHAT_PATH, stream_reply("zai-org/GLM-9", "ok"))
    assert run("chat", "hi").code == 0
    assert sent(keyed)["model"] == "zai-org/GLM-9"  # the first chat row of the live projection


def test_api_error_is_one_line_with_exit_code_1(run: Run, keyed: LoopbackServer) -> None:
    keyed.route(
        "POST", CHAT_PATH, Reply.json({"error": {"message": "You need positive balance"}}, status=402)
    )
    result = run("chat", "--model", "deepinfra/zai-org/GLM-9", "hi")
    assert result.code == 1
    assert result.err.count("\n") == 1 and "HTTP 402" in result.err and "balance" in result.err
    assert SECRET not in result.text


def test_missing_key_is_a_configuration_error(run: Run, catalog: LoopbackServer) -> None:
    result = run("chat", "--model", "deepinfra/zai-org/GLM-9", "hi")
    assert result.code == 2 and "DEEPINFRA_API_KEY" in result.err
    assert not [s for s in catalog.seen if s.path == CHAT_PATH]


def test_bad_max_tokens_is_a_usage_error(run: Run) -> None:
    with pytest.raises(SystemExit) as info:
        run("chat", "--max-tokens", "0", "hi")
    assert info.value.code == 2


def test_thinking_is_sent_to_a_reasoning_model_and_a_drop_is_said_on_stderr(
    run: Run, keyed: LoopbackServer
) -> None:
    keyed.route("POST", CHAT_PATH, stream_reply("zai-org/GLM-9", "ok"))
    result = run("chat", "--model", "deepinfra/zai-org/GLM-9", "--thinking", "max", "hi")
    assert (result.code, result.err) == (0, "")
    assert sent(keyed)["reasoning_effort"] == "xhigh"  # the live catalog tags GLM-9 "reasoning"

    keyed.seen.clear()
    keyed.route("POST", CHAT_PATH, stream_reply("Qwen/Qwen9-VL", "ok"))
    result = run("chat", "--model", "deepinfra/Qwen/Qwen9-VL", "--thinking", "high", "hi")
    assert result.code == 0
    assert "reasoning_effort" not in sent(keyed)
    assert result.err == (
        "openclaw-deepinfra: warning: thinking level 'high' not sent: DeepInfra's catalog does not tag "
        "Qwen/Qwen9-VL reasoning or reasoning_effort\n"
    )
