"""The simulated patient's webcam: a video of the patient's face for the agent's perception.

``PatientCamera`` films an avatar in a room: idle life (blinks, head drift, breathing), a mouth
that moves while the patient speaks, and scripted behaviours at conversation times (look away,
frown, nod, shake the head, leave the frame, a second person stepping in). Scenarios script them
in YAML (``camera:`` in ``scenarios.py``); ``on_answer`` is the hook the simulated patient calls
when it starts an answer, which schedules that answer's behaviours from its start.

Everything is a function of conversation time and of what was scheduled, drawn from seeded
randomness, so a replayed virtual call films the same frames. ``frames`` paces itself on the
call's clock and renders on a worker thread, so a real-time call's event loop never stalls.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable
from typing import TypeVar

import numpy as np

from visavis.face.params import FaceParams
from visavis.runtime.clock import Clock
from visavis.runtime.media import VideoFrame

from .camera_motion import DIRECTIONS, SWING_HZ, Act, Motion, speech_envelope
from .camera_scene import Scene, Shot
from .phrasing import PAUSE
from .scenarios import CameraCue, Scenario

T = TypeVar("T")


def _spoken_length(line: str) -> float:
    """A rough speaking time for a sentence (2.6 words/s plus marked pauses), used only when
    the caller gives neither the audio nor an end time."""
    pauses = sum(float(x) for x in PAUSE.findall(line))
    words = len(PAUSE.sub(" ", line).split())
    return max(0.3, words / 2.6 + pauses)


class PatientCamera:
    """The patient's webcam: ``size`` (width, height) RGB frames at ``fps``."""

    def __init__(
        self,
        avatar: str = "lin",
        size: tuple[int, int] = (640, 480),
        fps: float = 10.0,
        seed: int = 0,
    ) -> None:
        width, height = size
        if width < 64 or height < 64:
            raise ValueError(f"camera size must be at least 64x64 pixels; got {width}x{height}")
        if not 0 < fps <= 60:
            raise ValueError(f"camera fps must be in (0, 60]; got {fps}")
        self.avatar = avatar
        self.size = (int(width), int(height))
        self.fps = float(fps)
        self.seed = seed
        self.motion = Motion(seed)
        self._visitor = Motion(seed + 1)  # the second person has its own idle life
        self._cues: Callable[[str], tuple[CameraCue, ...]] = lambda line: ()
        self._scene: Scene | None = None

    @classmethod
    def for_scenario(
        cls, scenario: Scenario, size: tuple[int, int] = (640, 480), fps: float = 10.0
    ) -> PatientCamera:
        """A camera for a scenario: its avatar and call-wide events, its seed, and the cues of
        its answers (played by ``on_answer``)."""
        camera = cls(scenario.camera.avatar, size, fps, seed=scenario.seed)
        camera._cues = scenario.camera_cues
        for cue in scenario.camera.events:
            camera.apply(cue, 0.0)
        return camera

    # --- scheduling -----------------------------------------------------------------------

    def on_answer(
        self,
        line: str,
        start: float,
        end: float | None = None,
        audio: np.ndarray | None = None,
        rate: int = 16000,
    ) -> None:
        """The patient starts saying ``line`` at ``start``: move the mouth (with the audio's
        loudness if given, else until ``end`` or an estimate) and play the line's cues."""
        if audio is not None:
            self.speaking(start, start + len(audio) / rate, audio, rate)
        else:
            self.speaking(start, end if end is not None else start + _spoken_length(line))
        for cue in self._cues(line):
            self.apply(cue, start)

    def apply(self, cue: CameraCue, at: float) -> None:
        """Schedule a scenario cue ``cue.at`` seconds after ``at``."""
        start, amount = at + cue.at, cue.amount
        if cue.kind == "look_away":
            self.look_away(start, amount, cue.direction or "up_left")
        elif cue.kind == "frown":
            self.frown(start, amount)
        elif cue.kind == "nod":
            self.nod(start, int(amount))
        elif cue.kind == "shake":
            self.shake(start, int(amount))
        elif cue.kind == "leave":
            self.leave(start, amount)
        else:
            self.second_person(start, amount, cue.avatar or "sam")

    def speaking(
        self, start: float, end: float, audio: np.ndarray | None = None, rate: int = 16000
    ) -> None:
        """The mouth moves over [start, end): following ``audio``'s loudness (so it shuts in
        pauses) or, without audio, at a generic syllable rhythm."""
        envelope = speech_envelope(np.asarray(audio), rate) if audio is not None else None
        self.motion.add_speech(start, end, envelope)

    def look_away(self, start: float, duration: float, direction: str = "up_left") -> None:
        """Eyes and head turn away (``direction`` as seen in the picture), then come back."""
        if direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {direction!r}; use one of {', '.join(DIRECTIONS)}")
        self.motion.add(Act("look_away", start, _positive(duration), direction=direction))

    def frown(self, start: float, duration: float) -> None:
        """Brows knit and the mouth turns down for ``duration`` seconds."""
        self.motion.add(Act("frown", start, _positive(duration)))

    def nod(self, start: float, count: int = 2) -> None:
        """``count`` down-up cycles of head_pitch at ``SWING_HZ``."""
        self.motion.add(Act("nod", start, _cycles(count)))

    def shake(self, start: float, count: int = 2) -> None:
        """``count`` side-to-side cycles of head_yaw at ``SWING_HZ``."""
        self.motion.add(Act("shake", start, _cycles(count)))

    def leave(self, start: float, duration: float) -> None:
        """Walk out of the frame (0.5 s), stay away, walk back in (the last 0.5 s)."""
        self.motion.add(Act("leave", start, _positive(duration)))

    def second_person(self, start: float, duration: float, avatar: str = "sam") -> None:
        """A second, smaller face steps in beside the patient, then leaves again."""
        self.motion.add(Act("second_person", start, _positive(duration), avatar=avatar))

    # --- sampling ---------------------------------------------------------------------------

    def params_at(self, t: float) -> FaceParams:
        """The patient's face at ``t`` (whether or not it is in the frame)."""
        return self.motion.params_at(t)

    def presence_at(self, t: float) -> float:
        """1 with the patient in place, 0 when fully out of the frame."""
        return 1.0 - self.motion.absent_at(t, "leave")

    def second_person_at(self, t: float) -> float:
        """0 with no visitor, 1 with the visitor fully in the frame."""
        return self.motion.absent_at(t, "second_person")

    def shot_at(self, t: float) -> Shot:
        """What to draw at ``t``: cheap, and reads the schedule, so it runs on the caller's
        thread (the event loop), leaving only pixels to the worker."""
        out = 1.0 - self.presence_at(t)
        visitor_in = self.second_person_at(t)
        avatar = "sam"
        for act in self.motion.acts:
            if act.kind == "second_person" and act.start <= t < act.end:
                avatar = act.avatar
        return Shot(
            index=round(t * self.fps),
            patient=self.params_at(t) if out < 1.0 else None,
            patient_out=out,
            visitor=self._visitor.params_at(t) if visitor_in > 0.0 else None,
            visitor_in=visitor_in,
            visitor_avatar=avatar,
        )

    def draw(self, shot: Shot) -> np.ndarray:
        """The RGB image of a shot (height x width x 3, uint8; a new array each call)."""
        if self._scene is None:
            self._scene = Scene(self.avatar, self.size, self.seed)
        return self._scene.draw(shot)

    def render(self, t: float) -> VideoFrame:
        """One frame at conversation time ``t``, synchronously."""
        return VideoFrame(self.draw(self.shot_at(t)), t)

    async def frames(self, clock: Clock, until: float) -> AsyncIterator[VideoFrame]:
        """Frames at ``fps`` on ``clock``, on the grid t = k / fps, from now until ``until``
        (excluded). Each frame is yielded once the clock reaches its time."""
        k = math.ceil(clock.now() * self.fps - 1e-9)
        if self._scene is None:  # the renderers and the room take ~tens of ms: build them once
            self._scene = await _off_loop(clock, Scene, self.avatar, self.size, self.seed)
        while (t := k / self.fps) < until:
            await clock.sleep_until(t)
            shot = self.shot_at(t)
            image = await _off_loop(clock, self.draw, shot)
            yield VideoFrame(image, t)
            k += 1
            if clock.kind != "virtual":
                # Fell behind (a busy machine): skip to the next due frame, as a webcam drops
                # frames, rather than deliver a backlog of stale ones.
                k = max(k, math.ceil(clock.now() * self.fps - 1e-9))


async def _off_loop(clock: Clock, fn: Callable[..., T], *args: object) -> T:
    """Run CPU work on a worker thread. On the virtual clock through the clock, which holds
    time while its own workers run, so a frame reaches its consumer at the same conversation
    time in every replay; on a real clock in asyncio's pool, away from the ASR/TTS workers."""
    if clock.kind == "virtual":
        return await clock.run_blocking(fn, *args)
    return await asyncio.to_thread(fn, *args)


def _positive(duration: float) -> float:
    if not duration > 0:
        raise ValueError(f"duration must be > 0 seconds; got {duration}")
    return float(duration)


def _cycles(count: int) -> float:
    if count < 1:
        raise ValueError(f"count must be >= 1; got {count}")
    return count / SWING_HZ
