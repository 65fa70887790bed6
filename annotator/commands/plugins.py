"""``annotator plugins list``: every pre-labeler and format found, where from, and if it works;
``annotator plugins install|uninstall praat|elan``: the plugins we ship for other programs.

Listing loads each plugin (that is the only way to know it imports), but a broken one is shown
with its error, never raised: the command exists precisely to diagnose such plugins.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from annotator.commands.outcome import EXIT_OK, CliError
from annotator.extensions import (
    FORMAT_GROUP,
    PRELABELER_GROUP,
    Plugin,
    PluginError,
    describe,
    discover,
    load_format,
)

TITLES = {PRELABELER_GROUP: "pre-labelers", FORMAT_GROUP: "formats"}


def _status(plugin: Plugin, group: str) -> str:
    """What the plugin is, or why it cannot be used (loading it if nobody has yet)."""
    if plugin.usable:
        try:
            if group == FORMAT_GROUP:
                fmt = load_format(plugin.name)
                return f"{fmt.description} ({', '.join(fmt.extensions)})"
            return describe(plugin.load()) or plugin.value
        except PluginError:
            pass
    return f"ERROR {plugin.error}"


def plugin_lines(group: str) -> list[str]:
    """A heading, then one line per plugin: name, distribution and version, what it does."""
    rows = [
        (p.name, f"{p.distribution} {p.version}" + (" (built-in)" if p.builtin else ""),
         _status(p, group))
        for p in discover(group)
    ]  # fmt: skip
    if not rows:
        return [f"{TITLES[group]} ({group}):", "  none"]
    name_w, source_w = (max(len(r[i]) for r in rows) for i in (0, 1))
    return [f"{TITLES[group]} ({group}):"] + [
        f"  {name:<{name_w}}  {source:<{source_w}}  {status}" for name, source, status in rows
    ]


def run_install(args: argparse.Namespace) -> int:
    """Install or uninstall the Praat plugin or the ELAN recognizer, saying where."""
    from annotator.integrations import install

    installing = args.plugins_command == "install"
    action: Callable[[Path | None], Path | None]
    if args.target == "praat":
        where = Path(args.praat_dir).expanduser() if args.praat_dir else None
        action = install.install_praat if installing else install.uninstall_praat
        program, after = "Praat", "restart Praat; select a Sound: Pre-label with NMF segmenter..."
    else:
        where = Path(args.elan_dir).expanduser() if args.elan_dir else None
        action = install.install_elan if installing else install.uninstall_elan
        program, after = "ELAN", "restart ELAN; Recognizer tab: NMF segmenter (nmf-annotator)"
    try:
        folder = action(where)
    except install.InstallError as exc:
        raise CliError(str(exc)) from exc
    if installing:
        print(f"installed the {program} plugin in {folder}\n{after}")
    elif folder is None:
        print(f"the {program} plugin was not installed; nothing to remove")
    else:
        print(f"removed the {program} plugin from {folder}")
    return EXIT_OK


def run_plugins(args: argparse.Namespace) -> int:
    if getattr(args, "plugins_command", None) in ("install", "uninstall"):
        return run_install(args)
    groups = [PRELABELER_GROUP, FORMAT_GROUP]
    if getattr(args, "group", None):
        groups = [g for g in groups if TITLES[g] == args.group]
    blocks = ["\n".join(plugin_lines(group)) for group in groups]
    print("\n\n".join(blocks))
    return EXIT_OK
