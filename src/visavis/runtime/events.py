"""The one vocabulary of typed events every stage speaks.

Where the public conversational-video protocols name an event (``conversation.utterance``,
``conversation.user.started_speaking``...), the ``type`` is that name and the payload keeps its
field names, so applications written for those products port over with little change. Events
without a public counterpart use a short stage prefix (``asr.``, ``turn.``, ``mind.``, ``tts.``,
``metrics.``).

Every event carries ``t``, the conversation-clock time (seconds of media time since the call
started) at which it happened, and ``seq``, a per-conversation monotonic counter the timeline
assigns when it records the event.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator

from visavis.runtime.event_base import BaseEvent as BaseEvent
from visavis.runtime.mind_events import Citation as Citation
from visavis.runtime.mind_events import FollowUpItem as FollowUpItem
from visavis.runtime.mind_events import GuardrailTriggered as GuardrailTriggered
from visavis.runtime.mind_events import KnowledgeRetrieved as KnowledgeRetrieved
from visavis.runtime.mind_events import MemoryRecalled as MemoryRecalled
from visavis.runtime.mind_events import MemoryStored as MemoryStored
from visavis.runtime.perception_events import CueName as CueName
from visavis.runtime.perception_events import PerceptionAnalysis as PerceptionAnalysis
from visavis.runtime.perception_events import PerceptionCue as PerceptionCue
from visavis.runtime.perception_events import PerceptionToolCall as PerceptionToolCall
from visavis.runtime.turn_events import PlaybackPaused as PlaybackPaused
from visavis.runtime.turn_events import PlaybackResumed as PlaybackResumed
from visavis.runtime.turn_events import TurnAction as TurnAction
from visavis.runtime.turn_events import TurnDecision as TurnDecision
from visavis.runtime.turn_events import TurnSpeculation as TurnSpeculation

Role = Literal["user", "replica"]


# --- lifecycle -------------------------------------------------------------------------------


class ConversationStarted(BaseEvent):
    type: Literal["conversation.started"] = "conversation.started"
    conversation_id: str
    persona: str
    clock: Literal["realtime", "virtual"]
    scenario: str | None = None


class ConversationEnded(BaseEvent):
    type: Literal["conversation.ended"] = "conversation.ended"
    reason: str
    duration: float


# --- speech activity -------------------------------------------------------------------------


class UserStartedSpeaking(BaseEvent):
    """VAD onset; ``start`` is the media time where speech began in the input audio."""

    type: Literal["conversation.user.started_speaking"] = "conversation.user.started_speaking"
    start: float


class UserStoppedSpeaking(BaseEvent):
    """VAD offset after hangover; ``end`` is where speech ended in the input audio."""

    type: Literal["conversation.user.stopped_speaking"] = "conversation.user.stopped_speaking"
    start: float
    end: float
    duration: float


class ReplicaStartedSpeaking(BaseEvent):
    """The first sample of a reply left the transport."""

    type: Literal["conversation.replica.started_speaking"] = "conversation.replica.started_speaking"
    reply_id: str


class ReplicaStoppedSpeaking(BaseEvent):
    """Playout of a reply ended, either whole or cut by a barge-in."""

    type: Literal["conversation.replica.stopped_speaking"] = "conversation.replica.stopped_speaking"
    reply_id: str
    duration: float
    interrupted: bool = False
    heard_text: str = ""
    full_text: str = ""


# --- transcripts -----------------------------------------------------------------------------


class TranscriptPartial(BaseEvent):
    type: Literal["asr.partial"] = "asr.partial"
    text: str
    start: float
    end: float


class TranscriptFinal(BaseEvent):
    type: Literal["asr.final"] = "asr.final"
    text: str
    start: float
    end: float
    compute_ms: float = 0.0


class Utterance(BaseEvent):
    """A finished utterance of either side (the public ``conversation.utterance``)."""

    type: Literal["conversation.utterance"] = "conversation.utterance"
    role: Role
    speech: str
    start: float
    end: float
    interrupted: bool = False
    #: For the user: what perception saw and heard during the turn, in a sentence each (the
    #: public API's fields; transcripts show only ``speech``).
    user_visual_analysis: str | None = None
    user_audio_analysis: str | None = None


# --- turns -----------------------------------------------------------------------------------


class Interrupt(BaseEvent):
    """Stop the replica's speech now (barge-in, or the public inbound event)."""

    type: Literal["conversation.interrupt"] = "conversation.interrupt"
    reason: str = "barge_in"


class Respond(BaseEvent):
    """Inbound: text treated as a user utterance (public ``conversation.respond``)."""

    type: Literal["conversation.respond"] = "conversation.respond"
    text: str


class Echo(BaseEvent):
    """Inbound: speak this text verbatim, bypassing the mind (public ``conversation.echo``)."""

    type: Literal["conversation.echo"] = "conversation.echo"
    text: str
    modality: Literal["text"] = "text"


Level = Literal["low", "medium", "high"]


class OverwriteContext(BaseEvent):
    """Inbound: replace the conversation's context for the mind (``overwrite_llm_context``)."""

    type: Literal["conversation.overwrite_llm_context"] = "conversation.overwrite_llm_context"
    context: str = Field(max_length=20000)


class AppendContext(BaseEvent):
    """Inbound: add to the conversation's context for the mind (``append_llm_context``)."""

    type: Literal["conversation.append_llm_context"] = "conversation.append_llm_context"
    context: str = Field(min_length=1, max_length=20000)


