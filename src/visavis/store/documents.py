"""Documents: the knowledge base of a tenant, stored parsed (Markdown text), one per upload."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from .core import ConflictError, StoreCore, check_fields, owned
from .models import StoredDocument

if TYPE_CHECKING:
    from visavis.mind.knowledge import Document

#: Fields a PATCH may change; the content (and so its hash and text) never changes.
DOCUMENT_FIELDS = frozenset({"document_name", "tags"})
#: The optional fields of a new document.
_CREATE_FIELDS = frozenset({"tags", "document_url", "callback_url", "status", "document_id"})


class DocumentMixin(StoreCore):
    def create_document(
        self,
        tenant_id: str,
        document_name: str,
        text: str,
        /,
        *,
        sha256: str,
        size: int,
        source_type: str,
        **fields: Any,
    ) -> StoredDocument:
        """A new document; ``fields`` are ``tags``, ``document_url``, ``callback_url``, ``status``
        ("ready") and ``document_id`` (minted when not given). Raises ``ConflictError`` naming
        the tenant's document with the same ``sha256``."""
        check_fields(fields, _CREATE_FIELDS)
        row = StoredDocument(
            tenant_id=tenant_id,
            document_name=document_name,
            text=text,
            sha256=sha256,
            size=size,
            source_type=source_type,
            created_at=self.clock(),
            **{"tags": [], "status": "ready", **fields},
        )
        row.document_id = row.document_id or StoredDocument.new_id()
        row.tags = list(row.tags)
        try:
            with self._tx() as s:
                _refuse_duplicate(s, tenant_id, sha256)
                s.add(row)
        except IntegrityError:
            # Another request stored the same bytes between the check and the insert.
            existing = self.find_document_by_sha256(tenant_id, sha256)
            if existing is None:
                raise
            raise _duplicate(existing.document_id) from None
        return row

    def find_document_by_sha256(self, tenant_id: str, sha256: str) -> StoredDocument | None:
        """The tenant's document whose upload had this SHA-256, if any (text not loaded)."""
        query = (
            select(StoredDocument)
            .options(defer(StoredDocument.text, raiseload=True))
            .where(StoredDocument.tenant_id == tenant_id, StoredDocument.sha256 == sha256)
        )
        with self._tx() as s:
            return s.scalars(query).first()

    def get_document(self, tenant_id: str, document_id: str) -> StoredDocument:
        with self._tx() as s:
            return owned(s, StoredDocument, tenant_id, document_id)

    def list_documents(
        self, tenant_id: str, *, tag: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[StoredDocument]:
        """Newest first, without their text (reading ``text`` on these rows raises);
        ``tag`` keeps the documents carrying it."""
        query = (
            select(StoredDocument)
            .options(defer(StoredDocument.text, raiseload=True))
            .where(StoredDocument.tenant_id == tenant_id)
            .order_by(StoredDocument.created_at.desc(), StoredDocument.document_id)
        )
        with self._tx() as s:
            if tag is None:
                return list(s.scalars(query.limit(limit).offset(offset)))
            # Tags are a JSON list, which SQLite and PostgreSQL query differently; a tenant's
            # documents are few, so filter here.
            rows = [r for r in s.scalars(query) if tag in (r.tags or [])]
            return rows[offset : offset + limit]

    def update_document(
        self, tenant_id: str, document_id: str, /, **changes: Any
    ) -> StoredDocument:
        """Replace the given fields, any of ``DOCUMENT_FIELDS``."""
        check_fields(changes, DOCUMENT_FIELDS)
        if "tags" in changes:
            changes["tags"] = list(changes["tags"])
        with self._tx() as s:
            row = owned(s, StoredDocument, tenant_id, document_id)
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = self.clock()
            return row

    def delete_document(self, tenant_id: str, document_id: str) -> None:
        with self._tx() as s:
            s.delete(owned(s, StoredDocument, tenant_id, document_id))

    def documents_for_call(
        self,
        tenant_id: str,
        document_ids: Sequence[str] = (),
        document_tags: Sequence[str] = (),
    ) -> list[Document]:
        """The documents a call draws on: those named by id (in that order; unknown ids and
        other tenants' are skipped), then those carrying any of the tags (newest first), each
        once, as knowledge-base ``Document`` objects."""
        from visavis.mind.knowledge import Document

        wanted = list(dict.fromkeys(document_ids))
        tags = set(document_tags)
        if not wanted and not tags:
            return []
        with self._tx() as s:
            ids: list[str] = []
            if wanted:
                found = set(
                    s.scalars(
                        select(StoredDocument.document_id).where(
                            StoredDocument.tenant_id == tenant_id,
                            StoredDocument.document_id.in_(wanted),
                        )
                    )
                )
                ids = [i for i in wanted if i in found]
            if tags:
                tagged = s.execute(
                    select(StoredDocument.document_id, StoredDocument.tags)
                    .where(StoredDocument.tenant_id == tenant_id)
                    .order_by(StoredDocument.created_at.desc(), StoredDocument.document_id)
                )
                ids += [i for i, t in tagged if tags & set(t or []) and i not in ids]
            if not ids:
                return []
            rows = {
                r.document_id: r
                for r in s.scalars(
                    select(StoredDocument).where(StoredDocument.document_id.in_(ids))
                )
            }
        return [
            Document(
                document_id=r.document_id,
                name=r.document_name,
                tags=tuple(r.tags or ()),
                text=r.text,
                source_type=r.source_type,
            )
            for r in (rows[i] for i in ids)
        ]


def _duplicate(document_id: str) -> ConflictError:
    return ConflictError(f"this content is already stored as document {document_id!r}", document_id)


def _refuse_duplicate(s: Session, tenant_id: str, sha256: str) -> None:
    existing = s.scalar(
        select(StoredDocument.document_id).where(
            StoredDocument.tenant_id == tenant_id, StoredDocument.sha256 == sha256
        )
    )
    if existing is not None:
        raise _duplicate(existing)
