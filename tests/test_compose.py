"""The composers (rag/compose/): one interface (`compose(request) -> Draft`, `stream(request)` yielding text then
returning the Draft), driven with real Readings of the bundled corpus (the session store, the packaged models).
The model composer's own tests, with a model server, are in test_llm.py."""
from __future__ import annotations

import re

import pytest

from rag.compose import Composer, Request, drain
from rag.compose.both_sides import BothSides
from rag.compose.extractive import RECOMMENDS, Extractive, Pick, choose, shown_indices
from rag.model import MARKER, Draft, Position
from rag.text import sentences


def request_for(assistant, question: str) -> Request:
    evidence = assistant.retriever.retrieve(question)
    return Request(question, evidence, assistant.reading(question, evidence))


def test_extractive_answer_quotes_whole_sentences_of_the_paragraphs_it_cites(corpus_assistant):
    request = request_for(corpus_assistant, "Since when has Liu Xia been under house arrest?")
    draft = Extractive().compose(request)
    assert draft.found and "2010" in draft.text
    by_n = {e.n: e for e in request.evidence}
    cited = [int(n) for group in MARKER.findall(draft.text) for n in group.split(",")]
    assert cited and set(cited) <= set(by_n)
    for n, quote in draft.quotes.items():  # each quote is one of its paragraph's own sentences, unedited
        assert quote in sentences(by_n[n].paragraph.text)


def test_extractive_answer_is_bounded_by_its_sentence_limit(corpus_assistant):
    request = request_for(corpus_assistant, "What are conditions like inside the re-education centres?")
    one = Extractive(max_sentences=1).compose(request)
    assert one.found and len(one.quotes) == 1 and len(MARKER.findall(one.text)) == 1


def test_a_recommendation_question_gets_the_labelled_items_in_the_holders_name(corpus_assistant):
    draft = Extractive().compose(request_for(corpus_assistant, "What is recommended regarding the Great Firewall?"))
    assert draft.found and "recommends" in draft.text
    assert re.search(r"¶9\(8\)", draft.text)


def test_extractive_refusal_names_what_no_document_mentions(corpus_assistant):
    request = request_for(corpus_assistant, "How many moons does Jupiter have?")
    assert not request.reading.found
    draft = Extractive().compose(request)
    assert not draft.found and not draft.quotes and not MARKER.search(draft.text)
    assert draft.text.startswith("The indexed documents do not answer this")
    assert "jupiter" in draft.text.lower() and "Nearest passages, which do not answer it" in draft.text


def test_a_refusal_does_not_call_a_slip_it_read_as_a_known_word_unknown(corpus_assistant):
    request = request_for(corpus_assistant, "How many moons of Jupiter do the Uighers see?")
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


def test_a_recommendation_question_is_answered_by_the_items_not_by_a_sentence_about_recommendations():
    """"What did Corvania recommend?": the reader ranks first a sentence that names Corvania and speaks of
    recommendations; the answer is the item Corvania made, which the reader ranks below it."""
    from rag.model import Document, Evidence, Paragraph, RECOMMENDATION
    from rag.question import read
    from rag.reading import Candidate, Reading

    doc = Document("d", "Review report", "0", "txt", 2)
    said = Paragraph("d-1", "d", 1, "78", "paragraph", "Corvania appreciated efforts to implement recommendations.")
    item = Paragraph("d-2", "d", 2, "122.7", RECOMMENDATION, "Reduce the backlog of court cases (Corvania)")
    candidates = [Candidate(Evidence(1, said, doc, 0.6), 0, said.text, None, 3.0, 0.9),
                  Candidate(Evidence(2, item, doc, 0.3), 0, item.text, None, 1.0, 0.1)]
    reading = Reading(read("What did Corvania recommend?"), candidates, 0.9, 0.2)
    assert [p.evidence.paragraph.label for p in choose(reading, 0.8, 4, 6)] == ["122.7"]


