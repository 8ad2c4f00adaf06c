"""PDF reading (rag/ingest/readers/pdf.py): columns, pages and page numbers, encrypted, truncated, mislabelled and
image-only files, on PDFs generated here (reportlab)."""
from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from rag.config import Settings
from rag.model import Block
from rag.ingest.readers import ReadError
from rag.ingest.readers.pdf import read_pdf
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


def tokens(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]+\d+", text)


def in_order(found: list[str], expected: list[str]) -> bool:
    """Every expected token is there, and they come in the expected order."""
    positions = {t: i for i, t in reversed(list(enumerate(found)))}
    return all(t in positions for t in expected) and [positions[t] for t in expected] == sorted(
        positions[t] for t in expected)


def two_column_pdf(path: Path) -> dict[str, list[str]]:
    """Two A4 pages in two columns, each line drawn left then right (so the content stream interleaves the
    columns line by line). Paragraph B runs from the bottom of page 1's left column into its right column;
    paragraph C from page 1's right column onto page 2's left column. A full-width title tops each page and a
    centred page number ends it."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    width, height = A4
    margin, gutter, per_column = 50, 30, 30
    column = (width - 2 * margin - gutter) / 2
    words = {"A": 110, "B": 120, "C": 150, "D": 150}
    paragraphs = {tag: [f"{tag.lower()}word{i}" for i in range(n)] for tag, n in words.items()}
    lines: list[str] = []
    for tag, ws in paragraphs.items():
        lines += simpleSplit(" ".join(ws), "Helvetica", 10, column) + [""]
    columns = [lines[i:i + per_column] for i in range(0, len(lines), per_column)]
    assert len(columns) == 4, "the fixture must fill two pages of two columns"
    c = canvas.Canvas(str(path), pagesize=A4)
    for page in range(2):
        c.setFont("Helvetica-Bold", 14)
        c.drawString(margin, height - 50, f"Annual report title{page + 1}")
        c.setFont("Helvetica", 10)
        left, right = columns[2 * page], columns[2 * page + 1]
        for i in range(per_column):
            y = height - 80 - i * 12
            if i < len(left) and left[i]:
                c.drawString(margin, y, left[i])
            if i < len(right) and right[i]:
                c.drawString(margin + column + gutter, y, right[i])
        c.setFont("Helvetica", 9)
        c.drawCentredString(width / 2, 30, f"page{page + 1}")
        c.showPage()
    c.save()
    return {"columns": [tokens(" ".join(col)) for col in columns], **paragraphs}


def test_two_column_pdf_reads_column_by_column(tmp_path):
    path = tmp_path / "two.pdf"
    layout = two_column_pdf(path)
    left1, right1, left2, right2 = layout["columns"]
    # the fixture is what it claims: B crosses the columns of page 1, C crosses from page 1 to page 2
    assert "bword0" in left1 and layout["B"][-1] in right1
    assert "cword0" in right1 and layout["C"][-1] in left2 + right2

    blocks = read_pdf(path.read_bytes())
    assert [b.page for b in blocks] == [1, 2] and all(b.style == "raw" for b in blocks)
    page1, page2 = tokens(blocks[0].text), tokens(blocks[1].text)
    # the left column whole, then the right column
    assert page1 == ["title1"] + left1 + right1 + ["page1"]
    assert page2 == ["title2"] + left2 + right2 + ["page2"]
    both = page1 + page2
    assert in_order(both, layout["B"]) and in_order(both, layout["C"]) and in_order(both, layout["A"] + layout["D"])
    # lines keep their breaks: one column line per text line
    assert blocks[0].text.splitlines()[1].split() == left1[:len(blocks[0].text.splitlines()[1].split())]

    # plain pypdf extraction interleaves the columns of this file: the reordering is doing the work
    from pypdf import PdfReader
    plain = tokens(PdfReader(path).pages[0].extract_text())
    assert not in_order(plain, layout["B"])


def test_single_column_pdf_pages_and_numbers(tmp_path):
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    path = tmp_path / "single.pdf"
    style = getSampleStyleSheet()["Normal"]

    def footer(canvas, doc):
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(A4[0] / 2, 30, f"Page {doc.page}")

    story = []
    for n in range(1, 4):
        story.append(Paragraph(f"{n}. The committee recommends measure{n} " + "because it helps. " * 30, style))
        story.append(PageBreak())
    SimpleDocTemplate(str(path), pagesize=A4).build(story[:-1], onFirstPage=footer, onLaterPages=footer)

    blocks = read_pdf(path.read_bytes())
    assert [b.page for b in blocks] == [1, 2, 3]
    for n, block in enumerate(blocks, start=1):
        assert f"measure{n}" in block.text and f"Page {n}" in block.text
        assert block.text.count("\n") >= 3  # hard-wrapped lines kept for the paragraph rebuilder
        assert block.text.lstrip().startswith(f"{n}. The committee") or f"\n{n}. The committee" in block.text


def _simple_pdf(text: str = "Confidential findings of the inquiry") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, text)
    c.save()
    return buf.getvalue()


def test_encrypted_pdf(tmp_path):
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_simple_pdf())))
    writer.encrypt(user_password="s3cret", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(ReadError) as err:
        read_pdf(buf.getvalue())
    assert err.value.reason == "the PDF is password-protected"
    assert "remove the password" in err.value.hint

    # restrictions only (an empty user password) open without asking
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_simple_pdf())))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    assert "Confidential findings" in read_pdf(buf.getvalue())[0].text


def test_truncated_pdf(tmp_path):
    path = tmp_path / "cut.pdf"
    data = _simple_pdf()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "PDF is incomplete" in err.value.reason or "damaged" in err.value.reason
    assert err.value.hint


def test_text_named_pdf(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("Just some notes, not a PDF at all.\n")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == "the file is named .pdf but is not a PDF"


def test_image_only_pdf(tmp_path):
    from reportlab.pdfgen import canvas

    path = tmp_path / "scan.pdf"
    c = canvas.Canvas(str(path))
    for page in range(2):
        c.rect(50, 50, 400, 600, fill=1)
        c.rect(100, 100, 50, 50, fill=0)
        c.showPage()
    c.save()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == "the PDF has no text layer (scanned images)"
    assert "OCR" in err.value.hint


def test_read_file_pdf_through_child(tmp_path):
    path = tmp_path / "ok.pdf"
    path.write_bytes(_simple_pdf("Paragraph 12 of the report"))
    fmt, blocks = read_file(path, SETTINGS)
    assert fmt == "pdf" and blocks == [Block(text="Paragraph 12 of the report", page=1, style="raw")]
