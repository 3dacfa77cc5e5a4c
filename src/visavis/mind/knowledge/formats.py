"""Parsers from each upload format to blocks: headings with a level, and paragraphs.

Only the standard library and pypdf (pure Python) are used, so an upload can never pull a heavy
or native parser into the call's process.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from io import BytesIO
from xml.etree import ElementTree

#: A DOCX is a zip; refuse one whose document.xml inflates past this (a zip bomb).
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024


class DocumentError(ValueError):
    """An upload that cannot become a document; the message is safe to show the uploader."""


@dataclass(frozen=True)
class Block:
    """A heading (level 1-6) or a paragraph (level 0) of a parsed document."""

    text: str
    level: int = 0

    @property
    def is_heading(self) -> bool:
        return self.level > 0


def title_of(blocks: list[Block]) -> str | None:
    """The title: a first heading over the whole document, with subheadings under it.

    A lone heading is a section's name, not a title, and stays in the heading path.
    """
    if not blocks or not blocks[0].is_heading:
        return None
    top = blocks[0].level
    later = [b.level for b in blocks[1:] if b.is_heading]
    if not later or min(later) <= top:
        return None
    return blocks[0].text


_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def parse_plain(text: str) -> list[Block]:
    paragraphs = re.split(r"\n\s*\n", text.replace("\r\n", "\n"))
    return [Block(_clean(p)) for p in paragraphs if _clean(p)]


_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


def _paragraph_ender(blocks: list[Block], lines: list[str]) -> Callable[[], None]:
    """A function that ends the paragraph being gathered in ``lines``: joined, cleaned and
    appended to ``blocks`` (unless empty), then ``lines`` starts afresh."""

    def flush() -> None:
        if lines and _clean(" ".join(lines)):
            blocks.append(Block(_clean(" ".join(lines))))
        lines.clear()

    return flush


def parse_markdown(text: str) -> list[Block]:
    """Headings, paragraphs and list items (each item its own block, so chunks keep them whole)."""
    blocks: list[Block] = []
    lines: list[str] = []
    flush = _paragraph_ender(blocks, lines)

    for line in text.replace("\r\n", "\n").split("\n"):
        heading = _MD_HEADING.match(line)
        if heading:
            flush()
            if heading.group(2).strip():
                blocks.append(Block(heading.group(2).strip(), len(heading.group(1))))
        elif not line.strip():
            flush()
        elif _MD_LIST_ITEM.match(line):
            flush()
            lines.append(line.strip())
        else:
            lines.append(line.strip())
    flush()
    return blocks


class _HTMLBlocks(HTMLParser):
    # Content in these is never prose a patient should be read (menus, code, styling).
    SKIP = frozenset({"script", "style", "nav", "noscript", "template", "head", "svg"})
    # Starting or ending one of these ends the current paragraph.
    BREAKS = frozenset(
        {"p", "li", "div", "section", "article", "blockquote", "pre", "tr", "td", "th", "dt", "dd"}
        | {"ul", "ol", "table", "header", "footer", "main", "br", "hr", "h1", "h2", "h3", "h4"}
        | {"h5", "h6", "title"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title: str | None = None
        self._buffer: list[str] = []
        self._skip_depth = 0
        self._heading = 0
        self._in_title = False
        self._in_item = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip_depth += 1
        if tag in self.BREAKS:
            self._flush()
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._heading = int(tag[1])
        elif tag == "li":
            self._in_item = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self.BREAKS:
            self._flush()
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            self._heading = 0

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title = _clean((self.title or "") + " " + data) or None
        elif not self._skip_depth:
            self._buffer.append(data)

    def _flush(self) -> None:
        text = _clean("".join(self._buffer))
        self._buffer.clear()
        if text:
            prefix = "- " if self._in_item and not self._heading else ""
            self.blocks.append(Block(prefix + text, self._heading))
        self._in_item = False


def parse_html(text: str) -> tuple[list[Block], str | None]:
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    parser._flush()
    return parser.blocks, parser.title


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_HEADING = re.compile(r"^heading\s?([1-6])$", re.IGNORECASE)


def parse_docx(data: bytes, filename: str) -> list[Block]:
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            try:
                info = archive.getinfo("word/document.xml")
            except KeyError:
                raise DocumentError(f"{filename!r} is not a Word document") from None
            if info.file_size > MAX_DOCX_XML_BYTES:
                raise DocumentError(f"{filename!r} inflates past the size limit")
            xml = archive.read(info)
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise DocumentError(f"{filename!r} is corrupt: not a readable .docx file") from exc
    except ElementTree.ParseError as exc:
        raise DocumentError(f"{filename!r} is corrupt: {exc}") from exc

    blocks: list[Block] = []
    for paragraph in root.iter(f"{_W}p"):
        style = paragraph.find(f"{_W}pPr/{_W}pStyle")
        style_id = style.get(f"{_W}val", "") if style is not None else ""
        heading = _DOCX_HEADING.match(style_id)
        level = int(heading.group(1)) if heading else 1 if style_id.lower() == "title" else 0
        pieces: list[str] = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t":
                pieces.append(node.text or "")
            elif node.tag in (f"{_W}tab", f"{_W}br", f"{_W}cr"):
                pieces.append(" ")
        text = _clean("".join(pieces))
        if text:
            blocks.append(Block(text, level))
    return blocks


#: A line this short, without a closing full stop, above body text, is taken for a heading.
PDF_HEADING_MAX_WORDS = 8
_PDF_HYPHEN = re.compile(r"(\w)-\n(\w)")
_SENTENCE_END_CHARS = (".", ",", ";", ":", "!", "?")


def _pdf_page_blocks(text: str) -> list[Block]:
    """One page's extracted text as blocks.

    A PDF has no paragraphs, only positioned lines: a blank line ends a paragraph, and a short
    line that does not end like a sentence, in Title Case or capitals, is a heading (level 2),
    so the chunker still gets sections to name passages by.
    """
    text = _PDF_HYPHEN.sub(r"\1\2", text.replace("\r\n", "\n"))
    blocks: list[Block] = []
    lines: list[str] = []
    flush = _paragraph_ender(blocks, lines)

    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            flush()
            continue
        words = line.split()
        looks_heading = (
            len(words) <= PDF_HEADING_MAX_WORDS
            and not line.endswith(_SENTENCE_END_CHARS)
            and any(c.isalpha() for c in line)
            and (line.isupper() or line.istitle())
        )
        if looks_heading and not _MD_LIST_ITEM.match(line):
            flush()
            blocks.append(Block(_clean(line), 2))
        else:
            lines.append(line)
    flush()
    return blocks


def parse_pdf(data: bytes, filename: str) -> list[Block]:
    """Text PDFs, page by page; a DocumentError for encrypted, corrupt or image-only files."""
    from pypdf import PdfReader  # imported here: only PDF uploads pay for it
    from pypdf.errors import PdfReadError

    if not data.lstrip()[:5] == b"%PDF-":
        raise DocumentError(f"{filename!r} is corrupt: not a PDF file")
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are "encrypted" with an empty password just to set permissions; those
            # open. A real password is something the uploader must remove.
            try:
                opened = reader.decrypt("")
            except Exception:  # pypdf raises several types for unsupported encryption
                opened = 0
            if not opened:
                raise DocumentError(
                    f"{filename!r} is password-protected; upload a copy without a password"
                )
        pages = [page.extract_text() or "" for page in reader.pages]
    except DocumentError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise DocumentError(f"{filename!r} is corrupt: not a readable PDF ({exc})") from exc
    if not any(page.strip() for page in pages):
        raise DocumentError(
            f"{filename!r} has no extractable text (a scanned or image-only PDF?); "
            "upload a text PDF or the original document"
        )
    return [block for page in pages for block in _pdf_page_blocks(page)]
