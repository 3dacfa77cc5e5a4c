"""Tools the mind calls: scheduling (follow-up booking) and escalation."""

from visavis.mind.tools.base import Tool, ToolError
from visavis.mind.tools.booking import BookSlotTool, FindSlotsTool
from visavis.mind.tools.escalation import EscalateTool
from visavis.mind.tools.scheduling import ClinicStore, Slot, slot_label

__all__ = [
    "BookSlotTool",
    "ClinicStore",
    "EscalateTool",
    "FindSlotsTool",
    "Slot",
    "Tool",
    "ToolError",
    "slot_label",
]
