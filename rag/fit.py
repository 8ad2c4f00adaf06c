"""python -m rag fit: fit the sentence ranker, the answerability model and the refusal threshold.

Data: SQuAD 2.0 questions with their paragraphs (shared/eval/train/squad2_train_subset.jsonl.gz). Each article
becomes a document of one store, built through the real ingest path, and every question is asked of the whole
store through the real retriever, as a user's would be: the candidates are the sentences of the retrieved
paragraphs, so the negatives include sentences of *other* paragraphs and articles, not only the gold one's.

- Ranker: a conditional logit (softmax over one question's candidates), fitted by Newton's method with a small
  ridge penalty, on answerable questions whose answer sentence was retrieved.
- Answerability: a logistic regression on question-level features of the ranked candidates. Three kinds of
  unanswerable question: SQuAD 2.0's own (written to overlap a paragraph that does not answer them) and two made
  from answerable ones, which a real collection meets more often than SQuAD's and SQuAD lacks: for every other
  sampled question, the question asked of the store *without its article* (off-topic: the documents do not
  cover the topic at all), and for each answerable question in between, the question asked of the store
  *without the paragraph that answers it* (near-topic: the documents discuss the topic but do not give the
  answer; kept only where no other retrieved paragraph holds one of the answers). Answerable, SQuAD-unanswerable
  and off-topic questions are fitted on, weighted to count one half, one quarter and one quarter (the training
  split is only 7% unanswerable); near-topic ones are only measured (refused share and AUC in the report): fitted
  on as well, they traded SQuAD's refusals for their own (README, "The reader").
- Salience (how much a question's word says what it is about: rag/reading.py's `Salience`): for each question
  word, the share of its answerable questions whose answer sentence holds it, shrunk toward a beta prior fitted
  by maximum marginal likelihood (a word asked with once says little; every question word is shrunk by the same
  fitted prior). Counted on the questions of the fitting articles that are not sampled for the other fits (the
  rows bench/train_reader.py trains on), so the features fitted below are not computed with their own counts.
- Refusal threshold: the 2nd percentile of P(answerable) over the fitting part's answerable questions, i.e.
  the target over-refusal of 2% (issue 13's bound).
- Coverage (how many sentences an answer shows): the answer shows the best sentences until their probabilities add
  up to the coverage. Fitted as the smallest coverage at which the answer, written as the extractive composer
  writes it (rag/compose/extractive.py: its choice of sentences and the sentences they bring), shows the
  answer's sentence for 90% of the fitting part's answerable questions whose answer sentence was retrieved
  (issue 13's bar for answers); the held-apart part's rate is reported.
- Weak evidence: the median P(answerable) of SQuAD's unanswerable questions in the fitting part (an answer no
  more likely to be answerable than a typical one of those is marked as resting on weak evidence).

Articles are split in two by name (every fifth held apart); the held-apart part is only scored, and its scores
are printed and written to fitted.json, beside the baselines (dense similarity alone, word overlap alone).
"""
from __future__ import annotations

import gzip
import json
import math
import re
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from rag.config import ROOT, Settings, get_settings
from rag.question import read, respelled
from rag.reading import (FITTED, QUESTION_FEATURES, SENTENCE_FEATURES, LinearModel, Salience, question_features,
                         score, sentence_features)
from rag.text import sentences, stems

DEFAULT_TRAIN = ROOT.parent / "shared" / "eval" / "train" / "squad2_train_subset.jsonl.gz"
TARGET_OVER_REFUSAL = 0.02
KIND_SHARES = {"answerable": 0.5, "unanswerable": 0.25, "off-topic": 0.25}  # near-topic: measured only
TARGET_SHOWN = 0.90
COVERAGE_GRID = np.round(np.arange(0.50, 1.0, 0.01), 2)
RIDGE = 1.0  # on standardised features: keeps weights finite where a small sample is separable


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
    from rag.ingest import ingest_paths
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
    from rag.retrieve import lexical_text
    from rag.text import content_words, stem

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


