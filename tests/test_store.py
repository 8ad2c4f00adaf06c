"""The store (rag.store.Store) on a real embedded Chroma with the packaged embedding model."""
from __future__ import annotations

import os

import pytest

from rag.ingest.pipeline import ADDED, ingest_paths
from rag.model import FOOTNOTE, HEADING
from rag.ingest.paragraphs import build_paragraphs
from rag.ingest.readers.text import read_text
from rag.answer.retrieve import Retriever
from rag.store import Store, StoreBusy

from conftest import BRIEFING, UPR, settings_for


def raw_records(store: Store, **where) -> dict:
    """What Chroma holds for the paragraphs collection (one record per embedded piece)."""
    return store.paragraphs.get(where=where or None, include=["metadatas", "documents"])


# ------------------------------------------------------------------------------------------- round trip

def test_stored_paragraphs_are_the_rebuilt_paragraphs(corpus_store):
    docs = {d.title: d for d in corpus_store.list_documents()}
    assert len(docs) == 2
    for path in (UPR, BRIEFING):
        (doc,) = [d for d in docs.values() if d.sources == [str(path)]]
        expected = build_paragraphs(read_text(path.read_bytes()), doc.doc_id)
        stored = corpus_store.get_paragraphs(doc.doc_id)
        assert doc.paragraphs == len(expected) == len(stored)
        assert [(p.id, p.label, p.kind, p.text, p.page, p.section, p.context) for p in stored] == \
               [(p.id, p.label, p.kind, p.text, p.page, p.section, p.context) for p in expected]


def test_paragraph_ids_are_unique_in_the_store(corpus_store):
    got = raw_records(corpus_store)
    assert len(got["ids"]) == len(set(got["ids"]))
    pids = [m["pid"] for m in got["metadatas"]]
    assert len(set(pids)) == sum(d.paragraphs for d in corpus_store.list_documents())


# ------------------------------------------------------------------------------------------- deleting

def test_delete_document_removes_its_paragraphs(corpus_copy):
    with Store(settings_for(corpus_copy), write=True) as store:
        docs = store.list_documents()
        assert len(docs) == 2
        before = store.count()
        victim, survivor = docs
        victim_records = len(raw_records(store, doc_id=victim.doc_id)["ids"])
        assert victim_records >= victim.paragraphs > 0

        store.delete_document(victim.doc_id)

        assert store.get_document(victim.doc_id) is None
        assert [d.doc_id for d in store.list_documents()] == [survivor.doc_id]
        assert store.get_paragraphs(victim.doc_id) == []
        assert raw_records(store, doc_id=victim.doc_id)["ids"] == []
        assert store.count() == before - victim_records
        assert len(store.get_paragraphs(survivor.doc_id)) == survivor.paragraphs
        # and retrieval no longer offers it
        hits = Retriever(store).retrieve("social credit system black lists")
        assert hits and all(e.paragraph.doc_id == survivor.doc_id for e in hits)


# ------------------------------------------------------------------------------------------- long paragraphs

FILLER = [
    "The harbour authority publishes tide tables every spring for the fishing fleet.",
    "School meals in the district now include fresh fruit twice a week.",
    "The railway museum reopened after the roof over the engine shed was repaired.",
]
LONG_END = ("In closing, the committee singled out the beekeepers of the northern orchards, whose hives "
            "collapsed after the frost, and asked for compensation for every lost colony of honey bees.")


def long_paragraph() -> str:
    body = " ".join(
        f"Section {i} of the audit reviews how the municipal water board managed pipe maintenance, "
        f"billing disputes and reservoir levels during quarter {i}."
        for i in range(1, 25))
    return f"{body} {LONG_END}"


@pytest.fixture(scope="module")
def long_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("long")
    doc = folder / "files" / "water-audit.txt"
    doc.parent.mkdir()
    doc.write_text("\n\n".join([FILLER[0], long_paragraph(), FILLER[1], FILLER[2]]) + "\n", encoding="utf-8")
    store = Store(settings_for(folder / "store"), write=True)
    assert [r.status for r in ingest_paths(store, [doc])] == [ADDED]
    yield store
    store.close()


def test_long_paragraph_is_embedded_in_pieces_but_stored_once_whole(long_store):
    text = long_paragraph()
    assert long_store.embeddings.count_tokens(text) > 256
    (p,) = [p for p in long_store.get_paragraphs() if p.text == text]
    pieces = raw_records(long_store, pid=p.id)
    assert len(pieces["ids"]) >= 2  # several embedded pieces ...
    assert sorted(pieces["ids"]) == sorted([p.id] + [f"{p.id}#{k}" for k in range(1, len(pieces["ids"]))])
    assert all(doc == text for doc in pieces["documents"])  # ... each carrying the whole paragraph
    paragraphs = long_store.get_paragraphs()
    assert [q.text for q in paragraphs].count(text) == 1  # ... cited as one
    assert len(paragraphs) == long_store.list_documents()[0].paragraphs == 4


def test_query_matching_the_end_of_a_long_paragraph_finds_it(long_store):
    vector = long_store.embeddings.embed_query("compensation for beekeepers whose honey bee colonies were lost")
    hits = long_store.search(vector, k=4)
    assert hits[0][0].text == long_paragraph()
    assert len({p.id for p, _ in hits}) == len(hits)  # one hit per paragraph, not per piece
    evidence = Retriever(long_store).retrieve("What did the committee ask for the beekeepers?", k=2)
    assert evidence[0].paragraph.text == long_paragraph()


# ------------------------------------------------------------------------------------------- interrupted ingest

