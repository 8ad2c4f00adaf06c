"""The reader's held-apart measures (rag/train/reader_eval.py): ROC AUC, SQuAD's exact match and F1, which sentences a
question is scored on, and the sentence-choice and answerability figures of the model card, on readings built by hand
and on the shipped reader."""
from __future__ import annotations

import numpy as np
import pytest

from rag.answer.reader import load_reader
from rag.train.reader_eval import (answerability_scores, auc, choice_scores, f1, question_candidates, read_questions,
                                   squad_normal)

CONTEXT = "The Tarn mill was built by Ann Ross in 1820. It ground corn for the valley until 1950."
OTHER = "The Tarn footbridge is an iron structure. The Tarn mill race runs under it. Walkers cross it daily."


def row(question: str, answers: list[str], impossible: bool = False) -> dict:
    return {"title": "Tarn_valley", "question": question, "context": CONTEXT, "answers": answers,
            "is_impossible": impossible}


def test_auc_is_the_chance_a_positive_scores_above_a_negative_with_ties_half():
    labels = np.array([True, True, False, False])
    assert auc(np.array([4.0, 3.0, 2.0, 1.0]), labels) == 1.0
    assert auc(np.array([1.0, 2.0, 3.0, 4.0]), labels) == 0.0
    assert auc(np.array([1.0, 1.0, 1.0, 1.0]), labels) == 0.5
    assert auc(np.array([3.0, 1.0, 2.0, 0.0]), labels) == 0.75
    assert np.isnan(auc(np.array([1.0, 2.0]), np.array([True, True])))


def test_exact_match_and_f1_read_answers_as_squad_does():
    assert squad_normal("The  Ann Ross!") == "ann ross"
    assert f1("Ann Ross", "ann ross") == 1.0
    assert f1("by Ann Ross in 1820", "Ann Ross") == pytest.approx(2 * (2 / 5) * 1 / (2 / 5 + 1))  # 2 of 5 words
    assert f1("1950", "Ann Ross") == 0.0


def test_a_question_is_scored_on_its_paragraphs_sentences_and_the_closest_ones_of_other_paragraphs():
    texts, headings, befores, flags = question_candidates(row("Who built the Tarn mill?", ["Ann Ross"]),
                                                          [CONTEXT, OTHER], others=1)
    assert texts[:2] == ["The Tarn mill was built by Ann Ross in 1820.",
                         "It ground corn for the valley until 1950."]
    assert texts[2] == "The Tarn mill race runs under it."  # shares most words with the question
    assert flags == [True, False, False] and headings == ["Tarn valley"] * 3
    assert befores[1] == texts[0] and befores[2] == "The Tarn footbridge is an iron structure."


def reading(scores, flags, best, span, answers, impossible=False, own=None):
    return {"row": {"answers": answers, "is_impossible": impossible}, "scores": np.array(scores),
            "flags": np.array(flags), "best": best, "span": span, "own_best": max(scores) if own is None else own,
            "own_span": max(scores) if own is None else own}


def test_sentence_choice_and_short_answer_figures():
    read = [reading([2.0, 0.1], [True, False], 0, "Ann Ross", ["Ann Ross"]),
            reading([0.3, 1.0], [True, False], 1, "1950", ["1820"]),
            reading([0.5], [False], 0, "", [], impossible=True)]  # unanswerable: not scored for choice
    figures = choice_scores(read)
    assert figures == {"questions": 2, "sentence_first": 0.5, "short_exact": 0.5, "short_f1": 0.5}


def test_answerability_figures_refuse_unanswerables_below_the_answerables_low_quantiles():
    answerable = [reading([s], [True], 0, "", ["x"]) for s in np.linspace(1.0, 5.0, 100)]
    unanswerable = [reading([s], [False], 0, "", [], impossible=True) for s in (-1.0, 0.5, 3.0)]
    figures = answerability_scores(answerable + unanswerable)
    assert figures["questions"] == 103 and figures["unanswerable"] == 3
    assert figures["refused_at_1pct_best_sentence"] == round(2 / 3, 3)  # below every answerable but the lowest
    assert figures["auc_best_sentence"] == round(250 / 300, 3)  # one unanswerable outscores half the answerables


def test_the_shipped_reader_picks_the_answering_sentence():
    read = read_questions(load_reader(), [row("Who built the Tarn mill?", ["Ann Ross"])])
    assert read[0]["flags"][read[0]["best"]] and read[0]["span"] == "Ann Ross"
