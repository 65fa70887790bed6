"""Finding plugins: entry points read from installed metadata, loaded only when used.

Why lazy and safe: a corpus run that needs one pre-labeler must not import every plugin
installed, and a plugin that fails to import (a missing dependency, a syntax error, a
``SystemExit`` at import) must not take the host down. Each `Plugin` remembers its error, so
``annotator plugins list`` can show it, and is skipped thereafter.

Why only *installed* code: ``python -m annotator`` (like ``python -c``) puts the current folder
first on ``sys.path``, and people start it from inside a corpus or an output folder they were
sent. Were that folder searched, a ``*.dist-info`` dropped there would register a "plugin" and a
``nmf_prelabeler.py`` there would replace ours, and either would run at the next ``annotator
label``. So the current folder is searched neither for distributions nor for a plugin's module
(unless it is itself a site-packages folder); plugins come from installations only.
"""

from __future__ import annotations

import importlib.metadata as metadata
import importlib.util
import os
import site
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, NoReturn

from annotator.core.errors import AnnotationError

PRELABELER_GROUP = "nmf_annotator.prelabelers"
FORMAT_GROUP = "nmf_annotator.formats"
HOST_DISTRIBUTION = "nmf-annotator"
GROUPS = (PRELABELER_GROUP, FORMAT_GROUP)

#: What the host's own metadata declares; used where an older install lacks the declarations.
BUILTINS: dict[str, dict[str, str]] = {
    PRELABELER_GROUP: {"nmf": "nmf_prelabeler:make_prelabeler"},
    FORMAT_GROUP: {
        name: f"annotator.extensions:builtin_formats.{name}"
        for name in ("textgrid", "rttm", "audacity", "json", "eaf", "csv")
    },
}


class PluginError(AnnotationError):
    """A plugin is missing, failed to load, or returned something the host cannot use."""


_UNLOADED = object()


@dataclass
class Plugin:
    """One entry point as discovered: where it comes from, and its error once it has one."""

    group: str
    name: str
    value: str
    distribution: str
    version: str
    builtin: bool = False
    error: str | None = None
    _object: Any = field(default=_UNLOADED, repr=False, compare=False)

    @property
    def loaded(self) -> bool:
        return self._object is not _UNLOADED

    @property
    def usable(self) -> bool:
        """Not known to be broken (a plugin never loaded is presumed usable)."""
        return self.error is None

    def load(self) -> object:
        """Import the entry point once; a failure is remembered and raised as `PluginError`."""
        if self.error is not None:
            raise PluginError(self.error)
        if self._object is _UNLOADED:
            shadow = _from_current_folder(self.value)
            if shadow is not None:
                self.fail(f"cannot be loaded ({self.value}): refusing to import {shadow}, which "
                          "lies in the current folder, not in an installation; run annotator "
                          "from another folder")  # fmt: skip
            try:
                self._object = metadata.EntryPoint(self.name, self.value, self.group).load()
            except BaseException as exc:  # a plugin may raise anything, even SystemExit
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.fail(f"cannot be loaded ({self.value}): {one_line(exc)}")
        return self._object

    def fail(self, reason: str) -> NoReturn:
        self.error = f"{_kind(self.group)} {self.name!r} from {self.distribution}: {reason}"
        raise PluginError(self.error)


def _kind(group: str) -> str:
    return {PRELABELER_GROUP: "pre-labeler", FORMAT_GROUP: "format"}.get(group, "plugin")


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# ------------------------------------------------------------------------ where plugins live
def _real(entry: str) -> str:
    return os.path.realpath(entry or os.curdir)


def _untrusted_entries() -> set[str]:
    """``sys.path`` entries that stand for the current folder ("", ".", or its full path, as
    ``python -m`` adds it), unless the current folder is itself a site-packages folder."""
    here = _real(os.curdir)
    sites = {_real(p) for p in (*site.getsitepackages(), site.getusersitepackages())}
    if here in sites:
        return set()
    return {entry for entry in sys.path if _real(entry) == here}


def search_path() -> list[str]:
    """Where distributions are looked for: ``sys.path`` without the current folder."""
    untrusted = _untrusted_entries()
    return [entry for entry in sys.path if entry not in untrusted]


