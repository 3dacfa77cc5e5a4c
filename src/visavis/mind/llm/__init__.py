"""LLM provider clients for the mind: OpenAI-compatible endpoints and Anthropic Messages.

Both stream over httpx with provider-neutral types; any failure raises ``LLMError`` (or
``LLMTimeout`` for a stall) so the mind can fall back to the embedded objectives engine.
"""

from visavis.mind.llm.anthropic import AnthropicMessages
from visavis.mind.llm.openai_compat import OpenAICompatible
from visavis.mind.llm.types import (
    ChatMessage,
    Completion,
    LLMError,
    LLMTimeout,
    StreamEvent,
    TextDelta,
    ToolCall,
    ToolCallDelta,
    ToolSpec,
)

__all__ = [
    "AnthropicMessages",
    "ChatMessage",
    "Completion",
    "LLMError",
    "LLMTimeout",
    "OpenAICompatible",
    "StreamEvent",
    "TextDelta",
    "ToolCall",
    "ToolCallDelta",
    "ToolSpec",
]
