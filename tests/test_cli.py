"""The command line as a user runs it: real subprocesses, the real model, real Chroma, the real app.

- Files in legacy encodings are ingested by ingest.py and come back intact in `python -m rag ask --json` citations;
  the terminal shows only our own output (no weights bar, no tokenizer warning).
- `python -m rag docs` / `ask` work while app.py holds the same store (they ask the app), and a question asked
  from the CLI during an upload through the app never sees the document half-ingested.
"""
from __future__ import annotations

import json
import shutil

import pytest

from conftest import run_cli
from conftest import GREAT_FIREWALL, start_app, stop_app

NOISE = ("Loading weights", "Token indices sequence length is longer than the specified maximum sequence length")

# One short file per encoding: an English sentence naming a unique topic, and the same paragraph in the
# language the encoding is for. The question finds the paragraph by its English; the citation carries it whole.
ENCODED = [
    ("lotus-canal-gbk.txt", "gbk", "What did the Ministry of Water announce about the Lotus Canal?",
     "The Ministry of Water announced that the Lotus Canal will open to barges in 2031.",
     "水利部宣布莲花运河将于二〇三一年向驳船开放，沿岸将新建十二座泵站。"),
    ("jade-harbour-big5.txt", "big5", "What did the port authority decide about the Jade Harbour ferry?",
     "The port authority decided that the Jade Harbour ferry will run every twenty minutes.",
     "港務局決定翡翠港渡輪將每二十分鐘開出一班，並增設夜間航班。"),
    ("cedar-valley-sjis.txt", "shift_jis", "What did the railway board say about the Cedar Valley line?",
     "The railway board said the Cedar Valley line will be electrified by 2030.",
     "鉄道委員会は、杉谷線を二〇三〇年までに電化すると発表しました。"),
    ("amber-lake-utf16.txt", "utf-16", "What did the water board report about the Amber Lake dam?",
     "The water board reported that the Amber Lake dam needs new spillway gates.",
     "水务局报告琥珀湖大坝需要新的溢洪道闸门 — 費用は約四億円。"),
    ("geneva-tram-latin1.txt", "latin-1", "What did the council decide about the Geneva tramway to Carouge?",
     "The council decided that the Geneva tramway to Carouge will be extended in 2029.",
     "Le conseil a décidé que le tramway de Genève à Carouge sera prolongé en 2029; coût: 5 millions (Maßnahme nº 3)."),
]


def quiet(stderr: str) -> None:
    for noise in NOISE:
        assert noise not in stderr, stderr[-2000:]


