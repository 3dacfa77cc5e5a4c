"""Pipecat side of ``bench/peer_pipecat.py``: run in Pipecat's own venv, never in visavis's.

Usage: .bench-venvs/pipecat/bin/python bench/peer_pipecat_driver.py IN.wav OUT_DIR
       --whisper DIR --piper FILE.onnx --script SCRIPT.json [--tail 6]

A stock Pipecat 1.14 voice pipeline, built as its examples build one::

    input -> WhisperSTTService -> user aggregator (SileroVADAnalyzer, default user turn
    strategies: VAD/transcription start, TurnAnalyzerUserTurnStopStrategy with
    LocalSmartTurnAnalyzerV3) -> FixedReply (the LLM slot) -> PiperTTSService -> output
    -> assistant aggregator

``SCRIPT.json`` (written by ``bench/peer_pipecat.py`` from ``bench/peer_script.py``) holds the
agent's lines: the greeting, spoken at the start, then the reply to each patient turn, picked
by ``peer_script.reply_at`` on the input's clock exactly as visavis's ``FixedMind`` picks it.
Smart Turn hears audio only, so the words of the agent's question do not reach Pipecat's
end-of-turn decision; they are said so that both sides play the same call.

Every analyzer and service keeps its default parameters; only the model files are chosen
(Whisper tiny.en CTranslate2 int8 and the Piper joe voice, the files visavis uses; Silero VAD
and Smart Turn v3.2 are the ONNX files shipped in the pipecat-ai wheel). The transport is a
small one written here, in the shape of Pipecat's LocalAudioTransport: the input pushes the WAV
in 20 ms frames on the real-time clock, each when a microphone would have delivered it (at the
end of its 20 ms); the output behaves like a blocking sound card (a write returns when its chunk
has played), and records when each chunk started playing. It writes ``out.wav`` (the agent's
audio on the input's timeline) and ``timings.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

import numpy as np
import soundfile
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.frames.frames import (
    Frame,
    InputAudioRawFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    OutputAudioRawFrame,
    StartFrame,
    TTSSpeakFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.piper.tts import PiperTTSService
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transports.base_input import BaseInputTransport
from pipecat.transports.base_output import BaseOutputTransport
from pipecat.transports.base_transport import BaseTransport, TransportParams
from pipecat.workers.runner import WorkerRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peer_metrics import place_chunks  # noqa: E402
from peer_script import reply_at  # noqa: E402

RATE = 16000
FRAME = 0.02


class Clock:
    """Second 0 is the input WAV's first sample (set when the input starts)."""

    t0: float = 0.0

    @classmethod
    def now(cls) -> float:
        return time.monotonic() - cls.t0