def _from_current_folder(value: str) -> str | None:
    """The file an entry point's module would be imported from, if that is the current folder
    (a module there shadows the installed one of the same name); None when it is not."""
    top = value.split(":", 1)[0].strip().split(".", 1)[0]
    if not top or top in sys.modules or not _untrusted_entries():
        return None
    try:
        spec = importlib.util.find_spec(top)  # a top-level name: finds, executes nothing
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    where = spec.origin if spec.has_location and spec.origin else None
    locations = list(spec.submodule_search_locations or ()) or ([where] if where else [])
    here = _real(os.curdir)
    for location in locations:
        if os.path.dirname(_real(location)) == here:
            return location
    return None


# --------------------------------------------------------------------------------- discovery
_cache: dict[str, list[Plugin]] = {}
_lock = threading.Lock()


def _scan(group: str) -> list[Plugin]:
    """Every entry point of ``group`` in installed metadata, without importing anything.

    Only `search_path` is searched (not the current folder). Distributions are read one by one so that one with unreadable metadata is skipped alone;
    a distribution seen twice on ``sys.path`` counts once (the first, as import would pick).
    """
    found: list[Plugin] = []
    seen: set[str] = set()
    for dist in metadata.distributions(path=search_path()):
        try:
            name = dist.metadata["Name"] or ""
            key = name.lower().replace("_", "-")
            if not key or key in seen:
                continue
            seen.add(key)
            points = [ep for ep in dist.entry_points if ep.group == group]
            version = dist.version or "?"
        except Exception:  # malformed metadata of someone else's package
            continue
        for ep in points:
            found.append(
                Plugin(group, ep.name, ep.value, name, version, builtin=key == HOST_DISTRIBUTION)
            )
    return found


def _arrange(group: str, found: list[Plugin]) -> list[Plugin]:
    """Add missing built-ins, then mark name clashes: the host wins, else the first distribution
    by name; the loser stays listed with the reason."""
    have = {p.name for p in found if p.builtin}
    version = _host_version()
    for name, value in BUILTINS.get(group, {}).items():
        if name not in have:
            found.append(Plugin(group, name, value, HOST_DISTRIBUTION, version, builtin=True))
    found.sort(key=lambda p: (not p.builtin, p.distribution.lower(), p.name))
    owner: dict[str, Plugin] = {}
    for plugin in found:
        first = owner.setdefault(plugin.name, plugin)
        if first is not plugin:
            plugin.error = (
                f"{_kind(group)} {plugin.name!r} from {plugin.distribution}: the name is taken by "
                f"{first.distribution}; this one is ignored"
            )
    return found


def _host_version() -> str:
    from annotator import __version__

    return __version__


def discover(group: str, *, refresh: bool = False) -> list[Plugin]:
    """All plugins of ``group`` (usable or not), host built-ins first; cached until ``refresh``."""
    if group not in GROUPS:
        raise ValueError(f"unknown entry-point group {group!r} (known: {', '.join(GROUPS)})")
    with _lock:
        if refresh or group not in _cache:
            _cache[group] = _arrange(group, _scan(group))
        return list(_cache[group])


def refresh() -> None:
    """Forget what was discovered (after installing a plugin in a running session)."""
    with _lock:
        _cache.clear()


def find(group: str, name: str) -> Plugin:
    """The usable plugin called ``name``; `PluginError` lists what there is otherwise."""
    plugins = [p for p in discover(group) if p.name == name]
    for plugin in plugins:
        if plugin.usable:
            return plugin
    if plugins:
        raise PluginError(plugins[0].error or f"{_kind(group)} {name!r} is not usable")
    known = ", ".join(sorted({p.name for p in discover(group) if p.usable})) or "none"
    raise PluginError(f"no {_kind(group)} named {name!r} (available: {known})")


def names(group: str) -> list[str]:
    """Names of the plugins of ``group`` not known to be broken, in discovery order."""
    return [p.name for p in discover(group) if p.usable]


def error_line(exc: BaseException) -> str:
    """A package's own errors already read as "<file>: <problem>"; builtins get their type."""
    text = " ".join(str(exc).split())
    if text and (isinstance(exc, OSError) or type(exc).__module__ != "builtins"):
        return text
    return one_line(exc)
