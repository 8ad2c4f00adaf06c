"""Ingesting files (rag.ingest.pipeline and the ingest.py CLI) into a real embedded Chroma store."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag.config import ROOT
from rag.ingest.pipeline import ADDED, FAILED, UNCHANGED, UPDATED, ingest_paths, title_from_name
from rag.store import Store

from conftest import CORPUS, settings_for, run_cli


def texts_of(store: Store, doc_id: str | None = None) -> list[str]:
    return [p.text for p in store.get_paragraphs(doc_id)]


# ------------------------------------------------------------------------------------------- re-ingesting

def test_a_title_from_a_file_name_writes_each_word_as_the_document_does():
    assert title_from_name("ngo-survey-2020.pdf", "the NGO panel ... NGO members") == "NGO Survey 2020"
    # not an acronym where the text writes it as a word (a title is matched: "BAY" would not match "Bay")
    assert title_from_name("bay-harbour-study_b.txt", "The Bay harbour study ...") == "Bay Harbour Study B"
    assert title_from_name("river-songs.txt", "") == "River Songs"  # no text to go by: no guessed acronyms


def test_ingested_titles_follow_the_documents_casing(corpus_copy):
    with Store(settings_for(corpus_copy)) as store:
        titles = {d.title for d in store.list_documents()}
    assert "UPR 2018 China Stakeholder Submission" in titles and "UK China Human Rights Briefing 2022" in titles


def test_reingesting_the_corpus_changes_nothing(corpus_copy):
    with Store(settings_for(corpus_copy), write=True) as store:
        docs_before = [d.to_json() for d in store.list_documents()]
        count_before = store.count()
        paragraphs_before = [(p.id, p.text) for p in store.get_paragraphs()]

        reports = ingest_paths(store, [CORPUS])

        assert [r.status for r in reports] == [UNCHANGED, UNCHANGED]
        assert all(r.ok and r.paragraphs > 0 for r in reports)
        assert store.count() == count_before
        assert [d.to_json() for d in store.list_documents()] == docs_before
        assert [(p.id, p.text) for p in store.get_paragraphs()] == paragraphs_before


def test_changed_file_replaces_its_old_version(corpus_copy, tmp_path):
    note = tmp_path / "water-note.txt"
    old = ("The reservoir at Lower Dene holds 40 million litres.\n\n"
           "Its dam was inspected in 2019 and found sound.\n")
    new = ("The reservoir at Lower Dene holds 55 million litres after the dam was raised.\n\n"
           "Its dam was inspected in 2023 and found sound.\n")
    with Store(settings_for(corpus_copy), write=True) as store:
        corpus_docs = {d.doc_id for d in store.list_documents()}
        corpus_count = store.count()
        note.write_text(old)
        (first,) = ingest_paths(store, [note])
        assert first.status == ADDED and first.paragraphs == 2

        note.write_text(new)  # same path, other bytes
        (second,) = ingest_paths(store, [note])
        assert second.status == UPDATED and second.doc_id != first.doc_id

        assert store.get_document(first.doc_id) is None
        assert store.get_paragraphs(first.doc_id) == []
        assert store.paragraphs.get(where={"doc_id": first.doc_id}, include=[])["ids"] == []
        everything = " ".join(texts_of(store))
        assert "holds 40 million litres" not in everything and "inspected in 2019" not in everything
        assert texts_of(store, second.doc_id) == [
            "The reservoir at Lower Dene holds 55 million litres after the dam was raised.",
            "Its dam was inspected in 2023 and found sound."]
        assert {d.doc_id for d in store.list_documents()} == corpus_docs | {second.doc_id}
        assert store.find_by_source(str(note))[0].doc_id == second.doc_id
        assert store.count() == corpus_count + 2

        (third,) = ingest_paths(store, [note])  # and now it is unchanged
        assert third.status == UNCHANGED and store.count() == corpus_count + 2


def test_same_bytes_under_another_name_is_one_document_with_two_sources(tmp_path):
    body = ("The ferry between Arlow and Benmore now runs hourly in summer.\n\n"
            "Winter crossings remain twice daily because of storms.\n")
    a, b = tmp_path / "ferry.txt", tmp_path / "copy-of-ferry.txt"
    a.write_text(body)
    b.write_text(body)
    with Store(settings_for(tmp_path / "store"), write=True) as store:
        reports = ingest_paths(store, [a, b])
        assert [r.status for r in reports] == [ADDED, UNCHANGED]
        assert reports[0].doc_id == reports[1].doc_id
        (doc,) = store.list_documents()
        assert doc.sources == [str(a), str(b)]
        assert len(store.get_paragraphs()) == doc.paragraphs == 2
        count = store.count()

        # one of the two files changes: the old document keeps the other name, the new bytes get their own
        b.write_text(body.replace("hourly", "every two hours"))
        (changed,) = ingest_paths(store, [b])
        assert changed.status == UPDATED
        old = store.get_document(doc.doc_id)
        assert old is not None and old.sources == [str(a)]
        assert store.get_document(changed.doc_id).sources == [str(b)]
        assert store.count() == 2 * count


def test_unreadable_file_is_reported_and_the_rest_ingested(tmp_path):
    good = tmp_path / "good.txt"
    good.write_text("The orchard cooperative shipped 300 tonnes of apples this autumn.\n")
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(os.urandom(4096))
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with Store(settings_for(tmp_path / "store"), write=True) as store:
        reports = {Path(r.path).name: r for r in ingest_paths(store, [bad, good, empty])}
        assert reports["good.txt"].status == ADDED
        assert reports["broken.pdf"].status == FAILED and reports["broken.pdf"].reason
        assert reports["empty.txt"].status == FAILED and "empty" in reports["empty.txt"].reason
        assert [d.sources for d in store.list_documents()] == [[str(good)]]


# ------------------------------------------------------------------------------------------- the CLI

def test_cli_reports_a_bad_file_exits_non_zero_and_ingests_the_rest(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    (files / "a-good.txt").write_text("The orchard cooperative shipped 300 tonnes of apples this autumn.\n")
    (files / "b-good.md").write_text("# Bees\n\nThe apiary on Hill Farm keeps forty hives.\n")
    (files / "c-bad.pdf").write_bytes(os.urandom(8192))
    store_dir = tmp_path / "store"

    out = run_cli(["ingest.py", str(files), "--store", str(store_dir), "--quiet"])

    assert out.returncode == 1, out.stdout + out.stderr
    bad_line = next(line for line in out.stdout.splitlines() if "c-bad.pdf" in line)
    assert bad_line.startswith("failed")
    assert len(bad_line.split("c-bad.pdf", 1)[1].strip()) > 10  # the reason is printed
    assert "2 added" in out.stdout and "1 failed" in out.stdout
    with Store(settings_for(store_dir)) as store:
        names = sorted(Path(s).name for d in store.list_documents() for s in d.sources)
        assert names == ["a-good.txt", "b-good.md"]
        assert any("forty hives" in t for t in texts_of(store))


def test_cli_refuses_a_store_held_by_another_writer(tmp_path):
    note = tmp_path / "note.txt"
    note.write_text("The village council repaired the footbridge in May.\n")
    store_dir = tmp_path / "store"
    holder = Store(settings_for(store_dir), write=True)
    try:
        out = run_cli(["ingest.py", str(note), "--store", str(store_dir), "--quiet"], timeout=120)
        assert out.returncode == 2, out.stdout + out.stderr
        assert f"pid {os.getpid()}" in out.stderr
        assert "in use" in out.stderr
        assert holder.list_documents() == []  # nothing was written
    finally:
        holder.close()
    out = run_cli(["ingest.py", str(note), "--store", str(store_dir), "--quiet"])
    assert out.returncode == 0, out.stdout + out.stderr  # released: now it may


def queued_paragraphs(store_dir: Path) -> int:
    """Records Chroma has accepted so far (read straight from its SQLite log, without opening the store)."""
    db = store_dir / "chroma" / "chroma.sqlite3"
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT count(*) FROM embeddings_queue").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.slow
def test_ingest_killed_midway_is_swept_and_finished_next_time(tmp_path):
    big = tmp_path / "ledger.txt"  # more paragraphs than one upsert batch (1000), each tiny (fast to embed)
    n = 1150
    big.write_text("\n\n".join(f"Ledger entry {i} is closed." for i in range(n)) + "\n")
    store_dir = tmp_path / "store"
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    proc = subprocess.Popen([sys.executable, "ingest.py", str(big), "--store", str(store_dir), "--quiet"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while queued_paragraphs(store_dir) == 0 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the ingest finished before it could be interrupted"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()

    with Store(settings_for(store_dir), write=True) as store:  # the dead writer's lock is gone
        leftovers = store.paragraphs.get(include=["metadatas"])
        assert 0 < len(leftovers["ids"]) < n  # killed half-way: some paragraphs, no document record
        assert store.list_documents() == []  # no half-document is listed
        half = leftovers["metadatas"][0]["doc_id"]

        other = tmp_path / "other.txt"
        other.write_text("The village council repaired the footbridge in May.\n")
        (report,) = ingest_paths(store, [other])  # any ingest sweeps the leftovers first
        assert report.status == ADDED
        assert store.paragraphs.get(where={"doc_id": half}, include=[])["ids"] == []
        assert [d.doc_id for d in store.list_documents()] == [report.doc_id]

        (again,) = ingest_paths(store, [big])  # and running it again finishes the job
        assert again.status == ADDED and again.doc_id == half and again.paragraphs == n
        paragraphs = store.get_paragraphs(half)
        assert len(paragraphs) == n and len({p.id for p in paragraphs}) == n
        assert [p.ordinal for p in paragraphs] == list(range(n))
        ids = store.paragraphs.get(where={"doc_id": half}, include=[])["ids"]
        assert len(ids) == len(set(ids)) == n  # no duplicates
        assert sorted(d.doc_id for d in store.list_documents()) == sorted([half, report.doc_id])
