from __future__ import annotations

import pytest

from visavis.face.animator import Animator
from visavis.face.lipsync import LipSync
from visavis.face.visemes import VISEMES, viseme_of
from visavis.runtime.events import (
    PlaybackPaused,
    ReplicaStoppedSpeaking,
    SentencePlayback,
    SpeechSynthesized,
)


def _playbacks(events):
    sentences = {(e.reply_id, e.index): e for e in events if isinstance(e, SpeechSynthesized)}
    return [
        (e, sentences[(e.reply_id, e.index)]) for e in events if isinstance(e, SentencePlayback)
    ]


def test_mouth_follows_phonemes_relative_to_playback(call_events) -> None:
    sync = LipSync()
    for e in call_events:
        sync.on_event(e)
    for playback, sentence in _playbacks(call_events)[:2]:
        for ph in sentence.phonemes:
            mid = playback.t + ph.start + ph.duration / 2
            name = viseme_of(ph.phoneme)
            if name == "PP":
                assert sync.mouth_at(mid).jaw_open == 0.0, ph
            elif name == "AA" and ph.duration > 0.06:
                assert sync.mouth_at(mid).jaw_open > 0.6, ph
        # Before the sentence (minus the anticipation lead) and in a long pause: at rest.
        assert sync.mouth_at(playback.t - 0.2).jaw_open == 0.0
    first, second = _playbacks(call_events)[:2]
    gap = (first[0].t + first[1].duration + second[0].t) / 2
    assert sync.mouth_at(gap).jaw_open < 0.05


def test_vowels_open_the_mouth_at_their_time(call_events) -> None:
    sync = LipSync()
    for e in call_events:
        sync.on_event(e)
    playback, sentence = _playbacks(call_events)[1]
    opened = [
        sync.mouth_at(playback.t + ph.start + ph.duration * 0.6).jaw_open
        for ph in sentence.phonemes
        if VISEMES[viseme_of(ph.phoneme)].jaw_open >= 0.5 and ph.duration >= 0.06
    ]
    assert opened and min(opened) > 0.3


def test_interruption_closes_the_mouth_within_two_frames(call_events) -> None:
    animator = Animator(seed=3)
    for e in call_events:
        animator.on_event(e)
    cut = next(e for e in call_events if isinstance(e, ReplicaStoppedSpeaking) and e.interrupted)
    assert max(animator.params_at(cut.t - k * 0.04).jaw_open for k in range(1, 8)) > 0.2
    assert animator.params_at(cut.t + 2 / 25).jaw_open == 0.0
    assert all(animator.params_at(cut.t + 0.1 + k * 0.04).jaw_open == 0.0 for k in range(20))


def test_same_events_and_seed_give_identical_params(call_events) -> None:
    def run(seed: int, step: float):
        a = Animator(seed=seed)
        for e in call_events:
            a.on_event(e)
        return [a.params_at(i * 0.04) for i in range(300)], a

    first, _ = run(7, 0.04)
    second, _ = run(7, 0.04)
    assert first == second
    other, _ = run(8, 0.04)
    assert first != other
    # Sampling more often must not change the values at shared times.
    dense = Animator(seed=7)
    for e in call_events:
        dense.on_event(e)
    values = {round(i * 0.02, 6): dense.params_at(i * 0.02) for i in range(600)}
    assert [values[round(i * 0.04, 6)] for i in range(300)] == first


def test_blinks_happen_at_natural_intervals(call_events) -> None:
    a = Animator(seed=1)
    for e in call_events:
        a.on_event(e)
    closed = [a.params_at(i / 100).blink_left > 0.9 for i in range(6000)]
    onsets = [i for i in range(1, len(closed)) if closed[i] and not closed[i - 1]]
    assert 6 <= len(onsets) <= 40  # 60 s: a blink every 1.5-10 s


def test_a_paused_sentence_closes_the_mouth_and_resumes_in_step(call_events) -> None:
    """Paused mid-sentence (a possible barge-in), then resumed from a word's start: the mouth
    rests during the pause and then follows the track from that offset."""
    (playback, sentence), _ = _playbacks(call_events)[:2]
    pause_at = playback.t + sentence.duration * 0.4
    offset = sentence.duration * 0.3
    resume_at = pause_at + 0.8
    events = [e for e in call_events if e.t <= pause_at] + [
        PlaybackPaused(t=pause_at, reply_id=playback.reply_id, index=playback.index, at=0.0),
        SentencePlayback(
            t=resume_at, reply_id=playback.reply_id, index=playback.index, offset=offset
        ),
    ]
    paused, reference = LipSync(), LipSync()
    for e in events:
        paused.on_event(e)
    for e in call_events:
        reference.on_event(e)
    assert all(paused.mouth_at(pause_at + 0.1 + k * 0.04).jaw_open == 0.0 for k in range(15))
    assert not paused.speaking_at(pause_at + 0.3)
    # After the resume: the mouth of the original track at the same point of the sentence.
    for k in range(10):
        tau = offset + 0.05 + k * 0.04
        want = reference.mouth_at(playback.t + tau)
        got = paused.mouth_at(resume_at - offset + tau)
        assert (got.jaw_open, got.lip_spread, got.lip_round) == pytest.approx(
            (want.jaw_open, want.lip_spread, want.lip_round)
        )


def _long_call(
    spoken, animator: Animator, since: float, until: float
) -> list[tuple[float, object]]:
    """Minutes ``since`` to ``until`` of a call with a reply every 8 s, sampled at 25 fps as a
    live call does, events and samples in time order; returns the samples of its last 20 s."""
    from tests.face.conftest import sentence_event

    from visavis.runtime.events import ReplicaStartedSpeaking

    tail: list[tuple[float, object]] = []
    end = until * 60.0
    frame = round(since * 60.0 * 25)
    for k in range(round(since * 60.0 / 8), round(end / 8)):
        speech = spoken[k % 2]
        start = k * 8.0 + 1.0
        # Each event holds its own copy of the timings, as events off a real timeline do.
        event = sentence_event(speech, f"r{k}", 0, start - 0.3)
        event.phonemes = [p.model_copy() for p in speech.phonemes]
        for e in (
            event,
            ReplicaStartedSpeaking(t=start, reply_id=f"r{k}"),
            SentencePlayback(t=start, reply_id=f"r{k}", index=0),
            ReplicaStoppedSpeaking(t=start + speech.duration, reply_id=f"r{k}", duration=1.0),
        ):
            while frame / 25 < e.t:
                params = animator.params_at(frame / 25)
                if frame / 25 >= end - 20.0:
                    tail.append((frame / 25, params))
                frame += 1
            animator.on_event(e)
    return tail


def test_a_long_calls_face_keeps_its_last_minute_not_the_whole_call(spoken, monkeypatch) -> None:
    import tracemalloc

    from visavis.face import animator as module

    tracemalloc.start()
    try:
        forgetting = Animator(seed=5)
        _long_call(spoken, forgetting, 0.0, 2.0)
        at_two = tracemalloc.get_traced_memory()[0]
        tail = _long_call(spoken, forgetting, 2.0, 10.0)
        grown = tracemalloc.get_traced_memory()[0] - at_two
    finally:
        tracemalloc.stop()
    # Eight more minutes (60 replies with their phoneme timings) hold next to nothing more.
    assert grown < 200_000, grown
    # What it dropped was never read again: the face is the same as one that keeps it all.
    monkeypatch.setattr(module, "FORGET_EVERY", float("inf"))
    keeping = Animator(seed=5)
    _long_call(spoken, keeping, 0.0, 2.0)
    assert _long_call(spoken, keeping, 2.0, 10.0) == tail
