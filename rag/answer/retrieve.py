"""Question -> ranked evidence: dense search (Chroma) and BM25 (in memory), fused by reciprocal rank,
then spread across holders so every source that speaks to the question can reach the answer.

`Retriever.retrieve()` is what the chain uses: numbered Evidence with each paragraph's similarity to the question.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import sys
import threading
import zipfile
from array import array
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from rag.model import FOOTNOTE, HEADING, RECOMMENDATION, Document, Evidence, Paragraph
from rag.nlp import text as text_toolkit
from rag.nlp.question import acronym_typed, named_labels, read
from rag.store import Store
from rag.nlp.text import content_words, stem

RRF_K = 60
PER_DOCUMENT_SEARCH = 20  # up to this many documents, each is also searched on its own


K1, B, EPSILON = 1.5, 0.75, 0.25  # Okapi BM25 as rank_bm25's BM25Okapi had it (the answers were set on its scores)


@dataclass
class Lexicon:
    """BM25 over every citable paragraph, rebuilt when the store changes (never per question).

    Okapi BM25 exactly as rank_bm25's BM25Okapi scored it (k1 1.5, b 0.75; a word in more than half of the
    paragraphs, whose idf would be negative, gets 0.25 x the mean idf), held as a sparse term x paragraph matrix
    of weights: a question's scores are the sum of its terms' rows, so a search touches only the paragraphs that
    hold its words instead of looping over all of them (1 ms against 38 ms at 20,000 paragraphs)."""

    paragraphs: list[Paragraph]
    df: dict[str, int]
    terms: dict[str, int]  # term -> its row
    indptr: np.ndarray  # row t: paragraphs index[indptr[t]:indptr[t + 1]] with weights weight[...] (CSR)
    index: np.ndarray
    weight: np.ndarray
    doc_of: np.ndarray  # paragraph position -> document number
    doc_numbers: dict[str, int]
    matrix: np.ndarray  # every piece's vector (float32), a paragraph's pieces in consecutive rows
    rows: dict[str, tuple[int, int]]  # paragraph id -> its rows in matrix

    def labelled(self, labels: list[str], allowed: set[str] | None) -> list[Paragraph]:
        """The paragraphs carrying one of these labels (a document's own numbers), in the allowed documents."""
        if not labels:
            return []
        wanted = set(labels)
        return [p for p in self.paragraphs if p.label in wanted and (allowed is None or p.doc_id in allowed)]

    @classmethod
    def build(cls, paragraphs: list[Paragraph], vectors: dict[str, list]) -> "Lexicon":
        citable = [p for p in paragraphs if p.kind not in (HEADING, FOOTNOTE)]
        terms: dict[str, int] = {}  # in order of first occurrence, as BM25Okapi's (its idf floor sums in it)
        term_of, para_of, freq = array("q"), array("i"), array("i")  # one entry per (paragraph, term): compact
        lengths = np.zeros(len(citable), dtype="float64")
        for i, p in enumerate(citable):
            tokens = Counter(stem(w) for w in content_words(lexical_text(p)))
            lengths[i] = tokens.total()
            term_of.extend(terms.setdefault(term, len(terms)) for term in tokens)
            freq.extend(tokens.values())
            para_of.extend([i] * len(tokens))
        rows_of = np.frombuffer(term_of, dtype="int64") if term_of else np.zeros(0, dtype="int64")
        counts = np.bincount(rows_of, minlength=len(terms))
        n_docs = len(citable)
        idf = np.empty(len(terms), dtype="float64")
        total, negative = 0.0, []
        for t, f in enumerate(counts.tolist()):  # BM25Okapi's arithmetic, step for step
            value = math.log(n_docs - f + 0.5) - math.log(f + 0.5)
            idf[t] = value
            total += value
            if value < 0:
                negative.append(t)
        if negative:
            idf[negative] = EPSILON * (total / len(terms))
        avgdl = float(lengths.sum()) / n_docs if n_docs and lengths.any() else 1.0
        para = np.asarray(para_of, dtype="int32")
        # idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))), BM25Okapi's operations in its order, in
        # place (at 100,000 paragraphs each temporary is ~40 MB)
        weight = np.asarray(freq, dtype="float64")
        norm = lengths[para]
        norm *= B
        norm /= avgdl
        np.add(1 - B, norm, out=norm)
        norm *= K1
        norm += weight
        weight *= K1 + 1
        weight /= norm
        del norm
        weight *= idf[rows_of]
        order = np.argsort(rows_of, kind="stable")  # by term, paragraphs ascending within each
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype("int64")
        doc_numbers: dict[str, int] = {}
        doc_of = np.asarray([doc_numbers.setdefault(p.doc_id, len(doc_numbers)) for p in citable], dtype="int32")

        dim = next((len(vs[0]) for vs in vectors.values() if len(vs)), 0)
        matrix = np.empty((sum(len(vs) for vs in vectors.values()), dim), dtype="float32")
        rows: dict[str, tuple[int, int]] = {}
        at = 0
        for pid, vs in vectors.items():
            matrix[at:at + len(vs)] = np.asarray(vs, dtype="float32")
            rows[pid] = (at, at + len(vs))
            at += len(vs)
        return cls(citable, dict(zip(terms, counts.tolist())), terms, indptr,
                   para[order], weight[order], doc_of, doc_numbers, matrix, rows)

    # ------------------------------------------------------------------ kept on disk
    ARRAYS = ("indptr", "index", "weight", "doc_of")  # BM25's, in the .npz; the vectors are a .npy beside it

    def save(self, path: Path, key: str) -> None:
        """Write the index to `path` (.npz: BM25's arrays and the rest as JSON; no pickles) and the vectors to a
        .npy beside it named after `key`, each replaced atomically, the vectors first: a reader sees a whole old
        index or a whole new one. `key` says what it was built from (`load` returns it only for that key)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        vectors = vectors_file(path, key)
        meta = {"key": key, "paragraphs": [[p.id, p.text, p.to_metadata()] for p in self.paragraphs],
                "terms": list(self.terms), "df": [self.df[t] for t in self.terms],
                "documents": list(self.doc_numbers), "rows": [[pid, a, b] for pid, (a, b) in self.rows.items()],
                "vectors": vectors.name, "shape": list(self.matrix.shape)}
        blob = np.frombuffer(json.dumps(meta).encode(), dtype="uint8")
        for target, write in ((vectors, lambda f: np.save(f, np.ascontiguousarray(self.matrix))),
                              (path, lambda f: np.savez(f, meta=blob, **{a: getattr(self, a) for a in self.ARRAYS}))):
            partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
            try:
                with open(partial, "wb") as f:
                    write(f)
                os.replace(partial, target)
            finally:
                partial.unlink(missing_ok=True)
        for old in path.parent.glob(f"{path.stem}.vectors-*.npy"):  # earlier states' vectors
            if old != vectors:
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, key: str) -> "Lexicon | None":
        """The index saved at `path` if it was built from `key`; None if there is none, or it is another store's
        or an older code's, or it cannot be read (it is then built again and the files replaced). The vectors are
        memory-mapped: a question reads only the rows of its candidate paragraphs."""
        try:
            with np.load(path, allow_pickle=False) as saved:
                meta = json.loads(saved["meta"].tobytes())
                if meta.get("key") != key:
                    return None
                arrays = {name: saved[name] for name in cls.ARRAYS}
            matrix = mapped_vectors(path.with_name(meta["vectors"]), tuple(meta["shape"]))
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None
        if matrix is None:
            return None
        paragraphs = [Paragraph.from_metadata(pid, text, m) for pid, text, m in meta["paragraphs"]]
        terms = {t: i for i, t in enumerate(meta["terms"])}
        return cls(paragraphs, dict(zip(meta["terms"], meta["df"])), terms, arrays["indptr"], arrays["index"],
                   arrays["weight"], arrays["doc_of"], {d: i for i, d in enumerate(meta["documents"])},
                   matrix, {pid: (a, b) for pid, a, b in meta["rows"]})

    def similarity(self, vector, pid: str) -> float:
        """Cosine similarity of a (normalised) query vector to a paragraph: its best piece."""
        span = self.rows.get(pid)
        return float((self.matrix[span[0]:span[1]] @ vector).max()) if span else 0.0

    def uses(self, term: str, doc_id: str) -> bool:
        """Whether the document has the (stemmed) word in any citable paragraph."""
        t, number = self.terms.get(term), self.doc_numbers.get(doc_id)
        if t is None or number is None:
            return False
        return bool((self.doc_of[self.index[self.indptr[t]:self.indptr[t + 1]]] == number).any())

    def idf(self, term: str) -> float:
        n = max(1, len(self.paragraphs))
        return math.log(1 + n / (1 + self.df.get(term, 0)))

    def scores(self, words: list[str]) -> np.ndarray:
        """Every paragraph's BM25 score for the words (a word asked twice counts twice, as in BM25Okapi)."""
        scores = np.zeros(len(self.paragraphs), dtype="float64")
        for word in words:
            t = self.terms.get(word)
            if t is not None:
                start, end = self.indptr[t], self.indptr[t + 1]
                scores[self.index[start:end]] += self.weight[start:end]
        return scores

    def search(self, words: list[str], k: int, allowed: set[str] | None) -> list[tuple[Paragraph, float]]:
        if not self.paragraphs or not words:
            return []
        scores = self.scores(words)
        hits = np.flatnonzero(scores > 0)
        if allowed is not None and not allowed.issuperset(self.doc_numbers):
            numbers = [self.doc_numbers[d] for d in allowed if d in self.doc_numbers]
            hits = hits[np.isin(self.doc_of[hits], numbers)]
        best = hits[np.argsort(-scores[hits], kind="stable")[:k]]  # ties: document order, as before
        return [(self.paragraphs[i], float(scores[i])) for i in best.tolist()]


def lexical_text(p: Paragraph) -> str:
    return f"{p.section or ''} {p.text}"


def vectors_file(path: Path, key: str) -> Path:
    """Where the vectors of the index saved at `path` for `key` are kept."""
    return path.with_name(f"{path.stem}.vectors-{hashlib.sha256(key.encode()).hexdigest()[:16]}.npy")


def mapped_vectors(path: Path, shape: tuple) -> np.ndarray | None:
    """The kept vectors, memory-mapped (read from disk as rows are used), if the file holds `shape` float32s;
    None if it holds something else. OSError/ValueError if it cannot be read."""
    matrix = np.load(path, mmap_mode="r" if shape[0] else None, allow_pickle=False)
    return matrix if matrix.shape == shape and matrix.dtype == np.float32 else None


@lru_cache(maxsize=1)
def code_version() -> str:
    """The lexical index is made by this module with the text toolkit's words and stems: a change to either makes
    a saved index stale."""
    digest = hashlib.sha256()
    for module in (sys.modules[__name__], text_toolkit):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


class Retriever:
    """Hybrid retrieval over one Store. Thread-safe; the lexical index follows the store's changes."""

    def __init__(self, store: Store):
        self.store = store
        self._lexicon: Lexicon | None = None
        self._key = None
        self._lock = threading.Lock()

    @property
    def saved_lexicon(self) -> Path:
        """Where the lexical index is kept between runs: in the store folder, one per collection (the vectors in a
        .npy beside it)."""
        return self.store.settings.store / f"lexicon-{self.store.settings.collection}.npz"

    def lexicon(self) -> Lexicon:
        """The lexical index of the store as it is, made once per change of the store (the app makes it at start
        and after each upload or deletion) and kept on disk, so a restart on an unchanged store reads it instead
        of building it again. While one thread makes a new one, the others go on with the previous one: it lists
        only documents they still filter by, so nobody sees a document half-indexed."""
        key = f"{self.store.fingerprint()}:{code_version()}"
        current = self._lexicon
        if current is not None and key == self._key:
            return current
        if not self._lock.acquire(blocking=current is None):
            return current  # being rebuilt by another thread
        try:
            if self._lexicon is None or key != self._key:
                self._lexicon = Lexicon.load(self.saved_lexicon, key) or self._build(key)
                self._key = key
            return self._lexicon
        finally:
            self._lock.release()

    def _build(self, key: str) -> Lexicon:
        """Build the index, keep it on disk and use the kept one (its vectors memory-mapped, not held in memory);
        if it cannot be kept, the one built."""
        lexicon = Lexicon.build(self.store.get_paragraphs(), self.store.vectors())
        try:
            lexicon.save(self.saved_lexicon, key)
        except OSError as exc:  # a read-only or full disk: the index still works, the next start builds it again
            print(f"note: the lexical index could not be kept at {self.saved_lexicon} ({exc}); it will be built "
                  f"again at the next start", file=sys.stderr)
            return lexicon
        try:
            mapped = mapped_vectors(vectors_file(self.saved_lexicon, key), lexicon.matrix.shape)
        except (OSError, ValueError):
            mapped = None
        if mapped is not None:
            lexicon.matrix = mapped  # the same values, no longer held in memory
        return lexicon

    def documents(self) -> dict[str, Document]:
        return {d.doc_id: d for d in self.store.list_documents()}

    def query_terms(self, question: str, lexicon: Lexicon | None = None) -> list[str]:
        """The question's stems as the lexical index is searched with them, read as the reader reads the question:
        an acronym typed in lower case finds the collection's ("ohchr" -> OHCHR)."""
        typed = content_words(question)
        typed_set, known = set(typed), (lexicon or self.lexicon()).df.__contains__
        return [t.upper() if acronym_typed(t, typed_set, known) else t for t in map(stem, typed)]

    @staticmethod
    def naming(question: str, lexicon: Lexicon, k: int, allowed: set[str]) -> list[tuple[Paragraph, float]]:
        """Every paragraph holding the rarest name the question asks about, where no more than k paragraphs hold
        it (as many as the answer writer reads): what a question asks of a name is in the few paragraphs that
        name it, and dense search does not see a name in passing ("... the courts (Norway)"), so the fusion can
        rank such a paragraph below the top k."""
        names = [t for t in read(question).proper if t in lexicon.df and not t.isdigit()]
        if not names:
            return []
        rarest = min(names, key=lambda t: lexicon.df[t])
        return lexicon.search([rarest], k, allowed) if lexicon.df[rarest] <= k else []

    def retrieve(self, question: str, doc_ids: list[str] | None = None, k: int | None = None) -> list[Evidence]:
        settings = self.store.settings
        k = k or settings.top_k
        docs = self.documents()
        allowed = set(doc_ids or docs) & set(docs)  # only complete documents
        if not allowed:
            return []
        vector = self.store.embeddings.embed_query(question)
        dense = []
        if allowed == set(docs):  # the whole library: unfiltered (a filter on every document costs as much as the
            dense = self.store.search(vector, settings.candidates)  # search at 100,000 paragraphs) ...
            if any(p.doc_id not in allowed for p, _ in dense):  # ... unless a document being added shows up
                dense = []
        if not dense:
            dense = self.store.search(vector, settings.candidates, sorted(allowed))
        if len(allowed) <= PER_DOCUMENT_SEARCH:  # every source gets a say, however others crowd the top
            found = {p.id for p, _ in dense}
            for doc_id in sorted(allowed):
                dense += [(p, sim) for p, sim in self.store.search(vector, 3, [doc_id]) if p.id not in found]
            dense.sort(key=lambda hit: -hit[1])
        dense = [(p, sim) for p, sim in dense if p.kind not in (HEADING, FOOTNOTE)]
        lexicon = self.lexicon()  # one state of the index for the whole question
        lexical = lexicon.search(self.query_terms(question, lexicon), settings.candidates, allowed)
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
        query = np.asarray(vector, dtype="float32")
        for pid in by_id:  # lexical-only hits get a dense similarity too
            if pid not in dense_sim:
                dense_sim[pid] = lexicon.similarity(query, pid)
        ranked = sorted(by_id, key=lambda pid: -fused[pid])
        chosen = spread(ranked, by_id, k)
        for hits in (dense, lexical):  # each search's first choice is read, however the other search ranks it
            if hits and hits[0][0].id not in chosen:
                chosen.append(hits[0][0].id)
        for p, _ in self.naming(question, lexicon, k, allowed):
            if p.id not in chosen:
                by_id.setdefault(p.id, p)
                dense_sim.setdefault(p.id, lexicon.similarity(query, p.id))
                chosen.append(p.id)
        if read(question).asks_recommendations:  # a lookup reads every candidate item, up to the pool
            items = sum(by_id[pid].kind == RECOMMENDATION for pid in chosen)
            chosen += [pid for pid in ranked if by_id[pid].kind == RECOMMENDATION and pid not in chosen
                       ][:max(0, settings.recommendation_pool - items)]
        named = lexicon.labelled(named_labels(question), allowed)  # "recommendation 98.4": that item, first
        for p in named:
            by_id[p.id] = p
            dense_sim.setdefault(p.id, lexicon.similarity(query, p.id))
        named_ids = {p.id: None for p in named}  # in order
        chosen = list(named_ids) + [pid for pid in chosen if pid not in named_ids]
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
