"""Voice-to-voice latency over a real WebRTC loopback, next to the files transport, in one run.

Usage: python bench/live_latency.py [--scenarios a,b,...] [--min-turns 20] [--video-size 512]
                                    [--no-write]

Both transports carry the same simulated patients (``visavis.sim``) through the same flagship
scenarios on the real-time clock, interleaved call by call so that whatever else the machine is
doing weighs on both alike:

- **files**: ``run_demo`` on the simulated line, as ``bench/voice_latency.py`` measures it;
- **webrtc**: a ``LiveCall`` (``visavis.server.live``, with an ``InMemoryRegistry``) answering
  an aiortc ``RTCPeerConnection`` in this process. The caller's microphone track plays what the
  simulated patient says; the agent's audio track arrives at the caller, is decoded and fed to
  the patient's ear, so the patient reacts to what really came over the wire. The avatar's video
  track is sent and received too, as in a real call (its encoding competes for the CPU).

Voice-to-voice is measured *at the caller* for both: from the end of the patient's speech in the
audio it sent (the last 10 ms window above -40 dBFS) to the first 10 ms window of agent audio
above -40 dBFS that reached it. Which agent onsets answer a patient turn comes from the agent's
``metrics.turn_latency`` events (the reply's first sample written to the transport), mapped onto
the caller's clock, so greetings and sentence onsets mid-reply are not counted.

The difference between the transports' percentiles is the WebRTC transport's own cost: Opus
encoding, RTP over loopback, aiortc's jitter buffer and decoding, both ways, plus the agent
track's pacing and pre-buffer, and the CPU the media pipeline (video included) takes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import logging
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from report import DOC, machine, write_section
from visavis.demo import check_expectations, run_demo
from visavis.engines import Engines, load_engines
from visavis.models import install_models
from visavis.paths import SCENARIOS_FILE
from visavis.runtime.clock import Clock, make_clock
from visavis.runtime.events import BaseEvent, TurnLatency, UserStoppedSpeaking
from visavis.runtime.media import AudioChunk, resample
from visavis.server.live import LiveCall, LiveCallOptions
from visavis.server.registry import ConversationRecord, InMemoryRegistry
from visavis.server.schemas import ConversationProperties, CreateConversation
from visavis.sim.patient import SimulatedPatient
from visavis.sim.scenarios import get_scenario
from visavis.transport.simulated import CallRecorder
from voice_latency import DEFAULT_SCENARIOS, speech_end_before

#: Both directions are kept at the patient's rate, as call.wav is, so one measurement fits both.
RATE = 16000
RTC_RATE = 48000
FRAME_SECONDS = 0.02
#: -40 dBFS: the level voice_latency.speech_end_before calls voiced, used for the onset too.
VOICED = 0.01
#: An agent onset this long after its first sample was written is not the reply's.
MAX_ONSET_DELAY = 3.0
#: A reply that began less than this after the patient's last voiced audio answered a pause the
#: patient then talked on through (the hesitant patient does): its "end of speech" is not the
#: one the agent answered, so the turn is left out on both transports.
MIN_QUIET = 0.3
#: A call that runs away (a patient misunderstanding in a loop) is cut here.
MAX_CALL_SECONDS = 180.0

TRANSPORTS = ("files", "webrtc")


# --- measurement (shared by both transports) -------------------------------------------------


def agent_onset(agent: np.ndarray, rate: int, after: float, before: float) -> float | None:
    """Start of the first 10 ms window of ``agent`` in ``[after, before)`` above ``VOICED``."""
    win = rate // 100
    first = int(round(after * rate))
    stop = min(len(agent), int(round(min(before, after + MAX_ONSET_DELAY) * rate)))
    n = max(0, stop - first) // win
    if n == 0:
        return None
    levels = np.sqrt(np.mean(np.square(agent[first : first + n * win].reshape(n, win)), axis=1))
    loud = np.flatnonzero(levels > VOICED)
    return None if len(loud) == 0 else (first + int(loud[0]) * win) / rate


def measure(
    audio: np.ndarray, rate: int, first_audio: list[tuple[float, float]], scenario: str
) -> tuple[list[dict[str, float | str]], int]:
    """Per answered turn, from the caller's two-channel recording (0 sent, 1 heard) and the
    agent's first-sample times on the caller's clock, each with the agent's own VAD-to-voice;
    and how many turns were left out as talked over."""
    rows: list[dict[str, float | str]] = []
    talked_over = 0
    nexts = [t for t, _ in first_audio[1:]] + [float("inf")]
    for (written, agent_ms), next_written in zip(first_audio, nexts, strict=True):
        # As voice_latency.py: the patient's last voiced window before the reply started.
        end = speech_end_before(audio[:, 0], rate, written - 0.01)
        # A reply cut before it was heard (the patient talked on) has no onset of its own: the
        # search stops at the next reply's first sample rather than borrow that one's.
        onset = agent_onset(audio[:, 1], rate, written, next_written)
        if end is None or onset is None:
            continue
        if written - end < MIN_QUIET:
            talked_over += 1
            continue
        rows.append(
            {
                "scenario": scenario,
                "voice_to_voice_ms": (onset - end) * 1000.0,
                "to_agent_sample_ms": (written - end) * 1000.0,
                "agent_to_ear_ms": (onset - written) * 1000.0,
                "agent_vad_to_voice_ms": agent_ms,
                # Per turn, what the agent's own figure does not cover: the transports both
                # ways plus the TTS audio's quiet lead-in. Variations inside the agent (a slow
                # reply, a re-prompt) cancel out here, which they do not between percentiles.
                "outside_agent_ms": (onset - end) * 1000.0 - agent_ms,
            }
        )
    return rows, talked_over


# --- (a) the files transport --------------------------------------------------------------------


def vad_delays(events: list[BaseEvent]) -> list[float]:
    """Per VAD end of speech, ms between where speech ended in the agent's *media* time and
    when the event was emitted on the call's *clock*. The turn policy mixes the two (it sleeps
    until media end + 500 ms on the clock), so a shift between them changes its real wait."""
    return [(e.t - e.end) * 1000.0 for e in events if isinstance(e, UserStoppedSpeaking)]


def files_call(name: str, engines: Engines, out: Path, tick: Callable[[], None]) -> CallResult:
    events: list[BaseEvent] = []

    def on_event(event: BaseEvent) -> None:
        events.append(event)
        if isinstance(event, TurnLatency):
            tick()

    result = asyncio.run(
        # No avatar video: voice_latency.py renders one per call, which only costs time here.
        run_demo(
            name,
            out,
            clock_kind="realtime",
            engines=engines,
            on_event=on_event,
            max_call_duration=MAX_CALL_SECONDS,
            video=False,
        )
    )
    audio, rate = soundfile.read(str(out / "call.wav"), dtype="float32", always_2d=True)
    # The simulated line's media time is the call's clock: first_audio_at needs no mapping.
    first = [(lat.first_audio_at, lat.voice_to_voice_ms) for lat in result.latencies]
    rows, talked_over = measure(audio, rate, first, name)
    return CallResult(rows, talked_over, vad_delays(events), result.problems, result.duration)


# --- (b) the WebRTC loopback --------------------------------------------------------------------


class PatientMic(MediaStreamTrack):
    """The caller's microphone: the simulated patient's mouth, paced in 20 ms frames at 48 kHz.

    Frame ``i`` covers ``[t0 + i*20 ms, t0 + (i+1)*20 ms)`` on the caller's clock and is handed to
    aiortc once all of it has been "captured", like ``SimulatedLine`` does for the files transport.
    What is sent is recorded (at 16 kHz) by that clock for the measurement.
    """

    kind = "audio"

    def __init__(self, patient: SimulatedPatient, clock: Clock, recorder: CallRecorder) -> None:
        super().__init__()
        self.patient = patient
        self.clock = clock
        self.recorder = recorder
        self._t0: float | None = None
        self._index = 0

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._t0 is None:
            self._t0 = self.clock.now()
        start = self._t0 + self._index * FRAME_SECONDS
        await self.clock.sleep_until(start + FRAME_SECONDS)
        n, ctx = int(RATE * FRAME_SECONDS), RATE // 100
        # Resampled with 10 ms of context each side and cut to the middle: whole-buffer soxr
        # without the edge transients a bare 20 ms buffer would have, and no held-back state.
        around = self.patient.mouth(start - ctx / RATE, n + 2 * ctx)
        up = resample(around, RATE, RTC_RATE)[3 * ctx : 3 * (ctx + n)]
        self.recorder.add(0, AudioChunk(around[ctx : ctx + n], RATE, start))
        pcm = np.round(np.clip(up, -1.0, 1.0) * 32767.0).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = RTC_RATE
        frame.pts = self._index * len(up)
        frame.time_base = Fraction(1, RTC_RATE)
        self._index += 1
        return frame


def frame_to_mono(frame: av.AudioFrame) -> np.ndarray:
    """Mono float32 of a decoded frame (aiortc's Opus decoder gives packed stereo s16)."""
    arr = frame.to_ndarray()
    channels = len(frame.layout.channels)
    samples = arr.T if frame.format.is_planar else arr.reshape(-1, channels)
    return samples.astype(np.float32).mean(axis=1) / 32768.0


async def hear_agent(
    track: MediaStreamTrack, patient: SimulatedPatient, clock: Clock, recorder: CallRecorder
) -> None:
    """The caller's loudspeaker: each decoded frame counts as heard when it arrives (no playout
    buffer of our own), goes to the patient's ear and into the recording at that time."""
    while True:
        try:
            frame = await track.recv()
        except MediaStreamError:
            return
        arrived = clock.now()
        mono = frame_to_mono(frame)
        patient.hear(AudioChunk(mono, frame.sample_rate, arrived))
        recorder.add(1, AudioChunk(resample(mono, frame.sample_rate, RATE), RATE, arrived))


async def drain_video(track: MediaStreamTrack) -> None:
    # Undrained, aiortc keeps every decoded avatar frame queued for the whole call.
    with contextlib.suppress(MediaStreamError):
        while True:
            await track.recv()


async def webrtc_call(
    name: str, engines: Engines, data_dir: Path, video_size: int, tick: Callable[[], None]
) -> CallResult:
    scenario = get_scenario(SCENARIOS_FILE, name)
    registry = InMemoryRegistry()
    request = CreateConversation(
        properties=ConversationProperties(
            patient_id=scenario.patient_id, max_call_duration=MAX_CALL_SECONDS
        )
    )
    record = ConversationRecord(conversation_id=f"bench-{name}-{time.time_ns()}", request=request)
    registry.add(record)
    live = LiveCall(record, registry, engines, data_dir, LiveCallOptions(video_size=video_size))

    # The caller's side: its own clock, the patient with the scenario's voice, a recording.
    clock = make_clock("realtime")
    v = scenario.voice
    voice = engines.voice(
        v.engine, v.voice, v.rate_wpm, v.pitch if v.engine == "espeak" else v.semitones
    )
    patient = SimulatedPatient(scenario, clock, engines.recognizer, voice)
    recorder = CallRecorder(RATE)
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    readers: list[asyncio.Task[None]] = []

    def on_track(track: MediaStreamTrack) -> None:
        reader = hear_agent(track, patient, clock, recorder) if track.kind == "audio" else None
        readers.append(asyncio.create_task(reader or drain_video(track)))

    # What a browser offers: the microphone, a receive-only video m-line, the events channel.
    mic = PatientMic(patient, clock, recorder)
    pc.addTrack(mic)
    pc.addTransceiver("video", direction="recvonly")
    pc.createDataChannel("events")
    pc.on("track", on_track)
    await pc.setLocalDescription(await pc.createOffer())
    answer = await live.accept(pc.localDescription.sdp)
    await pc.setRemoteDescription(RTCSessionDescription(sdp=answer.sdp, type=answer.type))
    patient_task = asyncio.create_task(patient.run(), name="simulated-patient")

    offset: float | None = None
    seen = 0
    deadline = clock.now() + MAX_CALL_SECONDS + 30.0
    try:
        assert live.task is not None
        while not (patient.hung_up or live.task.done()) and clock.now() < deadline:
            await asyncio.sleep(0.1)
            if offset is None and live.clock is not None:
                # Both real-time clocks read the same loop.time(); only their zeros differ.
                offset = clock.now() - live.clock.now()
            latencies = [e for e in record.events if isinstance(e, TurnLatency)]
            for _ in latencies[seen:]:
                tick()
            seen = len(latencies)
    finally:
        await pc.close()  # the agent's microphone track ends: the call ends participant_left
        await live.wait(15.0)
        patient.hung_up = True
        for task in [patient_task, *readers]:
            task.cancel()
        await asyncio.gather(patient_task, *readers, return_exceptions=True)
        clock.close()
    if offset is None:
        raise RuntimeError(f"webrtc call {name} never started: {record.end_reason}")
    first = [
        (e.first_audio_at + offset, e.voice_to_voice_ms)
        for e in record.events
        if isinstance(e, TurnLatency)
    ]
    audio = recorder.render()
    problems = check_expectations(scenario.expect, record.outcome or {}, record.events)
    duration = float((record.outcome or {}).get("duration", 0.0))
    rows, talked_over = measure(audio, RATE, first, name)
    return CallResult(rows, talked_over, vad_delays(record.events), problems, duration)


# --- the run ------------------------------------------------------------------------------------


@dataclass
class CallResult:
    rows: list[dict[str, float | str]]
    talked_over: int
    vad_delays: list[float]
    problems: list[str]
    duration: float


@dataclass
class Collected:
    rows: dict[str, list[dict[str, float | str]]] = field(
        default_factory=lambda: {t: [] for t in TRANSPORTS}
    )
    vad_delays: dict[str, list[float]] = field(default_factory=lambda: {t: [] for t in TRANSPORTS})
    calls: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRANSPORTS, 0))
    talked_over: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TRANSPORTS, 0))
    #: Scenarios whose call missed its expected outcome, per transport.
    missed: dict[str, list[str]] = field(default_factory=lambda: {t: [] for t in TRANSPORTS})
    scenarios: list[str] = field(default_factory=list)


