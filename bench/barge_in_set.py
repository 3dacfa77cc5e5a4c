"""The barge-in set: speech and sounds over the agent's voice, labelled by what they are.

Every item is a microphone track built from real parts: the agent (Piper, its own voice) reads
lines of the post-discharge persona from ``AGENT_START``; over it the user says a backchannel
("Yeah.", "Uh huh.", "Ha ha.") or a real barge-in ("Wait, I have a question.") in one of six
other voices (Piper shifted 2-5 semitones, three speaking rates), or a noise made with numpy
(coughs, knocks, keyboard clicks, broadband bursts) sounds, or nothing but the agent's own
echo plays back (delayed 20-150 ms, 10-30 dB down, low-passed, over noise). Some speech and
noise items carry that echo underneath too (double talk).

The echo path is stored as parameters, not audio: the benchmark pauses the agent at the VAD's
onset, so what echoes depends on the policy under test. The labels (``labels_barge_in.json``,
kept in the repository) list each item's kind, text, voice, onset and echo; rendered speech is
cached under ``out/barge-in-cache/`` (git-ignored).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

RATE = 16000
ROOT = Path(__file__).resolve().parents[1]
LABELS = Path(__file__).resolve().parent / "labels_barge_in.json"
CACHE = ROOT / "out" / "barge-in-cache"
#: Bump when rendering changes, so cached audio is not reused.
RENDER_VERSION = "1"
#: The agent starts speaking this far (s) into each microphone track.
AGENT_START = 0.5
#: Silence (s) kept after the user's sound, for the VAD's stop and the verdict.
TAIL = 1.6
SEED = 20261124

AGENT_LINES = (
    "Hello, this is Joe from Riverside General Hospital. I'm calling to see how you are doing.",
    "Have you been taking all of your medications as prescribed since you got home?",
    "How have you been feeling since you got home? Any new or worsening symptoms?",
    "I have two times available for your follow-up visit: Tuesday at ten, or Thursday at two.",
    "To confirm your identity, can you tell me your date of birth, with the month and year?",
    "Thank you. I will pass that on to the care team, and a nurse will call you back today.",
    "It is important to keep taking your blood thinner every evening, even if you feel fine.",
    "Is there anything else I can help you with today, before we finish the call?",
)
BACKCHANNELS = (
    "Yeah.", "Uh huh.", "Mmhmm.", "Right.", "Okay.", "I see.", "Ha ha.", "Yep.", "Sure.",
    "Got it.", "Oh, okay.", "Yeah, yeah.", "Hm.", "Mm hmm.", "Uh-huh, yeah.", "Ah ha ha.",
    "Oh, I see.", "All right.",
)  # fmt: skip
BARGE_INS = (
    "Wait, I have a question about that.", "No, that's wrong, it was Tuesday.",
    "Sorry, can you repeat that?", "Hold on a second.", "Stop.", "Wait.", "Excuse me.",
    "Actually, I already took it this morning.", "What do you mean by that?", "No, no.",
    "Sorry, I didn't catch that.", "Can I ask you something?", "That's not my medication.",
    "I'm having some chest pain right now.", "Hang on, let me get a pen.",
    "My daughter handles my pills.", "Sorry, who is this?", "Hold on.",
)  # fmt: skip
NOISES = ("cough", "knock", "keyboard", "burst")
#: User voices: (semitones, length scale); never the agent's own (0 st).
VOICES = ((-5.0, 1.0), (-3.0, 1.15), (-2.0, 0.9), (2.0, 1.0), (3.0, 0.85), (5.0, 1.15))

Progress = Callable[[str], None]


def build_items() -> list[dict[str, Any]]:
    """The set's labels, deterministic (seeded): 36 barge-ins, 36 backchannels, 16 noises,
    14 echoes."""
    rng = np.random.default_rng(SEED)
    items: list[dict[str, Any]] = []

    def echo(low: float, high: float) -> dict[str, float]:
        return {
            "delay": round(float(rng.uniform(0.02, 0.15)), 3),
            "atten_db": round(float(rng.uniform(low, high)), 1),
            "cutoff": float(rng.choice([2500.0, 3500.0, 5000.0])),
            "snr_db": round(float(rng.uniform(15.0, 30.0)), 1),
        }

    def base(kind: str, n: int, agent: int) -> dict[str, Any]:
        return {
            "id": f"{kind}-{n:02d}",
            "kind": kind,
            "agent": agent,
            "onset": round(AGENT_START + float(rng.uniform(0.8, 2.0)), 3),
            "level": round(float(rng.uniform(0.3, 0.8)), 2),
            "noise_floor_db": round(float(rng.uniform(-70.0, -55.0)), 1),
            "seed": int(rng.integers(0, 2**31)),
        }

    for kind, texts in (("barge_in", BARGE_INS), ("backchannel", BACKCHANNELS)):
        for n in range(36):
            item = base(kind, n, n % len(AGENT_LINES))
            semitones, scale = VOICES[(n + n // len(texts)) % len(VOICES)]
            item["text"] = texts[n % len(texts)]
            item["voice"] = {"semitones": semitones, "length_scale": scale}
            item["echo"] = echo(18.0, 30.0) if n % 5 in (1, 3) else None
            items.append(item)
    for n in range(16):
        item = base("noise", n, (n + 3) % len(AGENT_LINES))
        item["text"] = NOISES[n % len(NOISES)]
        item["voice"] = None
        item["echo"] = echo(18.0, 30.0) if n % 4 == 1 else None
        items.append(item)
    for n in range(14):
        item = base("echo", n, (n + 5) % len(AGENT_LINES))
        item["text"] = ""
        item["voice"] = None
        item["echo"] = echo(10.0, 30.0)
        item["onset"] = round(AGENT_START + item["echo"]["delay"], 3)
        items.append(item)
    return items


def load_items(relabel: bool = False) -> list[dict[str, Any]]:
    """The stored labels (written from ``build_items`` the first time or with ``relabel``)."""
    if relabel or not LABELS.exists():
        doc = {
            "about": "Barge-in set (bench/barge_in_set.py): overlaps over the agent's voice. "
            "onset: seconds into the microphone track the user's sound (or the echo) starts.",
            "agent_start": AGENT_START,
            "agent_lines": list(AGENT_LINES),
            "items": build_items(),
        }
        LABELS.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    return list(json.loads(LABELS.read_text(encoding="utf-8"))["items"])


def _key(*parts: object) -> str:
    raw = "|".join(str(p) for p in (*parts, RENDER_VERSION))
    return hashlib.sha1(raw.encode()).hexdigest()[:16]


def _onset_trim(audio: np.ndarray) -> np.ndarray:
    """Cut silence before the first 5 ms window above -54 dBFS and after the last one, so the
    labelled onset is where the sound begins."""
    win = RATE // 200
    n = len(audio) // win
    levels = np.sqrt(np.mean(np.square(audio[: n * win].reshape(n, win)), axis=1))
    voiced = np.flatnonzero(levels > 0.002)
    if len(voiced) == 0:
        return audio
    return audio[voiced[0] * win : (voiced[-1] + 1) * win]


def _speak(synthesizer: Any, text: str, semitones: float, scale: float) -> np.ndarray:
    from visavis.runtime.media import resample
    from visavis.speech.tts.shift import ShiftedVoice

    factor = 2.0 ** (semitones / 12.0)
    voice = synthesizer.variant(scale * factor)
    if semitones:
        voice = ShiftedVoice(voice, semitones)
    speech = voice.synthesize(text)
    audio = _onset_trim(resample(speech.samples, speech.sample_rate, RATE))
    return (audio / max(float(np.max(np.abs(audio))), 1e-6)).astype(np.float32)


class Renderer:
    """Renders (or loads from the cache) the agent's lines and the users' utterances."""

    def __init__(self, progress: Progress = print) -> None:
        self.progress = progress
        self._synthesizer: Any = None
        CACHE.mkdir(parents=True, exist_ok=True)

    def _cached(self, key: str, make: Callable[[], np.ndarray]) -> np.ndarray:
        file = CACHE / f"{key}.npy"
        if file.exists():
            return np.load(file)
        audio = make()
        np.save(file, audio)
        return audio

    def synthesizer(self) -> Any:
        if self._synthesizer is None:
            from visavis.engines import load_engines

            self.progress("loading Piper ...")
            self._synthesizer = load_engines().synthesizer
        return self._synthesizer

    def agent(self, line: int) -> np.ndarray:
        """The agent's line and the next one, 0.3 s apart, at 0.8 of full scale."""
        second = (line + 1) % len(AGENT_LINES)

        def make() -> np.ndarray:
            parts = [_speak(self.synthesizer(), AGENT_LINES[i], 0.0, 1.0) for i in (line, second)]
            gap = np.zeros(int(0.3 * RATE), dtype=np.float32)
            return (np.concatenate([parts[0], gap, parts[1]]) * 0.8).astype(np.float32)

        return self._cached(_key("agent", line, second), make)

    def user(self, item: dict[str, Any]) -> np.ndarray:
        """The user's sound, peak at 1 (the item's level scales it)."""
        if item["kind"] == "echo":
            return np.zeros(0, dtype=np.float32)
        if item["kind"] == "noise":
            return make_noise(item["text"], np.random.default_rng(item["seed"]))
        v = item["voice"]
        return self._cached(
            _key("user", item["text"], v["semitones"], v["length_scale"]),
            lambda: _speak(self.synthesizer(), item["text"], v["semitones"], v["length_scale"]),
        )


