"""python -m rag fit: fit what the reading path decides with, on questions the reader model never trained on, and
write it to models/fitted.json with the held-apart scores.

Data: the SQuAD 2.0 subset (shared/eval/train/squad2_train_subset.jsonl.gz). Every article becomes a document of
one store, built through the real ingest path, and every question is asked of the whole store through the real
retriever, as a user's would be: the candidates are the sentences of the retrieved paragraphs, so the negatives
include sentences of other paragraphs and articles. Questions come from two parts of the articles
(rag/train/reader_data.py's `squad2_part`): calibration (fitted on) and held apart (only scored). The reader
model trained on the third part's questions and never saw these.

Two unanswerable kinds are made from answerable questions, which a real collection meets more often than SQuAD's
look-alikes: every other question is asked of the store without its own article (off-topic), and each answerable
question in between of the store without the paragraph that answers it (near-topic; kept only where no other
retrieved paragraph holds an answer).

What is fitted:
- the shortlist ranker (which sentences the reader reads): a conditional logit on cheap features (rag/answer/reading.py
  SHORTLIST_FEATURES), fitted to put the answer's sentence first;
- answerability: a logistic regression on the reader's best reading and what the documents lack of the question
  (QUESTION_FEATURES); answerable, SQuAD-unanswerable and off-topic questions weigh one half, one quarter and one
  quarter; near-topic ones are measured;
- the refusal threshold: the 2nd percentile of P(answerable) over the calibration part's answerable questions
  (2% over-refusal);
- coverage: the smallest at which the answer, written as rag/answer/compose/extractive.py writes it, shows the answer's
  sentence for 90% of the answerable questions whose answer sentence was retrieved;
- weak evidence: the median P(answerable) of SQuAD's unanswerable questions;
- the short answer: the lowest span score at which the short answers shown hold a reference answer for 80% of
  the answerable questions they are shown for (TARGET_SHORT_PRECISION);
- a recommendation item's match: the answer logit that best tells the sentences holding an answer from the
  others read (the F1-best threshold over every read candidate), the line every matching item must reach.

The held-apart part's scores are printed and written to fitted.json, with the refusal curve (SQuAD's unanswerable
questions refused at 1, 2, 5 and 10% over-refusal).
"""
from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import numpy as np

from rag.answer.reading import (FITTED, QUESTION_FEATURES, SHORT_FEATURES, SHORTLIST_FEATURES, LinearModel,
                                short_features)
from rag.config import ROOT, get_settings
from rag.nlp.text import sentences
from rag.train.extraction import build_store, extract, norm, read_items
from rag.train.reader_eval import auc


DEFAULT_TRAIN = ROOT.parent / "shared" / "eval" / "train" / "squad2_train_subset.jsonl.gz"
TARGET_OVER_REFUSAL = 0.02
KIND_SHARES = {"answerable": 0.5, "unanswerable": 0.25, "off-topic": 0.25}  # near-topic: measured only
TARGET_SHOWN = 0.90
TARGET_SHORT_PRECISION = 0.80
COVERAGE_GRID = np.round(np.arange(0.50, 1.0, 0.01), 2)
RIDGE = 1.0  # on standardised features: keeps weights finite where a small sample is separable


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


def answer_shown(items: list[dict], coverage: float, max_sentences: int) -> tuple[float, float]:
    """(share of answerable questions, answer sentence retrieved, whose answer shows it; mean sentences shown),
    the answer written as the extractive composer writes it at this coverage."""
    from rag.answer.compose.extractive import choose, shown_indices
    from rag.answer.reading import Reading

    hits, shown_counts = [], []
    for it in items:
        if not it["answerable"] or not it["y"].any():
            continue
        gold = {(c.evidence.n, c.index) for c in it["ranked"] if id(c) in it["gold_ids"]}
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