def test_half_written_document_is_invisible_and_swept(corpus_copy, tmp_path):
    """An ingest killed after writing paragraphs but before the document record: its paragraphs are never
    offered, and the next ingest sweeps them."""
    with Store(settings_for(corpus_copy), write=True) as store:
        complete = {d.doc_id for d in store.list_documents()}
        before = store.count()
        half = "deadbeefdeadbeef"
        texts = ["The lighthouse keeper on Skerry Island counts 412 puffins each summer.",
                 "Puffin colonies on Skerry Island are monitored by the lighthouse keeper."]
        store.paragraphs.upsert(
            ids=[f"{half}:{i:05d}" for i in range(len(texts))],
            embeddings=store.embeddings.embed_documents(texts), documents=texts,
            metadatas=[{"doc_id": half, "ordinal": i, "label": str(i + 1), "kind": "paragraph",
                        "pid": f"{half}:{i:05d}", "title": "Half", "date": ""} for i in range(len(texts))])
        assert store.count() == before + 2
        assert {d.doc_id for d in store.list_documents()} == complete  # not listed

        hits = Retriever(store).retrieve("How many puffins does the lighthouse keeper count on Skerry Island?")
        assert all(e.paragraph.doc_id in complete for e in hits)  # never offered as evidence

        note = tmp_path / "note.txt"
        note.write_text("The village council repaired the footbridge over the mill stream in May.\n")
        reports = ingest_paths(store, [note])  # any ingest sweeps first
        assert [r.status for r in reports] == [ADDED]
        assert raw_records(store, doc_id=half)["ids"] == []
        assert store.get_paragraphs(half) == []
        docs = store.list_documents()
        assert {d.doc_id for d in docs} == complete | {reports[0].doc_id}
        assert store.count() == before + len(raw_records(store, doc_id=reports[0].doc_id)["ids"])


# ------------------------------------------------------------------------------------------- one writer

def test_one_writer_per_store(tmp_path):
    folder = tmp_path / "store"
    writer = Store(settings_for(folder), write=True)
    try:
        with pytest.raises(StoreBusy) as second:
            Store(settings_for(folder), write=True)
        assert f"pid {os.getpid()}" in str(second.value)
        with pytest.raises(StoreBusy):
            Store(settings_for(folder))  # a reader waits for the writer too
    finally:
        writer.close()
    with Store(settings_for(folder), write=True) as again:  # released: the next writer gets in
        assert again.list_documents() == []
    reader_a = Store(settings_for(folder))
    reader_b = Store(settings_for(folder))  # readers share
    try:
        with pytest.raises(StoreBusy):
            Store(settings_for(folder), write=True)
    finally:
        reader_a.close()
        reader_b.close()


def test_citable_paragraphs_exclude_headings_and_footnotes(corpus_store):
    retriever = Retriever(corpus_store)
    kinds = {p.kind for p in retriever.lexicon().paragraphs}
    assert HEADING not in kinds and FOOTNOTE not in kinds
    evidence = retriever.retrieve("Apple iCloud data handed over to the authorities")
    assert evidence and all(e.paragraph.kind not in (HEADING, FOOTNOTE) for e in evidence)


def test_a_reader_shut_out_by_the_app_learns_where_it_serves(tmp_path):
    """The app announces its address in the lock: `python -m rag ask/docs` ask it there (tests/test_cli.py)."""
    folder = tmp_path / "store"
    writer = Store(settings_for(folder), write=True)
    try:
        with pytest.raises(StoreBusy) as before:
            Store(settings_for(folder))
        assert before.value.url is None and f"pid {os.getpid()}" in before.value.holder  # not serving (yet)
        writer.lock.announce("http://127.0.0.1:7999")
        with pytest.raises(StoreBusy) as busy:
            Store(settings_for(folder))
        assert busy.value.url == "http://127.0.0.1:7999"
        assert "\n" not in busy.value.holder and "7999" not in str(busy.value)  # the message reads as before
        assert f"in use by pid {os.getpid()}" in str(busy.value)
    finally:
        writer.close()
    assert (folder / ".lock").read_text() == ""  # gone with its holder: nobody is sent to a closed app
    with Store(settings_for(folder)) as reader:  # free again: the reader opens the store itself
        assert reader.list_documents() == []


def test_a_store_past_sqlites_variable_limit_is_read_whole(tmp_path):
    """Chroma answers a get() with one SQL statement, and SQLite refuses one naming more than ~32,000 records: a
    100,000-paragraph store could not build its lexical index ("too many SQL variables"). The store reads in
    pages. The 33,000 records are written straight into the real collection with random vectors (embedding that
    many texts would take 15 minutes and is not what is tested)."""
    import numpy as np

    from rag.model import Document, Paragraph
    from rag.answer.retrieve import Retriever

    store = Store(settings_for(tmp_path / "store"), write=True)
    n = 33_000
    doc = Document("big", "A very long report", "0" * 64, "txt", n)
    rng = np.random.default_rng(0)
    for start in range(0, n, store.batch):
        paragraphs = [Paragraph(f"big-{i}", "big", i, str(i + 1), "paragraph", f"Finding number {i} of the review.")
                      for i in range(start, min(n, start + store.batch))]
        store.paragraphs.upsert(ids=[p.id for p in paragraphs],
                                embeddings=rng.standard_normal((len(paragraphs), 384)).astype("float32"),
                                documents=[p.text for p in paragraphs],
                                metadatas=[{**p.to_metadata(), "pid": p.id, "title": doc.title, "date": "",
                                            "written": 0} for p in paragraphs])
    store._put_document(doc)
    paragraphs = store.get_paragraphs()
    assert len(paragraphs) == n and [p.ordinal for p in paragraphs] == list(range(n))
    assert len(store.vectors()) == n
    assert store.sweep() == 0  # reads every record's metadata
    assert len(Retriever(store).lexicon().paragraphs) == n
    store.delete_document("big")  # reads every id of the document
    assert store.count() == 0
    store.close()
