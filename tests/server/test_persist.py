"""Conversations in the database: ``StoreRegistry`` and ``create_app(database_url=...)``.

These tests put events on the record the way a live call does (through the registry), without
media; ``test_live_call.py`` runs the same restart after a real call.
"""

from __future__ import annotations

from pathlib import Path

from tests.server.conftest import api_client, api_key

from visavis.runtime.events import ConversationEnded, Utterance
from visavis.server import StoreRegistry, create_app
from visavis.server.registry import ConversationRecord
from visavis.server.schemas import CreateConversation
from visavis.store import Store


def recorded_call() -> list[Utterance | ConversationEnded]:
    events: list[Utterance | ConversationEnded] = [
        Utterance(role="replica", speech="Hello, is this Maria?", start=0.0, end=1.5),
        Utterance(role="user", speech="Yes, it is.", start=2.0, end=2.8),
        Utterance(role="replica", speech="How are you", start=3.0, end=3.4, interrupted=True),
        ConversationEnded(reason="completed", duration=4.0),
    ]
    for seq, event in enumerate(events):
        event.seq, event.t = seq, float(seq)
    return events


async def test_a_restart_loses_nothing(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'visavis.db'}"
    first = create_app(data_dir=tmp_path, database_url=url)
    async with api_client(first) as http:
        body = {"custom_greeting": "Hi!", "properties": {"language": "english"}}
        cid = (await http.post("/v1/conversations", json=body)).json()["conversation_id"]
        # What a live call does: the timeline grows on the record, batches go to the registry.
        registry = first.state.ctx.registry("default")
        record = registry.get(cid)
        events = recorded_call()
        record.events = events
        registry.append_events(cid, events[:2])
        registry.append_events(cid, events)  # a resent batch is not duplicated
        live = (await http.get(f"/v1/conversations/{cid}")).json()
        assert len(live["transcript"]) == 3 and live["status"] == "active"
        record.mark_ended("completed", {"patient_id": "maria-lopez", "turns": 1, "when": None})
        registry.save(record)
        other = (await http.post("/v1/conversations", json={})).json()["conversation_id"]
        before = (await http.get(f"/v1/conversations/{cid}")).json()

    second = create_app(data_dir=tmp_path, database_url=url)
    async with api_client(second) as http:
        after = (await http.get(f"/v1/conversations/{cid}")).json()
        assert after["status"] == "ended" and after["end_reason"] == "completed"
        assert after["transcript"] == before["transcript"]
        assert after["transcript"][2]["interrupted"] is True
        assert after["outcome"] == {"patient_id": "maria-lopez", "turns": 1, "when": None}
        assert after["custom_greeting"] == "Hi!"
        assert after["properties"]["language"] == "english"
        assert after["created_at"] == before["created_at"]
        assert after["ended_at"] == before["ended_at"]
        listed = (await http.get("/v1/conversations")).json()
        assert [c["conversation_id"] for c in listed["data"]] == [other, cid]
        assert listed["data"][1]["transcript"] == before["transcript"]
        # The still-active one can be ended after the restart.
        ended = (await http.post(f"/v1/conversations/{other}/end")).json()
        assert ended["status"] == "ended" and ended["end_reason"] == "ended_by_api"
    with Store(url) as store:
        assert store.event_count(cid) == 4
        assert store.get_conversation("default", other).status == "ended"


def test_tenants_do_not_see_each_other(tmp_path: Path):
    with Store(f"sqlite:///{tmp_path / 'visavis.db'}") as store:
        store.migrate()
        a, b = StoreRegistry(store, "a"), StoreRegistry(store, "b")
        record = ConversationRecord(conversation_id="", request=CreateConversation())
        a.add(record)
        assert record.conversation_id.startswith("c")
        assert a.get(record.conversation_id) is record  # the live, in-process record
        assert b.get(record.conversation_id) is None
        assert b.all() == [] and [r.conversation_id for r in a.all()] == [record.conversation_id]
        assert StoreRegistry(store, "a").get(record.conversation_id) is not None


async def test_a_live_record_reads_whole_after_its_stored_events_left_memory(tmp_path: Path):
    from visavis.runtime.clock import VirtualClock
    from visavis.runtime.timeline import Timeline
    from visavis.server.recording import CallRecorder

    with Store(f"sqlite:///{tmp_path / 'visavis.db'}") as store:
        store.migrate()
        registry = StoreRegistry(store, "a")
        record = ConversationRecord(conversation_id="", request=CreateConversation())
        registry.add(record)
        clock = VirtualClock()
        timeline = Timeline(clock)
        recorder = CallRecorder(registry, record)
        recorder.attach(timeline)
        for event in recorded_call()[:3]:
            timeline.emit(event)
        await recorder.flush()  # stored, so gone from the call's memory
        assert record.events == []
        timeline.emit(recorded_call()[3])  # not stored yet: only in memory
        assert [e.seq for e in record.events] == [3]
        whole = registry.events(record)
        assert [e.seq for e in whole] == [0, 1, 2, 3]
        assert [line.speech for line in record.transcript(whole)][1] == "Yes, it is."
        assert [e.seq for e in await recorder.events()] == [0, 1, 2, 3]
        # A view reads only the kinds it shows, from the database and from memory alike.
        said = registry.events(record, (Utterance,))
        assert [e.seq for e in said] == [0, 1, 2]
        assert [e.seq for e in registry.events(record, (ConversationEnded,))] == [3]
        # Another instance on the same database loads the record with all of it.
        other = StoreRegistry(store, "a")
        loaded = other.get(record.conversation_id)
        assert loaded is not None and [e.seq for e in other.events(loaded)] == [0, 1, 2, 3]
        clock.close()


def test_a_restarted_server_still_ends_conversations_nobody_joined(tmp_path: Path):
    import time

    from fastapi.testclient import TestClient

    url = f"sqlite:///{tmp_path / 'visavis.db'}"
    first = create_app(data_dir=tmp_path, database_url=url)
    body = {"properties": {"participant_absent_timeout": 1.0}}
    with TestClient(first, headers={"x-api-key": api_key(first)}) as http:
        cid = http.post("/v1/conversations", json=body).json()["conversation_id"]
    # The first process is gone (its timer with it); a new one picks the conversation up.
    second = create_app(data_dir=tmp_path, database_url=url)
    with TestClient(second, headers={"x-api-key": api_key(second)}) as http:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            got = http.get(f"/v1/conversations/{cid}").json()
            if got["status"] == "ended":
                break
            time.sleep(0.1)
        assert got["status"] == "ended" and got["end_reason"] == "participant_absent_timeout"