def collect(scenarios: list[str], min_turns: int, video_size: int, root: Path) -> Collected:
    engines = load_engines(deterministic=False)  # a live call's natural voice
    got = Collected()

    def tick() -> None:
        print(".", end="", flush=True)

    # Interleaved call by call (files, then webrtc, on the same scenario) until both have enough.
    for round_, name in ((r, s) for r in itertools.count() for s in scenarios):
        for transport in TRANSPORTS:
            if len(got.rows[transport]) >= min_turns:
                continue
            out = root / f"{transport}-{name}-{round_}"
            print(f"  {transport:6s} {name}: ", end="", flush=True)
            started = time.perf_counter()
            if transport == "files":
                result = files_call(name, engines, out, tick)
            else:
                out.mkdir(parents=True)
                result = asyncio.run(webrtc_call(name, engines, out, video_size, tick))
            got.rows[transport] += result.rows
            got.vad_delays[transport] += result.vad_delays
            got.talked_over[transport] += result.talked_over
            if result.problems:
                got.missed[transport].append(name)
            got.calls[transport] += 1
            if name not in got.scenarios:
                got.scenarios.append(name)
            v2v = [float(r["voice_to_voice_ms"]) for r in result.rows]
            median = f"median {np.median(v2v):.0f} ms" if v2v else "no turns"
            over = f" + {result.talked_over} talked over" if result.talked_over else ""
            print(
                f" {len(result.rows)} turns{over} ({median}), {result.duration:.0f} s call in "
                f"{time.perf_counter() - started:.0f} s, outcome ok: {not result.problems}"
                + (f" {result.problems}" if result.problems else "")
                + f"  [{len(got.rows[transport])}/{min_turns}]"
            )
        if all(len(got.rows[t]) >= min_turns for t in TRANSPORTS):
            return got
    raise AssertionError("unreachable")


