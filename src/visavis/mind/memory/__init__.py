"""Memory across calls: what a call leaves about a person, and what the next call recalls.

Memories live in per-person *memory stores*, keyed as the public APIs key them
(``memory_stores`` on conversation create). ``facts`` turns a finished call into memory items;
``recall`` turns stored items back into what the next call says and knows. Where they are kept
is the backend's business (``MemoryBackend``): the server's database, or a local SQLite file
for the CLI.
"""

from visavis.mind.memory.facts import MemoryItem, memories_from_call
from visavis.mind.memory.recall import MemoryBackend, Recollection, recollect

__all__ = ["MemoryBackend", "MemoryItem", "Recollection", "memories_from_call", "recollect"]
