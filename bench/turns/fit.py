"""Fit the end-of-turn fusion model (``visavis.turns.fusion``) on the turn set.

Usage: python bench/turns/fit.py [--no-write] [--train-only] [--cv [--drop TERM ...]]

1. Per labelled silence, the silence features are computed causally by the runtime detector
   itself (Smart Turn on the audio up to the VAD stop, Whisper on the audio up to the silence's
   start, prosody of the frames before it). Smart Turn's and Whisper's answers are cached in
   ``out/turns-cache/eot-oracle.json`` so refits take seconds.
   The agent's question each synthetic line answers (``script.PROMPTS``) gives the dialogue
   expectation (``fusion.expectation_from_prompt``); the real recording has none (0).
2. Samples: every 20 ms of every silence from the VAD stop on (holds until the user resumes,
   the end silence up to ``HORIZON``), labelled with the silence's label. A logistic regression
   on them estimates P(end | features, silent for ``elapsed`` so far); its terms are the input
   features and the products in ``fusion.INTERACTIONS``, standardized, L2-regularised, fitted
   by Newton's method in numpy.
3. Split by script line (every rendering of a line on the same side; ``TEST_EVERY``), the real
   recording in the test split. The model is fitted on the train split and scored on the test
   split with the harness, next to the silence threshold and Smart Turn alone; then refitted on
   everything for ``eot_model.json`` unless ``--train-only``.

Which terms to add beyond the first model (``expectation``, ``n_words``, ``answer_word``,
``ends_number``) and which products of two features to weigh was chosen by cross-validation
inside the train split (three folds of script lines, three fold assignments), never on the
test split: ``--cv`` prints those figures for the shipped terms, ``--cv --drop TERM`` without a
term, ``--cv --add a*b`` with one more product. With the hesitant and long lines of the set,
forward selection over products kept ``answer_word*n_words`` and
``trailing_incomplete*turn_seconds`` and dropped ``expectation*n_words``;
``elapsed*trailing_incomplete``, ``elapsed*turn_seconds`` and ``turn_seconds*terminal_punct``
did not improve it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make ``bench.*`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.turns.dataset import CACHE, load_set  # noqa: E402
from bench.turns.harness import (  # noqa: E402
    STEP,
    Turn,
    cutoff_rate_at_dead_air,
    dead_air_at_cutoff_rate,
    run_setting,
    score,
)

from visavis.turns.fusion import (  # noqa: E402
    ANSWER_WORDS,
    EXPECTATION_CUES,
    INTERACTIONS,
    MODEL_PATH,
    NUMBER_WORDS,
    STALL_PHRASES,
    TERMS,
    VAD_STOP,
    EndOfTurnDetector,
    EndOfTurnModel,
    term_value,
)

ORACLE = CACHE / "eot-oracle.json"
#: Script lines with ``index % TEST_EVERY == TEST_REST`` (all their renderings) are the test set.
TEST_EVERY = 3
TEST_REST = 2
#: End silences contribute samples up to this much silence (s).
HORIZON = 1.2
#: L2 penalty on the standardized weights (Newton's method on the penalised log-likelihood).
L2 = 1.0
#: Not fitted: no labels for it in this audio set (see fusion.py).
UNFITTED = ("visual_cue",)


def _words(text: str) -> list[str]:
    return text.split()


#: A partial transcript whose last word is one of these is unfinished. Data, not tuning: edit
#: here and refit. Left out: words that often end a sentence too ("now and then", "after a
#: while", "ever since", "I did that", "the day after", "it's over", "walk around", "though").
WORD_CLASSES = {
    "conjunctions": _words(
        "and or but so because cause cos if when which who plus nor although unless until"
        " whereas whether"
    ),
    "articles_determiners": _words(
        "the a an my your his her their our this these those some any each every its another"
    ),
    "prepositions": _words(
        "of to in on at for with from by about into like than under between through without"
    ),
    "fillers": _words("um uh er erm hmm mm ah uhm umm uhh"),
}

COMMENTS = {
    "smart_turn_logit": "(a) logit of Smart Turn v3.2's P(complete), clipped to [1e-4, 1-1e-4], "
    "asked once per silence at the VAD stop (0.2 s) on the turn's audio so far",
    "elapsed": "seconds of silence so far (from 0.2 s on; before it the probability is 0)",
    "final_movement": "(b) last pitch movement into the silence, semitones (> 0 rising), "
    "prosody.measures.final_movement over the last voiced <= 0.3 s",
    "energy_drop": "(b) dB: mean level of the last 100 ms of speech less the 300 ms before it",
    "lengthening": "(b) log(last voiced stretch / median voiced stretch of the turn so far)",
    "turn_seconds": "log(seconds from the turn's first voiced frame to the silence, >= 0.1): "
    "a pause early in a turn is rarely its end (reset the detector at each user turn)",
    "trailing_incomplete": "(c) 1 if the Whisper partial transcript (audio up to the silence) "
    "ends in a word of word_classes or a comma, else 0 (0 when empty)",
    "terminal_punct": "(c) 1 if Whisper ended the partial transcript with . ! or ?",
    "question": "(c) 1 if the partial transcript ends with ?",
    "n_words": "(c) log(1 + number of words of the partial transcript) (0 when empty)",
    "answer_word": "(c) 1 if one of the partial transcript's first 3 words is in answer_words "
    "(yes, no, yeah, sure, ...)",
    "ends_number": "(c) 1 if the partial transcript's last word is a number (in number_words or "
    "starting with a digit)",
    "visual_cue": "(d) face cue in [-1, 1] (gaze back, mouth closed = +), 0 neutral; NOT FITTED "
    "(no labels in the audio set): weight 0",
    "expectation": "(e) dialogue expectation in [-1, 1] from the agent's last question "
    "(fusion.expectation_from_prompt with expectation_cues): +1 yes/no, +0.5 one fact or item, "
    "-0.5 a list or description, -1 a story ('tell me about'), 0 unknown or no question (the "
    "real recording)",
    "expectation*n_words": "interaction: expectation x n_words (the same few words end a reply "
    "to a yes/no question but not to 'tell me about ...')",
    "answer_word*n_words": "interaction: answer_word x n_words (a bare 'yes.' is over; 'yes' "
    "followed by more words says less about the end)",
    "trailing_incomplete*turn_seconds": "interaction: trailing_incomplete x turn_seconds (a "
    "transcript ending in 'and the, uh' is unfinished however long the turn has run; without "
    "it a late pause after a filler looked like an end)",
}


def line_of(turn: Turn) -> int | None:
    """The script line of a synthetic turn (``s07-2`` -> 7, ``s103-0`` -> 103); ``None`` for
    the real one."""
    return int(turn.id[1:].split("-")[0]) if turn.source == "synthetic" else None


def is_test(turn: Turn) -> bool:
    line = line_of(turn)
    return line is None or line % TEST_EVERY == TEST_REST


def neutral_model() -> EndOfTurnModel:
    zeros = dict.fromkeys(TERMS, 0.0)
    return EndOfTurnModel(zeros, dict(zeros), dict.fromkeys(TERMS, 1.0), 0.0, WORD_CLASSES)


def silence_rows(
    turns: list[Turn], oracle: dict[str, tuple[float, str]]
) -> list[tuple[Turn, dict[str, float], float, float, int]]:
    """``(turn, silence features, start, last query, label)`` per labelled silence, causally:
    features at a silence read only audio up to it (the detector slices by time)."""
    rows = []
    det = EndOfTurnDetector(neutral_model(), cache=oracle)
    for i, turn in enumerate(turns):
        det.reset()
        det.prompt = turn.prompt
        for k in range(0, len(turn.audio), 320):
            chunk = np.zeros(320, np.float32)
            part = turn.audio[k : k + 320]
            chunk[: len(part)] = part
            det.push(chunk)
        for s in sorted(turn.silences, key=lambda s: s.start):
            feats = det.silence_features(s.start)
            last = s.end if s.label == "hold" else s.start + HORIZON
            rows.append((turn, feats, s.start, last, int(s.label == "end")))
        if i % 20 == 0:
            print(f"  features: {i + 1}/{len(turns)} turns", flush=True)
            _save(oracle)
    _save(oracle)
    return rows


def samples(rows: list, terms: tuple[str, ...] = TERMS) -> tuple[np.ndarray, np.ndarray]:
    """20 ms samples of ``rows``: one row of ``terms`` values per sample, and its label."""
    xs, ys = [], []
    for _turn, feats, start, last, label in rows:
        k = int(np.ceil((start + VAD_STOP) / STEP - 1e-6))
        while k * STEP < last - 1e-6:
            x = {**feats, "elapsed": k * STEP - start, "visual_cue": 0.0}
            xs.append([term_value(n, x) for n in terms])
            ys.append(label)
            k += 1
    return np.array(xs, dtype=np.float64), np.array(ys, dtype=np.float64)


def fit(
    x: np.ndarray,
    y: np.ndarray,
    skip: tuple[str, ...] = UNFITTED,
    terms: tuple[str, ...] = TERMS,
) -> EndOfTurnModel:
    """Logistic regression on ``samples`` (columns ``terms``); terms in ``skip`` get weight 0."""
    fitted = [i for i, n in enumerate(terms) if n not in skip]
    mean = x.mean(axis=0)
    std = x.std(axis=0)
    std[std < 1e-9] = 1.0
    z = np.column_stack([np.ones(len(x)), (x[:, fitted] - mean[fitted]) / std[fitted]])
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        delta = np.linalg.solve(hess, grad)
        w -= delta
        if np.max(np.abs(delta)) < 1e-8:
            break
    weights = dict.fromkeys(terms, 0.0)
    for j, i in enumerate(fitted):
        weights[terms[i]] = float(w[j + 1])
    means = {n: float(mean[i]) if n not in skip else 0.0 for i, n in enumerate(terms)}
    stds = {n: float(std[i]) if n not in skip else 1.0 for i, n in enumerate(terms)}
    return EndOfTurnModel(weights, means, stds, float(w[0]), WORD_CLASSES)


class CachedSmartTurn(EndOfTurnDetector):
    """Smart Turn alone (as ``detectors.SmartTurnDetector``), reading the shared cache."""

    def end_probability(self, silence_started_at: float, now: float) -> float:
        if now - silence_started_at < VAD_STOP - 1e-9:
            return 0.0
        if silence_started_at not in self._silences:
            audio = np.concatenate(self._audio)
            heard = audio[: int(round((silence_started_at + VAD_STOP) * 16000))]
            spoken = audio[: int(round(silence_started_at * 16000))]
            self._silences[silence_started_at] = {"p": self._ask(heard, spoken)[0]}
        return self._silences[silence_started_at]["p"]


def evaluate(model: EndOfTurnModel, turns: list[Turn], oracle: dict) -> dict[str, dict]:
    from bench.turns.detectors import SILENCE_GRID
    from bench.turns.harness import SilenceThreshold

    probs = [round(0.01 * i, 2) for i in range(1, 100)]
    out = {}
    fused = run_setting(0.5, EndOfTurnDetector(model, cache=oracle), turns)
    st = run_setting(0.5, CachedSmartTurn(model, cache=oracle), turns)
    candidates = {
        "silence threshold": [
            score(run_setting(t, SilenceThreshold(t), turns), 0.5) for t in SILENCE_GRID
        ],
        "Smart Turn v3.2": [score(st, t) for t in probs],
        "fused": [score(fused, t) for t in probs],
    }
    for name, points in candidates.items():
        out[name] = {
            "cutoff_at_300ms": cutoff_rate_at_dead_air(points, 0.3),
            "dead_air_at_5pct": dead_air_at_cutoff_rate(points, 0.05),
        }
    return out


#: Fold assignments of the train split's script lines for ``--cv`` (three folds each).
FOLDS = (lambda line: line // 3 % 3, lambda line: line // 6 % 3, lambda line: line * 5 // 3 % 3)


def cross_validate(
    rows: list, oracle: dict, skip: tuple[str, ...] = UNFITTED, terms: tuple[str, ...] = TERMS
) -> tuple[float | None, float | None]:
    """The fused model's figures by cross-validation inside the train split (how terms were
    chosen): per fold assignment, fit on two folds, score the third, pool the three; the mean
    over assignments (a missing figure counts as 100% / the 2 s timeout)."""
    from bench.turns.harness import TIMEOUT, Runs

    train = [r for r in rows if not is_test(r[0])]
    probs = [round(0.01 * i, 2) for i in range(1, 100)]
    cutoffs, dead = [], []
    for assign in FOLDS:
        pooled = Runs(0.5)
        for k in range(3):
            part = [r for r in train if assign(line_of(r[0])) != k]
            model = fit(*samples(part, terms), skip, terms)
            turns = list({id(r[0]): r[0] for r in train if assign(line_of(r[0])) == k}.values())
            runs = run_setting(0.5, EndOfTurnDetector(model, cache=oracle), turns)
            pooled.silences += runs.silences
            pooled.traces += runs.traces
        points = [score(pooled, t) for t in probs]
        c = cutoff_rate_at_dead_air(points, 0.3)
        d = dead_air_at_cutoff_rate(points, 0.05)
        cutoffs.append(1.0 if c is None else c)
        dead.append(TIMEOUT if d is None else d)
    return float(np.mean(cutoffs)), float(np.mean(dead))


#: The audio features ``probe.py`` holds at their typical values.
AUDIO = ("smart_turn_logit", "final_movement", "energy_drop", "lengthening")


def typical_audio(rows: list) -> dict[str, dict[str, float]]:
    """Median audio features over the set's silences (all labels) whose partial transcript is
    unfinished (``trailing_incomplete`` 1) or not (0): what ``probe.py`` assumes for a
    transcript of that kind, chosen by the text alone."""
    out = {}
    for flag in (0.0, 1.0):
        feats = [f for _t, f, *_ in rows if f["trailing_incomplete"] == flag]
        out[f"trailing_incomplete={flag:g}"] = {
            n: float(np.median([f[n] for f in feats])) if feats else 0.0 for n in AUDIO
        }
    return out


def to_json(model: EndOfTurnModel, extra: dict) -> dict:
    return {
        "comment": "End-of-turn fusion model for visavis.turns.fusion: p = sigmoid(bias + "
        "sum_i weights[i] * (x[i] - means[i]) / stds[i]) over the terms (input features and "
        "the products 'a*b' listed in interactions); 0 before the VAD stop (0.2 s into a "
        "silence). Fitted by bench/turns/fit.py (logistic regression, L2 on standardized "
        "weights) on 20 ms samples of every labelled silence of bench/turns; do not hand-edit "
        "(the word lists are copies of visavis.turns.fusion's tables and bench/turns/fit.py's "
        "WORD_CLASSES).",
        "features": {n: COMMENTS[n] for n in TERMS},
        "interactions": list(INTERACTIONS),
        "bias": model.bias,
        "weights": model.weights,
        "means": model.means,
        "stds": model.stds,
        "word_classes": model.word_classes,
        "answer_words": list(ANSWER_WORDS),
        "number_words": list(NUMBER_WORDS),
        "stall_phrases": list(STALL_PHRASES),
        "expectation_cues": EXPECTATION_CUES,
        "fit": extra,
    }


def _load_oracle() -> dict[str, tuple[float, str]]:
    if ORACLE.exists():
        return {k: (float(v[0]), str(v[1])) for k, v in json.loads(ORACLE.read_text()).items()}
    return {}


def _save(oracle: dict) -> None:
    ORACLE.parent.mkdir(parents=True, exist_ok=True)
    ORACLE.write_text(json.dumps(oracle))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-write", action="store_true", help="do not write eot_model.json")
    ap.add_argument("--train-only", action="store_true", help="ship the train-split model")
    ap.add_argument(
        "--cv",
        action="store_true",
        help="only print cross-validated figures inside the train split (no test, no write)",
    )
    ap.add_argument(
        "--drop", action="append", default=[], help="with --cv: leave this term out (repeatable)"
    )
    ap.add_argument(
        "--add",
        action="append",
        default=[],
        help="with --cv: also weigh this product of two features, 'a*b' (repeatable)",
    )
    args = ap.parse_args()
    started = time.perf_counter()
    turns = load_set()
    oracle = _load_oracle()
    rows = silence_rows(turns, oracle)
    if args.cv:
        skip = (*UNFITTED, *args.drop)
        terms = (*TERMS, *(t for t in args.add if t not in TERMS))
        c, d = cross_validate(rows, oracle, skip, terms)
        added = f", with {', '.join(args.add)}" if args.add else ""
        print(f"cross-validated on the train split, without {', '.join(skip)}{added}:")
        print(f"  false cut-offs @300 ms: {c:.1%}   dead air @5%: {d * 1000:.0f} ms")
        return
    train_rows = [r for r in rows if not is_test(r[0])]
    test_turns = [t for t in turns if is_test(t)]
    x, y = samples(train_rows)
    model = fit(x, y)
    print(f"train: {len(train_rows)} silences, {len(x)} samples")
    for n in TERMS:
        print(f"  {n:20s} w={model.weights[n]:+.3f}  mean={model.means[n]:+.3f}")
    results = evaluate(model, test_turns, oracle)
    n_hold = sum(s.label == "hold" for t in test_turns for s in t.silences)
    print(f"test: {len(test_turns)} turns, {n_hold} holds, {len(test_turns)} ends")
    for name, r in results.items():
        c, d = r["cutoff_at_300ms"], r["dead_air_at_5pct"]
        print(
            f"  {name:18s} false cut-offs @300 ms: {'-' if c is None else f'{c:.1%}'}"
            f"   dead air @5%: {'-' if d is None else f'{d * 1000:.0f} ms'}"
        )
    final = model
    if not args.train_only:
        final = fit(*samples(rows))
    cv_cutoff, cv_dead = cross_validate(rows, oracle)
    print(f"train-split CV: false cut-offs @300 ms {cv_cutoff:.1%}, dead air @5% {cv_dead:.3f} s")
    extra = {
        "typical_audio": typical_audio(rows),
        "trained_on": "train split" if args.train_only else "all turns (after the test below)",
        "split": f"by script line: line % {TEST_EVERY} == {TEST_REST} and the real recording "
        "are test",
        "test_split": results,
        "train_split_cv": {"cutoff_at_300ms": cv_cutoff, "dead_air_at_5pct": cv_dead},
        "train_split_weights": model.weights,
        "unfitted": list(UNFITTED),
    }
    if not args.no_write:
        MODEL_PATH.write_text(json.dumps(to_json(final, extra), indent=2) + "\n")
        print(f"wrote {MODEL_PATH}")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