def fit_salience(rows: list[dict]) -> Salience:
    """Each question word's share of answerable questions whose answer sentence holds it, as the posterior mean
    under a beta prior fitted to every word's counts by maximum marginal (beta-binomial) likelihood."""
    from scipy.optimize import minimize
    from scipy.special import betaln

    asked: dict[str, int] = {}
    held: dict[str, int] = {}
    for r in rows:
        golds = gold_sentences(r) if not r["is_impossible"] else set()
        if not golds:
            continue
        answer_stems = set().union(*(stems(s) for s in golds))
        for t in set(read(r["question"]).topics):
            asked[t] = asked.get(t, 0) + 1
            held[t] = held.get(t, 0) + (t in answer_stems)
    if not asked:
        return Salience()
    n = np.array(list(asked.values()), dtype="float64")
    k = np.array([held[t] for t in asked], dtype="float64")

    def minus_log_likelihood(log_ab):
        a, b = np.exp(log_ab)
        return -float(np.sum(betaln(k + a, n - k + b) - betaln(a, b)))

    a, b = np.exp(minimize(minus_log_likelihood, np.zeros(2), method="Nelder-Mead").x)
    return Salience({t: (held[t] + a) / (asked[t] + a + b) for t in asked}, a / (a + b))


def extract(rows: list[dict], assistant, salience: Salience, off_topic_every: int = 2) -> list[dict]:
    """For each question: candidate features, which candidates hold the answer, and what the evidence was.
    Every `off_topic_every`-th question is also asked of the store without its own article (an unanswerable,
    off-topic copy), and each answerable one in between of the store without its answer's paragraph (an
    unanswerable, near-topic copy)."""
    lexicon = assistant.retriever.lexicon()
    weight = salience.weigh(lexicon.idf)  # as rag/reading.py's read_evidence weighs a question's words
    documents = assistant.retriever.documents()
    doc_of, article_df = article_terms(lexicon, documents)
    # every sentence of the store embedded once, in batches: the per-question similarities then come from the cache
    every = list(dict.fromkeys(s for p in lexicon.paragraphs for s in sentences(p.text)))
    print(f"  embedding {len(every)} sentences", file=sys.stderr)
    for i in range(0, len(every), 512):
        assistant.similarities("warm-up", every[i:i + 512])

    spellings = assistant.spellings(lexicon)
    top_k = assistant.retriever.store.settings.top_k

    def item(r, doc_ids, known, golds, kind):
        q = respelled(read(r["question"]), spellings, known)  # as Assistant.reading reads it
        if kind == "near-topic":
            evidence = without_answer(assistant.retriever.retrieve(r["question"], doc_ids, k=top_k + 2), r, top_k)
            if evidence is None:
                return None
        else:
            evidence = assistant.retriever.retrieve(r["question"], doc_ids)
        cands = sentence_features(q, evidence, weight,
                                  lambda texts, _q=r["question"]: assistant.similarities(_q, texts))
        labels = np.array([norm(c.sentence) in golds for c in cands], dtype=bool)
        return {"x": np.stack([c.features for c in cands]) if cands else np.zeros((0, len(SENTENCE_FEATURES))),
                "y": labels, "answerable": kind == "answerable", "kind": kind, "title": r["title"],
                "question": r["question"], "cands": cands, "evidence": evidence, "q": q, "known": known,
                "weight": weight}

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
            rate = (i + 1) / (time.perf_counter() - t0)
            print(f"  {i + 1}/{len(rows)} questions ({rate:.1f}/s, with their off-topic and near-topic copies)",
                  file=sys.stderr)
    return [it for it in out if it is not None]


