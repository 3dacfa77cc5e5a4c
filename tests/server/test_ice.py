"""STUN/TURN servers (``VISAVIS_ICE_SERVERS``): read, handed to the call page, and used by the
server's own peer, which a real STUN exchange with a local responder shows."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aioice import stun
from aiortc import RTCPeerConnection, RTCSessionDescription
from tests.server.conftest import api_client

from visavis.server import LiveCallOptions, create_app
from visavis.server.ice import IceConfigError, IceServer, ice_servers_from_env

#: What the STUN responder tells a client its public address is (TEST-NET-3, never routed).
MAPPED = ("203.0.113.7", 41000)


def test_the_list_is_read_in_the_browsers_shape() -> None:
    assert ice_servers_from_env({}) == ()
    assert ice_servers_from_env({"VISAVIS_ICE_SERVERS": "  "}) == ()
    servers = ice_servers_from_env(
        {
            "VISAVIS_ICE_SERVERS": json.dumps(
                [
                    {"urls": "stun:stun.example.org:3478"},
                    {"urls": ["turn:turn.example.org?transport=udp"], "username": "u",
                     "credential": "c"},
                ]
            )
        }
    )  # fmt: skip
    assert [s.for_browser() for s in servers] == [
        {"urls": "stun:stun.example.org:3478"},
        {"urls": ["turn:turn.example.org?transport=udp"], "username": "u", "credential": "c"},
    ]
    turn = servers[1].for_aiortc()
    assert (turn.urls, turn.username, turn.credential) == (
        ["turn:turn.example.org?transport=udp"],
        "u",
        "c",
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("stun:x", "not JSON"),
        ('{"urls": "stun:x"}', "JSON list"),
        ('[{"urls": "https://x"}]', "not a stun:, stuns:, turn: or turns: URL"),
        ('[{"url": "stun:x"}]', "0.urls: Field required"),
        ('[{"urls": []}]', "at least 1 item"),
    ],
)
def test_a_bad_list_says_what_to_fix(text: str, says: str) -> None:
    with pytest.raises(IceConfigError, match=re.escape(says)):
        ice_servers_from_env({"VISAVIS_ICE_SERVERS": text})


class StunResponder(asyncio.DatagramProtocol):
    """Answers STUN binding requests with ``MAPPED`` as the asker's address."""

    def __init__(self) -> None:
        self.requests = 0
        self.transport: Any = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # a datagram transport (asyncio's does not subclass it)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            request = stun.parse_message(data)
        except ValueError:
            return
        if request.message_method != stun.Method.BINDING:
            return
        self.requests += 1
        response = stun.Message(
            stun.Method.BINDING, stun.Class.RESPONSE, transaction_id=request.transaction_id
        )
        response.attributes["XOR-MAPPED-ADDRESS"] = MAPPED
        assert self.transport is not None
        self.transport.sendto(bytes(response), addr)


@pytest.fixture
async def stun_server() -> AsyncIterator[tuple[StunResponder, int]]:
    loop = asyncio.get_running_loop()
    transport, responder = await loop.create_datagram_endpoint(
        StunResponder, local_addr=("127.0.0.1", 0)
    )
    yield responder, transport.get_extra_info("sockname")[1]
    transport.close()


async def test_the_server_peer_and_the_call_page_use_the_configured_servers(
    engines, tmp_path: Path, stun_server: tuple[StunResponder, int]
):
    responder, port = stun_server
    servers = (
        IceServer(urls=f"stun:127.0.0.1:{port}"),
        IceServer(urls=("turn:turn.example.org:3478",), username="u", credential="<c&\"'>"),
    )
    options = LiveCallOptions(video_size=128, ice_servers=servers)
    app = create_app(engines, data_dir=tmp_path, call_options=options)
    async with api_client(app) as http:
        created = (await http.post("/v1/conversations", json={})).json()
        cid = created["conversation_id"]
        # The call page carries the list for its RTCPeerConnection, escaped into an attribute.
        page = (await http.get(created["conversation_url"].removeprefix("http://test"))).text
        meta = re.search(r'<meta name="visavis-ice-servers" content="([^"]*)">', page)
        assert meta is not None
        assert json.loads(html.unescape(meta.group(1))) == [s.for_browser() for s in servers]

        # The server's peer asks the STUN server, and offers the address it learned.
        caller = RTCPeerConnection()
        caller.addTransceiver("audio", direction="sendrecv")
        caller.addTransceiver("video", direction="recvonly")
        caller.createDataChannel("events")
        try:
            await caller.setLocalDescription(await caller.createOffer())
            r = await http.post(
                f"/v1/conversations/{cid}/webrtc",
                json={"sdp": caller.localDescription.sdp, "type": "offer"},
            )
            assert r.status_code == 200, r.text
            answer = r.json()["sdp"]
            assert responder.requests >= 1
            assert re.search(rf"a=candidate:.* {MAPPED[0]} {MAPPED[1]} typ srflx", answer), answer
            await caller.setRemoteDescription(RTCSessionDescription(sdp=answer, type="answer"))
        finally:
            await caller.close()
            await http.post(f"/v1/conversations/{cid}/end")
