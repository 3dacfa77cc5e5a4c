"""Splitting an LLM's answer into sentences for TTS, which speaks one sentence at a time."""

from __future__ import annotations

import re

# Words that end with a period without ending the sentence ("Dr. Patel", "10 a.m. on Tuesday").
_ABBREVIATIONS = {"dr", "mr", "mrs", "ms", "st", "a.m", "p.m", "e.g", "i.e", "vs", "etc", "no"}
_BOUNDARY = re.compile(r"([.!?]+[\"')\]]*)\s+")


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` in order; markdown bullets and line breaks also end one."""
    sentences: list[str] = []
    for line in re.split(r"\n+", text):
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line).strip()
        start = 0
        for m in _BOUNDARY.finditer(line):
            before = line[start : m.start()].split()
            word = before[-1].lower().rstrip(".") if before else ""
            if m.group(1) == "." and word in _ABBREVIATIONS:
                continue
            sentences.append(line[start : m.end(1)].strip())
            start = m.end()
        if line[start:].strip():
            sentences.append(line[start:].strip())
    return [s for s in sentences if re.search(r"\w", s)]