def test_a_recommendation_question_naming_only_a_name_gets_every_item_of_that_name():
    """"What did Corvania recommend to Ruritania?": each item Corvania made is an answer, however low the reader
    ranks it; another state's item is not, however high."""
    from rag.model import Document, Evidence, Paragraph, RECOMMENDATION
    from rag.question import read
    from rag.reading import Candidate, Reading

    doc = Document("d", "Review of Ruritania", "0", "txt", 3)
    items = [Paragraph(f"d-{i}", "d", i, label, RECOMMENDATION, text) for i, (label, text) in enumerate([
        ("122.7", "Reduce the backlog of court cases in Ruritania (Corvania)"),
        ("122.9", "Protect the rights of migrants in Ruritania (Ostland)"),
        ("122.40", "Ensure drinking water for all in Ruritania (Corvania) (Chile)")])]
    candidates = [Candidate(Evidence(i + 1, p, doc, 0.5), 0, p.text, None, logit, prob)
                  for i, (p, logit, prob) in enumerate(zip(items, (3.0, 2.5, 0.5), (0.6, 0.3, 0.1)))]
    reading = Reading(read("What did Corvania recommend to Ruritania?"), candidates, 0.9, 0.2)
    assert [p.evidence.paragraph.label for p in choose(reading, 0.8, 4, 6)] == ["122.7", "122.40"]
    reading = Reading(read("What did Corvania recommend about courts in Ruritania?"), candidates, 0.9, 0.2)
    assert [p.evidence.paragraph.label for p in choose(reading, 0.8, 4, 6)] == ["122.7", "122.9"]  # by coverage


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


def test_a_composer_that_writes_in_one_go_streams_nothing_and_returns_its_draft(corpus_assistant):
    request = request_for(corpus_assistant, "Since when has Liu Xia been under house arrest?")
    chunks, draft = drain(Extractive().stream(request))
    assert chunks == [] and draft == Extractive().compose(request)


def test_a_composer_that_streams_gives_the_same_draft_to_compose():
    class Streaming(Composer):
        def stream(self, request):
            yield "Some "
            yield "text [1]."
            return Draft(text="Some text [1].", quotes={1: "Some text."})

    request = Request("q", [], None)
    chunks, draft = drain(Streaming().stream(request))
    assert "".join(chunks) == draft.text and Streaming().compose(request) == draft


# as rag/disagree.py writes a summary: each of the holder's sentences, then its marker
POSITIONS = [Position("UK Government", "Torture is prohibited in all circumstances. [1]", [1], "2022",
                      "favourable", "prohibited"),
             Position("Amnesty International", "Detainees were tortured in custody. [2] Nobody was charged. [3]",
                      [2, 3], None, "critical", "tortured")]


def test_both_sides_says_so_first_then_each_holder_with_its_own_citations():
    draft = BothSides().compose(Request("Is torture prohibited?", [], None, POSITIONS))
    parts = draft.text.split("\n\n")
    assert parts[0] == "**The sources disagree: they give “prohibited” / “tortured”.**"
    assert parts[1] == "**UK Government** (2022): Torture is prohibited in all circumstances. [1]"
    assert parts[2].startswith("**Amnesty International**: Detainees were tortured")
    assert draft.quotes == {1: "Torture is prohibited in all circumstances.", 2: "Detainees were tortured in custody.",
                            3: "Nobody was charged."}
    assert draft.found


def test_both_sides_without_a_value_for_every_holder_gives_the_plain_heading():
    positions = [POSITIONS[0], Position("Amnesty International", "It is widespread. [2]", [2])]
    draft = BothSides().compose(Request("Is torture prohibited?", [], None, positions))
    assert draft.text.startswith("**The sources disagree on this.**\n\n")


@pytest.mark.parametrize("question", ["What does the briefing say about Bachelet's visit to China?"])
def test_both_sides_of_a_real_disagreement_cite_disjoint_evidence(corpus_assistant, question):
    from rag.disagree import find_positions

    request = request_for(corpus_assistant, question)
    disagreement, positions, _ = find_positions(request.reading)
    assert disagreement and len(positions) >= 2
    request.positions = positions
    draft = BothSides().compose(request)
    given = {e.n for e in request.evidence}
    for pos in positions:
        assert f"**{pos.holder}**" in draft.text and set(pos.citations) <= given
