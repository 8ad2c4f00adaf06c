"""Question -> ranked evidence: dense search (Chroma) and BM25 (in memory), fused by reciprocal rank,
then spread across holders so every source that speaks to the question can reach the answer.

`ParagraphRetriever` is a LangChain BaseRetriever; `retrieve()` is what the chain uses (it also returns the
scores the answer writer needs to decide whether the documents answer at all).
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import numpy as np

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from pydantic import ConfigDict

from rag.model import Evidence
from rag.model import FOOTNOTE, HEADING, Document, Paragraph
from rag.store import Store
from rag.text import content_words, stem

RRF_K = 60
PER_DOCUMENT_SEARCH = 20  # up to this many documents, each is also searched on its own


@dataclass
class Lexicon:
    """BM25 over every citable paragraph, rebuilt when the store changes."""

    paragraphs: list[Paragraph]
    bm25: object
    df: dict[str, int]
    vectors: dict[str, object]  # paragraph id -> matrix of its pieces' vectors

    @classmethod
    def build(cls, paragraphs: list[Paragraph], vectors: dict[str, list]) -> "Lexicon":
        import numpy as np

        from rank_bm25 import BM25Okapi

        citable = [p for p in paragraphs if p.kind not in (HEADING, FOOTNOTE)]
        tokens = [[stem(w) for w in content_words(lexical_text(p))] for p in citable]
        df: dict[str, int] = {}
        for toks in tokens:
            for t in set(toks):
                df[t] = df.get(t, 0) + 1
        bm25 = BM25Okapi(tokens or [[""]])
        matrices = {pid: np.asarray(vs, dtype="float32") for pid, vs in vectors.items()}
        return cls(citable, bm25, df, matrices)

    def similarity(self, vector, pid: str) -> float:
        """Cosine similarity of a (normalised) query vector to a paragraph: its best piece."""
        matrix = self.vectors.get(pid)
        return float((matrix @ vector).max()) if matrix is not None else 0.0

    def idf(self, term: str) -> float:
        n = max(1, len(self.paragraphs))
        return math.log(1 + n / (1 + self.df.get(term, 0)))

    def search(self, words: list[str], k: int, allowed: set[str] | None) -> list[tuple[Paragraph, float]]:
        if not self.paragraphs or not words:
            return []
        scores = self.bm25.get_scores(words)
        ranked = sorted(range(len(scores)), key=lambda i: -scores[i])
        out = []
        for i in ranked:
            if scores[i] <= 0 or len(out) >= k:
                break
            p = self.paragraphs[i]
            if allowed is None or p.doc_id in allowed:
                out.append((p, float(scores[i])))
        return out


def lexical_text(p: Paragraph) -> str:
    return f"{p.section or ''} {p.text}"


class Retriever:
    """Hybrid retrieval over one Store. Thread-safe; the lexical index follows the store's changes."""

    def __init__(self, store: Store):
        self.store = store
        self._lexicon: Lexicon | None = None
        self._key = None
        self._lock = threading.Lock()

    def lexicon(self) -> Lexicon:
        key = (self.store.generation, self.store.count(), tuple(d.doc_id for d in self.store.list_documents()))
        with self._lock:
            if self._lexicon is None or key != self._key:
                self._lexicon = Lexicon.build(self.store.get_paragraphs(), self.store.vectors())
                self._key = key
            return self._lexicon

    def documents(self) -> dict[str, Document]:
        return {d.doc_id: d for d in self.store.list_documents()}

    def retrieve(self, question: str, doc_ids: list[str] | None = None, k: int | None = None) -> list[Evidence]:
        settings = self.store.settings
        k = k or settings.top_k
        docs = self.documents()
        allowed = set(doc_ids or docs) & set(docs)  # only complete documents
        if not allowed:
            return []
        vector = self.store.embeddings.embed_query(question)
        dense = self.store.search(vector, settings.candidates, sorted(allowed))
        if len(allowed) <= PER_DOCUMENT_SEARCH:  # every source gets a say, however others crowd the top
            found = {p.id for p, _ in dense}
            for doc_id in sorted(allowed):
                dense += [(p, sim) for p, sim in self.store.search(vector, 3, [doc_id]) if p.id not in found]
            dense.sort(key=lambda hit: -hit[1])
        dense = [(p, sim) for p, sim in dense if p.kind not in (HEADING, FOOTNOTE)]
        words = [stem(w) for w in content_words(question)]
        lexical = self.lexicon().search(words, settings.candidates, allowed)
        if settings.retrieval == "dense":  # RAG_RETRIEVAL: for measuring what each half adds (README)
            lexical = []
        elif settings.retrieval == "lexical":
            dense = []  # ranks from BM25 alone (paragraphs still get their dense similarity below)

        fused: dict[str, float] = {}
        by_id: dict[str, Paragraph] = {}
        dense_sim: dict[str, float] = {}
        for rank, (p, sim) in enumerate(dense):
            fused[p.id] = fused.get(p.id, 0) + 1 / (RRF_K + rank)
            by_id[p.id] = p
            dense_sim[p.id] = sim
        for rank, (p, _) in enumerate(lexical):
            fused[p.id] = fused.get(p.id, 0) + 1 / (RRF_K + rank)
            by_id.setdefault(p.id, p)
        lexicon = self.lexicon()
        query = np.asarray(vector, dtype="float32")
        for pid in by_id:  # lexical-only hits get a dense similarity too
            if pid not in dense_sim:
                dense_sim[pid] = lexicon.similarity(query, pid)
        ranked = sorted(by_id, key=lambda pid: -fused[pid])
        chosen = spread(ranked, by_id, k)
        for doc_id in allowed - {by_id[pid].doc_id for pid in chosen}:  # a document the fusion left out
            best = max((pid for pid in by_id if by_id[pid].doc_id == doc_id), key=lambda pid: dense_sim.get(pid, 0),
                       default=None)
            if best is not None and dense_sim.get(best, 0) >= settings.min_relevance:
                chosen.append(best)
        return [Evidence(n=i + 1, paragraph=by_id[pid], document=docs[by_id[pid].doc_id],
                         score=dense_sim.get(pid, 0.0)) for i, pid in enumerate(chosen)]


