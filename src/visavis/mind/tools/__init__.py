"""Tools the mind calls: scheduling (follow-up booking), escalation, and declared tools."""

from visavis.mind.tools.base import Tool, ToolError
from visavis.mind.tools.booking import BookSlotTool, FindSlotsTool
from visavis.mind.tools.declared import (
    DeclaredTool,
    Delivery,
    ToolDefinition,
    build_tools,
    declare,
    filler_for,
    tool_spec,
    validate_arguments,
)
from visavis.mind.tools.escalation import EscalateTool
from visavis.mind.tools.scheduling import ClinicStore, Slot, slot_label

__all__ = [
    "BookSlotTool",
    "ClinicStore",
    "DeclaredTool",
    "Delivery",
    "EscalateTool",
    "FindSlotsTool",
    "Slot",
    "Tool",
    "ToolDefinition",
    "ToolError",
    "build_tools",
    "declare",
    "filler_for",
    "slot_label",
    "tool_spec",
    "validate_arguments",
]
