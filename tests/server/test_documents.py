"""Documents over REST: uploads and URL fetches, parsing errors, duplicates, tenancy, and the
persona's references to them."""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from tests.local_http import QuietHandler, serving
from tests.server.conftest import api_client, api_key

from visavis.server import create_app
from visavis.server.routes import documents as documents_route

LEAFLET = b"# After your stay\n\nTake one tablet of aspirin a day.\n\nCall us if you feel dizzy.\n"
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def make_docx(*paragraphs: str) -> bytes:
    body = "".join(f"<w:p><w:r><w:t>{p}</w:t></w:r></w:p>" for p in paragraphs)
    xml = f'<w:document xmlns:w="{_W}"><w:body>{body}</w:body></w:document>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


@pytest.fixture
def app(tmp_path: Path):
    return create_app(data_dir=tmp_path)


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:
    async with api_client(app) as client:
        yield client


@pytest.fixture
def site() -> Iterator[str]:
    """A local web server: /leaflet.md, /big.txt (streamed, no length), /to-metadata (a
    redirect to the cloud metadata service), /missing (404)."""

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            if self.path == "/leaflet.md":
                self.send_response(200)
                self.send_header("Content-Type", "text/markdown")
                self.send_header("Content-Length", str(len(LEAFLET)))
                self.end_headers()
                self.wfile.write(LEAFLET)
            elif self.path == "/big.txt":
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()  # no Content-Length: counted while streaming
                with contextlib.suppress(OSError):  # the server hangs up past its limit
                    for _ in range(64):
                        self.wfile.write(b"x" * 1024)
            elif self.path == "/to-metadata":
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

    with serving(Handler) as base:
        yield base


async def upload(
    client: httpx.AsyncClient,
    data: bytes = LEAFLET,
    filename: str = "leaflet.md",
    content_type: str = "text/markdown",
    **form: str | list[str],
) -> httpx.Response:
    return await client.post(
        "/v1/documents", files={"file": (filename, data, content_type)}, data=form
    )


async def test_upload_list_get_patch_delete(client: httpx.AsyncClient):
    r = await upload(client, document_name="Aftercare", tags=["cardiology", "leaflets"])
    assert r.status_code == 201, r.text
    doc = r.json()
    did = doc["document_id"]
    assert did.startswith("d") and doc["uuid"] == did
    assert (doc["document_name"], doc["tags"], doc["status"]) == (
        "Aftercare",
        ["cardiology", "leaflets"],
        "ready",
    )
    assert (doc["source_type"], doc["size"], len(doc["sha256"])) == ("markdown", len(LEAFLET), 64)
    assert "text" not in doc

    r = await upload(client, make_docx("Rest for a week.", "No driving."), "rest.docx", DOCX)
    assert r.status_code == 201, r.text
    other = r.json()
    assert other["document_name"] == "rest" and other["source_type"] == "docx"

    listed = (await client.get("/v1/documents")).json()
    assert [d["document_id"] for d in listed["data"]] == [other["document_id"], did]
    tagged = (await client.get("/v1/documents", params={"tag": "cardiology"})).json()
    assert [d["document_id"] for d in tagged["data"]] == [did]

    got = (await client.get(f"/v1/documents/{did}")).json()
    assert got["text"].startswith("# After your stay") and "aspirin" in got["text"]

    r = await client.patch(
        f"/v1/documents/{did}", json=[{"op": "add", "path": "/tags/-", "value": "new"}]
    )
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == ["cardiology", "leaflets", "new"] and r.json()["updated_at"]
    r = await client.patch(f"/v1/documents/{did}", json={"document_name": "Renamed"})
    assert (r.status_code, r.json()["document_name"]) == (200, "Renamed")
    r = await client.patch(f"/v1/documents/{did}", json={"sha256": "0" * 64})
    assert r.status_code == 422 and "sha256" in r.json()["message"]
    r = await client.patch(f"/v1/documents/{did}", json=[{"op": "replace", "path": "/size"}])
    assert r.status_code == 422

    assert (await client.delete(f"/v1/documents/{did}")).status_code == 204
    assert (await client.get(f"/v1/documents/{did}")).status_code == 404
    assert (await client.delete(f"/v1/documents/{did}")).status_code == 404


async def test_bad_uploads(client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch):
    r = await upload(client, b"PK\x03\x04 not really a zip", "broken.docx", DOCX)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_document")
    assert "corrupt" in r.json()["message"]

    r = await upload(client, b"MZ\x90\x00binary", "setup.exe", "application/octet-stream")
    assert (r.status_code, r.json()["error"]) == (415, "unsupported_document_type")
    assert "setup.exe" in r.json()["message"]

    r = await upload(client, b"   \n", "empty.txt", "text/plain")
    assert r.status_code == 422 and "empty" in r.json()["message"]

    r = await upload(client, LEAFLET, tags=["x" * 65])
    assert r.status_code == 422 and "tags" in r.json()["message"]

    monkeypatch.setattr(documents_route, "MAX_BYTES", 100)
    r = await upload(client, b"word " * 50, "long.txt", "text/plain")
    assert (r.status_code, r.json()["error"]) == (413, "document_too_large")


