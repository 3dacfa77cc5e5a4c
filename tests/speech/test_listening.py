"""The listener's final transcript of a turn, on real VAD, Piper speech and Whisper."""

from __future__ import annotations

import asyncio

import numpy as np

from visavis.engines import Engines
from visavis.runtime.clock import make_clock
from visavis.runtime.events import TranscriptPartial, UserStoppedSpeaking
from visavis.runtime.media import SPEECH_RATE, AudioChunk, resample
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.speech.asr.base import Transcript
from visavis.speech.listening import Listener, ListenerSettings

LINE = "Yes, but I fainted in the kitchen this morning."


class StopsEarly:
    """Whisper, except that on the whole turn (audio of ``final_seconds`` or more) it keeps only
    the first four words: Whisper sometimes stops early like that on a whole turn."""

    def __init__(self, whisper: object, final_seconds: float) -> None:
        self.whisper = whisper
        self.final_seconds = final_seconds

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        heard = self.whisper.transcribe(samples, prompt)  # type: ignore[attr-defined]
        if len(samples) / SPEECH_RATE < self.final_seconds:
            return heard
        return Transcript(" ".join(heard.text.split()[:4]), heard.compute_ms)


def _hear(engines: Engines, settings: ListenerSettings) -> tuple[str, list[str]]:
    speech = engines.synthesizer.synthesize(LINE)
    voiced = resample(speech.samples, speech.sample_rate, SPEECH_RATE)
    audio = np.concatenate([np.zeros(SPEECH_RATE // 2, np.float32), voiced, np.zeros(8000)])
    # The final reads the whole turn, longer than any partial (taken while speech goes on).
    recognizer = StopsEarly(engines.recognizer, final_seconds=len(voiced) / SPEECH_RATE)

    async def run() -> tuple[str, list[str]]:
        clock = make_clock("realtime")
        timeline = Timeline(clock)
        tasks = TaskOwner("listener")
        listener = Listener(engines.new_vad(), recognizer, clock, timeline, tasks, settings)
        step = SPEECH_RATE // 50
        for i in range(0, len(audio) - step + 1, step):
            listener.push(AudioChunk(audio[i : i + step], SPEECH_RATE, i / SPEECH_RATE))
            await asyncio.sleep(0.02)  # real time, so partials run as they would in a call
        await asyncio.sleep(0.5)
        final = await listener.transcribe_turn()
        await tasks.aclose()
        clock.close()
        assert final is not None
        return final.text, [e.text for e in timeline.events if isinstance(e, TranscriptPartial)]

    return asyncio.run(run())


def test_a_final_that_stopped_early_gives_way_to_the_partial(engines: Engines) -> None:
    final, partials = _hear(engines, ListenerSettings())
    assert partials and "kitchen" in partials[-1].lower()
    # The last partial heard nearly all of the turn, and more words: its red flag stays.
    assert final == partials[-1] and "fainted" in final.lower()


def test_a_final_stands_without_a_partial_that_heard_the_turn(engines: Engines) -> None:
    # No partial in time (one every 10 s of speech): the final is all there is.
    final, partials = _hear(engines, ListenerSettings(partial_interval=10.0))
    assert not partials and len(final.split()) == 4


class Heeds:
    """Whisper, keeping the prompt of each call."""

    def __init__(self, whisper: object) -> None:
        self.whisper = whisper
        self.prompts: list[str | None] = []

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        self.prompts.append(prompt)
        return self.whisper.transcribe(samples, prompt)  # type: ignore[attr-defined]


def test_the_call_vocabulary_is_read_only_when_the_loop_asks_for_it(engines: Engines) -> None:
    speech = engines.synthesizer.synthesize("Nineteen fifty two.")
    audio = resample(speech.samples, speech.sample_rate, SPEECH_RATE)
    recognizer = Heeds(engines.recognizer)
    settings = ListenerSettings(prompt="Maria Lopez. Furosemide, metoprolol.", partial_interval=9)

    async def run() -> list[str]:
        clock = make_clock("realtime")
        tasks = TaskOwner("listener")
        listener = Listener(engines.new_vad(), recognizer, clock, Timeline(clock), tasks, settings)
        step = SPEECH_RATE // 50
        for i in range(0, len(audio) - step + 1, step):
            listener.push(AudioChunk(audio[i : i + step], SPEECH_RATE, i / SPEECH_RATE))
        heard = []
        for vocabulary in (True, False):
            listener.vocabulary = vocabulary
            final = await listener.transcribe_turn()
            assert final is not None
            heard.append(final.text)
        await tasks.aclose()
        clock.close()
        return heard

    heard = asyncio.run(run())
    assert recognizer.prompts == [settings.prompt, None]
    assert "1952" in heard[1]


def test_speech_going_on_when_the_agent_takes_the_floor_keeps_its_start(engines: Engines) -> None:
    # "Yes, this is Maria.": the agent answers "Yes," while the caller goes on; the caller's
    # next turn began before the agent's reply did (the loop then knows the reply went unheard).
    speech = engines.synthesizer.synthesize("Yes, this is Maria speaking, thank you.")
    voiced = resample(speech.samples, speech.sample_rate, SPEECH_RATE)
    audio = np.concatenate([np.zeros(SPEECH_RATE // 2, np.float32), voiced])

    async def run() -> tuple[float | None, float | None]:
        clock = make_clock("realtime")
        tasks = TaskOwner("listener")
        listener = Listener(engines.new_vad(), engines.recognizer, clock, Timeline(clock), tasks)
        step = SPEECH_RATE // 50
        first = None
        for i in range(0, len(audio) - step + 1, step):
            listener.push(AudioChunk(audio[i : i + step], SPEECH_RATE, i / SPEECH_RATE))
            if first is None and listener.turn_started is not None:
                first = listener.turn_started
            if i / SPEECH_RATE >= 1.0 and listener.in_speech:
                listener.close_turn()  # the agent takes the floor mid-sentence
                break
        kept = listener.turn_started
        await tasks.aclose()
        clock.close()
        return first, kept

    first, kept = asyncio.run(run())
    assert first is not None and 0.4 < first < 0.8
    assert kept == first


class Counts:
    """Whisper, noting for each call how many samples it read and whether the VAD still took
    the user for speaking (a pause inside its hangover)."""

    def __init__(self, whisper: object) -> None:
        self.whisper = whisper
        self.calls: list[tuple[int, bool]] = []
        self.listener: Listener | None = None

    def transcribe(self, samples: np.ndarray, prompt: str | None = None) -> Transcript:
        assert self.listener is not None
        self.calls.append((len(samples), self.listener.vad.in_speech))
        return self.whisper.transcribe(samples, prompt)  # type: ignore[attr-defined]


def _pauses(engines: Engines, lines: list[str], pause: float) -> tuple[Counts, list[str]]:
    """``lines`` spoken with ``pause`` s of silence after each, in real time; the loop asks for
    the turn's transcript at each VAD stop, as it does to speculate."""
    parts = [np.zeros(SPEECH_RATE // 2, np.float32)]
    for line in lines:
        speech = engines.synthesizer.synthesize(line)
        parts += [resample(speech.samples, speech.sample_rate, SPEECH_RATE)]
        parts += [np.zeros(int(pause * SPEECH_RATE), np.float32)]
    audio = np.concatenate(parts)
    recognizer = Counts(engines.recognizer)

    async def run() -> list[str]:
        clock = make_clock("realtime")
        timeline = Timeline(clock)
        tasks = TaskOwner("listener")
        settings = ListenerSettings(partial_interval=30.0)
        listener = Listener(engines.new_vad(), recognizer, clock, timeline, tasks, settings)
        recognizer.listener = listener
        finals: list[str] = []
        step = SPEECH_RATE // 50
        for i in range(0, len(audio) - step + 1, step):
            stops = sum(isinstance(e, UserStoppedSpeaking) for e in timeline.events)
            listener.push(AudioChunk(audio[i : i + step], SPEECH_RATE, i / SPEECH_RATE))
            if sum(isinstance(e, UserStoppedSpeaking) for e in timeline.events) > stops:
                final = await listener.transcribe_turn()
                finals.append(final.text if final is not None else "")
            await asyncio.sleep(0.02)
        await tasks.aclose()
        clock.close()
        return finals

    return recognizer, asyncio.run(run())


def test_the_turn_is_transcribed_from_the_pause_on_and_taken_at_the_stop(engines: Engines) -> None:
    recognizer, finals = _pauses(engines, ["This is Maria Lopez."], pause=0.8)
    assert len(finals) == 1 and "maria" in finals[0].lower()
    # One transcription, started while the VAD's hangover still held the pause for speech.
    assert len(recognizer.calls) == 1 and recognizer.calls[0][1] is True


def test_speech_after_a_pause_is_in_the_next_stops_transcript(engines: Engines) -> None:
    lines = ["I feel fine in the morning,", "but my ankles are swollen at night."]
    recognizer, finals = _pauses(engines, lines, pause=0.6)
    assert len(finals) == 2
    assert "ankles" not in finals[0].lower()
    # The second reads the whole turn, both parts, not the first pause's transcription again.
    assert "morning" in finals[1].lower() and "ankles" in finals[1].lower()
    assert len(recognizer.calls) == 2 and recognizer.calls[1][0] > recognizer.calls[0][0]
