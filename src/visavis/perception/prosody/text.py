"""What the transcript says about prosody: syllable counts and filled pauses ("um", "uh")."""

from __future__ import annotations

import re

# Filled pauses as recognizers and people spell them: um/umm/uhm, uh/uhh, er/erm/err, eh/ehm,
# hm/hmm/hmmm. Not "mm-hmm" or "uh-huh" (backchannels: they mean yes) and not "ah"/"oh"
# (interjections that carry meaning). Hyphenated tokens stay whole, so "uh-huh" never matches.
_FILLED = re.compile(r"^(?:u+h*m+|u+h+|e+r+m*|e+h+m*|h+m+)$")
_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def words_of(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def is_filled_pause(word: str) -> bool:
    return bool(_FILLED.match(word.lower()))


def count_filled_pauses(text: str) -> int:
    """Filled pauses in a transcript ("Um, I, uh, think so" -> 2)."""
    return sum(1 for w in words_of(text) if is_filled_pause(w))


def count_syllables(text: str) -> int:
    """Syllables in English text by vowel groups, a silent final "e", one at least per word.

    Good to about ±10% on running text, which is all a speaking rate needs; digits count one
    syllable each (recognizers write "10:30" as digits)."""
    total = 0
    for word in words_of(text):
        for part in word.split("-"):
            total += _word_syllables(part)
    return total


def _word_syllables(word: str) -> int:
    word = word.replace("'", "")
    if not word:
        return 0
    if word.isdigit():
        return len(word)
    if is_filled_pause(word):
        return 1
    n = len(_VOWEL_GROUPS.findall(word))
    # Silent final "e" ("make", "take"), but not "-le" ("table") or "-ee"/"-ye" ("free").
    if n > 1 and word.endswith("e") and not word.endswith(("le", "ee", "ye")):
        n -= 1
    # "-ed" is silent after most consonants ("walked"), spoken after t/d ("wanted").
    if n > 1 and word.endswith("ed") and len(word) > 3 and word[-3] not in "td":
        n -= 1
    return max(1, n)
