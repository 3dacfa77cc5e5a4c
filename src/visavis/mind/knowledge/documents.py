"""Documents for the knowledge base, and parsing uploads into one canonical form.

Every format (plain text, Markdown, HTML, DOCX, PDF) is parsed into a list of blocks (headings
with a level, and paragraphs) and stored as Markdown text: one form for the chunker to read, easy
to show to a person, and the same whatever the upload was (the parsers are in ``formats``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import PurePath

from visavis.mind.knowledge.formats import (
    Block,
    DocumentError,
    parse_docx,
    parse_html,
    parse_markdown,
    parse_pdf,
    parse_plain,
    title_of,
)

#: Uploads larger than this are refused before any parsing: a discharge leaflet is a few KiB.
MAX_BYTES = 10 * 1024 * 1024

SOURCE_TYPES = ("text", "markdown", "html", "docx", "pdf")

_CONTENT_TYPES = {
    "text/plain": "text",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/pdf": "pdf",
}
_EXTENSIONS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".htm": "html",
    ".html": "html",
    ".docx": "docx",
    ".pdf": "pdf",
}


@dataclass(frozen=True)
class ParsedDocument:
    source_type: str
    blocks: tuple[Block, ...]
    title: str | None = None

    @property
    def text(self) -> str:
        """The document as Markdown: '#' headings and blank-line separated paragraphs."""
        parts = [("#" * b.level + " " + b.text) if b.is_heading else b.text for b in self.blocks]
        return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class Document:
    """A document in the knowledge base; ``text`` is Markdown (see ``ParsedDocument.text``)."""

    document_id: str
    name: str
    tags: tuple[str, ...]
    text: str
    source_type: str = "markdown"

    @classmethod
    def from_upload(
        cls,
        data: bytes,
        filename: str,
        content_type: str | None = None,
        *,
        document_id: str | None = None,
        name: str | None = None,
        tags: tuple[str, ...] | list[str] = (),
    ) -> Document:
        parsed = parse_document(data, filename, content_type)
        # A content hash as the default id: uploading the same file twice replaces, not doubles.
        doc_id = document_id or "doc-" + hashlib.sha256(data).hexdigest()[:16]
        return cls(
            document_id=doc_id,
            name=name or parsed.title or PurePath(filename).stem or doc_id,
            text=parsed.text,
            tags=tuple(tags),
            source_type=parsed.source_type,
        )


def detect_type(filename: str, content_type: str | None) -> str:
    """The source type from the content type, else the file extension."""
    if content_type:
        base = content_type.split(";")[0].strip().lower()
        if base in _CONTENT_TYPES:
            return _CONTENT_TYPES[base]
    ext = PurePath(filename).suffix.lower()
    if ext in _EXTENSIONS:
        return _EXTENSIONS[ext]
    # A generic content type (browsers often send application/octet-stream) was not decisive,
    # and the extension is not one we read either.
    raise DocumentError(
        f"unsupported document type for {filename!r} ({content_type or 'no content type'}); "
        "supported: .txt, .md, .html, .docx, .pdf"
    )


def parse_document(data: bytes, filename: str, content_type: str | None = None) -> ParsedDocument:
    """Parse an upload into headings and paragraphs, or raise DocumentError saying why not."""
    if len(data) > MAX_BYTES:
        raise DocumentError(
            f"{filename!r} is {len(data) / 1048576:.1f} MiB; "
            f"the limit is {MAX_BYTES // 1048576} MiB"
        )
    kind = detect_type(filename, content_type)
    if not data.strip():
        raise DocumentError(f"{filename!r} is empty")
    if kind == "docx":
        blocks, title = parse_docx(data, filename), None
    elif kind == "pdf":
        blocks, title = parse_pdf(data, filename), None
    else:
        text = _decode(data, filename)
        if kind == "html":
            blocks, title = parse_html(text)
        elif kind == "markdown":
            blocks, title = parse_markdown(text), None
        else:
            blocks, title = parse_plain(text), None
    if not any(not b.is_heading for b in blocks):
        raise DocumentError(f"{filename!r} has no text to answer questions from")
    # HTML may have a <title>; otherwise a top heading over all the others is the title.
    return ParsedDocument(kind, tuple(blocks), title or title_of(blocks))


def _decode(data: bytes, filename: str) -> str:
    # UTF-8 (with or without BOM) or BOM-marked UTF-16; guessing legacy code pages silently
    # corrupts text, so anything else is an error the uploader can fix by re-saving.
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise DocumentError(f"{filename!r} is not UTF-8 text (byte {exc.start})") from exc
    if "\x00" in text:
        raise DocumentError(f"{filename!r} looks binary, not text")
    return text
