"""Memory embeddings end to end against a real HTTP server on 127.0.0.1: the plugin loaded through
its entry point as a gateway loads it, and the `embed` command as a user runs it."""

from __future__ import annotations

import json
import threading
import time
import zlib
from pathlib import Path

import pytest

from openclaw_deepinfra.host.config import OpenClawConfig
from openclaw_deepinfra.host.contracts.embeddings import EmbeddingProviderCreateOptions
from openclaw_deepinfra.host.selection import providers_of, select_embedding
from tests.e2e.conftest import CLI_KEY as SECRET
from tests.e2e.conftest import run_cli
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve
from tests.gateway import load_plugin

PATH = "/v1/openai/embeddings"


def vector_for(text: str) -> list[float]:
    return [float(zlib.crc32(text.encode("utf-8"))), float(len(text)), 0.25]


class EmbeddingsServer:
    """Answers each request with one vector per input, items reversed; the first request is slow."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0

    def __call__(self, seen: Seen) -> Reply:
        with self.lock:
            self.count += 1
            first = self.count == 1
        if first:
            time.sleep(0.2)  # the other requests answer before this one
        body = json.loads(seen.body)
        items = [
            {"object": "embedding", "index": i, "embedding": vector_for(t)}
            for i, t in enumerate(body["input"])
        ]
        items.reverse()
        usage = {"prompt_tokens": len(body["input"]), "total_tokens": len(body["input"])}
        return Reply.json({"object": "list", "model": body["model"], "data": items, "usage": usage})


def _posts(server: LoopbackServer) -> list[Seen]:
    return [s for s in server.seen if s.method == "POST" and s.path == PATH]


async def test_5000_texts_through_the_registered_adapter(tmp_path: Path) -> None:
    texts = [f"memory chunk {i}: the user said something worth remembering" for i in range(5000)]
    with serve() as server:
        server.route("POST", PATH, EmbeddingsServer())
        env = {
            "DEEPINFRA_API_KEY": SECRET,
            "DEEPINFRA_BASE_URL": f"{server.base_url}/v1/openai",
            "OPENCLAW_DEEPINFRA_CACHE_DIR": str(tmp_path / "cache"),
        }
        config = OpenClawConfig({"memory": {"search": {"provider": "deepinfra"}}}, env=env)
        registry = load_plugin(config)
        try:
            adapters = providers_of(registry, "embedding-provider")
            selection = select_embedding(config, adapters)
            assert (selection.provider_id, selection.model) == ("deepinfra", "BAAI/bge-m3")
            adapter = registry.get("embedding-provider", "deepinfra")
            created = await adapter.create(
                EmbeddingProviderCreateOptions(config=config, model=selection.model)
            )  # type: ignore[union-attr]
            result = await created.provider.embed_batch_detailed(texts)
        finally:
            await registry.aclose()
        posts = _posts(server)
    assert result.embeddings == [vector_for(t) for t in texts]
    assert result.usage is not None and result.usage.prompt_tokens == 5000
    assert sorted(len(json.loads(p.body)["input"]) for p in posts) == [904, 1024, 1024, 1024, 1024]
    for post in posts:
        body = json.loads(post.body)
        assert set(body) == {"model", "input", "encoding_format"}
        assert (body["model"], body["encoding_format"]) == ("BAAI/bge-m3", "float")
        assert post.headers["authorization"] == f"Bearer {SECRET}"
    sent = sorted((json.loads(p.body)["input"] for p in posts), key=lambda batch: texts.index(batch[0]))
    assert [t for batch in sent for t in batch] == texts
    assert created.runtime is not None
    assert created.runtime.cache_key_data == {
        "provider": "deepinfra",
        "model": "BAAI/bge-m3",
        "baseUrl": f"{server.base_url}/v1/openai",
    }


@pytest.mark.parametrize("count", [3, 3000])
def test_embed_command_with_a_file_prints_json(tmp_path: Path, count: int) -> None:
    lines = [f"line {i}" for i in range(count)]
    source = tmp_path / "texts.txt"
    # a blank line is skipped
    source.write_text("\n".join([*lines[:1], "", *lines[1:]]) + "\n", encoding="utf-8")
    with serve() as server:
        server.route("POST", PATH, EmbeddingsServer())
        result = run_cli(tmp_path, server.base_url, "embed", "--json", "--file", str(source))
        requests = len(_posts(server))
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["model"], report["dimensions"], report["count"]) == ("BAAI/bge-m3", 3, count)
    assert report["usage"] == {"prompt_tokens": count, "total_tokens": count}
    assert report["embeddings"] == [vector_for(t) for t in lines]
    assert requests == -(-count // 1024)
    assert SECRET not in result.stdout + result.stderr