def spread(ranked: list[str], by_id: dict[str, Paragraph], k: int) -> list[str]:
    """Top k by fused rank, but give every holder (document, or article inside one) in the top 3k its best
    paragraph: a source that ranks lower must still be able to speak."""
    def holder(pid: str) -> tuple[str, str]:
        p = by_id[pid]
        return (p.doc_id, p.section or "")

    pool = ranked[: 3 * k]
    chosen = ranked[:k]
    have = {holder(pid) for pid in chosen}
    for pid in pool:
        if holder(pid) not in have:
            chosen.append(pid)
            have.add(holder(pid))
    return chosen


class ParagraphRetriever(BaseRetriever):
    """The hybrid retriever as a LangChain retriever: paragraphs as LangChain Documents with citation metadata.
    `k` (at most this many documents) and `doc_ids` can be set on the retriever or passed to invoke()."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    retriever: Retriever
    doc_ids: list[str] | None = None
    k: int | None = None

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                k: int | None = None, doc_ids: list[str] | None = None) -> list[LCDocument]:
        k = k or self.k
        evidence = self.retriever.retrieve(query, doc_ids or self.doc_ids, k)
        out = []
        for ev in evidence[:k] if k else evidence:  # retrieve() adds each holder's best beyond k; a k here is a cap
            meta = {**ev.paragraph.to_metadata(), "id": ev.paragraph.id, "title": ev.document.title,
                    "score": ev.score, "date": ev.document.date or ""}
            out.append(LCDocument(page_content=ev.paragraph.text, metadata=meta, id=ev.paragraph.id))
        return out
