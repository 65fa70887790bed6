"""The ELAN local recognizer, started exactly as ELAN starts it.

ELAN is not packaged here, so the test plays ELAN's part as its ``LocalRecognizer`` and
``XmlTierIO`` do it: read the run command of this OS from the CMDI, split it on whitespace,
start it in the recognizer's folder with stderr merged into stdout, write the parameters as
``<PARAM>`` XML (an ``InvocationContext`` first, values XML-escaped, numbers as Java prints
floats) to its stdin and close it, follow ``PROGRESS:`` lines up to ``RESULT: DONE.``, then
read the multi-tier XML it wrote (times with a decimal point are seconds, without one ms).
"""

from __future__ import annotations

import io
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
import soundfile as sf

from annotator.cli import main
from annotator.core import Annotation, Lane, Segment
from annotator.formats import read_textgrid
from annotator.integrations import elan
from tests.plugins.conftest import tone_with_pauses

CMD = "{http://www.clarin.eu/cmd/}"
RUN_ATTRIBUTE = {"win32": "runWin", "darwin": "runMac"}.get(sys.platform, "runLinux")


@pytest.fixture(scope="module")
def recognizer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Installed the user's way into a stand-in ELAN installation folder."""
    elan_home = tmp_path_factory.mktemp("elan") / "ELAN_6-7"
    (elan_home / "app" / "extensions").mkdir(parents=True)
    assert main(["plugins", "install", "elan", "--elan-dir", str(elan_home)]) == 0
    return elan_home / "app" / "extensions" / "nmf-annotator-recognizer"


def descriptor(folder: Path) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.parse(next(folder.glob("*.cmdi"))).getroot()
    block = root.find(f"{CMD}Components/{CMD}RECOGNIZER")
    assert block is not None
    return block.find(f"{CMD}recognizer"), [
        el
        for el in block
        if el.tag.removeprefix(CMD) in ("input", "output", "numparam", "textparam")
    ]


def elan_defaults(folder: Path) -> dict[str, str]:
    """What ELAN sends when the user changes nothing: defaults, empty files."""
    _, params = descriptor(folder)
    values = {}
    for el in params:
        kind = el.tag.removeprefix(CMD)
        if kind == "numparam":
            values[el.text.strip()] = str(float(el.get("default")))
        elif kind == "textparam":
            values[el.text.strip()] = el.get("default", "")
        else:
            values[el.text.strip()] = ""
    return values


def run_like_elan(folder: Path, params: dict[str, str]) -> list[str]:
    recognizer_el, _ = descriptor(folder)
    command = recognizer_el.get(RUN_ATTRIBUTE).split()
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<PARAM xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xsi:noNamespaceSchemaLocation="file:avatech-call.xsd">',
             f"<param name=\"InvocationContext\">{recognizer_el.text.strip()} "
             "2024-05-01 10:00:00+0200</param>"]  # fmt: skip
    lines += [f'<param name="{name}">{escape(value)}</param>' for name, value in params.items()]
    lines.append("</PARAM>")
    done = subprocess.run(
        command, cwd=folder, input="\n".join(lines) + "\n", stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, timeout=120,
    )  # fmt: skip
    return done.stdout.splitlines()


