"""The call both sides of ``bench/peer_pipecat.py`` play: the agent's questions, the patient's.

One source of truth, plain Python with no imports beyond the standard library, so that Pipecat's
venv (``bench/peer_pipecat_driver.py``) reads it as well as visavis's.

A post-discharge follow-up call: each patient line answers the question the agent asks right
before it. The agent's greeting is the first question; its reply after turn i is the question of
turn i+1, and after the last turn a closing line. Both sides' instant responders (Pipecat's
``FixedReply``, visavis's ``FixedMind``) say exactly this sequence, chosen by the clock (see
``reply_at``), so an extra reply (an answer in a hesitation pause) never shifts the script.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass


@dataclass(frozen=True)
class ScriptTurn:
    #: "short", "complete" or "hesitant".
    kind: str
    #: What the agent says right before this turn (the greeting, for the first).
    question: str
    #: The patient's answer; "[pause s]" is a silence of s seconds mid-turn.
    line: str


SCRIPT: list[ScriptTurn] = [
    ScriptTurn(
        "short",
        "Hello, this is the care team at Riverside. Am I speaking with Maria Lopez?",
        "Yes, this is Maria.",
    ),
    ScriptTurn(
        "complete",
        "Thank you, Maria. How have you been managing your medications since you got home?",
        "I have been taking all my medications every morning.",
    ),
    ScriptTurn(
        "hesitant",
        "Good. Before we go on, can you tell me your date of birth?",
        "It's, um, [pause 0.9] March fourteenth, [pause 0.6] nineteen fifty two.",
    ),
    ScriptTurn("short", "Thank you. Do you have your discharge papers with you?", "Yes."),
    ScriptTurn(
        "complete",
        "How do you usually get to your appointments?",
        "My daughter drives me to the clinic on Tuesdays.",
    ),
    ScriptTurn(
        "hesitant",
        "Which medications have you been taking since you left the hospital?",
        "I've been taking, um, [pause 0.9] the water pill, and the, uh, [pause 1.0] "
        "the metoprolol, yes, all of them.",
    ),
    ScriptTurn("short", "Have you had any chest pain since you got home?", "No."),
    ScriptTurn(
        "complete",
        "Have you had any pain anywhere else, in your joints or your legs?",
        "The pain in my knee started about two weeks ago.",
    ),
    ScriptTurn(
        "hesitant",
        "Which day suits you for a follow-up visit?",
        "Let me think. [pause 1.0] Tuesday morning, I think.",
    ),
    ScriptTurn("short", "When did you last see your family doctor?", "About two weeks ago."),
    ScriptTurn(
        "complete",
        "How are you feeling today, compared with last week?",
        "I feel much better than last week, thank you.",
    ),
    ScriptTurn(
        "hesitant", "Do you have any other questions for us so far?", "No, [pause 0.7] that's all."
    ),
    ScriptTurn("short", "Have you had any trouble breathing at night?", "Not really."),
    ScriptTurn(
        "complete",
        "Is there anything you would like us to arrange for you?",
        "I would like to book an appointment for next Friday.",
    ),
    ScriptTurn(
        "hesitant",
        "Have you noticed any side effects from the new tablets?",
        "Um, [pause 0.8] maybe a little dizzy when I stand up.",
    ),
    ScriptTurn("short", "When is the best time for the nurse to call you?", "Tuesday morning."),
    ScriptTurn(
        "complete",
        "How is the swelling in your ankles?",
        "The swelling in my ankles has gone down.",
    ),
    ScriptTurn(
        "hesitant",
        "How often are you taking the water pill?",
        "I think, [pause 0.6] uh, [pause 0.8] twice a day.",
    ),
    ScriptTurn(
        "short",
        "Please weigh yourself every morning and write it down. Can you do that for me?",
        "Okay.",
    ),
    ScriptTurn(
        "complete",
        "How many hours are you sleeping at night?",
        "I sleep about seven hours a night.",
    ),
    ScriptTurn(
        "hesitant",
        "Have you missed any doses this week?",
        "Well, [pause 0.9] I forgot it once, on Sunday.",
    ),
    ScriptTurn(
        "short",
        "Let me read that back. The nurse will call you on Tuesday morning. Is that right?",
        "Yes, that's right.",
    ),
    ScriptTurn(
        "hesitant",
        "How have you been feeling since you got home from the hospital?",
        "I feel, [pause 0.7] well, the first few days were hard, I was tired in the "
        "afternoons and, [pause 0.9] and this week, [pause 0.7] a bit better.",
    ),
    ScriptTurn("short", "Is there anything else I can help you with today?", "No, that's all."),
]
#: What the agent says after the last turn.
CLOSING = "Thank you, Maria. Take care, and we will call again next week. Goodbye."


def replies(script: list[ScriptTurn] = SCRIPT) -> list[str]:
    """Everything the agent says, in order: [greeting, reply after turn 1, ..., closing]."""
    return [t.question for t in script] + [CLOSING]


def reply_at(sequence: list[str], starts: list[float], now: float) -> str:
    """The agent's line at ``now`` (seconds on the input's clock): after the start of turn i
    (``starts[i]``), the reply to turn i; before the first turn, the greeting."""
    return sequence[min(bisect.bisect_right(starts, now), len(sequence) - 1)]
