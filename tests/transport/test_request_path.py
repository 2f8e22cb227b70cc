"""README's "one chat request, end to end" list is the code's: each module defines the function the
list names, the step before it calls that function, each module on the path stays small, and at the
moment a real chat request is handed to aiohttp the plugin's modules on the call stack are the
list's, in its order."""

from __future__ import annotations

import ast
import itertools
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.chat import ChatRequest
from openclaw_deepinfra.host.registry import PluginRegistry
from tests.e2e.loopback import LoopbackServer, Reply, serve

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"<!-- request-path:start -->\n(.*?)\n\s*<!-- request-path:end -->", re.S)
STEP = re.compile(r"^\s*\d+\. `([^`]+\.py)` `([A-Za-z_]+)`", re.M)


def steps() -> list[tuple[Path, str]]:
    found = BLOCK.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found is not None, "README.md lost its request-path markers"
    return [(ROOT / path, name) for path, name in STEP.findall(found.group(1))]


def defined(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def called(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


def test_a_chat_request_crosses_at_most_four_modules() -> None:
    path = steps()
    assert 2 <= len(path) <= 4, path


def test_each_step_defines_its_function_and_the_previous_step_calls_it() -> None:
    path = steps()
    for module, name in path:
        assert module.is_file(), module
        assert name in defined(module), (module, name)
    for (before, _), (_after, name) in itertools.pairwise(path):
        assert name in called(before), (before, name)


def test_the_default_transport_is_the_last_step() -> None:
    from openclaw_deepinfra.transport.pool import transport_kind

    assert transport_kind({}) == "aiohttp"
    assert steps()[-1][0].name == "aiohttp_transport.py"


def test_the_modules_on_the_path_stay_small() -> None:
    for module, _name in steps():
        lines = len(module.read_text(encoding="utf-8").splitlines())
        assert lines <= 430, f"{module.name} has {lines} lines"


CHAT = "/v1/openai/chat/completions"
ANSWER = {
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]
}
FRAMES = (
    b'data: {"choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": "stop"}]}\n\n',
    b"data: [DONE]\n\n",
)


@pytest.fixture
def api() -> Iterator[LoopbackServer]:
    with serve() as server:
        server.route("POST", CHAT, lambda seen: _answer(json.loads(seen.body)))
        yield server


def _answer(body: dict[str, Any]) -> Reply:
    return Reply.event_stream(FRAMES) if body.get("stream") else Reply.json(ANSWER)


def _plugin_modules_on_the_stack() -> list[str]:
    """The plugin's modules on the calling stack, outermost first, consecutive repeats merged."""
    frame, names = sys._getframe(2), []
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if name.startswith("openclaw_deepinfra.") and (not names or names[-1] != name):
            names.append(name)
        frame = frame.f_back
    return names[::-1]


@pytest.fixture
def stacks(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The plugin's modules on the stack each time a chat request is handed to aiohttp."""
    seen: list[list[str]] = []
    request = aiohttp.ClientSession._request

    def recording(session: aiohttp.ClientSession, method: str, url: Any, **options: Any) -> Any:
        if str(url).endswith(CHAT):
            seen.append(_plugin_modules_on_the_stack())
        return request(session, method, url, **options)

    monkeypatch.setattr(aiohttp.ClientSession, "_request", recording)
    return seen


def _listed_modules() -> list[str]:
    return [".".join(path.relative_to(ROOT).with_suffix("").parts) for path, _name in steps()]


async def test_a_real_chat_request_has_the_listed_modules_on_its_stack(
    api: LoopbackServer, stacks: list[list[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENCLAW_DEEPINFRA_HTTP_TRANSPORT", raising=False)  # the default transport
    env = {
        "DEEPINFRA_API_KEY": "di-request-path-key-0123456789",
        "DEEPINFRA_BASE_URL": f"{api.base_url}/v1/openai",
        "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"),
    }
    registry = PluginRegistry(OpenClawConfig({}, env=env))
    registry.load()
    provider: Any = registry.get("provider", "deepinfra")
    request = ChatRequest.model_validate(
        {"model": "deepinfra/meta-llama/Llama-9-70B", "messages": [{"role": "user", "content": "hi"}]}
    )
    try:
        stream = provider.stream(request)
        assert not api.seen  # the entry point returned the stream unsent
        async with stream as events:
            texts = [event.text async for event in events if event.type == "text_delta"]
        result = await provider.complete(request)
    finally:
        await registry.aclose()
    assert (texts, result.text) == (["hi"], "hi")
    listed = _listed_modules()
    assert 2 <= len(listed) <= 4
    streamed, completed = stacks
    # A stream's request leaves from the runner's generator, once `stream` has returned.
    assert (streamed, completed) == (listed[1:], listed)
