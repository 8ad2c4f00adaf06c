"""Composers turn numbered evidence into answer text with [n] markers.

extractive.py (default, no model) picks the documents' own sentences; llm.py (optional) asks an
OpenAI-compatible model. Both return a Draft; cite.py turns a Draft into checked Citations.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from rag.model import Document, Paragraph


@dataclass
class Evidence:
    """One retrieved paragraph, numbered for the composer (n starts at 1)."""

    n: int
    paragraph: Paragraph
    document: Document
    score: float = 0.0  # fused relevance, higher is better

    @property
    def holder(self) -> str:
        """Who speaks in this paragraph: the document title, and the article title where the file holds several."""
        if self.paragraph.section and self.paragraph.section != self.document.title:
            return f"{self.document.title}: {self.paragraph.section}"
        return self.document.title


@dataclass
class Draft:
    text: str  # Markdown with [n] markers, n = Evidence.n
    quotes: dict[int, str] = field(default_factory=dict)  # n -> the sentence used from that evidence
    found: bool = True
    composer: str = "extractive"
    notes: list[str] = field(default_factory=list)
