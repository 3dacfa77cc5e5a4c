"""Whole calls, end to end, on the embedded models and the virtual clock.

Each flagship scenario runs a real call: Silero VAD, Whisper and Piper on the agent's side, a
simulated patient hearing the agent through its own Whisper and answering with its own voice.
"""

import json

import numpy as np
import pytest
import soundfile

from visavis.demo import cut_ins, run_demo
from visavis.runtime.events import (
    Escalation,
    FollowUpItem,
    GuardrailTriggered,
    Interrupt,
    KnowledgeRetrieved,
    MemoryRecalled,
    MemoryStored,
    PlaybackPaused,
    ReplicaStoppedSpeaking,
    TurnDecision,
    TurnLatency,
    Utterance,
)
from visavis.runtime.timeline import read_jsonl

pytestmark = pytest.mark.slow

SCENARIOS = [
    "adherent_books",
    "missed_doses",
    "red_flag",
    "hesitant",
    "interrupter",
    "asks_questions",
    # In this order: the second call recalls what the first one remembered.
    "dizzy_first",
    "dizzy_second",
]


@pytest.fixture(scope="module")
def calls(engines, tmp_path_factory):
    out = tmp_path_factory.mktemp("calls")
    import asyncio

    # One call also renders its video (the slowest part); the others are about the voice.
    return {
        name: asyncio.run(
            run_demo(
                name,
                out / name,
                engines=engines,
                video=name == "adherent_books",
                memory_dir=out / "memory",
            )
        )
        for name in SCENARIOS
    }


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_scenario_reaches_its_expected_outcome(calls, scenario):
    result = calls[scenario]
    assert result.problems == [], (result.problems, (result.out_dir / "transcript.txt").read_text())
    assert result.reason == "completed"


def test_a_call_writes_its_four_files(calls):
    out = calls["adherent_books"].out_dir
    events = read_jsonl(out / "timeline.jsonl")
    assert [e.seq for e in events] == list(range(len(events)))
    times = [e.t for e in events]
    assert times == sorted(times)
    transcript = (out / "transcript.txt").read_text()
    assert "Agent  : Hello, this is Joe" in transcript and "Patient:" in transcript
    audio, rate = soundfile.read(str(out / "call.wav"))
    assert rate == 16000 and audio.shape[1] == 2
    assert np.abs(audio[:, 0]).max() > 0.05 and np.abs(audio[:, 1]).max() > 0.05
    outcome = json.loads((out / "outcome.json").read_text())
    for key in ("objectives_completed", "output_variables", "escalated", "follow_up_booked"):
        assert key in outcome
    assert outcome["duration"] == pytest.approx(audio.shape[0] / rate, abs=1.5)


def test_the_red_flag_call_escalates_and_says_what_happens_next(calls):
    out = calls["red_flag"].out_dir
    events = read_jsonl(out / "timeline.jsonl")
    escalations = [e for e in events if isinstance(e, Escalation)]
    assert len(escalations) == 1 and escalations[0].severity == "urgent"
    after = [
        e.speech
        for e in events
        if isinstance(e, Utterance) and e.role == "replica" and e.t >= escalations[0].t
    ]
    assert any("nurse" in s.lower() for s in after)


def test_barge_in_stops_the_agent_within_100_ms_and_records_what_was_heard(calls):
    events = read_jsonl(calls["interrupter"].out_dir / "timeline.jsonl")
    interrupts = [e for e in events if isinstance(e, Interrupt)]
    cut = [e for e in events if isinstance(e, ReplicaStoppedSpeaking) and e.interrupted]
    assert len(cut) >= 2
    for stop in cut:
        interrupt = max((i for i in interrupts if i.t <= stop.t), key=lambda i: i.t)
        assert stop.t - interrupt.t <= 0.1
        assert stop.heard_text and stop.full_text.startswith(stop.heard_text.rstrip("."))
        assert len(stop.heard_text) < len(stop.full_text)
    # The agent's audio really stops: nothing on its channel shortly after the first cut.
    audio, rate = soundfile.read(str(calls["interrupter"].out_dir / "call.wav"))
    t = cut[0].t
    tail = audio[int((t + 0.03) * rate) : int((t + 0.3) * rate), 1]
    assert np.abs(tail).max() < 1e-3


def patient_spans(out) -> list[tuple[float, float]]:
    return [(s["t"], s["end"]) for s in json.loads((out / "patient.json").read_text())["said"]]


