"""Speed and memory of segmenter inference, end to end, on generated audio.

Run: ``python benchmarks/segmenter_speed.py`` (about 3–4 minutes on 2 CPU cores).

Prints:

1. Spectrogram model (the default: channel norm, K = 256, random weights — speed does not
   depend on the values), a generated 10-minute 16 kHz WAV, decode → posteriors → segments
   (``segment_file``): seconds of audio per second of compute. One short warm-up call first,
   so one-time costs (thread pool, oneDNN kernels) are reported apart.
2. WavLM-Base-sized front end (``transformers.WavLMConfig()`` defaults: 12 layers, hidden 768,
   random init, nothing downloaded) on a shorter file, through the reference path (4 s windows,
   0.4 s step, overlap-add), against the raw WavLM forward on exactly the same windows (same
   batch size, all hidden states): the ratio is our pipeline's overhead. The raw forward over
   non-overlapping 4 s windows is shown too: the 10× overlap of the reference windowing is a
   property of that method, not overhead.
3. Peak resident memory (``VmHWM`` of a fresh child process, i.e. Python + torch + model
   + the run; not ``ru_maxrss``, which on Linux keeps the forking parent's peak across exec) analysing a generated 2-hour file with the spectrogram model, for the activation
   modes ``none`` (segments only), ``mmap`` and ``memory`` (H of 256 × 360 000 float32 =
   369 MB held in RAM). The child's RSS after imports and model construction is printed as the
   baseline the run adds to.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

RATE = 16000


def write_audio(path: Path, seconds: float, seed: int = 0) -> Path:
    """Speech-like bursts, a tone bed and noise, written block by block (bounded memory)."""
    rng = np.random.default_rng(seed)
    block = 60 * RATE
    with sf.SoundFile(path, "w", samplerate=RATE, channels=1, subtype="PCM_16") as out:
        done = 0
        total = int(seconds * RATE)
        while done < total:
            n = min(block, total - done)
            t = (done + np.arange(n)) / RATE
            voice = np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 0.3 * t) > 0)
            x = 0.2 * voice + 0.05 * np.sin(2 * np.pi * 440 * t) + 0.02 * rng.standard_normal(n)
            out.write(x.astype(np.float32))
            done += n
    return path


SHIPPED = Path(__file__).resolve().parents[1] / "resources" / "models" / "default.safetensors"


def spectrogram_speed(folder: Path, minutes: float) -> None:
    """Both the SPEC-default architecture (random weights) and the shipped model file, whose
    Ψ is deeper (see its model card): the number users get is the second one."""
    from segmenter.checkpoint import load_model
    from segmenter.inference import predict_file, segment_file
    from segmenter.model import NMFSegmenter

    path = write_audio(folder / "ten.wav", minutes * 60)
    warm = write_audio(folder / "warm.wav", 5.0)
    models = {"SPEC-default architecture": NMFSegmenter().eval()}
    if SHIPPED.is_file():
        models["shipped default model"] = load_model(SHIPPED)[0]
    for name, model in models.items():
        t0 = time.perf_counter()
        segment_file(model, None, warm, device="cpu")
        cold = time.perf_counter() - t0
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            segments = segment_file(model, None, path, device="cpu")
            times.append(time.perf_counter() - t0)
        best, median = min(times), float(np.median(times))
        print(f"[1] {name} (receptive field {model.receptive_field} frames), {minutes:g} min "
              "file, decode -> segments (activations none)")  # fmt: skip
        print(f"    warm-up call on 5 s: {cold:.2f} s (one-time)")
        print(
            f"    {minutes * 60 / median:,.0f}x real time (median of 3: {median:.3f} s; "
            f"best {minutes * 60 / best:,.0f}x); {sum(map(len, segments.values()))} segments"
        )
        t0 = time.perf_counter()
        predict_file(model, path, device="cpu", activations="memory")
        took = time.perf_counter() - t0
        print(f"    with H kept in memory: {minutes * 60 / took:,.0f}x real time")


def wavlm_speed(folder: Path, seconds: float, step: float, batch: int) -> None:
    from transformers import WavLMConfig, WavLMModel

    from segmenter.features import num_frames
    from segmenter.features.wavlm import WavLMFrontEnd
    from segmenter.inference import segment_file
    from segmenter.model import ModelConfig, NMFSegmenter

    torch.manual_seed(0)
    wavlm = WavLMModel(WavLMConfig()).eval()
    cfg = ModelConfig(front_end="wavlm")
    model = NMFSegmenter(cfg, front_end=WavLMFrontEnd(cfg.spectrogram, model=wavlm)).eval()
    path = write_audio(folder / "wavlm.wav", seconds, seed=1)
    audio = torch.from_numpy(sf.read(path, dtype="float32")[0])
    with torch.inference_mode():
        wavlm(audio[None, :RATE], output_hidden_states=True)  # warm-up
    t0 = time.perf_counter()
    segment_file(model, None, path, device="cpu", step_seconds=step, batch_size=batch)
    pipeline = time.perf_counter() - t0
    # The same windows the pipeline runs: starts every `step`, plus the tail window.
    win, hop = 4 * RATE, 320
    total, wf, sf_ = num_frames(audio.numel()), num_frames(win), int(round(step * 50))
    starts = list(range(0, total - wf + 1, sf_))
    if starts[-1] + wf < total:
        starts.append(total - wf)
    windows = [audio[f * hop : f * hop + win] for f in starts]
    t0 = time.perf_counter()
    with torch.inference_mode():
        for i in range(0, len(windows) - 1, batch):
            group = [w for w in windows[i : i + batch] if w.numel() == win]
            if group:
                wavlm(torch.stack(group), output_hidden_states=True)
        wavlm(windows[-1][None], output_hidden_states=True)
    raw = time.perf_counter() - t0
    t0 = time.perf_counter()
    with torch.inference_mode():
        tiles = audio[: audio.numel() // win * win].reshape(-1, win)
        for i in range(0, tiles.shape[0], batch):
            wavlm(tiles[i : i + batch], output_hidden_states=True)
    plain = time.perf_counter() - t0
    print(
        f"[2] WavLM-Base-sized random model, {seconds:g} s file, {len(windows)} windows of 4 s "
        f"every {step} s, batch {batch}"
    )
    print(
        f"    pipeline (decode -> segments): {pipeline:.1f} s = {seconds / pipeline:.2f}x real time"
    )
    print(f"    raw WavLM forward, same windows: {raw:.1f} s = {seconds / raw:.2f}x real time")
    print(f"    pipeline speed / raw forward speed: {raw / pipeline:.3f} (target >= 0.9)")
    print(f"    raw WavLM forward, non-overlapping 4 s tiles: {seconds / plain:.1f}x real time")


_CHILD = """
import resource, sys, time
from segmenter.inference import predict_file
from segmenter.model import NMFSegmenter
import torch