KEYS = {
    "voice_to_voice_ms": "**voice to voice at the caller** (end of speech sent to first agent "
    "audio heard)",
    "to_agent_sample_ms": "end of speech sent to the agent's first sample written "
    "(`voice_latency.py`'s figure for files)",
    "agent_to_ear_ms": "agent's first sample written to first agent audio heard",
    "agent_vad_to_voice_ms": "the agent's own VAD end of speech to first sample "
    "(`metrics.turn_latency`)",
    "outside_agent_ms": "**outside the agent**: voice to voice minus the agent's own figure, "
    "per turn",
    "vad_delay_ms": "the agent's VAD end of speech, clock time of the event minus media time "
    "of the end (`user.stopped_speaking` t - end)",
}


def values(got: Collected, transport: str, key: str) -> np.ndarray:
    if key == "vad_delay_ms":  # per VAD event, not per answered turn
        return np.array(got.vad_delays[transport])
    return np.array([float(r[key]) for r in got.rows[transport]])


def stats(data: np.ndarray) -> tuple[float, float, float]:
    return (
        float(np.percentile(data, 50)),
        float(np.percentile(data, 95)),
        float(data.max()),
    )


def table(
    got: Collected,
) -> list[tuple[str, tuple[float, float, float], tuple[float, float, float]]]:
    """(key, files p50/p95/max, webrtc p50/p95/max) per measure."""
    return [(k, stats(values(got, "files", k)), stats(values(got, "webrtc", k))) for k in KEYS]