def test_the_hesitant_patient_is_held_not_cut_off(calls):
    """Pauses of up to a second mid-phrase: the agent holds (and backchannels in the long
    telling) instead of answering half an answer."""
    out = calls["hesitant"].out_dir
    events, spans = read_jsonl(out / "timeline.jsonl"), patient_spans(out)
    assert cut_ins(events, spans) == []
    decisions = [e for e in events if isinstance(e, TurnDecision)]

    def inside(e):
        return any(start < e.t < end for start, end in spans)

    assert len([d for d in decisions if d.action == "hold" and inside(d)]) >= 4
    assert [d for d in decisions if d.action == "backchannel" and inside(d)]
    spoken = [e.speech for e in events if isinstance(e, Utterance) and e.role == "replica"]
    assert "Mm-hm." in spoken


def test_a_real_barge_in_silences_the_agent_within_150_ms_of_its_onset(calls):
    out = calls["interrupter"].out_dir
    events, spans = read_jsonl(out / "timeline.jsonl"), patient_spans(out)
    pauses = [e for e in events if isinstance(e, PlaybackPaused)]
    assert pauses
    for pause in pauses:
        onset = max(start for start, _ in spans if start <= pause.t)
        assert pause.t - onset <= 0.15


def test_each_answered_turn_has_a_latency_breakdown(calls):
    for name in ("adherent_books", "hesitant"):
        events = read_jsonl(calls[name].out_dir / "timeline.jsonl")
        latencies = [e for e in events if isinstance(e, TurnLatency)]
        user_turns = [e for e in events if isinstance(e, Utterance) and e.role == "user"]
        assert len(latencies) == len(user_turns)
        for lat in latencies:
            assert lat.voice_to_voice_ms >= lat.endpoint_ms > 0


def test_the_call_is_completed_once(calls):
    for name in SCENARIOS:
        events = read_jsonl(calls[name].out_dir / "timeline.jsonl")
        assert sum(1 for e in events if e.type == "mind.call_completed") == 1, name


def test_a_virtual_call_replays_identically(engines, tmp_path):
    """Same scenario, same engines, virtual clock: the same timeline, event for event."""
    import asyncio

    def timeline(out):
        asyncio.run(run_demo("adherent_books", out, engines=engines, video=False))
        events = read_jsonl(out / "timeline.jsonl")
        # Compute times are wall-clock measurements, not conversation events.
        return [
            e.model_dump(
                exclude={"compute_ms", "reply_ms", "asr_final_ms", "tts_first_audio_ms", "outcome"}
            )
            for e in events
        ]

    assert timeline(tmp_path / "a") == timeline(tmp_path / "b")


def test_the_demo_writes_a_lip_synced_video_of_the_call(calls):
    import av

    from visavis.face import lipsync_offset_ms

    result = calls["adherent_books"]
    with av.open(str(result.out_dir / "call.mp4")) as container:
        assert {s.type for s in container.streams} == {"video", "audio"}
        video = container.streams.video[0]
        assert video.codec_context.name == "h264" and video.width == 512
        seconds = float(video.duration * video.time_base)
    assert seconds == pytest.approx(result.duration, abs=0.1)
    audio, rate = soundfile.read(str(result.out_dir / "call.wav"), dtype="float32")
    # The mouth moves with the voice (the offset itself is measured in bench/lipsync.py).
    assert abs(lipsync_offset_ms(result.video.mouth, audio[:, 1], rate)) <= 80


def test_questions_are_answered_from_the_documents_or_passed_on(calls):
    events = read_jsonl(calls["asks_questions"].out_dir / "timeline.jsonl")
    retrieved = [e for e in events if isinstance(e, KnowledgeRetrieved)]
    answered = [e for e in retrieved if e.answered]
    assert answered and "salt" in answered[0].query
    assert answered[0].citations[0].heading.endswith("Low-salt diet")
    assert "2,000 mg" in answered[0].answer
    [item] = [e for e in events if isinstance(e, FollowUpItem)]
    assert "flu shot" in item.text
    [hit] = [e for e in events if isinstance(e, GuardrailTriggered)]
    assert hit.kind == "prompt_injection"


def test_the_second_call_asks_about_what_the_first_one_remembered(calls):
    first = read_jsonl(calls["dizzy_first"].out_dir / "timeline.jsonl")
    [stored] = [e for e in first if isinstance(e, MemoryStored)]
    assert any("dizziness" in item["text"] for item in stored.items)
    second = read_jsonl(calls["dizzy_second"].out_dir / "timeline.jsonl")
    [recalled] = [e for e in second if isinstance(e, MemoryRecalled)]
    assert recalled.memory_stores == ["maria-lopez"]
    said = [e.speech for e in second if isinstance(e, Utterance) and e.role == "replica"]
    assert any("Last time we spoke, you mentioned dizziness" in s for s in said)
