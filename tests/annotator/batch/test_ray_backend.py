"""``annotator label --backend ray``: a missing Ray is one line; with Ray, the same outputs,
error lines, exit code and resume as the local backend, on a small local Ray instance."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from annotator import cli, extensions
from annotator.batch.ray_backend import (
    RayBackendError,
    RaySettings,
    connected,
    on_device,
    plan,
)
from annotator.batch.runner import LabelJob
from tests.tiny_models import tiny_model_file

ROOT = Path(__file__).resolve().parents[3]
if importlib.util.find_spec("nmf_prelabeler") is None:  # editable install made before the bridge
    sys.path.insert(0, str(ROOT / "plugins"))

INSTALL = "pip install 'nmf-annotator[ray]'"


def label(*args: str) -> int:
    """``annotator label ARGS`` as the command runs it (in process, so the Ray test can spy)."""
    namespace = cli._build_parser().parse_args(["label", *args])
    from annotator.commands.label import run_label
    from annotator.commands.outcome import CliError

    try:
        return run_label(namespace)
    except CliError as exc:
        print(f"annotator: {exc}", file=sys.stderr)
        return 1


def write_tone(path: Path, seconds: float, seed: int) -> Path:
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, (0.1 * rng.standard_normal(int(16000 * seconds))).astype(np.float32), 16000)
    return path


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def stamps(folder: Path) -> dict[str, int]:
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


# ------------------------------------------------------------------------ without Ray at all
def test_missing_ray_is_one_line_naming_the_extra(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, installed or not
    recording = write_tone(tmp_path / "a.wav", 0.2, 0)
    code = label(str(recording), "--out", str(tmp_path / "out"), "--backend", "ray")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert err == [f"annotator: --backend ray needs Ray, which is not installed: {INSTALL}"]
    assert not (tmp_path / "out").exists()  # refused before anything was loaded or created


def test_ray_only_options_need_the_ray_backend(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = write_tone(tmp_path / "a.wav", 0.2, 0)
    code = label(str(recording), "--out", str(tmp_path / "out"), "--gpus-per-task", "0.5")
    assert code == 1
    assert "--gpus-per-task: applies to --backend ray only" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("resources", "settings", "expected"),
    [
        ({"CPU": 8}, RaySettings(), (8, 1.0, 0.0, "cpu")),
        ({"CPU": 8}, RaySettings(cpus_per_task=3), (2, 3.0, 0.0, "cpu")),
        ({"CPU": 8}, RaySettings(workers=2), (2, 1.0, 0.0, "cpu")),
        ({"CPU": 16, "GPU": 2}, RaySettings(), (8, 1.0, 0.25, "cuda")),
        ({"CPU": 4, "GPU": 2}, RaySettings(), (4, 1.0, 0.25, "cuda")),
        ({"CPU": 16, "GPU": 2}, RaySettings(device="cuda:1", gpus_per_task=1), (2, 1, 1, "cuda")),
        ({"CPU": 16, "GPU": 2}, RaySettings(device="cpu"), (16, 1.0, 0.0, "cpu")),
    ],
)
def test_plan_fills_the_cluster_gpu_aware(
    resources: dict[str, float], settings: RaySettings, expected: tuple[Any, ...]
) -> None:
    placement = plan(resources, settings, files=100)
    assert (placement.workers, placement.num_cpus, placement.num_gpus, placement.device) == expected
    assert plan(resources, settings, files=1).workers == 1  # never more workers than files


def test_plan_refuses_what_the_cluster_cannot_host() -> None:
    with pytest.raises(RayBackendError, match="has no GPUs"):
        plan({"CPU": 8}, RaySettings(device="cuda"), files=3)
    with pytest.raises(RayBackendError, match="asks for 4 CPU"):
        plan({"CPU": 2}, RaySettings(cpus_per_task=4), files=3)


def test_device_goes_where_it_was_given() -> None:
    asked = LabelJob("nmf", Path("o"), ("textgrid",), options={"device": "cuda:1"})
    default = LabelJob("nmf", Path("o"), ("textgrid",), optional={"device": "auto"})
    assert on_device(asked, "cuda").options == {"device": "cuda"}
    assert on_device(default, "cpu").optional == {"device": "cpu"} and not default.options


class FakeRay:
    """Records how `connected` starts or joins Ray, without Ray."""

    def __init__(self, initialised: bool = False) -> None:
        self.initialised, self.calls, self.shutdowns = initialised, [], 0

    def is_initialized(self) -> bool:
        return self.initialised

    def init(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)

    def shutdown(self) -> None:
        self.shutdowns += 1


def test_connected_starts_a_private_instance_or_joins_a_cluster(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    ray = FakeRay()
    with connected(ray, RaySettings(local_cpus=2)) as where:  # type: ignore[arg-type]
        assert where == "a local Ray instance"
    (call,) = ray.calls
    assert call["address"] == "local" and call["num_cpus"] == 2
    assert call["include_dashboard"] is False and ray.shutdowns == 1

    monkeypatch.setenv("RAY_ADDRESS", "head:6379")
    ray = FakeRay()
    with connected(ray, RaySettings()) as where:  # type: ignore[arg-type]
        assert where == "the Ray cluster at head:6379"
    assert ray.calls[0]["address"] == "head:6379" and ray.shutdowns == 1
    ray = FakeRay()
    with connected(ray, RaySettings(address="auto")):  # type: ignore[arg-type]
        pass
    assert ray.calls[0]["address"] == "auto"  # --ray-address wins over $RAY_ADDRESS

    ray = FakeRay(initialised=True)  # somebody else's Ray: used, not stopped
    with connected(ray, RaySettings()):  # type: ignore[arg-type]
        pass
    assert not ray.calls and ray.shutdowns == 0


def test_an_unreachable_cluster_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    ray = FakeRay()

    def refuse(**kwargs: Any) -> None:
        raise ConnectionError("Could not find any running Ray instance.\nPlease start one")

    ray.init = refuse  # type: ignore[method-assign]
    with (
        pytest.raises(RayBackendError) as caught,
        connected(ray, RaySettings(address="auto")),  # type: ignore[arg-type]
    ):
        pass
    assert str(caught.value) == (
        "--ray-address auto: cannot start or reach Ray (ConnectionError: Could not find any "
        "running Ray instance. Please start one)"
    )


# --------------------------------------------------------------------------- with a real Ray
CRASHER = '''
import os
from pathlib import Path

def make():
    """Kills its worker on files named crash*; labels the rest."""
    def run(source, *, progress=None, cancel=None):
        if Path(source).name.startswith("crash"):
            os._exit(9)
        return {"speech": [(0.0, 0.25, "speech", 0.9)]}
    return run
'''


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny installed-looking plugin distribution, for the driver and the Ray workers."""
    site = tmp_path_factory.mktemp("site")
    (site / "ray_crash_plugin.py").write_text(textwrap.dedent(CRASHER))
    info = site / "ray_crash_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: ray-crash-plugin\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[nmf_annotator.prelabelers]\nraycrasher = ray_crash_plugin:make\n"
    )
    return site