def peak_kb():
    # VmHWM is this process's own high-water mark; ru_maxrss on Linux also carries the peak of
    # the process that forked us across exec, which would report the parent's memory.
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

model = NMFSegmenter().eval()
base = peak_kb()
t0 = time.perf_counter()
pred = predict_file(model, sys.argv[1], device="cpu", activations=sys.argv[2], mmap_dir=sys.argv[3])
segments = pred.segments()
took = time.perf_counter() - t0
if pred.H is not None:
    float(pred.H[:, -1].sum())  # touch the activations
peak = peak_kb()
print(base, peak, took, pred.num_frames)
"""


def memory_peak(folder: Path, hours: float) -> None:
    path = write_audio(folder / "long.wav", hours * 3600, seed=2)
    print(
        f"[3] peak RSS, spectrogram model, {hours:g} h file ({path.stat().st_size / 1e6:.0f} MB "
        "PCM_16 on disk), fresh process each"
    )
    for mode in ("none", "mmap", "memory"):
        spill = folder / f"spill-{mode}"
        out = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path), mode, str(spill)],
            check=True, capture_output=True, text=True,
        ).stdout.split()  # fmt: skip
        base, peak, took, frames = int(out[0]), int(out[1]), float(out[2]), int(out[3])
        print(
            f"    activations={mode:6s}: peak {peak / 1024:,.0f} MB (after imports + model "
            f"{base / 1024:,.0f} MB); {hours * 3600 / took:,.0f}x real time; {frames} frames"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--wavlm-seconds", type=float, default=60.0)
    parser.add_argument("--wavlm-step", type=float, default=0.4)
    parser.add_argument("--wavlm-batch", type=int, default=16)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--skip-wavlm", action="store_true")
    parser.add_argument("--only", choices=("speed", "memory", "wavlm"), help="one section")
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if args.only in (None, "speed"):
            spectrogram_speed(folder, args.minutes)
        if args.only in (None, "memory"):
            memory_peak(folder, args.hours)
        if args.only == "wavlm" or (args.only is None and not args.skip_wavlm):
            wavlm_speed(folder, args.wavlm_seconds, args.wavlm_step, args.wavlm_batch)


if __name__ == "__main__":
    main()
