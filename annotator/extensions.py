"""The extension API: pre-labelers and annotation formats found through entry points.

Two entry-point groups, declared in a distribution's ``pyproject.toml``::

    [project.entry-points."nmf_annotator.prelabelers"]
    energy = "my_package:make_prelabeler"      # a factory, see below

    [project.entry-points."nmf_annotator.formats"]
    eaf = "my_package.eaf:EAF_FORMAT"          # a Format, or a zero-argument callable giving one

**Pre-labelers.** The entry point names a *factory*. The host calls it once per worker with
keyword options (``model=``, ``device=``, and whatever ``--option KEY=VALUE`` the user gave; only
the options its signature accepts unless it takes ``**kwargs``) and gets back the pre-labeler: a
callable ``prelabeler(source, *, progress=None, cancel=None)`` where ``source`` is a
:class:`pathlib.Path` or a :class:`Waveform`, ``progress(fraction, message)`` reports progress in
the file and ``cancel`` is a ``threading.Event`` to poll. It returns an :class:`Annotation`, an
object with an ``annotation`` attribute (a result that also carries model evidence), or plain
lanes: ``{lane name: [Segment | (start, end[, label[, confidence]]) | {"start": ...}]}``.
Optional attributes of the pre-labeler: ``depends_on`` (files whose change makes earlier outputs
stale, e.g. the model file) and ``description``. Loading the model once in the factory, not per
call, is what keeps a corpus run fast.

**Formats.** An object with ``name``, ``extensions`` (e.g. ``(".eaf",)``, matched ignoring case;
the first is written), ``reader(path, **options) -> Annotation``, ``writer(annotation, path,
**options)`` (either may be None) and ``description``; :class:`annotator.formats.Format` fits.

**Discovery** reads only metadata (no plugin is imported until it is used), and loading is safe: a
plugin that fails to import, raises, or has the wrong shape is recorded with its error (shown by
``annotator plugins list``) and skipped, never crashing the host. Our own NMF pre-labeler and the
built-in formats come through the same groups (napari's npe2 does the same with its built-ins);
should the installed metadata not list them (an editable install made before they were
declared), the same entry points are taken from :data:`BUILTINS`.
"""

from __future__ import annotations

import importlib.metadata as metadata
import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from annotator.core.annotation import CLASS_LANES, Annotation, Provenance, RecordingInfo
from annotator.core.errors import AnnotationError
from annotator.core.lane import Lane
from annotator.core.segment import Segment, Source

PRELABELER_GROUP = "nmf_annotator.prelabelers"
FORMAT_GROUP = "nmf_annotator.formats"
HOST_DISTRIBUTION = "nmf-annotator"
GROUPS = (PRELABELER_GROUP, FORMAT_GROUP)

#: What the host's own metadata declares; used where an older install lacks the declarations.
BUILTINS: dict[str, dict[str, str]] = {
    PRELABELER_GROUP: {"nmf": "nmf_prelabeler:make_prelabeler"},
    FORMAT_GROUP: {
        name: f"annotator.extensions:builtin_formats.{name}"
        for name in ("textgrid", "rttm", "audacity", "json")
    },
}

#: A segment may end this far past the recording (a plugin's frame rounding); it is clipped.
END_TOLERANCE = 0.05

ProgressCallback = Callable[[float, str], None]


class PluginError(AnnotationError):
    """A plugin is missing, failed to load, or returned something the host cannot use."""


@dataclass(frozen=True)
class Waveform:
    """Audio already in memory (the GUI has decoded it): mono float samples and their rate."""

    samples: Any
    sample_rate: int
    name: str = ""


