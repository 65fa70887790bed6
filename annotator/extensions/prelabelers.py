"""Pre-labeler plugins: building one from its factory with the options the user gave."""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, cast, runtime_checkable

from annotator.core.annotation import Annotation
from annotator.extensions.discovery import PRELABELER_GROUP, PluginError, error_line, find

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

ProgressCallback = Callable[[float, str], None]


@dataclass(frozen=True)
class Waveform:
    """Audio already in memory (the GUI has decoded it): mono float samples and their rate."""

    samples: ArrayLike  # read with numpy.asarray
    sample_rate: int
    name: str = ""


class AnnotatedResult(Protocol):
    """A pre-labeler's result that carries more than its annotation (model evidence, say)."""

    @property
    def annotation(self) -> Annotation: ...


#: What a pre-labeler returns: an `Annotation`, a result with an ``annotation``, or plain lanes
#: (``{lane name: [Segment | (start, end[, label[, confidence]]) | {"start": ...}]}``); the host
#: reads it with `annotator.extensions.to_annotation`, which checks it at run time.
PrelabelOutput: TypeAlias = "Annotation | AnnotatedResult | Mapping[str, Iterable[Any]]"


@runtime_checkable
class Prelabeler(Protocol):
    """What a pre-labeler factory returns (attributes ``depends_on``/``description`` optional)."""

    def __call__(
        self,
        source: Path | Waveform,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> PrelabelOutput: ...


def _accepted_keywords(factory: object) -> set[str] | None:
    """Keyword names ``factory`` accepts; None when it takes ``**kwargs`` (or hides its signature)."""
    if not callable(factory):
        return None  # as inspect.signature's TypeError would say; building it will fail
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
    name: str,
    options: Mapping[str, Any] | None = None,
    *,
    optional: Mapping[str, Any] | None = None,
) -> Prelabeler:
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
    except Exception as exc:  # the plugin's own failure, reported in one line
        raise PluginError(f"pre-labeler {name!r}: {error_line(exc)}") from exc
    if not callable(prelabeler):
        raise PluginError(f"pre-labeler {name!r}: its factory returned a non-callable")
    # Callable is all that can be checked before the first call; `to_annotation` checks what
    # the call returns.
    return cast(Prelabeler, prelabeler)


def describe(obj: object) -> str:
    """One line about a loaded plugin object: its ``description`` or its docstring's first line."""
    text = getattr(obj, "description", None)
    if not isinstance(text, str) or not text.strip():
        text = (inspect.getdoc(obj) or "").strip().splitlines()[0:1]
        text = text[0] if text else ""
    return " ".join(text.split())
