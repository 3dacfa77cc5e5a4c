"""PDF uploads: real PDFs written with pypdf (text, encrypted, image-only) and corrupt bytes."""

from __future__ import annotations

from io import BytesIO

import pytest
from pypdf import PdfWriter
from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

from visavis.mind.knowledge import Document, DocumentError, KnowledgeBase, parse_document


def make_pdf(pages: list[list[str]], password: str | None = None) -> bytes:
    """A real PDF: each page shows its lines in Helvetica, one under the other."""
    writer = PdfWriter()
    for lines in pages:
        page = writer.add_blank_page(612, 792)
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
        fonts = DictionaryObject({NameObject("/F1"): writer._add_object(font)})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        ops = ["BT /F1 11 Tf 72 740 Td 14 TL"]
        for line in lines:
            escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({escaped}) Tj T*")
        ops.append("ET")
        stream = DecodedStreamObject()
        stream.set_data("\n".join(ops).encode("latin-1"))
        page[NameObject("/Contents")] = writer._add_object(stream)
    if password:
        writer.encrypt(password)
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


LEAFLET = [
    [
        "Water Pill",
        "Take 40 mg of furosemide every",
        "morning with breakfast.",
        "Salt",
        "Eat no more than 2 grams of salt a day.",
    ],
    ["Exercise", "Walk for 10 minutes twice a day."],
]


def test_text_pdf_becomes_sections_across_pages() -> None:
    parsed = parse_document(make_pdf(LEAFLET), "leaflet.pdf", "application/pdf")
    assert parsed.source_type == "pdf"
    assert parsed.text == (
        "## Water Pill\n\nTake 40 mg of furosemide every morning with breakfast.\n\n"
        "## Salt\n\nEat no more than 2 grams of salt a day.\n\n"
        "## Exercise\n\nWalk for 10 minutes twice a day.\n"
    )


def test_pdf_document_is_searchable() -> None:
    document = Document.from_upload(make_pdf(LEAFLET), "leaflet.pdf")
    kb = KnowledgeBase([document], embeddings=False)
    passages = kb.search("how much furosemide do I take", strategy="speed")
    assert passages and passages[0].heading == "Water Pill"


def test_pdf_with_an_empty_owner_password_still_opens() -> None:
    writer_bytes = make_pdf([["Daily Weight", "Weigh yourself every morning."]], password="")
    parsed = parse_document(writer_bytes, "weight.pdf")
    assert "Weigh yourself every morning." in parsed.text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (make_pdf([["Private notes about the patient."]], password="s3cret"), "password"),
        (make_pdf([[]]), "no extractable text"),  # what a scanned, image-only PDF looks like
        (make_pdf(LEAFLET)[:400], "corrupt"),  # a truncated upload
        (b"%PDF-1.7\n1 0 obj garbage", "corrupt"),
        (b"GIF89a not a pdf", "not a PDF"),
    ],
)
def test_unreadable_pdfs_raise_document_error(data: bytes, message: str) -> None:
    with pytest.raises(DocumentError, match=message):
        parse_document(data, "upload.pdf", "application/pdf")
