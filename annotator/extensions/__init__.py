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

from annotator.extensions.discovery import (
    BUILTINS,
    FORMAT_GROUP,
    GROUPS,
    HOST_DISTRIBUTION,
    PRELABELER_GROUP,
    Plugin,
    PluginError,
    discover,
    error_line,
    find,
    names,
    refresh,
)
from annotator.extensions.formats import available_formats, builtin_formats, load_format
from annotator.extensions.prelabelers import (
    AnnotatedResult,
    Prelabeler,
    PrelabelOutput,
    ProgressCallback,
    Waveform,
    create_prelabeler,
    describe,
    prelabeler_accepts,
)
from annotator.extensions.results import lanes_to_annotation, to_annotation

__all__ = [
    "AnnotatedResult",
    "BUILTINS",
    "FORMAT_GROUP",
    "GROUPS",
    "HOST_DISTRIBUTION",
    "PRELABELER_GROUP",
    "Plugin",
    "PluginError",
    "Prelabeler",
    "PrelabelOutput",
    "ProgressCallback",
    "Waveform",
    "available_formats",
    "builtin_formats",
    "create_prelabeler",
    "describe",
    "discover",
    "error_line",
    "find",
    "lanes_to_annotation",
    "load_format",
    "names",
    "prelabeler_accepts",
    "refresh",
    "to_annotation",
]
