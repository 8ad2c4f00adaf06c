"""Plain text: decode whatever encoding it came in, split into pages (form feeds) as raw Blocks."""
from __future__ import annotations

import codecs

from rag.model import Block
from rag.readers import ReadError


def decode(data: bytes) -> str:
    """Bytes -> str without silently dropping anything: BOMs, UTF-16 without BOM, UTF-8, then cp1252."""
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc)
    sample = data[:4000]
    if sample and sample.count(b"\x00") > len(sample) // 4:
        # UTF-16 without a BOM: NULs sit in the high bytes of ASCII characters
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        try:
            return data.decode("utf-16-be" if even_nuls > odd_nuls else "utf-16-le")
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    if not looks_like_text(text):
        raise ReadError("the file is not readable text (it looks like binary data)",
                        "check the file type; export the document as PDF, DOCX or UTF-8 text")
    return text


def looks_like_text(text: str) -> bool:
    sample = text[:20000]
    if not sample:
        return True
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t\f") or 0x7F <= ord(ch) < 0xA0 or ch == "\ufffd")
    return bad / len(sample) < 0.02


def read_text(data: bytes) -> list[Block]:
    text = decode(data).replace("\r\n", "\n").replace("\r", "\n")
    pages = text.split("\f")
    return [Block(text=page, page=(i + 1) if len(pages) > 1 else None, style="raw") for i, page in enumerate(pages)]
