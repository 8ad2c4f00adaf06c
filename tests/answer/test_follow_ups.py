"""Follow-up questions (rag/answer/follow_ups.py), and what rag/answer/chain.py adds to every answer for its readers: support
per citation, weak_evidence and follow_ups. On the session's corpus store, with the real model and reader."""
from __future__ import annotations

import pytest

from rag.answer import follow_ups
from rag.answer.chain import Assistant
from rag.model import Answer, Citation, Paragraph
from rag.answer.reading import load_fitted

FIREWALL = "What is recommended regarding the Great Firewall?"
QUESTIONS = [FIREWALL, "What does the briefing say about Hong Kong?",
             "How many defence lawyers were penalised between 2017 and 2021?",
             "Is Western criticism of China's human rights record fair?"]


@pytest.fixture(scope="module")
def assistant(corpus_store):
    """The pipeline with room to check every candidate (the machine running the tests may be busy)."""
    settings = corpus_store.settings.model_copy(update={"follow_up_budget_ms": 30_000})
    return Assistant(settings, corpus_store)


@pytest.fixture(scope="module")
def answers(assistant) -> dict[str, Answer]:
    return {q: assistant.ask(q) for q in QUESTIONS}


def test_every_follow_up_is_answered_by_the_documents(assistant, answers):
    offered = 0
    for question, answer in answers.items():
        assert answer.found, question
        assert len(answer.follow_ups) <= 3
        assert question not in answer.follow_ups and len(set(answer.follow_ups)) == len(answer.follow_ups)
        for follow_up in answer.follow_ups:
            offered += 1
            # asked as a click sends it: with the conversation so far
            then = assistant.ask(follow_up, [(question, answer.answer)])
            assert then.found, (question, follow_up)
            assert then.resolved_question == follow_up  # it stands on its own: nothing borrowed
            cited_before = {c.paragraph_id for c in answer.citations}
            assert {c.paragraph_id for c in then.citations} - cited_before, (question, follow_up)  # says more
    assert offered >= 2  # the documents do have more to say on these topics


def test_follow_ups_draw_on_the_documents(answers):
    suggested = " ".join(f for a in answers.values() for f in a.follow_ups)
    # each names a document of the library, or quotes one of its paragraphs or headings
    titles = ("UPR 2018 China Stakeholder Submission", "UK China Human Rights Briefing 2022")
    for answer in answers.values():
        for f in answer.follow_ups:
            assert any(t in f for t in titles) or f.startswith("What is recommended regarding"), f
    assert suggested


def test_nothing_unchecked_is_offered(corpus_store):
    hurried = Assistant(corpus_store.settings.model_copy(update={"follow_up_budget_ms": 0}), corpus_store)
    answer = hurried.ask(FIREWALL)
    assert answer.found and answer.follow_ups == []  # no time to check: nothing offered
    off = Assistant(corpus_store.settings.model_copy(update={"follow_ups": 0}), corpus_store)
    assert off.ask(FIREWALL).follow_ups == []
    assert "follow_ups" not in off.ask(FIREWALL).timings_ms
    refused = Answer(question="q", answer="The documents do not answer this.", found=False)
    assert follow_ups.suggest(None, None, {}, None, refused) == []


def test_extractive_citations_are_verbatim_quotes(answers):
    for question, answer in answers.items():
        assert answer.citations
        assert all(c.support == 1.0 for c in answer.citations), (question, [c.support for c in answer.citations])
        data = answer.to_json()
        assert all(c["support"] == 1.0 for c in data["citations"])
        assert isinstance(data["weak_evidence"], bool) and isinstance(data["follow_ups"], list)


def test_weak_evidence_is_the_readers_answerability_below_the_fitted_value(assistant):
    weak = getattr(load_fitted(), "weak", 0.5)
    for question in QUESTIONS:
        turn = assistant.retrieve(assistant.resolve(assistant.check(
            {"question": question, "history": [], "doc_ids": None})))
        assert list(assistant.compose(turn)) == []  # the extractive composer streams nothing; it sets the draft
        answer = assistant.finish(turn)
        assert answer.weak_evidence == (answer.found and turn.reading.answerable < weak), question
    strict = Assistant(assistant.settings.model_copy(update={"weak_evidence": 1.0, "follow_ups": 0}),
                       assistant.store)
    assert strict.ask(FIREWALL).weak_evidence is True  # every found answer falls below 1.0
    lenient = Assistant(assistant.settings.model_copy(update={"weak_evidence": 0.0, "follow_ups": 0}),
                        assistant.store)
    assert lenient.ask(FIREWALL).weak_evidence is False


# ---------------------------------------------------------------------------------------------- candidates
def citation(n: int, doc: str, pid: str, section: str | None = "Internet") -> Citation:
    return Citation(n=n, doc=doc, title=f"Report {doc}", label=str(n), page=1, section=section, text="x",
                    quote="x", paragraph_id=pid)


class Doc:
    def __init__(self, title: str):
        self.title = title


def test_topic_is_the_users_phrase_or_the_cited_section():
    answer = Answer(question="q", answer="a [1]", found=True, citations=[citation(1, "a", "a:1")])
    assert follow_ups.topic("What is recommended regarding the Great Firewall?", answer) == "the Great Firewall"
    assert follow_ups.topic("What does the briefing say about Hong Kong?", answer) == "Hong Kong"
    assert follow_ups.topic("And what about it?", answer) == "“Internet”"  # a pronoun says nothing: the heading
    assert follow_ups.topic("How many were detained?", answer) == "“Internet”"
    bare = Answer(question="q", answer="a [1]", found=True, citations=[citation(1, "a", "a:1", section=None)])
    assert follow_ups.topic("How many were detained?", bare) is None


def test_candidates_other_holders_recommendations_and_neighbours():
    paragraphs = [Paragraph(id=f"a:{i}", doc_id="a", ordinal=i, label=str(i), kind="paragraph",
                            text=t) for i, t in enumerate([
                                "Second, the “Great Firewall” blocks foreign news sites. More follows.",
                                "The firewall is cited.",
                                "Moreover, officials in the capital say that it protects the public every day."])]
    answer = Answer(question="What does Report a say about the firewall?", answer="It is cited [1].", found=True,
                    citations=[citation(1, "a", "a:1")])
    docs = {"a": Doc("Report a"), "b": Doc("Report b"), "c": Doc("The Report c")}
    out = follow_ups.candidates(answer.question, answer, docs, paragraphs, ["c", "a", "b"], None)
    questions = [c.question for c in out]
    assert questions[0] == "What does The Report c say about the firewall?"  # ranked by retrieval first
    assert "What does the Report b say about the firewall?" in questions
    assert "What is recommended regarding the firewall?" in questions
    nxt = next(c for c in out if c.kind == "next")
    prev = next(c for c in out if c.kind == "previous")
    assert nxt.paragraph == "a:2" and prev.paragraph == "a:0"
    assert prev.question == "What does the Report a say about “The Great Firewall blocks foreign news sites”?"
    assert nxt.question == "What does the Report a say about “Officials in the capital say …”?"  # no "that it"
    assert {c.kind for c in out[:3]} == {"holder", "recommendations", "next"}  # variety first
    footprint = Paragraph(id="a:9", doc_id="a", ordinal=9, label="9", kind="paragraph",
                          text="Fourth, China’s international footprint and its position on the world stage grew.")
    assert follow_ups._opening(footprint) == "China’s international footprint …"  # no dangling "and"
    scoped = follow_ups.candidates(answer.question, answer, docs, paragraphs, ["c", "a", "b"], ["a", "b"])
    assert not any("Report c" in c.question for c in scoped)  # only documents the user searches
