"""Conflicts of fact read by rules (rag/answer/disagree_facts.py), on readings and sentences built by hand. Through the
Assistant: tests/answer/test_disagree.py."""
from __future__ import annotations

import numpy as np
import pytest

from rag.answer.disagree_facts import agree, around, asks_who_a_name_is, slot, speaks_to
from rag.answer.reading import Candidate, Reading
from rag.model import DATE, NUMBER, Document, Evidence, Paragraph
from rag.nlp.question import read

from conftest import candidate


def test_a_word_a_document_never_uses_is_excused_only_where_the_question_names_its_subject():
    """"Deputies" may be "places in parliament" in a document that never says "deputies", if the sentence names
    the parliament the question names; a question that names nothing gives no such anchor."""
    doc = Document("observatory", "Observatory news", "0" * 64, "txt", 1)
    c = candidate(doc, 1, "Women held 27 per cent of the places in the newly elected Westmarch parliament.")
    never = lambda term, doc_id: term != "deputi"  # noqa: E731  the document never says "deputies"
    named = Reading(read("What share of the deputies in the Westmarch parliament were women?"), [c], 0.9, 0.1,
                    uses=never)
    assert speaks_to(c, {"deputi", "westmarch", "parliament", "women"}, named)
    anchorless = Reading(read("What share of the deputies in parliament were women?"), [c], 0.9, 0.1, uses=never)
    assert not speaks_to(c, {"deputi", "parliament", "women"}, anchorless)


@pytest.mark.parametrize("value, others, same", [
    ("2017", {"14 october 2017"}, True), ("march 3", {"march 3, 1990"}, True), ("2015", {"14 october 2017"}, False),
    ("december 2015", {"december 2016"}, False)])
def test_dates_agree_where_one_is_the_other_written_more_fully(value, others, same):
    assert agree(value, others, DATE) is same
    assert agree("20", {"2017"}, NUMBER) is False  # figures agree only when equal


@pytest.mark.parametrize("question, describes", [
    ("Who is Ann Ross?", True), ("Who is the Ombudsman of Ruritania?", True),
    ("Who is the chair of the Marlow Trust?", False), ("Who won the Marlow contract?", False),
    ("How old is Ann Ross?", False)])
def test_who_a_name_is_asks_for_a_description_not_a_name(question, describes):
    assert asks_who_a_name_is(question) is describes


@pytest.mark.parametrize("sentence, value, kind", [
    ("The agency budget is EUR 4 million a year.", "4 million", "money"),
    ("The grant was $250,000 in all.", "$250,000", "money"),
    ("The fund paid out 12,000 euros.", "12,000", "money"),
    ("Women held 27 per cent of the seats.", "27 per cent", "share"),
    ("The agency employs 40 staff.", "40", "count"),
    ("In all, 1,745 are of one race.", "1,745", None),
])
def test_the_kind_of_a_figure_is_read_from_its_sentence(sentence, value, kind):
    assert slot(sentence, value, set())[0] == kind


def test_around_a_candidate_are_the_sentences_shown_with_it():
    doc = Document("d", "Register", "0" * 64, "txt", 1)
    text = "The Tarn footbridge is a listed iron structure. It was opened in 1931. Walkers use it."
    evidence = Evidence(1, Paragraph("d:1", "d", 1, "1", "paragraph", text), doc, 1.0)
    shown = around(Candidate(evidence, 0, "The Tarn footbridge is a listed iron structure.", np.zeros(1)))
    assert [(c.index, c.sentence) for c in shown] == [(0, "The Tarn footbridge is a listed iron structure."),
                                                     (1, "It was opened in 1931.")]
    assert all(c.evidence is evidence for c in shown)
