"""The store: Chroma (embedded PersistentClient under store/, or a Chroma server) holding

- collection `paragraphs`: one record per embedded piece of a paragraph (most paragraphs are one piece),
  id = paragraph id (+ "#k" for further pieces), document = the whole paragraph text, metadata = Paragraph fields;
- collection `documents`: one record per document (the manifest). It is written last, so a document whose
  record exists is complete; paragraphs without a record are leftovers of an interrupted ingest and are swept.

One writer per embedded store: `Store(..., write=True)` takes an exclusive lock on store/.lock (readers take a
shared one), and a second process is refused with a message naming the holder. Chroma's embedded client is safe
across threads, not across processes, so nothing else opens the store while a writer holds it. A running app
writes the address it serves on into the lock (`StoreLock.announce`): `StoreBusy.url` then tells a reader
(python -m rag ask / docs) where to ask the app instead, which reads the store in-process and only ever
sees complete documents.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sys
import threading
import time
from pathlib import Path

from rag.config import Settings, get_settings
from rag.embeddings import ChromaEmbeddingFunction, LocalEmbeddings, vectors_of
from rag.model import Document, Paragraph

DOCS = "documents"
BACKEND_KEY = "embed_backend"  # in the paragraphs collection's metadata: which embedding backend made its vectors
SWEEP_GRACE_S = 3600  # on a shared server, paragraphs without a document record are leftovers only after this long
READ_PAGE = 5000  # records a get() reads at once (Chroma over SQLite refuses one read of ~32,000+ records)


class StoreBusy(RuntimeError):
    """The store is held by another process. `url`: where that process (the app) serves, if it said so."""

    def __init__(self, message: str, holder: str = "", url: str | None = None):
        super().__init__(message)
        self.holder = holder
        self.url = url


class EmbeddingMismatch(StoreBusy):
    """The store's vectors were made by another embedding backend than this process uses (RAG_EMBED_BACKEND):
    a question embedded by one is not comparable with paragraphs embedded by the other. A StoreBusy, so every
    command refuses it the same way (`error: ...`, exit 2)."""


class StoreLock:
    """fcntl lock on <store>/.lock: exclusive for a writer, shared for readers. Released when the process dies."""

    def __init__(self, folder: Path, write: bool):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / ".lock"
        self.write = write
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, (fcntl.LOCK_EX if write else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self.holder() or "another process"
            url = self.served_at()
            os.close(self.fd)
            want = "write to" if write else "read"
            raise StoreBusy(
                f"cannot {want} the store {folder}: it is in use by {holder}. "
                "Stop that process first, or upload the files through the running app, "
                "or use a Chroma server (RAG_CHROMA_URL) so several processes can share one store.",
                holder=holder, url=url,
            ) from None
        self.record = ""
        if write:
            self.record = (f"pid {os.getpid()} ({' '.join(Path(a).name for a in sys.argv[:2])}) "
                           f"since {time.strftime('%H:%M:%S')}")
            self._write(self.record)

    def _write(self, text: str) -> None:
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, text.encode(), 0)

    def announce(self, url: str) -> None:
        """The writer serves the store at `url` (the app): readers blocked by the lock ask it there."""
        if self.fd is not None and self.write:
            self._write(f"{self.record}\nurl {url}")

    def _lines(self) -> list[str]:
        try:
            return self.path.read_text().splitlines()
        except OSError:
            return []

    def holder(self) -> str:
        lines = self._lines()
        return lines[0].strip() if lines else ""

    def served_at(self) -> str | None:
        for line in self._lines()[1:]:
            key, _, value = line.partition(" ")
            if key == "url" and value.strip().startswith(("http://", "https://")):
                return value.strip()
        return None

    def release(self) -> None:
        if self.fd is not None:
            if self.write:
                os.ftruncate(self.fd, 0)  # before unlocking: no next holder ever reads this one's address
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None


def make_client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if settings.chroma_url:
        from urllib.parse import urlparse
        url = urlparse(settings.chroma_url)
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    settings.store.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(settings.store / "chroma"), settings=chroma_settings)


class Store:
    def __init__(self, settings: Settings | None = None, write: bool = False,
                 embeddings: LocalEmbeddings | None = None):
        self.settings = settings or get_settings()
        self.lock = StoreLock(self.settings.store, write) if self.settings.embedded else None
        self.embeddings = embeddings or LocalEmbeddings()
        self.client = make_client(self.settings)
        function = ChromaEmbeddingFunction(self.embeddings)
        backend = getattr(self.embeddings, "backend", "torch")
        self.paragraphs = self.client.get_or_create_collection(  # metadata is only written when it is created
            self.settings.collection, embedding_function=function,
            metadata={"hnsw:space": "cosine", BACKEND_KEY: backend})
        try:
            self._check_backend(backend)
        except EmbeddingMismatch:
            self.close()
            raise
        self.documents = self.client.get_or_create_collection(
            f"{self.settings.collection}_{DOCS}", embedding_function=function)
        self.batch = max(1, min(self.client.get_max_batch_size(), self.settings.upsert_batch))
        self._write_lock = threading.Lock()
        self.generation = 0  # bumped on every change made through this object
        self._fingerprint: tuple[int, str] = (-1, "")  # (generation, fingerprint) of an embedded store

    def _check_backend(self, backend: str) -> None:
        """The paragraphs' vectors and this process's queries must come from the same embedding backend. The
        collection records the backend that made it (a collection made before backends existed: torch); an empty
        collection takes this process's."""
        meta = dict(self.paragraphs.metadata or {})
        made_by = meta.get(BACKEND_KEY, "torch")
        if vectors_of(made_by) == vectors_of(backend):
            return
        if self.paragraphs.count() == 0:
            keep = {k: v for k, v in meta.items() if not k.startswith("hnsw:")}  # the distance is fixed at creation
            self.paragraphs.modify(metadata={**keep, BACKEND_KEY: backend})
            return
        where = self.settings.chroma_url or str(self.settings.store)
        raise EmbeddingMismatch(
            f"the store {where} (collection {self.settings.collection!r}) holds vectors made by the {made_by!r} "
            f"embedding backend, but this process embeds with {backend!r}: their vectors are not comparable. "
            f"Set RAG_EMBED_BACKEND={made_by}, or ingest into a new store (RAG_STORE) or collection "
            f"(RAG_COLLECTION) with {backend!r}.")

    def close(self) -> None:
        if self.lock is not None:
            self.lock.release()
            self.lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ documents
    def list_documents(self) -> list[Document]:
        got = self._read(self.documents, include=["metadatas"])
        docs = [self._doc_from_meta(i, m) for i, m in zip(got["ids"], got["metadatas"])]
        return sorted(docs, key=lambda d: (d.added or "", d.title))

    def fingerprint(self) -> str:
        """What the store holds, as one string that changes whenever its paragraphs may have: the Chroma server
        (an embedded store is its folder, however that is spelt), the collection and its embedding backend, how
        many records it has, and each document's id, content hash, paragraph count and time added (a document
        deleted and added again gets a new time).

        While this Store holds its lock on an embedded store, the store changes only through it (a writer's lock
        is exclusive; while readers share theirs, nobody can write), so it is computed once per `generation`; a
        Chroma server may be changed by another process at any time, so there it is read afresh."""
        if self.lock is not None and self._fingerprint[0] == self.generation:
            return self._fingerprint[1]
        generation = self.generation
        docs = sorted((d.doc_id, d.sha256, d.paragraphs, d.added or "") for d in self.list_documents())
        where = self.settings.chroma_url or "embedded"
        backend = (self.paragraphs.metadata or {}).get(BACKEND_KEY, "torch")
        raw = json.dumps([where, self.settings.collection, backend, self.paragraphs.count(), docs])
        self._fingerprint = (generation, hashlib.sha256(raw.encode()).hexdigest())
        return self._fingerprint[1]

    def get_document(self, doc_id: str) -> Document | None:
        got = self.documents.get(ids=[doc_id], include=["metadatas"])
        return self._doc_from_meta(got["ids"][0], got["metadatas"][0]) if got["ids"] else None

    def find_by_source(self, source: str) -> list[Document]:
        return [d for d in self.list_documents() if source in d.sources]

    @staticmethod
    def _doc_from_meta(doc_id: str, meta: dict) -> Document:
        return Document(doc_id=doc_id, title=meta["title"], sha256=meta["sha256"], format=meta["format"],
                        paragraphs=int(meta["paragraphs"]), sources=json.loads(meta.get("sources", "[]")),
                        date=meta.get("date") or None, added=meta.get("added"), symbol=meta.get("symbol") or None,
                        doc_title=meta.get("doc_title") or None, issued=meta.get("issued") or None)

    def _put_document(self, doc: Document) -> None:
        meta = {"title": doc.title, "sha256": doc.sha256, "format": doc.format, "paragraphs": doc.paragraphs,
                "sources": json.dumps(doc.sources), "date": doc.date or "", "added": doc.added or "",
                "symbol": doc.symbol or "", "doc_title": doc.doc_title or "", "issued": doc.issued or ""}
        self.documents.upsert(ids=[doc.doc_id], documents=[doc.title], metadatas=[meta],
                              embeddings=[[0.0] * 383 + [1.0]])

    def set_sources(self, doc: Document, sources: list[str]) -> None:
        with self._write_lock:
            doc.sources = sources
            self._put_document(doc)
            self.generation += 1

    # ------------------------------------------------------------------ paragraphs
    def add_document(self, doc: Document, paragraphs: list[Paragraph], progress=None) -> None:
        """Embed and upsert all paragraphs, then write the document record (the commit point)."""
        records = []  # (id, embed_text, paragraph)
        for p in paragraphs:
            for k, piece in enumerate(self.embeddings.pieces(embed_text(p))):
                records.append((p.id if k == 0 else f"{p.id}#{k}", piece, p))
        with self._write_lock:
            self._delete_paragraphs(doc.doc_id)  # leftovers of an interrupted run
            for start in range(0, len(records), self.batch):
                chunk = records[start:start + self.batch]
                vectors = self.embeddings.embed_documents([r[1] for r in chunk])
                self.paragraphs.upsert(
                    ids=[r[0] for r in chunk], embeddings=vectors, documents=[r[2].text for r in chunk],
                    metadatas=[{**r[2].to_metadata(), "pid": r[2].id, "title": doc.title, "date": doc.date or "",
                                "written": int(time.time())} for r in chunk])
                if progress:
                    progress(len(chunk))
            doc.paragraphs = len(paragraphs)
            self._put_document(doc)
            self.generation += 1

    def delete_document(self, doc_id: str) -> None:
        with self._write_lock:
            self.documents.delete(ids=[doc_id])  # first: the document stops being visible at once
            self._delete_paragraphs(doc_id)
            self.generation += 1

    def _read(self, collection, where: dict | None = None, include: list[str] | None = None) -> dict:
        """Every record of a collection (matching `where`), read READ_PAGE at a time: Chroma reads a whole get()
        in one SQL statement, and past ~32,000 records SQLite refuses it ("too many SQL variables", seen on a
        100,000-paragraph store). -> {"ids": [...], and each included field: [...]} in Chroma's order."""
        include = include or []
        out: dict[str, list] = {"ids": [], **{field: [] for field in include}}
        offset = 0
        while True:
            got = collection.get(where=where, include=include, limit=READ_PAGE, offset=offset)
            out["ids"].extend(got["ids"])
            for field in include:
                values = got[field]
                out[field].extend(list(values) if values is not None else [])
            if len(got["ids"]) < READ_PAGE:
                return out
            offset += READ_PAGE

    def _delete_paragraphs(self, doc_id: str) -> None:
        ids = self._read(self.paragraphs, where={"doc_id": doc_id})["ids"]
        for start in range(0, len(ids), self.batch):
            self.paragraphs.delete(ids=ids[start:start + self.batch])

    def sweep(self) -> int:
        """Delete paragraphs of documents that have no record (an ingest killed half-way). Returns how many.

        On a Chroma server another process (an app replica) may be ingesting right now, its document record not
        yet written: there a document's paragraphs are leftovers only if the newest was written SWEEP_GRACE_S ago.
        (Leftovers are never seen meanwhile: only documents with a record are listed and searched.)"""
        known = {d.doc_id for d in self.list_documents()}
        got = self._read(self.paragraphs, include=["metadatas"])
        newest: dict[str, int] = {}
        for m in got["metadatas"]:
            if m["doc_id"] not in known:
                newest[m["doc_id"]] = max(newest.get(m["doc_id"], 0), int(m.get("written", 0)))
        cutoff = time.time() - (0 if self.settings.embedded else SWEEP_GRACE_S)  # embedded: one writer, this one
        stale = {doc_id for doc_id, written in newest.items() if written <= cutoff}
        for doc_id in stale:
            self._delete_paragraphs(doc_id)
        if stale:
            self.generation += 1
        return len(stale)

    def get_paragraphs(self, doc_id: str | None = None) -> list[Paragraph]:
        """Whole paragraphs (one per paragraph, not per piece), in document order."""
        where = {"doc_id": doc_id} if doc_id else None
        got = self._read(self.paragraphs, where=where, include=["documents", "metadatas"])
        seen: dict[str, Paragraph] = {}
        for text, meta in zip(got["documents"], got["metadatas"]):
            pid = meta["pid"]
            if pid not in seen:
                seen[pid] = Paragraph.from_metadata(pid, text, meta)
        return sorted(seen.values(), key=lambda p: (p.doc_id, p.ordinal))

    def vectors(self) -> dict[str, list]:
        """paragraph id -> the vectors of its pieces (for scoring candidates without embedding them again)."""
        got = self._read(self.paragraphs, include=["embeddings", "metadatas"])
        out: dict[str, list] = {}
        for vector, meta in zip(got["embeddings"], got["metadatas"]):
            out.setdefault(meta["pid"], []).append(vector)
        return out

    def count(self) -> int:
        return self.paragraphs.count()

    def search(self, vector: list[float], k: int, doc_ids: list[str] | None = None) -> list[tuple[Paragraph, float]]:
        """Dense search: (paragraph, cosine similarity), best first, one hit per paragraph."""
        n = self.count()
        if n == 0:
            return []
        where = {"doc_id": {"$in": doc_ids}} if doc_ids else None
        got = self.paragraphs.query(query_embeddings=[vector], n_results=min(k, n), where=where,
                                    include=["documents", "metadatas", "distances"])
        hits: dict[str, tuple[Paragraph, float]] = {}
        for text, meta, dist in zip(got["documents"][0], got["metadatas"][0], got["distances"][0]):
            pid = meta["pid"]
            if pid not in hits:
                hits[pid] = (Paragraph.from_metadata(pid, text, meta), 1.0 - float(dist))
        return list(hits.values())


def document_row(doc: Document) -> dict:
    """A document as `python -m rag docs --json` lists it (one JSON object a line; the app's /documents too)."""
    return {"doc": doc.doc_id, "title": doc.title, "paragraphs": doc.paragraphs, "sha256": doc.sha256,
            "sources": doc.sources, "format": doc.format, "date": doc.date, "added": doc.added,
            "symbol": doc.symbol}


def embed_text(p: Paragraph) -> str:
    """What the model sees: the paragraph with its heading, so 'what does X say about <section>' finds it."""
    head = f"{p.section}. " if p.section else ""
    if p.kind == "recommendation":
        return f"{head}Recommendation: {p.text}"
    return f"{head}{p.text}"