def _band(noise: np.ndarray, low: float, high: float) -> np.ndarray:
    spectrum = np.fft.rfft(noise)
    freqs = np.fft.rfftfreq(len(noise), 1.0 / RATE)
    spectrum[(freqs < low) | (freqs > high)] = 0.0
    return np.fft.irfft(spectrum, len(noise)).astype(np.float32)


def make_noise(kind: str, rng: np.random.Generator) -> np.ndarray:
    """A non-speech sound, peak 1: "cough", "knock", "keyboard" or "burst"."""
    t = np.arange(int(RATE * 1.2)) / RATE
    out = np.zeros_like(t, dtype=np.float32)
    if kind == "cough":
        # One or two coughs: band-limited noise, sharp attack, ~0.1 s decay.
        for start in [0.0] + ([float(rng.uniform(0.3, 0.45))] if rng.random() < 0.6 else []):
            n = int(0.3 * RATE)
            env = np.minimum(np.arange(n) / (0.01 * RATE), 1.0) * np.exp(
                -np.arange(n) / (float(rng.uniform(0.06, 0.12)) * RATE)
            )
            burst = _band(rng.normal(0, 1, n), 250.0, float(rng.uniform(2000, 4000))) * env
            i = int(start * RATE)
            out[i : i + n] += burst
    elif kind == "knock":
        # Two or three knocks: a decaying low thump plus a short click.
        for k in range(int(rng.integers(2, 4))):
            i = int((k * float(rng.uniform(0.15, 0.25))) * RATE)
            n = int(0.15 * RATE)
            tt = np.arange(n) / RATE
            thump = np.sin(2 * np.pi * float(rng.uniform(80, 200)) * tt) * np.exp(-tt / 0.03)
            thump[: int(0.003 * RATE)] += rng.normal(0, 1.0, int(0.003 * RATE))
            out[i : i + n] += thump
    elif kind == "keyboard":
        # Typing: 4 ms high-passed clicks every 80-160 ms for about a second.
        at = 0.0
        while at < 1.0:
            i, n = int(at * RATE), int(0.004 * RATE)
            out[i : i + n] += _band(rng.normal(0, 1, n * 4), 1500.0, 7000.0)[:n]
            at += float(rng.uniform(0.08, 0.16))
    else:
        # Broadband noise (a door, wind, a rustle), 0.2-0.8 s with 20 ms ramps.
        n = int(float(rng.uniform(0.2, 0.8)) * RATE)
        ramp = np.minimum(1.0, np.minimum(np.arange(n), np.arange(n)[::-1]) / (0.02 * RATE))
        out[:n] = rng.normal(0, 1, n) * ramp
    out = _onset_trim(out)
    return (out / max(float(np.max(np.abs(out))), 1e-6)).astype(np.float32)


def lowpass(cutoff: float, taps: int = 31) -> np.ndarray:
    """A causal windowed-sinc FIR low-pass (the echo path's loudspeaker and room)."""
    n = np.arange(taps) - (taps - 1) / 2
    h = np.sinc(2 * cutoff / RATE * n) * np.hamming(taps)
    return (h / h.sum()).astype(np.float32)
