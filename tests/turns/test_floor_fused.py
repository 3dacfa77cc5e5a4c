"""The turns stage with the fused end-of-turn model, on real parts: Piper speech in a caller's
voice, real Smart Turn, real Whisper for the partial transcript, on the virtual clock."""

from __future__ import annotations

import numpy as np
import pytest

from visavis.runtime.clock import VirtualClock
from visavis.runtime.events import (
    PerceptionCue,
    ReplySentence,
    TurnDecision,
    TurnSpeculation,
    UserStartedSpeaking,
    UserStoppedSpeaking,
)
from visavis.runtime.media import AudioChunk, resample
from visavis.runtime.tasks import TaskOwner
from visavis.runtime.timeline import Timeline
from visavis.turns.end_of_turn import LiveEndOfTurn
from visavis.turns.floor import FloorTaking
from visavis.turns.fusion import EndOfTurnModel
from visavis.turns.settings import TurnSettings
from visavis.turns.smart_turn import load_smart_turn

RATE = 16000
LEAD = 0.5  # seconds of room noise before the caller speaks


@pytest.fixture(scope="module")
def say(engines):
    from visavis.speech.tts.shift import ShiftedVoice

    voice = ShiftedVoice(engines.synthesizer.variant(2.0 ** (3 / 12)), 3.0)

    def render(text: str) -> np.ndarray:
        speech = voice.synthesize(text)
        audio = resample(speech.samples, speech.sample_rate, RATE)
        voiced = np.flatnonzero(np.abs(audio) > 0.01)
        return (0.5 * audio[voiced[0] : voiced[-1] + 1] / np.abs(audio).max()).astype(np.float32)

    return render


