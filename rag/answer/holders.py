"""Holders: who speaks on a question. A holder is a document, or an article inside one (its section); it is heard
through the sentences the reader read for the question (rag/answer/disagree.py, rag/answer/disagree_rules.py)."""
from __future__ import annotations

from dataclasses import dataclass

from rag.answer.reading import Candidate
from rag.model import RECOMMENDATION, Evidence

HOLDER_NAME_CHARS = 70


@dataclass
class Voice:
    """One holder heard on the question: its read candidates, best first."""

    holder: str
    candidates: list[Candidate]

    @property
    def best(self) -> Candidate:
        return self.candidates[0]

    @property
    def document(self) -> str:
        return self.best.evidence.document.doc_id


def short_name(e: Evidence) -> str:
    """A holder's name as shown: the document title (cut at a word), and the article where the file holds
    several."""
    def cut(text: str) -> str:
        return text if len(text) <= HOLDER_NAME_CHARS else text[:HOLDER_NAME_CHARS].rsplit(" ", 1)[0] + "…"

    name = cut(e.document.title)
    if e.paragraph.section and e.paragraph.section != e.document.title and e.paragraph.kind != RECOMMENDATION:
        name += f" — {cut(e.paragraph.section)}"
    return name
