from __future__ import annotations

import io
import zipfile

import pytest

from visavis.mind.knowledge import MAX_BYTES, Document, DocumentError, parse_document
from visavis.mind.knowledge.formats import Block

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def make_docx(paragraphs: list[tuple[str | None, str]]) -> bytes:
    """A minimal .docx: only word/document.xml matters to the parser."""
    body = []
    for style, text in paragraphs:
        props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>' if style else ""
        body.append(f"<w:p>{props}<w:r><w:t>{text}</w:t></w:r></w:p>")
    xml = (
        f'<?xml version="1.0"?><w:document xmlns:w="{W}">'
        f"<w:body>{''.join(body)}</w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", xml)
    return buffer.getvalue()


def test_plain_text_paragraphs() -> None:
    parsed = parse_document(b"First line\nstill first.\n\nSecond paragraph.\n", "notes.txt", None)
    assert parsed.source_type == "text"
    assert parsed.blocks == (Block("First line still first."), Block("Second paragraph."))


def test_markdown_headings_lists_and_title() -> None:
    data = (
        b"# Leaflet\n\nIntro.\n\n## Diet\n\n- Less salt\n- Fewer chips\n\n### Fluids\nDrink less.\n"
    )
    parsed = parse_document(data, "leaflet.md", "text/markdown; charset=utf-8")
    assert parsed.source_type == "markdown"
    assert parsed.title == "Leaflet"
    assert [b.level for b in parsed.blocks] == [1, 0, 2, 0, 0, 3, 0]
    assert "## Diet" in parsed.text
    assert "- Fewer chips" in parsed.text


def test_html_drops_scripts_and_navigation() -> None:
    html = b"""<html><head><title>Care at home</title><style>p{color:red}</style></head>
    <body><nav><a href="/">Home</a> | <a href="/about">About</a></nav>
    <h1>Diet</h1><p>Eat less <b>salt</b>.</p><script>alert("x")</script>
    <ul><li>No chips</li><li>No soup</li></ul><h2>Fluids</h2><p>2 liters &amp; no more.</p>
    </body></html>"""
    parsed = parse_document(html, "care.html", "text/html")
    assert parsed.title == "Care at home"
    assert parsed.blocks == (
        Block("Diet", 1),
        Block("Eat less salt."),
        Block("- No chips"),
        Block("- No soup"),
        Block("Fluids", 2),
        Block("2 liters & no more."),
    )
    assert "alert" not in parsed.text and "About" not in parsed.text


def test_docx_heading_styles() -> None:
    data = make_docx(
        [
            ("Heading1", "Medications"),
            (None, "Take them daily."),
            ("Heading2", "Water pill"),
            ("Normal", "Furosemide 40 mg."),
        ]
    )
    parsed = parse_document(data, "discharge.docx", None)
    assert parsed.source_type == "docx"
    assert parsed.blocks == (
        Block("Medications", 1),
        Block("Take them daily."),
        Block("Water pill", 2),
        Block("Furosemide 40 mg."),
    )


def test_document_from_upload_ids_and_name() -> None:
    data = b"# Discharge\n\n## Weight\n\nWeigh yourself daily.\n"
    first = Document.from_upload(data, "discharge.md", tags=["hf"])
    again = Document.from_upload(data, "copy.md")
    assert first.document_id == again.document_id  # same content, same id
    assert first.name == "Discharge"
    assert first.tags == ("hf",)
    named = Document.from_upload(b"Just text.", "notes.txt", document_id="d1", name="Notes")
    assert (named.document_id, named.name, named.source_type) == ("d1", "Notes", "text")


@pytest.mark.parametrize(
    ("data", "filename", "content_type", "message"),
    [
        (b"%PDF-1.7 ...", "leaflet.pdf", "application/pdf", "corrupt"),
        (b"<html>not a pdf</html>", "leaflet.pdf", None, "not a PDF"),
        (b"MZ\x90\x00", "setup.exe", "application/octet-stream", "unsupported document type"),
        (b"PK\x03\x04 not really a zip", "broken.docx", None, "corrupt"),
        (b"\xff\xd8\xff\xe0 jpeg bytes \x81", "photo.txt", None, "not UTF-8"),
        (b"", "empty.md", None, "empty"),
        (b"  \n\n \t", "blank.txt", None, "empty"),
        (b"# Only a heading\n\n## And another\n", "headings.md", None, "no text"),
    ],
)
def test_errors(data: bytes, filename: str, content_type: str | None, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        parse_document(data, filename, content_type)


def test_docx_without_document_xml() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DocumentError, match="not a Word document"):
        parse_document(buffer.getvalue(), "odd.docx", None)


def test_docx_with_broken_xml() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    with pytest.raises(DocumentError, match="corrupt"):
        parse_document(buffer.getvalue(), "odd.docx", None)


def test_size_limit() -> None:
    with pytest.raises(DocumentError, match="limit is 10 MiB"):
        parse_document(b"a" * (MAX_BYTES + 1), "huge.txt", "text/plain")
