"""Issue 18 items 4-6: an unset `${VAR}` key falls through, onboard takes the key off the command
line, keys of any length are redacted, and doctor authenticates and names a shadowed key."""

from __future__ import annotations

import getpass
import io
import json
import sys
from collections.abc import Iterator

import pytest

from tests.cli.conftest import AUTH_PATH, MODELS_PATH, PROJECTION, CliEnv, Run
from tests.e2e.loopback import LoopbackServer, Reply, Seen, serve

PROFILE_KEY = "di-profile-key-0123456789abcdef"
ENV_KEY = "di-exported-key-fedcba9876543210"
CHAT = {
    "id": "c1", "object": "chat.completion", "model": "zai-org/GLM-9",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "ok"}, "finish_reason": "stop"}],
}  # fmt: skip
README_CONFIG = {"models": {"providers": {"deepinfra": {"apiKey": "${DEEPINFRA_API_KEY}"}}}}
FALL_THROUGH = (
    "models.providers.deepinfra.apiKey refers to ${DEEPINFRA_API_KEY}, "
    "which is not set; using the next key source (auth profile, then DEEPINFRA_API_KEY / DEEPINFRA_API_TOKEN)"
)


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[LoopbackServer]:
    with serve() as server:
        server.route("GET", MODELS_PATH, Reply.json(PROJECTION))
        server.route("GET", AUTH_PATH, Reply.json([]))
        server.route("POST", "/v1/openai/chat/completions", Reply.json(CHAT))
        server.route("POST", "/v1/openai/audio/transcriptions", Reply.json({"text": "heard"}))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", f"{server.base_url}/v1/openai")
        yield server


def _keys_sent(server: LoopbackServer) -> set[str]:
    return {seen.headers.get("authorization", "") for seen in server.seen if seen.method == "POST"}


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))


def _stored(cli_env: CliEnv) -> str:
    data = json.loads(cli_env.profiles.read_text())
    key: str = data["profiles"]["deepinfra:default"]["key"]
    return key


# -- item 4: the README's own config ----------------------------------------------------------


def test_an_unset_variable_in_the_configured_key_falls_through_to_the_onboarded_key(
    api: LoopbackServer, cli_env: CliEnv, run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    cli_env.write_config(README_CONFIG)
    assert run("onboard", "--deepinfra-api-key", PROFILE_KEY).code == 0
    audio = cli_env.root / "a.wav"
    audio.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 32)

    chat = run("chat", "--no-stream", "hello")
    stt = run("stt", str(audio))

    assert (chat.code, stt.code) == (0, 0), chat.err + stt.err
    assert _keys_sent(api) == {f"Bearer {PROFILE_KEY}"}
    # once per process, however many surfaces resolve the settings
    assert [r.getMessage() for r in caplog.records if "refers to ${DEEPINFRA_API_KEY}" in r.getMessage()] == [
        FALL_THROUGH
    ]
    assert PROFILE_KEY not in chat.text + stt.text


def test_models_works_offline_with_the_readme_config_and_no_key(
    api: LoopbackServer, cli_env: CliEnv, run: Run
) -> None:
    cli_env.write_config(README_CONFIG)

    result = run("models", "--surface", "chat")

    assert result.code == 0, result.err
    assert result.out.startswith("catalog source: static")
    assert api.seen == []  # no key: nothing fetched


def test_with_no_other_source_the_key_is_missing_and_the_variable_named(
    api: LoopbackServer, cli_env: CliEnv, run: Run, caplog: pytest.LogCaptureFixture
) -> None:
    cli_env.write_config(README_CONFIG)

    result = run("chat", "hello")

    assert result.code == 2
    assert result.err.startswith(
        "openclaw-deepinfra: error: DeepInfra API key missing Hint: set DEEPINFRA_API_KEY"
    )
    assert FALL_THROUGH in [r.getMessage() for r in caplog.records]
    assert _keys_sent(api) == set()


# -- item 5: onboard without the key on the command line ----------------------------------------


