"""Suggested next questions, drawn from the documents, each checked before it is offered.

After an answer, `suggest()` writes candidate questions from what the answer stands on:
  - what another holder (document) says on the same topic,
  - the recommendations on the topic (or, after a question about recommendations, the others in its section),
  - the paragraph after and the paragraph before the first one cited.
A candidate must stand on its own (asked after this answer, rag.answer.chain would otherwise read it as a follow-up and
borrow this question's words); it then goes through the pipeline's own steps as a click sends it (check ->
retrieve, in the same document scope) and the reader (rag.answer.reading) judges the evidence without sentence vectors,
the cheap way. No model server is asked anything. A candidate is offered only when the reader says the documents answer it, its
best sentence is not one this answer already cites, and it comes from the holder or paragraph the suggestion
names. Checks run in order until enough have passed or the time budget is spent: an unchecked candidate is never
offered.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass

from rag.model import FOOTNOTE, HEADING, Answer, Paragraph
from rag.nlp.question import refers_back
from rag.nlp.text import sentences, topic_words, words

ABOUT = re.compile(r"\b(?:about|regarding|concerning|on the subject of|with regard to|in relation to|on)\s+(.+?)"
                   r"[\s?.!]*$", re.I)
PRONOUN = re.compile(r"^(?:it|this|that|these|those|them|they|there|him|her|he|she)$", re.I)
REFERS = re.compile(r"^(?:it|its|they|them|their|this|that|these|those|he|she|his|her|there)$", re.I)
REC_QUESTION = re.compile(r"\b(recommend\w*|urge[sd]?|calls? (?:up)?on|propos\w*)\b", re.I)
DISCOURSE = re.compile(r"^(?:(?:first|second|third|fourth|fifth|finally|lastly|moreover|furthermore|however|"
                       r"in fact|indeed|meanwhile|thus|also|and|but|so|and relatedly|in addition)\b,?\s*)+", re.I)
DANGLING = {"and", "or", "but", "of", "the", "a", "an", "to", "in", "on", "for", "with", "by", "as", "at", "from"}
MAX_TOPIC_WORDS = 8
MAX_QUOTE_WORDS = 10


@dataclass
class Candidate:
    question: str
    kind: str  # "holder" | "recommendations" | "next" | "previous"
    doc: str | None = None  # the answer must come from this document
    paragraph: str | None = None  # ... or from this very paragraph


def topic(question: str, answer: Answer) -> str | None:
    """What the question is about, in words fit to put in another question: the user's own phrase after
    "about" / "regarding" (e.g. "the data protection law"), else the heading of the first cited paragraph's section, quoted."""
    m = ABOUT.search(question.strip())
    if m:
        phrase = m.group(1).strip().strip("“”\"'")
        n = len(words(phrase))
        if 1 <= n <= MAX_TOPIC_WORDS and not PRONOUN.match(phrase):
            return phrase
    for c in answer.citations:
        if c.section and c.section != c.title:
            return f"“{c.section.strip()}”"
    return None


def _the(title: str) -> str:
    return title if title.lower().startswith("the ") else f"the {title}"


def _opening(p: Paragraph) -> str | None:
    """The first sentence of a paragraph, at most MAX_QUOTE_WORDS words, for quoting in a question (without a
    leading "Second," or "In fact,", without quotation marks of its own, and stopping before a pronoun, which
    would make the question read as a follow-up to the last one); None when fewer than 3 words are left."""
    first = (sentences(p.text) or [p.text])[0].strip().rstrip(".;:")
    first = re.sub(r"[“”\"]", "", DISCOURSE.sub("", first)).strip()
    first = first[:1].upper() + first[1:]
    parts = first.split()
    cut = next((i for i, w in enumerate(parts) if REFERS.match(w.strip(",;:.()"))), len(parts))
    if cut < 3:
        return None
    if min(cut, MAX_QUOTE_WORDS) < len(parts):
        kept = parts[:min(cut, MAX_QUOTE_WORDS)]
        while len(kept) > 3 and kept[-1].lower().strip(",;:") in DANGLING:
            kept.pop()  # "... footprint and …" -> "... footprint …"
        first = " ".join(kept).rstrip(",;:") + " …"
    return first


