"""The composers' one interface (rag/answer/compose/__init__.py): `compose(request) -> Draft`, and `stream(request)`
yielding text then returning the Draft."""
from __future__ import annotations

from rag.answer.compose import Composer, Request, drain
from rag.answer.compose.extractive import Extractive
from rag.model import Draft


def test_a_composer_that_writes_in_one_go_streams_nothing_and_returns_its_draft(request_for):
    request = request_for("Since when has Liu Xia been under house arrest?")
    chunks, draft = drain(Extractive().stream(request))
    assert chunks == [] and draft == Extractive().compose(request)


def test_a_composer_that_streams_gives_the_same_draft_to_compose():
    class Streaming(Composer):
        def stream(self, request):
            yield "Some "
            yield "text [1]."
            return Draft(text="Some text [1].", quotes={1: "Some text."})

    request = Request("q", [], None)
    chunks, draft = drain(Streaming().stream(request))
    assert "".join(chunks) == draft.text and Streaming().compose(request) == draft
