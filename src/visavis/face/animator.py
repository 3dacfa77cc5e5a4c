"""The animator: timeline events in, ``FaceParams`` out, for any increasing time.

Because time only increases, what lies more than ``HISTORY`` seconds behind the latest sample
is dropped every ``FORGET_EVERY`` seconds (sentences and their viseme tracks, pulses, expression
steps, blinks): a 30-minute call's face holds its last minute, not the whole call.

It composes the lip-sync (the mouth, locked to playback) with the behaviour layer (idle life,
listening and speaking behaviour, expression). Every random choice is drawn from a seeded RNG in
event order, and per-component generators keep one component's draws from shifting another's,
so identical events and seed give identical parameters.
"""

from __future__ import annotations

import math

import numpy as np

from visavis.runtime.events import (
    BaseEvent,
    PerceptionCue,
    ReplicaStoppedSpeaking,
    ReplySentence,
    SentencePlayback,
    SpeechSynthesized,
    TurnDecision,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)

from .behaviour import Blinks, Pulse, Pulses, SmoothNoise, Steps
from .lipsync import Envelope, LipSync
from .params import FaceParams
from .visemes import stress

# Expression targets: (smile, brow_raise, brow_furrow, head_roll)
WARM_LISTENING = (0.25, 0.08, 0.0, 0.05)
WARM_SPEAKING = (0.18, 0.05, 0.0, 0.0)
GREETING = (0.55, 0.2, 0.0, 0.03)
CONCERNED = (-0.2, 0.3, 0.55, -0.07)
#: Seconds of the past kept for sampling a little out of order (a late frame drawn for its own
#: time); older history is dropped every ``FORGET_EVERY`` seconds of conversation time.
HISTORY = 30.0
FORGET_EVERY = 10.0
#: Sentence emotions kept (they are read when the sentence starts playing, seconds later).
MAX_EMOTIONS = 256


