"""Composers turn the evidence for a question into a Draft: Markdown with [n] markers, n = Evidence.n.

Every composer has the same interface: `stream(request)` yields the text as it is written and returns the Draft
(a composer that writes in one go yields nothing); `compose(request)` returns the Draft alone.
- extractive.py (default, no model): the documents' own sentences, each attributed and cited, or an honest refusal;
- both_sides.py: when the sources disagree, each position with its own citations;
- llm.py (optional): an OpenAI-compatible model writes the answer, with the draft of one of the above as its
  fallback.
No composer checks citations: the chain runs the one check (rag/answer/cite.py `finalize`) on whatever draft comes out.
"""
from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from rag.model import Draft, Evidence, Position
from rag.answer.reading import Reading


@dataclass
class Request:
    """What a composer is given."""

    question: str  # as resolved: a follow-up already made to stand alone
    evidence: list[Evidence]  # numbered, best first
    reading: Reading  # every sentence of the evidence scored, and whether the documents answer at all
    positions: list[Position] = field(default_factory=list)  # what each source says, where two or more answer
    disagreement: bool = False  # ... and they disagree
    fallback: Draft | None = None  # what a model composer answers with when its model fails


def drain(stream: Generator[str, None, Draft]) -> tuple[list[str], Draft]:
    """A composer's stream run to its end -> (the text chunks it yielded, the Draft it returned)."""
    chunks = []
    while True:
        try:
            chunks.append(next(stream))
        except StopIteration as done:
            return chunks, done.value


class Composer:
    """Subclasses implement `compose`, or `stream` if they write as they go."""

    def compose(self, request: Request) -> Draft:
        return drain(self.stream(request))[1]

    def stream(self, request: Request) -> Generator[str, None, Draft]:
        yield from ()  # written in one go: no chunks
        return self.compose(request)
