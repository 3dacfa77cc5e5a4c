"""What a live call is built from: the conversation's request, its persona and its replica.

``CallSetup`` is resolved once, when a peer dials in, from the stored rows (a persona may be
edited later without changing a call already running) and handed to ``LiveCall``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from visavis.face import DEFAULT_AVATAR
from visavis.mind.build import MindConfig
from visavis.mind.persona import load_persona
from visavis.paths import POST_DISCHARGE_DIR
from visavis.perception.layer import PerceptionLayer
from visavis.server.registry import ConversationRecord
from visavis.server.schemas.resources import ConversationalFlowLayer, PersonaView
from visavis.turns.settings import TurnSettings


@dataclass
class CallSetup:
    avatar: str = DEFAULT_AVATAR
    greeting: str | None = None
    context: str = ""
    turns: TurnSettings = field(default_factory=TurnSettings)
    #: A stored persona's perception layer (None: the flagship persona's own).
    perception: PerceptionLayer | None = None
    #: Documents, guardrails, tools, LLM and memory (``server.mind_setup``; None: defaults).
    mind: MindConfig | None = None


def builtin_avatar() -> str:
    persona = load_persona(POST_DISCHARGE_DIR / "persona.yaml")
    return persona.default_avatar or DEFAULT_AVATAR


def call_setup(record: ConversationRecord, persona: PersonaView | None) -> CallSetup:
    """The call's face, greeting, context and turn settings.

    Precedence follows the public API: the conversation's ``replica_id`` over the persona's
    ``default_replica_id``; ``conversational_context`` is appended to the persona's context."""
    req = record.request
    turns = TurnSettings()
    avatar = req.replica_id or (persona.default_replica_id if persona else None)
    contexts = [persona.context or "" if persona else "", req.conversational_context or ""]
    if persona is not None:
        flow = persona.layers.conversational_flow
        if flow is not None:
            _apply_flow(turns, flow)
    return CallSetup(
        perception=persona.layers.perception if persona is not None else None,
        avatar=avatar or builtin_avatar(),
        greeting=req.custom_greeting,
        context="\n".join(c for c in contexts if c).strip(),
        turns=turns,
    )


def _apply_flow(turns: TurnSettings, flow: ConversationalFlowLayer) -> None:
    """The persona's ``conversational_flow`` layer onto the call's turn settings."""
    if flow.turn_detection_model == "silence":
        turns.detector = "silence"
    if flow.turn_taking_patience is not None:
        turns.set_patience(flow.turn_taking_patience)
    if flow.replica_interruptibility is not None:
        turns.set_interruptibility(flow.replica_interruptibility)
    if flow.interruptible_greeting is not None:
        turns.interruptible_greeting = flow.interruptible_greeting
