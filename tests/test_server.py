"""The team setup: a real Chroma server (`chroma run`) instead of the embedded store."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import missing_part

from rag.cite import markers
from rag.config import Settings
from rag.ingest import ADDED, UNCHANGED, ingest_paths
from rag.store import Store

CHROMA = Path(sys.executable).parent / "chroma"

DOCS = {
    "harbour-report-2021.txt": (
        "1. The Port Ellis harbour board dredged the main channel in March 2021 so that larger ferries can dock.\n\n"
        "2. The board recommends building a second breakwater before 2025 to protect the fishing fleet from "
        "winter storms.\n"),
    "schools-review-2022.txt": (
        "1. Primary schools in the Ellis district added a daily reading hour in 2022.\n\n"
        "2. Attendance rose after free breakfasts were introduced in every school.\n"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory):
    chroma = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    if chroma is None:
        missing_part("the chroma CLI is not installed")
    import chromadb

    data = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    log = open(data.parent / f"chroma-{port}.log", "wb")
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    proc = subprocess.Popen([chroma, "run", "--path", str(data), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, f"chroma exited early: {Path(log.name).read_text(errors='replace')[-2000:]}"
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def server_store(chroma_url, tmp_path_factory):
    files = tmp_path_factory.mktemp("server-files")
    for name, text in DOCS.items():
        (files / name).write_text(text, encoding="utf-8")
    # the store folder must not be touched in server mode: point it somewhere that does not exist
    nowhere = tmp_path_factory.mktemp("unused") / "no-store-here"
    settings = Settings(chroma_url=chroma_url).with_store(nowhere)
    store = Store(settings, write=True)
    reports = ingest_paths(store, [files])
    assert [r.status for r in reports] == [ADDED, ADDED], [(r.path, r.reason) for r in reports]
    yield store, files, nowhere
    store.close()


def test_server_store_ingests_without_a_local_lock_or_folder(server_store, chroma_url):
    store, files, nowhere = server_store
    assert not store.settings.embedded and store.lock is None
    assert not nowhere.exists()  # nothing written locally
    docs = store.list_documents()
    assert sorted(Path(s).name for d in docs for s in d.sources) == sorted(DOCS)
    assert len(store.get_paragraphs()) == 4
    # a second client (another app replica) sees the same data, and may write at the same time
    other = Store(Settings(chroma_url=chroma_url), write=True, embeddings=store.embeddings)
    assert sorted(d.doc_id for d in other.list_documents()) == sorted(d.doc_id for d in docs)
    assert [r.status for r in ingest_paths(other, [files])] == [UNCHANGED, UNCHANGED]


def test_cited_answer_through_the_server(server_store):
    from rag.chain import Assistant

    store, _, _ = server_store
    answer = Assistant(store.settings, store).ask("What does the harbour board recommend building?")
    assert answer.found, answer.answer
    assert "breakwater" in answer.answer
    used = markers(answer.answer)
    assert used and set(used) == {c.n for c in answer.citations}
    cited = {(Path(store.get_document(c.doc).sources[0]).name, c.label) for c in answer.citations}
    assert ("harbour-report-2021.txt", "2") in cited
    (c,) = [c for c in answer.citations if c.label == "2" and "breakwater" in c.text]
    assert c.text.startswith("The board recommends building a second breakwater")
    assert re.search(r"breakwater", c.quote or "")

    refusal = Assistant(store.settings, store).ask("What is the population of Tokyo?")
    assert refusal.found is False and refusal.citations == []
