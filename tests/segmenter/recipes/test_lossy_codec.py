"""Low-rate MP3 and Opus round trips: lossy, deterministic, the input's length and aligned with
it to the sample (so the chunk's labels still fit), and skipped cleanly without an encoder.

MP3 has two paths, in-process through soundfile's libsndfile and through ffmpeg; both are checked,
the in-process one at every bit rate the recipe draws (its decoder cuts LAME's delay at some and
not at others)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from segmenter.recipes import codec
from segmenter.recipes.codec import CodecUnavailable, lossy_available, lossy_roundtrip
from segmenter.recipes.mixing import ChunkGenerator, MixConfig

from .conftest import RATE, make_bank


def _needs(name: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        not lossy_available(name),
        reason=f"ffmpeg lacks the {name} encoder (apt-get install ffmpeg)",
    )


needs_soundfile_mp3 = pytest.mark.skipif(
    not codec._soundfile_mp3(), reason="soundfile's libsndfile cannot write MP3 here"
)
needs_ffmpeg_mp3 = pytest.mark.skipif(
    "libmp3lame" not in codec._ffmpeg_encoders(),
    reason="ffmpeg lacks the libmp3lame encoder (apt-get install ffmpeg)",
)
CHUNK_S = 4.0  # a training chunk


@pytest.fixture
def mp3_via_ffmpeg(monkeypatch):
    """MP3 through ffmpeg even where soundfile could code it."""
    monkeypatch.setattr(codec, "_soundfile_mp3", lambda: False)


@pytest.fixture
def fresh_mp3_caches():
    """The in-process MP3 caches cleared before and after, so a test may change what they see."""
    codec._soundfile_mp3.cache_clear()
    codec._soundfile_mp3_setting.cache_clear()
    yield
    codec._soundfile_mp3.cache_clear()
    codec._soundfile_mp3_setting.cache_clear()


def _voice(seconds: float) -> np.ndarray:
    """Speech-like: a gliding 120-160 Hz harmonic voice, syllable-rate bursts, pauses."""
    t = np.arange(int(seconds * RATE)) / RATE
    f0 = 140 + 20 * np.sin(2 * np.pi * 0.7 * t)
    phase = 2 * np.pi * np.cumsum(f0) / RATE
    voice = sum(np.sin(k * phase) / k for k in range(1, 25))
    syllables = np.clip(np.sin(2 * np.pi * 3.5 * t), 0, None) ** 2
    return (0.05 * voice * syllables).astype(np.float32)


def _lag(coded: np.ndarray, clean: np.ndarray) -> int:
    xc = correlate(coded.astype(np.float64), clean.astype(np.float64), mode="full", method="fft")
    return int(np.argmax(xc)) - (clean.size - 1)


def _snr_db(clean: np.ndarray, coded: np.ndarray) -> float:
    error = coded.astype(np.float64) - clean
    return float(10 * np.log10(np.sum(clean.astype(np.float64) ** 2) / np.sum(error**2)))


@pytest.mark.parametrize(
    "name, kbps, path",
    [
        pytest.param("mp3", 32, "soundfile", marks=needs_soundfile_mp3),
        pytest.param("mp3", 32, "ffmpeg", marks=needs_ffmpeg_mp3),
        pytest.param("opus", 12, "ffmpeg", marks=_needs("opus")),
    ],
)
def test_round_trip_keeps_length_aligned_lossy_and_deterministic(name, kbps, path, request):
    if path == "ffmpeg":
        request.getfixturevalue("mp3_via_ffmpeg")
    clean = _voice(1.3)  # not a whole number of codec frames
    coded = lossy_roundtrip(clean, name, kbps)
    assert coded.dtype == np.float32 and coded.shape == clean.shape
    assert abs(_lag(coded, clean)) <= 1  # the codec's delay is cut
    assert 8.0 < _snr_db(clean, coded) < 40.0  # aligned and kept, yet not bit-exact
    np.testing.assert_array_equal(lossy_roundtrip(clean, name, kbps), coded)


def test_bad_arguments_are_refused_before_any_coding():
    x = np.zeros(1600, np.float32)
    with pytest.raises(ValueError, match="unknown lossy codec"):
        lossy_roundtrip(x, "aac", 32)
    with pytest.raises(ValueError, match="16000"):
        lossy_roundtrip(x, "mp3", 32, rate=11025)
    with pytest.raises(ValueError, match="lossy_codecs"):
        ChunkGenerator(make_bank(), MixConfig(lossy_p=0.5, lossy_codecs=("aac",)))


@needs_soundfile_mp3
@pytest.mark.parametrize("kbps", codec.LOSSY_KBPS["mp3"])
def test_in_process_mp3_is_aligned_exact_in_length_and_lossy_at_every_drawn_rate(kbps):
    clean = _voice(CHUNK_S) + 0.002 * np.random.default_rng(kbps).standard_normal(
        int(CHUNK_S * RATE)
    ).astype(np.float32)  # a noise floor too, so the highs are coded as well
    delay = codec._soundfile_mp3_setting(kbps, RATE).delay
    assert delay == 0 or delay > 500  # mpg123 cut LAME's delay (Info tag), or none of it
    coded = lossy_roundtrip(clean[:-123], "mp3", kbps)  # not a whole number of MP3 frames
    assert coded.dtype == np.float32 and coded.shape == (clean.size - 123,)
    assert abs(_lag(coded, clean[:-123])) <= 1
    assert 10.0 < _snr_db(clean[:-123], coded) < 40.0


@needs_soundfile_mp3
def test_in_process_mp3_is_deterministic_to_the_byte():
    clean = _voice(CHUNK_S)
    level = codec._soundfile_mp3_setting(48, RATE).level
    first = codec._soundfile_mp3_encode(clean, level, RATE)
    assert codec._soundfile_mp3_encode(clean, level, RATE) == first
    np.testing.assert_array_equal(
        lossy_roundtrip(clean, "mp3", 48), lossy_roundtrip(clean, "mp3", 48)
    )


@needs_soundfile_mp3
def test_in_process_mp3_honours_the_bit_rate():
    clean = _voice(CHUNK_S)
    sizes = []
    for kbps in codec.LOSSY_KBPS["mp3"]:
        setting = codec._soundfile_mp3_setting(kbps, RATE)
        nominal = kbps * 1000 * CHUNK_S / 8  # bytes
        size = len(codec._soundfile_mp3_encode(clean, setting.level, RATE))
        assert 0.6 * nominal <= size <= 1.4 * nominal, (kbps, size, nominal)
        assert 0.6 * kbps <= setting.kbps <= 1.4 * kbps, (kbps, setting)
        sizes.append(size)
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)  # each rate its own size


@needs_soundfile_mp3
@pytest.mark.parametrize("rate", [8000, 24000, 48000])
def test_in_process_mp3_at_the_other_rates_is_aligned_and_sized(rate):
    seconds = 1.5
    t = np.arange(int(seconds * rate)) / rate
    clean = 0.2 * np.sin(2 * np.pi * 300 * t) * np.clip(np.sin(2 * np.pi * 3 * t), 0, None)
    clean = (clean + 0.01 * np.random.default_rng(1).standard_normal(t.size)).astype(np.float32)
    for kbps in (32, 64):
        coded = lossy_roundtrip(clean, "mp3", kbps, rate=rate)
        assert coded.shape == clean.shape and abs(_lag(coded, clean)) <= 1
        size = len(
            codec._soundfile_mp3_encode(clean, codec._mp3_compression_level(kbps, rate), rate)
        )
        assert 0.6 <= size / (kbps * 1000 * seconds / 8) <= 1.4, (rate, kbps, size)


@needs_soundfile_mp3
@pytest.mark.parametrize("kbps", [32, 48])  # at 16 kHz: LAME's delay kept, and cut by mpg123
def test_an_in_process_delay_off_by_two_samples_would_be_caught(kbps, monkeypatch):
    clean = _voice(1.3)
    true = codec._soundfile_mp3_setting(kbps, RATE)
    assert abs(_lag(lossy_roundtrip(clean, "mp3", kbps), clean)) <= 1
    for error in (-2, 2):
        if true.delay + error < 0:
            continue
        wrong = true._replace(delay=true.delay + error)
        monkeypatch.setattr(codec, "_soundfile_mp3_setting", lambda *_, w=wrong: w)
        if true.delay == 0:  # the decoded length gives a wrong delay away at once
            with pytest.raises(RuntimeError, match="does not fit the delay"):
                lossy_roundtrip(clean, "mp3", kbps)
        else:  # the output slips, and the cross-correlation sees it
            assert _lag(lossy_roundtrip(clean, "mp3", kbps), clean) == -error


@needs_ffmpeg_mp3
def test_without_mp3_in_soundfile_mp3_goes_through_ffmpeg(fresh_mp3_caches, monkeypatch):
    formats = {k: v for k, v in codec.sf.available_formats().items() if k != "MP3"}
    monkeypatch.setattr(codec.sf, "available_formats", lambda: formats)
    calls = []
    ffmpeg = codec._ffmpeg_roundtrip
    monkeypatch.setattr(
        codec, "_ffmpeg_roundtrip", lambda *args: calls.append(args[1:]) or ffmpeg(*args)
    )
    assert not codec._soundfile_mp3() and lossy_available("mp3")
    clean = _voice(0.8)
    coded = lossy_roundtrip(clean, "mp3", 40)
    assert ("mp3", 40, RATE) in calls and coded.shape == clean.shape
    assert abs(_lag(coded, clean)) <= 1


@needs_soundfile_mp3
def test_without_ffmpeg_mp3_is_still_coded_in_process(monkeypatch):
    monkeypatch.setattr(codec, "_ffmpeg_encoders", lambda: frozenset())
    calls = []
    ffmpeg = codec._ffmpeg_roundtrip
    monkeypatch.setattr(
        codec, "_ffmpeg_roundtrip", lambda *args: calls.append(args[1:]) or ffmpeg(*args)
    )
    assert lossy_available("mp3") and not lossy_available("opus") and not lossy_available()
    clean = _voice(0.8)
    coded = lossy_roundtrip(clean, "mp3", 56)
    assert coded.shape == clean.shape and abs(_lag(coded, clean)) <= 1 and not calls
    with pytest.raises(CodecUnavailable, match="ffmpeg"):
        lossy_roundtrip(clean, "opus", 16)


def test_without_ffmpeg_the_codec_says_so_and_the_stream_skips_it(monkeypatch):
    config = MixConfig(partial_p=0.0)
    plain = ChunkGenerator(make_bank(), config).chunk(np.random.default_rng(2), "speech")
    monkeypatch.setattr(codec, "_ffmpeg_encoders", lambda: frozenset())
    monkeypatch.setattr(codec, "_soundfile_mp3", lambda: False)  # and no MP3 in libsndfile
    assert not lossy_available() and not lossy_available("opus") and not lossy_available("mp3")
    with pytest.raises(CodecUnavailable, match="ffmpeg"):
        lossy_roundtrip(_voice(0.5), "mp3", 32)
    with pytest.raises(CodecUnavailable, match="ffmpeg"):
        lossy_roundtrip(_voice(0.5), "opus", 16)
    lossy = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0, lossy_p=1.0))
    skipped = lossy.chunk(np.random.default_rng(2), "speech")
    # the codec is drawn last, so without it the chunk is exactly the chunk without lossy_p
    assert skipped.parts == plain.parts
    np.testing.assert_array_equal(skipped.audio, plain.audio)


@pytest.mark.parametrize("name", [pytest.param(c, marks=_needs(c)) for c in codec.LOSSY_CODECS])
def test_lossy_chunks_keep_their_labels_and_record_the_codec(name):
    plain = ChunkGenerator(make_bank(), MixConfig(partial_p=0.0))
    config = MixConfig(partial_p=0.0, lossy_p=1.0, lossy_codecs=(name,))
    a = plain.chunk(np.random.default_rng(4), "speech_music")
    b = ChunkGenerator(make_bank(), config).chunk(np.random.default_rng(4), "speech_music")
    coded, _, kbps = b.parts[-1].removeprefix("codec/").partition("/")
    assert b.parts[:-1] == a.parts and coded == name and int(kbps[:-1]) in codec.LOSSY_KBPS[name]
    assert b.audio.shape == a.audio.shape and b.audio.dtype == np.float32
    np.testing.assert_array_equal(b.labels, a.labels)
    assert abs(_lag(b.audio, a.audio)) <= 1 and not np.allclose(b.audio, a.audio, atol=1e-3)