class Animator:
    """Feed events in order with ``on_event``; sample ``params_at(t)`` for increasing ``t``."""

    def __init__(self, seed: int = 0, envelope: Envelope | None = None) -> None:
        root = np.random.default_rng(seed)
        noise_rng, blink_rng, self._rng = (np.random.default_rng(s) for s in root.spawn(3))
        self.lipsync = LipSync(envelope=envelope)
        self._noise = {
            name: SmoothNoise(noise_rng, rate)
            for name, rate in (
                ("yaw", 0.21),
                ("pitch", 0.29),
                ("roll", 0.17),
                ("gaze_x", 0.45),
                ("gaze_y", 0.38),
                ("breath", 0.05),
                ("energy", 0.6),
            )
        }
        self._blinks = Blinks(blink_rng)
        self._pulses = Pulses()
        self._expression = Steps(WARM_LISTENING, ease=0.6)
        self._sentences: dict[tuple[str, int], SpeechSynthesized] = {}
        self._emotion: dict[tuple[str, int], str] = {}
        self._first_reply: str | None = None
        self._last_emotion = "neutral"
        self._speaking_until = -1.0
        self._forgot_at = 0.0

    # --- events ------------------------------------------------------------------------------

    def on_event(self, event: BaseEvent) -> None:
        self.lipsync.on_event(event)
        if isinstance(event, ReplySentence):
            self._emotion[(event.reply_id, event.index)] = event.emotion
        elif isinstance(event, SpeechSynthesized):
            self._sentences[(event.reply_id, event.index)] = event
        elif isinstance(event, SentencePlayback):
            self._sentence_starts(event)
        elif isinstance(event, ReplicaStoppedSpeaking):
            self._speaking_until = min(self._speaking_until, event.t)
            listening = CONCERNED if self._last_emotion == "concerned" else WARM_LISTENING
            self._expression.set(event.t, listening)
            self._blinks.add(event.t + 0.12)  # people blink at turn boundaries
        elif isinstance(event, UserStoppedSpeaking):
            self._nod(event.t)
        elif isinstance(event, TurnDecision) and event.action == "backchannel":
            self._nod(event.t)  # the visible half of "mm-hm": go on, I'm following
        elif isinstance(event, UserStartedSpeaking) and event.t >= self._speaking_until:
            # Attention: the face settles toward the speaker with a small lift of the brows.
            self._pulses.add(Pulse(event.t, 0.8, "brow_raise", 0.12))
        elif isinstance(event, PerceptionCue):
            self._react(event)

    def _react(self, cue: PerceptionCue) -> None:
        """What a good listener's face does with what it sees (not while talking)."""
        t = cue.t
        if t < self._speaking_until:
            return
        if cue.cue == "frowning" and cue.phase == "start":
            self._expression.set(t, CONCERNED)  # their worry shows on our face too
        elif cue.cue in ("frowning", "long_thinking_pause") and cue.phase == "end":
            self._expression.set(t, WARM_LISTENING)
        elif cue.cue == "nodding":
            self._nod(t)  # nod back
        elif cue.cue == "smiling" and cue.phase == "start":
            self._expression.set(t, GREETING)
        elif cue.cue == "smiling" and cue.phase == "end":
            self._expression.set(t, WARM_LISTENING)
        elif cue.cue == "long_thinking_pause" and cue.phase == "start":
            # Patience: a slow, small nod and a soft smile ("take your time").
            self._pulses.add(Pulse(t + 0.1, 1.2, "head_pitch", 0.12))
            self._expression.set(t, WARM_LISTENING)

    def _sentence_starts(self, event: SentencePlayback) -> None:
        key = (event.reply_id, event.index)
        rng = self._rng
        if self._first_reply is None:
            self._first_reply = event.reply_id
        emotion = self._emotion.get(key, "neutral")
        self._last_emotion = emotion
        if emotion == "concerned":
            target = CONCERNED
        elif event.reply_id == self._first_reply:
            target = GREETING  # the greeting gets a smile
        else:
            target = WARM_SPEAKING
        self._expression.set(event.t, target)
        sentence = self._sentences.get(key)
        end = event.t - event.offset + (sentence.duration if sentence else 0.0)
        self._speaking_until = max(self._speaking_until, end)
        # A sentence start: brows up and a small lift of the head, or sometimes a glance away.
        if rng.random() < 0.7:
            self._pulses.add(Pulse(event.t, 0.7, "brow_raise", float(rng.uniform(0.2, 0.4))))
            self._pulses.add(Pulse(event.t, 0.9, "head_pitch", -float(rng.uniform(0.05, 0.12))))
        if rng.random() < 0.3:
            side = 1.0 if rng.random() < 0.5 else -1.0
            dur = float(rng.uniform(0.6, 1.1))
            self._pulses.add(Pulse(event.t + 0.05, dur, "gaze_x", side * 0.5))
            self._pulses.add(Pulse(event.t + 0.05, dur, "gaze_y", -0.25))
        if sentence is None:
            return
        # Emphasis on primary-stressed syllables: not every one, or the head would bob like a toy.
        for ph in sentence.phonemes:
            if stress(ph.phoneme) == 2 and rng.random() < 0.4:
                t = event.t + ph.start - 0.05
                self._pulses.add(Pulse(t, 0.4, "brow_raise", float(rng.uniform(0.15, 0.3))))
                self._pulses.add(Pulse(t, 0.45, "head_pitch", float(rng.uniform(0.05, 0.1))))
                self._pulses.add(Pulse(t, 0.5, "head_yaw", float(rng.uniform(-0.06, 0.06))))

    def _nod(self, t: float) -> None:
        """A listening nod in the user's pause (not while the agent talks over it)."""
        if t < self._speaking_until:
            return
        rng = self._rng
        cycles = 2 if rng.random() < 0.3 else 1
        start = t + float(rng.uniform(0.05, 0.25))
        dur = float(rng.uniform(0.5, 0.75)) * (1.4 if cycles == 2 else 1.0)
        self._pulses.add(Pulse(start, dur, "head_pitch", float(rng.uniform(0.18, 0.3)), cycles))

    # --- sampling ----------------------------------------------------------------------------

    def forget(self, before: float) -> None:
        """Drop what no sample from ``before`` on can read."""
        self.lipsync.forget(before)
        self._pulses.forget(before)
        self._expression.forget(before)
        self._blinks.forget(before)
        for key in [k for k, e in self._sentences.items() if e.t < before]:
            del self._sentences[key]
        for key in list(self._emotion)[: max(len(self._emotion) - MAX_EMOTIONS, 0)]:
            del self._emotion[key]

    def params_at(self, t: float) -> FaceParams:
        if t - self._forgot_at >= FORGET_EVERY:
            self._forgot_at = t
            self.forget(t - HISTORY)
        mouth = self.lipsync.mouth_at(t)
        speaking = self.lipsync.speaking_at(t)
        smile, brow_raise, brow_furrow, roll = self._expression.at(t)
        pulse = self._pulses.at(t)
        n = {k: v.at(t) for k, v in self._noise.items()}
        # Heads move more while talking; energy noise keeps that from looking metronomic.
        amp = (1.6 if speaking else 1.0) * (0.85 + 0.15 * n["energy"])
        yaw = 0.09 * amp * n["yaw"] + pulse.get("head_yaw", 0.0)
        pitch = 0.05 + 0.06 * amp * n["pitch"] + pulse.get("head_pitch", 0.0)
        gaze_amp = 0.25 if speaking else 0.12  # listening: eyes stay on the person
        blink = self._blinks.at(t)
        # A speaking mouth flattens a broad smile, or the lips would stretch unnaturally.
        smile_now = smile * (1.0 - 0.4 * mouth.jaw_open)
        return FaceParams(
            jaw_open=mouth.jaw_open,
            lip_spread=mouth.lip_spread,
            lip_round=mouth.lip_round,
            smile=smile_now,
            brow_raise=brow_raise + pulse.get("brow_raise", 0.0),
            brow_furrow=brow_furrow,
            blink_left=blink,
            blink_right=blink,
            # The eyes counter-rotate against the head so the gaze holds on the camera.
            gaze_x=gaze_amp * n["gaze_x"] - 0.5 * yaw + pulse.get("gaze_x", 0.0),
            gaze_y=gaze_amp * 0.6 * n["gaze_y"] - 0.3 * pitch + pulse.get("gaze_y", 0.0),
            head_pitch=pitch,
            head_yaw=yaw,
            head_roll=roll + 0.05 * n["roll"],
            breath=math.sin(2 * math.pi * (t / 4.3 + 0.2 * n["breath"])),
        ).clamped()
