"""The extractive composer (rag/answer/compose/extractive.py), driven with real Readings of the bundled corpus (the
session store, the packaged models) and with readings built by hand: whole sentences quoted, the sentence limit,
recommendation lookups, refusals that name what is missing."""
from __future__ import annotations

import re

import pytest

from rag.answer.compose.extractive import RECOMMENDS, Extractive, Pick, choose, shown_indices
from rag.model import MARKER
from rag.nlp.text import sentences


def test_extractive_answer_quotes_whole_sentences_of_the_paragraphs_it_cites(request_for):
    request = request_for("Since when has Liu Xia been under house arrest?")
    draft = Extractive().compose(request)
    assert draft.found and "2010" in draft.text
    by_n = {e.n: e for e in request.evidence}
    cited = [int(n) for group in MARKER.findall(draft.text) for n in group.split(",")]
    assert cited and set(cited) <= set(by_n)
    for n, quote in draft.quotes.items():  # each quote is one of its paragraph's own sentences, unedited
        assert quote in sentences(by_n[n].paragraph.text)


def test_extractive_answer_is_bounded_by_its_sentence_limit(request_for):
    request = request_for("What are conditions like inside the re-education centres?")
    one = Extractive(max_sentences=1).compose(request)
    assert one.found and len(one.quotes) == 1 and len(MARKER.findall(one.text)) == 1


def test_a_recommendation_question_gets_the_labelled_items_in_the_holders_name(request_for):
    draft = Extractive().compose(request_for("What is recommended regarding the Great Firewall?"))
    assert draft.found and "recommends" in draft.text
    assert re.search(r"¶9\(8\)", draft.text)


def test_extractive_refusal_names_what_no_document_mentions(request_for):
    request = request_for("How many moons does Jupiter have?")
    assert not request.reading.found
    draft = Extractive().compose(request)
    assert not draft.found and not draft.quotes and not MARKER.search(draft.text)
    assert draft.text.startswith("The indexed documents do not answer this")
    assert "jupiter" in draft.text.lower() and "Nearest passages, which do not answer it" in draft.text


def test_a_refusal_does_not_call_a_slip_it_read_as_a_known_word_unknown(request_for):
    request = request_for("How many moons of Jupiter do the Uighers see?")
    assert "uighur" in request.reading.question.topics  # the slip is read as the corpus spells it
    draft = Extractive().compose(request)
    assert not draft.found and "jupiter" in draft.text.lower()
    assert "uighers" not in draft.text.lower()


@pytest.mark.parametrize("sentence, recommends", [
    ("The Committee recommended that the State ratify the Convention.", True),
    ("States should end the practice.", True),
    ("It urges the Government to act.", True),
    ("Germany appreciated efforts to implement recommendations from the previous review.", False),
    ("The recommendation is incomprehensible.", False),
    ("The proposal was welcomed.", False),
])
def test_a_sentence_recommends_by_its_verb_not_by_speaking_of_recommendations(sentence, recommends):
    assert bool(RECOMMENDS.search(sentence)) is recommends


def lookup(question: str, items: list[tuple[str, str, float]], said: tuple[str, float] | None = None):
    """A Reading of a recommendation lookup over invented items (label, text, the reader's logit), best first, as
    rag/answer/reading.py makes one; `said`: a plain sentence about recommendations and its logit."""
    from rag.model import Document, Evidence, Paragraph, RECOMMENDATION
    from rag.nlp.question import read
    from rag.answer.reader import PairReading
    from rag.answer.reading import Candidate, Reading, rank

    doc = Document("d", "Review of Ruritania", "0", "txt", 4)
    cands = []
    for i, (label, text, logit) in enumerate(items):
        p = Paragraph(f"d-{i}", "d", i, label, RECOMMENDATION, text)
        cands.append(Candidate(Evidence(i + 1, p, doc, 0.5), 0, text, None, 0.0, logit,
                               read=PairReading(logit, None, 0.0, None, None)))
    if said:
        p = Paragraph("d-s", "d", 9, "78", "paragraph", said[0])
        cands.append(Candidate(Evidence(9, p, doc, 0.6), 0, said[0], None, 0.0, said[1],
                               read=PairReading(said[1], None, 0.0, None, None)))
    reading = Reading(read(question), rank(cands), 0.9, 0.2)
    reading.item_at = 0.0  # the fitted match line, here
    return reading


def test_a_recommendation_lookup_gets_every_matching_item_not_a_sentence_about_recommendations():
    """"What did Corvania recommend?": the reader ranks first a sentence that names Corvania and speaks of
    recommendations; the answer is every item the reader finds matching, each with its number."""
    reading = lookup("What did Corvania recommend?", [
        ("122.7", "Reduce the backlog of court cases (Corvania)", 2.5),
        ("122.9", "Protect the rights of migrants (Ostland)", -3.0),
        ("122.40", "Ensure drinking water for all (Corvania) (Chile)", 0.4)],
        said=("Corvania appreciated efforts to implement recommendations.", 3.0))
    assert [p.evidence.paragraph.label for p in choose(reading, 0.5, 4, 15)] == ["122.7", "122.40"]


def test_a_lookup_is_not_cut_to_the_best_few_but_to_the_item_limit():
    items = [(f"121.{i}", f"Ratify the convention on item {i} (State{i})", 3.0 - i / 10) for i in range(12)]
    reading = lookup("Which states recommended ratifying the convention?", items)
    assert len(choose(reading, 0.5, 4, 15)) == 12  # every match, whatever the coverage
    assert len(choose(reading, 0.5, 4, 5)) == 5  # up to the limit


def test_a_picked_sentence_brings_the_sentences_that_refer_to_or_back_from_it():
    text = ["The port runs three container terminals.", "They handled 4 million containers last year.",
            "The port opened in 1871.", "Its first harbour master was Ann Ross.", "Fees rose."]

    def shown(*picked):
        return shown_indices([Pick(None, text[i], i, 0.0) for i in picked], text)

    assert shown(0) == [0, 1]        # the next sentence goes on about the pick's subject ("They handled ...")
    assert shown(1) == [0, 1]        # a pick opening with "They" brings what "They" are
    assert shown(2) == [2, 3]
    assert shown(3) == [2, 3]
    assert shown(4) == [4]           # the last sentence, after one that does not refer back
    assert shown(1, 4) == [0, 1, 4]  # a sentence that does not refer back is not brought
