"""``visavis talk``: the agent takes a call whose caller is a recorded audio file.

The file is the caller's microphone (any rate, mono or stereo, WAV/FLAC/OGG); the agent greets,
listens, answers and acts as in a live call, and the files of the call are written as for the
demo. Useful to try the loop on real recordings, and for the bad-input tests.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from visavis.calls import CallRecord, CallSession
from visavis.engines import Engines, load_engines
from visavis.runtime.clock import ClockKind
from visavis.runtime.events import BaseEvent
from visavis.transport.files import FileAudioSource, RecordingSink
from visavis.turns.settings import TurnSettings


async def run_talk(
    audio: Path,
    out_dir: Path,
    *,
    patient_id: str = "maria-lopez",
    clock_kind: ClockKind = "virtual",
    engines: Engines | None = None,
    on_event: Callable[[BaseEvent], None] | None = None,
    tail_seconds: float = 4.0,
    turns: TurnSettings | None = None,
) -> CallRecord:
    """Run the flagship call with ``audio`` as the caller; ``AudioFormatError`` if unusable."""
    engines = engines or load_engines(deterministic=clock_kind == "virtual")
    session = CallSession(out_dir, clock_kind, on_event)
    try:
        # Read (and validate) the file before anything is spoken.
        source = FileAudioSource(audio, session.clock, session.recorder, tail_seconds=tail_seconds)
        return await session.run(
            patient_id=patient_id,
            engines=engines,
            source=source,
            sink=RecordingSink(session.recorder),
            conversation_id=f"talk-{audio.stem}",
            max_call_duration=source.duration + tail_seconds + 60.0,
            turns=turns,
            extra_outcome={"audio": str(audio)},
        )
    finally:
        session.close()
