"""Markers <-> paragraphs. Every [n] in an answer must name evidence that was given; the answer's citations are
renumbered 1..m in order of first use and list only what the answer uses. `supported` checks that a sentence
is backed by the paragraph it cites (used on model-written answers)."""
from __future__ import annotations

import re

from rag.compose import Draft, Evidence
from rag.model import Citation, Position
from rag.text import content_words, neutralise, numbers, stem

MARKER = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")


def markers(text: str) -> list[int]:
    return [int(n) for group in MARKER.findall(text) for n in group.split(",")]


def finalize(draft: Draft, evidence: list[Evidence], positions: list[Position] | None = None):
    """-> (answer text renumbered, citations, positions renumbered, notes)."""
    by_n = {e.n: e for e in evidence}
    order: dict[int, int] = {}
    notes: list[str] = []
    for n in markers(draft.text):
        if n in by_n and n not in order:
            order[n] = len(order) + 1

    def renumber(match: re.Match) -> str:
        kept = [order[int(n)] for n in match.group(1).split(",") if int(n) in order]
        dropped = [n for n in match.group(1).split(",") if int(n) not in order]
        if dropped:
            notes.append(f"removed citation marker(s) naming no evidence: {', '.join(dropped)}")
        return "".join(f"[{k}]" for k in dict.fromkeys(kept))

    text = MARKER.sub(renumber, neutralise(draft.text))
    text = re.sub(r"[ \t]+\n", "\n", re.sub(r" {2,}", " ", text)).strip()
    citations = []
    for old, new in sorted(order.items(), key=lambda kv: kv[1]):
        e = by_n[old]
        p = e.paragraph
        citations.append(Citation(n=new, doc=p.doc_id, title=e.document.title, label=p.label, page=p.page,
                                  section=p.section, text=p.text, quote=draft.quotes.get(old), kind=p.kind,
                                  date=e.document.date, paragraph_id=p.id))
    renumbered = []
    for pos in positions or []:
        cites = [order[n] for n in pos.citations if n in order]
        summary = MARKER.sub(lambda m: "".join(f"[{order[int(n)]}]" for n in dict.fromkeys(m.group(1).split(","))
                                               if int(n) in order), pos.summary)
        summary = re.sub(r" {2,}", " ", summary).strip()
        renumbered.append(Position(pos.holder, summary, cites, pos.date, pos.stance))
    return text, citations, renumbered, notes


def supported(sentence: str, paragraph: str) -> bool:
    """Lexical support without a model: the sentence's numbers all appear in the paragraph, and most of its
    content words (stemmed) do too."""
    clean = MARKER.sub("", sentence)
    for number in numbers(clean):
        if number.rstrip("%") not in paragraph:
            return False
    words = {stem(w) for w in content_words(clean)}
    if not words:
        return True
    have = {stem(w) for w in content_words(paragraph)}
    return len(words & have) / len(words) >= 0.6
