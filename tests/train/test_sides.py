"""The lines the both-sides reading uses (rag/train/sides.py): fitted on held-apart stance data, on holders drawn the
way rag/answer/disagree.py hears them."""
from __future__ import annotations

import numpy as np

from rag.answer.reader import load_reader
from rag.train.sides import TARGET_STANCE_PRECISION, holder_lines, on_topic_line


def test_holder_lines_separate_two_sides_at_the_target_precision():
    """Sentences leaning +0.3 (supporters) and -0.3 (underminers) with noise: a holder's lean is the mean of three,
    so two holders on opposite sides lie about 0.6 apart and two on one side far less."""
    rng = np.random.default_rng(0)
    rows, lean = [], []
    for claim in range(60):
        for supports in (True, False):
            for _ in range(6):
                rows.append((claim, supports))
                lean.append((0.3 if supports else -0.3) + rng.normal(0, 0.35))
    out = holder_lines(np.array(lean), rows)
    assert 0.0 < out["gap"] < 1.0 and 0.0 <= out["margin"] < 1.0
    assert out["gap_precision"] >= TARGET_STANCE_PRECISION - 0.1  # scored on the claims it was not fitted on
    assert out["gap_sides_right"] > 0.9 and out["stance_right"] > 0.8
    assert out["holders_scored"] == 30 * 2 * 6  # the odd claims: six holders a side


def test_the_on_topic_line_passes_a_claims_own_perspectives_and_few_of_others():
    claims = {
        0: ("The old harbour should stay open", ["The harbour keeps the fishing families in work.",
                                                 "The harbour costs the town more than it earns."]),
        1: ("Night trains should be subsidised", ["Night trains take short flights off the busiest routes.",
                                                  "Few travellers choose a night train over a cheap flight."]),
        2: ("Libraries should open on Sundays", ["Working parents can only visit at weekends.",
                                                 "Sunday staff would cost more than the visits justify."]),
        3: ("Voting should be compulsory", ["Compulsory voting makes parliaments represent everyone.",
                                            "Forcing people to vote violates their freedom."]),
    }
    persp = [{"claim_id": c, "claim": claim, "perspective": p, "label": "support"}
             for c, (claim, ps) in claims.items() for p in ps]
    out = on_topic_line(load_reader(), persp, foreign=2)
    assert 0.0 < out["on_topic"] < 1.0
    assert out["on_topic_own_passed"] >= out["on_topic_off_claims_passed"]
