"""Safe file reading (rag/ingest/readers/safe.py): binary, empty, oversized and unsupported files refused with a
message, and the parse in a child process with a time and memory limit."""
from __future__ import annotations

import os
import sys
import time

import pytest

from rag.config import Settings
from rag.ingest.readers import ReadError
from rag.ingest.readers.safe import read_file


SETTINGS = Settings()


def test_binary_named_txt(tmp_path):
    path = tmp_path / "data.txt"
    path.write_bytes(bytes(range(256)) * 20 + os.urandom(3000))
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "not readable text" in err.value.reason


@pytest.mark.parametrize("name,content,reason", [
    ("empty.txt", b"", "the file is empty"),
    ("blank.txt", b"  \n\t\n   \n", "no text found in the file"),
    ("blank.md", b"\n\n   \n", "no text found in the file"),
    ("empty.pdf", b"", "the file is empty"),
])
def test_empty_files(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert err.value.reason == reason


def test_size_cap(tmp_path, no_parsing):
    path = tmp_path / "big.pdf"
    path.write_bytes(b"%PDF-1.4\n" + b"x" * 20_000)
    with pytest.raises(ReadError) as err:
        read_file(path, Settings(max_file_mb=0.01))
    assert "over the 0.01 MB limit" in err.value.reason and "RAG_MAX_FILE_MB" in err.value.hint


def test_unsupported_type(tmp_path):
    path = tmp_path / "sheet.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS)
    assert "unsupported file type '.xlsx'" in err.value.reason


def test_parse_timeout(tmp_path):
    path = tmp_path / "slow.html"
    path.write_text("<p>" + "words " * 1000 + "</p>")
    start = time.monotonic()
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS.model_copy(update={"parse_timeout_s": 0.05}))
    assert err.value.reason == "reading the file took longer than 0.05 s"
    assert time.monotonic() - start < 3


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS is enforced on Linux")
def test_parse_memory_cap(tmp_path):
    path = tmp_path / "huge.html"
    path.write_text("<html><body>" + "<p>word</p>" * 250_000 + "</body></html>")
    with pytest.raises(ReadError) as err:
        read_file(path, SETTINGS.model_copy(update={"parse_memory_mb": 100}))
    assert err.value.reason == "reading the file needed more than 100 MB of memory"
