"""What the readers' tests share."""
from __future__ import annotations

import pytest

from rag.ingest.readers import safe


@pytest.fixture
def no_parsing(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the parser must not run on this file")

    monkeypatch.setattr(safe, "read_isolated", refuse)
    monkeypatch.setattr(safe, "read_bytes", refuse)
