"""Hearing the user: voice activity, partial transcripts, and the audio of the current turn.

The listener runs the VAD inline on every input chunk (a fraction of a millisecond) so speech
onsets and offsets are stamped from sample counts, and sends Whisper work to the clock's worker
threads. A *turn* is everything the user said since the agent last took the floor; it may span
several VAD segments when the user pauses mid-thought, and its audio (with a little pre-roll) is
what the final transcription reads.

The final transcription starts at a pause's first silent VAD frame, not at the VAD's stop (the
hangover, ~0.1 s later): the loop asks for it at the stop, and gets the one already under way
when nothing was said since. Whisper is most of the time from the end of a turn to a ready
answer, so the answer is ready that much sooner; a pause the user speaks through within the
hangover wastes one transcription.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from visavis.runtime.clock import Clock
from visavis.runtime.events import (
    TranscriptFinal,
    TranscriptPartial,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.media import AudioChunk
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline

from .asr.base import SpeechRecognizer, Transcript
from .vad import VoiceActivityDetector


@dataclass
class ListenerSettings:
    #: Seconds of new speech between two partial transcripts.
    partial_interval: float = 0.8
    #: Audio kept from before the VAD onset, so a soft first syllable is not clipped.
    preroll: float = 0.3
    #: Turns with less voiced audio than this are treated as noise, not words.
    min_speech: float = 0.15
    #: Words this caller is likely to say, read by the recogniser as context (Whisper's
    #: initial prompt; ``speech.asr.vocabulary``); empty: none.
    prompt: str = ""


#: A partial taken this many seconds of speech or fewer before the turn's end may stand in for
#: a final that lost words (partials come every ``partial_interval`` of speech, 0.8 s).
PARTIAL_COVERS = 1.0
#: A final with fewer words per second of speech than this share of the partial's lost words
#: (a drug name split differently in a partial cut mid-word changes the rate far less).
DROPPED_RATE = 0.6


@dataclass
class _Heard:
    """A partial transcript, and the seconds of speech the turn held when it was taken."""

    text: str
    speech_seconds: float


@dataclass
class TurnAudio:
    samples: np.ndarray
    start: float
    end: float
    speech_seconds: float


@dataclass
class _Early:
    """A transcription of the turn started at a pause's first silent frame (``at``, the VAD
    stop's ``at`` if the pause lasts), for ``transcribe_turn`` to take at the stop."""

    at: float
    generation: int
    prompt: str | None
    audio: TurnAudio
    task: asyncio.Task[Transcript]
    started: float
    finished: float | None = None

    def done(self, _task: asyncio.Task[Transcript]) -> None:
        self.finished = time.perf_counter()


