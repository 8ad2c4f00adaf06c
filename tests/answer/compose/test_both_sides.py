"""The both-sides composer (rag/answer/compose/both_sides.py): the disagreement said first, then each holder with its
own citations; on hand-made positions and on a real disagreement of the bundled corpus."""
from __future__ import annotations

import pytest

from rag.answer.compose import Request
from rag.answer.compose.both_sides import BothSides
from rag.model import Position

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
def test_both_sides_of_a_real_disagreement_cite_disjoint_evidence(corpus_assistant, request_for, question):
    from rag.answer.disagree import find_positions
    from rag.answer.reading import load_fitted

    request = request_for(question)
    disagreement, positions, _ = find_positions(request.reading, corpus_assistant.sides, load_fitted().extra)
    assert disagreement and len(positions) >= 2
    request.positions, request.disagreement = positions, True
    draft = BothSides().compose(request)
    given = {e.n for e in request.evidence}
    for pos in positions:
        assert f"**{pos.holder}**" in draft.text and set(pos.citations) <= given
