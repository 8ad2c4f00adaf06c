"""How well a citation supports its sentence (rag/answer/cite.py `support`, `set_support`, `describe_support`): pure
functions, no store or model. The answers' own support is checked on the real pipeline in test_follow_ups.py."""
from __future__ import annotations

import pytest

from rag.answer.cite import (CLOSE, PARTIAL, QUOTED, citing_sentences, describe_support, set_support, support,
                      why_unsupported)
from rag.model import Citation

LAWYERS = ("According to research conducted by The 29 Principles, a UK-based civil society group, between January "
           "2017 and October 2021, at least 43 defence lawyers and three law firms were penalised for their human "
           "rights work by having their licenses suspended, cancelled or revoked by judicial bureaus throughout "
           "China.")
CONTEXT = "UK China Human Rights Briefing 2022 2022 4"


def test_a_verbatim_quote_with_its_attribution_scores_one():
    sentence = f"According to *UK China Human Rights Briefing 2022* (¶4): {LAWYERS} [1]"
    assert support(sentence, LAWYERS, CONTEXT) == 1.0
    assert support(LAWYERS, LAWYERS) == 1.0
    quoted = "The briefing states that at least 43 defence lawyers and three law firms were penalised [1]"
    assert support(quoted, LAWYERS, "UK China Human Rights Briefing 2022") == 1.0  # attributed by its title
    assert support(quoted, LAWYERS, "Annual Report") < 1.0  # "briefing" names no document here
    assert support("Wrongly, at least 43 defence lawyers and three law firms were penalised [1]", LAWYERS,
                   CONTEXT) < 1.0  # a word of its own around the quote


@pytest.mark.parametrize("sentence, words", [
    ("Between 2017 and 2021, at least 43 defence lawyers and three law firms were penalised for their human "
     "rights work [1].", CLOSE),
    ("At least 43 defence lawyers were penalised between 2017 and 2021, according to The 29 Principles [1].", CLOSE),
    ("Judicial bureaus in China suspended or revoked licences of defence lawyers and law firms in 2017 [1].", PARTIAL),
])
def test_paraphrases_score_below_one_in_words(sentence, words):
    score = support(sentence, LAWYERS, CONTEXT)
    assert 0 < score < 1
    assert describe_support(score) == words


def test_what_the_checker_rejects_scores_low():
    for sentence in ("At least 45 defence lawyers were penalised [1].",  # a figure the paragraph lacks
                     "Defence lawyers were not penalised for their human rights work [1].",  # a negation it lacks
                     "The government built many new airports across the western provinces [1]."):
        assert why_unsupported(sentence, LAWYERS, CONTEXT) is not None
        assert support(sentence, LAWYERS, CONTEXT) < 0.5, sentence
    # fragments put back together in another order are not a quote
    swapped = ("were penalised for their human rights work by having their licenses suspended, and at least 43 "
               "defence lawyers and three law firms [1]")
    assert support(swapped, LAWYERS) < 1.0
    # a "not" slipped between verbatim words is not a quote
    assert support("At least 43 defence lawyers and three law firms were not penalised [1]", LAWYERS) < 0.5


def test_describe_support():
    assert describe_support(1.0) == QUOTED == "quoted"
    assert describe_support(0.8) == "close paraphrase"
    assert describe_support(0.3) == "partial"
    assert describe_support(None) == ""


def test_citing_sentences_follow_markers_across_lines_and_bullets():
    text = ("*Title* (“Section”):\n- First sentence here. [1]\n- ¶14(3): Facilitate a mission [2]\n\n"
            "**Holder** (2022): One thing. [3] Another thing. [4][1]")
    assert citing_sentences(text) == [("First sentence here. [1]", [1]), ("¶14(3): Facilitate a mission [2]", [2]),
                                      ("Holder (2022): One thing. [3]", [3]), ("Another thing. [4][1]", [4, 1])]


def test_set_support_takes_each_citations_best_sentence():
    c1 = Citation(n=1, doc="d", title="UK China Human Rights Briefing 2022", label="4", page=2, section=None,
                  text=LAWYERS, quote=None, date="2022", paragraph_id="d:4")
    c2 = Citation(n=2, doc="e", title="Other", label="7", page=None, section=None,
                  text="The harbour board recommends dredging the western channel twice a year.", quote=None)
    text = (f"According to *UK China Human Rights Briefing 2022* (¶4): {LAWYERS} [1]\n\n"
            "Lawyers were penalised, and the channel is dredged twice a year [1][2].")
    set_support(text, [c1, c2])
    assert c1.support == 1.0  # its best sentence is the verbatim quote
    assert 0 < c2.support < 0.5  # the one sentence citing it is mostly about something else
