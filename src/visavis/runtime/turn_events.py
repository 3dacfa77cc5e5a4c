"""Turn-taking's events: what the turns stage decided, speculation, and paused playback.

Part of the one event vocabulary (``visavis.runtime.events`` re-exports them and lists them in
its union); kept apart so the vocabulary module stays one screenful per concern.
"""

from __future__ import annotations

from typing import Literal

from visavis.runtime.event_base import BaseEvent

#: What the floor policy does at this instant:
#:
#: - ``respond``: the user's turn is over (or a re-prompt is due): the agent takes the floor;
#: - ``hold``: a pause, but the user is not done: keep listening (the face nods, no speech);
#: - ``backchannel``: a mid-turn pause in a long telling: a nod and a short "mm-hm";
#: - ``yield``: the user spoke over the agent: its voice pauses at once, pending a verdict;
#: - ``ignore``: that overlap was not a barge-in (a "yeah", noise, our own echo): resume.
#:
#: A real barge-in is ``conversation.interrupt`` (the public event), not a decision.
TurnAction = Literal["respond", "hold", "backchannel", "yield", "ignore"]


class TurnDecision(BaseEvent):
    """What the turns stage decided at this instant (``silence``: seconds the user had been
    silent; ``probability``: the end-of-turn model's estimate, when it gave one)."""

    type: Literal["turn.decision"] = "turn.decision"
    action: TurnAction
    reason: str
    silence: float = 0.0
    probability: float | None = None


class TurnSpeculation(BaseEvent):
    """The reply being prepared during a pause, before the end-of-turn decision: ``started``
    (the VAD reported a pause), ``transcribed`` (``text``: the turn so far, which the end-of-turn
    model reads), ``ready`` (reply planned, first sentence synthesized), ``discarded`` (the user
    went on) or ``used`` (the decision came and it was played)."""

    type: Literal["turn.speculation"] = "turn.speculation"
    phase: Literal["started", "transcribed", "ready", "discarded", "used"]
    text: str = ""


class PlaybackPaused(BaseEvent):
    """The agent's audio stopped mid-reply (``at``: seconds into sentence ``index``) for a
    ``yield``; it then resumes (``tts.resumed``) or the reply is cut (``conversation.interrupt``).
    """

    type: Literal["tts.paused"] = "tts.paused"
    reply_id: str
    index: int
    at: float


class PlaybackResumed(BaseEvent):
    """The paused reply plays again from ``offset`` seconds into sentence ``index`` (the start of
    the word it was paused in, or of the sentence after a long pause)."""

    type: Literal["tts.resumed"] = "tts.resumed"
    reply_id: str
    index: int
    offset: float
