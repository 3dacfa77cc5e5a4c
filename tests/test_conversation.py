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
    PlaybackPaused,
    PlaybackResumed,
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
    """A caller who says nothing but ``remark`` (16 kHz audio, from ``at`` seconds) and hangs
    up after ``seconds``."""

    def __init__(
        self,
        clock: VirtualClock,
        seconds: float,
        remark: np.ndarray | None = None,
        at: float = 0.0,
    ) -> None:
        self.clock = clock
        self.seconds = seconds
        n = int(seconds * 16000)
        self.audio = np.random.default_rng(0).normal(0, 3e-4, n).astype(np.float32)
        if remark is not None:
            lo = int(at * 16000)
            self.audio[lo : lo + len(remark)] += remark[: n - lo]

    async def chunks(self):
        t, k = 0.0, 0
        while t < self.seconds - 0.01:
            await self.clock.sleep_until(t + 0.02)
            yield AudioChunk(self.audio[k * 320 : (k + 1) * 320], 16000, t)
            t += 0.02
            k += 1


def run_with_injections(engines, tmp_path: Path, injections, seconds=20.0, line=None, **turns):
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
            source=line(clock) if line else QuietLine(clock, seconds),
            sink=RecordingSink(CallRecorder(16000)),
            settings=ConversationSettings(turns=TurnSettings(reprompt_after=0, **turns)),
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


def caller_says(engines, text: str) -> np.ndarray:
    """``text`` in a caller's voice (Piper three semitones up), 16 kHz."""
    from visavis.runtime.media import resample
    from visavis.speech.tts.shift import ShiftedVoice

    voice = ShiftedVoice(engines.synthesizer.variant(2.0 ** (3 / 12)), 3.0)
    speech = voice.synthesize(text)
    audio = resample(speech.samples, speech.sample_rate, 16000)
    return (0.5 * audio / np.abs(audio).max()).astype(np.float32)


def test_a_yeah_over_the_greeting_pauses_it_and_it_goes_on(engines, tmp_path):
    """A backchannel over the agent: silent within a frame of the VAD's onset, then resumed
    from the word it paused in; the greeting is heard whole and nothing answers the "yeah"."""
    yeah = caller_says(engines, "Yeah.")
    _, events = run_with_injections(
        engines, tmp_path, [], seconds=12.0, line=lambda c: QuietLine(c, 12.0, yeah, at=2.0)
    )
    decisions = [e for e in events if isinstance(e, TurnDecision)]
    assert [d.action for d in decisions][:2] == ["yield", "ignore"], decisions
    assert decisions[1].reason == "backchannel"
    paused = next(e for e in events if isinstance(e, PlaybackPaused))
    resumed = next(e for e in events if isinstance(e, PlaybackResumed))
    assert 2.0 < paused.t <= 2.0 + 0.15  # the VAD's onset delay plus one frame
    assert resumed.offset <= paused.at
    stop = next(e for e in events if isinstance(e, ReplicaStoppedSpeaking))
    assert not stop.interrupted and stop.heard_text == stop.full_text
    assert not [e for e in events if isinstance(e, Interrupt)]
    assert not [e for e in events if isinstance(e, Utterance) and e.role == "user"]


def test_a_real_barge_in_pauses_at_once_and_then_cuts_the_reply(engines, tmp_path):
    wait = caller_says(engines, "Wait, sorry, I have a question about my pills.")
    _, events = run_with_injections(
        engines, tmp_path, [], seconds=14.0, line=lambda c: QuietLine(c, 14.0, wait, at=2.0)
    )
    paused = next(e for e in events if isinstance(e, PlaybackPaused))
    cut = next(e for e in events if isinstance(e, Interrupt))
    stop = next(e for e in events if isinstance(e, ReplicaStoppedSpeaking))
    assert 2.0 < paused.t <= 2.15 and paused.t < cut.t <= 2.0 + 1.5
    assert stop.interrupted and stop.heard_text and stop.heard_text != stop.full_text
    # The agent's audio stays silent from the pause: nothing resumed in between.
    assert not [e for e in events if isinstance(e, PlaybackResumed)]
    user = [e for e in events if isinstance(e, Utterance) and e.role == "user"]
    assert user and "question" in user[0].speech.lower()


def test_a_non_interruptible_greeting_plays_through_a_barge_in(engines, tmp_path):
    wait = caller_says(engines, "Wait, sorry, I have a question about my pills.")
    _, events = run_with_injections(
        engines,
        tmp_path,
        [],
        seconds=10.0,
        line=lambda c: QuietLine(c, 10.0, wait, at=2.0),
        interruptible_greeting=False,
    )
    stop = next(e for e in events if isinstance(e, ReplicaStoppedSpeaking))
    assert not stop.interrupted and stop.heard_text == stop.full_text
    assert not [e for e in events if isinstance(e, PlaybackPaused | Interrupt)]