def newton(objective, w: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Maximise a concave objective -> (value, gradient, Hessian) by Newton's method with step halving."""
    value, grad, hess = objective(w)
    for _ in range(iterations):
        step = np.linalg.solve(hess, grad)
        t = 1.0
        while t > 1e-4:
            candidate = w - t * step
            new_value, new_grad, new_hess = objective(candidate)
            if new_value >= value - 1e-12:
                break
            t /= 2
        done = abs(new_value - value) < 1e-9 * max(1.0, abs(value))
        w, value, grad, hess = candidate, new_value, new_grad, new_hess
        if done:
            break
    return w


def fit_ranker(items: list[dict]) -> LinearModel:
    """Conditional logit: maximise log P(answer sentence | the question's candidates), ridge on standardised
    features."""
    usable = [it for it in items if it["y"].any()]
    allx = np.concatenate([it["x"] for it in usable])
    mean, scale = allx.mean(0), allx.std(0) + 1e-6
    xs = [(it["x"] - mean) / scale for it in usable]
    targets = [it["y"] / it["y"].sum() for it in usable]

    def objective(w):
        value = -0.5 * RIDGE * w @ w
        grad = -RIDGE * w
        hess = -RIDGE * np.eye(len(w))
        for x, target in zip(xs, targets):
            z = x @ w
            top = z.max()
            p = np.exp(z - top)
            total = p.sum()
            p /= total
            value += target @ z - (top + np.log(total))
            grad += x.T @ (target - p)
            m = x.T @ p
            hess -= (x.T * p) @ x - np.outer(m, m)
        return value, grad, hess

    return LinearModel(newton(objective, np.zeros(allx.shape[1])), 0.0, mean, scale)


def group_weights(groups: np.ndarray, shares: dict) -> np.ndarray:
    """Each group of examples weighs its share in all, however many examples it has (weights average 1)."""
    weight = np.zeros(len(groups))
    for g, share in shares.items():
        members = groups == g
        weight[members] = share / max(1, members.sum()) * len(groups)
    return weight


def fit_logistic(x: np.ndarray, y: np.ndarray, groups: np.ndarray | None = None,
                 shares: dict | None = None) -> LinearModel:
    """Logistic regression with a ridge on standardised features; each group of examples (by default the two
    classes) weighs its share in all, however many examples it has."""
    mean, scale = x.mean(0), x.std(0) + 1e-6
    xs = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    if groups is None:
        groups, shares = y, {True: 0.5, False: 0.5}
    weight = group_weights(groups, shares)
    penalty = RIDGE * np.r_[np.ones(xs.shape[1] - 1), 0.0]

    def objective(w):
        z = xs @ w
        p = 1 / (1 + np.exp(-z))
        value = float(weight @ (y * z - np.logaddexp(0, z))) - 0.5 * float(penalty @ (w * w))
        grad = xs.T @ (weight * (y - p)) - penalty * w
        hess = -(xs.T * (weight * p * (1 - p))) @ xs - np.diag(penalty)
        return value, grad, hess

    w = newton(objective, np.zeros(xs.shape[1]))
    return LinearModel(w[:-1], float(w[-1]), mean, scale)


def rank_with(items: list[dict], ranker: LinearModel) -> None:
    for it in items:
        for c, f in zip(it["cands"], it["x"]):
            c.features = f
        it["ranked"] = score(list(it["cands"]), ranker)
        it["gold_ids"] = {id(c) for c, y in zip(it["cands"], it["y"]) if y}


def top1(items: list[dict], key) -> tuple[int, int, int]:
    """(answer sentence first, answerable questions, of which the answer sentence was retrieved)."""
    hits = n = retrieved = 0
    for it in items:
        if not it["answerable"]:
            continue
        n += 1
        if it["y"].any():
            retrieved += 1
            hits += bool(it["y"][int(np.argmax(key(it)))])
    return hits, n, retrieved


def answer_shown(items: list[dict], coverage: float, max_sentences: int) -> tuple[float, float]:
    """(share of answerable questions, answer sentence retrieved, whose answer shows it; mean sentences shown),
    the answer written as the extractive composer writes it at this coverage."""
    from rag.compose.extractive import choose, shown_indices
    from rag.reading import Reading

    hits, shown_counts = [], []
    for it in items:
        if not it["answerable"] or not it["y"].any():
            continue
        gold = {(c.evidence.n, c.index) for c, y in zip(it["cands"], it["y"]) if y}
        picks = choose(Reading(it["q"], it["ranked"], 1.0, 0.0), coverage, max_sentences, max_sentences)
        by_paragraph: dict[int, list] = {}
        for p in picks:
            by_paragraph.setdefault(p.evidence.n, []).append(p)
        shown = {(n, i) for n, ps in by_paragraph.items()
                 for i in shown_indices(ps, sentences(ps[0].evidence.paragraph.text))}
        hits.append(bool(gold & shown))
        shown_counts.append(len(shown))
    return float(np.mean(hits)) if hits else 0.0, float(np.mean(shown_counts)) if shown_counts else 0.0


def fit_coverage(items: list[dict], max_sentences: int) -> float:
    """The smallest coverage at which the answer shows the answer's sentence for TARGET_SHOWN of the questions
    (the largest tried, where none reaches it)."""
    for coverage in COVERAGE_GRID:
        if answer_shown(items, float(coverage), max_sentences)[0] >= TARGET_SHOWN:
            return float(coverage)
    return float(COVERAGE_GRID[-1])


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    order = np.argsort(scores)
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    pos = labels.sum()
    neg = len(labels) - pos
    return float((ranks[labels].sum() - pos * (pos + 1) / 2) / (pos * neg)) if pos and neg else float("nan")


def held_apart(rows: list[dict]) -> set[str]:
    """The articles only scored, never fitted on: every fifth by name."""
    return set(sorted({r["title"] for r in rows})[4::5])


def sampled(n_rows: int, questions: int) -> list[int]:
    """The rows fitted on and scored: a fixed-seed sample of `questions` of them, in file order."""
    rng = np.random.default_rng(13)
    return sorted(rng.choice(n_rows, size=min(questions, n_rows), replace=False).tolist())


def extraction(train: Path, work: Path, questions: int):
    """The sampled questions read through the real retriever (`extract`), the ranker fitted on the fitting part
    and every question's candidates ranked by it and its question features computed: -> (items, held-apart
    articles, salience, ranker). What `main` fits the rest on, and what bench/answerability.py compares models on."""
    rows = [json.loads(line) for line in gzip.open(train, "rt", encoding="utf-8")]
    held = held_apart(rows)
    chosen = set(sampled(len(rows), questions))
    sample = [rows[i] for i in sorted(chosen)]
    salience = fit_salience([r for i, r in enumerate(rows) if r["title"] not in held and i not in chosen])
    print(f"{len(rows)} questions, {len({r['title'] for r in rows})} articles ({len(held)} held apart); using "
          f"{len(sample)}", file=sys.stderr)
    from rag.chain import Assistant

    store = build_store(rows, work, get_settings())
    assistant = Assistant(store.settings, store)
    items = extract(sample, assistant, salience)
    ranker = fit_ranker([it for it in items if it["title"] not in held])
    rank_with(items, ranker)
    for it in items:
        it["qx"] = question_features(it["q"], it["ranked"], it["evidence"], it["weight"], it["known"])
    return items, held, salience, ranker


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rag fit", description=__doc__.split("\n")[0])
    parser.add_argument("--train", default=str(DEFAULT_TRAIN), help="SQuAD 2.0-style JSONL(.gz)")
    parser.add_argument("--work", default=str(ROOT / "store" / "fit"), help="where the training store is kept")
    parser.add_argument("--questions", type=int, default=4000, help="questions used (a fixed-seed sample)")
    parser.add_argument("--out", default=str(FITTED))
    args = parser.parse_args(argv)

    items, held, salience, ranker = extraction(Path(args.train), Path(args.work), args.questions)
    sampled_questions = [it for it in items if it["kind"] in ("answerable", "unanswerable")]  # the rest are copies
    fit_items = [it for it in items if it["title"] not in held]
    test_items = [it for it in items if it["title"] in held]
    names = list(SENTENCE_FEATURES)

    def logits(it):
        return ranker(it["x"]) if len(it["x"]) else np.zeros(0)

    fitted_on = [it for it in fit_items if it["kind"] in KIND_SHARES]
    fx = np.stack([it["qx"] for it in fitted_on])
    answerable = fit_logistic(fx, np.array([it["answerable"] for it in fitted_on]),
                              np.array([it["kind"] for it in fitted_on]), KIND_SHARES)

    def p_answerable(its):
        x = np.stack([it["qx"] for it in its])
        return 1 / (1 + np.exp(-answerable(x)))

    max_sentences = get_settings().answer_max_sentences
    coverage = fit_coverage(fit_items, max_sentences)
    fp = p_answerable(fit_items)
    fit_answerable = np.array([it["answerable"] for it in fit_items])
    threshold = float(np.quantile(fp[fit_answerable], TARGET_OVER_REFUSAL))
    # weak evidence: an answer no more likely to be answerable than a typical unanswerable question
    squad_unanswerable = np.array([it["kind"] == "unanswerable" for it in fit_items])
    weak = float(np.median(fp[squad_unanswerable])) if squad_unanswerable.any() else threshold
    report = {}
    for name, its in (("fit", fit_items), ("held-apart", test_items)):
        ranked_hits, n, retrieved = top1(its, logits)
        dense_hits, _, _ = top1(its, lambda it: it["x"][:, names.index("dense_s")])
        lex_hits, _, _ = top1(its, lambda it: it["x"][:, names.index("lex")] + 1e-3 * it["x"][:, names.index("rank")])
        p = p_answerable(its)
        shown, shown_sentences = answer_shown(its, coverage, max_sentences)
        y = np.array([it["answerable"] for it in its])
        kind = np.array([it["kind"] for it in its])
        adversarial, off, near = kind == "unanswerable", kind == "off-topic", kind == "near-topic"
        own = ~off & ~near  # the questions as sampled
        report[name] = {
            "questions": int(own.sum()), "answerable": int(y.sum()), "answer_sentence_retrieved": retrieved,
            "ranker_top1": round(ranked_hits / max(1, retrieved), 3),
            "dense_top1": round(dense_hits / max(1, retrieved), 3),
            "lexical_top1": round(lex_hits / max(1, retrieved), 3),
            "answer_shown": round(shown, 3), "sentences_shown": round(shown_sentences, 2),
            "answerable_auc": round(auc(p[own], y[own]), 3),
            "off_topic_auc": round(auc(p[y | off], y[y | off]), 3),
            "near_topic_auc": round(auc(p[y | near], y[y | near]), 3),
            "over_refusal": round(float((p[y] < threshold).mean()), 3),
            "refused_unanswerable": round(float((p[adversarial] < threshold).mean()), 3) if adversarial.any() else None,
            "refused_off_topic": round(float((p[off] < threshold).mean()), 3) if off.any() else None,
            "refused_near_topic": round(float((p[near] < threshold).mean()), 3) if near.any() else None,
        }
    out = {
        "about": "Fitted by `python -m rag fit` (rag/fit.py) on " + Path(args.train).name +
                 f"; {len(sampled_questions)} questions, articles {sorted(held)} held apart. Do not edit by hand.",
        "ranker": ranker.to_json(names),
        "answerable": answerable.to_json(QUESTION_FEATURES),
        "threshold": round(threshold, 4),
        "weak": round(weak, 4),
        "coverage": coverage,
        "scores": report,
        "salience": salience.to_json(),
    }
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print_report(out)
    return 0


def print_report(out: dict) -> None:
    cols = ["questions", "answerable", "answer_sentence_retrieved", "ranker_top1", "dense_top1", "lexical_top1",
            "answer_shown", "sentences_shown",
            "answerable_auc", "off_topic_auc", "near_topic_auc", "over_refusal", "refused_unanswerable",
            "refused_off_topic", "refused_near_topic"]
    print("| part | " + " | ".join(cols) + " |")
    print("|" + "---|" * (len(cols) + 1))
    for part, r in out["scores"].items():
        print(f"| {part} | " + " | ".join(str(r.get(c, "-")) for c in cols) + " |")
    print(f"threshold (P(answerable) below which it refuses): {out['threshold']}; weak evidence below: "
          f"{out['weak']}; coverage (answers show sentences until their probabilities add up to): "
          f"{out['coverage']}")
    for model in ("ranker", "answerable"):
        print(f"{model}: " + ", ".join(f"{f}={w:+.2f}" for f, w in zip(out[model]["features"], out[model]["weights"])))
