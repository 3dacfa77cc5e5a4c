"""Choosing a provider client from a persona's ``layers.llm`` (model, base_url, api_key)."""

from __future__ import annotations

from typing import Any

from visavis.mind.llm.anthropic import AnthropicMessages
from visavis.mind.llm.openai_compat import OpenAICompatible
from visavis.mind.llm.streaming import StreamingClient

#: Without a ``base_url`` an OpenAI-compatible client talks to OpenAI itself.
OPENAI_URL = "https://api.openai.com/v1"


def make_provider(
    model: str,
    base_url: str | None = None,
    api_key: str | None = None,
    kind: str | None = None,
    **options: Any,
) -> StreamingClient:
    """``kind`` "anthropic" or "openai" (any OpenAI-compatible server); when absent, an
    Anthropic URL or a ``claude`` model means Anthropic, anything else OpenAI-compatible.
    ``options``: timeout_s, first_token_timeout_s, retries, backoff_s, temperature..."""
    if kind is None:
        anthropic = "anthropic" in (base_url or "") or model.startswith("claude")
        kind = "anthropic" if anthropic else "openai"
    if kind == "anthropic":
        return AnthropicMessages(base_url, api_key, model=model, **options)
    if kind == "openai":
        return OpenAICompatible(base_url or OPENAI_URL, api_key, model=model, **options)
    raise ValueError(f"unknown LLM provider kind {kind!r}: use 'anthropic' or 'openai'")
