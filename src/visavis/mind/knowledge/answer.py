"""Grounded answers for speech: the one or two sentences of the documents that answer a question.

The answer is extractive on purpose: the agent reads the clinic's own words back, so it cannot
invent a dose or a rule. Sentences are taken from the passages ``KnowledgeBase.search`` returns
and ranked by closeness in meaning to the question (the embedding cosine, when the model is
there) plus the idf-weighted share of the question's words they hold; Markdown is stripped so
the text can be spoken. Nothing relevant gives ``text=None``: the caller refuses (and offers to
ask the care team) instead of answering.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from visavis.mind.knowledge.bm25 import tokenize
from visavis.mind.knowledge.chunking import sentences_of
from visavis.mind.knowledge.retrieval import (
    KnowledgeBase,
    Passage,
    Strategy,
    sentence_embedding_text,
)
from visavis.mind.knowledge.vectors import embed, embed_one

#: A second sentence is added only when it scores at least this share of the best one.
SECOND = 0.8
#: Weight of the word-overlap score against the cosine.
OVERLAP_WEIGHT = 0.5


@dataclass(frozen=True)
class GroundedAnswer:
    """``text`` to speak (None: nothing in the documents answers; refuse), and its sources."""

    text: str | None
    citations: list[Passage] = field(default_factory=list)

    @property
    def refused(self) -> bool:
        return self.text is None


# --- questions ----------------------------------------------------------------------------

_WH = r"what|what's|whats|when|where|which|who|whom|whose|why|how"
_AUX = (
    r"can|could|may|might|should|shall|will|would|must|is|isn't|are|aren't|am|was|were|do|does"
    r"|did|don't|doesn't|didn't|have|has|had"
)
# An auxiliary opening a question is followed by a subject: "can I", "is it", "do you".
_SUBJECT = r"i|you|we|it|he|she|they|my|your|this|that|there|these|those|the|a|an|me"
_QUESTION_START = re.compile(
    rf"^(?:(?:so|and|but|well|okay|ok|um|uh|oh|also|then|and so|sorry),?\s+)*"
    rf"(?:(?:{_WH})\b|(?:{_AUX})\s+(?:{_SUBJECT})\b|(?:is|are)\s+\w+\s+(?:ok|okay|alright|safe|"
    rf"fine|normal|bad|good)\b)",
    re.IGNORECASE,
)
# Indirect questions anywhere in the utterance.
_INDIRECT = re.compile(
    r"\b(?:i\s+(?:was|am|'m)\s+wondering|i\s+wonder|wondering\s+(?:if|whether)|"
    r"(?:tell|let)\s+me\s+(?:know\s+)?(?:if|whether|when|what|how|where|why)|"
    r"do\s+you\s+know|i\s+(?:want|wanted|need|needed)\s+to\s+(?:know|ask)|"
    r"(?:can|could)\s+you\s+(?:tell|explain|check)|is\s+it\s+(?:ok|okay|alright|safe|fine)|"
    r"am\s+i\s+(?:allowed|supposed)|should\s+i\b|can\s+i\b|may\s+i\b|"
    r"any\s+idea\s+(?:if|whether|why|how|what))",
    re.IGNORECASE,
)
# A clause start: questions often follow a statement ("I have a cold, can I ...").
_CLAUSE = re.compile(r"(?:^|[,;.!:]\s*|\s-\s)")


def looks_like_question(text: str) -> bool:
    """Whether a patient's utterance asks something (not: answers or reports something).

    "Can I have wine?", "is it okay to skip a dose", "I was wondering whether I can drive" and
    "what's my dose" are questions; "yes I take it every morning" and "I weighed 180 today" are
    not. Speech recognition rarely writes a question mark, so wording decides.
    """
    stripped = text.strip()
    if not stripped:
        return False
    if stripped.rstrip("\"') ").endswith("?"):
        return True
    if _INDIRECT.search(stripped):
        return True
    for start in _CLAUSE.finditer(stripped):
        if _QUESTION_START.match(stripped[start.end() :].lstrip()):
            return True
    return False


# --- answers ------------------------------------------------------------------------------


def _source(name: str) -> str:
    # "Your Heart Failure Discharge Instructions say" / "Your medication leaflet says".
    verb = (
        "say" if name.lower().rstrip().endswith(("instructions", "guidelines", "notes")) else "says"
    )
    return f"Your {name} {verb}"


def answer_question(
    kb: KnowledgeBase, question: str, strategy: Strategy = "balanced", *, k: int = 3
) -> GroundedAnswer:
    """The documents' answer to ``question`` in one or two quoted sentences, or a refusal."""
    passages = kb.search(question, k=k, strategy=strategy)
    if not passages:
        return GroundedAnswer(None, [])
    # Sentences of the best passage only: retrieval judged the passage as a whole, and a
    # sentence lifted from a weaker one answered "can I quit the Toprol" with "help to quit"
    # (smoking). Tried on the tuning half of the bench: no worse anywhere, one better.
    passage = passages[0]
    sentences = sentences_of(passage.text)
    if not sentences:
        return GroundedAnswer(None, [])
    # Each sentence is judged with its heading: "Take 10 mg once a day" answers "how much
    # lisinopril" because it sits under "Lisinopril".
    in_context = [sentence_embedding_text(passage.heading, s) for s in sentences]
    scores = _score(kb, question, in_context, strategy)
    best = int(np.argmax(scores))
    chosen = [best]
    # A second sentence when it is nearly as relevant: answers often span two ("Take 40 mg
    # once a day in the morning..." and "You will urinate more often...").
    rest = [i for i in range(len(sentences)) if i != best and scores[i] >= SECOND * scores[best]]
    if rest:
        chosen.append(max(rest, key=lambda i: scores[i]))
    quoted = " ".join(sentences[i] for i in sorted(chosen))  # in the document's order
    return GroundedAnswer(f"{_source(passage.document_name)}: {quoted}", [passage])


def _score(kb: KnowledgeBase, question: str, sentences: list[str], strategy: str) -> np.ndarray:
    terms = list(dict.fromkeys(tokenize(question)))
    weights = {t: kb.idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    overlap = np.array(
        [sum(weights[t] for t in set(tokenize(s)) if t in weights) / total for s in sentences]
    )
    if kb.encoder is None or strategy == "speed":
        return overlap
    cosine = embed(kb.encoder, sentences) @ embed_one(kb.encoder, question)
    return cosine + OVERLAP_WEIGHT * overlap
