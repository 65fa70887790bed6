"""The annotation domain, free of Qt and torch: segments, lanes, annotations, edits, projects."""

from annotator.core.annotation import (
    CLASS_LANES,
    Annotation,
    Provenance,
    RecordingInfo,
    file_checksum,
)
from annotator.core.atomic import SaveError
from annotator.core.autosave import (
    Autosaver,
    AutosaveThread,
    Recoverable,
    discard_recovery,
    find_recoverable,
    load_recovery,
)
from annotator.core.change import Change
from annotator.core.edits import (
    AddSegment,
    ChangeLane,
    Edit,
    MergeSegments,
    MoveBoundary,
    RelabelSegment,
    RelabelSegments,
    RemoveSegment,
    SegmentEdit,
    SplitSegment,
)
from annotator.core.errors import AnnotationError, AnnotatorError, InvalidEdit
from annotator.core.history import History, HistoryEvent
from annotator.core.lane import Lane
from annotator.core.lane_edits import AddLane, EditGroup, RemoveLane, RenameLane
from annotator.core.project import Project, ProjectError, RecordingEntry
from annotator.core.segment import Segment, Source
from annotator.core.sidecar import (
    NewerVersionError,
    RecordingStatus,
    SidecarError,
    SidecarState,
    load_sidecar,
    save_sidecar,
)

__all__ = [
    "CLASS_LANES",
    "Annotation",
    "AnnotationError",
    "AnnotatorError",
    "InvalidEdit",
    "Lane",
    "Provenance",
    "RecordingInfo",
    "Segment",
    "Source",
    "file_checksum",
    "AddLane",
    "AddSegment",
    "Change",
    "ChangeLane",
    "Edit",
    "EditGroup",
    "History",
    "HistoryEvent",
    "MergeSegments",
    "MoveBoundary",
    "RelabelSegment",
    "RelabelSegments",
    "RemoveLane",
    "RemoveSegment",
    "RenameLane",
    "SegmentEdit",
    "SplitSegment",
    "AutosaveThread",
    "Autosaver",
    "NewerVersionError",
    "Project",
    "ProjectError",
    "RecordingEntry",
    "RecordingStatus",
    "Recoverable",
    "SaveError",
    "SidecarError",
    "SidecarState",
    "discard_recovery",
    "find_recoverable",
    "load_recovery",
    "load_sidecar",
    "save_sidecar",
]
