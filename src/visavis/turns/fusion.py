"""End-of-turn fusion: a per-moment probability that the user has finished speaking.

A small logistic model over a handful of standardized features and two interactions, its
parameters fitted on the end-of-turn set by ``bench/turns/fit.py`` and shipped in
``eot_model.json`` (next to this file), which also documents every term and holds the word
lists the text and dialogue features read (copies of the tables below, checked by the tests):

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
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("eot_model.json")
RATE = 16000
#: When the VAD reports the pause, and the silence features are computed (seconds into it).
VAD_STOP = 0.2
#: Smart Turn's probability is clipped to [EPS, 1 - EPS] before the logit.
EPS = 1e-4
#: Prosody window: the frames of the last ``PROSODY_SPAN`` seconds before the silence.
PROSODY_SPAN = 1.5
_WORD = re.compile(r"[a-z']+")
_TOKEN = re.compile(r"[a-z0-9']+")
_SENTENCE = re.compile(r"[^.!?]*[.!?]+|[^.!?]+$")

#: Input feature names (what ``probability`` reads).
FEATURES = (
    "smart_turn_logit",
    "elapsed",
    "final_movement",
    "energy_drop",
    "lengthening",
    "turn_seconds",
    "trailing_incomplete",
    "terminal_punct",
    "question",
    "n_words",
    "answer_word",
    "ends_number",
    "visual_cue",
    "expectation",
)
#: Products of two input features that the model also weighs (``"a*b"``).
INTERACTIONS = ("answer_word*n_words", "trailing_incomplete*turn_seconds")
#: Every term of the model, in the order of its weights.
TERMS = FEATURES + INTERACTIONS

#: ``answer_word``: a yes/no answer among the transcript's first ``ANSWER_SPAN`` words.
ANSWER_WORDS = ("yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "okay", "ok", "right")
ANSWER_SPAN = 3
#: ``ends_number``: the last word is one of these, or starts with a digit ("40", "5mg").
NUMBER_WORDS = tuple(
    [
        "zero",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "thirteen",
        "fourteen",
        "fifteen",
        "sixteen",
        "seventeen",
        "eighteen",
        "nineteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "sixty",
        "seventy",
        "eighty",
        "ninety",
        "hundred",
        "thousand",
        "half",
    ]
)

#: The dialogue-expectation table (feature (e)), read by ``expectation_from_prompt`` on the
#: agent's last question (its last sentence ending in ?, else its last sentence), lower case,
#: words only. The first rule that matches gives the value:
#:
#: 1. ``story`` phrases anywhere in it or after it ("tell me about", "how have you been"): -1;
#: 2. ``fact_requests`` anywhere in it ("can you tell me [your date of birth]"): +0.5, one fact;
#: 3. ``short_openers`` as its first words ("how many", "when", "where"): +0.5, one fact;
#: 4. ``which``/``what`` first (``wh_item``): -0.5 if a plural noun (a word of four letters or
#:    more ending in s, not ss/us/is/'s, nor in ``not_plural``) follows within three words
#:    ("which medications", "what symptoms"): a list; else +0.5, one item ("what time");
#: 5. ``how`` first otherwise ("how is the cough"): -0.5, a description;
#: 6. ``yes_no_openers`` as its first word ("is", "did", "have", "can"): +1, yes or no;
#: 7. otherwise (or no words, no prompt): 0, unknown.
EXPECTATION_CUES: dict[str, Any] = {
    "story": [
        "tell me about",
        "tell me more",
        "tell me how",
        "tell me what",
        "how have you been",
        "how are you",
        "describe",
        "what happened",
        "walk me through",
        "talk me through",
        "anything else",
    ],
    "fact_requests": ["can you tell me", "could you tell me", "please tell me"],
    "short_openers": [
        "how many",
        "how much",
        "how often",
        "how long",
        "how old",
        "when",
        "where",
        "who",
        "whose",
    ],
    "wh_item": ["which", "what", "what's"],
    "yes_no_openers": [
        "is",
        "are",
        "am",
        "was",
        "were",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "can",
        "could",
        "will",
        "would",
        "should",
        "shall",
        "may",
        "might",
        "any",
        "isn't",
        "aren't",
        "don't",
        "doesn't",
        "didn't",
        "haven't",
        "hasn't",
        "won't",
    ],
    "not_plural": ["this", "does", "always", "perhaps", "less", "unless", "across", "works"],
    "values": {"story": -1.0, "list": -0.5, "how": -0.5, "item": 0.5, "short": 0.5, "yes_no": 1.0},
}


def expectation_from_prompt(prompt: str, cues: Mapping[str, Any] = EXPECTATION_CUES) -> float:
    """(e) What the agent's last question ``prompt`` asks for, in [-1, 1]: + a short answer
    (yes/no, one fact), - a list or a story, 0 when unknown or empty (see ``EXPECTATION_CUES``)."""
    sentences = [s.strip() for s in _SENTENCE.findall(prompt or "") if _WORD.search(s.lower())]
    if not sentences:
        return 0.0
    asks = [i for i, s in enumerate(sentences) if s.endswith("?")]
    tail = sentences[asks[-1] if asks else -1 :]  # the last question and what follows it
    words = _WORD.findall(tail[0].lower())
    value = cues["values"]
    padded = f" {' '.join(_WORD.findall(' '.join(tail).lower()))} "
    if any(f" {phrase} " in padded for phrase in cues["story"]):
        return float(value["story"])
    if any(f" {phrase} " in padded for phrase in cues["fact_requests"]):
        return float(value["short"])  # "can you tell me your date of birth?": one fact

    def opens(phrase: str) -> bool:
        parts = phrase.split()
        return words[: len(parts)] == parts

    if any(opens(phrase) for phrase in cues["short_openers"]):
        return float(value["short"])
    if words[0] in cues["wh_item"]:
        plural = any(_plural(w, cues["not_plural"]) for w in words[1:4])
        return float(value["list"] if plural else value["item"])
    if words[0] == "how":
        return float(value["how"])
    if words[0] in cues["yes_no_openers"]:
        return float(value["yes_no"])
    return 0.0


def _plural(word: str, not_plural: Sequence[str]) -> bool:
    return (
        len(word) >= 4
        and word.endswith("s")
        and not word.endswith(("ss", "us", "is", "'s"))
        and word not in not_plural
    )


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
        return text_features(text, self.incomplete_words, self.answer_words, self.number_words)

    def expectation(self, prompt: str) -> float:
        return expectation_from_prompt(prompt, self.expectation_cues)


def text_features(
    text: str,
    incomplete: set[str],
    answer_words: Sequence[str] = ANSWER_WORDS,
    number_words: Sequence[str] = NUMBER_WORDS,
) -> dict[str, float]:
    """Completeness of a partial transcript: all 0 (neutral) when it is empty."""
    stripped = text.strip()
    words = _WORD.findall(stripped.lower())
    tokens = _TOKEN.findall(stripped.lower())
    if not words and not tokens:
        return dict.fromkeys(TEXT_FEATURES, 0.0)
    last = tokens[-1] if tokens else ""
    # The last token, numbers included: "out of 10." ends in a number, not in "of".
    trailing = last in incomplete or stripped.endswith((",", "-", "..."))
    return {
        "trailing_incomplete": float(trailing),
        "terminal_punct": float(
            stripped.endswith((".", "!", "?")) and not stripped.endswith("...")
        ),
        "question": float(stripped.endswith("?")),
        "n_words": math.log1p(len(tokens)),
        "answer_word": float(any(w in answer_words for w in tokens[:ANSWER_SPAN])),
        "ends_number": float(last[:1].isdigit() or last in number_words),
    }


#: What ``text_features`` returns.
TEXT_FEATURES = (
    "trailing_incomplete",
    "terminal_punct",
    "question",
    "n_words",
    "answer_word",
    "ends_number",
)


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
    return {
        "smart_turn_logit": smart_turn_logit(smart_turn_p),
        "turn_seconds": turn_seconds(speech_start, silence_start),
        **prosody_features(frames, silence_start),
        **model.text_features(text),
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
