"""The evaluation (rag/train/evaluate.py, python -m rag eval): how each answer is scored, the table, and a set of one's
own (a folder with docs/ and questions.jsonl) run end to end through the CLI with the packaged models."""
from __future__ import annotations

import json

import pytest
from conftest import run_cli

from rag.train.evaluate import format_report, score, set_from_folder
from rag.model import Answer, Citation, Position

BRIDGE = "The Kestrelmoor bridge opened to traffic in 1931 after four years of work."


def cited(*texts: str, label: str = "4") -> list[Citation]:
    return [Citation(n=i, doc="d", title="Report", label=label, page=1, section=None, text=t, quote=None)
            for i, t in enumerate(texts, 1)]


def test_a_fact_is_right_when_every_required_fact_is_in_the_answer_and_a_citation_holds_the_gold():
    row = {"q": "When did the bridge open?", "cat": "fact", "facts": ["1931"], "gold": ["opened to traffic in 1931"]}
    good = score(row, Answer(row["q"], "It opened in 1931 [1].", True, cited(BRIDGE)), [BRIDGE])
    assert good["answer_ok"] and good["citation_ok"] and good["retrieved_ok"] and good["refusal_ok"]
    assert good["over_refusal"] is False and good["false_flag"] is False
    wrong = score(row, Answer(row["q"], "It opened in 1936 [1].", True, cited("Another paragraph.")), [])
    assert not wrong["answer_ok"] and not wrong["citation_ok"] and not wrong["retrieved_ok"]
    refused = score(row, Answer(row["q"], "The indexed documents do not answer this.", False), [BRIDGE])
    assert refused["over_refusal"] is True and refused["refusal_ok"] is False


def test_gold_passages_match_across_case_spacing_and_curly_quotes_and_a_named_label_must_match():
    row = {"q": "q", "cat": "fact", "gold": ["the “Kestrelmoor”  bridge"], "label": r"^4$"}
    assert score(row, Answer("q", "x [1]", True, cited('The "kestrelmoor" bridge opened.')))["citation_ok"]
    assert not score(row, Answer("q", "x [1]", True, cited('The "kestrelmoor" bridge.', label="5")))["citation_ok"]


def test_an_unanswerable_question_is_right_only_when_refused_and_a_flag_on_it_is_a_false_flag():
    row = {"q": "How many moons does Jupiter have?", "cat": "none", "refuse": True}
    assert score(row, Answer(row["q"], "The documents do not say.", False))["refusal_ok"]
    answered = score(row, Answer(row["q"], "x [1]", True, cited(BRIDGE), disagreement=True))
    assert not answered["refusal_ok"] and answered["false_flag"] and "over_refusal" not in answered


def test_both_sides_needs_the_flag_and_a_citation_for_every_side():
    row = {"q": "When did it open?", "cat": "both", "sides": [["opened in 1931"], ["opened in 1936"]]}
    sides = [Position("A", "x [1]", [1]), Position("B", "y [2]", [2])]
    both = Answer(row["q"], "x", True, cited("It opened in 1931.", "It opened in 1936."), True, sides)
    assert score(row, both)["both_ok"] and "false_flag" not in score(row, both)
    one_side = Answer(row["q"], "x", True, cited("It opened in 1931."), True, sides[:1])
    assert not score(row, one_side)["both_ok"]
    not_flagged = Answer(row["q"], "x", True, cited("It opened in 1931.", "It opened in 1936."))
    assert not score(row, not_flagged)["both_ok"]


def test_the_table_has_a_row_per_category_and_one_for_all():
    rows = [{"q": "a", "cat": "fact", "found": True, "disagreement": False, "citations": 1, "ms": 100.0,
             "refusal_ok": True, "over_refusal": False, "answer_ok": True, "false_flag": False},
            {"q": "b", "cat": "fact", "found": False, "disagreement": False, "citations": 0, "ms": 300.0,
             "refusal_ok": False, "over_refusal": True, "answer_ok": False, "false_flag": False},
            {"q": "c", "cat": "none", "found": False, "disagreement": False, "citations": 0, "ms": 50.0,
             "refusal_ok": True, "false_flag": False}]
    lines = format_report({"rows": rows}).splitlines()
    head = [c.strip() for c in lines[0].split("|")[2:-1]]
    cells = {line.split("|")[1].strip(): dict(zip(head, (c.strip() for c in line.split("|")[2:-1])))
             for line in lines[2:]}
    assert list(cells) == ["fact", "none", "all"]
    assert cells["fact"]["n"] == "2" and cells["fact"]["answer"] == "1/2 (50%)"
    assert cells["fact"]["over-refusal"] == "1/2 (50%)"
    assert cells["none"]["refusal"] == "1/1 (100%)" and cells["none"]["answer"] == "-"  # no answer to check
    assert cells["all"]["n"] == "3" and cells["all"]["refusal"] == "2/3 (67%)"


def test_a_folder_without_docs_and_questions_is_refused_with_what_it_must_hold(tmp_path):
    with pytest.raises(ValueError, match="must hold docs/ and questions.jsonl"):
        set_from_folder(tmp_path)


def test_a_set_of_ones_own_is_ingested_into_its_own_store_and_scored(tmp_path):
    folder = tmp_path / "bridges"
    (folder / "docs").mkdir(parents=True)
    (folder / "docs" / "bridges-report.txt").write_text(
        "Bridges of the county\n\n"
        f"1. {BRIDGE}\n\n"
        "2. The Marrowfield ferry was closed in 1958, when the road to the coast was widened.\n", encoding="utf-8")
    questions = [{"q": "When did the Kestrelmoor bridge open to traffic?", "cat": "fact", "facts": ["1931"],
                  "gold": ["opened to traffic in 1931"]},
                 {"q": "How many moons does Jupiter have?", "cat": "none", "refuse": True}]
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions) + "\n", encoding="utf-8")

    run = run_cli(["-m", "rag", "eval", "--set", str(folder), "--details"], timeout=600,
                  env={"RAG_STORE": str(tmp_path / "store"), "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"## bridges ({folder / 'questions.jsonl'})" in run.stdout
    details = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    fact, none = details
    assert fact["answer_ok"] and fact["citation_ok"] and not fact["over_refusal"]
    assert none["refusal_ok"] and not none["found"]
    assert (tmp_path / "store" / "eval" / "bridges" / "chroma").is_dir()  # a store of its own, kept for reuse
