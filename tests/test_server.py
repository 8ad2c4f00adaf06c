"""The team setup: a real Chroma server (`chroma run`) instead of the embedded store."""
from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import missing_part

from rag.answer.cite import markers
from rag.config import Settings
from rag.ingest.pipeline import ADDED, UNCHANGED, ingest_paths
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
    from rag.answer.chain import Assistant

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


def test_a_replica_never_sweeps_another_replicas_ingest_in_progress(server_store):
    """On a server, paragraphs without a document record may be another replica's upload still being written:
    an ingest's sweep leaves them, unless the newest was written SWEEP_GRACE_S ago (an ingest that died)."""
    from rag.store import SWEEP_GRACE_S

    store, _, _ = server_store
    meta = {"doc_id": "in-progress", "ordinal": 0, "label": "1", "kind": "paragraph", "pid": "in-progress-0",
            "title": "Half-written", "date": ""}
    vector = [[0.0] * 383 + [1.0]]
    store.paragraphs.upsert(ids=["in-progress-0"], embeddings=vector, documents=["Being written."],
                            metadatas=[{**meta, "written": int(time.time())}])
    assert store.sweep() == 0 and store.paragraphs.get(ids=["in-progress-0"])["ids"]
    store.paragraphs.upsert(ids=["in-progress-0"], embeddings=vector, documents=["Being written."],
                            metadatas=[{**meta, "written": int(time.time()) - SWEEP_GRACE_S - 60}])
    assert store.sweep() == 1 and not store.paragraphs.get(ids=["in-progress-0"])["ids"]


# ------------------------------------------------------------------------------------------------ replicas
def start_replica(chroma_url: str, collection: str, store: Path, log: Path) -> tuple[subprocess.Popen, str]:
    """`python app.py` on a free port, its library on the Chroma server (RAG_CHROMA_URL). Returns at once."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(RAG_CHROMA_URL=chroma_url, RAG_COLLECTION=collection)
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--store", str(store)],
                            cwd=Path(__file__).resolve().parent.parent, env=env, stdout=open(log, "w"),
                            stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def wait_serving(proc: subprocess.Popen, url: str, log: Path, wait_s: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + wait_s
    while True:
        assert proc.poll() is None, f"app exited with {proc.returncode}:\n{log.read_text()[-3000:]}"
        try:
            if httpx.get(url + "/config", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"app did not serve in {wait_s:.0f} s:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)


def test_two_replicas_on_one_server_serve_20_users(chroma_url, server_store, tmp_path):
    """Two app processes share one library on the Chroma server: bench/load.py's 20 users, spread over both,
    get answers with no error; a document uploaded through one replica is answered from by the other, and one
    removed through the other is gone from the first (each replica's lexical index follows the server's
    documents, not only its own changes)."""
    from gradio_client import Client, handle_file

    from bench.load import run
    from rag.ingest.pipeline import fill_if_empty

    collection = "replicas"
    # the library is filled before the replicas start (each would otherwise add the bundled corpus itself)
    settings = Settings(chroma_url=chroma_url, collection=collection).with_store(tmp_path / "unused")
    with Store(settings, write=True, embeddings=server_store[0].embeddings) as store:
        assert [r.status for r in fill_if_empty(store, settings.corpus, say=lambda _: None)] == [ADDED, ADDED]
    shared = tmp_path / "replica-store"  # both keep uploaded files here (one machine: one uploads folder)
    replicas = [start_replica(chroma_url, collection, shared, tmp_path / f"replica-{i}.log") for i in (1, 2)]
    try:
        for i, (proc, url) in enumerate(replicas, 1):
            wait_serving(proc, url, tmp_path / f"replica-{i}.log")
        urls = [url for _, url in replicas]

        result = run(urls, users=20, per_user=2, auth=None)
        assert result["requests"] == 40 and result["errors"] == 0, result["samples"]

        first, second = (Client(url, verbose=False) for url in urls)
        path = tmp_path / "lighthouse-review-2030.md"
        path.write_text("# Lighthouses\n\n1. The Coastal Lights Agency recommends that the Skerry Point lighthouse "
                        "be fitted with a green lamp by 2030.\n", encoding="utf-8")
        _, report, _ = first.predict([handle_file(str(path))], api_name="/upload")
        assert [r["status"] for r in report] == ["added"], report
        doc_id = report[0]["doc_id"]
        question = "What lamp should the Skerry Point lighthouse be fitted with?"
        answer = second.predict(question, [], [], api_name="/answer")
        assert answer["found"] and "green lamp" in answer["answer"], answer["answer"]
        assert doc_id in {c["doc"] for c in answer["citations"]}

        assert "Deleted" in second.predict(doc_id, api_name="/delete")
        assert not (shared / "uploads" / path.name).exists()  # the shared uploads folder follows too
        answer = first.predict(question, [], [], api_name="/answer")
        assert doc_id not in {c["doc"] for c in answer["citations"]}
        assert doc_id not in {d["doc"] for d in first.predict(api_name="/documents")}
    finally:
        for proc, _ in replicas:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc, _ in replicas:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