def test_onboard_reads_the_key_from_stdin(cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    _stdin(monkeypatch, f"{PROFILE_KEY}\n")

    result = run("onboard", "--deepinfra-api-key", "-")

    assert result.code == 0, result.err
    assert _stored(cli_env) == PROFILE_KEY
    assert PROFILE_KEY not in result.text


def test_onboard_takes_the_exported_key(cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", ENV_KEY)

    result = run("onboard")

    assert result.code == 0, result.err
    assert result.err == "using the key from DEEPINFRA_API_KEY\n"
    assert _stored(cli_env) == ENV_KEY


def test_onboard_prompts_on_a_terminal_without_echo(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    prompts: list[str] = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    monkeypatch.setattr(getpass, "getpass", lambda prompt: prompts.append(prompt) or PROFILE_KEY)

    result = run("onboard")

    assert result.code == 0, result.err
    assert prompts == ["DeepInfra API key (input hidden): "]
    assert _stored(cli_env) == PROFILE_KEY


@pytest.mark.parametrize(
    ("argv", "stdin", "message"),
    [
        (["onboard"], "", "no API key given: pipe it in with `--deepinfra-api-key -`, set DEEPINFRA_API_KEY, "
         "or run onboard on a terminal to be asked for it"),
        (["onboard", "--deepinfra-api-key", "-"], "\n", "--deepinfra-api-key -: no key on standard input; "
         "pipe the key in"),
    ],
    ids=["nothing", "empty-stdin"],
)  # fmt: skip
def test_onboard_without_a_key_says_how_to_give_one(
    cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch, argv: list[str], stdin: str, message: str
) -> None:
    _stdin(monkeypatch, stdin)

    result = run(*argv)

    assert (result.code, result.err) == (2, f"openclaw-deepinfra: error: {message}\n")
    assert not cli_env.profiles.exists()


def test_a_short_key_is_redacted_when_the_server_echoes_it(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = "k3y9"

    def reject(seen: Seen) -> Reply:
        token = seen.headers.get("authorization", "").removeprefix("Bearer ")
        return Reply.json({"detail": f"invalid API key {token}: not found"}, status=401)

    api.route("POST", "/v1/openai/chat/completions", reject)
    monkeypatch.setenv("DEEPINFRA_API_KEY", short)

    result = run("chat", "--no-stream", "hello")

    assert result.code == 1
    assert "invalid API key ***: not found" in result.err
    assert short not in result.text


# -- item 6: doctor authenticates and names the key source ------------------------------------


def test_doctor_authenticates_with_one_call_carrying_the_key(
    api: LoopbackServer, cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEEPINFRA_API_KEY", ENV_KEY)

    result = run("doctor")

    assert result.code == 0, result.text
    assert "[ok  ] API key: present (from env:DEEPINFRA_API_KEY)" in result.out.splitlines()
    assert "[ok  ] authentication: DeepInfra accepted the key" in result.out.splitlines()
    (auth,) = [seen for seen in api.seen if seen.path == AUTH_PATH]
    assert (auth.method, auth.headers["authorization"]) == ("GET", f"Bearer {ENV_KEY}")


def test_doctor_reports_a_rejected_key_as_a_configuration_failure(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route(
        "GET",
        AUTH_PATH,
        Reply(status=401, body=b'{"detail": "unauthorized"}', headers=(("x-request-id", "req-77"),)),
    )
    monkeypatch.setenv("DEEPINFRA_API_KEY", ENV_KEY)

    result = run("doctor")

    assert result.code == 2
    assert (
        "[fail] authentication: DeepInfra rejected the key (HTTP 401) [request_id=req-77]"
        in result.out.splitlines()
    )
    assert ENV_KEY not in result.text


def test_doctor_says_a_stored_profile_shadows_a_newly_exported_key(
    api: LoopbackServer, cli_env: CliEnv, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("onboard", "--deepinfra-api-key", PROFILE_KEY).code == 0
    monkeypatch.setenv("DEEPINFRA_API_KEY", ENV_KEY)

    result = run("doctor", "--json")

    assert result.code == 0, result.text
    checks = json.loads(result.out)["checks"]
    assert [c for c in checks if c["name"] == "API key"] == [
        {"name": "API key", "level": "ok", "detail": "present (from profile)"},
        {
            "name": "API key",
            "level": "warn",
            "detail": "DEEPINFRA_API_KEY is set but not used: the key from auth profile deepinfra:default "
            "comes first (order: models.providers.deepinfra.apiKey, auth profile, DEEPINFRA_API_KEY, "
            "DEEPINFRA_API_TOKEN); run `openclaw-deepinfra onboard` to store it "
            "(onboard reads DEEPINFRA_API_KEY)",
        },
    ]
    assert ENV_KEY not in result.text and PROFILE_KEY not in result.text


def test_doctor_does_not_warn_when_the_exported_key_is_the_stored_one(
    api: LoopbackServer, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run("onboard", "--deepinfra-api-key", PROFILE_KEY).code == 0
    monkeypatch.setenv("DEEPINFRA_API_KEY", PROFILE_KEY)

    result = run("doctor")

    assert result.code == 0, result.text
    assert "not used" not in result.out
