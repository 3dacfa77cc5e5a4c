"""Grounded retrieval on the example discharge instructions: recall, refusals, latency.

``bench/grounding_questions.json`` holds patient questions as they would be asked on the phone:
answerable ones name the heading path of the section that answers them (as the chunker names
it), the others are marked ``"answerable": false`` (medicines the leaflet does not mention,
unrelated health topics, hospital logistics, off-topic chat). For each retrieval strategy an
answerable question is recalled when its section is among the top 3 passages, and an
unanswerable one is refused when the search returns nothing: the agent may answer only from a
passage, so anything returned for it is an opening for an invented answer.
"""

from __future__ import annotations

import argparse
import json
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

from visavis.mind.knowledge import STRATEGIES, Document, KnowledgeBase, tokenize  # noqa: E402

QUESTIONS = Path(__file__).resolve().parent / "grounding_questions.json"
K = 3
#: How many times the whole question set is searched for the latency figures.
LATENCY_ROUNDS = 20
LATENCY_TARGET_MS = 30.0

#: A search: (question, k, strategy) -> headings of the passages returned, best first.
Search = Callable[[str, int, str], Sequence[str]]


def load_questions(path: Path = QUESTIONS) -> tuple[Path, list[dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return ROOT / data["document"], data["questions"]


def load_kb(document: Path) -> KnowledgeBase:
    return KnowledgeBase([Document.from_upload(document.read_bytes(), document.name)])


def kb_search(kb: KnowledgeBase) -> Search:
    def search(question: str, k: int, strategy: str) -> list[str]:
        return [p.heading for p in kb.search(question, k=k, strategy=strategy)]  # type: ignore[arg-type]

    return search


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


@dataclass
class Score:
    strategy: str
    answerable: int = 0
    unanswerable: int = 0
    recalled: int = 0
    top1: int = 0
    refused: int = 0
    false_refusals: int = 0
    #: (question, expected heading, headings returned): answerable ones not recalled.
    misses: list[tuple[str, str, list[str]]] = field(default_factory=list)
    #: (question, headings returned): unanswerable ones that got passages.
    leaks: list[tuple[str, list[str]]] = field(default_factory=list)
    #: (question, headings returned): recalled, but another section ranked first.
    not_first: list[tuple[str, list[str]]] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.recalled / self.answerable if self.answerable else 0.0

    @property
    def top1_accuracy(self) -> float:
        return self.top1 / self.answerable if self.answerable else 0.0

    @property
    def refusal_rate(self) -> float:
        return self.refused / self.unanswerable if self.unanswerable else 0.0

    @property
    def false_refusal_rate(self) -> float:
        return self.false_refusals / self.answerable if self.answerable else 0.0

    def percentile(self, q: int) -> float:
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else 0.0
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return cuts[q - 1]


def score(questions: list[dict], search: Search, strategy: str, k: int = K) -> Score:
    """Recall@k, top-1 and refusals of one strategy over the question set."""
    result = Score(strategy)
    for question in questions:
        text = question["text"]
        headings = list(search(text, k, strategy))
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
    questions: list[dict], search: Search, strategy: str, rounds: int = LATENCY_ROUNDS
) -> list[float]:
    """Per-query latency in ms over ``rounds`` passes of the whole question set."""
    latencies = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            search(question["text"], K, strategy)
            latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def run(rounds: int = LATENCY_ROUNDS) -> tuple[list[Score], KnowledgeBase]:
    document, questions = load_questions()
    kb = load_kb(document)
    search = kb_search(kb)
    results = []
    for strategy in STRATEGIES:
        search(questions[0]["text"], K, strategy)  # warm-up: builds the index
        result = score(questions, search, strategy)
        result.latencies_ms = time_searches(questions, search, strategy, rounds)
        results.append(result)
    return results, kb


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({100 * n / d:.0f}%)" if d else "0/0"


def report(
    results: list[Score], kb: KnowledgeBase | None = None, rounds: int = LATENCY_ROUNDS
) -> str:
    first = results[0]
    chunks = f" ({len(kb.chunks)} chunks)" if kb is not None else ""
    lines = [
        "## Grounding",
        "",
        f"{machine()} by `bench/grounding.py`: `KnowledgeBase.search(k={K})` over the example "
        f"discharge instructions{chunks} on `bench/grounding_questions.json` "
        f"({first.answerable} answerable questions, {first.unanswerable} the document does not "
        "answer). Latency is per query over "
        f"{rounds} passes of the set (target <= {LATENCY_TARGET_MS:.0f} ms).",
        "",
        f"| strategy | recall@{K} | top-1 | refusals (unanswerable) | false refusals | "
        "p50 ms | p95 ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.strategy} | {_pct(r.recalled, r.answerable)} | {_pct(r.top1, r.answerable)} "
            f"| {_pct(r.refused, r.unanswerable)} | {_pct(r.false_refusals, r.answerable)} "
            f"| {r.percentile(50):.2f} | {r.percentile(95):.2f} |"
        )
    # One line per failing question, naming the strategies it failed under.
    misses: dict[str, tuple[str, dict[str, list[str]]]] = {}
    leaks: dict[str, dict[str, list[str]]] = {}
    not_first: dict[str, dict[str, list[str]]] = {}
    for r in results:
        for text, expected, got in r.misses:
            misses.setdefault(text, (expected, {}))[1][r.strategy] = got
        for text, got in r.leaks:
            leaks.setdefault(text, {})[r.strategy] = got
        for text, got in r.not_first:
            not_first.setdefault(text, {})[r.strategy] = got
    if misses or leaks or not_first:
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
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--rounds", type=int, default=LATENCY_ROUNDS)
    args = parser.parse_args()
    results, kb = run(args.rounds)
    text = report(results, kb, args.rounds)
    print(text)
    if not args.no_write:
        write_section("grounding", text)
        print(f"wrote the grounding section of {DOC}")


if __name__ == "__main__":
    main()