@pytest.mark.slow
def test_encoded_files_are_cited_intact_and_the_terminal_stays_quiet(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for name, encoding, _, english, native in ENCODED:
        (folder / name).write_bytes(f"{english} {native}\n".encode(encoding))
    # a paragraph far over the model's 256 word pieces: embedded in pieces; it once made the tokenizer warn
    long = " ".join(f"Clause {i} of the harbour bylaw sets the mooring fee for vessels of class {i % 7}."
                    for i in range(60))
    (folder / "harbour-bylaw.txt").write_text(long + "\n", encoding="utf-8")
    store = tmp_path / "store"

    ingest = run_cli(["ingest.py", str(folder), "--store", str(store)])
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert "6 added, 0 updated, 0 unchanged, 0 failed" in ingest.stdout
    quiet(ingest.stderr)

    questions = tmp_path / "questions.txt"
    questions.write_text("\n".join(q for _, _, q, _, _ in ENCODED) + "\n", encoding="utf-8")
    ask = run_cli(["-m", "rag", "ask", "--json", "--file", str(questions), "--store", str(store)])
    assert ask.returncode == 0, ask.stderr[-3000:]
    quiet(ask.stderr)
    answers = [json.loads(line) for line in ask.stdout.splitlines()]
    assert len(answers) == len(ENCODED)
    for (name, encoding, question, english, native), answer in zip(ENCODED, answers):
        assert answer["question"] == question and answer["found"], (encoding, answer)
        texts = [c["text"] for c in answer["citations"]]
        assert any(native in t and english in t for t in texts), (encoding, texts)


# ---------------------------------------------------------------------------------------------- beside the app
def test_reading_beside_a_writer_that_serves_nothing_is_refused_clearly(tmp_path):
    """ingest.py (or an app still starting) holds the store and has no API to ask: the CLI says who holds it."""
    import os

    from conftest import settings_for
    from rag.store import Store

    store = tmp_path / "store"
    with Store(settings_for(store), write=True):
        docs = run_cli(["-m", "rag", "docs", "--json", "--store", str(store)], timeout=120)
    assert docs.returncode == 2 and docs.stdout == ""
    assert f"cannot read the store {store}: it is in use by pid {os.getpid()}" in docs.stderr


LANTERNS = "How many glass lanterns will the Lantern Bridge Authority install?"


def lantern_report(path, paragraphs: int) -> None:
    """A long report whose first paragraph (written in the first batch) answers LANTERNS."""
    body = ["# Lantern Bridge programme", "",
            "1. The Lantern Bridge Authority will install 7,300 glass lanterns along the river walk by 2032.", ""]
    for i in range(2, paragraphs + 1):
        body += [f"{i}. Section {i} of the programme sets out how maintenance crew {i} inspects the towpath "
                 f"benches, drains and railings in district {i % 13}, and how often it reports to the board.", ""]
    path.write_text("\n".join(body), encoding="utf-8")


@pytest.mark.slow
def test_cli_reads_beside_the_app_and_never_sees_an_upload_half_done(corpus_store_dir, tmp_path):
    from gradio_client import Client, handle_file

    store = tmp_path / "store"
    shutil.copytree(corpus_store_dir, store, ignore=shutil.ignore_patterns(".lock"))
    before = run_cli(["-m", "rag", "docs", "--json", "--store", str(store)])  # the store on its own
    assert before.returncode == 0, before.stderr
    old = {json.loads(line)["doc"]: json.loads(line) for line in before.stdout.splitlines()}
    assert len(old) == 2

    # small write batches: the new document's paragraphs reach Chroma over most of the upload, long before its
    # record (the commit) does, so a reader that could see uncommitted paragraphs would be caught
    proc, url = start_app(store, tmp_path / "app.log", env_extra={"RAG_UPSERT_BATCH": "8"})
    try:
        # reading works while the app holds the store, and gives what the store alone gave
        docs = run_cli(["-m", "rag", "docs", "--json", "--store", str(store)])
        assert docs.returncode == 0, docs.stderr
        assert {json.loads(line)["doc"]: json.loads(line) for line in docs.stdout.splitlines()} == old
        assert f"asking that app at {url}" in docs.stderr
        ask = run_cli(["-m", "rag", "ask", "--json", GREAT_FIREWALL, "--store", str(store)])
        assert ask.returncode == 0, ask.stderr
        data = json.loads(ask.stdout)
        assert data["found"] and any(c["label"] == "9(8)" for c in data["citations"])
        text = run_cli(["-m", "rag", "ask", GREAT_FIREWALL, "--store", str(store)])
        assert text.returncode == 0 and "[1] UPR 2018" in text.stdout and "¶9(8)" in text.stdout
        # writing stays one writer at a time, with the message it always had
        refused = run_cli(["ingest.py", str(tmp_path), "--store", str(store), "--quiet"])
        assert refused.returncode == 2 and "in use by pid" in refused.stderr and "app.py" in refused.stderr

        report = tmp_path / "lantern-bridge-programme.md"
        lantern_report(report, 700)
        upload = Client(url, verbose=False).submit([handle_file(str(report))], api_name="/upload")
        seen = []  # (upload still running when both calls returned, answer, listing)
        while not upload.done():
            asked = run_cli(["-m", "rag", "ask", "--json", LANTERNS, "--store", str(store)])
            listed = run_cli(["-m", "rag", "docs", "--json", "--store", str(store)])
            assert asked.returncode == 0 and listed.returncode == 0, asked.stderr + listed.stderr
            seen.append((not upload.done(), json.loads(asked.stdout),
                         {json.loads(line)["doc"]: json.loads(line) for line in listed.stdout.splitlines()}))
        _, result, _ = upload.result()
        assert [r["status"] for r in result] == ["added"], result
        new_id, total = result[0]["doc_id"], result[0]["paragraphs"]
        assert total >= 700

        assert any(running for running, _, _ in seen), "the upload ended before the CLI could read beside it"
        for running, answer, listing in seen:
            # the library is the old one, or the old one plus the whole new document: never a part of it
            assert set(listing) in (set(old), set(old) | {new_id}), listing
            if new_id in listing:
                assert listing[new_id]["paragraphs"] == total
            cited = {c["doc"] for c in answer["citations"]}
            assert cited <= set(old) | {new_id}
            if new_id in cited:  # evidence from the new document only once it is complete (listed after asking)
                assert new_id in listing and listing[new_id]["paragraphs"] == total, (running, answer)
        after = run_cli(["-m", "rag", "ask", "--json", LANTERNS, "--store", str(store)])
        answer = json.loads(after.stdout)
        assert any(c["doc"] == new_id and "7,300 glass lanterns" in c["text"] for c in answer["citations"]), answer
    finally:
        stop_app(proc)
    # the app gone, the CLI opens the store itself again and finds the upload complete
    alone = run_cli(["-m", "rag", "docs", "--json", "--store", str(store)])
    assert alone.returncode == 0 and "asking that app" not in alone.stderr
    listing = {json.loads(line)["doc"]: json.loads(line) for line in alone.stdout.splitlines()}
    assert set(listing) == set(old) | {new_id} and listing[new_id]["paragraphs"] == total


def test_terminal_answer_shows_support_weak_evidence_and_follow_ups():
    """`python -m rag ask` without --json: the same news as the JSON, in words (rag/__main__.py format_answer)."""
    from rag.__main__ import format_answer

    answer = {"question": "Q?", "answer": "It says so [1].", "found": True, "weak_evidence": True,
              "follow_ups": ["What does the other report say about it?"], "timings_ms": {"total": 12.0},
              "citations": [{"n": 1, "title": "Report", "label": "9(8)", "page": 3, "section": None,
                             "quote": "It says so.", "support": 1.0}]}
    text = format_answer(answer)
    assert "(The documents only touch on this: read the sources.)" in text
    assert "[1] Report (¶9(8), p. 3) [quoted]" in text
    assert "You could ask next:\n    - What does the other report say about it?" in text
    older = {k: v for k, v in answer.items() if k not in ("weak_evidence", "follow_ups")}  # an older app's JSON
    older["citations"] = [{k: v for k, v in answer["citations"][0].items() if k != "support"}]
    plain = format_answer(older)
    assert "only touch" not in plain and "[quoted]" not in plain and "ask next" not in plain