def first_is_gold(items: list[dict], order) -> tuple[int, int, int]:
    """(answer sentence first by `order`, answerable questions, of which the answer sentence was retrieved)."""
    hits = n = retrieved = 0
    for it in items:
        if not it["answerable"]:
            continue
        n += 1
        if it["y"].any():
            retrieved += 1
            best = order(it)
            hits += best is not None and id(best) in it["gold_ids"]
    return hits, n, retrieved


def shortlist_recall_at(items: list[dict], budgets=(8, 12, 16, 24, 32)) -> dict[str, float]:
    """Share of answerable questions (answer sentence retrieved) whose answer sentence is among the shortlist
    ranker's first k, for each budget k: what `RAG_READER_PAIRS` buys."""
    ranks = []
    for it in items:
        if it["answerable"] and it["gold_ids"]:
            order = sorted(it["ranked"], key=lambda c: -c.prior)
            ranks.append(min(i for i, c in enumerate(order) if id(c) in it["gold_ids"]))
    return {str(k): round(float(np.mean([r < k for r in ranks])), 3) for k in budgets} if ranks else {}


def shortlist_recall(items: list[dict]) -> float:
    """Share of answerable questions (answer sentence retrieved) whose answer sentence the reader read."""
    hits = [bool(it["gold_ids"] & it["shortlisted"]) for it in items if it["answerable"] and it["y"].any()]
    return float(np.mean(hits)) if hits else 0.0


