"""Awareness: the persona's queries and perception tools, answered while the call runs.

Visual and audio awareness queries are answered for every user turn (appended to the turn's
``user_visual_analysis`` / ``user_audio_analysis``), analysis queries once over the whole call;
perception tools fire ``conversation.perception_tool_call`` when their rule becomes true. Rules
(``visavis.perception.rules``) answer by default; a configured vision-language model answers
the visual queries on live calls, looking every few seconds off the loop, so a reply never waits
for it (a turn uses its latest fresh answers, else the rules').
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from visavis.perception.rules import AwarenessQuery, Evidence, compile_query, parse_rule
from visavis.perception.vlm import VisionModelClient, VisualQueryWatcher
from visavis.runtime.clock import Clock
from visavis.runtime.events import PerceptionToolCall
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline

if TYPE_CHECKING:
    from visavis.perception.stage import PerceptionSettings


@dataclass(frozen=True)
class PerceptionTool:
    """A perception tool: fired (``conversation.perception_tool_call``) when its rule becomes
    true over the last second, with the frame that showed it."""

    name: str
    trigger: str
    description: str = ""
    modality: str = "vision"


class Awareness:
    def __init__(
        self,
        settings: PerceptionSettings,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        last_image: Callable[[], np.ndarray | None],
    ) -> None:
        self.timeline = timeline
        self._last_image = last_image
        s = settings
        self._visual = [compile_query(q) for q in s.visual_queries]
        self._audio = [compile_query(q) for q in s.audio_queries]
        self._analysis = [compile_query(q) for q in s.analysis_queries]
        self._tools = [(tool, parse_rule(tool.trigger)) for tool in s.tools]
        self._tool_on: dict[str, bool] = {}
        self._watcher: VisualQueryWatcher | None = None
        if s.vision_model is not None and self._visual and clock.kind == "realtime":
            # A replayed virtual call must see the same answers: the model runs on live calls.
            client = VisionModelClient(s.vision_model)
            self._watcher = VisualQueryWatcher(
                client, [q.text for q in self._visual], last_image, clock.now, sleep=clock.sleep
            )
            tasks.start(self._ask_model(client), "vision-model")

    async def _ask_model(self, client: VisionModelClient) -> None:
        assert self._watcher is not None
        try:
            await self._watcher.run()
        finally:
            await client.aclose()

    @property
    def has_tools(self) -> bool:
        return bool(self._tools)

    def check_tools(self, t: float, evidence: Evidence) -> None:
        """Fire each tool whose rule just became true over ``evidence`` (the last second)."""
        for tool, rule in self._tools:
            on = rule(evidence)
            if on and not self._tool_on.get(tool.name):
                image = self._last_image()
                self.timeline.emit(
                    PerceptionToolCall(
                        name=tool.name,
                        arguments=json.dumps({"trigger": tool.trigger, "t": round(t, 3)}),
                        modality="audio" if tool.modality == "audio" else "vision",
                        frames=[_jpeg(image)] if image is not None else [],
                    )
                )
            self._tool_on[tool.name] = on

    def visual_answers(self, sentence: str | None, evidence: Evidence) -> str | None:
        model = self._watcher.latest() if self._watcher is not None else {}
        return _with_answers(sentence, self._visual, evidence, model)

    def audio_answers(self, sentence: str | None, evidence: Evidence) -> str | None:
        return _with_answers(sentence, self._audio, evidence)

    def analysis(self, whole_call: Evidence) -> list[dict[str, Any]]:
        return [
            {"query": q.text, "rule": q.rule_text, "answer": q.answer(whole_call)}
            for q in self._analysis
        ]


def _with_answers(
    sentence: str | None,
    queries: list[AwarenessQuery],
    evidence: Evidence,
    model: Mapping[str, bool | None] | None = None,
) -> str | None:
    """The sentence followed by each answerable query and its answer: the vision model's when
    it has a fresh one, else the rule's."""
    if sentence is None:
        return None
    model = model or {}
    answers = [
        (q.text, model[q.text] if model.get(q.text) is not None else q.answer(evidence))
        for q in queries
    ]
    parts = [f"{text} {'Yes' if yes else 'No'}." for text, yes in answers if yes is not None]
    return " ".join([sentence, *parts])


def _jpeg(image: np.ndarray, width: int = 320) -> str:
    """A small JPEG of a frame, base64, for a perception tool's call."""
    import cv2

    h, w = image.shape[:2]
    small = cv2.resize(image, (width, max(1, round(h * width / w)))) if w > width else image
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    return base64.b64encode(data.tobytes()).decode() if ok else ""
