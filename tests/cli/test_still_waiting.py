"""Issue 18 item 9: a single request the server accepted and never answers prints a periodic
"still waiting for <what> (N s of M s)" line on stderr, and the call still ends at its deadline
with the timeout error. The quiet periods are shrunk from 10 s / 20 s so the tests are short."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from openclaw_deepinfra.cli import session
from tests.cli.conftest import PROJECTION, CliEnv, Run
from tests.e2e.faults import (
    FaultServer,
    Hang,
    Send,
    Sleep,
    chunk,
    chunked_head,
    fault_server,
    json_reply,
    sse_reply,
)

KEY = "di-cli-waiting-key-0123456789abcdef"
CHAT = "/v1/openai/chat/completions"
DEADLINE_S = 2
NOTICE = re.compile(r"^openclaw-deepinfra: still waiting for (.+) \((\d+) s of (\d+) s\)$")


def _frame(text: str, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": {"content": text}, "finish_reason": finish}
    return f"data: {json.dumps({'model': 'zai-org/GLM-9', 'choices': [choice]})}\n\n".encode()


@pytest.fixture
def api(cli_env: CliEnv, monkeypatch: pytest.MonkeyPatch) -> Iterator[FaultServer]:
    monkeypatch.setattr(session, "FIRST_NOTICE_S", 0.3)
    monkeypatch.setattr(session, "NOTICE_EVERY_S", 0.4)
    cli_env.write_config(
        {"models": {"providers": {"deepinfra": {"timeoutSeconds": DEADLINE_S}}},
         "tools": {"media": {"audio": {"timeoutSeconds": DEADLINE_S}}}}
    )  # fmt: skip
    with fault_server() as server:
        server.route("GET", "/v1/openai/models", json_reply(PROJECTION))
        monkeypatch.setenv("DEEPINFRA_BASE_URL", server.api_base)
        monkeypatch.setenv("DEEPINFRA_API_KEY", KEY)
        yield server


def _notices(err: str) -> list[re.Match[str]]:
    return [m for line in err.splitlines() if (m := NOTICE.match(line))]


@pytest.mark.parametrize("as_json", [False, True])
def test_a_request_that_never_answers_prints_still_waiting_until_its_deadline(
    api: FaultServer, run: Run, as_json: bool
) -> None:
    api.route("POST", CHAT, (Hang(),))

    started = time.monotonic()
    result = run("chat", "--no-stream", *(["--json"] if as_json else []), "hi")
    elapsed = time.monotonic() - started

    assert result.code == 1
    notices = _notices(result.err)
    assert len(notices) >= 3, result.err  # at ~0.3 s, then every 0.4 s until the 2 s deadline
    assert {m[1] for m in notices} == {"the answer from deepinfra/zai-org/GLM-9"}
    assert all(m[3] == str(DEADLINE_S) for m in notices)
    seconds = [int(m[2]) for m in notices]
    assert seconds == sorted(seconds) and seconds[-1] <= DEADLINE_S
    last = result.err.strip().splitlines()[-1]
    assert last.startswith("openclaw-deepinfra: error: ") and any(
        w in last.lower() for w in ("deadline", "timed out")
    ), last
    assert DEADLINE_S - 0.2 < elapsed < DEADLINE_S + 5
    assert result.out == ""  # stdout holds only a result, --json included
    assert KEY not in result.err


def test_a_steady_stream_is_not_reported_but_a_stalled_one_is(api: FaultServer, run: Run) -> None:
    steady = sse_reply([_frame("a"), _frame("b"), _frame("c"), _frame("d", "stop"), b"data: [DONE]\n\n"],
                       delay_s=0.2)  # fmt: skip
    stalled = (Send(chunked_head()), Send(chunk(_frame("half"))), Sleep(1.0), Send(chunk(_frame("", "stop"))),
               Send(chunk(b"data: [DONE]\n\n")), Send(b"0\r\n\r\n"))  # fmt: skip
    api.route("POST", CHAT, steady, stalled)

    first = run("chat", "hi")  # 1 s in all, never 0.3 s without a chunk
    second = run("chat", "hi")  # 1 s without a chunk after the first

    assert first.code == 0 and first.out == "abcd\n", first.err
    assert _notices(first.err) == []
    assert second.code == 0 and second.out == "half\n", second.err
    assert 1 <= len(_notices(second.err)) <= 3, second.err


def test_a_media_call_names_what_it_waits_for_and_its_own_deadline(
    api: FaultServer, run: Run, tmp_path: Path
) -> None:
    audio = tmp_path / "memo.mp3"
    audio.write_bytes(b"ID3" + b"\x00" * 64)
    api.route("POST", "/v1/openai/audio/transcriptions", (Hang(),))

    result = run("stt", str(audio))

    assert result.code == 1
    notices = _notices(result.err)
    assert notices and notices[0][1] == "the transcript from openai/whisper-large-v3-turbo"
    assert notices[0][3] == str(DEADLINE_S)


def test_a_quick_answer_prints_nothing(api: FaultServer, run: Run) -> None:
    answer = {"model": "zai-org/GLM-9", "choices": [{"index": 0, "message": {"role": "assistant",
              "content": "hi"}, "finish_reason": "stop"}]}  # fmt: skip
    api.route("POST", CHAT, json_reply(answer))

    result = run("chat", "--no-stream", "hi")

    assert result.code == 0 and result.out == "hi\n"
    assert result.err == ""


def test_the_readme_states_the_real_quiet_periods() -> None:
    readme = " ".join((Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8").split())
    assert f"A call silent for {session.FIRST_NOTICE_S:g} s" in readme
    assert f"then again every {session.NOTICE_EVERY_S:g} s" in readme