def short_answers(items: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """(short-answer features, whether the span holds a reference answer) of the best sentence of each answerable
    question whose best sentence holds the answer (rag/answer/reading.py `short_features`)."""
    x, y = [], []
    for it in items:
        if not it["answerable"] or not it["ranked"] or id(it["ranked"][0]) not in it["gold_ids"]:
            continue
        top = it["ranked"][0]
        if top.read is None or top.short is None:
            continue
        answers = [norm(a) for a in it["row"]["answers"] if a.strip()]
        said = norm(top.short)
        x.append(short_features(it["q"], top))
        y.append(any(a in said and len(said) <= 3 * len(a) + 10 for a in answers))
    return np.array(x).reshape(len(x), len(SHORT_FEATURES)), np.array(y, dtype=bool)


def fit_short_answer(x: np.ndarray, y: np.ndarray) -> tuple[LinearModel, float]:
    """P(the span holds the answer) from the short-answer features (a logistic regression on the questions as they
    come: one group), and the lowest line on it at which the short answers shown hold a reference answer for
    TARGET_SHORT_PRECISION of them."""
    model = fit_logistic(x, y, np.zeros(len(y)), {0: 1.0})
    p = model.probability(x)
    for t in np.unique(np.round(p, 3)):
        shown = p >= t
        if shown.any() and y[shown].mean() >= TARGET_SHORT_PRECISION:
            return model, float(t)
    return model, 1.0


def shown_short(model: LinearModel, line: float, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Whether each span held the answer, for the short answers shown at that line."""
    return y[model.probability(x) >= line] if len(y) else y


def fit_item_match(items: list[dict]) -> float:
    """The answer logit that best tells the read sentences holding an answer from the other read sentences (the
    F1-best threshold)."""
    logits, gold = [], []
    for it in items:
        for c in it["ranked"]:
            if c.read is not None:
                logits.append(c.logit)
                gold.append(id(c) in it["gold_ids"])
    logits, gold = np.array(logits), np.array(gold)
    best, best_f1 = 0.0, -1.0
    for t in np.quantile(logits, np.linspace(0.5, 0.995, 100)):
        picked = logits >= t
        tp = (picked & gold).sum()
        f1 = 2 * tp / (picked.sum() + gold.sum()) if tp else 0.0
        if f1 > best_f1:
            best, best_f1 = float(t), f1
    return round(best, 3)


def extraction(train: Path, work: Path, questions: int):
    """The calibration and held-apart questions read through the real pipeline: retrieval and candidates
    (`extract`), the shortlist ranker fitted on the calibration part, then every question's shortlist read by the
    reader (`read_items`). -> (items, the shortlist ranker)."""
    from rag.answer.chain import Assistant
    from rag.train.reader_data import squad2_part

    rows = [json.loads(line) for line in gzip.open(train, "rt", encoding="utf-8")]
    part = squad2_part(rows)
    usable = [i for i, r in enumerate(rows) if part[r["title"]] in ("calibrate", "held")]
    rng = np.random.default_rng(13)
    chosen = sorted(rng.choice(usable, size=min(questions, len(usable)), replace=False).tolist())
    sample = [dict(rows[i], part=part[rows[i]["title"]]) for i in chosen]
    print(f"{len(rows)} questions, {len(part)} articles ({sum(v == 'calibrate' for v in part.values())} for "
          f"calibration, {sum(v == 'held' for v in part.values())} held apart, the rest the reader's); using "
          f"{len(sample)}", file=sys.stderr)
    store = build_store(rows, work, get_settings())
    assistant = Assistant(store.settings, store)
    items = extract(sample, assistant)
    for it in items:
        it["part"] = it["row"]["part"]
    model = fit_ranker([it for it in items if it["part"] == "calibrate"])
    read_items(items, assistant, model)
    return items, model


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m rag fit", description=__doc__.split("\n")[0])
    parser.add_argument("--train", default=str(DEFAULT_TRAIN), help="SQuAD 2.0-style JSONL(.gz)")
    parser.add_argument("--work", default=str(ROOT / "store" / "fit"), help="where the training store is kept")
    parser.add_argument("--questions", type=int, default=3000, help="questions used (a fixed-seed sample of the "
                                                                    "calibration and held-apart articles')")
    parser.add_argument("--out", default=str(FITTED))
    args = parser.parse_args(argv)

    items, shortlist_model = extraction(Path(args.train), Path(args.work), args.questions)
    fit_items = [it for it in items if it["part"] == "calibrate"]
    test_items = [it for it in items if it["part"] == "held"]
    fitted_on = [it for it in fit_items if it["kind"] in KIND_SHARES]
    answerable = fit_logistic(np.stack([it["qx"] for it in fitted_on]),
                              np.array([it["answerable"] for it in fitted_on]),
                              np.array([it["kind"] for it in fitted_on]), KIND_SHARES)

    def p_answerable(its):
        return answerable.probability(np.stack([it["qx"] for it in its]))

    max_sentences = get_settings().answer_max_sentences
    coverage = fit_coverage(fit_items, max_sentences)
    fp = p_answerable(fit_items)
    fit_y = np.array([it["answerable"] for it in fit_items])
    threshold = float(np.quantile(fp[fit_y], TARGET_OVER_REFUSAL))
    squad_unanswerable = np.array([it["kind"] == "unanswerable" for it in fit_items])
    weak = float(np.median(fp[squad_unanswerable])) if squad_unanswerable.any() else threshold
    short_model, short = fit_short_answer(*short_answers(fit_items))
    item_match = fit_item_match([it for it in fit_items if it["answerable"]])
    report = {}
    for name, its in (("calibration", fit_items), ("held-apart", test_items)):
        reader_hits, n, retrieved = first_is_gold(its, lambda it: it["ranked"][0] if it["ranked"] else None)
        prior_hits, _, _ = first_is_gold(its, lambda it: max(it["ranked"], key=lambda c: c.prior, default=None))
        p = p_answerable(its)
        shown, shown_sentences = answer_shown(its, coverage, max_sentences)
        y = np.array([it["answerable"] for it in its])
        kind = np.array([it["kind"] for it in its])
        adversarial, off, near = kind == "unanswerable", kind == "off-topic", kind == "near-topic"
        own = ~off & ~near  # the questions as sampled
        right = shown_short(short_model, short, *short_answers(its))
        answerable_n = max(1, int(y[own].sum()))
        report[name] = {
            "questions": int(own.sum()), "answerable": int(y[own].sum()), "answer_sentence_retrieved": retrieved,
            "shortlist_recall": round(shortlist_recall(its), 3),
            "shortlist_recall_at": shortlist_recall_at(its),
            "reader_first": round(reader_hits / max(1, retrieved), 3),
            "shortlist_first": round(prior_hits / max(1, retrieved), 3),
            "answer_shown": round(shown, 3), "sentences_shown": round(shown_sentences, 2),
            "answerable_auc": round(auc(p[own], y[own]), 3),
            "off_topic_auc": round(auc(p[y | off], y[y | off]), 3),
            "near_topic_auc": round(auc(p[y | near], y[y | near]), 3),
            "over_refusal": round(float((p[y] < threshold).mean()), 3),
            "refused_unanswerable": round(float((p[adversarial] < threshold).mean()), 3) if adversarial.any() else None,
            "refused_off_topic": round(float((p[off] < threshold).mean()), 3) if off.any() else None,
            "refused_near_topic": round(float((p[near] < threshold).mean()), 3) if near.any() else None,
            "short_answer_shown": round(len(right) / answerable_n, 3),
            "short_answer_right": round(float(np.mean(right)), 3) if len(right) else None,
            "refusal_curve": {f"{int(r * 100)}%": round(float((p[adversarial] < np.quantile(p[y], r)).mean()), 3)
                              for r in (0.01, 0.02, 0.05, 0.10)} if adversarial.any() else {},
        }
    out = {
        "about": "Fitted by `python -m rag fit` (rag/train/fit.py) on " + Path(args.train).name +
                 f"; {sum(it['kind'] in ('answerable', 'unanswerable') for it in items)} questions of the "
                 "calibration and held-apart articles (rag/train/reader_data.py squad2_part). Do not edit by hand.",
        "shortlist": shortlist_model.to_json(SHORTLIST_FEATURES),
        "answerable": answerable.to_json(QUESTION_FEATURES),
        "threshold": round(threshold, 4),
        "weak": round(weak, 4),
        "coverage": coverage,
        "short": short_model.to_json(SHORT_FEATURES),
        "short_answer": round(short, 3),
        "item_match": item_match,
        "scores": report,
    }
    old = json.loads(Path(args.out).read_text(encoding="utf-8")) if Path(args.out).exists() else {}
    if "sides" in old:
        out["sides"] = old["sides"]  # fitted by `python -m rag fit sides`, on other data
    Path(args.out).write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print_report(out)
    return 0


def print_report(out: dict) -> None:
    cols = ["questions", "answerable", "answer_sentence_retrieved", "shortlist_recall", "shortlist_first",
            "reader_first", "answer_shown", "sentences_shown", "answerable_auc", "off_topic_auc", "near_topic_auc",
            "over_refusal", "refused_unanswerable", "refused_off_topic", "refused_near_topic", "short_answer_shown",
            "short_answer_right"]
    print("| part | " + " | ".join(cols) + " |")
    print("|" + "---|" * (len(cols) + 1))
    for part, r in out["scores"].items():
        print(f"| {part} | " + " | ".join(str(r.get(c, "-")) for c in cols) + " |")
    for part, r in out["scores"].items():
        print(f"{part}: SQuAD-unanswerable refused at over-refusal " +
              ", ".join(f"{k}: {v}" for k, v in r["refusal_curve"].items()) +
              "; the answer's sentence in the shortlist of " +
              ", ".join(f"{k}: {v}" for k, v in r["shortlist_recall_at"].items()))
    print(f"threshold (P(answerable) below which it refuses): {out['threshold']}; weak evidence below: "
          f"{out['weak']}; coverage: {out['coverage']}; short answer from P(span right) {out['short_answer']}; "
          f"recommendation item match from answer logit {out['item_match']}")
    for model in ("shortlist", "answerable", "short"):
        print(f"{model}: " + ", ".join(f"{f}={w:+.2f}" for f, w in zip(out[model]["features"], out[model]["weights"])))
