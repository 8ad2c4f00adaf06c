"""ParagraphRetriever (rag.answer.retrieve) as a LangChain retriever: the langchain-tests standard suite (it runs
offline: no network, no API key) over an ingested store, plus the citation metadata and doc_ids filter."""
from __future__ import annotations

import pytest
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever
from langchain_tests.integration_tests import RetrieversIntegrationTests

from rag.answer.retrieve import ParagraphRetriever, Retriever

QUERY = "What does the submission say about the social credit system?"


@pytest.fixture(scope="module")
def hybrid(corpus_store) -> Retriever:
    return Retriever(corpus_store)


class TestParagraphRetrieverStandard(RetrieversIntegrationTests):
    """The standard suite builds retrievers from `retriever_constructor(**retriever_constructor_params)`."""

    @pytest.fixture(autouse=True)
    def _hybrid(self, hybrid):
        self._retriever = hybrid

    @property
    def retriever_constructor(self) -> type[BaseRetriever]:
        return ParagraphRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"retriever": self._retriever}

    @property
    def retriever_query_example(self) -> str:
        return QUERY


def test_documents_carry_citation_metadata(hybrid, corpus_store):
    docs = ParagraphRetriever(retriever=hybrid, k=4).invoke(QUERY)
    assert len(docs) == 4 and all(isinstance(d, LCDocument) for d in docs)
    titles = {d.doc_id: d.title for d in corpus_store.list_documents()}
    stored = {p.id: p for p in corpus_store.get_paragraphs()}
    for d in docs:
        meta = d.metadata
        for key in ("id", "doc_id", "label", "kind", "title", "ordinal", "score"):
            assert key in meta, key
        p = stored[meta["id"]]
        assert d.id == p.id and d.page_content == p.text  # the whole paragraph
        assert (meta["doc_id"], meta["label"], meta["kind"], meta.get("page"), meta.get("section")) == \
               (p.doc_id, p.label, p.kind, p.page, p.section)
        assert meta["title"] == titles[p.doc_id]
        assert meta["kind"] not in ("heading", "footnote")
    assert any("social credit" in d.page_content.lower() or "SCS" in d.page_content for d in docs[:2])


def test_k_is_honoured(hybrid):
    retriever = ParagraphRetriever(retriever=hybrid)
    unlimited = retriever.invoke(QUERY)
    assert len(unlimited) > 5
    for k in (1, 2, 5):
        assert len(ParagraphRetriever(retriever=hybrid, k=k).invoke(QUERY)) == k
        assert len(retriever.invoke(QUERY, k=k)) == k
    top = ParagraphRetriever(retriever=hybrid, k=5).invoke(QUERY)
    assert [d.id for d in ParagraphRetriever(retriever=hybrid, k=2).invoke(QUERY)] == [d.id for d in top[:2]]


def test_doc_ids_are_honoured(hybrid, corpus_store):
    docs = {d.title: d.doc_id for d in corpus_store.list_documents()}
    briefing = docs["UK China Human Rights Briefing 2022"]
    upr = docs["UPR 2018 China Stakeholder Submission"]
    only = ParagraphRetriever(retriever=hybrid, doc_ids=[briefing], k=6).invoke(QUERY)
    assert len(only) == 6 and {d.metadata["doc_id"] for d in only} == {briefing}
    passed = ParagraphRetriever(retriever=hybrid, k=6).invoke(QUERY, doc_ids=[upr])
    assert passed and {d.metadata["doc_id"] for d in passed} == {upr}
    both = ParagraphRetriever(retriever=hybrid).invoke(QUERY)
    assert {d.metadata["doc_id"] for d in both} == {briefing, upr}  # every document gets a say without a filter
    assert ParagraphRetriever(retriever=hybrid, doc_ids=["no-such-document"]).invoke(QUERY) == []


def test_works_inside_an_lcel_chain(hybrid):
    from langchain_core.runnables import RunnableLambda

    chain = ParagraphRetriever(retriever=hybrid, k=3) | RunnableLambda(
        lambda docs: [f"{d.metadata['title']} ¶{d.metadata['label']}" for d in docs])
    out = chain.invoke("Great Firewall")
    assert len(out) == 3 and any(s.endswith("¶9(8)") for s in out)
