"""Turn-taking settings, and the public levels (``low``/``medium``/``high``) that set them.

``turn_taking_patience`` (persona layer) and ``participant_pause_sensitivity`` (live, inverse)
set how sure the turns stage must be that the user has finished before it answers;
``replica_interruptibility`` (persona layer) and ``participant_interrupt_sensitivity`` (live) set
how readily the user's speech over the agent stops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["low", "medium", "high"]
Detector = Literal["fused", "silence"]


@dataclass
class TurnSettings:
    #: ``fused``: the end-of-turn model (``turns/fusion.py``: Smart Turn, prosody, the partial
    #: transcript, the face and the last question); ``silence``: a fixed silence threshold.
    detector: Detector = "fused"
    #: Fused: the end-of-turn probability at which the agent answers.
    end_of_turn_threshold: float = 0.7
    #: Silence: the silence after the end of user speech that ends the turn (seconds).
    end_of_turn_silence: float = 0.5
    #: Fused: a silence this long ends the turn whatever the model says (seconds).
    max_end_of_turn_silence: float = 2.0
    #: The silence that ends a turn while perception sees the user thinking (looking away or
    #: frowning): people search for a word with their eyes, and a cut there is rude. Also after
    #: an answer unfinished by what was asked (a date of birth without its year).
    thinking_silence: float = 1.4
    #: Silence after the agent finished before a gentle re-prompt (seconds; 0 disables).
    reprompt_after: float = 8.0
    #: Whether user speech may cut the agent's replies at all.
    barge_in: bool = True
    #: How long the user must keep speaking over the agent before it even pauses (seconds; 0:
    #: at the VAD's onset).
    barge_in_delay: float = 0.0
    #: Pause at the onset and judge the overlap (barge-in, backchannel, noise, echo) before
    #: cutting the reply; False cuts at the onset, whatever it was.
    verify_barge_in: bool = True
    #: An overlap still undecided after this long is a barge-in (seconds).
    max_overlap_verdict: float = 1.5
    #: Whether the greeting may be cut by the user (False: it always plays to the end).
    interruptible_greeting: bool = True
    #: Backchannels: a nod (and with ``vocal_backchannel`` a short "mm-hm") at a mid-turn pause
    #: once the user has talked ``backchannel_after`` seconds and paused ``backchannel_pause``.
    backchannel: bool = True
    vocal_backchannel: bool = True
    backchannel_after: float = 4.0
    backchannel_pause: float = 0.5
    #: At most one backchannel per this many seconds.
    backchannel_gap: float = 6.0
    #: Learn the caller's pauses: once they have gone on after a mid-turn pause of g seconds,
    #: the fused detector waits at least g + ``PAUSE_MARGIN`` (up to ``max_learned_pause``)
    #: before answering. On at ``turn_taking_patience: high``.
    learn_pauses: bool = False
    max_learned_pause: float = 1.2
    #: ... and only while the model is fairly sure the user goes on (a "mm-hm" just before
    #: answering sounds like the agent was not listening).
    backchannel_below: float = 0.5

    def set_patience(self, level: Level) -> None:
        """``turn_taking_patience``: high waits for more certainty (and longer silences)."""
        self.end_of_turn_threshold = PATIENCE_THRESHOLD[level]
        self.end_of_turn_silence = PATIENCE_SILENCE[level]
        # A patient listener also learns how long this caller pauses mid-thought: a hesitant
        # speaker's "all of them, ... yes" sounds finished at "them", whatever the model says.
        self.learn_pauses = level == "high"

    def apply_sensitivity(self, pause: Level | None, interrupt: Level | None) -> None:
        """``conversation.sensitivity``: pause sensitivity is patience the other way round;
        interrupt sensitivity maps onto interruptibility level for level."""
        if pause is not None:
            self.set_patience(PAUSE_SENSITIVITY_PATIENCE[pause])
        if interrupt is not None:
            self.set_interruptibility(interrupt)

    def set_interruptibility(self, level: Level) -> None:
        """``replica_interruptibility``: high stops at any speech over it, without judging it;
        medium pauses at once and judges; low pauses only after ``INTERRUPT_DELAY`` of speech."""
        self.barge_in_delay = INTERRUPT_DELAY[level]
        self.verify_barge_in = level != "high"


#: ``turn_taking_patience`` -> the fused detector's threshold, from the evaluation set's sweep
#: (``docs/benchmarks.md``, in-sample): 0.6 about 23% false cut-offs at 220 ms median dead air,
#: 0.7 about 17% at 370 ms (a 0.44 s silence rule: 49% at 440 ms), 0.9 about 4% at 830 ms.
PATIENCE_THRESHOLD: dict[Level, float] = {"low": 0.6, "medium": 0.7, "high": 0.9}
#: ``turn_taking_patience`` -> the silence detector's threshold (seconds).
PATIENCE_SILENCE: dict[Level, float] = {"low": 0.35, "medium": 0.5, "high": 0.9}
#: ``participant_pause_sensitivity`` is the inverse view of patience.
PAUSE_SENSITIVITY_PATIENCE: dict[Level, Level] = {"low": "high", "medium": "medium", "high": "low"}
#: Speech over the agent needed before it pauses, per interruptibility (seconds).
INTERRUPT_DELAY: dict[Level, float] = {"low": 0.6, "medium": 0.0, "high": 0.0}