class Sensitivity(BaseEvent):
    """Inbound: change turn-taking live (public ``conversation.sensitivity``): how soon a pause
    ends the user's turn, and how readily the user's speech cuts the agent off."""

    type: Literal["conversation.sensitivity"] = "conversation.sensitivity"
    participant_pause_sensitivity: Level | None = None
    participant_interrupt_sensitivity: Level | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Sensitivity:
        given = [self.participant_pause_sensitivity, self.participant_interrupt_sensitivity]
        if sum(v is not None for v in given) != 1:
            raise ValueError(
                "set exactly one of participant_pause_sensitivity and "
                "participant_interrupt_sensitivity (low, medium or high)"
            )
        return self


# --- mind ------------------------------------------------------------------------------------


class ReplySentence(BaseEvent):
    """One sentence of a reply, streamed from the mind as soon as it is decided."""

    type: Literal["mind.reply_sentence"] = "mind.reply_sentence"
    reply_id: str
    index: int
    text: str
    last: bool = False
    emotion: str = "neutral"
    interruptible: bool = True
    #: A listener's "mm-hm" in the user's pause, not a reply: the user keeps the floor.
    backchannel: bool = False


class ObjectiveActivated(BaseEvent):
    type: Literal["conversation.objective.activated"] = "conversation.objective.activated"
    objective_name: str


class ObjectiveCompleted(BaseEvent):
    type: Literal["conversation.objective.completed"] = "conversation.objective.completed"
    objective_name: str
    output_variables: dict[str, Any] = Field(default_factory=dict)


class ToolCall(BaseEvent):
    """A tool invoked by the mind (public ``conversation.tool_call``; arguments as JSON text)."""

    type: Literal["conversation.tool_call"] = "conversation.tool_call"
    tool_call_id: str
    name: str
    arguments: str


class ToolResult(BaseEvent):
    type: Literal["conversation.tool_result"] = "conversation.tool_result"
    tool_call_id: str
    name: str
    result: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class Escalation(BaseEvent):
    """The call was escalated to a human (red flag, worsening symptoms, or a request)."""

    type: Literal["conversation.escalation"] = "conversation.escalation"
    reason: str
    severity: Literal["urgent", "routine"] = "urgent"
    evidence: str = ""


class CallCompleted(BaseEvent):
    """The mind has nothing left to do: the call can end after the last reply plays."""

    type: Literal["mind.call_completed"] = "mind.call_completed"
    outcome: dict[str, Any] = Field(default_factory=dict)


# --- speech synthesis ------------------------------------------------------------------------


class PhonemeTiming(BaseModel):
    """One phoneme of synthesized speech, relative to the start of its sentence's audio."""

    model_config = ConfigDict(extra="forbid")

    phoneme: str
    start: float
    duration: float


class WordTiming(BaseModel):
    model_config = ConfigDict(extra="forbid")

    word: str
    start: float
    end: float


class SpeechSynthesized(BaseEvent):
    """A reply sentence's audio is ready; timings are relative to the sentence's first sample."""

    type: Literal["tts.sentence"] = "tts.sentence"
    reply_id: str
    index: int
    text: str
    duration: float
    compute_ms: float
    engine: str
    phonemes: list[PhonemeTiming] = Field(default_factory=list)
    words: list[WordTiming] = Field(default_factory=list)


class SentencePlayback(BaseEvent):
    """The first sample of one synthesized sentence left the transport (``t``): the clock that
    the sentence's phoneme and word timings (``tts.sentence``) are relative to."""

    type: Literal["tts.playback"] = "tts.playback"
    reply_id: str
    index: int
    #: Seconds into the sentence's audio that this first sample is (after a resume).
    offset: float = 0.0


# --- metrics ---------------------------------------------------------------------------------


class TurnLatency(BaseEvent):
    """Voice-to-voice latency of one turn and the stages in between (milliseconds)."""

    type: Literal["metrics.turn_latency"] = "metrics.turn_latency"
    reply_id: str
    user_stopped_at: float
    first_audio_at: float
    voice_to_voice_ms: float
    endpoint_ms: float
    asr_final_ms: float
    reply_ms: float
    tts_first_audio_ms: float


Event = Annotated[
    ConversationStarted
    | ConversationEnded
    | UserStartedSpeaking
    | UserStoppedSpeaking
    | ReplicaStartedSpeaking
    | ReplicaStoppedSpeaking
    | TranscriptPartial
    | TranscriptFinal
    | Utterance
    | TurnDecision
    | TurnSpeculation
    | Interrupt
    | Respond
    | Echo
    | OverwriteContext
    | AppendContext
    | Sensitivity
    | PerceptionCue
    | PerceptionToolCall
    | PerceptionAnalysis
    | ReplySentence
    | ObjectiveActivated
    | ObjectiveCompleted
    | ToolCall
    | ToolResult
    | Escalation
    | CallCompleted
    | KnowledgeRetrieved
    | GuardrailTriggered
    | FollowUpItem
    | MemoryRecalled
    | MemoryStored
    | SpeechSynthesized
    | SentencePlayback
    | PlaybackPaused
    | PlaybackResumed
    | TurnLatency,
    Field(discriminator="type"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def parse_event(data: dict[str, Any] | str | bytes) -> BaseEvent:
    """Parse one event from a dict or JSON text; raises ``pydantic.ValidationError``."""
    if isinstance(data, dict):
        return EVENT_ADAPTER.validate_python(data)
    return EVENT_ADAPTER.validate_json(data)
