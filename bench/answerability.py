"""Answerability model families compared on one extraction of `python -m rag fit` (not part of the product).

python bench/answerability.py [--questions 3000] [--cache FILE]

The shipped answerability model is a logistic regression on rag/reading.py's question features (rag/fit.py). This
asks whether another model of the same features would refuse more unanswerable questions at the same
over-refusal: each family is fitted on the fitting articles, its refusal threshold set as rag/fit.py sets it (the
2nd percentile of P(answerable) over the fitting part's answerable questions; for the trees, over predictions
made by models that did not see the question's article, since their in-sample scores are over-sharp), and scored
on the held-apart articles, as `rag fit` prints them, and at one held-apart over-refusal for all (a comparison
that does not depend on where each threshold fell):

- linear: rag/fit.py's model (answerable, SQuAD-unanswerable and off-topic questions weighing 1/2, 1/4, 1/4);
- linear + near-topic: the same, near-topic questions fitted on too (1/2, 1/6, 1/6, 1/6);
- trees: gradient-boosted trees (scikit-learn, depth 2 and 3), the shipped weighting, and with near-topic too.

--cache keeps the extraction (pickled) so that a second run takes seconds instead of ~10 minutes.
"""
from __future__ import annotations

import argparse
import pickle
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rag.config import ROOT  # noqa: E402
from rag.fit import (DEFAULT_TRAIN, KIND_SHARES, TARGET_OVER_REFUSAL, auc, extraction, fit_logistic,  # noqa: E402
                     group_weights as kind_weights)

WITH_NEAR = {"answerable": 0.5, "unanswerable": 1 / 6, "off-topic": 1 / 6, "near-topic": 1 / 6}
EQUAL_OVER_REFUSAL = 0.03  # the shipped model's held-apart over-refusal (rag/fitted.json), for a like comparison
FOLDS = 5  # articles per fold of the fitting part, for the trees' out-of-article predictions


def linear(x, y, kinds, shares):
    used = np.isin(kinds, list(shares))
    model = fit_logistic(x[used], y[used], kinds[used], shares)
    return lambda z: 1 / (1 + np.exp(-model(z)))


def trees(depth: int, rounds: int):
    def fit(x, y, kinds, shares):
        from sklearn.ensemble import GradientBoostingClassifier

        used = np.isin(kinds, list(shares))
        model = GradientBoostingClassifier(max_depth=depth, n_estimators=rounds, learning_rate=0.05, subsample=0.8,
                                           random_state=13)
        model.fit(x[used], y[used], sample_weight=kind_weights(kinds[used], shares))
        return lambda z: model.predict_proba(z)[:, 1]
    return fit


def out_of_article(make, x, y, kinds, titles, shares) -> np.ndarray:
    """Each fitting question's P(answerable) from a model fitted without its article."""
    from sklearn.model_selection import GroupKFold

    p = np.zeros(len(y))
    for train, test in GroupKFold(FOLDS).split(x, y, titles):
        p[test] = make(x[train], y[train], kinds[train], shares)(x[test])
    return p


def scores(p_threshold: np.ndarray, y_fit: np.ndarray, p: np.ndarray, y: np.ndarray, kinds: np.ndarray) -> dict:
    threshold = float(np.quantile(p_threshold[y_fit], TARGET_OVER_REFUSAL))
    own = np.isin(kinds, ("answerable", "unanswerable"))
    near = np.isin(kinds, ("answerable", "near-topic"))
    row = {"threshold": round(threshold, 3), "answerable AUC": round(auc(p[own], y[own]), 3),
           "near-topic AUC": round(auc(p[near], y[near]), 3),
           "over-refusal": round(float((p[y] < threshold).mean()), 3)}
    for kind in ("unanswerable", "near-topic", "off-topic"):
        row[f"{kind} refused"] = round(float((p[kinds == kind] < threshold).mean()), 3)
    # threshold-free: SQuAD's unanswerable questions refused where the held-apart over-refusal is EQUAL_OVER_REFUSAL
    level = float(np.quantile(p[y], EQUAL_OVER_REFUSAL))
    row[f"unanswerable refused at {EQUAL_OVER_REFUSAL:.0%} over-refusal"] = round(
        float((p[kinds == "unanswerable"] < level).mean()), 3)
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/answerability.py", description=__doc__.split("\n")[0])
    parser.add_argument("--train", default=str(DEFAULT_TRAIN))
    parser.add_argument("--work", default=str(ROOT / "store" / "fit"))
    parser.add_argument("--questions", type=int, default=3000)
    parser.add_argument("--cache", help="pickle of the extraction: read if it exists, else written")
    args = parser.parse_args(argv)

    cache = Path(args.cache) if args.cache else None
    if cache and cache.exists():
        x, y, kinds, titles, held = pickle.loads(cache.read_bytes())
    else:
        items, held, _, _ = extraction(Path(args.train), Path(args.work), args.questions)
        x = np.stack([it["qx"] for it in items])
        y = np.array([it["answerable"] for it in items])
        kinds = np.array([it["kind"] for it in items])
        titles = np.array([it["title"] for it in items])
        if cache:
            cache.write_bytes(pickle.dumps((x, y, kinds, titles, held)))
    fitting = ~np.isin(titles, sorted(held))
    apart = ~fitting
    families = [("linear (shipped)", linear, KIND_SHARES), ("linear + near-topic", linear, WITH_NEAR),
                ("trees depth 2", trees(2, 150), KIND_SHARES), ("trees depth 3", trees(3, 150), KIND_SHARES),
                ("trees depth 3 + near-topic", trees(3, 150), WITH_NEAR)]
    rows = []
    for name, make, shares in families:
        model = make(x[fitting], y[fitting], kinds[fitting], shares)
        # the linear model's threshold as rag/fit.py sets it (in sample); the trees' from out-of-article scores
        on_fit = model(x[fitting]) if make is linear else out_of_article(make, x[fitting], y[fitting],
                                                                         kinds[fitting], titles[fitting], shares)
        rows.append({"model": name, **scores(on_fit, y[fitting], model(x[apart]), y[apart], kinds[apart])})
    cols = list(rows[0])
    print(f"held apart: {int(apart.sum())} questions and copies of {len(held)} articles; "
          f"fitting part: {int(fitting.sum())}")
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(str(row[c]) for c in cols) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