def render(got: Collected, video_size: int, seconds: float, peak_rss_mb: float) -> str:
    files, rtc = got.rows["files"], got.rows["webrtc"]
    shift = float(np.median(got.vad_delays["webrtc"]) - np.median(got.vad_delays["files"]))
    lines = [
        "## Voice-to-voice latency over WebRTC vs the files transport (real-time clock)",
        "",
        f"The same simulated patients ({', '.join(got.scenarios)}) called through both "
        f"transports in one run, interleaved call by call: {len(files)} answered turns from "
        f"{got.calls['files']} calls on the simulated line (files), {len(rtc)} from "
        f"{got.calls['webrtc']} `LiveCall`s answering an aiortc peer in the same process over "
        f"loopback (Opus audio both ways, the {video_size} px avatar video sent and received). "
        f"{machine()} by `bench/live_latency.py` ({seconds / 60:.1f} min, peak RSS "
        f"{peak_rss_mb:.0f} MB).",
        "",
        "Measured at the caller: from the last 10 ms window above -40 dBFS in the audio the "
        "patient sent to the first 10 ms window above -40 dBFS of agent audio it received "
        "(decoded frames count as heard on arrival). Which onsets answer a turn comes from the "
        "agent's `metrics.turn_latency` (its first sample written), mapped onto the caller's "
        "clock. Replies that began less than 300 ms after the patient's last voiced audio "
        "(the agent answered a pause the patient talked on through) are left out: "
        f"{got.talked_over['files']} over files, {got.talked_over['webrtc']} over WebRTC. "
        "The difference of the percentiles is the WebRTC transport's own cost; the "
        '"outside the agent" row estimates it with the agent\'s own variations (a slow '
        "reply, a re-prompt) taken out turn by turn. Calls that missed their scenario's "
        f"expected outcome: files {', '.join(got.missed['files']) or 'none'}, WebRTC "
        f"{', '.join(got.missed['webrtc']) or 'none'}.",
        "",
        "| measure | files p50 | p95 | max | WebRTC p50 | p95 | max | difference p50 | p95 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, a, b in table(got):
        cells = " | ".join(f"{x:.0f} ms" for x in (*a, *b))
        lines.append(f"| {KEYS[key]} | {cells} | {b[0] - a[0]:+.0f} ms | {b[1] - a[1]:+.0f} ms |")
    lines += [
        "",
        "On the simulated line the agent's frames reach the patient's ear as they are written "
        "(the files figure of the second row is the first sample's time, of the third the "
        "leading quiet of the TTS audio). Over WebRTC they also wait for the agent track's "
        "20 ms pacing and pre-buffer, Opus encoding, aiortc's jitter buffer (4 packets "
        "prefetched, 80 ms) and decoding; the patient's speech takes the same path the other "
        "way before the agent's VAD hears it end.",
        "",
        "The last row is a caveat on the WebRTC figures: the live call's media time (samples "
        "counted from the first frame its audio source read) is not its clock's time; the "
        "end-of-turn rule waits until *media* end of speech + 500 ms on the *clock*, so over "
        f"WebRTC it waited about {abs(shift):.0f} ms {'less' if shift > 0 else 'more'} silence "
        "than on the simulated line (the p50 difference of that row), "
        f"{'hiding that much of' if shift > 0 else 'adding that much to'} the transport's cost "
        "in the first row. A shorter wait also lets the agent answer into pauses shorter than "
        "the 500 ms it means to wait for (the talked-over turns counted above).",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", default=",".join(DEFAULT_SCENARIOS))
    parser.add_argument("--min-turns", type=int, default=20)
    parser.add_argument("--video-size", type=int, default=LiveCallOptions().video_size)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    # aiortc and the live call log every connection state; keep the progress lines readable.
    logging.basicConfig(level=logging.WARNING)
    install_models()
    started = time.perf_counter()
    engines = load_engines(deterministic=False)
    print(f"models loaded in {time.perf_counter() - started:.2f} s: {engines.load_seconds}")
    with tempfile.TemporaryDirectory() as tmp:
        got = collect(args.scenarios.split(","), args.min_turns, args.video_size, Path(tmp))
    seconds = time.perf_counter() - started
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    turns = {t: len(got.rows[t]) for t in TRANSPORTS}
    print(f"\n{turns['files']} turns over files, {turns['webrtc']} over WebRTC (ms)")
    print(f"{'':24s} {'files p50/p95/max':>20s} {'webrtc p50/p95/max':>20s} {'diff p50/p95':>14s}")
    for key, a, b in table(got):
        cell_a = "/".join(f"{x:.0f}" for x in a)
        cell_b = "/".join(f"{x:.0f}" for x in b)
        diff = f"{b[0] - a[0]:+.0f}/{b[1] - a[1]:+.0f}"
        print(f"{key:24s} {cell_a:>20s} {cell_b:>20s} {diff:>14s}")
    print(f"{seconds:.0f} s in all, peak RSS {peak_rss_mb:.0f} MB")
    if not args.no_write:
        write_section("live_latency", render(got, args.video_size, seconds, peak_rss_mb))
        print(f"wrote the live latency section of {DOC}")


if __name__ == "__main__":
    sys.exit(main())
