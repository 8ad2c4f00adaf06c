"""The public contract (DESIGN.md): `python -m rag ask --json`, `--file`, `python -m rag docs --json`,
checked from outside through subprocesses on an ingested store, plus follow-ups and bad questions in-process."""
from __future__ import annotations

import hashlib
import json
import re

import pytest

from rag.answer.cite import markers

from conftest import CORPUS, run_cli

CONTRACT_KEYS = {"question", "answer", "found", "disagreement", "positions", "citations", "timings_ms"}
CITATION_KEYS = {"n", "doc", "title", "label", "page", "section", "text", "quote"}
POSITION_KEYS = {"holder", "summary", "citations"}

FIREWALL = "What is recommended regarding the Great Firewall?"
NOT_COVERED = "What does the UPR submission say about Brazil's deforestation?"
BOTH_SIDES = "What does the briefing say about Bachelet's visit to China?"
SUPERVISION = "What does the UPR submission say about the Supervision Law?"
LIU_XIA = "Since when has Liu Xia been under house arrest?"
HUGE = "Please tell me about surveillance " * 3000  # ~100 KB on one line
FILE_QUESTIONS = [FIREWALL, NOT_COVERED, BOTH_SIDES, SUPERVISION, HUGE]


def is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_contract(row: dict, stored: dict) -> None:
    """Everything DESIGN.md promises about one answer object. `stored` maps (doc, label) -> paragraph text."""
    assert CONTRACT_KEYS <= set(row), CONTRACT_KEYS - set(row)
    assert isinstance(row["question"], str)
    assert isinstance(row["answer"], str) and row["answer"].strip()
    assert isinstance(row["found"], bool) and isinstance(row["disagreement"], bool)
    assert isinstance(row["positions"], list) and isinstance(row["citations"], list)
    timings = row["timings_ms"]
    assert isinstance(timings, dict) and {"retrieve", "compose", "total"} <= set(timings)
    assert all(is_number(timings[k]) and timings[k] >= 0 for k in ("retrieve", "compose", "total"))
    assert timings["total"] >= max(timings["retrieve"], timings["compose"])

    numbers = [c["n"] for c in row["citations"]]
    assert numbers == list(range(1, len(numbers) + 1))  # numbered 1..m in order
    used = markers(row["answer"])
    assert set(used) == set(numbers)  # every marker names a citation, every citation is used
    for c in row["citations"]:
        assert CITATION_KEYS <= set(c), CITATION_KEYS - set(c)
        assert isinstance(c["n"], int) and not isinstance(c["n"], bool)
        for key in ("doc", "title", "label", "text"):
            assert isinstance(c[key], str) and c[key], key
        assert c["page"] is None or (isinstance(c["page"], int) and c["page"] >= 1)
        assert c["section"] is None or isinstance(c["section"], str)
        assert c["quote"] is None or isinstance(c["quote"], str)
        assert stored[(c["doc"], c["label"])] == c["text"]  # text is the whole paragraph, as stored
        if c["quote"]:
            assert squash(c["quote"]) in squash(c["text"]), (c["quote"], c["text"])

    if row["disagreement"]:
        assert row["found"] is True
        assert len(row["positions"]) >= 2
    else:
        assert row["positions"] == []
    for pos in row["positions"]:
        assert POSITION_KEYS <= set(pos)
        assert isinstance(pos["holder"], str) and pos["holder"]
        assert isinstance(pos["summary"], str) and pos["summary"]
        assert pos["citations"] and all(isinstance(n, int) for n in pos["citations"])
        assert set(pos["citations"]) <= set(numbers)
        # the markers inside a position's summary use the same numbering as the answer's citations
        assert set(markers(pos["summary"])) <= set(pos["citations"]), (pos["summary"], pos["citations"])
    if not row["found"]:
        assert row["disagreement"] is False
    # added keys: what each source says (where two or more answer), the short answer (where it is a value)
    for pos in row["voices"]:
        assert POSITION_KEYS | {"says", "stance", "value"} <= set(pos)
        assert set(pos["citations"]) <= set(numbers) and isinstance(pos["says"], str) and pos["says"]
    assert row["voices"] == [] or len(row["voices"]) >= 2
    if row["disagreement"]:
        assert row["positions"] == row["voices"]
    short = row["short_answer"]
    if short is not None:
        assert row["found"] and set(short) == {"text", "citation"} and short["citation"] in numbers
        assert squash(short["text"]) in squash(next(c["text"] for c in row["citations"] if c["n"] == short["citation"]))
    assert is_number(timings.get("reader", 0.0))


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().rstrip(".;:").lower()