class Listener:
    """Turns the microphone stream into speech events, partials and per-turn audio."""

    def __init__(
        self,
        vad: VoiceActivityDetector,
        recognizer: SpeechRecognizer,
        clock: Clock,
        timeline: Timeline,
        tasks: TaskOwner,
        settings: ListenerSettings | None = None,
        rate: int = 16000,
    ) -> None:
        self.vad = vad
        self.recognizer = recognizer
        self.clock = clock
        self.timeline = timeline
        self.tasks = tasks
        self.settings = settings or ListenerSettings()
        self.rate = rate
        self._preroll: deque[AudioChunk] = deque()
        self._turn: list[AudioChunk] = []
        self._turn_open = False
        self._segment_start = 0.0
        self._speech_seconds = 0.0
        self._since_partial = 0.0
        self._partial_task: asyncio.Task[None] | None = None
        self._turn_generation = 0
        self._last_partial: _Heard | None = None
        self._early: _Early | None = None
        self._stopped_at: float | None = None
        #: Whether the recogniser reads ``settings.prompt`` (the call's vocabulary) for this
        #: turn; the loop turns it off while a date is awaited (``ReplyPlan.vocabulary``).
        self.vocabulary = True
        #: Media time the current turn's speech began (None before the user speaks).
        self.turn_started: float | None = None
        self.in_speech = False

    # --- input --------------------------------------------------------------------------------

    def push(self, chunk: AudioChunk) -> None:
        """Feed one chunk of 16 kHz mono microphone audio (called in media order)."""
        transitions = self.vad.push(chunk)
        if self._turn_open:
            self._turn.append(chunk)
        else:
            self._preroll.append(chunk)
            while self._preroll and chunk.end - self._preroll[0].start > self.settings.preroll:
                self._preroll.popleft()
        for tr in transitions:
            if tr.kind == "start":
                self._on_start(tr.at)
            else:
                self._on_stop(tr.at)
        if self.in_speech:
            self._watch_pause()
            self._speech_seconds += chunk.duration
            self._since_partial += chunk.duration
            if self._since_partial >= self.settings.partial_interval and (
                self._partial_task is None or self._partial_task.done()
            ):
                self._since_partial = 0.0
                self._partial_task = self.tasks.start(self._partial(), "asr-partial")

    def _on_start(self, at: float) -> None:
        self.in_speech = True
        self._stopped_at = None
        self._drop_early()
        self._segment_start = at
        if not self._turn_open:
            self._turn_open = True
            self.turn_started = at
            self._turn = list(self._preroll)
            self._preroll.clear()
        self.timeline.emit(UserStartedSpeaking(start=round(at, 4)))

    def _on_stop(self, at: float) -> None:
        self.in_speech = False
        self._stopped_at = at
        start = self._segment_start
        self.timeline.emit(
            UserStoppedSpeaking(
                start=round(start, 4), end=round(at, 4), duration=round(at - start, 4)
            )
        )

    # --- turns --------------------------------------------------------------------------------

    def turn_audio(self) -> TurnAudio | None:
        """The current turn's audio so far, or None when the user has not spoken."""
        if not self._turn_open or not self._turn:
            return None
        samples = np.concatenate([c.samples for c in self._turn])
        return TurnAudio(samples, self._turn[0].start, self._turn[-1].end, self._speech_seconds)

    def close_turn(self) -> None:
        """The agent took the floor: speech from now on belongs to the next turn."""
        self._turn_generation += 1
        self._turn_open = self.in_speech
        # Speech going on when the agent takes the floor opens the next turn, from its start.
        self.turn_started = self._segment_start if self.in_speech else None
        self._turn = []
        self._speech_seconds = 0.0
        self._since_partial = 0.0
        self._last_partial = None
        self._drop_early()

    async def transcribe_turn(self) -> TranscriptFinal | None:
        """Transcribe the whole current turn; None when it holds too little speech."""
        audio = self.turn_audio()
        if audio is None or audio.speech_seconds < self.settings.min_speech:
            return None
        early = self._take_early()
        if early is not None:
            audio = early.audio
            result = await early.task
            compute_ms = ((early.finished or time.perf_counter()) - early.started) * 1000.0
        else:
            started = time.perf_counter()
            result = await self.clock.run_blocking(self._transcribe, audio.samples)
            compute_ms = (time.perf_counter() - started) * 1000.0
        return TranscriptFinal(
            text=self._fuller(result.text.strip(), audio),
            start=round(audio.start, 4),
            end=round(audio.end, 4),
            compute_ms=round(compute_ms, 1),
        )

    def _fuller(self, final: str, audio: TurnAudio) -> str:
        """The final transcript, or the turn's last partial when that one heard nearly all the
        same speech and more words, and the final far fewer words per second. Whisper
        sometimes stops early on a whole turn and drops its end: "Yes, but I fainted in the
        kitchen this morning." in the partial became "Yes, but I think the" in the final (an
        evaluation call, whose red flag was lost)."""
        partial = self._last_partial
        if partial is None or audio.speech_seconds - partial.speech_seconds > PARTIAL_COVERS:
            return final
        words, heard = len(final.split()), len(partial.text.split())
        rate = words / max(audio.speech_seconds, 0.1)
        partial_rate = heard / max(partial.speech_seconds, 0.1)
        return partial.text if heard > words and rate < DROPPED_RATE * partial_rate else final

    def _prompt(self) -> str | None:
        return (self.settings.prompt if self.vocabulary else "") or None

    def _transcribe(self, samples: np.ndarray) -> Transcript:
        return self.recognizer.transcribe(samples, prompt=self._prompt())

    # --- the early final transcription ----------------------------------------------------------

    def _watch_pause(self) -> None:
        """In speech: start the turn's transcription at a pause's first silent frame; drop it
        when the user speaks on within the VAD's hangover."""
        pause = self.vad.silence_since
        if pause is None:
            self._drop_early()
        elif self._early is None or self._early.at != pause:
            self._drop_early()
            audio = self.turn_audio()
            if audio is not None and audio.speech_seconds >= self.settings.min_speech:
                early = _Early(
                    at=pause,
                    generation=self._turn_generation,
                    prompt=self._prompt(),
                    audio=audio,
                    task=self.tasks.start(
                        self.clock.run_blocking(self._transcribe, audio.samples), "asr-early"
                    ),
                    started=time.perf_counter(),
                )
                early.task.add_done_callback(early.done)
                self._early = early

    def _take_early(self) -> _Early | None:
        """The early transcription if it read this turn up to its stop, as the loop would ask."""
        early, self._early = self._early, None
        if (
            early is not None
            and not self.in_speech
            and early.at == self._stopped_at
            and early.generation == self._turn_generation
            and early.prompt == self._prompt()
            and not early.task.cancelled()
        ):
            return early
        if early is not None:
            early.task.cancel()
        return None

    def _drop_early(self) -> None:
        if self._early is not None:
            self._early.task.cancel()
            self._early = None

    async def _partial(self) -> None:
        generation = self._turn_generation
        audio = self.turn_audio()
        if audio is None:
            return
        result = await self.clock.run_blocking(self._transcribe, audio.samples)
        # A partial that finishes after its turn was answered would describe the wrong turn.
        if generation == self._turn_generation and result.text.strip():
            self._last_partial = _Heard(result.text.strip(), audio.speech_seconds)
            self.timeline.emit(
                TranscriptPartial(
                    text=result.text.strip(), start=round(audio.start, 4), end=round(audio.end, 4)
                )
            )
