"""Every `--json` output has one documented shape (issue 18 item 8).

Three ways round: every command with a `--json` flag has a shape in `cli.json_shapes.SHAPES`;
docs/cli-json.md lists exactly each shape's fields with their types (a new, renamed or retyped
field fails here until the doc says so); and each command, run with `--json` against a loopback
DeepInfra, prints exactly its shape: every field present, nothing else, money as plain decimals.
"""

from __future__ import annotations

import argparse
import base64
import json
import re
import types
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

from openclaw_deepinfra.cli.json_shapes import SHAPES, dumps, money, money_text
from openclaw_deepinfra.cli.main import build_parser
from tests.cli.conftest import AUTH_PATH, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, serve
from tests.e2e.surface_calls import API, CHAT_ANSWER, KEY, MP3, PNG, routes

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli-json.md"
NOISY_COST = 3.2300000000000006e-05  # what 0.0000323 becomes after float arithmetic


def _json_commands(parser: argparse.ArgumentParser, prefix: str = "") -> set[str]:
    found = {prefix} if prefix and "--json" in parser._option_string_actions else set()
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                found |= _json_commands(child, f"{prefix} {name}".strip())
    return found


def test_every_json_flag_has_a_shape() -> None:
    assert _json_commands(build_parser()) == set(SHAPES)


# --- the doc, rendered from the models -------------------------------------------------------------


def _type(annotation: Any) -> str:
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _type(args[0])
    if origin in (Union, types.UnionType):
        return " or ".join(_type(arg) for arg in args)
    if origin is Literal:
        return " or ".join(json.dumps(arg) for arg in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"object of {_type(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "object"
    names = {str: "string", int: "integer", float: "number", bool: "boolean", Decimal: "decimal",
             type(None): "null", Any: "any"}  # fmt: skip
    return names[annotation]


def _nested(annotation: Any, path: str) -> tuple[type[BaseModel], str] | None:
    """The model inside a field (directly, optional, in a list or as a dict's values), and the
    path its fields are listed under."""
    origin, args = get_origin(annotation), get_args(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, f"{path}."
    if origin in (Union, types.UnionType):
        found = [n for arg in args if (n := _nested(arg, path)) is not None]
        return found[0] if found else None
    if origin is list:
        return _nested(args[0], f"{path}[]")
    if origin is dict:
        return _nested(args[1], f"{path}.<key>")
    return None


def shape_rows(shape: type[BaseModel], prefix: str = "") -> list[tuple[str, str]]:
    rows: list[tuple[str, str]] = []
    for name, field in shape.model_fields.items():
        rows.append((f"{prefix}{name}", _type(field.annotation)))
        nested = _nested(field.annotation, f"{prefix}{name}")
        if nested is not None:
            rows += shape_rows(*nested)
    return rows


def doc_sections() -> dict[str, list[tuple[str, str]]]:
    """Command -> the (field, type) rows of its section in docs/cli-json.md."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current: list[str] = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = re.findall(r"`([a-z ]+) --json`", line)
            for command in current:
                assert command not in sections, f"{command} is documented twice"
                sections[command] = []
        elif line.startswith("| `") and current:
            field, kind = (cell.strip().strip("`") for cell in line.strip("|").split("|")[:2])
            for command in current:
                sections[command].append((field, kind))
    return sections


def test_the_doc_documents_every_shape() -> None:
    assert set(doc_sections()) == set(SHAPES)


@pytest.mark.parametrize("command", sorted(SHAPES))
def test_the_doc_lists_exactly_the_fields_of_the_shape(command: str) -> None:
    assert doc_sections()[command] == shape_rows(SHAPES[command]), (
        f"docs/cli-json.md's `{command} --json` table differs from cli/json_shapes.py; "
        f"expected rows: {shape_rows(SHAPES[command])}"
    )


def test_the_readme_links_the_doc() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert "(docs/cli-json.md)" in readme


# --- money ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [(NOISY_COST, "0.0000323"), (0.1 + 0.2, "0.3"), (2, "2"), (1e-7, "0.0000001"), (1234567.0, "1234570"),
     (0.0, "0"), (float("nan"), "unknown"), (None, "unknown"), (True, "unknown")],
)  # fmt: skip
def test_money_is_a_plain_decimal(value: object, text: str) -> None:
    assert money_text(value) == text


def test_money_is_written_as_a_json_number_without_an_exponent() -> None:
    from openclaw_deepinfra.cli.json_shapes import ChatOutput

    out = dumps(
        ChatOutput(model="m", text="0.0000323", usage=None, cost=money(NOISY_COST), finish_reason=None)
    )
    assert '"cost": 0.0000323,' in out and '"text": "0.0000323"' in out
    assert json.loads(out)["cost"] == pytest.approx(3.23e-05)


# --- every command's real output -----------------------------------------------------------------


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Any:
    with serve() as server:
        routes(server)
        answer = {**CHAT_ANSWER, "usage": {**CHAT_ANSWER["usage"], "estimated_cost": NOISY_COST}}
        server.route("POST", f"{API}/chat/completions", Reply.json(answer))
        image = {"b64_json": base64.b64encode(PNG).decode(), "revised_prompt": "a fox at dusk"}
        images = {"data": [image], "inference_status": {"cost": 0.1 + 0.2}}
        server.route("POST", f"{API}/images/generations", Reply.json(images))
        server.route("GET", AUTH_PATH, Reply.json([]))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}{API}")
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _argv(command: str, root: Path) -> list[str]:
    (root / "a.png").write_bytes(PNG)
    (root / "a.mp3").write_bytes(MP3)
    out = str(root / "out")
    return {
        "models": ["models"],
        "chat": ["chat", "--no-stream", "hi"],
        "image": ["image", "--out", f"{out}.png", "a fox"],
        "video": ["video", "--model", "Wan-AI/Wan2.9-T2V", "--out", f"{out}.mp4", "a boat"],
        "tts": ["tts", "--out", f"{out}.mp3", "hello"],
        "stt": ["stt", str(root / "a.mp3")],
        "describe": ["describe", str(root / "a.png")],
        "embed": ["embed", "one", "three"],
        "doctor": ["doctor"],
        "plugins list": ["plugins", "list"],
        "plugins inspect": ["plugins", "inspect", "deepinfra"],
    }[command]


@pytest.mark.parametrize("command", sorted(SHAPES))
def test_each_command_prints_exactly_its_shape(
    command: str, run: Run, cli_env: CliEnv, api: LoopbackServer
) -> None:
    result = run(*_argv(command, cli_env.root), "--json")

    assert result.code == 0, result.err
    printed = json.loads(result.out)
    shape = SHAPES[command].model_validate_json(result.out)  # extra fields are refused
    # ... and none is missing: the model's own dump (every field) reads back the same.
    assert printed == json.loads(dumps(shape))
    assert not re.search(r"\d[eE][-+]?\d", result.out.replace(KEY, "")) or command == "embed"
    assert KEY not in result.out + result.err


def test_costs_print_as_decimals_in_json_and_text(run: Run, cli_env: CliEnv, api: LoopbackServer) -> None:
    chat = run("chat", "--no-stream", "--json", "hi")
    image = run("image", "--json", "--out", str(cli_env.root / "fox.png"), "a fox")
    text = run("image", "--out", str(cli_env.root / "fox2.png"), "a fox")

    assert '"cost": 0.0000323' in chat.out
    assert json.loads(image.out)["cost"] == 0.3 and '"cost": 0.3' in image.out
    assert json.loads(image.out)["metadata"]["cost"] == 0.3
    assert "cost: $0.3\n" in text.out + "\n"