def read_tiers(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """ELAN's XmlTierIO reading: tier names from ``columns``, one ``v`` per span."""

    def seconds(token: str) -> float:
        return float(token) if "." in token else int(token) / 1000

    tiers: dict[str, list] = {}
    for tier in ET.parse(path).getroot().iter("TIER"):
        (name,) = tier.get("columns").split()
        tiers[name] = [
            (seconds(span.get("start")), seconds(span.get("end")), span.find("v").text)
            for span in tier.iter("span")
        ]
    return tiers


def progress_of(lines: list[str]) -> list[float]:
    return [float(line.split()[1]) for line in lines if line.startswith("PROGRESS:")]


def cli_tiers(wav: Path, model: Path, out: Path, *extra: str) -> dict[str, list]:
    assert (
        main(["label", str(wav), "--out", str(out), "--model", str(model), "--quiet", *extra]) == 0
    )
    grid = read_textgrid(out / f"{wav.stem}.TextGrid")
    return {lane.name: [(s.start, s.end, s.label) for s in lane] for lane in grid.lanes}


def assert_same(got: list, want: list) -> None:
    assert len(got) == len(want), (got, want)
    for (s1, e1, l1), (s2, e2, l2) in zip(got, want, strict=True):
        assert l1 == l2 and abs(s1 - s2) <= 0.0006 and abs(e1 - e2) <= 0.0006


def test_descriptor_matches_what_the_module_reads(recognizer: Path) -> None:
    rec, params = descriptor(recognizer)
    assert rec.get("recognizerType") == "local"
    for attribute in ("runLinux", "runMac", "runWin"):
        assert rec.get(attribute), f"no {attribute} command"
    names = {el.text.strip(): el for el in params}
    assert names["source"].get("type") == "audio" and names["source"].get("optional") == "false"
    assert names["tiers"].tag == f"{CMD}output" and names["tiers"].get("type") == "multitier"
    assert set(elan.ONSET_PARAMS.values()) | {
        "source",
        "model",
        "classes",
        "device",
        "tiers",
    } == set(names)
    doc = ET.parse(next(recognizer.glob("*.cmdi"))).getroot().find(f".//{CMD}documentation")
    assert (recognizer / doc.text.strip()).is_file()
    assert (recognizer / "run.bat").read_bytes().count(b"\r\n") >= 5, "run.bat needs CRLF lines"


def test_recognizer_gives_the_cli_labels(recognizer: Path, tiny_model: Path, tmp_path: Path):
    folder = tmp_path / "Fieldwork & co <2024>"  # ELAN escapes these; we must unescape them
    folder.mkdir()
    wav = folder / "rec one.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = folder / "rec one_tiers.xml"
    params = {**elan_defaults(recognizer), "source": str(wav), "model": str(tiny_model),
              "tiers": str(out)}  # fmt: skip
    lines = run_like_elan(recognizer, params)
    assert lines[-1] == "RESULT: DONE.", lines
    steps = progress_of(lines)
    assert steps and steps == sorted(steps) and steps[0] >= 0 and steps[-1] <= 1
    got = read_tiers(out)
    want = cli_tiers(wav, tiny_model, tmp_path / "cli")
    assert list(got) == list(want) == ["speech", "music", "noise", "overlap"]
    for name in want:
        assert_same(got[name], want[name])
    assert any(got.values())


def test_onsets_and_classes_are_honoured(recognizer: Path, tiny_model: Path, tmp_path: Path):
    wav = tmp_path / "rec.wav"
    sf.write(wav, tone_with_pauses(), 16000)
    out = tmp_path / "tiers.xml"
    params = {**elan_defaults(recognizer), "source": str(wav), "model": str(tiny_model),
              "tiers": str(out), "speech_onset": "0.3", "classes": "overlap speech"}  # fmt: skip
    lines = run_like_elan(recognizer, params)
    assert lines[-1] == "RESULT: DONE.", lines
    got = read_tiers(out)
    want = cli_tiers(wav, tiny_model, tmp_path / "cli", "--threshold", "speech=0.3")
    assert list(got) == ["overlap", "speech"]
    assert_same(got["speech"], want["speech"])
    assert got["speech"] != cli_tiers(wav, tiny_model, tmp_path / "cli0")["speech"], (
        "onset 0.3 should label differently from the model's 0.5 on this recording"
    )


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"model": "/nowhere/model.safetensors"}, "/nowhere/model.safetensors: no such model file"),
        ({"source": "/nowhere/rec.wav"}, "/nowhere/rec.wav: the recording is missing"),
        ({"classes": "speech laughter"}, "classes laughter are not produced by this model"),
        ({"speech_onset": "1.5"}, "speech_onset: 1.5 is not between 0 and 1"),
    ],
)
def test_failures_end_in_one_error_line_and_failed(
    recognizer: Path, tiny_model: Path, tmp_path: Path, change: dict, expected: str
) -> None:
    wav = tmp_path / "rec.wav"
    sf.write(wav, tone_with_pauses(seconds=1.0), 16000)
    params = {**elan_defaults(recognizer), "source": str(wav), "model": str(tiny_model),
              "tiers": str(tmp_path / "t.xml"), **change}  # fmt: skip
    lines = run_like_elan(recognizer, params)
    assert lines[-1] == "RESULT: FAILED.", lines
    assert lines[-2].startswith("ERROR: ") and expected in lines[-2], lines
    assert not (tmp_path / "t.xml").exists()


