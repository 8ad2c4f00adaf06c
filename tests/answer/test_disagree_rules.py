"""The rule reader of disagreement (rag/answer/disagree_rules.py), on readings built by hand: the rules of general
English that read before the reader model's heads. Through the Assistant: tests/answer/test_disagree.py."""
from __future__ import annotations

import pytest

from rag.answer.disagree_rules import DISPUTE, reported_conflict, stance_conflict
from rag.answer.holders import Voice
from rag.answer.reading import Reading
from rag.model import Document
from rag.nlp.question import read

from conftest import candidate


def test_each_side_is_shown_by_its_answer_not_its_loudest_sentence():
    """A holder's side shows its best-ranked sentence that leans the side's way, however loud another is."""
    ministry = Document("ministry", "Ministry of Works", "0" * 64, "txt", 1)
    auditor = Document("auditor", "National Auditor", "1" * 64, "txt", 1)
    praise = candidate(ministry, 1, "The bridge programme has been a great success.", 2.0)
    answer = candidate(auditor, 2, "The bridge programme has been a failure.", 1.0)
    louder = candidate(auditor, 3, "Its consultants were a terrible, shameful and disastrous waste.", 0.9)
    reading = Reading(read("Has the bridge programme been a success?"), [praise, answer, louder], 0.9, 0.1,
                      coverage=0.99)
    sides = stance_conflict(reading, [Voice("Ministry of Works", [praise]),
                                      Voice("National Auditor", [answer, louder])])
    assert [p.summary for p in sides] == ["The bridge programme has been a great success. [1]",
                                          "The bridge programme has been a failure. [2]"]


def test_one_sources_sentences_split_by_tone_are_a_dispute_only_where_no_other_document_answers():
    """A review whose sentences lean both ways with a contrast ("praised ... but today ...") and name no speaker
    is read as reporting a dispute when it alone answers a question of judgement; where another document answers
    too, the documents' own positions are the answer, not that review's sentences split by their tone."""
    review = Document("review", "Tramway Review", "0" * 64, "txt", 1)
    plan = Document("plan", "Transport Plan", "1" * 64, "txt", 1)
    praised = candidate(review, 1, "When it opened the tramway was praised as a wonderful and modern service.", 2.0)
    faults = candidate(review, 2, "But today the tramway is slow, costly, unreliable and a terrible waste.", 1.5)
    route = candidate(plan, 3, "The tramway runs on its present route to the town centre until 2030.", 1.0)
    question = read("Should the tramway be kept?")
    alone = Reading(question, [praised, faults], 0.9, 0.1, coverage=0.99)
    sides = reported_conflict(alone, [Voice("Tramway Review", [praised, faults])])
    assert [p.stance for p in sides] == ["supports", "undermines"]
    assert all("views reported in Tramway Review" in p.holder for p in sides)
    both = Reading(question, [praised, faults, route], 0.9, 0.1, coverage=0.99)
    assert reported_conflict(both, [Voice("Tramway Review", [praised, faults]),
                                    Voice("Transport Plan", [route])]) == []


@pytest.mark.parametrize("sentence, disputes", [
    ("The ministry denied the reports of evictions.", True),
    ("The government denies that detainees were tortured.", True),
    ("The statement rejects the findings as fabricated.", True),
    ("Detainees were denied access to a lawyer.", False),   # deprivation, not a rebuttal
    ("The denial of legal representation was justified by the government.", False),
    ("Defamation, slander and insult remain criminal offences.", False),  # the offence, not a rebuttal
    ("The status of the so-called 'stateless' residents was regulated.", False),  # a term introduced
])
def test_dispute_words_reject_a_claim_rather_than_deprive(sentence, disputes):
    assert bool(DISPUTE.search(sentence)) is disputes
