"""The words a call's caller is likely to say, as context for the recogniser.

Whisper reads an *initial prompt* as if it were the text before the audio, so words in it are
spelt and recognised more readily: the patient's name, their medicines, the symptoms and the
visit times the persona asks about (the public API's ``layers.stt.hotwords``). On the
evaluation cohort's ~197 patient lines (espeak-ng and Piper voices, noise) it took the misheard
key words (names, years of birth, medicines, "fainted", the visit day) from 24 to 12 and the
word error rate from 23.9% to 20.8%, at ~15 ms more per transcription (p50, quiet machine). In
an earlier run of the cohort one line gained a prompt word it did not say ("No, that's all"
heard as "No, metoprolol"). Beam search (5) on top missed 9 but cost ~60 ms more on every
turn, so the loop stays greedy (``bench/asr_vocabulary.py`` measures all four).

Kept short: a long prompt costs decoder time on every turn, and Whisper may copy a long list
into its transcript ("Tuesday morning, Wednesday morning").
"""

from __future__ import annotations

from collections.abc import Iterable

#: Characters of prompt kept (Whisper reads at most ~220 prompt tokens; fewer decode faster).
MAX_CHARS = 400


def vocabulary_prompt(*parts: str | Iterable[str]) -> str:
    """One prompt from phrases and lists of terms, in order, each ending in a full stop:
    ``vocabulary_prompt("Maria Lopez", ["furosemide", "metoprolol"], "Chest pain.")`` gives
    ``"Maria Lopez. Furosemide, metoprolol. Chest pain."``. Empty parts are skipped; a term
    list is de-duplicated."""
    sentences: list[str] = []
    for part in parts:
        if isinstance(part, str):
            text = " ".join(part.split())
        else:
            seen: dict[str, None] = {}
            for term in part:
                term = " ".join(str(term).split())
                if term and term.lower() not in {t.lower() for t in seen}:
                    seen[term] = None
            text = ", ".join(seen)
        if not text:
            continue
        text = text[0].upper() + text[1:]
        sentences.append(text if text[-1] in ".?!" else f"{text}.")
    prompt = " ".join(sentences)
    if len(prompt) > MAX_CHARS:
        # The end of a prompt weighs most with Whisper; the persona's hotwords come last.
        prompt = prompt[-MAX_CHARS:].split(" ", 1)[-1]
    return prompt
