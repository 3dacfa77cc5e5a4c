"""Lip-sync locked to the audio clock of what is actually played.

``tts.sentence`` carries phoneme timings relative to the sentence's first sample; ``tts.playback``
says when that sample left the transport. The mouth at conversation time ``t`` is therefore the
sentence's viseme track evaluated at ``t - playback.t``. A ``conversation.replica.stopped_speaking``
cuts the reply: from its ``t`` the mouth relaxes to rest within ``RELEASE`` seconds, whatever the
track still holds (barge-in). A ``tts.paused`` cuts the one sentence the same way; when it goes on,
its ``tts.playback`` carries the ``offset`` into the sentence it resumes from.

Coarticulation is done with keyframes rather than per-phoneme snapping: the lips start moving
``LEAD`` seconds before a phoneme starts (speakers anticipate), reach the target a little into
it, and transitions are smoothstepped. Closures (m/b/p) are keyed at both ends of the phoneme so
the lips are fully shut through it, and the release after a closure starts at the phoneme's end
(the burst), not before.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

import numpy as np

from visavis.runtime.events import (
    BaseEvent,
    PhonemeTiming,
    PlaybackPaused,
    ReplicaStoppedSpeaking,
    SentencePlayback,
    SpeechSynthesized,
)

from .visemes import CLOSURES, REST, VISEMES, Mouth, stress, viseme_of

LEAD = 0.05  # anticipation: lips start moving this long before the phoneme
ARRIVE = 0.035  # ... and reach the target this far in (or at mid-phoneme if shorter)
RELEASE = 0.04  # an interrupted reply's mouth relaxes to rest this fast (one frame at 25 fps)


class VisemeTrack:
    """A sentence's mouth over time (seconds from the sentence's first sample)."""

    def __init__(self, phonemes: list[PhonemeTiming], duration: float) -> None:
        self.duration = duration
        times: list[float] = [-1.0]
        shapes: list[Mouth] = [REST]
        closure_end = False  # previous segment was a closure: release at its end, not earlier

        def key(t: float, m: Mouth, hold: bool = False) -> None:
            if t <= times[-1]:
                if hold:  # a hold that falls behind the last key adds nothing
                    return
                t = times[-1] + 1e-4
            times.append(t)
            shapes.append(m)

        for ph in phonemes:
            name = viseme_of(ph.phoneme)
            target = VISEMES[name]
            if name in ("AA", "EH", "IH", "OW", "UW"):
                # Stressed vowels open wider; unstressed ones are reduced, as in real speech.
                target = target.scaled((0.85, 1.0, 1.12)[stress(ph.phoneme)])
            s, d = ph.start, max(ph.duration, 1e-3)
            key(s if closure_end else s - LEAD, shapes[-1], hold=True)
            if name in CLOSURES:
                key(s, target)
                key(s + d, target)
                closure_end = True
            else:
                key(s + min(ARRIVE, d / 2), target)
                closure_end = False
        key(duration + 0.06, REST)
        self.times = np.asarray(times)
        self.shapes = shapes

    def at(self, tau: float) -> Mouth:
        i = bisect.bisect_right(self.times, tau)
        if i <= 0:
            return REST
        if i >= len(self.times):
            return self.shapes[-1]
        t0, t1 = self.times[i - 1], self.times[i]
        w = (tau - t0) / (t1 - t0)
        w = w * w * (3 - 2 * w)  # smoothstep: no velocity jumps at keys
        return self.shapes[i - 1].lerp(self.shapes[i], w)


class Envelope:
    """Mouth opening from the agent audio's loudness, for engines without phoneme timings."""

    def __init__(self, audio: np.ndarray, sample_rate: int, hop: float = 0.01) -> None:
        n = max(1, int(sample_rate * hop))
        frames = len(audio) // n
        x = np.asarray(audio[: frames * n], dtype=np.float64).reshape(frames, n)
        rms = np.sqrt(np.mean(x * x, axis=1) + 1e-12)
        db = 20 * np.log10(rms)
        peak = float(np.percentile(db, 99)) if frames else 0.0
        level = np.clip((db - (peak - 40.0)) / 34.0, 0.0, 1.0)
        # Fast attack, slower release: jaws snap open on onsets and settle between syllables.
        smooth = np.empty_like(level)
        acc = 0.0
        for i, v in enumerate(level):
            acc += (v - acc) * (0.6 if v > acc else 0.25)
            smooth[i] = acc
        self.hop = hop
        self.level = smooth

    def at(self, t: float) -> Mouth:
        i = int(t / self.hop)
        if i < 0 or i >= len(self.level):
            return REST
        v = float(self.level[i])
        return Mouth(jaw_open=0.75 * v, lip_spread=0.2 * v)