async def run_turn(engines, audio: np.ndarray, question: str, silence: float = 2.5, cues=()):
    """Play ``audio`` after ``question`` and a pause; report the stage's decisions, with their
    times counted from the end of speech."""
    clock = VirtualClock()
    timeline = Timeline(clock)
    tasks = TaskOwner("test")
    eot = LiveEndOfTurn(EndOfTurnModel.load(), load_smart_turn())
    floor = FloorTaking(clock, timeline, tasks, TurnSettings(reprompt_after=0), end_of_turn=eot)
    timeline.emit(ReplySentence(reply_id="r1", index=0, text=question))
    n = int((LEAD + len(audio) / RATE + silence) * RATE)
    mic = np.random.default_rng(1).normal(0, 3e-4, n).astype(np.float32)
    start = int(LEAD * RATE)
    mic[start : start + len(audio)] += audio
    speech_end = LEAD + len(audio) / RATE
    for k in range(n // 320):
        t = k * 0.02
        await clock.sleep_until(t + 0.02)
        floor.push_audio(AudioChunk(mic[k * 320 : (k + 1) * 320], RATE, t))
        if abs(t + 0.02 - (LEAD + 0.06)) < 0.01:
            timeline.emit(UserStartedSpeaking(start=LEAD))
            for cue in cues:
                timeline.emit(PerceptionCue(cue=cue, phase="start", confidence=0.9, start=LEAD))
        if abs(t + 0.02 - (speech_end + 0.1)) < 0.01:  # the VAD's stop, ~0.1 s late
            timeline.emit(UserStoppedSpeaking(start=LEAD, end=speech_end, duration=speech_end))
            text = engines.recognizer.transcribe(mic[: int((speech_end + 0.1) * RATE)]).text
            timeline.emit(TurnSpeculation(phase="transcribed", text=text))
    await tasks.aclose()
    clock.close()
    return [
        (d.action, d.reason, round(d.t - speech_end, 2)) for d in timeline.of_type(TurnDecision)
    ]


async def test_a_complete_answer_to_a_yes_no_question_is_answered_quickly(engines, say):
    decisions = await run_turn(
        engines, say("Yes, I took all of them this morning."), "Have you taken your pills today?"
    )
    respond = [d for d in decisions if d[0] == "respond"]
    assert respond and respond[0][1] == "end_of_turn" and respond[0][2] < 1.0, decisions


async def test_a_pause_after_a_filler_is_held_not_answered(engines, say):
    decisions = await run_turn(
        engines,
        say("I take the water pill, and the, uh,"),
        "Which medications are you taking at the moment?",
    )
    assert decisions[0][0] == "hold", decisions
    assert not [d for d in decisions if d[0] == "respond" and d[2] < 1.2], decisions


async def test_a_user_looking_away_is_not_answered_before_the_thinking_silence(engines, say):
    decisions = await run_turn(
        engines,
        say("Yes, I took all of them this morning."),
        "Have you taken your pills today?",
        cues=("looks_away",),
    )
    assert decisions[0] == ("hold", "thinking", pytest.approx(0.4, abs=0.03)), decisions
    respond = [d for d in decisions if d[0] == "respond"]
    assert respond and respond[0][2] >= TurnSettings().thinking_silence - 0.03, decisions


async def test_a_date_of_birth_without_its_year_is_not_answered_before_the_thinking_silence(
    engines, say
):
    """ "It's, um, March fourteenth, [pause] nineteen fifty two.": a caller recalling the year
    keeps the floor however finished the pause sounds."""
    decisions = await run_turn(
        engines,
        say("Yes, of course. My date of birth is March the fourteenth."),
        "Before we go on, can you tell me your date of birth?",
    )
    respond = [d for d in decisions if d[0] == "respond"]
    assert respond and respond[0][2] >= TurnSettings().thinking_silence - 0.03, decisions
    # With the year said, the same answer is taken as soon as the model is sure.
    decisions = await run_turn(
        engines,
        say("Yes, of course. My date of birth is March the fourteenth, nineteen fifty two."),
        "Before we go on, can you tell me your date of birth?",
    )
    respond = [d for d in decisions if d[0] == "respond"]
    assert respond and respond[0][2] < 1.0, decisions


async def test_a_long_telling_gets_a_backchannel_at_a_mid_turn_pause(engines, say):
    telling = say(
        "Well, on Sunday my daughter came over, and we walked down to the park, and then we "
        "sat for a while on the bench by the, um,"
    )
    decisions = await run_turn(engines, telling, "How have you been feeling since you got home?")
    actions = [d[0] for d in decisions]
    assert "backchannel" in actions, decisions
    backchannel = decisions[actions.index("backchannel")]
    assert backchannel[2] >= TurnSettings().backchannel_pause - 0.03


async def run_parts(engines, parts: list, question: str, settings: TurnSettings):
    """Like ``run_turn`` for a turn in parts: audio, or a float (a pause of that many seconds).
    The decisions' times count from the end of the last part's speech."""
    clock = VirtualClock()
    timeline = Timeline(clock)
    tasks = TaskOwner("test")
    eot = LiveEndOfTurn(EndOfTurnModel.load(), load_smart_turn())
    floor = FloorTaking(clock, timeline, tasks, settings, end_of_turn=eot)
    timeline.emit(ReplySentence(reply_id="r1", index=0, text=question))
    spans, t = [], LEAD
    for part in parts:
        if isinstance(part, float):
            t += part
        else:
            spans.append((t, t + len(part) / RATE, part))
            t += len(part) / RATE
    n = int((t + 2.5) * RATE)
    mic = np.random.default_rng(1).normal(0, 3e-4, n).astype(np.float32)
    for start, _, audio in spans:
        mic[int(start * RATE) : int(start * RATE) + len(audio)] += audio
    for k in range(n // 320):
        now = k * 0.02
        await clock.sleep_until(now + 0.02)
        floor.push_audio(AudioChunk(mic[k * 320 : (k + 1) * 320], RATE, now))
        for start, end, _ in spans:
            if abs(now + 0.02 - (start + 0.06)) < 0.01:
                timeline.emit(UserStartedSpeaking(start=start))
            if abs(now + 0.02 - (end + 0.1)) < 0.01:
                timeline.emit(UserStoppedSpeaking(start=start, end=end, duration=end - start))
                text = engines.recognizer.transcribe(mic[: int((end + 0.1) * RATE)]).text
                timeline.emit(TurnSpeculation(phase="transcribed", text=text))
    await tasks.aclose()
    clock.close()
    last_end = spans[-1][1]
    return [(d.action, d.reason, round(d.t - last_end, 2)) for d in timeline.of_type(TurnDecision)]


async def test_high_patience_learns_how_long_the_caller_pauses(engines, say):
    # "Yes, I took the, um, [0.9 s] all of them this morning.": the caller went on after 0.9 s,
    # so the finished-sounding end waits that long too (without learning it is answered
    # sooner, at the same threshold).
    parts = [say("Yes, I took the, um,"), 0.9, say("all of them this morning.")]
    question = "Have you taken your pills today?"
    patient = TurnSettings(reprompt_after=0)
    patient.set_patience("high")
    assert patient.learn_pauses
    decisions = await run_parts(engines, parts, question, patient)
    respond = [d for d in decisions if d[0] == "respond"]
    assert len(respond) == 1 and respond[0][2] >= 0.9 + 0.15 - 0.03, decisions
    unlearned = TurnSettings(reprompt_after=0, end_of_turn_threshold=patient.end_of_turn_threshold)
    decisions = await run_parts(engines, parts, question, unlearned)
    assert [d for d in decisions if d[0] == "respond" and d[2] < 0.9], decisions
