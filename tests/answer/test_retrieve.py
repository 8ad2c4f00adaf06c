"""The lexical index (rag/answer/retrieve.py Lexicon): Okapi BM25 as a sparse matrix, built once per change of the store,
on real stores ingested from files these tests write. Also the warm-up (rag/app/warmup.py) that builds it at start."""
from __future__ import annotations

import math
import os
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from rag.config import Settings
from rag.ingest.pipeline import ingest_paths
from rag.answer.retrieve import Lexicon, Retriever, code_version, lexical_text
from rag.store import Store
from rag.nlp.text import content_words, stem
from tests.conftest import settings_for

FILLER = ("The committee reviewed the budget for housing and health in the region. Officials said the programme "
          "would continue. The report notes that funding for education rose slightly.")


def write_report(folder, name: str, paragraphs: list[str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text("\n\n".join(f"{i}. {p}" for i, p in enumerate(paragraphs, 1)) + "\n",
                               encoding="utf-8")


@contextmanager
def retriever_over(tmp_path, name: str, paragraphs: list[str]):
    """A store of one report written here, ingested for real, and its retriever."""
    write_report(tmp_path / "docs", name, paragraphs)
    store = Store(settings_for(tmp_path / "store"), write=True)
    try:
        assert all(r.ok for r in ingest_paths(store, [tmp_path / "docs"]))
        yield store, Retriever(store)
    finally:
        store.close()


@pytest.fixture
def two_reports(tmp_path):
    docs = tmp_path / "docs"
    write_report(docs, "housing-review-2021.txt", [
        f"{FILLER} Housing demand grew in every district.",
        "The review found that the Kestrelmoor aqueduct leaked forty percent of its water before repairs began.",
        f"{FILLER} Rents in the capital rose for the third year.",
        f"{FILLER} The committee will report again next year.",
    ])
    write_report(docs, "health-audit-2022.txt", [
        f"{FILLER} Waiting times for clinics fell.",
        f"{FILLER} Nurses were recruited from abroad.",
        "Auditors counted nine clinics without a pharmacist.",
    ])
    store = Store(settings_for(tmp_path / "store"), write=True)
    reports = ingest_paths(store, [docs])
    assert all(r.ok for r in reports), [(r.path, r.reason) for r in reports]
    yield store, tmp_path
    store.close()


def words(question: str) -> list[str]:
    return [stem(w) for w in content_words(question)]


def test_rare_words_find_their_paragraph_first(two_reports):
    store, _ = two_reports
    lexicon = Retriever(store).lexicon()
    hits = lexicon.search(words("Which aqueduct leaked in Kestrelmoor?"), 5, None)
    assert "Kestrelmoor aqueduct leaked" in hits[0][0].text
    assert all(score > 0 for _, score in hits) and [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    # restricted to the other document, the paragraph is not offered
    health = next(d.doc_id for d in store.list_documents() if "Health" in d.title)
    assert all(p.doc_id == health for p, _ in lexicon.search(words("Kestrelmoor aqueduct clinics"), 5, {health}))
    assert lexicon.search(words("zyxwvut"), 5, None) == []


def test_which_document_uses_a_word(two_reports):
    store, _ = two_reports
    lexicon = Retriever(store).lexicon()
    housing, health = (next(d.doc_id for d in store.list_documents() if name in d.title) for name in ("Housing", "Health"))
    assert lexicon.uses(stem("aqueduct"), housing) and not lexicon.uses(stem("aqueduct"), health)
    assert lexicon.uses(stem("pharmacist"), health) and not lexicon.uses(stem("pharmacist"), housing)
    assert lexicon.uses(stem("committee"), housing) and lexicon.uses(stem("committee"), health)
    assert not lexicon.uses("zyxwvut", housing) and not lexicon.uses(stem("aqueduct"), "no-such-document")


def test_an_acronym_is_its_own_term_and_found_when_typed_in_lower_case(tmp_path):
    write_report(tmp_path / "docs", "detention-note.txt", [
        "The OHCHR reported forty cases of arbitrary detention in the district.",
        f"{FILLER} The CAT committee met twice.",
        f"{FILLER} Cats were kept at the shelter.",
    ])
    with Store(settings_for(tmp_path / "store"), write=True) as store:
        assert all(r.ok for r in ingest_paths(store, [tmp_path / "docs"]))
        retriever = Retriever(store)
        df = retriever.lexicon().df
        assert df["OHCHR"] == 1 and "ohchr" not in df and df["CAT"] == 1 and df["cat"] == 1
        assert retriever.query_terms("What did ohchr report about detention?")[:2] == ["OHCHR", "report"]
        assert retriever.query_terms("Where were the cats kept?") == ["cat", "kept"]  # never the CAT committee
        hits = retriever.lexicon().search(retriever.query_terms("what did ohchr report"), 3, None)
        assert "OHCHR reported" in hits[0][0].text


def test_a_paragraph_named_by_its_number_comes_first(two_reports):
    store, _ = two_reports
    retriever = Retriever(store)
    housing = next(d.doc_id for d in store.list_documents() if "Housing" in d.title)
    evidence = retriever.retrieve("What does paragraph 3 of the housing review say?", [housing])
    assert evidence[0].paragraph.label == "3" and "Rents in the capital" in evidence[0].paragraph.text
    # in the whole library every document's paragraph 3 is named, each once
    named = [e for e in retriever.retrieve("What does paragraph 3 say?") if e.paragraph.label == "3"]
    assert len(named) == 2 and {e.paragraph.doc_id for e in named} == {d.doc_id for d in store.list_documents()}
    assert retriever.retrieve("Which aqueduct leaked 40 percent?")[0].paragraph.label == "2"  # a figure is no label


def okapi(tokens: list[list[str]], query: list[str], k1=1.5, b=0.75, epsilon=0.25) -> list[float]:
    """Okapi BM25 written out plainly (what rank_bm25's BM25Okapi computed): the reference for the sparse one."""
    n = len(tokens)
    avgdl = sum(len(t) for t in tokens) / n
    df = Counter(w for t in tokens for w in set(t))
    idf = {w: math.log(n - f + 0.5) - math.log(f + 0.5) for w, f in df.items()}
    floor = epsilon * sum(idf.values()) / len(idf)
    idf = {w: (v if v >= 0 else floor) for w, v in idf.items()}
    out = []
    for t in tokens:
        tf = Counter(t)
        out.append(sum(idf.get(q, 0) * tf[q] * (k1 + 1) / (tf[q] + k1 * (1 - b + b * len(t) / avgdl))
                       for q in query))
    return out


def test_scores_are_okapi_bm25(two_reports):
    store, _ = two_reports
    lexicon = Retriever(store).lexicon()
    tokens = [[stem(w) for w in content_words(lexical_text(p))] for p in lexicon.paragraphs]
    # 'committee' is in more than half of the paragraphs: its idf is the floor; asked twice, it counts twice
    for question in ("Kestrelmoor aqueduct water", "committee committee budget clinics", "pharmacist nurses"):
        q = words(question)
        assert np.allclose(lexicon.scores(q), okapi(tokens, q), rtol=1e-12, atol=0)
    assert lexicon.df[stem("committee")] > len(tokens) / 2


def test_built_once_per_change_of_the_store(two_reports):
    store, tmp_path = two_reports
    retriever = Retriever(store)
    first = retriever.lexicon()
    assert retriever.lexicon() is first  # asked again, nothing rebuilt
    assert not first.search(words("lighthouse keepers"), 5, None)

    write_report(tmp_path / "more", "coast-2023.txt", ["Lighthouse keepers were replaced by automatic lamps."])
    ingest_paths(store, [tmp_path / "more"])
    second = retriever.lexicon()
    assert second is not first and retriever.lexicon() is second
    hits = second.search(words("lighthouse keepers"), 5, None)
    assert hits and "Lighthouse keepers" in hits[0][0].text
    # every paragraph's vectors came along: a paragraph found by its words gets its dense similarity
    vector = np.asarray(store.embeddings.embed_query("automatic lamps in lighthouses"), dtype="float32")
    assert second.similarity(vector, hits[0][0].id) > 0.3
    assert second.similarity(vector, "no such paragraph") == 0.0


def same_index(a: Lexicon, b: Lexicon) -> bool:
    return (a.paragraphs == b.paragraphs and a.df == b.df and a.terms == b.terms and a.rows == b.rows
            and a.doc_numbers == b.doc_numbers
            and all(np.array_equal(getattr(a, name), getattr(b, name)) for name in (*Lexicon.ARRAYS, "matrix")))


def test_the_index_is_kept_on_disk_and_read_back_by_the_next_start(two_reports):
    store, _ = two_reports
    built = Retriever(store).lexicon()
    saved = Retriever(store).saved_lexicon
    assert saved.is_file() and saved.parent == store.settings.store
    restarted = Retriever(store)  # a new process on the same, unchanged store
    read_back = restarted.lexicon()
    assert read_back is not built and same_index(read_back, built)
    assert isinstance(read_back.matrix, np.memmap)  # the vectors are read from disk as questions need them
    kept = sorted(f.name for f in saved.parent.glob("lexicon-*"))
    assert kept == sorted([saved.name, Path(read_back.matrix.filename).name])
    q = words("Which aqueduct leaked in Kestrelmoor?")
    assert [(p.id, s) for p, s in read_back.search(q, 5, None)] == [(p.id, s) for p, s in built.search(q, 5, None)]


def test_the_kept_index_is_read_however_the_store_folder_is_spelt(two_reports, monkeypatch):
    store, tmp_path = two_reports
    built = Retriever(store).lexicon()
    store.close()

    def must_not_build(*args):
        raise AssertionError("the kept index should have been read")

    monkeypatch.setattr(Lexicon, "build", must_not_build)
    relative = Settings(chroma_url=None, store=Path(os.path.relpath(tmp_path / "store")))  # as RAG_STORE=store/x
    with Store(relative) as again:
        assert same_index(Retriever(again).lexicon(), built)


def test_a_kept_index_of_another_state_of_the_store_is_not_used(two_reports):
    store, tmp_path = two_reports
    before = Retriever(store).lexicon()
    write_report(tmp_path / "more", "coast-2023.txt", ["Lighthouse keepers were replaced by automatic lamps."])
    ingest_paths(store, [tmp_path / "more"])
    after = Retriever(store).lexicon()  # a restart after the store changed: the file on disk is stale
    assert len(after.paragraphs) == len(before.paragraphs) + 1
    assert after.search(words("lighthouse keepers"), 5, None)
    assert Lexicon.load(Retriever(store).saved_lexicon, "another store") is None
    assert len(list(store.settings.store.glob("lexicon-*.vectors-*.npy"))) == 1  # the earlier state's are gone

    doc = next(d for d in store.list_documents() if "Coast" in d.title)
    store.delete_document(doc.doc_id)
    assert not Retriever(store).lexicon().search(words("lighthouse keepers"), 5, None)


def test_kept_vectors_that_are_missing_or_cut_short_make_the_index_build_again(two_reports):
    store, _ = two_reports
    Retriever(store).lexicon()
    built = Lexicon.build(store.get_paragraphs(), store.vectors())  # in memory: the kept file is damaged below
    (vectors,) = store.settings.store.glob("lexicon-*.vectors-*.npy")
    vectors.write_bytes(vectors.read_bytes()[:-400])  # cut short: its shape no longer matches
    assert same_index(Retriever(store).lexicon(), built)
    (vectors,) = store.settings.store.glob("lexicon-*.vectors-*.npy")
    vectors.unlink()
    assert same_index(Retriever(store).lexicon(), built)
    assert len(list(store.settings.store.glob("lexicon-*.vectors-*.npy"))) == 1


def test_a_damaged_kept_index_is_built_again_and_replaced(two_reports):
    store, _ = two_reports
    retriever = Retriever(store)
    built = retriever.lexicon()
    retriever.saved_lexicon.write_bytes(retriever.saved_lexicon.read_bytes()[:1000])  # cut short (a full disk)
    rebuilt = Retriever(store).lexicon()
    assert same_index(rebuilt, built)
    assert same_index(Lexicon.load(retriever.saved_lexicon, f"{store.fingerprint()}:{code_version()}"), built)


def test_each_search_s_first_choice_is_read_whatever_the_fusion_ranks(tmp_path):
    """Reciprocal-rank fusion favours paragraphs both searches rank fairly well; a paragraph only one search
    finds, but finds first (a rare figure or phrase the meaning-search misses), must still reach the reader."""
    with retriever_over(tmp_path, "transport-2023.txt", [
        "Ferry services across the islands were audited and the ferry operators' accounts were found in order.",
        "The audit of island ferry services recommended new ferry timetables and cheaper ferry fares.",
        "Island ferry operators told the audit that ferry demand rose as fares fell.",
        "Ledger 4471-Q, kept by a harbour clerk, lists what the Corvane crossing was paid each month.",
    ]) as (store, retriever):
        question = "What does ledger 4471-Q say about the ferry audit?"
        lexical_first = retriever.lexicon().search(retriever.query_terms(question), 1, None)[0][0]
        dense_first = store.search(store.embeddings.embed_query(question), 1)[0][0]
        assert lexical_first.id != dense_first.id  # the case this is about: the two searches disagree
        chosen = {e.paragraph.id for e in retriever.retrieve(question, k=1)}
        assert {lexical_first.id, dense_first.id} <= chosen


def test_every_paragraph_naming_the_question_s_rarest_name_is_read_when_few_do(tmp_path):
    """"What did Norway recommend to Ruritania?": the items Norway made name it only in a bracket at their end,
    so the meaning-search ranks them among the last and the fusion below paragraphs about recommending; the
    few paragraphs that name Norway are what the question asks about, and all of them reach the reader."""
    with retriever_over(tmp_path, "review-2023.txt", [
        *(f"The {body} recommended that Ruritania {act} and report on how it implements the recommendations."
          for body in ("review", "committee", "rapporteur", "working group", "council")
          for act in ("ratify the remaining treaties", "strengthen its human rights institution",
                      "combat discrimination in employment", "improve conditions in detention",
                      "protect the rights of migrants", "end violence against women")),
        "Reduce the backlog of court cases by improving the staffing of the courts (Norway)",
        "Ensure the right to drinking water for everyone in rural settlements (Norway) (Chile)",
        "Norway welcomed the progress made by Ruritania since the previous review.",
    ]) as (store, retriever):
        question = "What did Norway recommend to Ruritania?"
        naming = {p.id for p in retriever.lexicon().paragraphs if "Norway" in p.text}
        assert len(naming) == 3
        meaning = [p.id for p, _ in store.search(store.embeddings.embed_query(question), 40)]
        assert len(naming & set(meaning[:20])) == 1  # the case this is about: two of them rank among the last
        chosen = {e.paragraph.id for e in retriever.retrieve(question, k=3)}
        assert naming <= chosen


def test_retrieve_finds_a_new_document_by_its_words(two_reports):
    store, tmp_path = two_reports
    retriever = Retriever(store)
    retriever.retrieve("What leaked?")
    write_report(tmp_path / "more", "ports-2024.txt", ["The Quillhaven harbour dredging contract went to Marrowfield."])
    ingest_paths(store, [tmp_path / "more"])
    evidence = retriever.retrieve("Who won the Quillhaven dredging contract?")
    assert "Quillhaven harbour" in evidence[0].paragraph.text
