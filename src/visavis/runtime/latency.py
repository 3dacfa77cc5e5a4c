"""Voice-to-voice latency per answered turn: what each stage took, stamped when the answer's
first sample leaves (``metrics.turn_latency``)."""

from __future__ import annotations

from dataclasses import dataclass

from .events import ReplicaStartedSpeaking, TurnLatency


@dataclass
class PendingLatency:
    """An answer on its way: when the user stopped, when the turn was decided, and the
    compute times of the speculation that prepared it (milliseconds)."""

    user_end: float
    decided_at: float
    asr_ms: float
    reply_ms: float
    tts_ms: float


class LatencyLedger:
    """Answers expected to start, by reply id."""

    def __init__(self) -> None:
        self._pending: dict[str, PendingLatency] = {}

    def expect(self, reply_id: str, pending: PendingLatency) -> None:
        self._pending[reply_id] = pending

    def started(self, event: ReplicaStartedSpeaking) -> TurnLatency | None:
        """The event to emit now that ``event``'s reply sounds, if it answered a turn."""
        pending = self._pending.pop(event.reply_id, None)
        if pending is None:
            return None
        return TurnLatency(
            reply_id=event.reply_id,
            user_stopped_at=pending.user_end,
            first_audio_at=event.t,
            voice_to_voice_ms=round((event.t - pending.user_end) * 1000.0, 1),
            endpoint_ms=round((pending.decided_at - pending.user_end) * 1000.0, 1),
            asr_final_ms=round(pending.asr_ms, 1),
            reply_ms=round(pending.reply_ms, 2),
            tts_first_audio_ms=round(pending.tts_ms, 1),
        )
