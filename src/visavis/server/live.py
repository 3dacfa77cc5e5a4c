"""One live call over WebRTC: the peer connection, its three tracks, the data channel and the
flagship ``Conversation`` on the real-time clock.

The assembly mirrors ``visavis.calls.CallSession.run`` (mind, engines, clock, timeline, source,
sink) without its output files: a live call's record is its timeline, kept in the registry.

Lifecycle: ``accept(offer)`` answers at once; the conversation starts only when ICE/DTLS reports
``connected``, because the greeting written before then would queue up in the agent track and
play late (or be dropped past its 5 s buffer). The call ends when the peer leaves (its audio track
ends or the connection fails), when ``end()`` is called (``POST .../end``), when the mind is done,
or at ``max_call_duration``.

Every timeline event also goes to the ``EventHub`` (WebSocket subscribers) and, in batches off
the event loop, to the registry (``append_events``), which a persistent registry writes to the
database (``recording.CallRecorder``); the last batch is flushed before the ended record is
saved. Stored events leave memory: a call's RSS does not grow with its length.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from aiortc import RTCConfiguration, RTCDataChannel, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from visavis.calls import call_mind, call_outcome, flagship_conversation, remember_call
from visavis.conversation import Conversation, ConversationSettings
from visavis.engines import Engines
from visavis.mind.build import MindConfig
from visavis.runtime.clock import Clock, make_clock
from visavis.runtime.events import (
    BaseEvent,
    Escalation,
    FollowUpItem,
    GuardrailTriggered,
    ObjectiveCompleted,
    Utterance,
)
from visavis.runtime.timeline import Timeline
from visavis.server.events import EventHub
from visavis.server.ice import IceServer
from visavis.server.recording import CallRecorder
from visavis.server.registry import ConversationRecord, ConversationRegistry
from visavis.server.setup import CallSetup, builtin_avatar
from visavis.transport.avatar_video import AvatarVideoTrack
from visavis.transport.camera import WebRTCVideoSource
from visavis.transport.webrtc import AgentAudioTrack, WebRTCAudioSource

log = logging.getLogger(__name__)

EVENTS_CHANNEL = "events"
#: Events held for the data channel until it opens (it opens within a second or so). A caller
#: that never opens one (the event socket and webhooks still carry every event) would otherwise
#: have a message kept per event for the whole call; the first ones are kept, later ones dropped.
BACKLOG_MAX = 1000
#: Timeline events that are also webhooks (``application.*``) while the call runs.
MIND_WEBHOOK_EVENTS = (GuardrailTriggered, ObjectiveCompleted, FollowUpItem, Escalation)


class OfferError(ValueError):
    """The offer cannot start a call; the message says what the client should change."""


def check_offer_text(sdp: str) -> None:
    """Reject text that is not SDP at all, before any engine or connection is set up."""
    if not sdp.lstrip().startswith("v=0"):
        # aiortc parses almost any text as an empty description; catch garbage here.
        raise OfferError(
            "the SDP offer is not SDP (it must start with 'v=0'): send "
            "RTCPeerConnection.localDescription.sdp after setLocalDescription(offer)"
        )


@dataclass
class LiveCallOptions:
    video_size: int = 512
    fps: int = 25
    #: A peer that has not connected by then is given up on (ICE failed, tab closed).
    connect_timeout: float = 30.0
    #: Timeline events are handed to the registry in batches at most this often (seconds).
    persist_interval: float = 0.5
    #: Seconds without caller audio after which the caller is taken to have left (then
    #: ``participant_left_timeout`` more before the call ends).
    silent_peer: float = 2.0
    #: STUN/TURN servers for the server's peer and the call page (``VISAVIS_ICE_SERVERS``).
    ice_servers: tuple[IceServer, ...] = ()


class CallHooks(Protocol):
    """What the server does when a call's participant joins and when the call has ended (the
    ``system.replica_joined`` / ``system.shutdown`` webhooks)."""

    async def call_joined(self, record: ConversationRecord) -> None: ...

    async def call_ended(self, record: ConversationRecord) -> None: ...

    async def call_event(
        self, record: ConversationRecord, event: BaseEvent, url: str | None
    ) -> None: ...


class LiveCall:
    """The WebRTC side and the conversation of one call; create and use on the event loop."""

    def __init__(
        self,
        record: ConversationRecord,
        registry: ConversationRegistry,
        engines: Engines,
        data_dir: Path,
        options: LiveCallOptions | None = None,
        hub: EventHub | None = None,
        setup: CallSetup | None = None,
        hooks: CallHooks | None = None,
    ) -> None:
        self.record = record
        self.setup = setup or CallSetup(avatar=builtin_avatar())
        self.hooks = hooks
        self.hub = hub or EventHub()
        self.registry = registry
        self.engines = engines
        self.data_dir = data_dir
        self.options = options or LiveCallOptions()
        self.pc = RTCPeerConnection(
            RTCConfiguration(iceServers=[s.for_aiortc() for s in self.options.ice_servers])
        )
        self.agent_audio = AgentAudioTrack()
        self.video: AvatarVideoTrack | None = None
        self.channel: RTCDataChannel | None = None
        self.clock: Clock | None = None
        self.conversation: Conversation | None = None
        self._mic: MediaStreamTrack | None = None
        self._camera: MediaStreamTrack | None = None
        self._backlog: list[str] = []  # events emitted before the data channel opened
        self._connected = asyncio.Event()
        self._stop_reason: str | None = None
        self._stopped = asyncio.Event()
        self._callbacks: dict[str, str] = {}
        self._hook_tasks: set[asyncio.Task[None]] = set()
        self.task: asyncio.Task[None] | None = None
        self.recorder = CallRecorder(registry, record)

    @property
    def id(self) -> str:
        return self.record.conversation_id

    # --- signalling ---------------------------------------------------------------------------

    async def accept(self, sdp: str) -> RTCSessionDescription:
        """Answer the caller's offer and start the call task; ``OfferError`` on a bad offer."""
        check_offer_text(sdp)
        pc = self.pc
        pc.on("track", self._on_track)
        pc.on("datachannel", self._on_datachannel)
        pc.on("connectionstatechange", self._on_connection_state)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        except Exception as exc:  # aiortc raises ValueError, but also others on garbage SDP
            raise OfferError(f"the SDP offer could not be parsed or applied: {exc}") from exc
        if self._mic is None:
            raise OfferError(
                "the offer has no audio track: add the microphone (addTrack or an audio "
                "transceiver with direction sendrecv) before createOffer()"
            )
        if not any(t.kind == "video" for t in pc.getTransceivers()):
            raise OfferError(
                "the offer has no video m-line: add a video transceiver (recvonly is enough) "
                "so the avatar can be sent"
            )
        self.video = AvatarVideoTrack(
            now=self._now,
            avatar=self.setup.avatar,
            size=self.options.video_size,
            fps=self.options.fps,
        )
        # addTrack reuses the offered transceivers of the same kind, so the answer lines up.
        pc.addTrack(self.agent_audio)
        pc.addTrack(self.video)
        try:
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            raise OfferError(f"no answer could be made for this offer: {exc}") from exc
        self.task = asyncio.create_task(self._run(), name=f"live-call-{self.id}")
        return pc.localDescription

    def _now(self) -> float:
        return self.clock.now() if self.clock is not None else 0.0

    def _on_track(self, track: MediaStreamTrack) -> None:
        if track.kind == "audio" and self._mic is None:
            self._mic = track
        elif track.kind == "video" and self._camera is None:
            self._camera = track  # perception reads it; frames are never stored

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        if channel.label != EVENTS_CHANNEL:
            return
        self.channel = channel

        def flush() -> None:
            for message in self._backlog:
                channel.send(message)
            self._backlog.clear()

        if channel.readyState == "open":
            flush()
        else:
            channel.on("open", flush)

    async def _on_connection_state(self) -> None:
        state = self.pc.connectionState
        log.info("conversation %s: connection %s", self.id, state)
        if state == "connected":
            self._connected.set()
        elif state in ("failed", "closed"):
            self.end("participant_left")

    async def _watch_presence(self, source: WebRTCAudioSource) -> None:
        """End the call when the caller's audio stops arriving for ``SILENT_PEER`` seconds plus
        ``participant_left_timeout`` (a closed tab or a lost network sends no BYE; aiortc
        itself only gives up after 30 s of failed ICE consent checks). A muted browser
        microphone still sends (silent) frames, so silence on the wire means gone."""
        grace = self.options.silent_peer + self.record.request.properties.participant_left_timeout
        while True:
            await asyncio.sleep(0.25)
            last = source.last_frame_at
            if last is not None and time.monotonic() - last > grace:
                timeout = self.record.request.properties.participant_left_timeout
                self.end("participant_left_timeout" if timeout > 0 else "participant_left")
                return

    # --- the call -----------------------------------------------------------------------------

    def end(self, reason: str) -> None:
        """Stop the call (idempotent); the conversation emits ``conversation.ended``."""
        if self._stop_reason is None:
            self._stop_reason = reason
        if self.conversation is not None:
            self.conversation.end(self._stop_reason)
        self._stopped.set()

    async def wait(self, timeout: float = 10.0) -> None:
        if self.task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(self.task), timeout)

    async def _run(self) -> None:
        reason, outcome = "connection_failed", None
        persister = asyncio.create_task(
            self.recorder.run(self.options.persist_interval), name=f"persist-{self.id}"
        )
        try:
            connected = asyncio.create_task(self._connected.wait())
            stopped = asyncio.create_task(self._stopped.wait())
            done, _ = await asyncio.wait(
                {connected, stopped},
                timeout=self.options.connect_timeout,
                return_when=asyncio.FIRST_COMPLETED,
            )
            connected.cancel()
            stopped.cancel()
            if connected in done and not self._stopped.is_set():
                reason, outcome = await self._converse()
            elif self._stop_reason is not None:
                reason = self._stop_reason
        except Exception:
            log.exception("conversation %s failed", self.id)
            reason = "error"
        finally:
            persister.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await persister
            await self.recorder.flush()
            self.record.mark_ended(reason, outcome)
            try:
                await asyncio.to_thread(self.registry.save, self.record)
            except Exception:
                log.exception("conversation %s: the ended record was not saved", self.id)
            self.hub.finish(self.id)
            if self.hooks is not None:
                await self.hooks.call_ended(self.record)
            await self._close()

    async def _converse(self) -> tuple[str, dict[str, Any]]:
        assert self._mic is not None
        self.clock = make_clock("realtime")
        timeline = Timeline(self.clock)
        self.recorder.attach(timeline)
        assert self.video is not None
        timeline.subscribe(self.video.on_event)
        timeline.subscribe(self._send_event)
        timeline.subscribe(lambda event: self.hub.publish(self.id, event))
        props = self.record.request.properties
        call_dir = self.data_dir / self.id
        call_dir.mkdir(parents=True, exist_ok=True)
        source = WebRTCAudioSource(self._mic, now=self.clock.now)
        camera = (
            WebRTCVideoSource(self._camera, now=self.clock.now).frames()
            if self._camera is not None
            else None
        )
        config = self.setup.mind or MindConfig(greeting=self.setup.greeting)
        mind = await asyncio.to_thread(call_mind, props.patient_id, call_dir, date.today(), config)
        self.conversation, mind = flagship_conversation(
            patient_id=props.patient_id,
            call_dir=call_dir,
            today=date.today(),
            clock=self.clock,
            timeline=timeline,
            engines=self.engines,
            source=source,
            sink=self.agent_audio,
            settings=ConversationSettings(
                conversation_id=self.id,
                persona_name=self.record.persona_id,
                max_call_duration=props.max_call_duration,
                context=self.setup.context,
                turns=self.setup.turns,
            ),
            camera=camera,
            perception=(
                self.engines.new_perception(self.setup.perception)
                if self.setup.perception is not None
                else None
            ),
            mind=mind,
        )
        self._callbacks = mind.callback_urls
        timeline.subscribe(self._mind_event, MIND_WEBHOOK_EVENTS)
        if self.hooks is not None:
            await self.hooks.call_joined(self.record)
        if self._stop_reason is not None:  # /end raced with the connection
            self.conversation.end(self._stop_reason)
        started = time.perf_counter()
        presence = asyncio.create_task(self._watch_presence(source), name=f"presence-{self.id}")
        try:
            result = await self.conversation.run()
            said = await self.recorder.events((Utterance,))  # the outcome counts the turns
            outcome = call_outcome(result, said, props.patient_id, started)
            stored = await asyncio.to_thread(remember_call, config, outcome, self.id, date.today())
            if stored is not None:
                timeline.emit(stored)
        finally:
            presence.cancel()
            close = getattr(mind, "close", None)
            if callable(close):
                close()  # an LLM mind's client connections and loop thread
            timeline.close()
            self.clock.close()
        return result.reason, outcome

    def _mind_event(self, event: BaseEvent) -> None:
        """Guardrail hits, objectives done, follow-up items, escalations: the webhooks (to the
        conversation's callback and to the guardrail's or objective's own)."""
        if self.hooks is None:
            return
        name = getattr(event, "guardrail_name", None) or getattr(event, "objective_name", None)
        url = self._callbacks.get(name or "")
        task = asyncio.create_task(self.hooks.call_event(self.record, event, url))
        self._hook_tasks.add(task)
        task.add_done_callback(self._hook_tasks.discard)

    def _send_event(self, event: BaseEvent) -> None:
        message = json.dumps(event.to_protocol(self.id), default=str)
        channel = self.channel
        if channel is not None and channel.readyState == "open":
            channel.send(message)
        elif (channel is None or channel.readyState == "connecting") and len(
            self._backlog
        ) < BACKLOG_MAX:
            self._backlog.append(message)

    async def _close(self) -> None:
        # Give the data channel a moment to carry conversation.ended before the peer goes away.
        if self.channel is not None and self.channel.readyState == "open":
            # aiortc's pc.close() tears SCTP down without draining what send() queued.
            await asyncio.sleep(0.2)
        self.agent_audio.stop()
        if self.video is not None:
            self.video.stop()
        # How well the server kept up with the call's media: a loaded server shows here first.
        video = self.video.health() if self.video is not None else "no avatar"
        log.info("conversation %s: %s; %s", self.id, self.agent_audio.health(), video)
        await self.pc.close()
