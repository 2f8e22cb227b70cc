"""Argument parsing, dispatch and the one place where errors become exit codes.

Exit codes: 0 ok, 1 runtime error, 2 usage or configuration error. Every failure is one line on
stderr, redacted, without a traceback (set OPENCLAW_DEBUG=1 to get one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from openclaw_deepinfra.cli import chat as chat_cmd
from openclaw_deepinfra.cli import describe as describe_cmd
from openclaw_deepinfra.cli import doctor, models, onboard, plugins
from openclaw_deepinfra.cli import embed as embed_cmd
from openclaw_deepinfra.cli import image as image_cmd
from openclaw_deepinfra.cli import stt as stt_cmd
from openclaw_deepinfra.cli import tts as tts_cmd
from openclaw_deepinfra.cli import video as video_cmd
from openclaw_deepinfra.cli.session import CliError
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.errors import ConfigError, HostError, ManifestError, ModelRefError
from openclaw_deepinfra.transport.redact import redact

PROG = "openclaw-deepinfra"
# One module per command, each with `add_parser(sub, common)`; the order is the order of --help.
COMMANDS = (
    models, chat_cmd, image_cmd, video_cmd, tts_cmd, stt_cmd, describe_cmd, embed_cmd,
    onboard, plugins, doctor,
)  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=PROG, description="DeepInfra for OpenClaw-style gateways.")
    config_help = "agent config file (default $OPENCLAW_CONFIG_PATH, else <state dir>/openclaw.json)"
    profile_help = "use the state dir ~/.openclaw-NAME (and its openclaw.json), as OpenClaw's --profile"
    parser.add_argument("--config", type=Path, default=None, help=config_help)
    parser.add_argument("--profile", metavar="NAME", default=None, help=profile_help)
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    # Subcommands accept --config too; SUPPRESS keeps a global value when they don't repeat it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, default=argparse.SUPPRESS, help=config_help)
    common.add_argument("--profile", metavar="NAME", default=argparse.SUPPRESS, help=profile_help)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub, common)
    return parser


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, CliError):
        return exc.exit_code
    if isinstance(exc, ConfigError | ManifestError | ModelRefError):
        return 2
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    return 1


def _describe(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, CliError | HostError) and getattr(exc, "exit_code", None) is None:
        text = f"unexpected {type(exc).__name__}: {text}"
    return redact(" ".join(text.split()))


@contextlib.contextmanager
def _profile_env(profile: str | None) -> Iterator[None]:
    """``--profile NAME`` sets OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH for the command, as
    OpenClaw does, so every path (config, auth profiles, the plugin's cache) follows it; restored
    afterwards because tests and embedders call ``main`` in-process."""
    if profile is None:
        yield
        return
    values = paths.profile_env(profile)
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, old in saved.items():
            if old is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = old


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=f"{PROG}: %(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        with _profile_env(args.profile):
            result = args.handler(args)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
        return int(result or 0)
    except BrokenPipeError:
        # The reader went away (`| head`): not an error of ours; silence the interpreter's flush too.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI is the outermost boundary: one line, right exit code
        if os.environ.get("OPENCLAW_DEBUG"):
            traceback.print_exc()
        print(f"{PROG}: error: {_describe(exc)}", file=sys.stderr)
        return _exit_code(exc)


if __name__ == "__main__":
    raise SystemExit(main())
