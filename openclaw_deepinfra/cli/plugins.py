"""`plugins list|inspect|install|enable|disable`: what the host loaded, and managing installs."""

from __future__ import annotations

import argparse
from importlib.metadata import entry_points
from typing import Any

from openclaw_deepinfra.cli.json_shapes import (
    JSON_HELP,
    Diagnostic,
    PluginRow,
    PluginsOutput,
    Registration,
    dumps,
)
from openclaw_deepinfra.cli.session import CliError, HostSession, open_host
from openclaw_deepinfra.host import paths
from openclaw_deepinfra.host.hookspecs import ENTRY_POINT_GROUP
from openclaw_deepinfra.host.install import disable_plugin, enable_plugin, install_plugin


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("plugins", parents=[common], help="list, inspect and install plugins")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="plugins the host found")
    listing.add_argument("--json", action="store_true", help=JSON_HELP)
    listing.set_defaults(handler=run_list)
    inspect = actions.add_parser(
        "inspect", parents=[common], help="registrations and diagnostics of one plugin"
    )
    inspect.add_argument("plugin_id", metavar="ID")
    inspect.add_argument("--json", action="store_true", help=JSON_HELP)
    inspect.set_defaults(handler=run_inspect)
    install = actions.add_parser("install", parents=[common], help="pip-install a plugin and enable it")
    install.add_argument("spec", metavar="PATH_OR_NAME")
    install.set_defaults(handler=run_install)
    for name, handler in (("enable", run_enable), ("disable", run_disable)):
        toggle = actions.add_parser(name, parents=[common], help=f"{name} a plugin in the config")
        toggle.add_argument("plugin_id", metavar="ID")
        toggle.set_defaults(handler=handler)


def describe(session: HostSession, plugin_id: str) -> PluginRow:
    record = session.registry.records.get(plugin_id)
    if record is None:
        known = ", ".join(sorted(session.registry.records)) or "none"
        raise CliError(f"no plugin {plugin_id!r} was found (found: {known})", exit_code=2)
    diagnostics = [d for d in session.registry.diagnostics if d.plugin_id == plugin_id]
    return PluginRow(
        id=record.id, status=record.status, source=record.source, error=record.error,
        name=getattr(record.manifest, "name", None), version=getattr(record.manifest, "version", None),
        registrations=[Registration(kind=kind, id=reg_id) for kind, reg_id in record.registrations],
        diagnostics=[Diagnostic(level=d.level, message=d.message) for d in diagnostics],
    )  # fmt: skip


async def run_list(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        rows = [describe(session, plugin_id) for plugin_id in sorted(session.registry.records)]
    if args.json:
        print(dumps(PluginsOutput(plugins=rows), indent=2))
        return 0
    if not rows:
        print("no plugins found in entry point group openclaw.plugins")
    for row in rows:
        kinds = ", ".join(sorted({r.kind for r in row.registrations}))
        print(f"{row.id}  {row.status}  {row.version or ''}  {kinds}".rstrip())
    return 0


async def run_inspect(args: argparse.Namespace) -> int:
    async with open_host(args) as session:
        row = describe(session, args.plugin_id)
    if args.json:
        print(dumps(row, indent=2))
        return 0 if row.status != "error" else 1
    print(f"plugin {row.id} ({row.name or row.id} {row.version or ''}): {row.status}")
    print(f"  source: {row.source}")
    if row.error:
        print(f"  error: {row.error}")
    for reg in row.registrations:
        print(f"  registered {reg.kind}: {reg.id}")
    for diag in row.diagnostics:
        print(f"  {diag.level}: {diag.message}")
    return 0 if row.status != "error" else 1


def run_install(args: argparse.Namespace) -> int:
    path = paths.config_path(args.config)
    # The spec goes through as typed: `install_plugin` resolves paths itself and, like pip, reads a
    # bare name as a requirement even when a same-named directory sits in the cwd.
    result = install_plugin(args.spec, path)
    enabled = [plugin.id for plugin in result.plugins if plugin.enabled]
    if enabled:
        print(f"installed {', '.join(enabled)}; enabled in {path}")
    for plugin in result.plugins:
        if not plugin.enabled:  # its required config is missing: say what to set, then how to enable
            print(
                f"installed {plugin.id}; left disabled in {path}: {plugin.note}; "
                f"set it, then run `openclaw-deepinfra plugins enable {plugin.id}`"
            )
    return 0


def run_enable(args: argparse.Namespace) -> int:
    # Enabling an id no installed package provides would only leave a stale entry in the config.
    installed = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
    if args.plugin_id not in installed:
        raise CliError(
            f"no installed plugin has the id {args.plugin_id!r} "
            f"(installed: {', '.join(installed) or 'none'}); "
            "install it first with `openclaw-deepinfra plugins install PATH_OR_NAME`",
            exit_code=2,
        )
    path = enable_plugin(args.plugin_id, paths.config_path(args.config))
    print(f"enabled {args.plugin_id} in {path}")
    return 0


def run_disable(args: argparse.Namespace) -> int:
    path = disable_plugin(args.plugin_id, paths.config_path(args.config))
    print(f"disabled {args.plugin_id} in {path}")
    return 0
