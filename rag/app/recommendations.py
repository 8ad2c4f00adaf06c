"""The documents' recommendation items: searched by words and document, and turned into a question to ask."""
from __future__ import annotations

import re

from rag.model import RECOMMENDATION, Paragraph


def search(paragraphs: list[Paragraph], titles: dict[str, str], query: str = "",
           doc_id: str | None = None) -> tuple[list[list], list[str]]:
    """Recommendation items matching a search (every word must appear, in text, section or the item it belongs
    to) and a document filter -> (table rows [title, label, text, section], paragraph ids in row order)."""
    terms = [t for t in re.findall(r"\w+", (query or "").lower())]
    rows, ids = [], []
    for p in paragraphs:
        if p.kind != RECOMMENDATION or (doc_id and p.doc_id != doc_id):
            continue
        hay = " ".join(x for x in (p.text, p.section, p.context, p.label) if x).lower()
        if terms and not all(t in hay for t in terms):
            continue
        rows.append([titles.get(p.doc_id, p.doc_id), p.label, p.text, p.section or ""])
        ids.append(p.id)
    return rows, ids


def question_about(p: Paragraph) -> str:
    """The question 'Ask about this' puts in the chat box (the item's own words: a title's words could make the
    question look like it is about something the documents never mention)."""
    text = re.sub(r"\s+", " ", p.text).strip().rstrip(".;:")
    if len(text) > 200:
        text = text[:200].rsplit(" ", 1)[0] + " …"
    return f"What do the documents say about “{text}”?"
