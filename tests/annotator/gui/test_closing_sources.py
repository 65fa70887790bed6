"""A recording's file handle and mapped evidence are released when it is left or the window
closes, not whenever the garbage collector gets to them; a read of the recording left behind
fails with one line naming the file. (The sources themselves:
tests/annotator/audio/test_closing_sources.py.)"""

from __future__ import annotations

import numpy as np
import pytest

from annotator.audio.source import FileSamples, SourceClosed
from annotator.evidence.cache import Evidence, save_evidence
from tests.annotator.audio.test_closing_sources import (  # noqa: F401 (fixture)
    SR,
    long_files,
    needs_proc,
    open_fds,
)


@needs_proc
def test_switching_recordings_closes_the_previous_ones_handle(make_window, long_files):  # noqa: F811
    first, second = long_files
    w = make_window()
    assert w.open_path(first)
    old = w.document
    assert isinstance(old.audio.samples, FileSamples)
    assert open_fds(str(first)) == 1
    assert w.open_path(second)
    assert open_fds(str(first)) == 0  # at once, not at some garbage collection
    assert open_fds(str(second)) == 1
    with pytest.raises(SourceClosed, match=r"first\.wav"):
        old.audio.samples[0:100]
    w.grab()  # the views draw the new recording, nothing reads the old one
    assert w.document.audio.samples[0:10].shape == (10,)
    w.close()
    assert open_fds(str(second)) == 0


@needs_proc
def test_leaving_a_recording_releases_its_cached_evidence(make_window, long_files):  # noqa: F811
    first, second = long_files
    w = make_window()
    assert w.open_path(first)
    doc = w.document
    t = int(doc.audio.duration / 0.02)
    rng = np.random.default_rng(3)
    ev = Evidence("m", ("sp", "mu", "no", "ov"), ("speech", "music", "noise", "overlap"),
                  rng.uniform(0, 1, (4, t)).astype(np.float32),
                  H=rng.gamma(0.3, 1.0, (8, t)).astype(np.float32), theta=np.ones((4, 8)),
                  W=np.ones((257, 8)), bias=np.zeros(4), sample_rate=SR)  # fmt: skip
    save_evidence(doc.project.sidecar_path(doc.entry), first, ev)
    assert w.open_path(second) and w.open_path(first)  # reopened: evidence from the cache
    assert w.document.evidence is not None and w.timeline.heatmap.data_shape
    w.grab()
    assert open_fds(".evidence.npz") >= 1
    w.explain.show_panel("inspector")  # the inspector reads H: a mapping of its own
    assert w.explain.inspector.H is not None
    w.explain.docks["inspector"].hide()  # hidden panels must not keep it either
    assert w.open_path(second)
    assert open_fds(".evidence.npz") == 0
    assert open_fds(str(first)) == 0
    assert w.open_path(first) and open_fds(".evidence.npz") >= 1
    w.close()  # closing the window lets go of the shown recording's evidence as well
    assert open_fds(".evidence.npz") == 0 and open_fds(str(first)) == 0
