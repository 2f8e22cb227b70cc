"""Argument parsing, dispatch and the one place where errors become exit codes.

Exit codes (`EXIT_CODES`, also printed by --help): 0 ok, 1 runtime error, 2 usage or configuration
error, 130 interrupted. Every failure is one line on stderr, redacted, without a traceback (set
OPENCLAW_DEBUG=1 to get one).
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

from openclaw_deepinfra import __version__
from openclaw_deepinfra.cli import chat, doctor, embed, generate, models, onboard, plugins, tts, understand
from openclaw_deepinfra.cli.session import CliError
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.errors import ConfigError, HostError, ManifestError, ModelRefError
from openclaw_deepinfra.redact import redact
from openclaw_deepinfra.settings import API_BASE_ENV, API_KEY_ENV, API_TOKEN_ENV, BASE_URL_ENV
from openclaw_deepinfra.urls import DEFAULT_BASE_URL

PROG = "openclaw-deepinfra"
# The command modules, each with `add_parser(sub, common)`; their order is the order of --help.
COMMANDS = (models, chat, generate, tts, understand, embed, onboard, plugins, doctor)


EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_CODES = (
    (EXIT_OK, "success"),
    (EXIT_RUNTIME, "the request or a file operation failed (API error, network, timeout)"),
    (EXIT_USAGE, "usage or configuration error: a flag, the config file, the key or an input file"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)
DEBUG_ENV = "OPENCLAW_DEBUG"
ENVIRONMENT = (
    (API_KEY_ENV, "API key (after the config's apiKey and a stored auth profile)"),
    (API_TOKEN_ENV, f"API key, when {API_KEY_ENV} is unset"),
    (BASE_URL_ENV, f"API base URL (default {DEFAULT_BASE_URL})"),
    (API_BASE_ENV, f"API base URL, when {BASE_URL_ENV} is unset"),
    (paths.CONFIG_PATH_ENV, "agent config file (default <state dir>/openclaw.json)"),
    (paths.STATE_DIR_ENV, "state dir: config, auth profiles (default ~/.openclaw)"),
    (paths.HOME_ENV, "the home directory the state dir is found in (default $HOME)"),
    (paths.CACHE_DIR_ENV, "where the last good model catalog is kept"),
    (DEBUG_ENV, "set to 1 to print a traceback with an error"),
)
# Arguments that are paths: on POSIX a file name may be any bytes, so they are not checked as text.
_PATH_ARGS = frozenset({"out", "spec"})


def _epilog() -> str:
    width = max(len(name) for name, _ in ENVIRONMENT)
    lines = ["environment variables:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in ENVIRONMENT]
    lines += ["", "exit codes:"]
    lines += [f"  {code:<3}  {text}" for code, text in EXIT_CODES]
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="DeepInfra for OpenClaw-style gateways.", epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    config_help = f"agent config file (default ${paths.CONFIG_PATH_ENV}, else <state dir>/openclaw.json)"
    profile_help = "use the state dir ~/.openclaw-NAME (and its openclaw.json), as OpenClaw's --profile"
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    # Global flags are accepted after the command too; SUPPRESS keeps a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    for target, unset in ((parser, None), (common, argparse.SUPPRESS)):
        target.add_argument("--config", type=Path, default=unset, help=config_help)
        target.add_argument("--profile", metavar="NAME", default=unset, help=profile_help)
        verbose = "log debug details to stderr"
        target.add_argument("-v", "--verbose", action="store_true", default=unset or False, help=verbose)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub, common)
    return parser


def _exit_code(exc: BaseException) -> int:
    if isinstance(exc, ConfigError | ManifestError | ModelRefError):
        return EXIT_USAGE
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    if isinstance(exc, OSError) and exc.filename is not None:
        return EXIT_USAGE  # a path the user has to fix (a read-only config dir, a missing directory)
    return EXIT_RUNTIME


def _describe(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None and getattr(exc, "exit_code", None) is None:
        reason = exc.strerror or type(exc).__name__
        return redact(f"{exc.filename}: {reason}; check that path and its directory's permissions")
    text = str(exc).strip() or type(exc).__name__
    if not isinstance(exc, CliError | HostError) and getattr(exc, "exit_code", None) is None:
        text = f"unexpected {type(exc).__name__}: {text}"
    return redact(" ".join(text.split()))


@contextlib.contextmanager
def _profile_env(profile: str | None) -> Iterator[None]:
    """``--profile NAME`` sets OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH for the command, as
    OpenClaw does, so every path (config, auth profiles, the plugin's cache) follows it; restored
    afterwards because tests and embedders call ``main`` in-process."""
    saved = dict(os.environ)
    os.environ.update(paths.profile_env(profile) if profile is not None else {})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _not_utf8(args: argparse.Namespace) -> str | None:
    """The first text argument holding bytes that are not UTF-8 (Python keeps them as lone
    surrogates, which no request body can encode)."""
    for name, value in vars(args).items():
        if name in _PATH_ARGS:
            continue
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str) and any("\ud800" <= ch <= "\udfff" for ch in item):
                return name.replace("_", "-")
    return None


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    bad = _not_utf8(args)
    if bad is not None:
        fix = "set a UTF-8 locale (LANG=C.UTF-8) or pass the text in a UTF-8 file"
        print(f"{PROG}: error: argument {bad} is not valid UTF-8 text; {fix}", file=sys.stderr)
        return EXIT_USAGE
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
        return EXIT_INTERRUPTED
    except Exception as exc:  # the CLI is the outermost boundary: one line, right exit code
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        print(f"{PROG}: error: {_describe(exc)}", file=sys.stderr)
        return _exit_code(exc)


if __name__ == "__main__":
    raise SystemExit(main())
