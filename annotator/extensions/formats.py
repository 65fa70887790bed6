"""Format plugins: a reader and writer per file type, built-ins registered like the rest."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from annotator.extensions.discovery import (
    FORMAT_GROUP,
    Plugin,
    PluginError,
    discover,
    find,
    one_line,
)

if TYPE_CHECKING:
    from annotator.formats import Format


class _BuiltinFormats:
    """``annotator.extensions:builtin_formats.textgrid`` names one entry of
    :data:`annotator.formats.FORMATS`, so the built-ins register like anyone else's formats
    while praatio is imported only when a format is actually loaded."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        from annotator.formats import FORMATS

        try:
            return FORMATS[name]
        except KeyError:
            raise AttributeError(f"no built-in format {name!r}") from None


builtin_formats = _BuiltinFormats()


def _as_format(plugin: Plugin, obj: Any) -> Format:
    from annotator.formats import Format

    if callable(obj) and not hasattr(obj, "extensions"):
        try:
            obj = obj()
        except Exception as exc:
            plugin.fail(f"its factory failed: {one_line(exc)}")
    if isinstance(obj, Format):
        return obj
    extensions: Any = getattr(obj, "extensions", None)  # checked below
    if isinstance(extensions, str):
        extensions = (extensions,)
    reader, writer = getattr(obj, "reader", None), getattr(obj, "writer", None)
    problems = []
    if not isinstance(getattr(obj, "name", None), str):
        problems.append("no name")
    if not extensions or not all(isinstance(e, str) and e.startswith(".") for e in extensions):
        problems.append("extensions must be like ('.eaf',)")
    if (
        reader is None
        and writer is None
        or not all(f is None or callable(f) for f in (reader, writer))
    ):
        problems.append("needs a callable reader or writer")
    if problems:
        plugin.fail(f"not a format ({'; '.join(problems)})")
    return Format(
        name=obj.name,
        extensions=tuple(extensions),
        reader=reader or _unsupported(plugin.name, "reading"),
        writer=writer or _unsupported(plugin.name, "writing"),
        description=str(getattr(obj, "description", "") or obj.name),
        read_all=getattr(obj, "read_all", None),
    )


def _unsupported(name: str, what: str) -> Callable[..., Any]:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        from annotator.formats import FormatError

        path = args[1] if what == "writing" and len(args) > 1 else (args[0] if args else "?")
        raise FormatError(path, f"format {name!r} does not support {what}")

    return refuse


def load_format(name: str) -> Format:
    """The format registered as ``name`` (an :class:`annotator.formats.Format`)."""
    plugin = find(FORMAT_GROUP, name.lower())
    return _as_format(plugin, plugin.load())


def available_formats() -> dict[str, Format]:
    """Every format that loads, by entry-point name; broken ones are skipped (see `discover`)."""
    formats: dict[str, Format] = {}
    for plugin in discover(FORMAT_GROUP):
        if not plugin.usable:
            continue
        try:
            formats[plugin.name] = _as_format(plugin, plugin.load())
        except PluginError:
            continue
    return formats
