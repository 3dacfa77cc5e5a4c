"""The end-of-turn set: a real recording labelled by hand, plus synthetic patient turns.

Real: ``data.speech.beckett`` (shipped in an installed package, see the model manifest), its
silences labelled in ``labels/beckett.json``. Synthetic: every line of ``script.py`` spoken by
Piper in three voices (semitone shifts) and three speaking rates (length scales), with the
agent's question it answers as the turn's ``prompt``: the line said in one breath and cut at its
``[pause s]`` markers, where silences of that length go in (``visavis.sim.phrasing``, as the
simulated patient speaks), and two seconds of silence after the turn. Every silence of 100 ms or
more is labelled: the last one of a turn is the end, every other one a hold (``kind`` says
whether a marker or Piper's own phrasing made it).
Rendered audio is cached under ``out/turns-cache/`` (git-ignored); the labels, written to
``labels/synthetic.json``, are kept in the repository so the set is reproducible and reviewable.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from bench.turns.harness import RATE, Silence, Turn
from bench.turns.script import PROMPTS, TURNS

ROOT = Path(__file__).resolve().parents[2]
LABELS = Path(__file__).resolve().parent / "labels"
CACHE = ROOT / "out" / "turns-cache"
#: Bump when the rendering changes, so cached audio is not reused.
RENDER_VERSION = "2"
SEMITONES = (0.0, -3.0, 3.0)
LENGTH_SCALES = (0.85, 1.0, 1.2)
LEAD = 0.2  # seconds of silence before the first word (not a labelled silence)
TAIL = 2.0  # seconds of silence after the last word: the end-of-turn silence
NOISE = 3e-4  # RMS of the noise floor under the synthetic audio (about -70 dBFS)
MIN_SILENCE = 0.1
WINDOW = 0.01  # silence finding works on 10 ms windows
VOICED = 0.005  # RMS above which a window is speech (-46 dBFS, as the simulated patient uses)

Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Rendering:
    id: str
    text: str
    semitones: float
    length_scale: float
    #: The agent's question the line answers (``script.PROMPTS``); not part of the key.
    prompt: str = ""

    @property
    def key(self) -> str:
        raw = f"{self.text}|{self.semitones}|{self.length_scale}|{RENDER_VERSION}"
        return hashlib.sha1(raw.encode()).hexdigest()[:16]


def renderings() -> list[Rendering]:
    """Each line three times: three different voices, three different rates."""
    out = []
    for i, (text, prompt) in enumerate(zip(TURNS, PROMPTS, strict=True)):
        for j in range(3):
            semitones = SEMITONES[(i + j) % 3]
            scale = LENGTH_SCALES[(i + i // 3 + 2 * j) % 3]
            out.append(Rendering(f"s{i:02d}-{j}", text, semitones, scale, prompt))
    return out


def load_real() -> list[Turn]:
    """The Beckett recording with its hand labels; the end silence padded with room tone."""
    from visavis.models import locate
    from visavis.runtime.media import read_audio

    spec = json.loads((LABELS / "beckett.json").read_text(encoding="utf-8"))
    audio = read_audio(locate(spec["data"])).astype(np.float32)
    lo, hi = (int(t * RATE) for t in spec["room_tone"])
    audio = _pad_with(audio, audio[lo:hi], int(round(spec["pad_to"] * RATE)))
    silences = [Silence(s["start"], s["end"], s["label"], s["note"]) for s in spec["silences"]]
    # A monologue read aloud: no agent question, so the dialogue expectation is 0 (neutral).
    return [Turn("beckett", "real", audio, silences, spec["transcript"], prompt="")]


def _pad_with(audio: np.ndarray, tone: np.ndarray, length: int) -> np.ndarray:
    """Extend ``audio`` to ``length`` samples with ``tone`` repeated, cross-faded over 10 ms."""
    fade = RATE // 100
    out = audio
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    while len(out) < length:
        head = out[:-fade]
        joined = out[-fade:] * (1 - ramp) + tone[:fade] * ramp
        out = np.concatenate([head, joined, tone[fade:]])
    return out[:length].astype(np.float32)


def find_silences(audio: np.ndarray) -> list[tuple[float, float]]:
    """Gaps of ``MIN_SILENCE`` or more between speech windows, the last one to the audio's
    end; silence before the first word is not part of the turn."""
    win = int(WINDOW * RATE)
    n = len(audio) // win
    levels = np.sqrt(np.mean(np.square(audio[: n * win].reshape(n, win)), axis=1))
    voiced = np.flatnonzero(levels > VOICED)
    if len(voiced) == 0:
        return []
    gaps = []
    for a, b in zip(voiced[:-1], voiced[1:], strict=True):
        if (b - a - 1) * WINDOW >= MIN_SILENCE - 1e-9:
            gaps.append((round(float(a + 1) * WINDOW, 2), round(float(b) * WINDOW, 2)))
    gaps.append((round(float(voiced[-1] + 1) * WINDOW, 2), round(len(audio) / RATE, 2)))
    return gaps


def render(r: Rendering, synthesizer: Any) -> tuple[np.ndarray, list[tuple[float, float]]]:
    """The turn's 16 kHz audio and the spans where marked pauses were inserted."""
    from visavis.sim.phrasing import speak_line, trim_silence  # as the simulated patient
    from visavis.speech.tts.shift import ShiftedVoice

    factor = 2.0 ** (r.semitones / 12.0)
    voice = synthesizer.variant(r.length_scale * factor)
    if r.semitones:
        voice = ShiftedVoice(voice, r.semitones)
    spoken = speak_line(voice, r.text, RATE)
    # The line's own trailing silence is cut, so that the end silence is ``TAIL`` long.
    speech = trim_silence(spoken.audio, RATE, head=False, tail=True) * np.float32(0.8)
    pieces = [np.zeros(int(LEAD * RATE), dtype=np.float32), speech]
    marks = [(a + LEAD, b + LEAD) for a, b in spoken.pauses]
    pieces.append(np.zeros(int(TAIL * RATE), dtype=np.float32))
    audio = np.concatenate(pieces)
    rng = np.random.default_rng(int(r.key, 16) % 2**32)
    audio = audio + rng.normal(0.0, NOISE, len(audio)).astype(np.float32)
    return audio.astype(np.float32), marks


