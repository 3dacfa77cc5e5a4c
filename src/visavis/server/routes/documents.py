"""``/v1/documents``: the knowledge base, uploaded as a file or fetched from a URL.

A document is parsed when it arrives (text, Markdown, HTML, DOCX...) and stored as Markdown, so
it is ``ready`` in the response: there is no processing queue. The same bytes twice within a
tenant are refused (409) with the id of the document they already are.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from visavis import egress
from visavis.mind.knowledge import MAX_BYTES, Document, DocumentError
from visavis.mind.knowledge.documents import detect_type
from visavis.server.errors import ApiError, not_found
from visavis.server.routes.deps import ApiCaller, Ctx
from visavis.server.routes.patching import apply_patch, validated
from visavis.server.schemas.knowledge import (
    DocumentChanges,
    DocumentDetail,
    DocumentFromUrl,
    DocumentView,
)
from visavis.server.schemas.resources import Page, PatchOp
from visavis.store import ConflictError, NotFoundError, StoredDocument

router = APIRouter(prefix="/v1/documents", tags=["documents"])
#: The body limit of an upload (``BodySizeLimit``'s route exception): a document of up to
#: ``MAX_BYTES`` and its multipart form around it; the server's ``--max-body`` is for the rest.
UPLOAD_MAX_BODY = MAX_BYTES + (64 << 10)
UPLOAD_ROUTE = ("POST", "/v1/documents")
HINT = "list them with GET /v1/documents"
#: How long a document URL may take to answer, and how many redirects it may send.
FETCH_TIMEOUT = 10.0
MAX_REDIRECTS = 5


@dataclass
class Upload:
    """The bytes of a new document and what the request said about them."""

    data: bytes
    filename: str
    content_type: str | None
    name: str | None
    tags: list[str]
    url: str | None = None
    callback_url: str | None = None


def render(row: StoredDocument, detail: bool = False) -> DocumentView:
    fields = {
        name: getattr(row, name)
        for name in DocumentView.model_fields
        if name not in ("uuid", "text")
    }
    fields["uuid"] = row.document_id
    if detail:
        return DocumentDetail(**fields, text=row.text)
    return DocumentView(**fields)


def too_large(what: str) -> ApiError:
    return ApiError(
        413,
        "document_too_large",
        f"{what} is over the {MAX_BYTES // 1048576} MiB document limit; split it or trim it",
    )


async def fetch(url: str) -> tuple[bytes, str | None]:
    """The body and content type at ``url``; a 422 saying why when it cannot be had."""
    try:
        async with (
            httpx.AsyncClient(
                transport=egress.async_transport(),
                timeout=FETCH_TIMEOUT,
                follow_redirects=True,
                max_redirects=MAX_REDIRECTS,
            ) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code >= 400:
                raise ApiError(
                    422,
                    "document_unreachable",
                    f"could not fetch {url}: it answered HTTP {response.status_code}",
                )
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BYTES:
                raise too_large(url)
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > MAX_BYTES:
                    raise too_large(url)
            return bytes(body), response.headers.get("content-type")
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        raise ApiError(422, "document_unreachable", f"could not fetch {url}: {reason}") from None


def _filename(url: str) -> str:
    name = PurePosixPath(unquote(urlsplit(url).path)).name
    return name or "document"


def _form_tags(values: list[Any]) -> list[str]:
    """Tags from a form: repeated ``tags`` fields, a JSON list, or comma-separated."""
    tags: list[str] = []
    for value in values:
        if not isinstance(value, str):
            raise ApiError(422, "invalid_request", "fix the request: tags must be text")
        value = value.strip()
        if value.startswith("["):
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = None
            if not isinstance(parsed, list) or not all(isinstance(t, str) for t in parsed):
                raise ApiError(
                    422, "invalid_request", "fix the request: tags must be a JSON list of text"
                )
            tags += parsed
        else:
            tags += [t.strip() for t in value.split(",") if t.strip()]
    return tags


async def from_form(request: Request) -> Upload:
    try:
        form = await request.form(max_files=1, max_fields=50)
    except Exception as exc:  # starlette's 400 or python-multipart's own errors
        detail = getattr(exc, "detail", None) or exc
        raise ApiError(
            422, "invalid_request", f"fix the request: bad multipart body ({detail})"
        ) from None
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ApiError(
            422,
            "invalid_request",
            "fix the request: send the document as the multipart field 'file', "
            "or JSON with document_url",
        )
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large(repr(file.filename))
    name = form.get("document_name") or None
    try:
        checked = DocumentFromUrl.model_validate(
            {
                "document_url": "http://upload.invalid/",
                "document_name": name,
                "tags": _form_tags(form.getlist("tags")),
            }
        )
    except ValidationError as exc:
        raise _invalid(exc) from None
    return Upload(
        data, file.filename or "document", file.content_type, checked.document_name, checked.tags
    )


async def from_json(request: Request) -> Upload:
    try:
        body = DocumentFromUrl.model_validate_json(await request.body())
    except ValidationError as exc:
        raise _invalid(exc) from None
    url = str(body.document_url)  # HttpUrl: http or https only
    data, content_type = await fetch(url)
    return Upload(
        data,
        _filename(url),
        content_type,
        body.document_name,
        body.tags,
        url=url,
        callback_url=str(body.callback_url) if body.callback_url else None,
    )


def _invalid(exc: ValidationError) -> ApiError:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
    )
    return ApiError(422, "invalid_request", f"fix the request: {problems}")


def parse(upload: Upload, document_id: str) -> Document:
    """The upload parsed; 415 for a type the knowledge base cannot read, 422 for a broken one."""
    try:
        detect_type(upload.filename, upload.content_type)
    except DocumentError as exc:
        raise ApiError(415, "unsupported_document_type", str(exc)) from None
    try:
        return Document.from_upload(
            upload.data,
            upload.filename,
            upload.content_type,
            document_id=document_id,
            name=upload.name,
            tags=upload.tags,
        )
    except DocumentError as exc:
        raise ApiError(422, "invalid_document", str(exc)) from None


_UPLOAD_SCHEMA = {
    "type": "object",
    "required": ["file"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "document_name": {"type": "string", "maxLength": 200},
        "tags": {"type": "array", "items": {"type": "string", "maxLength": 64}},
    },
}
_BODIES = {
    "required": True,
    "content": {
        "multipart/form-data": {"schema": _UPLOAD_SCHEMA},
        "application/json": {"schema": DocumentFromUrl.model_json_schema()},
    },
}


@router.post(
    "",
    status_code=201,
    response_model=DocumentView,
    openapi_extra={"requestBody": _BODIES},
)
async def create_document(request: Request, ctx: Ctx, caller: ApiCaller) -> Any:
    """Multipart (``file``, ``document_name``, ``tags``) or JSON (``document_url``,
    ``document_name``, ``tags``, ``callback_url``)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        upload = await from_form(request)
    elif kind == "application/json":
        upload = await from_json(request)
    else:
        raise ApiError(
            415,
            "unsupported_media_type",
            "send multipart/form-data with a 'file' field, or application/json with "
            f"document_url (got {kind or 'no content type'})",
        )
    if len(upload.data) > MAX_BYTES:
        raise too_large(repr(upload.filename))
    sha256 = hashlib.sha256(upload.data).hexdigest()
    existing = await asyncio.to_thread(ctx.store.find_document_by_sha256, caller.tenant_id, sha256)
    if existing is not None:
        raise _conflict(existing.document_id)
    document = await asyncio.to_thread(parse, upload, StoredDocument.new_id())
    try:
        row = await asyncio.to_thread(
            ctx.store.create_document,
            caller.tenant_id,
            document.name[:200],
            document.text,
            sha256=sha256,
            size=len(upload.data),
            source_type=document.source_type,
            document_id=document.document_id,
            tags=list(document.tags),
            document_url=upload.url,
            callback_url=upload.callback_url,
        )
    except ConflictError as exc:
        raise _conflict(exc.existing_id) from None
    return render(row)


