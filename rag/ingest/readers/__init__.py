"""Readers: one module per format, each turning a file's bytes into Blocks in reading order.

`read(path)` picks the reader by extension and checks the file first (size, emptiness). Every failure is a
ReadError carrying a reason a person understands and a hint saying what to do.
"""
from __future__ import annotations

from pathlib import Path

from rag.model import Block


class ReadError(Exception):
    def __init__(self, reason: str, hint: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.reason}. {self.hint}".strip() if self.hint else self.reason


FORMATS = {
    ".txt": "text",
    ".text": "text",
    ".md": "markdown",
    ".markdown": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}


def format_of(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise ReadError(
            f"unsupported file type '{path.suffix or '(none)'}'",
            "convert it to PDF, DOCX, HTML, Markdown or plain text",
        )
    return fmt


def read_bytes(data: bytes, fmt: str) -> list[Block]:
    """Blocks from a file's bytes in the given format (no size checks: see read())."""
    if fmt == "text":
        from rag.ingest.readers.text import read_text
        return read_text(data)
    if fmt == "markdown":
        from rag.ingest.readers.markdown import read_markdown
        return read_markdown(data)
    if fmt == "pdf":
        from rag.ingest.readers.pdf import read_pdf
        return read_pdf(data)
    if fmt == "docx":
        from rag.ingest.readers.docx import read_docx
        return read_docx(data)
    if fmt == "html":
        from rag.ingest.readers.html import read_html
        return read_html(data)
    raise ReadError(f"no reader for format {fmt}")


def check_size(size: int, max_mb: float) -> None:
    if size == 0:
        raise ReadError("the file is empty", "check that it was saved or exported completely")
    if size > max_mb * 1024 * 1024:
        raise ReadError(
            f"the file is {size / 1024 / 1024:.1f} MB, over the {max_mb:g} MB limit",
            "split it, or raise RAG_MAX_FILE_MB",
        )


def ensure_text(blocks: list[Block]) -> list[Block]:
    blocks = [b for b in blocks if b.text and b.text.strip()]
    if not blocks:
        raise ReadError("no text found in the file", "if it is a scan, run OCR on it first and ingest the result")
    return blocks
