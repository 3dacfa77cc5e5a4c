"""A scripted simulated patient that hears the agent's audio and answers with its own voice.

It is a test driver that behaves like a person on the line: it waits until the agent has been
quiet for a moment, transcribes what it heard with its own recognizer, picks the scripted answer
for the question it recognised, leaves a human-like gap, and speaks through a TTS voice distinct
from the agent's. It can also talk over the agent (scripted interruptions) and hangs up after the
goodbye (or earlier, if scripted). Scripted silences before an answer and background noise in
its microphone stand in for callers who go quiet or call from a noisy room.
"""

from __future__ import annotations

import logging
import random
from typing import TYPE_CHECKING

import numpy as np

from visavis.runtime.clock import Clock
from visavis.runtime.media import AudioChunk, resample, rms
from visavis.speech.asr.base import SpeechRecognizer
from visavis.speech.tts.base import SpeechSynthesizer

from .listening import match_intent
from .noise import loop_slice, noise_loop
from .phrasing import plain, speak_line
from .scenarios import Intent, Scenario

if TYPE_CHECKING:  # the camera pulls in the renderer; a patient without one should not
    from .camera import PatientCamera

log = logging.getLogger(__name__)

#: Agent frames louder than this count as the agent talking.
_VOICE_LEVEL = 0.008
#: Speaking rate of a line said again (asked to repeat, or the same question asked again):
#: people who were not understood repeat more slowly and clearly ("clear speech", typically
#: 10-20% slower). ``visavis demo`` gives an espeak-ng patient a voice this much slower.
REPEAT_RATE = 0.85
#: Questions that narrow an earlier one ("what year?" after "your date of birth?"), and the
#: earlier one: a scenario without a line for the narrow question answers the broad one.
NARROWER: dict[Intent, Intent] = {"dob_year": "dob", "medication_purpose": "which_medication"}


