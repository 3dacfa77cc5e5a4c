"""Prosody: pitch, energy and voicing per chunk, and utterance summaries.

Real speech comes from the embedded Piper voice (sentences with known text, at known speaking
rates, shifted to other speakers' pitch); synthetic voices (harmonics through vowel formants,
with exactly known pitch contours) check accuracy where the truth must be known to the sample.
Piper renders question intonation (a final rise of 6-8 semitones on the sentences below),
so the statement/question tests use it directly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from visavis.perception.prosody import (
    ProsodyTracker,
    TrackedFrame,
    chunk_cost_ms,
    count_filled_pauses,
    count_syllables,
    is_filled_pause,
    summarize,
)
from visavis.perception.types import ProsodyFrame, ProsodySummary
from visavis.runtime.media import AudioChunk, resample

SR = 16000
CHUNK = 320  # 20 ms
#: Vowel formants (Hz): the schwa-like /ʌ/ of "uh", and /i/, /a/, /u/ for varied syllables.
UH = (640.0, 1190.0, 2390.0)
VOWELS = ((270.0, 2290.0, 3010.0), (730.0, 1090.0, 2440.0), (300.0, 870.0, 2240.0), UH)

STATEMENT = "I will take the medicine after dinner."
QUESTION = "Will you take the medicine after dinner?"
LONG = "Hello, my name is Alex and I will call you tomorrow morning about your appointment."


# --- audio sources ----------------------------------------------------------------------------


def voice(
    f0: np.ndarray,
    formants: Sequence[float] = UH,
    level_db: float = -20.0,
    noise_db: float = -60.0,
    seed: int = 0,
) -> np.ndarray:
    """A voice-like signal with the pitch contour ``f0`` (Hz per sample): harmonics falling
    off as 1/k, shaped by three formant resonances, at ``level_db`` RMS, over a little noise."""
    f0 = np.asarray(f0, dtype=np.float64)
    phase = 2.0 * np.pi * np.cumsum(f0) / SR
    out = np.zeros(len(f0))
    for k in range(1, int(4000.0 / f0.min()) + 1):
        fk = k * f0
        # Each formant a resonance with an 80 Hz bandwidth, evaluated at the harmonic.
        gain = sum(
            1.0 / np.sqrt((1.0 - (fk / f) ** 2) ** 2 + (fk * 80.0 / f**2) ** 2) for f in formants
        )
        out += np.where(fk < SR / 2 - 200.0, gain / k, 0.0) * np.sin(k * phase)
    out *= 10.0 ** (level_db / 20.0) / math.sqrt(float(np.mean(out**2)))
    out += np.random.default_rng(seed).normal(0.0, 10.0 ** (noise_db / 20.0), len(out))
    return out.astype(np.float32)


def monotone_speech(seconds: float, hz: float = 110.0, seed: int = 1) -> np.ndarray:
    """Syllables of 180 ms at one pitch (±0.2 st wobble), with changing vowels, separated by
    40 ms of consonant noise: a flat voice that is still speech (no syllable is a held hum)."""
    rng = np.random.default_rng(seed)
    parts: list[np.ndarray] = []
    total = 0
    while total < seconds * SR:
        n = int(0.18 * SR)
        f0 = hz * 2.0 ** (rng.uniform(-0.2, 0.2) / 12.0) * np.ones(n)
        syllable = voice(f0, VOWELS[len(parts) % len(VOWELS)], seed=len(parts))
        syllable *= np.hanning(n).astype(np.float32) ** 0.3
        consonant = rng.normal(0.0, 0.02, int(0.04 * SR)).astype(np.float32)
        parts += [syllable, consonant]
        total += n + len(consonant)
    return np.concatenate(parts)[: int(seconds * SR)]


@pytest.fixture(scope="module")
def say(engines) -> Callable[..., np.ndarray]:
    """Piper speech of ``text`` at 16 kHz: ``semitones`` shifts the speaker, ``length_scale``
    slows (> 1) or speeds (< 1) the speech. Cached, as synthesis is the slow part."""
    cache: dict[tuple[str, float, float], np.ndarray] = {}

    def _say(text: str, semitones: float = 0.0, length_scale: float = 1.0) -> np.ndarray:
        key = (text, semitones, length_scale)
        if key not in cache:
            if semitones:
                syn = engines.voice("piper", "", 0, semitones)
            elif length_scale != 1.0:
                syn = engines.synthesizer.variant(length_scale)
            else:
                syn = engines.synthesizer
            speech = syn.synthesize(text)
            cache[key] = resample(speech.samples, speech.sample_rate, SR)
        return cache[key]

    return _say


def trimmed(x: np.ndarray) -> np.ndarray:
    """Speech without its leading and trailing near-silence (below -60 dBFS sample peaks)."""
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[loud[0] : loud[-1] + 1]


def track(
    x: np.ndarray, tracker: ProsodyTracker | None = None, start: float = 0.0
) -> list[TrackedFrame]:
    tracker = tracker or ProsodyTracker()
    return [
        tracker.push(AudioChunk(x[i : i + CHUNK], SR, start + i / SR))
        for i in range(0, len(x) - CHUNK + 1, CHUNK)
    ]


def whole(x: np.ndarray, words: str | None = None, **kwargs: float) -> ProsodySummary:
    return summarize(track(x), 0.0, len(x) / SR, words, **kwargs)


def true_f0_at(frame: ProsodyFrame, f0: np.ndarray) -> float:
    """The true pitch a frame's estimate should match: at the chunk's start, 10 ms before its
    centre (the lag of the causal 50 ms window; measured on the vibrato below)."""
    return float(f0[int(frame.t * SR)])


def octave_slips(frames: Sequence[ProsodyFrame]) -> list[tuple[float, float]]:
    """Voiced frames (in voiced runs of 2+) at about 1/3, 1/2, 2 or 3 times the median of
    the voiced frames within ±100 ms of them."""
    voiced = [f for f in frames if f.voiced and f.pitch_hz]
    slips = []
    for i, f in enumerate(voiced):
        run = (i > 0 and f.t - voiced[i - 1].t < 0.021) or (
            i + 1 < len(voiced) and voiced[i + 1].t - f.t < 0.021
        )
        near = [g.pitch_hz for g in voiced if g is not f and abs(g.t - f.t) <= 0.1]
        if not run or len(near) < 2:
            continue
        ratio = f.pitch_hz / float(np.median(near))
        if any(abs(math.log2(ratio / r)) < 0.15 for r in (1 / 3, 0.5, 2.0, 3.0)):
            slips.append((f.t, f.pitch_hz))
    return slips


# --- pitch on synthetic voices ----------------------------------------------------------------


@pytest.mark.parametrize("hz", [62.0, 85.0, 120.0, 180.0, 260.0, 390.0])
def test_steady_pitch_within_one_percent(hz: float) -> None:
    frames = track(voice(np.full(SR // 2, hz)))
    settled = frames[3:]  # the first 50 ms window is still filling
    assert all(f.voiced for f in settled)
    assert all(abs(f.pitch_hz / hz - 1.0) < 0.01 for f in settled)


@pytest.mark.parametrize(("a", "b"), [(100.0, 200.0), (200.0, 100.0), (80.0, 300.0)])
def test_glides_tracked_within_three_percent(a: float, b: float) -> None:
    n = int(1.2 * SR)
    f0 = a * (b / a) ** (np.arange(n) / (n - 1))
    frames = track(voice(f0))
    voiced = [f for f in frames if f.voiced]
    assert len(voiced) >= len(frames) - 2
    assert all(abs(f.pitch_hz / true_f0_at(f, f0) - 1.0) < 0.03 for f in voiced)
    summary = summarize(frames, 0.0, 1.2)
    octaves = 12.0 * math.log2(b / a)
    # The last 300 ms of a glide of ``octaves`` semitones over 1.2 s, less the ~45 ms the
    # 3-point smoothing and the two-frame end level take off its ends.
    assert summary.final_pitch_st == pytest.approx(octaves * 0.255 / 1.2, abs=0.3)
    # 10th-90th percentile of a log-linear glide: 80% of its span.
    assert summary.pitch_range_st == pytest.approx(abs(octaves) * 0.8, rel=0.05)


def test_vibrato_followed() -> None:
    n = int(1.5 * SR)
    f0 = 150.0 * 2.0 ** (np.sin(2 * np.pi * 5.5 * np.arange(n) / SR) / 12.0)  # ±1 st, 5.5 Hz
    frames = track(voice(f0))
    voiced = [f for f in frames if f.voiced]
    assert len(voiced) >= len(frames) - 2
    assert all(abs(f.pitch_hz / true_f0_at(f, f0) - 1.0) < 0.03 for f in voiced)
    tracked = np.array([f.pitch_hz for f in voiced])
    truth = np.array([true_f0_at(f, f0) for f in voiced])
    assert np.corrcoef(tracked, truth)[0, 1] > 0.99


def test_energy_is_rms_dbfs() -> None:
    tone = (0.5 * np.sin(2 * np.pi * 200.0 * np.arange(SR) / SR)).astype(np.float32)
    frames = track(tone)
    expected = 20 * math.log10(0.5 / math.sqrt(2))  # a sine's RMS is its peak / sqrt(2)
    assert all(f.energy_db == pytest.approx(expected, abs=0.1) for f in frames)
    quiet = track(np.zeros(SR, dtype=np.float32))
    assert all(f.energy_db == -100.0 and not f.voiced and f.pitch_hz is None for f in quiet)


@pytest.mark.parametrize("color", ["white", "pink", "brown"])
def test_noise_is_unvoiced(color: str) -> None:
    rng = np.random.default_rng(3)
    spectrum = np.fft.rfft(rng.normal(size=2 * SR))
    freqs = np.fft.rfftfreq(2 * SR, 1 / SR)
    power = {"white": 0.0, "pink": 1.0, "brown": 2.0}[color]
    spectrum[1:] /= freqs[1:] ** (power / 2)
    spectrum[0] = 0.0
    noise = np.fft.irfft(spectrum)
    noise = (0.1 * noise / np.sqrt(np.mean(noise**2))).astype(np.float32)  # -20 dBFS
    frames = track(noise)
    assert sum(f.voiced for f in frames) <= 0.03 * len(frames)
    summary = summarize(frames, 0.0, 2.0)
    assert summary.pitch_median_hz is None and summary.filled_pauses == 0


def test_silence_summary_is_empty() -> None:
    summary = whole(np.zeros(SR, dtype=np.float32), "")
    assert summary.pitch_median_hz is None and summary.speaking_rate is None
    assert summary.pauses == () and summary.voice == "normal"
    assert summarize([], 0.0, 1.0).pitch_median_hz is None


# --- real speech: pitch -----------------------------------------------------------------------


@pytest.mark.parametrize("semitones", [0.0, -5.0, 7.0])
def test_no_octave_errors_on_piper(say, semitones: float) -> None:
    for text in (LONG, QUESTION, STATEMENT):
        frames = track(say(text, semitones))
        assert octave_slips(frames) == [], text
        # At -5 st Piper's phrase ends fall below the 60 Hz floor and are unvoiced.
        assert sum(f.voiced for f in frames) >= 0.2 * len(frames)


def test_shifted_voices_shift_the_median(say) -> None:
    base = whole(say(LONG)).pitch_median_hz
    assert base is not None and 70.0 < base < 110.0  # Piper's "joe" is a low male voice
    for semitones in (-5.0, 7.0):
        shifted = whole(say(LONG, semitones)).pitch_median_hz
        assert 12 * math.log2(shifted / base) == pytest.approx(semitones, abs=0.7)


@pytest.mark.parametrize(
    ("question", "statement"),
    [(QUESTION, STATEMENT), ("Are you coming tomorrow?", "I am coming tomorrow.")],
)
def test_question_rises_statement_falls(say, question: str, statement: str) -> None:
    q, s = whole(say(question), question), whole(say(statement), statement)
    assert q.final_pitch_st > 3.0
    assert s.final_pitch_st < 0.0
    # Other speakers: the shifted voices are Piper at another speaking rate, which renders
    # the rise smaller (2-3 st), but the question still rises and the statement does not.
    for semitones in (4.0, 7.0):
        rise = whole(say(question, semitones)).final_pitch_st
        fall = whole(say(statement, semitones)).final_pitch_st
        assert rise > 1.5 and fall < 0.0 and rise - fall > 2.5


def test_clipped_speech_keeps_pitch(say) -> None:
    clean = say(LONG)
    clipped = np.clip(clean * 8.0, -1.0, 1.0)  # +18 dB into a hard limit
    assert np.mean(np.abs(clipped) >= 1.0) > 0.05
    a, b = whole(clean), whole(clipped)
    assert b.pitch_median_hz == pytest.approx(a.pitch_median_hz, rel=0.03)
    assert octave_slips(track(clipped)) == []
    assert b.extra["voiced_s"] >= 0.8 * a.extra["voiced_s"]
    assert b.energy_db > a.energy_db + 10.0


def test_quiet_speech_keeps_pitch(say) -> None:
    clean = say(QUESTION)
    quiet = (clean * 0.05).astype(np.float32)  # -26 dB: speech around -47 dBFS
    a, b = whole(clean), whole(quiet)
    assert b.energy_db == pytest.approx(a.energy_db - 26.0, abs=1.0)
    assert b.pitch_median_hz == pytest.approx(a.pitch_median_hz, rel=0.03)
    assert b.extra["voiced_s"] >= 0.8 * a.extra["voiced_s"]
    assert b.final_pitch_st > 3.0


@pytest.mark.parametrize("snr_db", [20.0, 10.0])
def test_noisy_speech_keeps_pitch(say, snr_db: float) -> None:
    clean = say(LONG)
    level = math.sqrt(float(np.mean(clean**2)))
    noise = np.random.default_rng(7).normal(0.0, level * 10 ** (-snr_db / 20), len(clean))
    noisy = (clean + noise).astype(np.float32)
    a, b = whole(clean), whole(noisy)
    assert b.pitch_median_hz == pytest.approx(a.pitch_median_hz, rel=0.03)
    assert octave_slips(track(noisy)) == []
    assert b.extra["voiced_s"] >= 0.6 * a.extra["voiced_s"]


def test_chunk_sizes_and_gaps(say) -> None:
    x = say(STATEMENT)
    tracker = ProsodyTracker()
    frames = [tracker.push(AudioChunk(x[i : i + 480], SR, i / SR)) for i in range(0, len(x), 480)]
    assert frames[-1].duration <= 0.03 and sum(f.voiced for f in frames) > 10
    # A jump in time (dropped audio) restarts the history instead of mixing two moments.
    after = tracker.push(AudioChunk(x[:CHUNK], SR, 100.0))
    assert not after.voiced
    with pytest.raises(ValueError, match="16000 Hz"):
        tracker.push(AudioChunk(x[:441], 22050, 200.0))
    assert not tracker.push(AudioChunk(np.zeros(0, np.float32), SR, 300.0)).voiced


# --- pauses, rate, filled pauses --------------------------------------------------------------


@pytest.mark.parametrize("gap", [0.25, 0.6, 1.3])
def test_pause_between_sentences(say, gap: float) -> None:
    first, second = trimmed(say(STATEMENT)), trimmed(say("Then I will go to bed."))
    quarter = np.zeros(SR // 4, np.float32)
    x = np.concatenate([quarter, first, np.zeros(int(gap * SR), np.float32), second, quarter])
    summary = whole(x)
    assert len(summary.pauses) == 1
    assert summary.pauses[0] == pytest.approx(gap, abs=0.04)
    # Leading and trailing silence is not a pause; a 100 ms gap is not one either.
    x = np.concatenate([first, np.zeros(SR // 10), second]).astype(np.float32)
    assert whole(x).pauses == ()


def test_pause_in_background_noise(say) -> None:
    first, second = trimmed(say(STATEMENT)), trimmed(say("Then I will go to bed."))
    x = np.concatenate([first, np.zeros(int(0.7 * SR)), second])
    x = x + np.random.default_rng(5).normal(0.0, 10 ** (-50 / 20), len(x))  # -50 dBFS hiss
    (pause,) = whole(x.astype(np.float32)).pauses
    # Under -50 dBFS hiss the last word's quiet decay sinks into the noise: up to 80 ms more.
    assert pause == pytest.approx(0.7, abs=0.08)


def test_speaking_rate_faster_vs_slower(say) -> None:
    fast, normal, slow = (whole(say(LONG, length_scale=s), LONG) for s in (0.75, 1.0, 1.4))
    assert 5.0 < normal.speaking_rate < 8.5  # syllables per second: Piper speaks briskly
    assert fast.speaking_rate > 1.3 * slow.speaking_rate
    assert fast.speaking_rate > normal.speaking_rate > slow.speaking_rate
    # Without words the rate comes from syllable nuclei in the signal: close to the text's
    # syllable count, and ordered the same way (its ratio is compressed: see the docstring).
    signal = {s: whole(say(LONG, length_scale=s)) for s in (0.75, 1.4)}
    assert signal[0.75].speaking_rate > 1.1 * signal[1.4].speaking_rate
    assert normal.extra["syllables_signal"] == pytest.approx(count_syllables(LONG), rel=0.2)


def test_syllable_and_filled_pause_counts() -> None:
    assert count_syllables(LONG) == 23
    assert count_syllables("I walked home and wanted a table.") == 9
    assert count_syllables("") == 0
    assert count_filled_pauses("Um, I, uh, think... hmm. Erm, ummm, uhh, er, ehm, uhm") == 9
    # Backchannels and ordinary words are not filled pauses.
    assert count_filled_pauses("Uh-huh, mm-hmm. The umbrella is hers, I'm here. Ah, oh.") == 0
    assert is_filled_pause("Hmmm") and not is_filled_pause("hum")


def test_filled_pauses_from_the_transcript(say) -> None:
    text = "Well, um, I think, uh, maybe tomorrow."
    summary = whole(say(text), text)
    assert summary.filled_pauses == 2 and summary.extra["filled_text"] == 2
    assert whole(say(STATEMENT), STATEMENT).filled_pauses == 0


def test_filled_pause_hum_from_the_signal(say) -> None:
    first, second = trimmed(say(STATEMENT)), trimmed(say("Then I will go to bed."))
    n = int(0.45 * SR)
    # A held "uh" at the speaker's pitch, drifting down half a semitone, with soft edges.
    hum = voice(85.0 * 2.0 ** (-0.5 * np.arange(n) / n / 12.0), UH, level_db=-24.0)
    hum *= np.minimum(1.0, np.minimum(np.arange(n), n - np.arange(n)) / (0.03 * SR))
    gap = np.zeros(int(0.15 * SR), np.float32)
    with_hum = np.concatenate([first, gap, hum, gap, second])
    without = np.concatenate([first, gap, gap, second])
    assert whole(with_hum).extra["filled_signal"] == 1
    assert whole(without).extra["filled_signal"] == 0
    # The transcript (which may have dropped the "uh") and the signal are not added up.
    words = "I will take the medicine after dinner, uh, then bed."
    assert whole(with_hum, words).filled_pauses == 1
    # Running speech of several speakers has no held hums.
    for semitones in (0.0, -5.0, 7.0):
        assert whole(say(LONG, semitones)).extra["filled_signal"] == 0


# --- voice quality ----------------------------------------------------------------------------


def test_flat_voice(say) -> None:
    flat = whole(monotone_speech(2.0))
    assert flat.voice == "flat" and flat.pitch_range_st < 1.0
    assert flat.extra["filled_signal"] == 0  # flat syllables are not held hums
    for text in (LONG, QUESTION):
        assert whole(say(text)).voice == "normal"
    # Too short to call flat.
    assert whole(monotone_speech(0.6)).voice == "normal"


def test_strained_voice_against_the_speakers_baseline(say) -> None:
    tracker = ProsodyTracker()
    calm = np.concatenate([say(LONG), say(STATEMENT), say(QUESTION)])
    track(calm, tracker)
    assert tracker.baseline.voiced_seconds > 2.0
    baseline_hz, _ = tracker.baseline.medians()
    assert baseline_hz == pytest.approx(whole(calm).pitch_median_hz, rel=0.06)

    def utterance(x: np.ndarray) -> ProsodySummary:
        start = tracker._expected_start or 0.0
        frames = track(x, tracker, start)
        return summarize(frames, start, start + len(x) / SR, STATEMENT)

    high = say(STATEMENT, 5.0)
    loud_high = np.clip(high * 2.8, -1.0, 1.0)  # +9 dB
    assert utterance(say(STATEMENT)).voice == "normal"
    strained = utterance(loud_high)
    assert strained.voice == "strained"
    assert strained.extra["pitch_vs_baseline_st"] > 3.0
    assert utterance(high).voice == "normal"  # higher but not louder: not strained
    # With no baseline yet (the call's first words), strain is never claimed.
    assert whole(loud_high).voice == "normal"


def test_plain_frames_are_summarised() -> None:
    """Frames from elsewhere (plain ``ProsodyFrame``s) summarise without the extra cues."""
    frames = [ProsodyFrame(i * 0.02, 0.02, 120.0 * 2 ** (i / 600), -20.0, True) for i in range(75)]
    summary = summarize(frames, 0.0, 1.5, "one two three four five")
    assert summary.pitch_median_hz == pytest.approx(120.0 * 2 ** (37 / 600), rel=0.01)
    assert summary.speaking_rate == pytest.approx(5 / 1.5, rel=0.05)
    assert summary.voice == "flat" and summary.filled_pauses == 0


def test_chunk_cost_helper_runs() -> None:
    speech = monotone_speech(1.0)
    p50, p95 = chunk_cost_ms(60, speech)
    assert 0.0 < p50 <= p95
