"""Grounded answers on the example discharge instructions: accuracy, recall, refusals, latency.

``bench/grounding_questions.json`` holds patient questions as they would be asked on the phone:
answerable ones name the heading path of the section that answers them (as the chunker names
it) and ``answer_keywords``, the fact a correct answer must state; the others are marked
``"answerable": false`` (medicines the leaflet does not mention, unrelated health topics,
hospital logistics, off-topic chat). For each retrieval strategy an answerable question is
recalled when its section is among the top 3 passages, and answered correctly when
``answer_question`` speaks every keyword and cites that section; an unanswerable one is refused
when nothing comes back: the agent may answer only from a passage, so anything returned for it
is an opening for an invented answer.

The hybrid thresholds (``retrieval.py``) were tuned on the even-numbered questions only; the
odd-numbered ones are a held-out split, reported on their own. Questions marked
``"set": "fresh"`` were written later, before the relevance gates were last tuned, as a second
held-out set (more near-miss questions the leaflet does not answer); they are reported on their
own and left out of the main table and the even/odd split, so figures stay comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

# Run as a script (python bench/grounding.py) or imported by the tests as ``bench.grounding``.
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.report import DOC, machine, write_section  # noqa: E402

from visavis.mind.knowledge import (  # noqa: E402
    STRATEGIES,
    Document,
    KnowledgeBase,
    answer_question,
    tokenize,
    vectors,
)

QUESTIONS = Path(__file__).resolve().parent / "grounding_questions.json"
K = 3
#: How many times the whole question set is searched for the latency figures.
LATENCY_ROUNDS = 5
LATENCY_TARGET_MS = 30.0

#: A search: (question, k, strategy) -> headings of the passages returned, best first.
Search = Callable[[str, int, str], Sequence[str]]
#: An answer: (question, strategy) -> (text to speak or None, headings cited).
Answer = Callable[[str, str], tuple[str | None, Sequence[str]]]


def load_questions(path: Path = QUESTIONS) -> tuple[Path, list[dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ROOT / data["document"], data["questions"]


def load_kb(document: Path) -> KnowledgeBase:
    return KnowledgeBase([Document.from_upload(document.read_bytes(), document.name)])


def kb_search(kb: KnowledgeBase) -> Search:
    def search(question: str, k: int, strategy: str) -> list[str]:
        return [p.heading for p in kb.search(question, k=k, strategy=strategy)]  # type: ignore[arg-type]

    return search


def kb_answer(kb: KnowledgeBase) -> Answer:
    def answer(question: str, strategy: str) -> tuple[str | None, list[str]]:
        result = answer_question(kb, question, strategy)  # type: ignore[arg-type]
        return result.text, [p.heading for p in result.citations]

    return answer


def original(questions: list[dict]) -> list[dict]:
    """The first question set (the main table's), without the fresh held-out questions."""
    return [q for q in questions if q.get("set") != "fresh"]


def fresh(questions: list[dict]) -> list[dict]:
    """The fresh held-out questions (``"set": "fresh"``)."""
    return [q for q in questions if q.get("set") == "fresh"]


def split(questions: list[dict]) -> tuple[list[dict], list[dict]]:
    """(tuning, held-out): even- and odd-numbered questions of the original set."""
    first = original(questions)
    return first[0::2], first[1::2]


def correct_answer(question: dict, text: str | None, cited: Sequence[str]) -> bool:
    if text is None or question["expected_heading"] not in cited:
        return False
    spoken = text.lower()
    return all(keyword.lower() in spoken for keyword in question["answer_keywords"])


def absent_terms(kb: KnowledgeBase, question: str, heading: str) -> list[str]:
    """The question's search terms (stemmed) that the expected section does not contain."""
    name = kb.documents[0].name if kb.documents else ""
    words: set[str] = set()
    for chunk in kb.chunks:
        if (chunk.heading or name) == heading:
            words |= set(tokenize(chunk.heading + " " + chunk.text))
    return [t for t in dict.fromkeys(tokenize(question)) if t not in words]


def answerable(question: dict) -> bool:
    return question.get("answerable", True) is not False


def _share(n: int, d: int) -> float:
    return n / d if d else 0.0


@dataclass
class Score:
    strategy: str
    answerable: int = 0
    unanswerable: int = 0
    recalled: int = 0
    top1: int = 0
    refused: int = 0
    false_refusals: int = 0
    answered: int = 0
    #: (question, answer spoken): answerable ones answered wrongly or refused.
    wrong_answers: list[tuple[str, str | None]] = field(default_factory=list)
    #: (question, expected heading, headings returned): answerable ones not recalled.
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)
    #: (question, headings returned): unanswerable ones that got passages.
    leaks: list[tuple[str, list[str]]] = field(default_factory=list)
    #: (question, headings returned): recalled, but another section ranked first.
    not_first: list[tuple[str, list[str]]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    #: CPU time of the searching thread: the wall time less waiting for a core.
    cpu_latencies_ms: list[float] = field(default_factory=list)
    warm_latencies_ms: list[float] = field(default_factory=list)

    recall = property(lambda self: _share(self.recalled, self.answerable))
    top1_accuracy = property(lambda self: _share(self.top1, self.answerable))
    accuracy = property(lambda self: _share(self.answered, self.answerable))
    refusal_rate = property(lambda self: _share(self.refused, self.unanswerable))
    false_refusal_rate = property(lambda self: _share(self.false_refusals, self.answerable))

    def percentile(self, q: int, warm: bool = False, cpu: bool = False) -> float:
        latencies = self.warm_latencies_ms if warm else self.latencies_ms
        latencies = self.cpu_latencies_ms if cpu else latencies
        if len(latencies) < 2:
            return latencies[0] if latencies else 0.0
        cuts = statistics.quantiles(latencies, n=100, method="inclusive")
        return cuts[q - 1]


def score(
    questions: list[dict],
    search: Search,
    strategy: str,
    k: int = K,
    answer: Answer | None = None,
) -> Score:
    """Recall@k, top-1, refusals and (with ``answer``) answer accuracy of one strategy."""
    result = Score(strategy)
    for question in questions:
        text = question["text"]
        headings = list(search(text, k, strategy))
        if answer is not None and answerable(question):
            spoken, cited = answer(text, strategy)
            if correct_answer(question, spoken, cited):
                result.answered += 1
            else:
                result.wrong_answers.append((text, spoken))
        if not answerable(question):
            result.unanswerable += 1
            if headings:
                result.leaks.append((text, headings))
            else:
                result.refused += 1
            continue
        result.answerable += 1
        expected = question["expected_heading"]
        if not headings:
            result.false_refusals += 1
        if expected in headings[:k]:
            result.recalled += 1
            if headings[0] == expected:
                result.top1 += 1
            else:
                result.not_first.append((text, headings))
        else:
            result.misses.append((text, expected, headings))
    return result


def time_searches(
    questions: list[dict],
    search: Search,
    strategy: str,
    rounds: int = LATENCY_ROUNDS,
    *,
    cold: bool = True,
    cpu: list[float] | None = None,
) -> list[float]:
    """Per-query latency in ms over ``rounds`` passes of the whole question set (and the
    thread's CPU time per query appended to ``cpu``)."""
    latencies = []
    for _ in range(rounds):
        for question in questions:
            if cold:
                # The question's words are embedded again each time, as a new question's
                # are; warm, words already seen in earlier questions come from the cache.
                vectors.forget_queries()
            started, cpu_started = time.perf_counter(), time.thread_time()
            search(question["text"], K, strategy)
            latencies.append((time.perf_counter() - started) * 1000)
            if cpu is not None:
                cpu.append((time.thread_time() - cpu_started) * 1000)
    return latencies


@dataclass
class Run:
    """Per strategy: the original set (with latency), its held-out half, the fresh set."""

    results: list[Score]
    held_out: list[Score]
    fresh: list[Score]
    kb: KnowledgeBase


def run(rounds: int = LATENCY_ROUNDS) -> Run:
    """Scores per strategy over the original questions (with latency) and the held-out sets."""
    document, questions = load_questions()
    kb = load_kb(document)
    search, answer = kb_search(kb), kb_answer(kb)
    first, (_, held_out), new = original(questions), split(questions), fresh(questions)
    out = Run([], [], [], kb)
    for strategy in STRATEGIES:
        search(first[0]["text"], K, strategy)  # warm-up: builds the index
        result = score(first, search, strategy, answer=answer)
        result.latencies_ms = time_searches(
            first, search, strategy, rounds, cpu=result.cpu_latencies_ms
        )
        result.warm_latencies_ms = time_searches(first, search, strategy, rounds, cold=False)
        out.results.append(result)
        out.held_out.append(score(held_out, search, strategy, answer=answer))
        out.fresh.append(score(new, search, strategy, answer=answer))
    return out


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "0/0"


def _row(r: Score, latency: bool = True) -> str:
    cells = [
        r.strategy,
        _pct(r.answered, r.answerable),
        _pct(r.recalled, r.answerable),
        _pct(r.top1, r.answerable),
        _pct(r.refused, r.unanswerable),
        _pct(r.false_refusals, r.answerable),
    ]
    if latency:
        cells += [f"{r.percentile(50):.1f}", f"{r.percentile(95):.1f}"]
    return "| " + " | ".join(cells) + " |"


def _table(title: str, scores: list[Score]) -> list[str]:
    header = "| strategy | answer accuracy | recall@3 | top-1 | refusals (unanswerable) |"
    return [
        "",
        title,
        "",
        f"{header} false refusals |",
        "|---|---|---|---|---|---|",
        *(_row(r, latency=False) for r in scores),
    ]


def report(
    results: list[Score],
    kb: KnowledgeBase | None = None,
    rounds: int = LATENCY_ROUNDS,
    held_out: list[Score] | None = None,
    fresh_set: list[Score] | None = None,
) -> str:
    first = results[0]
    chunks = f" ({len(kb.chunks)} chunks)" if kb is not None else ""
    lines = [
        "## Grounding",
        "",
        f"{machine()} by `python bench/grounding.py`: `answer_question` and "
        f"`KnowledgeBase.search(k={K})` over the example discharge instructions{chunks} on "
        f"`bench/grounding_questions.json` ({first.answerable} answerable questions, "
        f"{first.unanswerable} the document does not answer). An answer is correct when it "
        "states the question's `answer_keywords` and cites the expected section. `speed` is "
        "BM25; `balanced` and `quality` are hybrid (BM25 + all-MiniLM-L6-v2 embeddings run in "
        "numpy, no torch). A hybrid passage must reach soft coverage 0.5 (word weights: idf x "
        "the larger of general-English specificity and 2 x the word's cosine with the "
        "question), cosine 0.2, and coverage + its closest sentence's cosine 0.9. Latency is "
        "per search, including embedding the question and its words no document holds in one "
        "packed forward pass (cold: none of them cached), over the original questions, "
        f"{rounds} passes (target <= "
        f"{LATENCY_TARGET_MS:.0f} ms; 1-minute load average when reported: "
        f"{os.getloadavg()[0]:.1f}, other jobs share the 2 cores).",
        "",
        "| strategy | answer accuracy | recall@3 | top-1 | refusals (unanswerable) | "
        "false refusals | p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|---|",
    ]
    lines += [_row(r) for r in results]
    for label, warm, cpu in (
        ("Warm (first pass cold; later ones find the question's vectors cached)", True, False),
        ("Cold, CPU time of the search (wall time beyond it: waiting for a core)", False, True),
    ):
        timed = [r for r in results if (r.warm_latencies_ms if warm else r.cpu_latencies_ms)]
        figures = ", ".join(
            f"{r.strategy} {r.percentile(50, warm, cpu):.1f} / {r.percentile(95, warm, cpu):.1f}"
            for r in timed
        )
        lines += ["", f"{label}, p50 / p95 ms: {figures}."] if timed else []
    if held_out:
        lines += _table(
            "The hybrid thresholds were tuned on the even-numbered questions; on the held-out "
            f"odd-numbered ones ({held_out[0].answerable} answerable, "
            f"{held_out[0].unanswerable} not):",
            held_out,
        )
    if fresh_set:
        lines += _table(
            'Fresh held-out set (`"set": "fresh"`, written before this round of tuning: '
            f"{fresh_set[0].answerable} answerable, {fresh_set[0].unanswerable} not, mostly "
            "near misses such as a listed medicine with a question the leaflet does not answer; "
            "thresholds come from the even split only, but the gates were designed after "
            "looking at failures in every split):",
            fresh_set,
        )
    # One line per failing question, naming the strategies it failed under.
    misses: dict[str, tuple[str, dict[str, list[str]]]] = {}
    leaks: dict[str, dict[str, list[str]]] = {}
    not_first: dict[str, dict[str, list[str]]] = {}
    wrong: dict[str, dict[str, str | None]] = {}
    for r in [*results, *(fresh_set or [])]:
        for text, expected, got in r.misses:
            misses.setdefault(text, (expected, {}))[1][r.strategy] = got
        for text, got in r.leaks:
            leaks.setdefault(text, {})[r.strategy] = got
        for text, got in r.not_first:
            not_first.setdefault(text, {})[r.strategy] = got
        for text, spoken in r.wrong_answers:
            wrong.setdefault(text, {})[r.strategy] = spoken
    if misses or leaks or not_first or wrong:
        lines.append("")
    for text, (expected, by) in misses.items():
        got = next(iter(by.values()))
        said = ", ".join(got) if got else "nothing"
        why = ""
        if kb is not None:
            absent = absent_terms(kb, text, expected)
            why = f"; words not in that section: {', '.join(absent) or 'none'}"
        lines.append(f"- missed ({', '.join(by)}): {text!r}: expected {expected}, got {said}{why}")
    for text, by in leaks.items():
        got = next(iter(by.values()))
        lines.append(f"- not refused ({', '.join(by)}): {text!r}: got {', '.join(got)}")
    for text, by in not_first.items():
        got = next(iter(by.values()))
        lines.append(f"- recalled, not first ({', '.join(by)}): {text!r}: got {', '.join(got)}")
    for text, by in wrong.items():
        if text in misses and all(s in misses[text][1] for s in by):
            continue  # already listed: the section was not found
        spoken = by.get("balanced", next(iter(by.values())))  # the default strategy's words
        said = "refused" if spoken is None else repr(spoken[:90] + "..." * (len(spoken) > 90))
        lines.append(f"- wrong answer ({', '.join(by)}): {text!r}: {said}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--rounds", type=int, default=LATENCY_ROUNDS)
    args = parser.parse_args()
    out = run(args.rounds)
    text = report(out.results, out.kb, args.rounds, out.held_out, out.fresh)
    print(text)
    if not args.no_write:
        write_section("grounding", text)
        print(f"wrote the grounding section of {DOC}")


if __name__ == "__main__":
    main()
