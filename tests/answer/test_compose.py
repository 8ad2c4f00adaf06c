"""The composers (rag/answer/compose/): one interface (`compose(request) -> Draft`, `stream(request)` yielding text then
returning the Draft), driven with real Readings of the bundled corpus (the session store, the packaged models).
The model composer's own tests, with a model server, are in test_llm.py."""
from __future__ import annotations

import re

import pytest

from rag.answer.compose import Composer, Request, drain
from rag.answer.compose.both_sides import BothSides
from rag.answer.compose.extractive import RECOMMENDS, Extractive, Pick, choose, shown_indices
from rag.model import MARKER, Draft, Position
from rag.nlp.text import sentences


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


# as rag/answer/disagree.py writes a summary: each of the holder's sentences, then its marker
POSITIONS = [Position("UK Government", "Torture is prohibited in all circumstances. [1]", [1], "2022",
                      "supports", "prohibited", "says prohibited"),
             Position("Amnesty International", "Detainees were tortured in custody. [2] Nobody was charged. [3]",
                      [2, 3], None, "undermines", "tortured", "says tortured")]


def test_both_sides_says_so_first_then_each_holder_with_its_own_citations():
    draft = BothSides().compose(Request("Is torture prohibited?", [], None, POSITIONS, disagreement=True))
    parts = draft.text.split("\n\n")
    assert parts[0] == "**The sources disagree: they give “prohibited” / “tortured”.**"
    assert parts[1] == "**UK Government** (2022) says prohibited:\nTorture is prohibited in all circumstances. [1]"
    assert parts[2].startswith("**Amnesty International** says tortured:\nDetainees were tortured")
    assert draft.quotes == {1: "Torture is prohibited in all circumstances.", 2: "Detainees were tortured in custody.",
                            3: "Nobody was charged."}
    assert draft.found


def test_both_sides_without_a_value_for_every_holder_gives_the_plain_heading():
    positions = [POSITIONS[0], Position("Amnesty International", "It is widespread. [2]", [2])]
    draft = BothSides().compose(Request("Is torture prohibited?", [], None, positions, disagreement=True))
    assert draft.text.startswith("**The sources disagree on this.**\n\n")


def test_sources_that_agree_are_laid_out_source_by_source_without_a_disagreement():
    draft = BothSides().compose(Request("Is torture prohibited?", [], None, POSITIONS, disagreement=False))
    assert "disagree" not in draft.text and draft.text.startswith("**UK Government** (2022) says prohibited:")


@pytest.mark.parametrize("question", ["What does the briefing say about Bachelet's visit to China?"])
def test_both_sides_of_a_real_disagreement_cite_disjoint_evidence(corpus_assistant, question):
    from rag.answer.disagree import find_positions
    from rag.answer.reading import load_fitted

    request = request_for(corpus_assistant, question)
    disagreement, positions, _ = find_positions(request.reading, corpus_assistant.sides, load_fitted().extra)
    assert disagreement and len(positions) >= 2
    request.positions, request.disagreement = positions, True
    draft = BothSides().compose(request)
    given = {e.n for e in request.evidence}
    for pos in positions:
        assert f"**{pos.holder}**" in draft.text and set(pos.citations) <= given
