"""Shared fixtures: one ingested copy of the bundled corpus per test session (embedding it takes ~15 s).

The session store is ingested once, then *closed*: nobody in the test process holds it for writing, so
subprocesses (python -m rag ask / docs) can open it. Tests that change a store work on their own copy
(`corpus_copy`: a file copy of the session store, no re-embedding) or on a fresh empty store.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import NoReturn

import pytest

from rag.config import ROOT, Settings
from rag.ingest.pipeline import ADDED, ingest_paths
from rag.store import Store

CORPUS = ROOT / "data" / "corpus"
UPR = CORPUS / "upr-2018-china-stakeholder-submission.txt"
BRIEFING = CORPUS / "uk-china-human-rights-briefing-2022.txt"


def settings_for(folder: Path, **overrides) -> Settings:
    """Settings for a store folder, ignoring any RAG_STORE / RAG_CHROMA_URL the environment may set."""
    base = Settings(chroma_url=None, **overrides)
    return base.with_store(folder)


def candidate(doc, n: int, sentence: str, logit: float = 0.0):
    """A candidate sentence, alone in paragraph n of a document, as the reader would rank it (for the code that
    reads readings, tested on readings built by hand)."""
    import numpy as np

    from rag.answer.reading import Candidate
    from rag.model import Evidence, Paragraph

    paragraph = Paragraph(f"{doc.doc_id}:{n}", doc.doc_id, n, str(n), "paragraph", sentence)
    return Candidate(Evidence(n, paragraph, doc, 0.5), 0, sentence, np.zeros(1), logit=logit)


def run_cli(args: list[str], timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run a project CLI (`ingest.py ...` or `-m rag ...`) with this interpreter, from the repository root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env.update(kw.pop("env", {}) or {})
    return subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env=env, **kw)


@pytest.fixture(scope="session")
def corpus_store_dir(tmp_path_factory) -> Path:
    """A store folder holding the bundled corpus; not held open by anyone. Treat it as read-only."""
    folder = tmp_path_factory.mktemp("corpus_store")
    with Store(settings_for(folder), write=True) as store:
        reports = ingest_paths(store, [CORPUS])
    assert [r.status for r in reports] == [ADDED, ADDED], [(r.path, r.status, r.reason) for r in reports]
    return folder


@pytest.fixture(scope="session")
def corpus_store(corpus_store_dir) -> Store:
    """The session corpus store opened for reading (a shared lock: subprocess readers can still open it)."""
    store = Store(settings_for(corpus_store_dir))
    yield store
    store.close()


@pytest.fixture(scope="session")
def corpus_assistant(corpus_store):
    from rag.answer.chain import Assistant

    return Assistant(corpus_store.settings, corpus_store)


@pytest.fixture
def corpus_copy(corpus_store_dir, tmp_path) -> Path:
    """A private, writable copy of the ingested corpus store (copied files; nothing is embedded again)."""
    folder = tmp_path / "store"
    shutil.copytree(corpus_store_dir, folder, ignore=shutil.ignore_patterns(".lock"))
    return folder


def missing_part(reason: str) -> NoReturn:
    """A real part a test needs (chromium, the llama.cpp server, the chroma CLI) is not installed.

    Locally that is a skip with the install hint; under `.ci/run` (RAG_TESTS_REQUIRE_ALL=1, set there after
    setup.sh installed everything) it is a failure, so CI can never pass by quietly skipping a real-part test.
    """
    if os.environ.get("RAG_TESTS_REQUIRE_ALL") == "1":
        pytest.fail(f"{reason} (CI requires every real part: see setup.sh --dev)", pytrace=False)
    pytest.skip(reason)


# ------------------------------------------------------------------------------------------ the real app
GREAT_FIREWALL = "What is recommended regarding the Great Firewall?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(store: Path, log: Path, *extra: str, wait_s: float = 300,
              env_extra: dict | None = None) -> tuple[subprocess.Popen, str]:
    """Start `python app.py` on a free port with its own store; wait until it serves. -> (process, url)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    env["RAG_STORE"] = str(store)
    env.update(env_extra or {})
    out = open(log, "w")
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--store", str(store), *extra],
                            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + wait_s
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            time.sleep(0.5)
    else:
        stop_app(proc)
        raise RuntimeError(f"app did not start in {wait_s:.0f} s:\n{log.read_text()[-3000:]}")
    import httpx

    for _ in range(60):  # the port opens a moment before the routes answer
        try:
            if httpx.get(url + "/config", timeout=5).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    return proc, url


def stop_app(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
