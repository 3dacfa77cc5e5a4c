"""The SDK's light models and webhook check stay in step with the server's, and importing the
SDK does not load the server (WebRTC, speech engines, face rendering)."""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
import typing

import pytest
from pydantic import BaseModel

from visavis import sdk
from visavis.sdk import errors, models


def test_importing_the_sdk_loads_no_server_code() -> None:
    heavy = ["visavis.server", "aiortc", "av", "onnxruntime", "numpy", "fastapi", "sqlalchemy"]
    code = f"import sys, visavis.sdk; print([m for m in {heavy!r} if m in sys.modules])"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"


PAIRS = [
    ("ConversationCreated", "visavis.server.schemas.conversations"),
    ("ConversationView", "visavis.server.schemas.conversations"),
    ("TranscriptLine", "visavis.server.schemas.conversations"),
    ("TurnLatencyView", "visavis.server.schemas.conversations"),
    ("PersonaView", "visavis.server.schemas.resources"),
    ("ObjectivesView", "visavis.server.schemas.resources"),
    ("Objective", "visavis.server.schemas.resources"),
    ("GuardrailView", "visavis.server.schemas.resources"),
    ("Replica", "visavis.server.schemas.resources"),
    ("PatchOp", "visavis.server.schemas.resources"),
    ("DocumentView", "visavis.server.schemas.knowledge"),
    ("DocumentDetail", "visavis.server.schemas.knowledge"),
    ("MemoryStoreView", "visavis.server.schemas.knowledge"),
    ("MemoryView", "visavis.server.schemas.knowledge"),
    ("ToolView", "visavis.server.schemas.knowledge"),
]


@pytest.mark.parametrize(("name", "module"), PAIRS)
def test_models_have_the_servers_fields(name: str, module: str) -> None:
    import importlib

    server: type[BaseModel] = getattr(importlib.import_module(module), name)
    client: type[BaseModel] = getattr(models, name)
    assert set(client.model_fields) == set(server.model_fields)
    # A field the server always sends may be optional here, but not the other way round.
    for field, info in client.model_fields.items():
        if info.is_required():
            assert server.model_fields[field].is_required(), f"{name}.{field}"


def test_models_read_what_the_server_writes() -> None:
    from visavis.server.schemas.resources import GuardrailView

    row = GuardrailView(
        guardrail_id="g1",
        uuid="g1",
        guardrail_name="calm",
        guardrail_prompt="Stay calm.",
        created_at="2025-01-01T00:00:00Z",  # type: ignore[arg-type]
    )
    read = models.GuardrailView.model_validate(row.model_dump(mode="json") | {"later": 1})
    assert read.guardrail_id == "g1" and read.created_at.year == 2025
    assert read.model_extra == {"later": 1}  # a newer server's fields are kept, not refused


def test_verify_webhook_checks_what_the_server_signs() -> None:
    from visavis.server.webhooks import sign

    body = json.dumps({"event_type": "system.shutdown"}).encode()
    now = int(time.time())
    header = sign("s3cret", body, now)
    assert sdk.verify_webhook("s3cret", body, header)
    assert sdk.verify_webhook("s3cret", body, f"v1=x,{header}")  # another v1 (rotation)
    for secret, payload, value in [
        ("other", body, header),
        ("s3cret", body + b" ", header),
        ("s3cret", body, f"t={now - 1000},v1=" + header.split("v1=")[1]),  # stale
        ("s3cret", body, "garbage"),
        ("s3cret", body, "t=notanumber,v1=ab"),
        ("s3cret", body, f"t={now},t={now},v1=ab"),
    ]:
        assert not sdk.verify_webhook(secret, payload, value), value
    digest = hmac.new(b"s3cret", f"{now}.".encode() + body, hashlib.sha256).hexdigest()
    assert sdk.verify_webhook("s3cret", body, f"t={now},v1=bad,v1={digest}")  # rotation


def test_error_classes_by_status() -> None:
    for status, cls in [(401, sdk.AuthenticationError), (404, sdk.NotFoundError)]:
        error = errors.error_for(status, "code", "fix it")
        assert type(error) is cls and isinstance(error, sdk.VisavisError)
        assert (error.status, error.error, error.message) == (status, "code", "fix it")
    assert type(errors.error_for(500, "boom", "")) is sdk.VisavisError
    assert type(errors.error_for(422, "x", "y")) is sdk.InvalidRequestError


def test_public_names_are_exported() -> None:
    assert set(sdk.__all__) <= set(dir(sdk))
    hints = typing.get_type_hints(sdk.Client.get_conversation)
    assert hints["return"] is models.ConversationView


def test_an_error_that_is_not_the_servers_json() -> None:
    import httpx

    def proxy(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-api-key"] == "k"
        return httpx.Response(502, text="<html>Bad Gateway</html>")

    c = sdk.Client("http://api.example/visavis", "k", transport=httpx.MockTransport(proxy))
    with c, pytest.raises(sdk.VisavisError) as failed:
        c.list_replicas()
    assert failed.value.status == 502 and failed.value.error == "http_error"
    assert "Bad Gateway" in failed.value.message
    assert "k" not in repr(c).replace("Client", "").replace("visavis", "")


def test_socket_url_keeps_a_path_prefix() -> None:
    with sdk.Client("https://api.example/visavis/", "k") as client:
        stream = client.events("c 1")
    assert stream.url == "wss://api.example/visavis/v1/conversations/c%201/events"
