"""Who may do what: API keys, tenants, join tokens, body limits, CORS and quiet logs."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest
from tests.server.conftest import api_client, api_key

from visavis.server import create_app
from visavis.server.context import ServerSettings

#: Every /v1 route a key guards, with a body where it needs one ({cid} is a real conversation).
GUARDED = [
    ("POST", "/v1/conversations", {}),
    ("GET", "/v1/conversations", None),
    ("GET", "/v1/conversations/{cid}", None),
    ("POST", "/v1/conversations/{cid}/end", None),
    ("DELETE", "/v1/conversations/{cid}", None),
    ("POST", "/v1/conversations/{cid}/webrtc", {"sdp": "v=0", "type": "offer"}),
    ("GET", "/v1/personas", None),
    ("POST", "/v1/personas", {"persona_name": "x"}),
    ("GET", "/v1/personas/post_discharge", None),
    ("GET", "/v1/objectives", None),
    ("GET", "/v1/guardrails", None),
    ("GET", "/v1/replicas", None),
    ("GET", "/v1/faces/sam", None),
]


@pytest.fixture
def app(tmp_path: Path):
    return create_app(data_dir=tmp_path)


async def test_every_route_needs_a_valid_key(app):
    async with api_client(app) as owner:
        cid = (await owner.post("/v1/conversations", json={})).json()["conversation_id"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as anonymous:
        for method, path, body in GUARDED:
            url = path.format(cid=cid)
            r = await anonymous.request(method, url, json=body)
            assert r.status_code == 401, (method, url, r.text)
            assert r.json()["error"] == "missing_api_key"
            assert "visavis keys create" in r.json()["message"]
            r = await anonymous.request(method, url, json=body, headers={"x-api-key": "vv_k0_no"})
            assert r.status_code == 401 and r.json()["error"] == "invalid_api_key", url


async def test_bearer_tokens_work_and_revoked_keys_do_not(app):
    store = app.state.ctx.store
    key = api_key(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        bearer = {"authorization": f"Bearer {key}"}
        assert (await http.get("/v1/conversations", headers=bearer)).status_code == 200
        other = store.create_api_key("default", "to revoke")
        store.revoke_api_key("default", other.split("_")[1])
        r = await http.get("/v1/conversations", headers={"x-api-key": other})
        assert r.status_code == 401


async def test_one_tenant_cannot_see_or_touch_another_tenants_things(app):
    async with api_client(app, "clinic-a") as a, api_client(app, "clinic-b") as b:
        cid = (await a.post("/v1/conversations", json={})).json()["conversation_id"]
        pid = (await a.post("/v1/personas", json={"persona_name": "A"})).json()["persona_id"]
        body = {"guardrail_name": "g", "guardrail_prompt": "p"}
        gid = (await a.post("/v1/guardrails", json=body)).json()["guardrail_id"]
        for method, path in [
            ("GET", f"/v1/conversations/{cid}"),
            ("POST", f"/v1/conversations/{cid}/end"),
            ("DELETE", f"/v1/conversations/{cid}"),
            ("GET", f"/v1/personas/{pid}"),
            ("DELETE", f"/v1/personas/{pid}"),
            ("GET", f"/v1/guardrails/{gid}"),
        ]:
            r = await b.request(method, path)
            assert r.status_code == 404, (method, path)
        r = await b.post(f"/v1/conversations/{cid}/webrtc", json={"sdp": "v=0", "type": "offer"})
        assert r.status_code == 404
        assert (await b.get("/v1/conversations")).json()["total"] == 0
        # b's listing shows only the built-in persona, not a's.
        assert [p["persona_id"] for p in (await b.get("/v1/personas")).json()["data"]] == [
            "post_discharge"
        ]
        # And a's things are untouched.
        assert (await a.get(f"/v1/conversations/{cid}")).json()["status"] == "active"
        assert (await a.get(f"/v1/personas/{pid}")).status_code == 200


async def test_a_join_token_opens_its_own_conversation_only(app):
    async with api_client(app) as owner:
        first = (await owner.post("/v1/conversations", json={})).json()
        second = (await owner.post("/v1/conversations", json={})).json()
    token = first["conversation_url"].split("?t=")[1]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as page:
        # The call page may end its own call...
        r = await page.post(f"/v1/conversations/{first['conversation_id']}/end?t={token}")
        assert r.status_code == 200 and r.json()["status"] == "ended"
        # ...but not another, and the token is no API key.
        r = await page.post(f"/v1/conversations/{second['conversation_id']}/end?t={token}")
        assert r.status_code == 403 and r.json()["error"] == "invalid_join_token"
        r = await page.get("/v1/conversations", headers={"x-api-key": token})
        assert r.status_code == 401
        r = await page.get(f"/v1/conversations/{first['conversation_id']}?t={token}")
        assert r.status_code == 401  # reading the record needs a key


async def test_oversize_bodies_are_refused(tmp_path: Path):
    app = create_app(data_dir=tmp_path, settings=ServerSettings(max_body_bytes=4096))
    async with api_client(app) as http:
        big = {"conversational_context": "x" * 5000}
        r = await http.post("/v1/conversations", json=big)
        assert r.status_code == 413 and r.json()["error"] == "request_too_large"
        assert "4096" in r.json()["message"]

        # Without a Content-Length (chunked), the body is counted as it arrives.
        async def chunks():
            for _ in range(10):
                yield b"x" * 1000

        r = await http.post(
            "/v1/conversations", content=chunks(), headers={"content-type": "application/json"}
        )
        assert r.status_code == 413
        assert (await http.get("/v1/conversations")).json()["total"] == 0


async def test_cors_allows_only_configured_origins(tmp_path: Path):
    settings = ServerSettings(cors_origins=("https://app.example.org",))
    app = create_app(data_dir=tmp_path, settings=settings)
    async with api_client(app) as http:
        preflight = {
            "access-control-request-method": "POST",
            "access-control-request-headers": "x-api-key,content-type",
        }
        ok = await http.options(
            "/v1/conversations", headers={**preflight, "origin": "https://app.example.org"}
        )
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == "https://app.example.org"
        bad = await http.options(
            "/v1/conversations", headers={**preflight, "origin": "https://evil.example"}
        )
        assert "access-control-allow-origin" not in bad.headers
    # Without configured origins, no CORS headers at all: same-origin pages only.
    async with api_client(create_app(data_dir=tmp_path)) as http:
        r = await http.get("/v1/conversations", headers={"origin": "https://app.example.org"})
        assert "access-control-allow-origin" not in r.headers


async def test_info_logs_carry_no_secrets_or_speech(app, caplog):
    caplog.set_level(logging.DEBUG, logger="visavis")
    async with api_client(app) as http:
        key = http.headers["x-api-key"]
        body = {"custom_greeting": "Hello Maria, about your heart failure"}
        created = (await http.post("/v1/conversations", json=body)).json()
        token = created["conversation_url"].split("?t=")[1]
        await http.get(f"/v1/conversations/{created['conversation_id']}?t={token}")
    text = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.INFO)
    assert "POST /v1/conversations 201" in text  # the access log is there...
    for secret in (key, token, "heart failure"):
        assert secret not in text  # ...without keys, tokens or what was said
