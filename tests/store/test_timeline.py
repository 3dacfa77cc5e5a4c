"""Timelines and outcomes: every event survives storage intact, once, and across a restart."""

from __future__ import annotations

import typing
from concurrent.futures import ThreadPoolExecutor

import pytest

from visavis.runtime import events as ev
from visavis.runtime.timeline import Timeline
from visavis.store import NotFoundError, Store

A = "tenant-a"


def one_of_each() -> list[ev.BaseEvent]:
    """One event of every type, with non-default values wherever a field has a default."""
    return [
        ev.ConversationStarted(
            conversation_id="c1", persona="nurse", clock="virtual", scenario="s"
        ),
        ev.UserStartedSpeaking(start=1.25),
        ev.UserStoppedSpeaking(start=1.25, end=2.5, duration=1.25),
        ev.TranscriptPartial(text="hel", start=1.25, end=1.75),
        ev.TranscriptFinal(text="hello", start=1.25, end=2.5, compute_ms=41.5),
        ev.TurnDecision(action="respond", reason="endpoint", silence=0.6, probability=0.83),
        ev.TurnSpeculation(phase="transcribed", text="hello"),
        ev.Utterance(role="user", speech="hello", start=1.25, end=2.5, interrupted=True),
        ev.ReplySentence(
            reply_id="r1",
            index=0,
            text="Hi.",
            last=True,
            emotion="warm",
            interruptible=False,
            backchannel=True,
        ),
        ev.SpeechSynthesized(
            reply_id="r1",
            index=0,
            text="Hi.",
            duration=0.8,
            compute_ms=12.0,
            engine="piper",
            phonemes=[ev.PhonemeTiming(phoneme="h", start=0.0, duration=0.1)],
            words=[ev.WordTiming(word="Hi", start=0.0, end=0.4)],
        ),
        ev.ReplicaStartedSpeaking(reply_id="r1"),
        ev.SentencePlayback(reply_id="r1", index=0, offset=0.25),
        ev.PlaybackPaused(reply_id="r1", index=0, at=0.3),
        ev.PlaybackResumed(reply_id="r1", index=0, offset=0.25),
        ev.ReplicaStoppedSpeaking(
            reply_id="r1", duration=0.8, interrupted=True, heard_text="Hi", full_text="Hi."
        ),
        ev.Utterance(role="replica", speech="Hi.", start=3.0, end=3.8),
        ev.TurnLatency(
            reply_id="r1",
            user_stopped_at=2.5,
            first_audio_at=3.0,
            voice_to_voice_ms=500.0,
            endpoint_ms=200.0,
            asr_final_ms=41.5,
            reply_ms=100.0,
            tts_first_audio_ms=12.0,
        ),
        ev.Interrupt(reason="api"),
        ev.Respond(text="typed reply"),
        ev.Echo(text="say this"),
        ev.OverwriteContext(context="The patient prefers mornings."),
        ev.AppendContext(context="She has a cough."),
        ev.Sensitivity(participant_interrupt_sensitivity="high"),
        ev.PerceptionCue(cue="looks_away", confidence=0.8, start=3.0),
        ev.PerceptionToolCall(name="notice_confusion", arguments='{"rule": "frowning"}'),
        ev.PerceptionAnalysis(analysis={"engagement": 0.7, "moments": []}),
        ev.ObjectiveActivated(objective_name="confirm_identity"),
        ev.ObjectiveCompleted(
            objective_name="confirm_identity", output_variables={"dob_ok": True, "n": [1, 2]}
        ),
        ev.ToolCall(tool_call_id="t1", name="book_slot", arguments='{"slot": "s1"}'),
        ev.ToolResult(tool_call_id="t1", name="book_slot", result={"ok": True}, error="late"),
        ev.Escalation(reason="chest pain", severity="routine", evidence="it hurts"),
        ev.CallCompleted(outcome={"escalated": True}),
        ev.KnowledgeRetrieved(
            query="how much salt?",
            strategy="balanced",
            answered=True,
            citations=[
                ev.Citation(
                    document_id="d1",
                    document_name="Instructions",
                    heading="Diet",
                    chunk_id="c1",
                    score=0.8,
                )
            ],
            answer="Less than 2,000 mg a day.",
        ),
        ev.GuardrailTriggered(
            guardrail_name="prompt_injection",
            kind="prompt_injection",
            direction="input",
            reason="asked to ignore instructions",
            evidence="ignore your instructions",
            safe_reply="Shall we carry on?",
        ),
        ev.FollowUpItem(text="Can I get my flu shot?", reason="not in the documents"),
        ev.MemoryRecalled(memory_stores=["p-1"], items=[{"kind": "fact", "text": "dizzy"}]),
        ev.MemoryStored(memory_stores=["p-1"], items=[{"kind": "summary", "text": "fine"}]),
        ev.ConversationEnded(reason="completed", duration=42.125),
    ]


class StepClock:
    """Conversation time that moves by an awkward fraction per event, to catch float rounding."""

    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        self.t += 0.3337
        return self.t