def test_tiers_xml_is_what_elan_reads(tmp_path: Path) -> None:
    annotation = Annotation([Lane("speech", [Segment(0.0, 1.0, "a<b"), Segment(2.0, 3.25, "x")]),
                             Lane("my lane", [])])  # fmt: skip
    path = tmp_path / "t.xml"
    path.write_text(elan.tiers_xml(annotation, ["speech", "my lane"]), encoding="utf-8")
    text = path.read_text(encoding="utf-8")
    assert 'start="0.000"' in text  # a time without "." would be read as milliseconds
    assert read_tiers(path) == {"speech": [(0.0, 1.0, "a<b"), (2.0, 3.25, "x")], "my_lane": []}


def test_parameters_are_unescaped_and_stdin_charset_tolerated() -> None:
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<PARAM>\n'
           '<param name="source">/a &amp; b/caf\u00e9.wav</param>\n<param name="model"></param>\n'
           "</PARAM>\n")  # fmt: skip
    assert elan.read_parameters(xml) == {"source": "/a & b/caf\u00e9.wav", "model": ""}
    stream = io.TextIOWrapper(io.BytesIO(xml.encode("cp1252")), encoding="utf-8")
    assert elan.read_parameters(elan._read_all(stream))["source"].startswith("/a & b/caf")
    with pytest.raises(elan.RecognizerError, match="cannot read the parameters"):
        elan.read_parameters("<PARAM><param")


def test_threshold_requests_keep_the_model_offset_below_the_onset() -> None:
    from annotator.integrations.thresholds import (
        ThresholdError,
        parse_threshold,
        resolve_thresholds,
    )

    stored = {"sp": {"onset": 0.5, "offset": 0.4}, "mu": {"onset": 0.5, "offset": 0.5}}
    requests = [
        parse_threshold("speech=0.6"),
        parse_threshold("mu=0.3"),
        parse_threshold("sp=0.7:0.2"),
    ]
    assert requests == [("sp", 0.6, None), ("mu", 0.3, None), ("sp", 0.7, 0.2)]
    assert resolve_thresholds(requests[:2], stored) == {
        "sp": {"onset": 0.6, "offset": 0.4},
        "mu": {"onset": 0.3, "offset": 0.3},
    }
    assert resolve_thresholds(requests[2:], stored) == {"sp": {"onset": 0.7, "offset": 0.2}}
    for bad in ("speech", "speech=x", "speech=1.2", "speech=0.3:0.5", "=0.5"):
        with pytest.raises(ThresholdError):
            parse_threshold(bad)
    with pytest.raises(ThresholdError, match="unknown class 'laughter'.*speech \\(sp\\)"):
        resolve_thresholds([("laughter", 0.5, None)], stored)


def test_label_threshold_errors_are_one_line(tiny_model: Path, tmp_path: Path, capsys) -> None:
    wav = tmp_path / "rec.wav"
    sf.write(wav, tone_with_pauses(seconds=1.0), 16000)
    args = ["label", str(wav), "--out", str(tmp_path / "o"), "--model", str(tiny_model)]
    assert main([*args, "--threshold", "laughter=0.5"]) == 1
    assert "--threshold: threshold for unknown class 'laughter'" in capsys.readouterr().err
    assert main([*args, "--threshold", "speech=0.2:0.9"]) == 1
    assert "the offset must not exceed the onset" in capsys.readouterr().err
