"""What the partial transcript and the agent's last question say about the end of a turn.

Feature (c) of the end-of-turn model (``fusion.py``): the completeness of what the user has said
so far (a trailing "and", "the", "um"; final punctuation; a question; its length; an answer word
up front; a number at the end). Feature (e): the dialogue's expectation, read from the agent's
last question (a yes/no question expects a short answer, "which medications" a list). The word
tables live here and are copied into ``eot_model.json`` by the fit, so the model and its data
travel together.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_WORD = re.compile(r"[a-z']+")
_TOKEN = re.compile(r"[a-z0-9']+")
_SENTENCE = re.compile(r"[^.!?]*[.!?]+|[^.!?]+$")

#: ``answer_word``: a yes/no answer among the transcript's first ``ANSWER_SPAN`` words.
ANSWER_WORDS = ("yes", "yeah", "yep", "yup", "no", "nope", "nah", "sure", "okay", "ok", "right")
ANSWER_SPAN = 3
#: ``trailing_incomplete`` also when the transcript ends with one of these: the caller is
#: stalling for time ("Let me think." before "Tuesday morning"), whatever the punctuation.
STALL_PHRASES = (
    "let me think",
    "let me see",
    "let me check",
    "let me look",
    "hold on",
    "hang on",
    "one moment",
    "one second",
    "just a moment",
    "just a second",
    "give me a moment",
    "give me a second",
    "wait a minute",
    "wait a moment",
)
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
#: 4. ``which``/``what`` first (``wh_item``): -0.5 if the word it asks about is a plural noun
#:    (a word of four letters or more ending in s, not ss/us/is/'s, nor in ``not_plural``):
#:    "which medications", "what symptoms", "which of your medications": a list; else +0.5,
#:    one item ("what time", "which day suits you"). The word asked about is the first one after
#:    which/what that is not in ``wh_skip`` ("of", a determiner, "other"); only that word is
#:    read, so a verb after a singular noun ("suits", "works", "sounds") does not make a list.
#:    ``not_plural`` also lists verbs that may follow which/what directly ("what happens");
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
    "wh_skip": ["of", "the", "your", "my", "his", "her", "their", "our", "these", "those", "other"],
    "not_plural": [
        "this",
        "does",
        "always",
        "perhaps",
        "less",
        "unless",
        "across",
        "works",
        "suits",
        "sounds",
        "seems",
        "happens",
        "means",
        "matters",
        "helps",
        "makes",
        "needs",
        "bothers",
        "worries",
    ],
    "values": {"story": -1.0, "list": -0.5, "how": -0.5, "item": 0.5, "short": 0.5, "yes_no": 1.0},
}


def expectation_from_prompt(prompt: str, cues: Mapping[str, Any] = EXPECTATION_CUES) -> float:
    """(e) What the agent's last question ``prompt`` asks for, in [-1, 1]: + a short answer
    (yes/no, one fact), - a list or a story, 0 when unknown or empty (see ``EXPECTATION_CUES``).
    Questions asked back to back count as one, as open as the most open of them that is known:
    "How have you been feeling? Any new symptoms?" invites a description, not a yes or no."""
    sentences = [s.strip() for s in _SENTENCE.findall(prompt or "") if _WORD.search(s.lower())]
    if not sentences:
        return 0.0
    asks = [i for i, s in enumerate(sentences) if s.endswith("?")]
    if not asks:
        return _expectation(sentences[-1:], cues)
    first = asks[-1]
    while first - 1 in asks:
        first -= 1
    # The last question with what follows it, and each question right before it; one whose
    # kind is unknown (0) makes the others no more open.
    known = [
        value
        for i in range(first, asks[-1] + 1)
        if (value := _expectation(sentences[i:] if i == asks[-1] else sentences[i : i + 1], cues))
    ]
    return min(known, default=0.0)


def _expectation(tail: list[str], cues: Mapping[str, Any]) -> float:
    """The expectation of one question (``tail[0]``) and any statements after it."""
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
        skip = cues.get("wh_skip", ())
        asked = next((w for w in words[1:] if w not in skip), "")
        return float(value["list"] if _plural(asked, cues["not_plural"]) else value["item"])
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


#: A question that asks for a date of birth (``date_without_year``).
BIRTH_DATE_PROMPTS = ("date of birth", "birth date", "birthday", "were you born")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)$|.*(first|second|third|th)$")


def date_without_year(text: str, prompt: str) -> bool:
    """After a date-of-birth question, a month and a day said without a year yet ("It's March
    4th." in "It's March fourteenth, [pause] nineteen fifty two."): the answer is unfinished,
    whatever the punctuation Whisper put after it."""
    if not any(p in prompt.lower() for p in BIRTH_DATE_PROMPTS):
        return False
    tokens = _TOKEN.findall(text.lower())
    months = [i for i, t in enumerate(tokens) if t in _MONTHS and t != "may"]
    if not months:
        return False
    after = tokens[months[-1] + 1 :]
    numbers = [t for t in after if t[:1].isdigit() or t in NUMBER_WORDS or _ORDINAL.match(t)]
    return len(numbers) <= 1 and not any(len(t) == 4 and t.isdigit() for t in after)


#: A question that asks for a number's digits, and how many ("the last four digits").
_DIGITS_ASKED = re.compile(r"\b(two|three|four|five|six|2|3|4|5|6) digits\b")
_DIGIT_COUNT = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_SPOKEN_DIGITS = frozenset(
    {"zero", "oh", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}
)


def digits_short(text: str, prompt: str) -> bool:
    """After a question for N digits, fewer said so far ("It's zero one," in "zero one, [pause]
    zero two"): the answer is unfinished, however Whisper punctuated it."""
    asked = _DIGITS_ASKED.search(prompt.lower())
    if asked is None:
        return False
    wanted = _DIGIT_COUNT.get(asked.group(1)) or int(asked.group(1))
    tokens = _TOKEN.findall(text.lower())
    said = sum(len(t) if t.isdigit() else t in _SPOKEN_DIGITS for t in tokens)
    return 0 < said < wanted


def unfinished_answer(text: str, prompt: str) -> bool:
    """Whether ``text`` leaves unsaid part of what ``prompt`` asked for: a date of birth
    without its year, or fewer digits than asked."""
    return date_without_year(text, prompt) or digits_short(text, prompt)


def text_features(
    text: str,
    incomplete: set[str],
    answer_words: Sequence[str] = ANSWER_WORDS,
    number_words: Sequence[str] = NUMBER_WORDS,
    stall_phrases: Sequence[str] = STALL_PHRASES,
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
    stalling = " ".join(words).endswith(tuple(stall_phrases))
    return {
        "trailing_incomplete": float(trailing or stalling),
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