@dataclass
class _Playing:
    start: float
    reply_id: str
    track: VisemeTrack | None  # None: no phoneme timings, use the envelope
    cut: float | None = None  # paused here (the sentence may resume as a new entry)
    since: float | None = None  # when its audio (re)started; ``start`` after a resume is earlier


@dataclass
class LipSync:
    """Feed timeline events in order; ask ``mouth_at(t)`` for the mouth at conversation time t."""

    envelope: Envelope | None = None
    _sentences: dict[tuple[str, int], SpeechSynthesized] = field(default_factory=dict)
    _pending: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    _playing: list[_Playing] = field(default_factory=list)
    _starts: list[float] = field(default_factory=list)
    _cuts: dict[str, float] = field(default_factory=dict)

    def on_event(self, event: BaseEvent) -> None:
        if isinstance(event, SpeechSynthesized):
            key = (event.reply_id, event.index)
            self._sentences[key] = event
            if key in self._pending:  # playback was reported before the sentence: rare
                self._start(key, *self._pending.pop(key))
        elif isinstance(event, SentencePlayback):
            key = (event.reply_id, event.index)
            if key in self._sentences:
                self._start(key, event.t, event.offset)
            else:
                self._pending[key] = (event.t, event.offset)
        elif isinstance(event, PlaybackPaused):
            for p in reversed(self._playing):
                if (
                    p.reply_id == event.reply_id
                    and (p.since or p.start) <= event.t
                    and p.cut is None
                ):
                    p.cut = event.t
                    break
        elif isinstance(event, ReplicaStoppedSpeaking):
            self._cuts[event.reply_id] = min(event.t, self._cuts.get(event.reply_id, event.t))

    def _start(self, key: tuple[str, int], t: float, offset: float = 0.0) -> None:
        """Sentence ``key``'s audio (re)starts at ``t``, ``offset`` seconds into it."""
        sentence = self._sentences[key]
        track = VisemeTrack(sentence.phonemes, sentence.duration) if sentence.phonemes else None
        i = bisect.bisect_right(self._starts, t)
        self._starts.insert(i, t)
        self._playing.insert(i, _Playing(t - offset, key[0], track, since=t))

    def forget(self, before: float) -> None:
        """Drop what no time from ``before`` on can read: the sentences played before the one
        playing then, and synthesized sentences older than it (a paused one resumes within
        seconds)."""
        i = bisect.bisect_right(self._starts, before + LEAD) - 1
        if i > 0:
            del self._starts[:i], self._playing[:i]
        for key in [k for k, e in self._sentences.items() if e.t < before]:
            del self._sentences[key]
        live = {p.reply_id for p in self._playing}
        for reply_id in [r for r in self._cuts if r not in live]:
            del self._cuts[reply_id]

    def sentence_at(self, t: float) -> _Playing | None:
        """The sentence playing (or about to, within the anticipation lead) at ``t``."""
        i = bisect.bisect_right(self._starts, t + LEAD) - 1
        return self._playing[i] if i >= 0 else None

    def speaking_at(self, t: float) -> bool:
        """Whether a sentence is being played at ``t`` (and was not cut before it)."""
        p = self.sentence_at(t)
        if p is None:
            return False
        cut = self._cut_of(p)
        end = p.start + (p.track.duration if p.track else 0.0)
        return t < end and (cut is None or t < cut)

    def _cut_of(self, p: _Playing) -> float | None:
        cuts = [c for c in (self._cuts.get(p.reply_id), p.cut) if c is not None]
        return min(cuts) if cuts else None

    def mouth_at(self, t: float) -> Mouth:
        p = self.sentence_at(t)
        if p is None:
            return REST
        if p.track is not None:
            mouth = p.track.at(t - p.start)
        elif self.envelope is not None:
            mouth = self.envelope.at(t)
        else:
            return REST
        cut = self._cut_of(p)
        if cut is not None and t >= cut:
            return mouth.lerp(REST, min(1.0, (t - cut) / RELEASE + 0.5))
        return mouth