class WavInput(BaseInputTransport):
    """The WAV as a microphone: 20 ms frames, each pushed when its last sample was 'spoken'."""

    def __init__(
        self, audio: np.ndarray, tail: float, done: asyncio.Event, params: TransportParams
    ) -> None:
        super().__init__(params)
        pad = np.zeros(int(tail * RATE), dtype=np.float32)
        self._pcm = (np.clip(np.concatenate([audio, pad]), -1, 1) * 32767).astype(np.int16)
        self._done = done
        self._task: asyncio.Task | None = None

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)
        if self._task is None:
            self._task = self.create_task(self._feed())

    async def _feed(self) -> None:
        n = int(RATE * FRAME)
        Clock.t0 = time.monotonic()
        for k in range(len(self._pcm) // n):
            delay = (k + 1) * FRAME - Clock.now()
            if delay > 0:
                await asyncio.sleep(delay)
            chunk = self._pcm[k * n : (k + 1) * n].tobytes()
            await self.push_audio_frame(
                InputAudioRawFrame(audio=chunk, sample_rate=RATE, num_channels=1)
            )
        self._done.set()


class RecordingOutput(BaseOutputTransport):
    """A blocking sound card: a chunk starts when written (or when the previous one ends)."""

    def __init__(self, params: TransportParams) -> None:
        super().__init__(params)
        self.chunks: list[tuple[float, np.ndarray]] = []
        self._busy_until = 0.0

    async def start(self, frame: StartFrame) -> None:
        await super().start(frame)
        await self.set_transport_ready(frame)

    async def write_audio_frame(self, frame: OutputAudioRawFrame) -> bool:
        samples = np.frombuffer(frame.audio, dtype=np.int16).astype(np.float32) / 32768.0
        if frame.sample_rate != RATE:
            raise RuntimeError(f"output at {frame.sample_rate} Hz, expected {RATE}")
        start = max(Clock.now(), self._busy_until)
        self.chunks.append((start, samples))
        self._busy_until = start + len(samples) / RATE
        await asyncio.sleep(max(0.0, self._busy_until - Clock.now()))
        return True


class WavTransport(BaseTransport):
    def __init__(self, audio: np.ndarray, tail: float, done: asyncio.Event) -> None:
        super().__init__()
        params = TransportParams(
            audio_in_enabled=True,
            audio_out_enabled=True,
            audio_in_sample_rate=RATE,
            audio_out_sample_rate=RATE,
        )
        self._input = WavInput(audio, tail, done, params)
        self._output = RecordingOutput(params)

    def input(self) -> FrameProcessor:
        return self._input

    def output(self) -> FrameProcessor:
        return self._output


class FixedReply(FrameProcessor):
    """The LLM slot: answers every user turn at once with the script's next question."""

    def __init__(
        self, replies: list[str], starts: list[float], log: list[dict[str, object]]
    ) -> None:
        super().__init__()
        self.replies = replies
        self.starts = starts
        self.log = log

    async def process_frame(self, frame: Frame, direction: FrameDirection) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            messages = frame.context.get_messages()
            user = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
            text = str(user[-1].get("content", "")) if user else ""
            now = Clock.now()
            reply = reply_at(self.replies, self.starts, now)
            self.log.append({"t": round(now, 4), "event": "respond", "text": text, "reply": reply})
            await self.push_frame(LLMFullResponseStartFrame())
            await self.push_frame(LLMTextFrame(reply))
            await self.push_frame(LLMFullResponseEndFrame())
            return
        if isinstance(frame, UserStartedSpeakingFrame | UserStoppedSpeakingFrame):
            self.log.append({"t": round(Clock.now(), 4), "event": type(frame).__name__})
        await self.push_frame(frame, direction)


async def run(args: argparse.Namespace) -> None:
    audio, rate = soundfile.read(str(args.wav), dtype="float32")
    if rate != RATE or audio.ndim != 1:
        raise SystemExit(f"{args.wav}: need 16 kHz mono, got {rate} Hz {audio.shape}")
    script = json.loads(Path(args.script).read_text())
    done = asyncio.Event()
    transport = WavTransport(audio, args.tail, done)
    loaded = time.perf_counter()
    stt = WhisperSTTService(
        settings=WhisperSTTService.Settings(model=str(args.whisper)),
        device="cpu",
        compute_type="int8",  # the file is int8; "default" would load it as int8 too
    )
    piper = Path(args.piper)
    tts = PiperTTSService(
        settings=PiperTTSService.Settings(voice=piper.stem), download_dir=piper.parent
    )
    context = LLMContext()
    user_agg, assistant_agg = LLMContextAggregatorPair(
        context,
        # Stock: SileroVADAnalyzer() with default VADParams; user_turn_strategies left None,
        # which is the documented default (VAD + transcription start, Smart Turn v3 stop).
        user_params=LLMUserAggregatorParams(vad_analyzer=SileroVADAnalyzer()),
    )
    log: list[dict[str, object]] = []
    pipeline = Pipeline(
        [
            transport.input(),
            stt,
            user_agg,
            FixedReply(script["replies"], script["starts"], log),
            tts,
            transport.output(),
            assistant_agg,
        ]
    )
    worker = PipelineWorker(
        pipeline,
        params=PipelineParams(audio_in_sample_rate=RATE, audio_out_sample_rate=RATE),
        idle_timeout_secs=None,
    )
    load_seconds = time.perf_counter() - loaded
    runner = WorkerRunner(handle_sigint=False)

    async def finish() -> None:
        await done.wait()
        await worker.cancel()

    # As on visavis's side: the agent greets (the script's first question) before the patient.
    await worker.queue_frame(TTSSpeakFrame(script["replies"][0]))
    await asyncio.gather(runner.run(worker), finish())
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    output = transport._output
    soundfile.write(str(out / "out.wav"), place_chunks(output.chunks, RATE), RATE)
    timings = {
        "pipecat": "1.14.0",
        "rate": RATE,
        "load_seconds": round(load_seconds, 3),
        "chunks": [[round(s, 5), len(x)] for s, x in output.chunks],
        "log": log,
    }
    (out / "timings.json").write_text(json.dumps(timings, indent=1) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wav", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--whisper", type=Path, required=True)
    parser.add_argument("--piper", type=Path, required=True)
    parser.add_argument("--script", type=Path, required=True)
    parser.add_argument("--tail", type=float, default=6.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
