"""STUN and TURN servers for the calls' WebRTC connections (``VISAVIS_ICE_SERVERS``).

Without any, both peers offer only their own addresses: enough on one machine, a LAN, or a
server with a public address. A server behind NAT (most cloud machines: a private address, a
public one mapped to it) needs a STUN server to learn its public address, and callers behind
strict firewalls need a TURN relay. The same list goes to the server's peer (aiortc) and to the
call page (the browser's ``RTCPeerConnection``), in the browser's own shape:

    VISAVIS_ICE_SERVERS='[{"urls": "stun:stun.example.org:3478"},
                          {"urls": ["turn:turn.example.org:3478?transport=udp"],
                           "username": "visavis", "credential": "..."}]'

A TURN credential given here reaches every caller's browser: that is how TURN works, so use the
TURN server's time-limited credentials where it has them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from aiortc import RTCIceServer
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

ENV = "VISAVIS_ICE_SERVERS"
SCHEMES = ("stun:", "stuns:", "turn:", "turns:")


class IceConfigError(ValueError):
    """``VISAVIS_ICE_SERVERS`` cannot be read; the message says what to fix."""


class IceServer(BaseModel):
    """One entry, as the browser's ``RTCIceServer``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    urls: str | tuple[str, ...] = Field(min_length=1)
    username: str | None = None
    credential: str | None = None

    @field_validator("urls")
    @classmethod
    def _stun_or_turn(cls, urls: str | tuple[str, ...]) -> str | tuple[str, ...]:
        for url in (urls,) if isinstance(urls, str) else urls:
            if not url.startswith(SCHEMES):
                raise ValueError(f"{url!r} is not a stun:, stuns:, turn: or turns: URL")
        return urls

    def for_browser(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"urls": self.urls if isinstance(self.urls, str) else [*self.urls]}
        if self.username is not None:
            entry["username"] = self.username
        if self.credential is not None:
            entry["credential"] = self.credential
        return entry

    def for_aiortc(self) -> RTCIceServer:
        urls = self.urls if isinstance(self.urls, str) else [*self.urls]
        return RTCIceServer(urls=urls, username=self.username, credential=self.credential)


_LIST = TypeAdapter(tuple[IceServer, ...])


def ice_servers_from_env(environ: Mapping[str, str] | None = None) -> tuple[IceServer, ...]:
    """The configured servers; () when the variable is unset or empty."""
    text = (os.environ if environ is None else environ).get(ENV, "").strip()
    if not text:
        return ()
    try:
        return _LIST.validate_python(json.loads(text))
    except json.JSONDecodeError as exc:
        raise IceConfigError(f"{ENV} is not JSON ({exc.msg} at character {exc.pos})") from None
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'list'}: {e['msg']}" for e in exc.errors()
        )
        raise IceConfigError(
            f'{ENV} is a JSON list of {{"urls", "username"?, "credential"?}}: {problems}'
        ) from None