@runtime_checkable
class Prelabeler(Protocol):
    """What a pre-labeler factory returns (attributes ``depends_on``/``description`` optional)."""

    def __call__(
        self,
        source: Path | Waveform,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Any: ...


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

    def load(self) -> Any:
        """Import the entry point once; a failure is remembered and raised as `PluginError`."""
        if self.error is not None:
            raise PluginError(self.error)
        if self._object is _UNLOADED:
            try:
                self._object = metadata.EntryPoint(self.name, self.value, self.group).load()
            except BaseException as exc:  # noqa: BLE001 - a plugin may raise anything, even SystemExit
                if isinstance(exc, KeyboardInterrupt):
                    raise
                self.fail(f"cannot be loaded ({self.value}): {_one_line(exc)}")
        return self._object

    def fail(self, reason: str) -> None:
        self.error = f"{_kind(self.group)} {self.name!r} from {self.distribution}: {reason}"
        raise PluginError(self.error)


def _kind(group: str) -> str:
    return {PRELABELER_GROUP: "pre-labeler", FORMAT_GROUP: "format"}.get(group, "plugin")


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# --------------------------------------------------------------------------------- discovery
_cache: dict[str, list[Plugin]] = {}
_lock = threading.Lock()


def _scan(group: str) -> list[Plugin]:
    """Every entry point of ``group`` in installed metadata, without importing anything.

    Distributions are read one by one so that one with unreadable metadata is skipped alone;
    a distribution seen twice on ``sys.path`` counts once (the first, as import would pick).
    """
    found: list[Plugin] = []
    seen: set[str] = set()
    for dist in metadata.distributions():
        try:
            name = dist.metadata["Name"] or ""
            key = name.lower().replace("_", "-")
            if not key or key in seen:
                continue
            seen.add(key)
            points = [ep for ep in dist.entry_points if ep.group == group]
            version = dist.version or "?"
        except Exception:  # noqa: BLE001 - malformed metadata of someone else's package
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


# --------------------------------------------------------------------------------- pre-labelers
def _accepted_keywords(factory: Callable[..., Any]) -> set[str] | None:
    """Keyword names ``factory`` accepts; None when it takes ``**kwargs`` (or hides its signature)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    params = signature.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return {p.name for p in params if p.kind in kinds}


def prelabeler_accepts(name: str, option: str) -> bool:
    """Whether pre-labeler ``name``'s factory takes ``option`` (loads the plugin)."""
    accepted = _accepted_keywords(find(PRELABELER_GROUP, name).load())
    return accepted is None or option in accepted


def create_prelabeler(
    name: str, options: Mapping[str, Any] | None = None, *, optional: Mapping[str, Any] | None = None
) -> Any:
    """Load pre-labeler ``name`` and build it with ``options``.

    ``options`` are what the user asked for: one the factory does not take is an error naming
    it. ``optional`` are host defaults (``device="auto"``), passed only where accepted.
    """
    plugin = find(PRELABELER_GROUP, name)
    factory = plugin.load()
    if not callable(factory):
        plugin.fail(f"{plugin.value} is not callable (expected a pre-labeler factory)")
    accepted = _accepted_keywords(factory)
    given = dict(options or {})
    refused = sorted(k for k in given if accepted is not None and k not in accepted)
    if refused:
        takes = ", ".join(sorted(accepted or ())) or "no options"
        raise PluginError(
            f"pre-labeler {name!r} does not take {', '.join(refused)} (it takes: {takes})"
        )
    for key, value in (optional or {}).items():
        if key not in given and (accepted is None or key in accepted):
            given[key] = value
    try:
        prelabeler = factory(**given)
    except PluginError:
        raise
    except Exception as exc:  # noqa: BLE001 - the plugin's own failure, reported in one line
        raise PluginError(f"pre-labeler {name!r}: {_message(exc)}") from exc
    if not callable(prelabeler):
        raise PluginError(f"pre-labeler {name!r}: its factory returned a non-callable")
    return prelabeler


def _message(exc: BaseException) -> str:
    """A package's own errors already read as "<file>: <problem>"; builtins get their type."""
    text = " ".join(str(exc).split())
    if text and (isinstance(exc, OSError) or type(exc).__module__ != "builtins"):
        return text
    return _one_line(exc)


def describe(obj: Any) -> str:
    """One line about a loaded plugin object: its ``description`` or its docstring's first line."""
    text = getattr(obj, "description", None)
    if not isinstance(text, str) or not text.strip():
        text = (inspect.getdoc(obj) or "").strip().splitlines()[0:1]
        text = text[0] if text else ""
    return " ".join(text.split())


# --------------------------------------------------------------------------------- formats
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


def _as_format(plugin: Plugin, obj: Any) -> Any:
    from annotator.formats import Format

    if callable(obj) and not hasattr(obj, "extensions"):
        try:
            obj = obj()
        except Exception as exc:  # noqa: BLE001
            plugin.fail(f"its factory failed: {_one_line(exc)}")
    if isinstance(obj, Format):
        return obj
    extensions = getattr(obj, "extensions", None)
    if isinstance(extensions, str):
        extensions = (extensions,)
    reader, writer = getattr(obj, "reader", None), getattr(obj, "writer", None)
    problems = []
    if not isinstance(getattr(obj, "name", None), str):
        problems.append("no name")
    if not extensions or not all(isinstance(e, str) and e.startswith(".") for e in extensions):
        problems.append("extensions must be like ('.eaf',)")
    if reader is None and writer is None or not all(f is None or callable(f) for f in (reader, writer)):
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


def load_format(name: str) -> Any:
    """The format registered as ``name`` (an :class:`annotator.formats.Format`)."""
    plugin = find(FORMAT_GROUP, name.lower())
    return _as_format(plugin, plugin.load())


def available_formats() -> dict[str, Any]:
    """Every format that loads, by entry-point name; broken ones are skipped (see `discover`)."""
    formats: dict[str, Any] = {}
    for plugin in discover(FORMAT_GROUP):
        if not plugin.usable:
            continue
        try:
            formats[plugin.name] = _as_format(plugin, plugin.load())
        except PluginError:
            continue
    return formats


# --------------------------------------------------------------------------------- results
def _segment(lane: str, item: Any) -> Segment:
    if isinstance(item, Segment):
        return item
    if isinstance(item, Mapping):
        start, end = item["start"], item["end"]
        label, confidence = item.get("label") or lane, item.get("confidence")
    else:
        values = tuple(item)
        if not 2 <= len(values) <= 4:
            raise PluginError(f"lane {lane!r}: a segment must be (start, end[, label[, conf]])")
        start, end = values[0], values[1]
        label = values[2] if len(values) > 2 and values[2] else lane
        confidence = values[3] if len(values) > 3 else None
    return Segment(float(start), float(end), str(label), confidence, Source.MODEL)


def _clip(segment: Segment, duration: float | None) -> Segment | None:
    if duration is None or segment.end <= duration:
        return segment
    if segment.end > duration + END_TOLERANCE:
        raise PluginError(
            f"segment {segment.start:g}-{segment.end:g} s ends past the recording ({duration:g} s)"
        )
    return segment.with_(end=duration) if segment.start < duration else None


def lanes_to_annotation(
    lanes: Mapping[str, Iterable[Any]], recording: RecordingInfo | None = None
) -> Annotation:
    """Plain lanes → `Annotation`; class lanes first in their usual order, segments as model's."""
    duration = recording.duration if recording else None
    order = [n for n in CLASS_LANES if n in lanes] + [n for n in lanes if n not in CLASS_LANES]
    built = []
    for name in order:
        try:
            kept = (_clip(_segment(name, item), duration) for item in lanes[name])
            built.append(Lane(str(name), [s for s in kept if s is not None]))
        except PluginError:
            raise
        except (AnnotationError, KeyError, TypeError, ValueError) as exc:
            raise PluginError(f"lane {name!r}: {_one_line(exc)}") from None
    return Annotation(built, recording=recording)


def to_annotation(
    result: Any, recording: RecordingInfo | None = None, provenance: Provenance | None = None
) -> Annotation:
    """Whatever a pre-labeler returned, as an `Annotation` for ``recording``.

    Recording facts the plugin left out are filled in from ``recording``; ``provenance`` is
    added when the plugin recorded none of its own.
    """
    found = getattr(result, "annotation", result)
    if isinstance(found, Annotation):
        annotation = found
        if recording is not None:
            have = annotation.recording
            annotation.recording = RecordingInfo(
                path=have.path or recording.path,
                duration=have.duration if have.duration is not None else recording.duration,
                sample_rate=have.sample_rate or recording.sample_rate,
                checksum=have.checksum or recording.checksum,
            )
    elif isinstance(found, Mapping):
        annotation = lanes_to_annotation(found, recording)
    else:
        raise PluginError(
            f"returned {type(result).__name__}; expected an Annotation or a mapping of lanes"
        )
    if provenance is not None and not annotation.provenance:
        lanes = provenance.lanes or annotation.lane_names
        annotation.provenance.append(
            Provenance(provenance.tool, tuple(lanes), provenance.model, provenance.parameters,
                       provenance.created)
        )  # fmt: skip
    return annotation