def _conflict(document_id: str) -> ApiError:
    return ApiError(
        409,
        "duplicate_document",
        f"this content is already stored as document {document_id!r}; "
        f"change its name or tags with PATCH /v1/documents/{document_id}",
    )


@router.get("", response_model=Page[DocumentView])
async def list_documents(
    ctx: Ctx, caller: ApiCaller, tag: str | None = Query(None, max_length=64)
) -> Any:
    rows = await asyncio.to_thread(ctx.store.list_documents, caller.tenant_id, tag=tag)
    return {"data": [render(r) for r in rows], "total": len(rows)}


async def _get(ctx: Any, tenant_id: str, document_id: str) -> StoredDocument:
    try:
        return await asyncio.to_thread(ctx.store.get_document, tenant_id, document_id)
    except NotFoundError:
        raise not_found("document", document_id, HINT) from None


@router.get("/{document_id}", response_model=DocumentDetail)
async def get_document(document_id: str, ctx: Ctx, caller: ApiCaller) -> Any:
    return render(await _get(ctx, caller.tenant_id, document_id), detail=True)


@router.patch("/{document_id}", response_model=DocumentView)
async def patch_document(
    document_id: str, changes: list[PatchOp] | dict[str, Any], ctx: Ctx, caller: ApiCaller
) -> Any:
    """JSON-Patch operations, or an object with ``document_name`` and/or ``tags``."""
    row = await _get(ctx, caller.tenant_id, document_id)
    current = {"document_name": row.document_name, "tags": list(row.tags or [])}
    if isinstance(changes, list):
        fixed = set(DocumentView.model_fields) - set(current)
        body = validated(DocumentChanges, apply_patch(current, changes, fixed))
    else:
        body = validated(DocumentChanges, {**current, **changes})
    try:
        updated = await asyncio.to_thread(
            ctx.store.update_document, caller.tenant_id, document_id, **body.model_dump()
        )
    except NotFoundError:
        raise not_found("document", document_id, HINT) from None
    return render(updated)


@router.delete("/{document_id}", status_code=204)
async def delete_document(document_id: str, ctx: Ctx, caller: ApiCaller) -> Response:
    try:
        await asyncio.to_thread(ctx.store.delete_document, caller.tenant_id, document_id)
    except NotFoundError:
        raise not_found("document", document_id, HINT) from None
    return Response(status_code=204)
