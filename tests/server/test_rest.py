"""The REST API without media: create, read, list, end, and the errors a client can make."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import api_client

from visavis.server import create_app


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    # No engines: none of these requests needs them, and loading is left lazy.
    app = create_app(data_dir=tmp_path)
    async with api_client(app) as client:
        yield client


def page_path(conversation_url: str) -> str:
    return conversation_url.removeprefix("http://test")


async def test_create_get_list_end(client: httpx.AsyncClient):
    body = {
        "conversational_context": "Discharged on Friday after a heart failure admission.",
        "custom_greeting": "Hello Maria!",
        "callback_url": "https://example.org/hook",
        "properties": {"max_call_duration": 120, "language": "english"},
    }
    created = await client.post("/v1/conversations", json=body)
    assert created.status_code == 201, created.text
    c = created.json()
    cid = c["conversation_id"]
    assert c["status"] == "active"
    assert c["conversation_url"].startswith(f"http://test/call/{cid}?t=")
    assert c["created_at"]

    got = (await client.get(f"/v1/conversations/{cid}")).json()
    assert got["status"] == "active" and got["live"] is False
    assert got["persona_id"] == "post_discharge"
    assert got["transcript"] == [] and got["outcome"] is None
    # Properties visavis does not know yet are kept, not rejected.
    assert got["properties"]["language"] == "english"
    assert got["properties"]["patient_id"] == "maria-lopez"

    second = (await client.post("/v1/conversations", json={})).json()["conversation_id"]
    listed = (await client.get("/v1/conversations")).json()
    assert listed["total"] == 2
    assert [item["conversation_id"] for item in listed["data"]] == [second, cid]

    ended = await client.post(f"/v1/conversations/{cid}/end")
    assert ended.status_code == 200
    assert ended.json()["status"] == "ended" and ended.json()["end_reason"] == "ended_by_api"
    # Ending twice is harmless; offering to an ended call says what to do instead.
    assert (await client.post(f"/v1/conversations/{cid}/end")).status_code == 200
    offer = await client.post(
        f"/v1/conversations/{cid}/webrtc", json={"sdp": "v=0", "type": "offer"}
    )
    assert offer.status_code == 409 and "create a new one" in offer.json()["message"]


async def test_unknown_conversation_is_a_404_that_says_what_to_do(client: httpx.AsyncClient):
    for method, path in [
        ("GET", "/v1/conversations/nope"),
        ("POST", "/v1/conversations/nope/end"),
        ("DELETE", "/v1/conversations/nope"),
    ]:
        r = await client.request(method, path)
        assert r.status_code == 404, path
        assert r.json()["error"] == "not_found"
        assert "POST /v1/conversations" in r.json()["message"]
    r = await client.post("/v1/conversations/nope/webrtc", json={"sdp": "v=0", "type": "offer"})
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "field", "hint"),
    [
        ({"persona_id": 7}, "body.persona_id", "string"),
        ({"replica_id": "x" * 65}, "body.replica_id", "64 characters"),
        ({"properties": {"language": "klingon"}}, "body.properties.language", "English"),
        (
            {"properties": {"participant_left_timeout": -1}},
            "body.properties.participant_left_timeout",
            "greater",
        ),
        ({"properties": {"max_call_duration": -5}}, "body.properties.max_call_duration", "greater"),
        ({"properties": {"patient_id": "nobody"}}, "body.properties.patient_id", "maria-lopez"),
        ({"callback_url": "not a url"}, "body.callback_url", "URL"),
        ({"persona": "typo"}, "body.persona", "Extra inputs"),
    ],
)
async def test_bad_bodies_are_422_naming_the_field(
    client: httpx.AsyncClient, body: dict, field: str, hint: str
):
    r = await client.post("/v1/conversations", json=body)
    assert r.status_code == 422
    error = r.json()
    assert error["error"] == "invalid_request"
    assert field in error["message"] and hint in error["message"]
    assert error["details"][0]["field"] == field


async def test_malformed_json_is_422(client: httpx.AsyncClient):
    r = await client.post(
        "/v1/conversations", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422 and "fix the request" in r.json()["message"]


async def test_bad_sdp_is_400_with_a_reason(tmp_path: Path, engines):
    # Engines passed in: the offer is checked before any media starts, but the call object
    # is made with them.
    app = create_app(engines, data_dir=tmp_path)
    async with api_client(app) as client:
        cid = (await client.post("/v1/conversations", json={})).json()["conversation_id"]
        r = await client.post(
            f"/v1/conversations/{cid}/webrtc", json={"sdp": "this is not sdp", "type": "offer"}
        )
        assert r.status_code == 400, r.text
        assert r.json()["error"] == "bad_offer" and "SDP" in r.json()["message"]
        # A failed offer leaves the conversation open for a good one.
        got = (await client.get(f"/v1/conversations/{cid}")).json()
        assert got["status"] == "active" and got["live"] is False


async def test_webrtc_needs_an_offer_body(client: httpx.AsyncClient):
    cid = (await client.post("/v1/conversations", json={})).json()["conversation_id"]
    r = await client.post(f"/v1/conversations/{cid}/webrtc", json={"type": "offer"})
    assert r.status_code == 422 and "body.sdp" in r.json()["message"]
    r = await client.post(f"/v1/conversations/{cid}/webrtc", json={"sdp": "v=0", "type": "answer"})
    assert r.status_code == 400 and "offer" in r.json()["message"]


async def test_unknown_persona_and_replica_are_422_with_the_choices(client: httpx.AsyncClient):
    r = await client.post("/v1/conversations", json={"persona_id": "pirate"})
    assert r.status_code == 404 and "GET /v1/personas" in r.json()["message"]
    r = await client.post("/v1/conversations", json={"face_id": "gandalf"})
    assert r.status_code == 422 and "sam" in r.json()["message"]


async def test_aliases_and_public_fields(client: httpx.AsyncClient):
    body = {
        "pal_id": "post_discharge",
        "face_id": "lin",
        "conversation_name": "Maria, day 2",
        "properties": {
            "participant_left_timeout": 30,
            "participant_absent_timeout": 120,
            "enable_closed_captions": True,
        },
    }
    created = (await client.post("/v1/conversations", json=body)).json()
    assert created["conversation_name"] == "Maria, day 2"
    got = (await client.get(f"/v1/conversations/{created['conversation_id']}")).json()
    assert got["persona_id"] == "post_discharge" and got["replica_id"] == "lin"
    assert got["properties"]["participant_left_timeout"] == 30
    assert got["properties"]["participant_absent_timeout"] == 120
    assert got["properties"]["enable_closed_captions"] is True  # kept, not rejected


async def test_delete_removes_the_conversation(client: httpx.AsyncClient):
    cid = (await client.post("/v1/conversations", json={})).json()["conversation_id"]
    assert (await client.delete(f"/v1/conversations/{cid}")).status_code == 204
    assert (await client.get(f"/v1/conversations/{cid}")).status_code == 404
    assert (await client.get("/v1/conversations")).json()["total"] == 0


async def test_verbose_get_returns_the_events(client: httpx.AsyncClient):
    cid = (await client.post("/v1/conversations", json={})).json()["conversation_id"]
    plain = (await client.get(f"/v1/conversations/{cid}")).json()
    assert plain["events"] is None and plain["latencies"] == []
    verbose = (await client.get(f"/v1/conversations/{cid}", params={"verbose": "true"})).json()
    assert verbose["events"] == []


async def test_participant_absent_timeout_ends_the_conversation(client: httpx.AsyncClient):
    body = {"properties": {"participant_absent_timeout": 0.2}}
    cid = (await client.post("/v1/conversations", json=body)).json()["conversation_id"]
    for _ in range(50):
        got = (await client.get(f"/v1/conversations/{cid}")).json()
        if got["status"] == "ended":
            break
        await asyncio.sleep(0.05)
    assert got["status"] == "ended" and got["end_reason"] == "participant_absent_timeout"


async def test_call_page_is_served(client: httpx.AsyncClient):
    created = (await client.post("/v1/conversations", json={})).json()
    cid = created["conversation_id"]
    # Without its join token the page does not open, even with a valid conversation id.
    assert (await client.get(f"/call/{cid}")).status_code == 403
    assert (await client.get(f"/call/{cid}?t=abc.def")).status_code == 403
    page = await client.get(page_path(created["conversation_url"]))
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "/static/call.js" in page.text
    script = await client.get("/static/call.js")
    assert script.status_code == 200 and "RTCPeerConnection" in script.text
