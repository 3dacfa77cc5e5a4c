"""Perception's events: cues about the user, perception tool calls, the end-of-call report.

Part of the one event vocabulary (``visavis.runtime.events`` re-exports them and lists them in
its union); kept apart so the vocabulary module stays one screenful per concern.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from visavis.runtime.event_base import BaseEvent

#: What perception notices about the user (see ``visavis.perception.cues``).
CueName = Literal[
    "looks_away",
    "frowning",
    "smiling",
    "nodding",
    "head_shake",
    "eyes_closed",
    "left_frame",
    "second_person",
    "long_thinking_pause",
    "flat_voice",
    "strained_voice",
]


class PerceptionCue(BaseEvent):
    """Something a good listener would notice. Lasting cues (looking away, frowning...) are
    sent when they begin (``phase`` start) and when they end (``phase`` end, with ``end``);
    momentary ones (a nod, a head shake) come once, with both times."""

    type: Literal["perception.cue"] = "perception.cue"
    cue: CueName
    phase: Literal["start", "end", "moment"] = "start"
    confidence: float = Field(ge=0.0, le=1.0)
    start: float
    end: float | None = None
    detail: str = ""


class PerceptionToolCall(BaseEvent):
    """A perception tool fired (public ``conversation.perception_tool_call``): its rule became
    true on what the camera (or the microphone) showed.

    ``frames`` (base64 JPEG) go to the application live, over the data channel and the event
    socket, and nowhere else: they are excluded from the timeline file, the database and every
    dump, because frames are never stored."""

    type: Literal["conversation.perception_tool_call"] = "conversation.perception_tool_call"
    name: str
    #: JSON text, as ``conversation.tool_call``'s.
    arguments: str
    modality: Literal["vision", "audio"] = "vision"
    frames: list[str] = Field(default_factory=list, exclude=True)

    def to_protocol(self, conversation_id: str) -> dict[str, Any]:
        message = super().to_protocol(conversation_id)
        message["properties"]["frames"] = list(self.frames)
        return message


class PerceptionAnalysis(BaseEvent):
    """The end-of-call perception report (public ``conversation.perception_analysis``)."""

    type: Literal["conversation.perception_analysis"] = "conversation.perception_analysis"
    analysis: dict[str, Any]
