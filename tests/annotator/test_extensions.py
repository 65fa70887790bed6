"""The extension API: discovery from real (temporary) distribution metadata, safe loading,
option passing, and turning whatever a plugin returns into an `Annotation`."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from annotator import extensions
from annotator.cli import main
from annotator.core import Annotation, Lane, Provenance, RecordingInfo, Segment, Source
from annotator.extensions import (
    FORMAT_GROUP,
    PRELABELER_GROUP,
    PluginError,
    create_prelabeler,
    discover,
    find,
    load_format,
    to_annotation,
)
from annotator.formats import FORMATS

GOOD = '''
def make(threshold=0.5, device="cpu"):
    """Says everything is speech."""
    def run(source, *, progress=None, cancel=None):
        return {"speech": [(0.0, 1.0)]}
    run.options = {"threshold": threshold, "device": device}
    return run
'''
BROKEN = "raise ImportError('needs libfoo, which is not installed')\n"
EXITS = "import sys\nsys.exit(3)\n"
FORMAT = """
from annotator.core import Annotation

def _read(path, **options):
    return Annotation()

def _write(annotation, path, **options):
    open(path, "w").write("x")

class Vtt:
    name = "vtt"
    extensions = (".vtt",)
    reader = staticmethod(_read)
    writer = staticmethod(_write)
    description = "WebVTT (test)"

