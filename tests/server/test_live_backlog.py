"""Events held for a data channel that never opens are bounded (a call's memory stays flat)."""

from __future__ import annotations


def test_events_held_for_a_data_channel_that_never_opens_are_bounded():
    from types import SimpleNamespace

    from visavis.runtime.events import UserStartedSpeaking
    from visavis.server.live import BACKLOG_MAX, LiveCall

    call = LiveCall.__new__(LiveCall)
    call.record = SimpleNamespace(conversation_id="c1")
    call.channel = None
    call._backlog = []
    for i in range(BACKLOG_MAX + 50):
        call._send_event(UserStartedSpeaking(start=float(i)))
    assert len(call._backlog) == BACKLOG_MAX
    assert '"start": 0.0' in call._backlog[0] or '"start":0.0' in call._backlog[0]
