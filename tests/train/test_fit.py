"""What is fitted for the answer path (models/fitted.json) and how (rag/train/fit.py)."""
import json

import numpy as np

from rag.answer.reading import FITTED, QUESTION_FEATURES, SHORTLIST_FEATURES, load_fitted
from rag.train.fit import fit_item_match, fit_logistic, fit_ranker, fit_short_answer
from rag.train.reader_eval import auc


def test_the_fitted_file_matches_the_features_and_records_its_fit():
    data = json.loads(FITTED.read_text())
    assert data["shortlist"]["features"] == list(SHORTLIST_FEATURES)
    assert data["answerable"]["features"] == list(QUESTION_FEATURES)
    assert "python -m rag fit" in data["about"]
    held = data["scores"]["held-apart"]
    # the reader must choose the answer's sentence better than the cheap shortlist ranker does, held apart
    assert held["reader_first"] > held["shortlist_first"]
    # and the shortlist must hand it the answer's sentence nearly always
    assert held["shortlist_recall"] > 0.95
    # a question on a topic the documents do not cover is refused far more often than SQuAD's own unanswerable
    # ones, at the same over-refusal (the off-topic copies of rag/train/fit.py)
    assert held["refused_off_topic"] > max(0.8, held["refused_unanswerable"]) and held["over_refusal"] < 0.05
    fitted = load_fitted()
    assert 0 < fitted.threshold < fitted.weak < 1
    assert 0.5 <= fitted.coverage <= 1 and data["scores"]["calibration"]["answer_shown"] >= 0.9
    assert held["answer_shown"] > 0.85 and 1 <= held["sentences_shown"] < 4
    assert held["short_answer_right"] >= 0.7
    assert {"margin", "contradicts"} <= set(data["sides"])


def test_short_answer_line_is_the_lowest_probability_shown_answers_are_right_at():
    rng = np.random.default_rng(0)
    span = rng.normal(0, 3, 400)
    right = rng.random(400) < 1 / (1 + np.exp(-span))  # the higher the span score, the likelier right
    x = np.column_stack([span, rng.normal(0, 1, 400), rng.random(400) < 0.5, rng.random(400)])
    model, line = fit_short_answer(x, right)
    assert model.weights[0] > 0 and 0 < line < 1
    p = 1 / (1 + np.exp(-model(x)))
    assert right[p >= line].mean() >= 0.8  # shown at the line: right for at least the target share
    lower = np.max(p[p < line]) if (p < line).any() else None
    assert lower is None or right[p >= lower].mean() < 0.8  # and no lower line is


def test_item_match_is_the_f1_best_line():
    class C:
        def __init__(self, logit, gold):
            self.logit, self.read, self.gold = logit, object(), gold

    items = []
    for i in range(50):
        cands = [C(2.0 + i * 0.01, True), C(-1.0 - i * 0.01, False), C(0.5 - i * 0.02, False)]
        items.append({"ranked": cands, "gold_ids": {id(c) for c in cands if c.gold}})
    assert -0.5 < fit_item_match(items) <= 2.0


def test_ranker_fit_recovers_the_informative_feature():
    rng = np.random.default_rng(0)
    items = []
    for _ in range(200):
        x = rng.normal(size=(10, 3))
        y = np.zeros(10, dtype=bool)
        y[int(np.argmax(x[:, 1] + 0.3 * rng.normal(size=10)))] = True
        items.append({"x": x, "y": y})
    model = fit_ranker(items)
    assert np.argmax(np.abs(model.weights)) == 1 and model.weights[1] > 0


def test_logistic_fit_and_auc():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(500, 2))
    y = x[:, 0] + 0.5 * rng.normal(size=500) > 0
    model = fit_logistic(x, y)
    assert auc(model(x), y) > 0.85


def test_logistic_fit_weighs_each_group_by_its_share():
    """A rare kind of negative given a quarter of the weight moves the boundary more than its count would."""
    rng = np.random.default_rng(2)
    x = np.r_[rng.normal(1, 1, size=(900, 1)), rng.normal(-1, 1, size=(80, 1)), rng.normal(-3, 1, size=(20, 1))]
    y = np.r_[np.ones(900, bool), np.zeros(100, bool)]
    groups = np.array(["answerable"] * 900 + ["unanswerable"] * 80 + ["off-topic"] * 20)
    plain = fit_logistic(x, y, groups, {"answerable": 0.98, "unanswerable": 0.01, "off-topic": 0.01})
    shared = fit_logistic(x, y, groups, {"answerable": 0.5, "unanswerable": 0.25, "off-topic": 0.25})
    boundary = lambda m: float(m.mean[0] - m.bias * m.scale[0] / m.weights[0])  # noqa: E731  (x where z = 0)
    assert boundary(shared) > boundary(plain)
    assert auc(shared(x), y) > 0.85
