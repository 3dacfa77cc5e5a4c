"""The loop's reactions to the public inbound events, on the real engines and virtual clock."""

import asyncio
from pathlib import Path

import numpy as np

from visavis.calls import VIRTUAL_DAY
from visavis.conversation import Conversation, ConversationSettings
from visavis.mind import load_flagship_mind
from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    Echo,
    Interrupt,
    ReplicaStoppedSpeaking,
    Respond,
    TurnDecision,
    Utterance,
)
from visavis.runtime.media import AudioChunk
from visavis.runtime.timeline import Timeline
from visavis.transport.files import RecordingSink
from visavis.transport.simulated import CallRecorder
from visavis.turns.settings import TurnSettings


class QuietLine:
    """A caller who never speaks and hangs up after ``seconds``."""

    def __init__(self, clock: VirtualClock, seconds: float) -> None:
        self.clock = clock
        self.seconds = seconds

    async def chunks(self):
        t = 0.0
        while t < self.seconds:
            await self.clock.sleep_until(t + 0.02)
            yield AudioChunk(np.zeros(320, dtype=np.float32), 16000, t)
            t += 0.02


def run_with_injections(engines, tmp_path: Path, injections, seconds=20.0):
    async def main():
        clock = VirtualClock()
        timeline = Timeline(clock)
        mind = load_flagship_mind("maria-lopez", tmp_path / "clinic.db", VIRTUAL_DAY)
        conversation = Conversation(
            clock=clock,
            timeline=timeline,
            mind=mind,
            vad=engines.new_vad(),
            recognizer=engines.recognizer,
            synthesizer=engines.synthesizer,
            source=QuietLine(clock, seconds),
            sink=RecordingSink(CallRecorder(16000)),
            settings=ConversationSettings(turns=TurnSettings(reprompt_after=0)),
        )

        async def inject():
            for at, event in injections:
                await clock.sleep_until(at)
                conversation.inject(event)

        injector = asyncio.create_task(inject())
        result = await conversation.run()
        injector.cancel()
        clock.close()
        return result, timeline.events

    return asyncio.run(main())


def test_echo_cuts_the_greeting_and_is_spoken_verbatim(engines, tmp_path):
    _, events = run_with_injections(engines, tmp_path, [(1.0, Echo(text="Please hold the line."))])
    stops = [e for e in events if isinstance(e, ReplicaStoppedSpeaking)]
    assert stops[0].interrupted and stops[0].t < 1.1
    spoken = [e.speech for e in events if isinstance(e, Utterance) and e.role == "replica"]
    assert "Please hold the line." in spoken


def test_respond_is_treated_as_the_users_words(engines, tmp_path):
    _, events = run_with_injections(
        engines, tmp_path, [(8.0, Respond(text="Yes, this is Maria speaking."))]
    )
    spoken = " ".join(e.speech for e in events if isinstance(e, Utterance) and e.role == "replica")
    assert "date of birth" in spoken
    respond = next(e for e in events if isinstance(e, Respond))
    assert respond.turn_idx == 1


def test_interrupt_stops_the_agent_at_once(engines, tmp_path):
    _, events = run_with_injections(engines, tmp_path, [(2.0, Interrupt(reason="app"))])
    stop = next(e for e in events if isinstance(e, ReplicaStoppedSpeaking))
    assert stop.interrupted and 2.0 <= stop.t <= 2.05
    assert stop.heard_text and stop.heard_text != stop.full_text


def test_a_caller_who_never_speaks_gets_no_turn_decisions(engines, tmp_path):
    result, events = run_with_injections(engines, tmp_path, [], seconds=12.0)
    assert not [e for e in events if isinstance(e, TurnDecision) and e.reason == "silence"]
    assert result.reason == "participant_left"