def _label(gaps: list[tuple[float, float]], marks: list[tuple[float, float]]) -> list[dict]:
    out = []
    for n, (start, end) in enumerate(gaps):
        last = n == len(gaps) - 1
        marked = any(a < end and b > start for a, b in marks)
        kind = "after the turn" if last else ("marker" if marked else "tts phrasing")
        out.append({"start": start, "end": end, "label": "end" if last else "hold", "kind": kind})
    return out


def load_synthetic(relabel: bool = False, progress: Progress = print) -> list[Turn]:
    """Render (or load from the cache) every synthetic turn; labels from ``synthetic.json``,
    written there for renderings it does not have yet (or all of them with ``relabel``)."""
    path = LABELS / "synthetic.json"
    stored = (
        {}
        if relabel or not path.exists()
        else {t["key"]: t for t in json.loads(path.read_text(encoding="utf-8"))["turns"]}
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    specs = renderings()
    synthesizer = None
    turns: list[Turn] = []
    entries: list[dict] = []
    rendered = mismatched = 0
    began = time.perf_counter()
    for n, r in enumerate(specs):
        file = CACHE / f"{r.key}.npz"
        if file.exists():
            data = np.load(file)
            audio, marks = data["audio"], [tuple(m) for m in data["marks"]]
        else:
            if synthesizer is None:
                from visavis.engines import load_engines

                progress("loading Piper ...")
                synthesizer = load_engines().synthesizer
            audio, marks = render(r, synthesizer)
            np.savez(file, audio=audio, marks=np.array(marks, dtype=np.float64).reshape(-1, 2))
            rendered += 1
        found = _label(find_silences(audio), marks)
        entry = stored.get(r.key)
        if entry is None:
            entry = {
                "id": r.id,
                "key": r.key,
                "text": r.text,
                "semitones": r.semitones,
                "length_scale": r.length_scale,
                "silences": found,
            }
        elif not _same(entry["silences"], found):
            mismatched += 1
        entries.append(entry)
        silences = [Silence(s["start"], s["end"], s["label"], s["kind"]) for s in entry["silences"]]
        turns.append(Turn(r.id, "synthetic", audio, silences, r.text, r.prompt))
        if (n + 1) % 25 == 0 or n + 1 == len(specs):
            progress(
                f"  synthetic turns {n + 1}/{len(specs)} ({rendered} rendered, "
                f"{time.perf_counter() - began:.0f} s)"
            )
    if mismatched:
        progress(
            f"warning: {mismatched} renderings differ from their stored labels by more "
            "than 30 ms (Piper changed?); the stored labels are used. --relabel to redo"
        )
    if relabel or len(stored) != len(entries) or set(stored) != {e["key"] for e in entries}:
        _write_labels(path, entries)
        progress(f"wrote {path.relative_to(ROOT)}")
    return turns


def _same(a: list[dict], b: list[dict]) -> bool:
    return len(a) == len(b) and all(
        abs(x["start"] - y["start"]) <= 0.03 and abs(x["end"] - y["end"]) <= 0.03
        for x, y in zip(a, b, strict=True)
    )


def _write_labels(path: Path, entries: list[dict]) -> None:
    doc = {
        "how": "Found on the rendered audio: 10 ms windows above -46 dBFS are speech; every gap "
        "of 100 ms or more after the first word is a silence. The last (the 2 s after the "
        "turn) is the end, all others holds: 'marker' ones come from the script's [pause s] "
        "markers, 'tts phrasing' ones from Piper's own pauses at punctuation. Deterministic "
        "Piper (no sampling noise), so rendering again gives the same silences.",
        "turns": entries,
    }
    lines = [json.dumps(e, separators=(", ", ": ")) for e in entries]
    text = json.dumps({"how": doc["how"], "turns": []}, indent=2)
    text = text.replace('"turns": []', '"turns": [\n    ' + ",\n    ".join(lines) + "\n  ]")
    path.write_text(text + "\n", encoding="utf-8")


def load_set(relabel: bool = False, progress: Progress = print) -> list[Turn]:
    progress("loading the real recording ...")
    real = load_real()
    progress("loading the synthetic turns ...")
    return real + load_synthetic(relabel, progress)