def candidates(question: str, answer: Answer, documents: dict, paragraphs: list[Paragraph],
               evidence_docs: list[str], doc_ids: list[str] | None) -> list[Candidate]:
    """Candidate follow-ups in the order they are tried (kinds interleaved so that a budget cut keeps variety).
    `documents`: doc_id -> Document; `paragraphs`: the store's citable paragraphs; `evidence_docs`: documents in
    the order retrieval ranked them for this question."""
    cited_docs = {c.doc for c in answer.citations}
    cited_pids = {c.paragraph_id for c in answer.citations}
    scope = set(doc_ids) if doc_ids else set(documents)
    about = topic(question, answer)
    asks_recs = bool(REC_QUESTION.search(question))
    holders: list[Candidate] = []
    if about:
        others = [d for d in dict.fromkeys(evidence_docs + sorted(documents)) if d not in cited_docs and d in scope]
        verb = "recommend regarding" if asks_recs else "say about"
        for doc_id in others[:2]:
            title = documents[doc_id].title
            holders.append(Candidate(f"What does {_the(title)} {verb} {about}?", "holder", doc=doc_id))
    recs: list[Candidate] = []
    first = answer.citations[0] if answer.citations else None
    if asks_recs and first and first.section and first.section != first.title:
        recs.append(Candidate(f"What else does {_the(first.title)} recommend on “{first.section.strip()}”?",
                              "recommendations", doc=first.doc))
    elif not asks_recs and about:
        recs.append(Candidate(f"What is recommended regarding {about}?", "recommendations"))
    near: list[Candidate] = []
    if first:
        own = sorted((p for p in paragraphs if p.doc_id == first.doc and p.kind not in (HEADING, FOOTNOTE)),
                     key=lambda p: p.ordinal)
        at = next((i for i, p in enumerate(own) if p.id == first.paragraph_id), None)
        if at is not None:
            title = _the(first.title)
            for kind, j in (("next", at + 1), ("previous", at - 1)):
                opening = _opening(own[j]) if 0 <= j < len(own) and own[j].id not in cited_pids else None
                if opening:
                    near.append(Candidate(f"What does {title} say about “{opening}”?", kind, doc=own[j].doc_id,
                                          paragraph=own[j].id))
    ordered: list[Candidate] = []
    for group in zip_longest_all(holders[:1], recs, near[:1], holders[1:], near[1:]):
        ordered.extend(group)
    return ordered


def zip_longest_all(*groups: list) -> list[list]:
    """[[a1], [b1, b2], [c1]] -> [[a1, b1, c1], [b2]]: one of each group in turn."""
    out, i = [], 0
    while any(i < len(g) for g in groups):
        out.append([g[i] for g in groups if i < len(g)])
        i += 1
    return out


def suggest(probe, lexicon, documents: dict, turn, answer: Answer, limit: int = 3,
            budget_s: float = 2.0) -> list[str]:
    """Up to `limit` checked follow-up questions for `answer` (the Answer of `turn`, a rag.answer.chain.Turn).
    `probe(question, doc_ids)`: the question sent through the pipeline's own steps as a click sends it, and its
    Reading (None where it can't be asked); `lexicon`, `documents`: the library as the answer saw it."""
    if not answer.found or not answer.citations or limit <= 0:
        return []
    started = time.perf_counter()
    evidence_docs = list(dict.fromkeys(e.paragraph.doc_id for e in turn.evidence))
    asked = {re.sub(r"\s+", " ", q).strip().lower() for q, _ in turn.history} | {answer.question.strip().lower()}
    cited = {c.paragraph_id for c in answer.citations}
    kept: list[str] = []
    for cand in candidates(answer.question, answer, documents, lexicon.paragraphs, evidence_docs, turn.doc_ids):
        if len(kept) >= limit or time.perf_counter() - started > budget_s:
            break
        if cand.question.lower() in asked or cand.question in kept:
            continue
        if refers_back(cand.question) or len(topic_words(cand.question)) <= 2:
            continue  # asked after this answer, it would borrow its words (rag.answer.chain resolve): it must stand alone
        # the pipeline's own steps, as the click will send it (standing alone, nothing is borrowed, and no model
        # server is asked to rewrite it)
        reading = probe(cand.question, turn.doc_ids)
        if reading is None or not reading.found:
            continue
        top = [c.evidence.paragraph for c in reading.candidates[:3]]
        if all(p.id in cited for p in top):
            continue  # it would answer with what this answer already says
        if cand.doc and top[0].doc_id != cand.doc:
            continue  # the documents answer, but not from the holder the suggestion names
        if cand.paragraph and cand.paragraph not in {p.id for p in top}:
            continue  # ... or not from the paragraph it names
        kept.append(cand.question)
    return kept