class SimulatedPatient:
    """One scripted patient on a simulated line (16 kHz in and out)."""

    #: Agent silence (seconds) after which the patient takes it that the agent has finished.
    listen_silence = 0.55

    def __init__(
        self,
        scenario: Scenario,
        clock: Clock,
        recognizer: SpeechRecognizer,
        voice: SpeechSynthesizer,
        rate: int = 16000,
        camera: PatientCamera | None = None,
        repeat_voice: SpeechSynthesizer | None = None,
    ) -> None:
        self.scenario = scenario
        #: The voice for a line said again (``REPEAT_RATE``); None: ``voice`` as it is.
        self.repeat_voice = repeat_voice
        #: Optional webcam: told when each line starts (mouth movement, the line's cues).
        self.camera = camera
        self.clock = clock
        self.recognizer = recognizer
        self.voice = voice
        self.rate = rate
        self.rng = random.Random(scenario.seed)
        self.hung_up = False
        self.said: list[tuple[float, str]] = []
        #: When each line was being spoken (start, end): an agent that answers inside one cut in.
        self.spans: list[tuple[float, float]] = []
        self.heard: list[tuple[float, str, Intent]] = []
        self._ear: list[np.ndarray] = []
        self._ear_voiced = 0.0
        self._last_agent_voice: float | None = None
        self._out = np.zeros(0, dtype=np.float32)
        self._out_start = 0.0
        self._speaking_until = 0.0
        self._cursor: dict[str, int] = {}
        self._last_line = ""
        self._pending_interruptions = list(scenario.interruptions)
        self._checked_interruption = False
        self._silences = dict(scenario.silences)
        self._noise = (
            noise_loop(scenario.noise, rate, scenario.seed) if scenario.noise is not None else None
        )

    # --- the line ---------------------------------------------------------------------------

    def hear(self, frame: AudioChunk) -> None:
        """Agent audio arriving on the line."""
        samples = resample(frame.samples, frame.sample_rate, self.rate)
        if rms(samples) > _VOICE_LEVEL:
            self._last_agent_voice = frame.end
            self._ear_voiced += frame.duration
        if self.clock.now() >= self._speaking_until and (self._ear or rms(samples) > _VOICE_LEVEL):
            self._ear.append(samples)

    def mouth(self, start: float, n: int) -> np.ndarray:
        """The patient's microphone signal for ``n`` samples from ``start``."""
        out = np.zeros(n, dtype=np.float32)
        offset = int(round((start - self._out_start) * self.rate))
        lo, hi = max(offset, 0), min(offset + n, len(self._out))
        if hi > lo:
            out[lo - offset : hi - offset] = self._out[lo:hi]
        if self._noise is not None:
            # Indexed by absolute sample, so the noise runs on under and between lines.
            out += loop_slice(self._noise, int(round(start * self.rate)), n)
        return out

    # --- behaviour --------------------------------------------------------------------------

    async def run(self) -> None:
        """Listen and answer until hanging up."""
        while not self.hung_up:
            await self.clock.sleep(0.05)
            now = self.clock.now()
            if now < self._speaking_until:
                continue
            agent_quiet = (
                self._last_agent_voice is not None
                and now - self._last_agent_voice >= self.listen_silence
            )
            if self._ear_voiced > 0 and agent_quiet:
                await self._answer()
            elif self._ear_voiced > 0 and not agent_quiet:
                await self._maybe_interrupt()

    async def _answer(self) -> None:
        text = await self._transcribe_ear()
        if not text.strip():
            return  # only noise or a breath: nothing to answer
        intent = match_intent(text)
        self.heard.append((round(self.clock.now(), 3), text, intent))
        line = self._next_line(intent)
        low, high = self.scenario.gap
        heard_until = self._last_agent_voice
        assert heard_until is not None
        # A scripted silence is spent once: after the agent's re-prompt the patient answers.
        silence = self._silences.pop(intent, 0.0)
        await self.clock.sleep_until(heard_until + self.rng.uniform(low, high) + silence)
        if self._last_agent_voice != heard_until:
            # The agent went on talking while we drew breath: listen to the rest first.
            self._cursor[intent] -= 1
            return
        await self.say(line)
        if intent == "goodbye" or intent == self.scenario.hang_up_after:
            await self.clock.sleep_until(self._speaking_until + 0.5)
            self.hung_up = True

    async def _maybe_interrupt(self) -> None:
        if self._checked_interruption or not self._pending_interruptions:
            return
        due = [i for i in self._pending_interruptions if self._ear_voiced >= i.after]
        if not due:
            return
        self._checked_interruption = True
        text = await self._transcribe_ear(keep=True)
        intent = match_intent(text)
        for interruption in due:
            if interruption.intent == intent:
                self._pending_interruptions.remove(interruption)
                self.heard.append((round(self.clock.now(), 3), text, intent))
                self._ear.clear()
                self._ear_voiced = 0.0
                await self.say(interruption.say)
                return

    async def _transcribe_ear(self, keep: bool = False) -> str:
        audio = np.concatenate(self._ear) if self._ear else np.zeros(0, dtype=np.float32)
        if not keep:
            self._ear.clear()
            self._ear_voiced = 0.0
            self._checked_interruption = False
        if len(audio) < self.rate // 10:
            return ""
        result = await self.clock.run_blocking(self.recognizer.transcribe, audio)
        log.debug("patient heard: %s", result.text)
        return result.text

    def _next_line(self, intent: Intent) -> str:
        responses = self.scenario.responses
        if intent == "clarify" and "clarify" not in responses and self._last_line:
            return self._last_line
        if intent not in responses and intent in NARROWER:
            # Asked for part of an answer it has no line for: it says the whole answer again.
            intent = NARROWER[intent]
        lines = responses.get(intent) or responses.get("other") or ["Sorry, what was that?"]
        index = self._cursor.get(intent, 0)
        self._cursor[intent] = index + 1
        return lines[min(index, len(lines) - 1)]

    async def say(self, line: str) -> None:
        """Speak ``line`` now; ``[pause 0.4]`` markers become silences of that length."""
        again = any(heard == plain(line) for _, heard in self.said)
        voice = self.repeat_voice if again and self.repeat_voice is not None else self.voice
        spoken = await self.clock.run_blocking(speak_line, voice, line, self.rate)
        if not len(spoken.audio):
            return
        audio = spoken.audio
        now = self.clock.now()
        self._out = audio * 0.8
        self._out_start = now
        self._speaking_until = now + len(audio) / self.rate
        self._last_line = line
        self.said.append((round(now, 3), plain(line)))
        self.spans.append((round(now, 3), round(self._speaking_until, 3)))
        if self.camera is not None:
            self.camera.on_answer(line, now, audio=audio, rate=self.rate)
        self._ear.clear()
        self._ear_voiced = 0.0
        self._checked_interruption = False
