"""DOCX reading (rag/ingest/readers/docx.py): styles and order, corrupt files, zip bombs refused before parsing, on
files generated here (python-docx, zipfile)."""
from __future__ import annotations

import os
import re
import time
import zipfile
from pathlib import Path

import pytest

from rag.config import Settings
from rag.ingest.readers import ReadError
from rag.ingest.readers.docx import read_docx
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


def make_docx(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_heading("Annual Review", 0)
    d.add_heading("Scope", level=1)
    d.add_paragraph("This review covers   the year.")
    d.add_paragraph("Collect the data", style="List Number")
    d.add_paragraph("Publish the findings", style="List Number")
    d.add_paragraph("A bullet point", style="List Bullet")
    table = d.add_table(rows=2, cols=2)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"cell {r}{c}"
    d.add_heading("Findings", level=2)
    d.add_paragraph("")  # empty paragraphs are dropped
    d.add_paragraph("The end.")
    d.save(str(path))


def test_docx_styles_and_order(tmp_path):
    path = tmp_path / "review.docx"
    make_docx(path)
    got = [(b.style, b.level, b.text) for b in read_docx(path.read_bytes())]
    assert got == [
        ("heading", 1, "Annual Review"),
        ("heading", 1, "Scope"),
        ("paragraph", 0, "This review covers the year."),
        ("list_item", 0, "1. Collect the data"),
        ("list_item", 0, "2. Publish the findings"),
        ("list_item", 0, "A bullet point"),
        ("paragraph", 0, "cell 00"),
        ("paragraph", 0, "cell 01"),
        ("paragraph", 0, "cell 10"),
        ("paragraph", 0, "cell 11"),
        ("heading", 2, "Findings"),
        ("paragraph", 0, "The end."),
    ]
    fmt, blocks = read_file(path, SETTINGS)  # the same through the child process
    assert fmt == "docx" and [b.text for b in blocks] == [g[2] for g in got]
    assert all(b.page is None for b in blocks)


def test_corrupt_docx(tmp_path):
    path = tmp_path / "broken.docx"
    path.write_bytes(os.urandom(5000))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "not a Word document" in err.value.reason
    with pytest.raises(ReadError) as err:
        read_docx(os.urandom(5000))
    assert "not a Word document" in err.value.reason


def test_docx_zip_bomb_refused_before_parsing(tmp_path, no_parsing):
    path = tmp_path / "bomb.docx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(120):  # 120 MB of zeros, about 120 kB packed
                member.write(chunk)
    assert path.stat().st_size < 1_000_000
    start = time.monotonic()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert time.monotonic() - start < 2
    assert re.fullmatch(r"the DOCX expands to 120 MB \(a zip bomb or a damaged file\)", err.value.reason)


def test_docx_lying_central_directory_refused(tmp_path, no_parsing):
    path = tmp_path / "liar.docx"
    make_docx(path)
    data = bytearray(path.read_bytes())
    # claim that word/document.xml unzips to 3.5 GB, in the central directory entry (uncompressed size at +24)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = int.from_bytes(data[at + 28:at + 30], "little")
        if data[at + 46:at + 46 + name_len] == b"word/document.xml":
            data[at + 24:at + 28] = (3_500 * 1024 * 1024).to_bytes(4, "little")
        at = data.find(b"PK\x01\x02", at + 4)
    path.write_bytes(bytes(data))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason.startswith("the DOCX expands to 35") and "zip bomb" in err.value.reason