@pytest.fixture(scope="module")
def stored(corpus_store) -> dict:
    return {(p.doc_id, p.label): p.text for p in corpus_store.get_paragraphs()}


@pytest.fixture(scope="module")
def file_rows(corpus_store_dir, tmp_path_factory) -> list[dict]:
    questions = tmp_path_factory.mktemp("questions") / "questions.txt"
    questions.write_text("\n".join(FILE_QUESTIONS) + "\n\n", encoding="utf-8")  # a trailing empty line is skipped
    out = run_cli(["-m", "rag", "ask", "--json", "--file", str(questions), "--store", str(corpus_store_dir)])
    assert out.returncode == 0, out.stderr[-3000:]
    lines = [line for line in out.stdout.splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


def test_file_gives_one_json_object_per_question_in_order(file_rows, stored):
    assert len(file_rows) == len(FILE_QUESTIONS)
    for question, row in zip(FILE_QUESTIONS, file_rows):
        check_contract(row, stored)
        if len(question) < 1000:
            assert row["question"] == question


def test_single_question_json(corpus_store_dir, stored):
    out = run_cli(["-m", "rag", "ask", "--json", LIU_XIA, "--store", str(corpus_store_dir)])
    assert out.returncode == 0, out.stderr[-3000:]
    (line,) = [line for line in out.stdout.splitlines() if line.strip()]
    row = json.loads(line)
    check_contract(row, stored)
    assert row["question"] == LIU_XIA and row["found"] is True
    assert "2010" in row["answer"]
    assert any(c["label"] == "26" for c in row["citations"])


def test_answers_carry_support_weak_evidence_and_follow_ups(file_rows):
    """Each citation's support (0..1), each answer's weak_evidence and follow_ups, beside every old key."""
    for row in file_rows:
        assert isinstance(row["weak_evidence"], bool)
        assert isinstance(row["follow_ups"], list) and all(isinstance(q, str) and q for q in row["follow_ups"])
        assert len(row["follow_ups"]) <= 3 and row["question"] not in row["follow_ups"]
        for c in row["citations"]:
            assert is_number(c["support"]) and 0 <= c["support"] <= 1
        if not row["found"]:
            assert row["weak_evidence"] is False and row["follow_ups"] == []
    firewall = file_rows[FILE_QUESTIONS.index(FIREWALL)]
    assert firewall["citations"] and all(c["support"] == 1.0 for c in firewall["citations"])  # verbatim quotes


def test_recommendation_question_cites_labelled_items(file_rows):
    row = file_rows[FILE_QUESTIONS.index(FIREWALL)]
    assert row["found"] is True
    labels = {c["label"]: c for c in row["citations"]}
    assert "9(8)" in labels
    assert "Great Firewall" in labels["9(8)"]["text"]
    assert labels["9(8)"].get("kind", "recommendation") == "recommendation"
    items = [c for c in row["citations"] if re.fullmatch(r"\d+\(\d+\)", c["label"])]
    assert items and all(c["section"] for c in items)


def test_refusal_has_found_false(file_rows):
    row = file_rows[FILE_QUESTIONS.index(NOT_COVERED)]
    assert row["found"] is False
    assert row["citations"] == [] and markers(row["answer"]) == []
    assert "not" in row["answer"].lower()


def test_both_sides_question_lays_out_positions(file_rows):
    row = file_rows[FILE_QUESTIONS.index(BOTH_SIDES)]
    assert row["found"] is True and row["disagreement"] is True
    assert len(row["positions"]) >= 2
    cited = [set(p["citations"]) for p in row["positions"]]
    assert all(cited) and not set.intersection(*cited)
    assert len({p["holder"] for p in row["positions"]}) == len(row["positions"])
    # each labelled by what it says, never by the question echoed back
    assert all(p["says"] and "?" not in p["says"] and "What does" not in p["says"] for p in row["positions"])


def test_huge_question_in_a_file_is_answered_clearly(file_rows):
    row = file_rows[FILE_QUESTIONS.index(HUGE)]
    assert row["found"] is False and row["citations"] == []
    assert len(row["answer"]) < 500 and "limit" in row["answer"]
    assert len(row["question"]) <= 1000  # not echoed back in full


def test_docs_json(corpus_store_dir, corpus_store):
    out = run_cli(["-m", "rag", "docs", "--json", "--store", str(corpus_store_dir)], timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
    rows = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    assert len(rows) == 2
    files = {p.name: p for p in CORPUS.iterdir()}
    for row in rows:
        assert {"doc", "title", "paragraphs", "sha256", "sources"} <= set(row)
        assert row["symbol"] is None  # a plain-text export prints no document symbol (a UN PDF's is test_fidelity's)
        assert isinstance(row["doc"], str) and isinstance(row["title"], str) and row["title"]
        assert isinstance(row["paragraphs"], int) and row["paragraphs"] == len(corpus_store.get_paragraphs(row["doc"]))
        assert isinstance(row["sources"], list) and len(row["sources"]) == 1
        source = row["sources"][0]
        name = source.replace("\\", "/").rsplit("/", 1)[-1]
        assert row["sha256"] == hashlib.sha256(files[name].read_bytes()).hexdigest()
        assert row["sha256"].startswith(row["doc"])


def test_cli_without_a_question_is_a_usage_error(corpus_store_dir):
    out = run_cli(["-m", "rag", "ask", "--json", "--store", str(corpus_store_dir)], timeout=120)
    assert out.returncode == 2 and "question" in out.stderr.lower() and out.stdout == ""


def test_an_empty_store_is_named_not_mistaken_for_an_answerless_library(tmp_path):
    store = str(tmp_path / "empty")
    asked = run_cli(["-m", "rag", "ask", "--json", "--store", store, "What is the Great Firewall?"], timeout=120)
    assert asked.returncode == 0 and json.loads(asked.stdout)["found"] is False  # the contract holds on stdout
    assert "holds no documents" in asked.stderr and "ingest.py" in asked.stderr
    scored = run_cli(["-m", "rag", "eval", "--store", store], timeout=120)
    assert scored.returncode == 1 and "holds no documents" in scored.stderr and scored.stdout == ""


# ------------------------------------------------------------------------------------------- in-process

def test_follow_up_cites_a_supervision_law_recommendation(corpus_assistant, stored):
    first = corpus_assistant.ask(SUPERVISION)
    assert first.found
    assert any(c.section == "The Supervision Law" for c in first.citations)
    second = corpus_assistant.ask("What do they recommend about it?", history=[(SUPERVISION, first.answer)])
    check_contract(second.to_json(), stored)
    assert second.found
    items = [c for c in second.citations if re.fullmatch(r"19\(\d+\)", c.label)]
    assert items and all(c.kind == "recommendation" for c in items)
    # without the history, the same words don't name the Supervision Law
    alone = corpus_assistant.ask("What do they recommend about it?")
    assert not any(re.fullmatch(r"19\(\d+\)", c.label) for c in alone.citations) or not alone.found


@pytest.mark.parametrize("question", ["", "   \n\t ", "x" * 100_000, HUGE, "\x00\x01\ufffd",
                                      "中国的人权状况如何？", "Каковы рекомендации по поводу цензуры?"],
                         ids=["empty", "blank", "100KB-one-word", "100KB-sentence", "control-chars", "chinese",
                              "russian"])
def test_bad_questions_get_a_clear_answer(corpus_assistant, question):
    answer = corpus_assistant.ask(question)
    data = answer.to_json()
    assert CONTRACT_KEYS <= set(data)
    assert answer.found is False and answer.citations == [] and answer.disagreement is False
    assert answer.answer.strip() and len(answer.answer) < 500
    assert json.loads(json.dumps(data)) == data  # serialisable as it is


def test_a_question_in_french_gets_a_clean_answer_or_refusal(corpus_assistant, stored):
    """Latin script but not English: whatever it finds (the English stems rarely match) is cited properly."""
    answer = corpus_assistant.ask("Que recommande le rapport sur la censure d'Internet en Chine ?")
    data = answer.to_json()
    check_contract(data, stored)
    assert data["answer"].strip() and (data["found"] or data["citations"] == [])
