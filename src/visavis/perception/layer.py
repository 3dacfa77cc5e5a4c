"""The persona's perception layer, in the public API's shape, and the settings it becomes.

    layers:
      perception:
        perception_model: visavis          # or "off": no camera analysis, no cues
        visual_awareness_queries: ["Does the patient seem unsure? => frowning or looks_away"]
        audio_awareness_queries: ["Does the patient sound tired?"]
        perception_analysis_queries: ["Was anyone else in the room? => faces >= 2"]
        visual_tools:
          - {name: notice_second_person, description: "...", trigger: "faces >= 2"}

Queries and tool triggers use the rule language of ``visavis.perception.rules``; an explicit
rule that does not parse is rejected when the persona is saved, not in the middle of a call.
``vision_model`` (an OpenAI-compatible endpoint: ``base_url``, ``model``, ``api_key``) answers
the visual queries on live calls, looking every few seconds off the loop; without one, or until
it has a fresh answer, the rules answer.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from visavis.perception.rules import RuleError, compile_query, parse_rule
from visavis.perception.stage import PerceptionSettings, PerceptionTool
from visavis.perception.vlm import VisionModelConfig

Query = str


def _check_queries(queries: list[str]) -> list[str]:
    for query in queries:
        try:
            compile_query(query)
        except RuleError as exc:
            raise ValueError(f"query {query!r}: {exc}") from None
    return queries


class ToolSpec(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = Field(pattern=r"^[A-Za-z0-9_\-]{1,64}$")
    description: str = ""
    #: visavis: the rule that fires the tool (public tools are fired by a vision model).
    trigger: str
    parameters: dict[str, Any] | None = None

    @field_validator("trigger")
    @classmethod
    def _rule(cls, value: str) -> str:
        try:
            parse_rule(value)
        except RuleError as exc:
            raise ValueError(str(exc)) from None
        return value


class PerceptionLayer(BaseModel):
    model_config = ConfigDict(extra="allow")

    perception_model: Literal["visavis", "raven-0", "raven-1", "off"] = "visavis"
    visual_awareness_queries: list[Query] = Field(default_factory=list, max_length=20)
    audio_awareness_queries: list[Query] = Field(default_factory=list, max_length=20)
    perception_analysis_queries: list[Query] = Field(default_factory=list, max_length=20)
    visual_tools: list[ToolSpec] = Field(default_factory=list, max_length=20)
    audio_tools: list[ToolSpec] = Field(default_factory=list, max_length=20)
    #: An OpenAI-compatible vision-language model that answers the visual queries on live
    #: calls (its ``api_key`` is write-only: the API shows it masked).
    vision_model: VisionModelConfig | None = None

    _queries = field_validator(
        "visual_awareness_queries", "audio_awareness_queries", "perception_analysis_queries"
    )(classmethod(lambda cls, v: _check_queries(v)))

    @property
    def enabled(self) -> bool:
        return self.perception_model != "off"

    def settings(self, base: PerceptionSettings | None = None) -> PerceptionSettings:
        base = base or PerceptionSettings()
        tools = [
            PerceptionTool(t.name, t.trigger, t.description, "vision") for t in self.visual_tools
        ] + [PerceptionTool(t.name, t.trigger, t.description, "audio") for t in self.audio_tools]
        return PerceptionSettings(
            fps=base.fps,
            thinking_pause=base.thinking_pause,
            mid_turn_pause=base.mid_turn_pause,
            cues=base.cues,
            history_seconds=base.history_seconds,
            visual_queries=tuple(self.visual_awareness_queries),
            audio_queries=tuple(self.audio_awareness_queries),
            analysis_queries=tuple(self.perception_analysis_queries),
            tools=tuple(tools),
            vision_model=self.vision_model,
        )
