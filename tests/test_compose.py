"""The composers (rag/compose/): one interface (`compose(request) -> Draft`, `stream(request)` yielding text then
returning the Draft), driven with real Readings of the bundled corpus (the session store, the packaged models).
The model composer's own tests, with a model server, are in test_llm.py."""
from __future__ import annotations

import re

import pytest

from rag.compose import Composer, Request, drain
from rag.compose.both_sides import BothSides
from rag.compose.extractive import Extractive, Pick, shown_indices
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