def recorded(events: list[ev.BaseEvent]) -> list[ev.BaseEvent]:
    """The events stamped by a real Timeline (seq, t, turn_idx), as a worker would store them."""
    timeline = Timeline(StepClock())  # type: ignore[arg-type]
    for event in events:
        timeline.emit(event)
    timeline.close()
    return list(timeline.events)


def test_the_sample_covers_every_event_type() -> None:
    union = typing.get_args(typing.get_args(ev.Event)[0])
    assert {cls.model_fields["type"].default for cls in union} == {e.type for e in one_of_each()}


def test_events_round_trip_with_every_field(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    events = recorded(one_of_each())
    assert store.append_events(cid, events) == len(events)
    back = store.events(cid, tenant_id=A)
    assert [type(e) for e in back] == [type(e) for e in events]
    assert [e.model_dump() for e in back] == [e.model_dump() for e in events]


def test_appending_the_same_seq_again_adds_nothing(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    events = recorded(one_of_each())
    assert store.append_events(cid, events[:10]) == 10
    # A retried batch overlapping what is stored, with a duplicate inside the batch itself.
    assert store.append_events(cid, events[5:] + events[12:13]) == len(events) - 10
    assert store.append_events(cid, events) == 0
    assert [e.seq for e in store.events(cid)] == list(range(len(events)))
    assert store.event_count(cid) == len(events)


def test_bad_appends_say_what_is_wrong(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    with pytest.raises(ValueError, match="seq"):
        store.append_events(cid, [ev.Respond(text="never recorded")])
    with pytest.raises(NotFoundError):
        store.append_events("cmissing", recorded([ev.Respond(text="x")]))


def test_transcript_lists_the_utterances(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    store.append_events(cid, recorded(one_of_each()))
    assert store.transcript(cid, tenant_id=A) == [
        {"role": "user", "speech": "hello", "start": 1.25, "end": 2.5},
        {"role": "replica", "speech": "Hi.", "start": 3.0, "end": 3.8},
    ]


OUTCOME = {
    "patient_id": "pt-7",
    "objectives_completed": ["confirm_identity", "book_follow_up"],
    "output_variables": {"confirm_identity": {"dob_ok": True}},
    "escalated": False,
    "escalation_reason": None,
    "follow_up_booked": True,
    "booking": {"slot_id": "s1", "start": "2026-03-03T10:00:00"},
    "identity_confirmed": True,
    "end_reason": "completed",
    "duration": 184.25,
    "turns": 9,
}


def test_outcome_headline_fields_and_raw(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    assert store.outcome(cid) is None
    store.save_outcome(cid, OUTCOME)
    row = store.outcome(cid, tenant_id=A)
    assert row is not None
    assert (row.completed, row.escalated, row.follow_up_booked, row.duration) == (
        True,
        False,
        True,
        184.25,
    )
    assert row.output_variables == OUTCOME["output_variables"]
    assert row.raw == OUTCOME
    # Saving again replaces the outcome rather than failing or adding a second one.
    store.save_outcome(cid, {**OUTCOME, "escalated": True, "end_reason": "participant_left"})
    row = store.outcome(cid)
    assert row is not None and (row.escalated, row.completed) == (True, False)


def test_deleting_a_conversation_deletes_its_timeline_and_outcome(store: Store) -> None:
    cid = store.create_conversation(A).conversation_id
    store.append_events(cid, recorded(one_of_each()))
    store.save_outcome(cid, OUTCOME)
    store.delete_conversation(A, cid)
    assert store.event_count(cid) == 0
    # Recreating nothing: the id is simply unknown now.
    with pytest.raises(NotFoundError):
        store.events(cid)


def test_everything_survives_a_restart(db_url: str) -> None:
    first = Store(db_url)
    first.migrate()
    conversation = first.create_conversation(A, properties={"language": "english"})
    cid = conversation.conversation_id
    events = recorded(one_of_each())
    first.append_events(cid, events)
    first.save_outcome(cid, OUTCOME)
    first.end_conversation(A, cid, "completed")
    first.dispose()

    second = Store(db_url)  # a new engine and pool: nothing shared but the database
    second.migrate()
    got = second.get_conversation(A, cid)
    assert (got.status, got.end_reason, got.properties) == (
        "ended",
        "completed",
        {"language": "english"},
    )
    assert got.created_at == conversation.created_at
    assert [e.model_dump() for e in second.events(cid)] == [e.model_dump() for e in events]
    outcome = second.outcome(cid)
    assert outcome is not None and outcome.raw == OUTCOME
    second.dispose()


def test_workers_racing_on_one_timeline_store_each_event_once(store: Store) -> None:
    """The server calls the Store from a thread pool; resent batches may overlap in flight."""
    cid = store.create_conversation(A).conversation_id
    events = recorded([e for _ in range(8) for e in one_of_each()])
    batches = [events[i : i + 40] for i in range(0, len(events), 20)] * 3
    with ThreadPoolExecutor(8) as pool:
        added = sum(pool.map(lambda batch: store.append_events(cid, batch), batches))
    assert added == len(events)
    assert [e.seq for e in store.events(cid)] == list(range(len(events)))
