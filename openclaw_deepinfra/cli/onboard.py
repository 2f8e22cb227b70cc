"""`onboard`: run the plugin's own API-key auth method, as a gateway's onboarding does, then store
its profile in the agent's auth-profiles.json (moving any keys an older version left beside the
config) and apply its config patch.

The key comes from `--deepinfra-api-key -` (one line of standard input), `DEEPINFRA_API_KEY`, or a
hidden prompt on a terminal; `--deepinfra-api-key KEY` still works, though it puts the key in `ps`
and the shell history (the help says so)."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Mapping
from typing import Any

from openclaw_deepinfra.cli.session import PLUGIN_ID, CliError, HostSession, open_host
from openclaw_deepinfra.host.contracts.text import ProviderAuthContext, ProviderAuthMethod
from openclaw_deepinfra.host.safe_write import ensure_writable_target
from openclaw_deepinfra.settings import API_KEY_ENV

FLAG = "--deepinfra-api-key"
STDIN = "-"
_MAX_KEY_LINE = 64 * 1024


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser(
        "onboard", parents=[common], help="store a DeepInfra API key and pick a default model"
    )
    parser.add_argument(
        FLAG, dest="api_key", metavar="KEY",
        help=f"'-' reads the key from stdin (default: ${API_KEY_ENV}, else a hidden prompt on a terminal); "
        "a KEY given here is visible in ps and the shell history",
    )  # fmt: skip
    parser.add_argument(
        "--agent",
        metavar="ID",
        default=None,
        help="store the key for this agent (<state dir>/agents/ID/agent/auth-profiles.json; default main)",
    )
    parser.set_defaults(handler=run)


def _auth_method(session: HostSession) -> tuple[ProviderAuthMethod, str]:
    """The method the manifest's auth choice for this flag names, and its option key."""
    record = session.registry.records.get(PLUGIN_ID)
    manifest = record.manifest if record is not None else None
    choices = manifest.provider_auth_choices if manifest else []
    choice = next((c for c in choices if c.cli_flag == FLAG), None)
    if choice is None or not choice.option_key:
        raise CliError(f"the deepinfra plugin's manifest declares no auth choice for {FLAG}")
    provider = session.require("provider")
    methods: list[ProviderAuthMethod] = list(getattr(provider, "auth", []))
    method = next((m for m in methods if m.id == choice.method), None)
    if method is None:
        raise CliError(f"the deepinfra provider has no auth method {choice.method!r}")
    return method, choice.option_key


def _given_key(given: str | None, env: Mapping[str, str]) -> tuple[str | None, bool]:
    """(the key to pass to the auth method, interactive). None: the method reads DEEPINFRA_API_KEY
    from its context itself."""
    if given == STDIN:
        key = sys.stdin.readline(_MAX_KEY_LINE).strip()
        if not key:
            raise CliError(f"{FLAG} -: no key on standard input; pipe the key in", exit_code=2)
        return key, False
    if given is not None:
        return given, False
    if (env.get(API_KEY_ENV) or "").strip():
        print(f"using the key from {API_KEY_ENV}", file=sys.stderr)
        return None, False
    if sys.stdin.isatty():
        return getpass.getpass("DeepInfra API key (input hidden): "), True
    raise CliError(
        f"no API key given: pipe it in with `{FLAG} -`, set {API_KEY_ENV}, or run onboard on a terminal "
        "to be asked for it",
        exit_code=2,
    )


async def run(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        # Both targets are checked before anything is written: a refused config must not leave a key
        # stored beside it (and neither may ever replace a device, FIFO or directory).
        ensure_writable_target(session.config_path)
        ensure_writable_target(session.auth_store.path, within=session.auth_store.path.parent)
        method, option_key = _auth_method(session)
        key, interactive = _given_key(args.api_key, session.config.env)
        ctx = ProviderAuthContext(
            config=session.config,
            env=dict(session.config.env),
            opts={option_key: key} if key is not None else {},
            interactive=interactive,
        )
        try:
            result = await method.run(ctx)
        except ValueError as exc:
            raise CliError(str(exc), exit_code=2) from exc
    # First move what an older version stored beside the config, so the new key below replaces a
    # moved one instead of leaving a stale copy in the old place.
    for profile_id, old in session.auth_store.migrate_legacy():
        print(f"moved auth profile {profile_id} from {old} to {session.auth_store.path}")
    for profile in result.profiles:
        key = profile.credential.get("key") or profile.credential.get("token")
        provider_id = str(profile.credential.get("provider") or PLUGIN_ID)
        if not isinstance(key, str) or not key:
            raise CliError(f"auth method {method.id!r} returned profile {profile.profile_id!r} without a key")
        session.auth_store.put_api_key(profile.profile_id, provider_id, key)
        print(f"stored the API key as auth profile {profile.profile_id} in {session.auth_store.path}")
    if result.config_patch:
        path = session.config.with_patch(result.config_patch).save(session.config_path)
        print(f"updated {path}")
    primary = session.config.with_patch(result.config_patch or {}).get("agents.defaults.model")
    shown = primary.get("primary") if isinstance(primary, dict) else primary
    print(f"primary model: {shown or result.default_model}")
    for note in result.notes or []:
        print(note)
    return 0
