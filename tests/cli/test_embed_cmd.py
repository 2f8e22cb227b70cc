"""`openclaw-deepinfra embed`, in-process, against the loopback catalog server."""

from __future__ import annotations

import io
import json
import sys

import pytest

from tests.cli.conftest import SECRET, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, Seen

EMBED_PATH = "/v1/openai/embeddings"


def _answer(seen: Seen) -> Reply:
    body = json.loads(seen.body)
    dims = body.get("dimensions", 4)
    data = [
        {"index": i, "embedding": [float(i), 0.5, -0.25, 1.0][:dims] + [0.0] * (dims - 4)}
        for i in range(len(body["input"]))
    ]
    n = len(body["input"])
    return Reply.json(
        {"data": data, "model": body["model"], "usage": {"prompt_tokens": 2 * n, "total_tokens": 2 * n}}
    )


@pytest.fixture
def embeddings(catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> LoopbackServer:
    monkeypatch.setenv("DEEPINFRA_API_KEY", SECRET)
    catalog.route("POST", EMBED_PATH, _answer)
    return catalog


def _bodies(server: LoopbackServer) -> list[dict[str, object]]:
    return [json.loads(s.body) for s in server.seen if s.path == EMBED_PATH]


def test_embed_json_prints_vectors_model_dimensions_and_usage(run: Run, embeddings: LoopbackServer) -> None:
    result = run("embed", "--json", "hello", "world")
    assert result.code == 0, result.err
    report = json.loads(result.out)
    assert report == {
        "model": "BAAI/bge-m3",
        "dimensions": 4,
        "count": 2,
        "usage": {"prompt_tokens": 4, "total_tokens": 4},
        "embeddings": [[0.0, 0.5, -0.25, 1.0], [1.0, 0.5, -0.25, 1.0]],
    }
    assert _bodies(embeddings) == [
        {"model": "BAAI/bge-m3", "input": ["hello", "world"], "encoding_format": "float"}
    ]
    assert SECRET not in result.text


def test_embed_text_output_is_a_short_summary(run: Run, embeddings: LoopbackServer) -> None:
    result = run("embed", "hello")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "model BAAI/bge-m3: 1 vectors of 4 dimensions, 2 tokens",
        '[0] +0.0000 +0.5000 -0.2500 +1.0000 … "hello"',
    ]


def test_model_ref_and_file_lines(run: Run, embeddings: LoopbackServer, cli_env: CliEnv) -> None:
    source = cli_env.root / "texts.txt"
    source.write_text("first line\n\n  \nsecond line\n", encoding="utf-8")
    result = run(
        "embed", "--model", "deepinfra/Qwen/Qwen3-Embedding-8B", "--file", str(source), "--json", "arg"
    )
    assert result.code == 0, result.err
    assert json.loads(result.out)["model"] == "Qwen/Qwen3-Embedding-8B"
    (body,) = _bodies(embeddings)
    # embed_batch embeds documents: Qwen3 documents carry no instruction prefix
    assert body["input"] == ["arg", "first line", "second line"]


def test_the_memory_search_model_is_the_default(
    run: Run, embeddings: LoopbackServer, cli_env: CliEnv
) -> None:
    cli_env.write_config(
        {"memory": {"search": {"provider": "deepinfra", "model": "intfloat/multilingual-e5-large"}}}
    )
    result = run("embed", "doc")
    assert result.code == 0, result.err
    assert _bodies(embeddings)[0]["input"] == ["passage: doc"]


def test_a_progress_bar_on_a_terminal_for_large_inputs(
    run: Run, embeddings: LoopbackServer, cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = cli_env.root / "many.txt"
    source.write_text("\n".join(f"t{i}" for i in range(2100)), encoding="utf-8")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    result = run("embed", "--json", "--file", str(source))
    assert result.code == 0, result.err
    assert "embedding [" in result.err and "2100/2100" in result.err
    assert json.loads(result.out)["count"] == 2100
    assert len(_bodies(embeddings)) == 3


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (("embed",), 2, "nothing to embed"),
        (("embed", "--file", "/nonexistent/texts.txt"), 2, "cannot read --file /nonexistent/texts.txt"),
        (("embed", "--model", "BAAI/bge-m3", "x"), 0, ""),
    ],
)
def test_usage_errors(
    run: Run, embeddings: LoopbackServer, args: tuple[str, ...], code: int, needle: str
) -> None:
    result = run(*args)
    assert result.code == code, result.err
    assert needle in result.err


def test_a_dimension_the_model_cannot_give_is_exit_2_before_any_request(
    run: Run, embeddings: LoopbackServer, cli_env: CliEnv
) -> None:
    cli_env.write_config({"memory": {"search": {"outputDimensionality": 256}}})
    result = run("embed", "x")
    assert result.code == 2
    assert "cannot give 256-dimensional embeddings" in result.err
    assert _bodies(embeddings) == []


def test_an_api_error_is_one_line_without_the_key(run: Run, embeddings: LoopbackServer) -> None:
    embeddings.route("POST", EMBED_PATH, Reply.json({"error": {"message": f"bad key {SECRET}"}}, status=401))
    result = run("embed", "x")
    assert result.code == 1
    assert len(result.err.strip().splitlines()) == 1
    assert "(HTTP 401)" in result.err
    assert SECRET not in result.text


def test_without_a_key_it_says_how_to_set_one(
    run: Run, catalog: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DEEPINFRA_API_KEY", raising=False)
    result = run("embed", "x")
    assert result.code == 2
    assert "DEEPINFRA_API_KEY" in result.err


def test_file_from_stdin(run: Run, embeddings: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a\nb\n")))
    result = run("embed", "--json", "--file", "-")
    assert result.code == 0, result.err
    assert json.loads(result.out)["count"] == 2