async def test_a_document_may_be_larger_than_other_request_bodies(client: httpx.AsyncClient):
    # 2.4 MiB of leaflet: over the server's 1 MiB body limit, under the 10 MiB document limit.
    leaflet = LEAFLET * 30_000
    r = await upload(client, leaflet, "long-leaflet.md")
    assert r.status_code == 201, r.text
    assert r.json()["size"] == len(leaflet)
    # The raised limit is the upload's alone: a persona that size is still refused.
    r = await client.post(
        "/v1/personas", json={"persona_name": "x", "system_prompt": "y" * len(leaflet)}
    )
    assert (r.status_code, r.json()["error"]) == (413, "request_too_large")
    # And an upload past the document limit and its form is refused before it is read.
    r = await upload(client, b"z" * documents_route.UPLOAD_MAX_BODY, "huge.txt", "text/plain")
    assert (r.status_code, r.json()["error"]) == (413, "request_too_large")


async def test_request_shapes(client: httpx.AsyncClient):
    r = await client.post("/v1/documents", content=b"hello", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and "multipart" in r.json()["message"]
    r = await client.post(
        "/v1/documents", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    r = await client.post("/v1/documents", json={"document_url": 12})
    assert r.status_code == 422 and "document_url" in r.json()["message"]
    r = await client.post("/v1/documents", json={"document_url": "ftp://example.org/a.txt"})
    assert r.status_code == 422
    r = await client.post("/v1/documents", data={"document_name": "no file"})
    assert r.status_code == 422 and "'file'" in r.json()["message"]
    r = await client.post(
        "/v1/documents",
        content=b"--xx\r\nbroken",
        headers={"content-type": "multipart/form-data; boundary=xx"},
    )
    assert r.status_code == 422


async def test_duplicate_is_a_conflict_within_a_tenant_only(app, client: httpx.AsyncClient):
    first = (await upload(client)).json()
    r = await upload(client, document_name="again")
    assert (r.status_code, r.json()["error"]) == (409, "duplicate_document")
    assert first["document_id"] in r.json()["message"]
    async with api_client(app, "other") as other:
        assert (await upload(other)).status_code == 201


async def test_tenants_do_not_see_each_others_documents(app, client: httpx.AsyncClient):
    did = (await upload(client)).json()["document_id"]
    async with api_client(app, "other") as other:
        assert (await other.get("/v1/documents")).json() == {"data": [], "total": 0}
        for method in ("GET", "DELETE"):
            assert (await other.request(method, f"/v1/documents/{did}")).status_code == 404
        r = await other.patch(f"/v1/documents/{did}", json={"document_name": "mine"})
        assert r.status_code == 404
        r = await other.post("/v1/personas", json={"persona_name": "x", "document_ids": [did]})
        assert r.status_code == 422 and did in r.json()["message"]
    assert (await client.get(f"/v1/documents/{did}")).json()["document_name"] == "leaflet"


async def test_document_from_url(client: httpx.AsyncClient, site: str):
    body = {
        "document_url": f"{site}/leaflet.md",
        "tags": ["web"],
        "callback_url": "https://app.example.org/docs",
    }
    r = await client.post("/v1/documents", json=body)
    assert r.status_code == 201, r.text
    doc = r.json()
    assert (doc["document_url"], doc["source_type"], doc["document_name"]) == (
        f"{site}/leaflet.md",
        "markdown",
        "leaflet",
    )
    assert doc["callback_url"] == "https://app.example.org/docs"

    r = await client.post("/v1/documents", json={"document_url": f"{site}/missing"})
    assert r.status_code == 422 and "404" in r.json()["message"]
    assert f"{site}/missing" in r.json()["message"]


async def test_unreachable_and_oversize_urls(
    client: httpx.AsyncClient, site: str, monkeypatch: pytest.MonkeyPatch
):
    with socket_closed() as url:
        r = await client.post("/v1/documents", json={"document_url": url})
    assert (r.status_code, r.json()["error"]) == (422, "document_unreachable")
    assert url in r.json()["message"]

    # The cloud metadata service, and a redirect to it: refused by the egress policy.
    for url in ("http://169.254.169.254/latest/meta-data/", f"{site}/to-metadata"):
        r = await client.post("/v1/documents", json={"document_url": url})
        assert (r.status_code, r.json()["error"]) == (422, "document_unreachable"), url
        assert "egress refused: 169.254.169.254 is a link-local" in r.json()["message"]

    monkeypatch.setattr(documents_route, "MAX_BYTES", 10_000)
    r = await client.post("/v1/documents", json={"document_url": f"{site}/big.txt"})
    assert r.status_code == 413, r.text


class socket_closed:  # noqa: N801 (used as a context manager)
    """A URL on a local port nothing listens on."""

    def __enter__(self) -> str:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        return f"http://127.0.0.1:{port}/gone.txt"

    def __exit__(self, *_exc: object) -> None:
        pass


async def test_personas_reference_documents_and_tags(app, client: httpx.AsyncClient):
    did = (await upload(client, tags=["cardiology"])).json()["document_id"]
    body = {"persona_name": "Nurse", "document_ids": [did], "document_tags": ["cardiology"]}
    r = await client.post("/v1/personas", json=body)
    assert r.status_code == 201, r.text
    persona = r.json()
    assert (persona["document_ids"], persona["document_tags"]) == ([did], ["cardiology"])
    r = await client.patch(
        f"/v1/personas/{persona['persona_id']}",
        json=[{"op": "add", "path": "/document_ids/-", "value": "d000000000000"}],
    )
    assert r.status_code == 422 and "d000000000000" in r.json()["message"]

    store = app.state.ctx.store
    docs = store.documents_for_call("default", ["d000000000000", did], [])
    assert [(d.document_id, d.name, d.tags) for d in docs] == [(did, "leaflet", ("cardiology",))]
    assert store.documents_for_call("other", [did], ["cardiology"]) == []
    assert api_key(app)  # the key helper still works on this app
