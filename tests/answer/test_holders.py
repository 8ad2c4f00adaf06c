"""Holders (rag/answer/holders.py): a holder's name as shown, and a voice's best sentence and document."""
from __future__ import annotations

from rag.answer.holders import HOLDER_NAME_CHARS, Voice, short_name
from rag.answer.reading import Candidate
from rag.model import RECOMMENDATION, Document, Evidence, Paragraph


def evidence(title: str, section: str | None, kind: str = "paragraph", doc: str = "d1") -> Evidence:
    p = Paragraph(f"{doc}:00001", doc, 1, "4", kind, "The harbour opened in 1871.", section=section)
    return Evidence(1, p, Document(doc, title, "0" * 64, "txt", 10))


def test_a_holder_is_named_by_its_document_and_the_article_where_the_file_holds_several():
    assert short_name(evidence("Harbour Review", None)) == "Harbour Review"
    assert short_name(evidence("Harbour Review", "Harbour Review")) == "Harbour Review"
    assert short_name(evidence("Coastal Digest", "The new pier")) == "Coastal Digest — The new pier"


def test_a_recommendation_is_named_by_its_document_not_its_section():
    assert short_name(evidence("Harbour Review", "Recommendations", RECOMMENDATION)) == "Harbour Review"


def test_a_long_title_is_cut_at_a_word():
    title = "Report of the independent commission of inquiry into the management of the northern harbours and piers"
    name = short_name(evidence(title, None))
    assert name.endswith("…") and len(name) <= HOLDER_NAME_CHARS + 1
    assert title.startswith(name[:-1]) and title[len(name) - 1] == " "  # cut before a space, not inside a word


def test_a_voice_is_heard_through_its_best_candidate():
    first, second = evidence("Harbour Review", None), evidence("Harbour Review", None)
    voice = Voice("Harbour Review", [Candidate(first, 0, "The harbour opened in 1871.", None, logit=2.0),
                                     Candidate(second, 1, "It grew.", None, logit=-1.0)])
    assert voice.best.logit == 2.0 and voice.document == "d1"
