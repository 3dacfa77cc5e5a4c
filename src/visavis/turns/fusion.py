"""End-of-turn fusion: a per-moment probability that the user has finished speaking.

A small logistic model over a handful of standardized features and two interactions, its
parameters fitted on the end-of-turn set by ``bench/turns/fit.py`` and shipped in
``eot_model.json`` (next to this file), which also documents every term and holds the word
lists the text and dialogue features read (copies of the tables in ``transcript_cues.py``):

* (a) ``smart_turn_logit``: Smart Turn v3.2's probability (as a clipped logit), asked once per
  silence at the VAD stop (``VAD_STOP`` into it), on the turn's audio so far;
* ``elapsed``: seconds of silence so far (the only feature that changes during a silence);
* (b) prosody over the last voiced ~300 ms before the silence: ``final_movement`` (semitones,
  > 0 rising), ``energy_drop`` (dB, level of the last 100 ms of speech less the 300 ms before
  it) and ``lengthening`` (log of the last voiced stretch's length over the turn's median);
* ``turn_seconds``: log of the seconds from the turn's first voiced frame to the silence (a
  pause early in a turn is rarely its end; ``reset`` at each new user turn);
* (c) the partial transcript (Whisper on the audio up to the silence's start, once per
  silence): ``trailing_incomplete`` (its last word is a conjunction, article, preposition or
  filler, or it ends in a comma), ``terminal_punct`` (Whisper closed it with . ! ?),
  ``question``, ``n_words`` (log(1 + words)), ``answer_word`` (one of its first three words is
  a yes/no answer word, ``ANSWER_WORDS``) and ``ends_number`` (its last word is a number);
* (e) ``expectation``: what the agent's last question asks for, in [-1, 1]
  (``expectation_from_prompt``: + a short answer, - a list or a story, 0 unknown);
* interactions (``INTERACTIONS``): ``answer_word*n_words`` (a bare "yes." is over, "yes" followed
  by more words says less) and ``trailing_incomplete*turn_seconds`` (a transcript ending in
  "and the, uh" is unfinished however long the turn has run: the turn's length should not
  push such a pause towards an end). ``expectation*n_words`` (the first model's) was dropped:
  it drove complete answers of another kind than the question asked for ("This is Maria."
  after a date question) to ~0, and cross-validation did not miss it;
* (d) ``visual_cue``: an input for the face (gaze back to the camera, mouth closed), in
  [-1, 1] with 0 neutral. The audio set holds no labels for it, so its weight is 0 (not
  fitted): callers may set it but it changes nothing until a fit on data that has it.

Before the VAD stop the probability is 0: nothing is decided on the first 200 ms of a pause.
Causal: every feature reads only audio heard before the query (and the agent's question).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from visavis.turns.transcript_cues import ANSWER_SPAN as ANSWER_SPAN
from visavis.turns.transcript_cues import ANSWER_WORDS as ANSWER_WORDS
from visavis.turns.transcript_cues import EXPECTATION_CUES as EXPECTATION_CUES
from visavis.turns.transcript_cues import NUMBER_WORDS as NUMBER_WORDS
from visavis.turns.transcript_cues import STALL_PHRASES as STALL_PHRASES
from visavis.turns.transcript_cues import TEXT_FEATURES as TEXT_FEATURES
from visavis.turns.transcript_cues import date_without_year as date_without_year
from visavis.turns.transcript_cues import digits_short as digits_short
from visavis.turns.transcript_cues import expectation_from_prompt as expectation_from_prompt
from visavis.turns.transcript_cues import text_features as text_features
from visavis.turns.transcript_cues import unfinished_answer

MODEL_PATH = Path(__file__).with_name("eot_model.json")
RATE = 16000
#: When the VAD reports the pause, and the silence features are computed (seconds into it).
VAD_STOP = 0.2
#: Smart Turn's probability is clipped to [EPS, 1 - EPS] before the logit.
EPS = 1e-4
#: Prosody window: the frames of the last ``PROSODY_SPAN`` seconds before the silence.
PROSODY_SPAN = 1.5

#: Input feature names (what ``probability`` reads).
FEATURES = (
    "smart_turn_logit",
    "elapsed",
    "final_movement",
    "energy_drop",
    "lengthening",
    "turn_seconds",
    *TEXT_FEATURES,
    "visual_cue",
    "expectation",
)
#: Products of two input features that the model also weighs (``"a*b"``).
INTERACTIONS = ("answer_word*n_words", "trailing_incomplete*turn_seconds")
#: Every term of the model, in the order of its weights.
TERMS = FEATURES + INTERACTIONS


def term_value(term: str, features: Mapping[str, float]) -> float | None:
    """A model term from input features: the feature itself or the product ``a*b``;
    ``None`` when an input is missing."""
    value = 1.0
    for name in term.split("*"):
        if name not in features:
            return None
        value *= float(features[name])
    return value


@dataclass
class EndOfTurnModel:
    """The fitted logistic model: ``p = sigmoid(bias + sum w_i (x_i - mean_i) / std_i)`` over
    ``TERMS`` (input features and their listed products)."""

    weights: dict[str, float]
    means: dict[str, float]
    stds: dict[str, float]
    bias: float
    word_classes: dict[str, list[str]]
    raw: dict[str, Any] = field(default_factory=dict)
    answer_words: tuple[str, ...] = ANSWER_WORDS
    number_words: tuple[str, ...] = NUMBER_WORDS
    stall_phrases: tuple[str, ...] = STALL_PHRASES
    expectation_cues: dict[str, Any] = field(default_factory=lambda: dict(EXPECTATION_CUES))

    @classmethod
    def load(cls, path: Path | str = MODEL_PATH) -> EndOfTurnModel:
        spec = json.loads(Path(path).read_text())
        return cls(
            weights={k: float(v) for k, v in spec["weights"].items()},
            means={k: float(v) for k, v in spec["means"].items()},
            stds={k: float(v) for k, v in spec["stds"].items()},
            bias=float(spec["bias"]),
            word_classes={k: list(v) for k, v in spec["word_classes"].items()},
            raw=spec,
            answer_words=tuple(spec.get("answer_words", ANSWER_WORDS)),
            number_words=tuple(spec.get("number_words", NUMBER_WORDS)),
            stall_phrases=tuple(spec.get("stall_phrases", STALL_PHRASES)),
            expectation_cues=dict(spec.get("expectation_cues", EXPECTATION_CUES)),
        )

    @property
    def incomplete_words(self) -> set[str]:
        return {w for words in self.word_classes.values() for w in words}

    def logit(self, features: Mapping[str, float]) -> float:
        z = self.bias
        for name, w in self.weights.items():
            if w == 0.0:
                continue
            x = term_value(name, features)
            if x is None:
                continue  # missing input: the term sits at its mean (contributes 0)
            z += w * (x - self.means[name]) / (self.stds[name] or 1.0)
        return z

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.logit(features)
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def text_features(self, text: str) -> dict[str, float]:
        return text_features(
            text, self.incomplete_words, self.answer_words, self.number_words, self.stall_phrases
        )

    def expectation(self, prompt: str) -> float:
        return expectation_from_prompt(prompt, self.expectation_cues)


def smart_turn_logit(p: float) -> float:
    p = min(max(p, EPS), 1.0 - EPS)
    return math.log(p / (1.0 - p))


def turn_seconds(speech_start: float | None, silence_start: float) -> float:
    """log of the seconds spoken before the silence (at least 0.1 s; 0.1 s if none yet)."""
    if speech_start is None:
        return math.log(0.1)
    return math.log(max(silence_start - speech_start, 0.1))


def prosody_features(frames: list[Any], silence_start: float) -> dict[str, float]:
    """Final pitch movement, energy drop and lengthening from tracker frames before the silence
    (``frames``: ``TrackedFrame``s in time order; only those starting before it are read)."""
    from visavis.perception.prosody.measures import final_movement, prepare

    recent = [f for f in frames if silence_start - PROSODY_SPAN <= f.t < silence_start - 1e-6]
    out = {"final_movement": 0.0, "energy_drop": 0.0, "lengthening": 0.0}
    if len(recent) < 5:
        return out
    u = prepare(recent)
    out["final_movement"] = float(final_movement(u))
    speech = np.flatnonzero(u.speech)
    if len(speech):
        last_t = u.t[speech[-1]]
        tail = u.energy[speech[(u.t[speech] > last_t - 0.1 + 1e-6)]]
        before = u.energy[
            speech[(u.t[speech] <= last_t - 0.1 + 1e-6) & (u.t[speech] > last_t - 0.4)]
        ]
        if len(tail) and len(before):
            out["energy_drop"] = float(np.mean(tail) - np.mean(before))
    runs = _voiced_runs([f for f in frames if f.t < silence_start - 1e-6])
    if len(runs) >= 2:
        out["lengthening"] = float(math.log(runs[-1] / float(np.median(runs))))
    return out


def _voiced_runs(frames: list[Any]) -> list[float]:
    """Lengths (s) of voiced stretches, one unvoiced frame bridged."""
    runs: list[float] = []
    length = 0.0
    gap = 0
    for f in frames:
        if f.voiced:
            length += f.duration + (gap * f.duration if length and gap == 1 else 0.0)
            gap = 0
        else:
            gap += 1
            if gap > 1 and length:
                runs.append(length)
                length = 0.0
    if length:
        runs.append(length)
    return runs


def silence_feature_set(
    *,
    smart_turn_p: float,
    text: str,
    frames: list[Any],
    speech_start: float | None,
    silence_start: float,
    prompt: str = "",
    model: EndOfTurnModel | None = None,
) -> dict[str, float]:
    """Every input feature of a silence but ``elapsed`` and ``visual_cue``: what the fit and the
    live detector both compute once per silence, at the VAD stop. ``text``: the partial
    transcript up to the silence; ``frames``: prosody-tracker frames of the turn so far;
    ``prompt``: the agent's last question ('' if none). ``model`` supplies the word lists
    (the shipped model's when ``None``)."""
    model = model or _default_model()
    text_cues = model.text_features(text)
    if unfinished_answer(text, prompt):
        text_cues["trailing_incomplete"] = 1.0
    return {
        "smart_turn_logit": smart_turn_logit(smart_turn_p),
        "turn_seconds": turn_seconds(speech_start, silence_start),
        **prosody_features(frames, silence_start),
        **text_cues,
        "expectation": model.expectation(prompt),
    }


_DEFAULT: list[EndOfTurnModel] = []


def _default_model() -> EndOfTurnModel:
    if not _DEFAULT:
        _DEFAULT.append(EndOfTurnModel.load())
    return _DEFAULT[0]


#: ``(heard audio) -> (smart turn probability, partial transcript)``.
SilenceOracle = Callable[[np.ndarray, np.ndarray], tuple[float, str]]


class EndOfTurnDetector:
    """Streaming end-of-turn probability for one speaker: ``push`` every 20 ms chunk in order,
    ask ``end_probability`` during a silence. Smart Turn and the recognizer run once per silence
    (at ``VAD_STOP``); ``cache`` (any dict) keeps their answers across runs on the same audio."""

    def __init__(
        self,
        model: EndOfTurnModel | None = None,
        smart_turn: Any = None,
        recognizer: Any = None,
        cache: dict[str, tuple[float, str]] | None = None,
    ) -> None:
        self.model = model or EndOfTurnModel.load()
        self._smart_turn = smart_turn
        self._recognizer = recognizer
        self.cache = cache
        #: (d): set by the caller when known; 0 is neutral (weight 0: not fitted).
        self.visual_cue = 0.0
        #: The agent's last question, for (e); '' when none. Kept across ``reset``: set it
        #: when the agent asks, before or after resetting for the user's answer.
        self.prompt = ""
        #: (e) set directly to override ``prompt``'s expectation; ``None``: from ``prompt``.
        self.expectation: float | None = None
        self.reset()

    def reset(self) -> None:
        from visavis.perception.prosody.tracker import ProsodyTracker

        self._audio: list[np.ndarray] = []
        self._frames: list[Any] = []
        self._tracker = ProsodyTracker(RATE)
        self._t = 0.0
        self._speech_start: float | None = None
        self._silences: dict[float, dict[str, float]] = {}

    def push(self, chunk: np.ndarray) -> None:
        from visavis.runtime.media import AudioChunk

        x = np.asarray(chunk, dtype=np.float32).reshape(-1)
        self._audio.append(x)
        frame = self._tracker.push(AudioChunk(x, RATE, self._t))
        self._frames.append(frame)
        if self._speech_start is None and frame.voiced:
            self._speech_start = self._t
        self._t += len(x) / RATE

    def end_probability(self, silence_started_at: float, now: float) -> float:
        elapsed = now - silence_started_at
        if elapsed < VAD_STOP - 1e-9:
            return 0.0
        feats = self._silences.get(silence_started_at)
        if feats is None:
            feats = self.silence_features(silence_started_at)
            self._silences[silence_started_at] = feats
        expectation = (
            self.model.expectation(self.prompt) if self.expectation is None else self.expectation
        )
        return self.model.probability(
            {**feats, "elapsed": elapsed, "visual_cue": self.visual_cue, "expectation": expectation}
        )

    def silence_features(self, silence_started_at: float) -> dict[str, float]:
        """Everything but ``elapsed`` and (d), computed at the VAD stop by
        ``silence_feature_set`` (as the fit does); (e) from ``prompt``."""
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.float32)
        heard = audio[: int(round((silence_started_at + VAD_STOP) * RATE))]
        spoken = audio[: int(round(silence_started_at * RATE))]
        p, text = self._ask(heard, spoken)
        return silence_feature_set(
            smart_turn_p=p,
            text=text,
            frames=self._frames,
            speech_start=self._speech_start,
            silence_start=silence_started_at,
            prompt=self.prompt,
            model=self.model,
        )

    def _ask(self, heard: np.ndarray, spoken: np.ndarray) -> tuple[float, str]:
        key = None
        if self.cache is not None:
            import hashlib

            key = hashlib.sha1(heard.tobytes() + str(len(spoken)).encode()).hexdigest()
            if key in self.cache:
                return self.cache[key]
        if self._smart_turn is None:
            from visavis.turns.smart_turn import SmartTurn

            self._smart_turn = SmartTurn()
        if self._recognizer is None:
            from visavis.engines import load_engines

            self._recognizer = load_engines().recognizer
        p = float(self._smart_turn.probability(heard))
        text = self._recognizer.transcribe(spoken).text if len(spoken) else ""
        if key is not None and self.cache is not None:
            self.cache[key] = (p, text)
        return p, text
