"""What the composers' tests share."""
from __future__ import annotations

import pytest

from rag.answer.compose import Request


@pytest.fixture
def request_for(corpus_assistant):
    """A question's composer request on the bundled corpus: its evidence as retrieved, read by the reader."""
    def make(question: str) -> Request:
        evidence = corpus_assistant.retriever.retrieve(question)
        return Request(question, evidence, corpus_assistant.reading(question, evidence))
    return make