@pytest.fixture(scope="module")
def ray_instance(plugin_site: Path) -> Iterator[Any]:
    """Two CPUs, no dashboard, no usage report; workers see the test plugin through PYTHONPATH
    (they inherit this environment, as workers of a real install see its site-packages)."""
    ray = pytest.importorskip("ray")
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", "RAY_USAGE_STATS_ENABLED")}
    paths = [str(plugin_site), str(ROOT / "plugins"), str(ROOT), os.environ.get("PYTHONPATH")]
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    started = time.perf_counter()
    ray.init(
        num_cpus=2, num_gpus=0, include_dashboard=False, object_store_memory=100 * 1024**2,
        logging_level=logging.ERROR, log_to_driver=False,
    )  # fmt: skip
    print(f"ray.init took {time.perf_counter() - started:.1f} s")
    try:
        yield ray
    finally:
        ray.shutdown()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_model_file(tmp_path_factory.mktemp("model"))


def test_ray_labels_like_the_local_backend_then_resumes_without_work(
    ray_instance: Any, model: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = tmp_path / "corpus"
    for i, name in enumerate(["a", "b", "spk/c", "spk/d"]):
        write_tone(corpus / f"{name}.wav", 0.4 + 0.1 * i, seed=i)
    (corpus / "spk" / "bad.wav").write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot really audio")
    common = ("--model", str(model), "--format", "textgrid,rttm", "--device", "cpu")

    local_out, ray_out = tmp_path / "local", tmp_path / "ray"
    assert label(str(corpus), "--out", str(local_out), *common) == 1
    local_err = capsys.readouterr().err
    started = time.perf_counter()
    code = label(str(corpus), "--out", str(ray_out), *common, "--backend", "ray", "--jobs", "0")
    print(f"ray run took {time.perf_counter() - started:.1f} s")  # shown with -s
    captured = capsys.readouterr()
    assert code == 1, captured.err

    assert files_of(ray_out) == files_of(local_out) and len(files_of(ray_out)) == 8
    errors = [line for line in captured.err.splitlines() if line.startswith("annotator: ")]
    bad = f"annotator: {corpus / 'spk' / 'bad.wav'}: not a readable audio file"
    assert [e for e in errors if "labelling on" not in e] == [
        e for e in local_err.splitlines() if e.startswith("annotator: ")
    ]
    assert len([e for e in errors if e.startswith(bad)]) == 1
    assert "2 worker(s) of 1 CPU each, device cpu" in captured.err
    assert "labelled                    4" in captured.out and "failed files:" in captured.out

    (corpus / "spk" / "bad.wav").unlink()
    before = stamps(ray_out)
    again = label(str(corpus), "--out", str(ray_out), *common, "--backend", "ray", "--resume")
    captured = capsys.readouterr()
    assert again == 0 and stamps(ray_out) == before
    assert "skipped (up to date)        4" in captured.out and "labelling on" not in captured.err


def test_a_worker_that_dies_fails_only_its_file(
    ray_instance: Any,
    plugin_site: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.syspath_prepend(str(plugin_site))
    extensions.refresh()
    corpus = tmp_path / "corpus"
    for i, name in enumerate(["a", "crash", "b", "c"]):
        write_tone(corpus / f"{name}.wav", 0.3, seed=i)
    out = tmp_path / "out"
    try:
        code = label(str(corpus), "--out", str(out), "--prelabeler", "raycrasher", "--format",
                     "json", "--backend", "ray", "--jobs", "2")  # fmt: skip
    finally:
        extensions.refresh()
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert sorted(p.stem for p in out.glob("*.json")) == ["a", "b", "c"]
    assert f"{corpus / 'crash.wav'}: its worker process died" in captured.err
    assert not list(out.glob(".*"))  # no temporary file left behind