VTT = Vtt()
NOT_A_FORMAT = object()
"""


def fake_distribution(
    root: Path, name: str, points: dict[str, dict[str, str]], modules: dict[str, str]
) -> Path:
    """An installed-looking distribution: modules plus a dist-info folder with entry points."""
    root.mkdir(parents=True, exist_ok=True)
    for module, code in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(code))
    info = root / f"{name.replace('-', '_')}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    groups = [
        f"[{g}]\n" + "".join(f"{k} = {v}\n" for k, v in eps.items()) for g, eps in points.items()
    ]
    (info / "entry_points.txt").write_text("\n".join(groups))
    return root


@pytest.fixture(autouse=True)
def fresh_discovery():
    extensions.refresh()
    yield
    extensions.refresh()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = fake_distribution(
        tmp_path / "site",
        "third-party-labels",
        {
            PRELABELER_GROUP: {
                "good": "tp_good:make",
                "broken": "tp_broken:make",
                "exits": "tp_exits:make",
                "nmf": "tp_good:make",  # tries to take the built-in's name
                "notcallable": "tp_format:NOT_A_FORMAT",
            },
            FORMAT_GROUP: {"vtt": "tp_format:VTT", "bad": "tp_format:NOT_A_FORMAT"},
        },
        {"tp_good": GOOD, "tp_broken": BROKEN, "tp_exits": EXITS, "tp_format": FORMAT},
    )
    monkeypatch.syspath_prepend(str(root))
    extensions.refresh()
    return root


def test_builtins_are_found_through_the_same_groups() -> None:
    prelabelers = {p.name: p for p in discover(PRELABELER_GROUP)}
    assert prelabelers["nmf"].builtin and prelabelers["nmf"].distribution == "nmf-annotator"
    formats = {p.name for p in discover(FORMAT_GROUP) if p.builtin}
    assert {"textgrid", "rttm", "audacity", "json", "eaf", "csv"} <= formats
    for name in ("textgrid", "rttm", "audacity", "json", "eaf", "csv"):
        assert load_format(name) is FORMATS[name]


def test_discovery_imports_nothing(installed: Path) -> None:
    import sys

    names = {p.name for p in discover(PRELABELER_GROUP)}
    assert {"good", "broken", "exits"} <= names
    assert not {"tp_good", "tp_broken", "tp_exits"} & set(sys.modules)


def test_a_broken_plugin_is_reported_and_skipped(installed: Path) -> None:
    for name, expected in (("broken", "needs libfoo"), ("exits", "SystemExit")):
        with pytest.raises(PluginError, match=expected) as caught:
            create_prelabeler(name)
        assert "third-party-labels" in str(caught.value) and "\n" not in str(caught.value)
        assert name not in extensions.names(PRELABELER_GROUP)
    # the working plugin of the same distribution is unaffected
    assert create_prelabeler("good")(Path("x.wav")) == {"speech": [(0.0, 1.0)]}


def test_the_host_keeps_its_names(installed: Path) -> None:
    plugins = [p for p in discover(PRELABELER_GROUP) if p.name == "nmf"]
    assert [p.distribution for p in plugins] == ["nmf-annotator", "third-party-labels"]
    assert find(PRELABELER_GROUP, "nmf").builtin
    assert "taken by nmf-annotator" in plugins[1].error


def test_options_are_checked_against_the_factory(installed: Path) -> None:
    run = create_prelabeler("good", {"threshold": 0.7}, optional={"device": "cuda", "jobs": 3})
    assert run.options == {"threshold": 0.7, "device": "cuda"}  # jobs: not taken, dropped
    with pytest.raises(PluginError, match="does not take model"):
        create_prelabeler("good", {"model": "m.safetensors"})
    with pytest.raises(PluginError, match="is not callable"):
        create_prelabeler("notcallable")
    with pytest.raises(PluginError, match="no pre-labeler named 'nope'.*good"):
        create_prelabeler("nope")


def test_format_plugins(installed: Path, tmp_path: Path) -> None:
    vtt = load_format("vtt")
    assert vtt.extensions == (".vtt",) and vtt.description == "WebVTT (test)"
    vtt.writer(Annotation(), tmp_path / "a.vtt")
    assert (tmp_path / "a.vtt").read_text() == "x"
    with pytest.raises(PluginError, match="not a format"):
        load_format("bad")
    assert "vtt" in extensions.available_formats() and "bad" not in extensions.available_formats()


def test_plugins_list_shows_errors_without_crashing(
    installed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["plugins", "list"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")}
    assert "Says everything is speech." in lines["good"]
    assert "ERROR" in lines["broken"] and "needs libfoo" in lines["broken"]
    assert "ERROR" in lines["bad"] and "ERROR" not in lines["vtt"]
    assert "(built-in)" in lines["textgrid"]


# ------------------------------------------------------------------------------ results
def test_plain_lanes_become_model_segments() -> None:
    recording = RecordingInfo(path="a.wav", duration=3.0)
    annotation = to_annotation(
        {
            "laughter": [{"start": 0.5, "end": 0.9}],
            "speech": [(0.0, 1.0), (1.5, 3.02, "talk", 0.8)],
            "noise": [Segment(0.2, 0.4, "hum", 0.3, Source.MODEL)],
        },
        recording,
        Provenance("test"),
    )
    assert annotation.lane_names == ("speech", "noise", "laughter")  # class lanes first
    speech = annotation.lane("speech").segments
    assert [(s.start, s.end, s.label) for s in speech] == [(0.0, 1.0, "speech"), (1.5, 3.0, "talk")]
    assert speech[1].confidence == 0.8 and all(s.source is Source.MODEL for s in speech)
    assert annotation.lane("laughter")[0].label == "laughter"
    assert annotation.lane("noise")[0] == Segment(0.2, 0.4, "hum", 0.3, Source.MODEL)
    assert annotation.provenance[0].tool == "test"
    assert annotation.provenance[0].lanes == ("speech", "noise", "laughter")


def test_bad_results_are_plugin_errors() -> None:
    recording = RecordingInfo(duration=2.0)
    with pytest.raises(PluginError, match="ends past the recording"):
        to_annotation({"speech": [(0.0, 2.5)]}, recording)
    with pytest.raises(PluginError, match="lane 'speech'"):
        to_annotation({"speech": [(0.0, 1.0), (0.5, 1.5)]}, recording)  # overlapping
    with pytest.raises(PluginError, match="expected an Annotation"):
        to_annotation([1, 2, 3], recording)


def test_an_annotation_keeps_its_own_facts_and_provenance() -> None:
    own = Annotation([Lane("speech", [Segment(0, 1, "speech")])], RecordingInfo(duration=1.5))
    own.provenance.append(Provenance("plugin itself"))

    class Result:
        annotation = own
        evidence = "arrays"

    out = to_annotation(Result(), RecordingInfo(path="a.wav", duration=9.0, sample_rate=8000),
                        Provenance("host"))  # fmt: skip
    assert out is own
    assert out.recording == RecordingInfo(path="a.wav", duration=1.5, sample_rate=8000)
    assert [p.tool for p in out.provenance] == ["plugin itself"]
