"""What `python -m rag fit` fits on: SQuAD 2.0 articles ingested as one store, their questions asked through the real
retriever (`extract`, with off-topic and near-topic copies), and each question's shortlist read by the reader
(`read_items`), as rag/answer/reading.py reads a user's question."""
from __future__ import annotations

import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.answer.reading import QUESTION_FEATURES, SHORTLIST_FEATURES, Fitted, LinearModel, candidates_of
from rag.config import Settings
from rag.nlp.text import sentences


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


def gold_sentences(row: dict) -> set[str]:
    """The sentences of the question's paragraph that hold an answer span (every annotator's)."""
    context = row["context"]
    spans, pos = [], 0
    for s in sentences(context):
        start = context.find(s[:20], pos)
        start = pos if start < 0 else start
        spans.append((start, start + len(s), s))
        pos = start + len(s)
    out = set()
    for answer, at in zip(row["answers"], row["answer_start"]):
        for a, b, s in spans:
            if a <= at < b or (answer in s and a <= at + len(answer) <= b):
                out.add(norm(s))
    return out


def file_name(title: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-").lower() + ".txt"


def build_store(rows: list[dict], folder: Path, settings: Settings):
    """One plain-text document per article (title, blank line, paragraphs), ingested for real; reused when the
    folder already holds them."""
    from rag.ingest.pipeline import ingest_paths
    from rag.store import Store

    docs = folder / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    articles: dict[str, list[str]] = {}
    for r in rows:
        paras = articles.setdefault(r["title"], [])
        if r["context"] not in paras:
            paras.append(r["context"])
    for title, paras in articles.items():
        path = docs / file_name(title)
        text = title.replace("_", " ") + "\n\n" + "\n\n".join(paras) + "\n"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    store_settings = settings.with_store(folder / "store")
    with Store(store_settings, write=True) as store:
        reports = ingest_paths(store, [docs], on_file=lambda i, n, path: print(f"  ingesting {i + 1}/{n}: {path.name}", file=sys.stderr))
    failed = [r for r in reports if not r.ok]
    if failed:
        raise SystemExit(f"ingest failed: {[(r.path, r.reason) for r in failed]}")
    return Store(store_settings)


def article_terms(lexicon, documents) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
    """(article file name -> doc_id, doc_id -> {stem: paragraphs holding it}): what the store would know
    without one article."""
    from rag.answer.retrieve import lexical_text
    from rag.nlp.text import content_words, stem

    doc_of = {Path(src).name: d.doc_id for d in documents.values() for src in d.sources}
    df: dict[str, dict[str, int]] = {}
    for p in lexicon.paragraphs:
        own = df.setdefault(p.doc_id, {})
        for t in {stem(w) for w in content_words(lexical_text(p))}:
            own[t] = own.get(t, 0) + 1
    return doc_of, df


def without_answer(evidence: list, row: dict, k: int) -> list | None:
    """The evidence less the paragraph that answers the question (the first k left, renumbered); None where
    another paragraph holds one of the answers too (the question would still be answerable)."""
    own = norm(row["context"])
    rest = [e for e in evidence if norm(e.paragraph.text) not in own and own not in norm(e.paragraph.text)][:k]
    answers = [norm(a) for a in row["answers"] if a.strip()]
    if any(re.search(rf"(?<!\w){re.escape(a)}(?!\w)", norm(e.paragraph.text)) for e in rest for a in answers):
        return None
    return [replace(e, n=i + 1) for i, e in enumerate(rest)]


def extract(rows: list[dict], assistant, off_topic_every: int = 2) -> list[dict]:
    """Pass one: for each question, its evidence through the real retriever and every candidate sentence with its
    shortlist features, and which hold the answer. Every `off_topic_every`-th question is also asked of the store
    without its own article (off-topic), and each answerable one in between of the store without its answer's
    paragraph (near-topic)."""
    lexicon = assistant.retriever.lexicon()
    documents = assistant.retriever.documents()
    doc_of, article_df = article_terms(lexicon, documents)
    top_k = assistant.retriever.store.settings.top_k

    def item(r, doc_ids, known, golds, kind):
        q = assistant.question(r["question"], known)  # as the app reads it
        if kind == "near-topic":
            evidence = without_answer(assistant.retriever.retrieve(r["question"], doc_ids, k=top_k + 2), r, top_k)
            if evidence is None:
                return None
        else:
            evidence = assistant.retriever.retrieve(r["question"], doc_ids)
        cands = candidates_of(q, evidence, lexicon.idf)
        labels = np.array([norm(c.sentence) in golds for c in cands], dtype=bool)
        return {"x": np.stack([c.features for c in cands]) if cands else np.zeros((0, len(SHORTLIST_FEATURES))),
                "y": labels, "answerable": kind == "answerable", "kind": kind, "title": r["title"], "row": r,
                "question": r["question"], "golds": golds, "evidence": evidence, "q": q, "known": known}

    everywhere = lambda t: t in lexicon.df  # noqa: E731
    out = []
    t0 = time.perf_counter()
    for i, r in enumerate(rows):
        golds = gold_sentences(r) if not r["is_impossible"] else set()
        out.append(item(r, None, everywhere, golds, "unanswerable" if r["is_impossible"] else "answerable"))
        if i % off_topic_every == 0:
            own = doc_of[file_name(r["title"])]
            others = [d for d in documents if d != own]
            own_df = article_df.get(own, {})
            known = lambda t, _own=own_df: lexicon.df.get(t, 0) > _own.get(t, 0)  # noqa: E731
            out.append(item(r, others, known, set(), "off-topic"))
        elif not r["is_impossible"]:
            out.append(item(r, None, everywhere, set(), "near-topic"))
        if (i + 1) % 200 == 0:
            print(f"  retrieved {i + 1}/{len(rows)} questions ({(i + 1) / (time.perf_counter() - t0):.1f}/s, with "
                  f"their off-topic and near-topic copies)", file=sys.stderr)
    return [it for it in out if it is not None]


def read_items(items: list[dict], assistant, model: LinearModel) -> None:
    """Pass two: each question read by the app's own reading path (`Assistant.reading`), with the shortlist ranker
    just fitted: its ranked candidates, which the reader read, which hold the answer, its question features."""
    stage = Fitted(model, LinearModel(np.zeros(len(QUESTION_FEATURES))), 0.5, 0.9, 0.5)
    t0 = time.perf_counter()
    for i, it in enumerate(items):
        reading = assistant.reading(it["question"], it["evidence"], fitted=stage, known=it["known"])
        it["reading"], it["q"], it["ranked"], it["qx"] = reading, reading.question, reading.candidates, reading.features
        it["shortlisted"] = {id(c) for c in reading.read}
        it["gold_ids"] = {id(c) for c in reading.candidates if norm(c.sentence) in it["golds"]}
        if (i + 1) % 500 == 0:
            print(f"  read {i + 1}/{len(items)} questions ({(i + 1) / (time.perf_counter() - t0):.1f}/s)",
                  file=sys.stderr)
