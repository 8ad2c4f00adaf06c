"""bench/answerability.py: the model comparison is fair only if each threshold is set as rag/fit.py sets it and
the trees' come from predictions made without the question's own article."""
import numpy as np

from bench.answerability import kind_weights, out_of_article, scores


def test_each_kind_weighs_its_share_however_many_questions_it_has():
    kinds = np.array(["answerable"] * 6 + ["unanswerable"] * 2 + ["off-topic"] * 2)
    w = kind_weights(kinds, {"answerable": 0.5, "unanswerable": 0.25, "off-topic": 0.25})
    assert np.isclose(w[kinds == "answerable"].sum(), 5) and np.isclose(w[kinds == "unanswerable"].sum(), 2.5)


def test_out_of_article_predictions_never_come_from_a_model_that_saw_the_article():
    titles = np.repeat([f"T{i}" for i in range(10)], 4)
    x = np.arange(len(titles), dtype=float)[:, None]
    y = np.tile([True, False], len(titles) // 2)
    kinds = np.where(y, "answerable", "unanswerable")
    seen: list[set] = []

    def make(xa, ya, ka, shares):
        trained_on = {titles[int(v)] for v in xa[:, 0]}
        seen.append(trained_on)
        return lambda z: np.array([0.0 if titles[int(v)] in trained_on else 1.0 for v in z[:, 0]])

    p = out_of_article(make, x, y, kinds, titles, {"answerable": 0.5, "unanswerable": 0.5})
    assert len(seen) == 5 and np.all(p == 1.0)


def test_scores_set_the_threshold_at_the_target_over_refusal_of_the_fitting_part():
    rng = np.random.default_rng(0)
    y = np.r_[np.ones(500, bool), np.zeros(500, bool)]
    kinds = np.where(y, "answerable", "unanswerable")
    p = np.where(y, rng.uniform(0.3, 1.0, 1000), rng.uniform(0.0, 0.7, 1000))
    row = scores(p, y, p, y, kinds)
    assert abs(row["over-refusal"] - 0.02) < 0.005 and row["unanswerable refused"] > 0.4
    assert 0.8 < row["answerable AUC"] < 0.9  # two uniforms overlapping on 0.3-0.7: 1 - 0.08 / 0.49 = 0.84
