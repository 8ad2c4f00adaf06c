"""The reader's training examples (rag/train/reader_data.py): sentences and negatives as users meet them, stance pairs,
and the splits by article and claim."""
from __future__ import annotations

import numpy as np
import pytest

from rag.train.reader_data import TRAIN_DIR, answer_examples, as_question, every_nth, squad2_part, stance_examples


def test_an_answerable_question_gives_its_sentence_with_the_span_and_negatives_users_meet(rows):
    out = answer_examples(rows[:2], np.random.default_rng(0), "test")
    q1 = [e for e in out if e.group == "q1"]
    (positive,) = [e for e in q1 if e.label == 1]
    assert positive.second == "It was opened in 1931 by the mayor."
    assert positive.second[slice(*positive.span)] == "1931"
    assert positive.heading == "Tarn valley" and positive.before.startswith("The Tarn footbridge is")
    kinds = {e.kind for e in q1 if e.label == 0}
    assert kinds == {"same-paragraph", "other-paragraph"}  # its paragraph's other sentences, and another paragraph's
    assert all("1931" not in e.second for e in q1 if e.label == 0)


def test_an_unanswerable_question_gives_only_negatives_from_its_own_paragraph(rows):
    out = answer_examples(rows[2:], np.random.default_rng(0), "test", unanswerable_weight=2)
    assert out and all(e.label == 0 and e.kind == "unanswerable" for e in out)
    assert len(out) == 2 * 2  # both sentences of its paragraph, twice


@pytest.mark.parametrize("claim, question", [
    ("Vaccination must be made compulsory", "Must vaccination be made compulsory?"),
    ("The penny should stay in circulation.", "Should the penny stay in circulation?"),
    ("UK should ban smoking in cars", "Should UK ban smoking in cars?"),
    ("Students, parents and teachers all agree", None),
])
def test_claims_are_also_asked_as_questions(claim, question):
    assert as_question(claim) == question


def test_stance_examples_include_neither_from_another_claims_perspective():
    rows = [{"claim": f"Claim {i} should pass", "perspective": f"Perspective {i}{j}", "label": "support" if j else
             "undermine", "claim_id": str(i), "split": "train", "source": "t"} for i in range(20) for j in range(2)]
    out = stance_examples(rows, np.random.default_rng(0))
    neither = [e for e in out if e.kind == "neither"]
    assert neither and all(e.second[len("Perspective "):].rstrip("01")[:2] != e.group for e in neither)
    assert any(e.first.endswith("?") for e in out) and any(not e.first.endswith("?") for e in out)


@pytest.mark.skipif(not (TRAIN_DIR / "squad2_train_subset.jsonl.gz").exists(), reason="no ../shared/eval/train")
def test_squad2_articles_are_split_three_ways_and_fit_holds_the_same_articles_apart():
    from rag.train.reader_data import read_rows

    rows = read_rows("squad2_train_subset")
    part = squad2_part(rows)
    held = {t for t, p in part.items() if p == "held"}
    assert held == set(sorted({r["title"] for r in rows})[4::5])  # rag/train/fit.py's held-apart articles
    calibrate = {t for t, p in part.items() if p == "calibrate"}
    both = {r["title"] for r in rows if r["is_impossible"]} & {r["title"] for r in rows if not r["is_impossible"]}
    assert calibrate and calibrate <= both and not calibrate & held


def test_every_nth_is_by_name():
    assert every_nth({"d", "a", "c", "b", "e"}, 2) == {"a", "c", "e"}
