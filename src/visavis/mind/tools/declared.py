"""Tools declared as data: what an application registers for an LLM to call.

A definition holds the public tool fields (``name``, ``description``, ``parameters`` as JSON
Schema) and how a call is delivered:

- ``application``: not run by visavis; the call goes to the application as a
  ``conversation.tool_call`` event and the LLM is told ``{"status": "sent_to_application"}``;
- ``server``: POSTed to the definition's URL (``tools.http``), the JSON answer is the result.

In-process tools (the flagship's booking, escalation, slot search) are wrapped with ``declare``
so an LLM calls them through the same path (schema check, filler, events). Arguments are checked
against the schema before anything runs: a model's malformed call becomes a ``ToolError`` the
LLM can read and correct, never a half-done booking.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from visavis.mind.llm.types import ToolSpec
from visavis.mind.tools.base import Tool, ToolError
from visavis.mind.tools.http import post_tool_call

SENT_TO_APPLICATION = {"status": "sent_to_application"}
GENERIC_FILLER = "Let me check that for you."
CALENDAR_FILLER = "Let me check the calendar."
_CALENDAR_LIKE = re.compile(r"book|slot|schedul|calendar|appointment|availab", re.IGNORECASE)


class Delivery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: Literal["application", "server"] = "application"
    url: str | None = None
    timeout_s: float = Field(default=5.0, gt=0, le=60)
    retries: int = Field(default=2, ge=0, le=5)
    backoff_s: float = Field(default=0.25, ge=0, le=10)
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _server_needs_url(self) -> Delivery:
        if self.type == "server" and not (self.url or "").startswith(("http://", "https://")):
            raise ValueError("a server-delivered tool needs an http(s) url")
        return self


class ToolDefinition(BaseModel):
    """A stored tool definition (the body of the public create-tool call). Other fields of a
    stored record (``tool_id``, ``tags``) are ignored: they do not change how a call runs."""

    model_config = ConfigDict(extra="ignore")

    # The providers' own limit on function names.
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    description: str = Field(min_length=1)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    delivery: Delivery = Field(default_factory=Delivery)
    on_call: Literal["generate_filler", "none"] = "generate_filler"
    static_filler: str | None = None

    @field_validator("parameters")
    @classmethod
    def _valid_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"parameters is not a valid JSON Schema: {exc.message}") from exc
        if schema.get("type", "object") != "object":
            raise ValueError("parameters must describe an object (the arguments)")
        return schema

    @classmethod
    def from_tool(cls, tool: Tool, **overrides: Any) -> ToolDefinition:
        """The definition of an in-process tool, e.g. to store or show it."""
        fields = {"name": tool.name, "description": tool.description, "parameters": tool.parameters}
        return cls(**{**fields, **overrides})


def validate_arguments(schema: dict[str, Any], arguments: Any) -> dict[str, Any]:
    """``arguments`` checked against ``schema``; ``ToolError`` names the first problem."""
    if not isinstance(arguments, dict):
        raise ToolError(f"arguments must be a JSON object, got {type(arguments).__name__}")
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(schema).iter_errors(arguments)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path)
        raise ToolError(f"invalid arguments{f' at {where}' if where else ''}: {error.message}")
    return arguments


class DeclaredTool:
    """A ``Tool`` from a definition; runs locally, on a server, or hands off to the app."""

    def __init__(
        self,
        definition: ToolDefinition,
        *,
        local: Tool | None = None,
        conversation_id: str | None = None,
    ) -> None:
        self.definition = definition
        self.name = definition.name
        self.description = definition.description
        self.parameters = definition.parameters
        self.local = local
        #: Sent to server tools so the customer's endpoint knows which call asks.
        self.conversation_id = conversation_id

    @property
    def delivery(self) -> str:
        return "local" if self.local is not None else self.definition.delivery.type

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec(self.name, self.description, self.parameters)

    @property
    def filler(self) -> str | None:
        return filler_for(self)

    def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        validate_arguments(self.parameters, arguments)
        if self.local is not None:
            return self.local.run(arguments)
        d = self.definition.delivery
        if d.type == "application":
            return dict(SENT_TO_APPLICATION)
        assert d.url is not None  # checked by Delivery
        return post_tool_call(
            d.url,
            {"name": self.name, "arguments": arguments, "conversation_id": self.conversation_id},
            timeout_s=d.timeout_s,
            retries=d.retries,
            backoff_s=d.backoff_s,
            headers=d.headers,
        )


def declare(
    tool: Tool,
    on_call: Literal["generate_filler", "none"] = "generate_filler",
    static_filler: str | None = None,
) -> DeclaredTool:
    """An in-process tool (``BookSlotTool``...) made callable by an LLM."""
    if isinstance(tool, DeclaredTool):
        return tool
    definition = ToolDefinition.from_tool(tool, on_call=on_call, static_filler=static_filler)
    return DeclaredTool(definition, local=tool)


def build_tools(
    definitions: Iterable[ToolDefinition | dict[str, Any]], conversation_id: str | None = None
) -> list[DeclaredTool]:
    """Tools from stored definitions (dicts are validated; pydantic errors say what is wrong)."""
    tools = []
    for d in definitions:
        definition = d if isinstance(d, ToolDefinition) else ToolDefinition.model_validate(d)
        tools.append(DeclaredTool(definition, conversation_id=conversation_id))
    names = [t.name for t in tools]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"duplicate tool names {dupes}")
    return tools


def tool_spec(tool: Tool) -> ToolSpec:
    """What the LLM is shown of any tool."""
    return ToolSpec(tool.name, tool.description, tool.parameters)


def filler_for(tool: Tool) -> str | None:
    """What to say while ``tool`` runs when the LLM said nothing before calling it (None: say
    nothing). Calendar-like tools get a specific line: it tells the patient what the wait is."""
    definition = getattr(tool, "definition", None)
    if isinstance(definition, ToolDefinition):
        if definition.on_call == "none":
            return None
        if definition.static_filler:
            return definition.static_filler
    return CALENDAR_FILLER if _CALENDAR_LIKE.search(tool.name) else GENERIC_FILLER
